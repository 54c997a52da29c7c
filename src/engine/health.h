/* Health checks, run by the container's monitor (Docker's HEALTHCHECK and --health-*): every
 * Interval the test runs in the container (an exec, in a child of the monitor so its loop does
 * not wait), its output kept; Timeout kills it; Retries failures in a row make the container
 * "unhealthy", a success "healthy"; failures in the StartPeriod do not count. The result goes
 * to State.Health (Status, FailingStreak, Log of the last five). */
#ifndef BERTH_ENGINE_HEALTH_H
#define BERTH_ENGINE_HEALTH_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct eng_health;

/* From Config.Healthcheck ({"Test": [...], "Interval", "Timeout", "Retries", "StartPeriod"},
 * durations in ns); NULL when there is none or it is ["NONE"]. */
struct eng_health *eng_health_new(json_t *healthcheck, const char *rtroot, const char *id);
/* Checks of a container whose executor runs its execs itself (a VM): as an exec session
 * (session.h) through the attach socket, the process of the bundle's config. */
void eng_health_by_session(struct eng_health *h, const char *attach_path, const char *config);
void eng_health_free(struct eng_health *h);
/* The container (re)started: Status "starting", timers from now. */
void eng_health_start(struct eng_health *h, json_t *state);
/* Milliseconds until the monitor's loop must call eng_health_tick again (-1: never). */
int eng_health_wait_ms(const struct eng_health *h);
/* The running check's output pipe to poll, or -1. */
int eng_health_fd(const struct eng_health *h);
/* Start a check that is due, read its output, kill one past its timeout. True when the state
 * changed (to be saved). */
bool eng_health_tick(struct eng_health *h, json_t *state);
/* A reaped child: true (and the state updated) when it was the check. */
bool eng_health_reaped(struct eng_health *h, pid_t pid, int status, json_t *state);

/* "30s", "1m30s", "500ms" → nanoseconds; -1 when unreadable. */
int64_t eng_duration_ns(const char *s);

#endif
