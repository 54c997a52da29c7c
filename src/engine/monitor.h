/* The monitor: one small process per running container (docs/DESIGN.md "The monitor"). It
 * is double-forked from the command that starts the container and runs from a sealed copy of
 * berth (`berth container-monitor ID`), so it outlives that command. It mounts the root,
 * creates and starts the container through the runtime library (the container's init is its
 * child: it is the subreaper), owns the container's stdio or pty (writing the log and serving
 * the attach socket), records the state and the exit status, applies the restart policy, and
 * with --rm removes the container when it ends. */
#ifndef BERTH_ENGINE_MONITOR_H
#define BERTH_ENGINE_MONITOR_H

#include <jansson.h>
#include <stdbool.h>
#include <sys/types.h>

struct berr;
struct eng_store;

/* The runtime's state root for the engine's containers. */
char *eng_runtime_root(const struct eng_store *s);
/* <runroot>/<id>/attach */
char *eng_attach_path(const struct eng_store *s, const char *id);

/* Start a monitor for container id. wait_clients: it waits for that many clients on the
 * attach socket before starting the process (so a foreground run sees all output). Returns the read
 * end of the monitor's report pipe. */
int eng_monitor_spawn(const struct eng_store *s, const char *id, unsigned wait_clients,
		      struct berr **err);

enum eng_report { ENG_REPORT_LISTENING = 'L', ENG_REPORT_STARTED = 'S', ENG_REPORT_FAILED = 'E' };

/* The monitor's next report. FAILED sets err and *out_status (125, 126 cannot execute, 127
 * not found, as `docker run` exits); a monitor that died without a word is FAILED too. */
int eng_monitor_report(int fd, enum eng_report *out, pid_t *out_pid, int *out_status,
		       struct berr **err);

/* Start container id under a monitor and wait until its process runs. attach: the monitor
 * waits for us on the attach socket first, and *out_sock (else -1) is that connection, from
 * which all of the process's output comes (attach.h frames). On failure *out_status is the
 * exit status for the command (125, 126, 127 as eng_monitor_report says); a monitor that
 * failed has ended when this returns. */
int eng_monitor_start(const struct eng_store *s, const char *id, bool attach, int *out_sock,
		      int *out_status, struct berr **err);

/* The same for clients that attach from other processes (the API's attach and wait, which
 * come before the start): the monitor waits for that many, and this returns once the
 * process runs. */
int eng_monitor_start_awaited(const struct eng_store *s, const char *id, unsigned clients,
			      int *out_status, struct berr **err);

/* The monitor itself (`berth container-monitor`); returns the process's exit status. */
int eng_monitor_main(const struct eng_store *s, const char *id, int report_fd,
		     unsigned wait_attach);

/* Ask the container to stop: its stop signal, then SIGKILL after timeout_s (<0: the
 * container's StopTimeout, else 10); waits until the monitor has recorded the end. A
 * restart policy does not bring it back. */
int eng_container_stop(const struct eng_store *s, const char *id, int timeout_s, struct berr **err);
/* docker restart: stopped as eng_container_stop (if it runs), started again detached, and the
 * "restart" event dockerd logs after the start's. */
int eng_container_restart(const struct eng_store *s, const char *id, int timeout_s,
			  struct berr **err);
int eng_container_kill(const struct eng_store *s, const char *id, int sig, struct berr **err);
/* Remove a container: refused while it runs unless force (then killed first); also clears
 * what a monitor that died left behind. */
int eng_container_destroy(const struct eng_store *s, const char *id, bool force, bool volumes,
			  struct berr **err);
/* What a monitor that is gone (killed, or the host went down) left of a container: its
 * processes, the runtime's record, the root's mount; the state recorded as exited with code
 * and the error why. */
int eng_container_reap(const struct eng_store *s, const char *id, int code, const char *why,
		       struct berr **err);
/* Whether a cgroup of the container is there; remove it (its processes killed first). */
bool eng_container_cgroup_left(const struct eng_store *s, const char *id);
int eng_container_cgroup_clear(const struct eng_store *s, const char *id, struct berr **err);
/* Whether its restart policy starts a container again when the host comes up (`berth system
 * boot`), as a Docker daemon does at its start: always; unless-stopped unless it was stopped
 * by hand; never on-failure (a host going down is not the container's failure) nor one that
 * was only created. */
bool eng_restart_at_boot(json_t *rec, json_t *state);
/* Wait until the container is not running; its exit code. */
int eng_container_wait(const struct eng_store *s, const char *id, int *out_code, struct berr **err);

#endif
