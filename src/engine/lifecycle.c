/* stop, kill and wait on a container its monitor runs (see monitor.h). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "engine/attach.h"
#include "engine/bundle.h"
#include "engine/container.h"
#include "engine/create.h"
#include "engine/event.h"
#include "engine/executor.h"
#include "engine/layer_copies.h"
#include "engine/monitor.h"
#include "engine/pod.h"
#include "runtime/cgroup.h"
#include "runtime/container.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/signal.h"
#include "util/timefmt.h"
#include "util/xalloc.h"

static bool is_running(const struct eng_store *s, const char *id)
{
	json_t *st = eng_state_load(s, id);
	const char *status = json_string_value(json_object_get(st, "Status"));
	bool r = status && (!strcmp(status, "running") || !strcmp(status, "restarting") ||
			    !strcmp(status, "paused"));
	json_decref(st);
	return r;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

/* A signal for the container's process: through the runtime, or for a VM through its
 * monitor (the attach socket's signal frame), which tells the guest. */
static int send_signal(const struct eng_store *s, const char *id, int sig, bool all,
		       struct berr **err)
{
	json_t *rec = eng_container_load(s, id, NULL);
	bool vm = rec && eng_is_vm(rec);
	json_decref(rec);
	if (!vm) {
		autofree char *root = eng_runtime_root(s);
		return rt_container_kill(root, id, sig, all, err);
	}
	autofree char *path = eng_attach_path(s, id);
	struct sockaddr_un a;
	autoclose int dirfd = -1;
	int r = fs_unix_addr(path, &a, &dirfd, err);
	if (r < 0)
		return r;
	autoclose int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
		return berr_set(err, errno, "reach the monitor of %.12s", id);
	char num[16];
	int n = snprintf(num, sizeof(num), "%d", sig);
	r = frame_write(fd, FRAME_SIGNAL, num, (size_t)n);
	return r < 0 ? berr_set(err, -r, "signal %.12s", id) : 0;
}

/* The container's stop signal (SIGTERM unless its config names another). */
static int stop_signal(json_t *rec)
{
	const char *name =
	    json_string_value(json_object_get(json_object_get(rec, "Config"), "StopSignal"));
	int sig = name && *name ? sig_parse(name) : -1;
	return sig > 0 ? sig : SIGTERM;
}

/* A stop by hand: the restart policy does not bring it back, and the monitor records it
 * (HasBeenManuallyStopped, as Docker's: unless-stopped is not started at boot). */
static void mark_stopping(const struct eng_store *s, const char *id)
{
	autofree char *marker = eng_container_path(s, id, "stopping");
	(void)fs_write_file(AT_FDCWD, marker, "", 0, 0600, NULL);
}

/* dockerd's "kill" event, with the signal's number: logged before the signal is sent, as
 * the monitor logs the die it causes as soon as it sees it */
static void kill_event(const struct eng_store *s, const char *id, json_t *rec, int sig)
{
	json_t *more = json_pack("{s:o}", "signal", json_sprintf("%d", sig));
	eng_event_container(s, id, rec, "kill", more);
	json_decref(more);
}

int eng_container_kill(const struct eng_store *s, const char *id, int sig, struct berr **err)
{
	if (!is_running(s, id))
		return berr_plain(err, EINVAL, "container %.12s is not running", id);
	/* as Docker's kill: SIGKILL or the stop signal ends it for good */
	json_t *rec = eng_container_load(s, id, NULL);
	if (rec && (sig == SIGKILL || sig == stop_signal(rec)))
		mark_stopping(s, id);
	kill_event(s, id, rec, sig); /* before: the monitor's die may come at once */
	int r = send_signal(s, id, sig, false, err);
	json_decref(rec);
	return r;
}

/* Wait up to ms for the monitor to record the end; true when it did. */
static bool wait_stopped(const struct eng_store *s, const char *id, long ms)
{
	for (long waited = 0; waited <= ms; waited += 50) {
		if (!is_running(s, id))
			return true;
		sleep_ms(50);
	}
	return !is_running(s, id);
}

int eng_container_stop(const struct eng_store *s, const char *id, int timeout_s, struct berr **err)
{
	if (!is_running(s, id))
		return 0; /* Docker: stopping a stopped container is fine */
	json_t *rec = eng_container_load(s, id, err);
	if (!rec)
		return berr_ret(err);
	json_t *cfg = json_object_get(rec, "Config");
	if (timeout_s < 0) {
		json_t *t = json_object_get(cfg, "StopTimeout");
		timeout_s = json_is_integer(t) ? (int)json_integer_value(t) : 10;
	}
	int sig = stop_signal(rec);
	/* a paused container is thawed first: frozen, it could not act on the signal */
	autofree char *paused = eng_container_path(s, id, "paused");
	if (access(paused, F_OK) == 0) {
		autofree char *rt = eng_runtime_root(s);
		(void)rt_container_pause(rt, id, false, NULL);
		(void)unlink(paused);
	}
	mark_stopping(s, id);
	kill_event(s, id, rec, sig);
	(void)send_signal(s, id, sig, false, NULL);
	bool stopped = wait_stopped(s, id, (long)timeout_s * 1000);
	if (!stopped) {
		kill_event(s, id, rec, SIGKILL);
		(void)send_signal(s, id, SIGKILL, true, NULL);
		stopped = wait_stopped(s, id, 10000);
	}
	if (stopped)
		eng_event_container(s, id, rec, "stop", NULL);
	json_decref(rec);
	return stopped ? 0 : berr_plain(err, ETIMEDOUT, "container %.12s did not stop", id);
}

int eng_container_restart(const struct eng_store *s, const char *id, int timeout_s,
			  struct berr **err)
{
	int r = is_running(s, id) ? eng_container_stop(s, id, timeout_s, err) : 0;
	int sock = -1, status = 0;
	if (r == 0)
		r = eng_monitor_start(s, id, false, &sock, &status, err);
	if (sock >= 0)
		(void)close(sock);
	if (r == 0)
		eng_container_event(s, id, "restart", NULL);
	return r;
}

int eng_container_wait(const struct eng_store *s, const char *id, int *out_code, struct berr **err)
{
	while (is_running(s, id))
		sleep_ms(50);
	json_t *st = eng_state_load(s, id);
	*out_code = (int)json_integer_value(json_object_get(st, "ExitCode"));
	json_decref(st);
	return 0;
}

bool eng_container_cgroup_left(const struct eng_store *s, const char *id)
{
	autofree char *path = eng_container_cgroup(s, id);
	return rt_cgroup_exists(path);
}

int eng_container_cgroup_clear(const struct eng_store *s, const char *id, struct berr **err)
{
	autofree char *path = eng_container_cgroup(s, id);
	if (!rt_cgroup_exists(path))
		return 0;
	pid_t *pids = NULL;
	size_t n = 0;
	if (rt_cgroup_pids(path, &pids, &n, NULL) == 0)
		for (size_t i = 0; i < n; i++)
			(void)kill(pids[i], SIGKILL);
	free(pids);
	return rt_cgroup_destroy(path, err);
}

/* Whatever a dead monitor left: the container's processes, the runtime's record, the
 * cgroup (there without a record when a create was cut short), the root's mount, the
 * socket. */
static void clear_leftovers(const struct eng_store *s, const char *id)
{
	autofree char *root = eng_runtime_root(s);
	(void)rt_container_kill(root, id, SIGKILL, true, NULL);
	(void)rt_container_delete(root, id, true, NULL);
	(void)eng_container_cgroup_clear(s, id, NULL);
	autofree char *rootfs = eng_container_path(s, id, "rootfs");
	(void)umount2(rootfs, MNT_DETACH);
	autofree char *sock = eng_attach_path(s, id);
	(void)unlink(sock);
	autofree char *run = xasprintf("%s/%s", s->runroot, id);
	(void)rmdir(run);
}

int eng_container_reap(const struct eng_store *s, const char *id, int code, const char *why,
		       struct berr **err)
{
	clear_leftovers(s, id);
	json_t *st = eng_state_load(s, id);
	char now[40];
	timefmt_now(now);
	json_object_set_new(st, "Status", json_string("exited"));
	json_object_set_new(st, "Running", json_false());
	json_object_set_new(st, "MonitorPid", json_integer(0));
	json_object_set_new(st, "Pid", json_integer(0));
	json_object_set_new(st, "ExitCode", json_integer(code));
	json_object_set_new(st, "FinishedAt", json_string(now));
	json_object_set_new(st, "Error", json_string(why));
	int r = eng_state_save(s, id, st, err);
	json_decref(st);
	return r;
}

bool eng_restart_at_boot(json_t *rec, json_t *state)
{
	json_t *p = json_object_get(json_object_get(rec, "HostConfig"), "RestartPolicy");
	const char *name = json_string_value(json_object_get(p, "Name")) ?: "";
	const char *started = json_string_value(json_object_get(state, "StartedAt")) ?: "";
	if (!*started || !strncmp(started, "0001-", 5))
		return false; /* never started: created only */
	if (!strcmp(name, "always"))
		return true;
	if (!strcmp(name, "unless-stopped"))
		return !json_is_true(json_object_get(state, "HasBeenManuallyStopped"));
	return false; /* no, and on-failure: a host going down is not the container's failure */
}

int eng_container_destroy(const struct eng_store *s, const char *id, bool force, bool volumes,
			  struct berr **err)
{
	json_t *own = eng_container_load(s, id, NULL);
	int guard = eng_pod_infra_guard(s, own, err); /* a pod's infra goes with its pod */
	json_decref(own);
	if (guard < 0)
		return guard;
	if (is_running(s, id)) {
		if (!force)
			return berr_plain(err, EBUSY,
					  "you cannot remove a running container %s. Stop the "
					  "container before attempting removal or force remove",
					  id);
		mark_stopping(s, id);
		kill_event(s, id, NULL, SIGKILL);
		(void)send_signal(s, id, SIGKILL, true, NULL);
		(void)wait_stopped(s, id, 10000);
	}
	clear_leftovers(s, id);
	json_t *rec = eng_container_load(s, id, NULL);
	int r = eng_container_remove(s, id, err);
	if (r == 0)
		eng_event_container(s, id, rec, "destroy", NULL);
	if (r == 0 && rec && volumes)
		eng_remove_anonymous_volumes(s, rec);
	if (r == 0) /* the layer copies only it used (a store that takes no idmapping) */
		(void)eng_layer_copies_prune(s, NULL);
	json_decref(rec);
	return r;
}
