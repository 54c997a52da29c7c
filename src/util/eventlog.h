/* The store's event log: what happened to containers, images, networks and volumes, one JSON
 * document per line in <root>/events.log, appended by every process that acts on the store
 * (the command line, the containers' monitors, the API service) and read back, or followed, by
 * `berth events` and GET /events. The document is Docker's events.Message:
 *   {"status", "id", "from",              (the old fields: containers and images only)
 *    "Type", "Action", "Actor": {"ID", "Attributes": {...}}, "scope": "local",
 *    "time" (seconds), "timeNano"}
 * A line is written with one write() on an O_APPEND descriptor, so writers never interleave;
 * past EVENTLOG_MAX_BYTES the log is renamed to events.log.1 (one generation kept, as
 * podman's file backend bounds its log), under <root>/events.lock. */
#ifndef BERTH_UTIL_EVENTLOG_H
#define BERTH_UTIL_EVENTLOG_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

struct berr;

#define EVENTLOG_MAX_BYTES (4 << 20)

/* Append one event (attrs: an object of strings, or NULL; not stolen). A failure to write
 * is only logged at debug level: an event never fails the act it records. */
void eventlog_append(const char *root, const char *type, const char *action, const char *id,
		     json_t *attrs);

/* Called for each event in order; a non-zero return ends the read with that value. */
typedef int (*eventlog_fn)(json_t *event, void *ctx);

struct eventlog_read {
	int64_t since_ns, until_ns; /* 0: no bound */
	bool follow;                /* wait for new events (until until_ns, if set) */
	int stop_fd;                /* -1, or an fd whose readability or hang-up ends a follow
				     * (the client's socket: a GET sends nothing more) */
};

/* The events of the window in the order written (the old generation first), then, when
 * following, each new one as it is appended. Returns 0 at the end of the window (or when
 * stop_fd fires), fn's non-zero value, or a negative errno. */
int eventlog_read(const char *root, const struct eventlog_read *o, eventlog_fn fn, void *ctx,
		  struct berr **err);

#endif
