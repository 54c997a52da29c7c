/* The runtime side of container creation and the lifecycle operations on a created
 * container. See init.c for the child side, and the runtime spec's "Lifecycle" for the order. */
#include "runtime/container.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h> /* struct clone_args */
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "runtime/caps.h"
#include "runtime/cgroup.h"
#include "runtime/cgroup_owner.h"
#include "runtime/console.h"
#include "runtime/hooks.h"
#include "runtime/init.h"
#include "runtime/mount.h"
#include "runtime/namespace.h"
#include "runtime/notify.h"
#include "runtime/rootless.h"
#include "runtime/seccomp.h"
#include "runtime/state.h"
#include "runtime/sync.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/log.h"
#include "util/xalloc.h"

static char *now_rfc3339(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	struct tm tm;
	gmtime_r(&ts.tv_sec, &tm);
	return xasprintf("%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ", tm.tm_year + 1900, tm.tm_mon + 1,
			 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec);
}

static char *annotations_json(const struct rt_spec *spec)
{
	return spec->annotations ? json_dumps(spec->annotations, JSON_COMPACT) : NULL;
}

/* The devices the config creates are allowed whatever linux.resources.devices says (runc and
 * crun do the same), or the container could not mknod or open them. */
static json_t *effective_resources(const struct rt_spec *spec)
{
	json_t *rules = spec->resources ? json_object_get(spec->resources, "devices") : NULL;
	if (!json_is_array(rules) || !spec->n_devices)
		return json_incref(spec->resources);
	json_t *res = json_deep_copy(spec->resources);
	rules = json_object_get(res, "devices");
	for (size_t i = 0; i < spec->n_devices; i++) {
		const struct rt_device *d = &spec->devices[i];
		if (d->type == 'p')
			continue;
		char type[2] = {d->type == 'b' ? 'b' : 'c', 0};
		json_array_append_new(rules, json_pack("{s:b,s:s,s:I,s:I,s:s}", "allow", 1, "type",
						       type, "major", (json_int_t)d->major, "minor",
						       (json_int_t)d->minor, "access", "rwm"));
	}
	return res;
}

/* fork(), but born in the cgroup's v2 part (the whole cgroup on a v2 host) with
 * clone3(CLONE_INTO_CGROUP): a process that never moves costs no migration. Falls back to
 * fork() (kernel before 5.7, no v2 tree). The parent is single-threaded here (no relay thread
 * yet): a raw clone is as safe as fork. */
static pid_t fork_into_cgroup(const char *path, bool *placed)
{
	*placed = false;
	autoclose int cg = rt_cgroup_open_v2(path);
	if (cg >= 0) {
		struct clone_args a = {
		    .flags = CLONE_INTO_CGROUP, .exit_signal = SIGCHLD, .cgroup = (uint64_t)cg};
		long pid = syscall(SYS_clone3, &a, sizeof(a));
		if (pid >= 0) {
			*placed = true;
			return (pid_t)pid;
		}
	}
	return fork();
}

/* What the parent does while the children set up: a small state machine over the sync socket. */
static int drive_setup(const struct rt_spec *spec, const struct rt_seccomp *seccomp,
		       struct rt_state *st, int sock, pid_t stage1, int procfd, struct berr **err)
{
	struct rt_msg m;
	int r;
	for (;;) {
		if ((r = rt_sync_recv(sock, &m, err)) < 0)
			return r;
		switch (m.type) {
		case RT_MSG_USERNS_READY:
			if (rt_rootless_write_maps(procfd, stage1, spec, err) < 0)
				return berr_wrap(err, "write id mappings");
			(void)rt_sync_send(sock, RT_MSG_USERNS_MAPPED, 0);
			break;
		case RT_MSG_INIT_PID: {
			st->pid = (pid_t)m.value;
			int status;
			(void)waitpid(stage1, &status, 0);
			st->pid_start = rt_proc_start_time(st->pid);
			if ((r = rt_state_save(st, err)) < 0)
				return r;
			(void)rt_sync_send(sock, RT_MSG_GO, st->pid);
			break;
		}
		case RT_MSG_RUNTIME_HOOKS: {
			autofree char *ann = annotations_json(spec);
			/* The state hooks see is "created", as crun gives it (runtime-tools
			 * checks). */
			autofree char *sj = rt_state_spec_json(st, RT_STATUS_CREATED, ann);
			if ((r = rt_hooks_run(&spec->hooks[RT_HOOK_PRESTART], "prestart", sj,
					      err)) < 0 ||
			    (r = rt_hooks_run(&spec->hooks[RT_HOOK_CREATE_RUNTIME], "createRuntime",
					      sj, err)) < 0)
				return r;
			(void)rt_sync_send(sock, RT_MSG_HOOKS_DONE, 0);
			break;
		}
		case RT_MSG_SECCOMP_FD: {
			autofree char *ann = annotations_json(spec);
			autofree char *sj = rt_state_spec_json(st, RT_STATUS_CREATING, ann);
			int fd = (int)m.value;
			int sent = seccomp && fd >= 0
				       ? rt_seccomp_send_listener(seccomp, fd, st->pid, sj, err)
				       : berr_set(err, EPROTO, "unexpected seccomp notify fd");
			if (fd >= 0)
				(void)close(fd);
			if (sent < 0)
				return sent;
			(void)rt_sync_send(sock, RT_MSG_SECCOMP_DONE, 0);
			break;
		}
		case RT_MSG_READY:
			return 0;
		default:
			return berr_set(err, EPROTO, "unexpected message %d", m.type);
		}
	}
}

static int check_systemd(bool systemd_cgroup, struct berr **err)
{
	if (!systemd_cgroup)
		return 0;
	if (access("/run/systemd/system", F_OK) < 0)
		return berr_set(err, ENOTSUP,
				"systemd cgroup driver requested, but systemd is not running as "
				"PID 1 here (use the cgroupfs driver)");
	return berr_set(err, ENOTSUP, "systemd cgroup driver is not supported yet");
}

static void kill_and_reap(pid_t pid)
{
	if (pid > 0) {
		kill(pid, SIGKILL);
		(void)waitpid(pid, NULL, 0);
	}
}

/* Wait for a process that is not our child to go away (it was reparented elsewhere). */
static void wait_gone(pid_t pid, uint64_t start)
{
	for (int i = 0; i < 2000; i++) {
		uint64_t now = rt_proc_start_time(pid);
		if (now == 0 || now != start)
			return;
		(void)waitpid(pid, NULL, WNOHANG);
		struct timespec ts = {0, 2500000};
		nanosleep(&ts, NULL);
	}
}

static bool wants_terminal(const char *text, size_t len)
{
	json_t *root = json_loadb(text, len, 0, NULL);
	json_t *t = json_object_get(json_object_get(root, "process"), "terminal");
	bool yes = json_is_true(t);
	json_decref(root);
	return yes;
}

/* config.json read, checked and adjusted for the caller (LISTEN_FDS). */
static struct rt_spec *load_config(const struct rt_create_opts *o, char **text, size_t *len,
				   struct berr **err)
{
	autofree char *config_path =
	    o->config ? xstrdup(o->config) : xasprintf("%s/config.json", o->bundle);
	if (fs_read_file(AT_FDCWD, config_path, RT_SPEC_MAX_BYTES, text, len, err) < 0)
		return NULL;
	/* A usage error (a detached terminal with nowhere to go) is reported before the
	 * config's other faults, as crun does. */
	if (!o->console_socket && !o->has_console_fd && wants_terminal(*text, *len)) {
		berr_set(err, EINVAL,
			 "process.terminal is true and the container runs detached: use "
			 "--console-socket");
		return NULL;
	}
	autoptr(rt_spec) spec = rt_spec_parse(*text, *len, o->bundle, err);
	if (!spec) {
		berr_wrap(err, "load '%s'", config_path);
		return NULL;
	}
	struct stat sb;
	if (stat(spec->root_path, &sb) < 0 || !S_ISDIR(sb.st_mode)) {
		berr_set(err, errno ? errno : ENOTDIR, "root.path '%s'", spec->root_path);
		return NULL;
	}
	if (o->listen_fds > 0 && spec->process) {
		char **env = spec->process->env;
		size_t n = strv_len(env);
		env = xrealloc(env, (n + 3) * sizeof(*env));
		env[n] = xasprintf("LISTEN_FDS=%d", o->listen_fds);
		env[n + 1] = xstrdup("LISTEN_PID=1");
		env[n + 2] = NULL;
		spec->process->env = env;
	}
	return take_ptr(&spec);
}

/* What a create holds until it is done, and gives back whether it succeeded or not. */
struct creation {
	int sv[2], fifo_fd, console_fd, procfd;
	int ns_fds[RT_NS_COUNT];
	int *source_fds;
	char *devices_dir;
	pid_t stage1;
	bool cgroup_made;
};

static void creation_release(struct creation *c, const struct rt_spec *spec)
{
	for (int k = 0; k < RT_NS_COUNT; k++)
		if (c->ns_fds[k] >= 0)
			(void)close(c->ns_fds[k]);
	for (int i = 0; i < 2; i++)
		if (c->sv[i] >= 0)
			(void)close(c->sv[i]);
	if (c->fifo_fd >= 0)
		(void)close(c->fifo_fd);
	if (c->console_fd >= 0)
		(void)close(c->console_fd);
	if (c->procfd >= 0)
		(void)close(c->procfd);
	rt_mount_close_sources(spec, c->source_fds);
	free(c->devices_dir);
}

/* <root>/<id>: the config's copy, status, exec.fifo (opened), the notify directory. */
static int make_state(const struct rt_create_opts *o, struct rt_spec *spec, const char *text,
		      size_t len, struct rt_state *st, struct creation *c, struct berr **err)
{
	autofree char *fifo = xasprintf("%s/exec.fifo", st->dir);
	autofree char *config_copy = xasprintf("%s/config.json", st->dir);
	int r;
	if ((r = fs_write_file(AT_FDCWD, config_copy, text, len, 0600, err)) < 0 ||
	    (r = rt_state_save(st, err)) < 0)
		return r;
	if (mkfifo(fifo, 0600) < 0)
		return berr_set(err, errno, "create exec fifo");
	st->notify_socket = (char *)rt_notify_socket();
	if (st->notify_socket &&
	    ((r = rt_notify_prepare(spec, st->dir, st->notify_socket, err)) < 0 ||
	     (r = rt_state_save(st, err)) < 0))
		return r;
	/* O_RDWR: opening does not block, and the init's read waits for start's byte. */
	c->fifo_fd = open(fifo, O_RDWR | O_CLOEXEC);
	if (c->fifo_fd < 0)
		return berr_set(err, errno, "open exec fifo");
	if ((r = rt_console_open(o->has_console_fd, o->console_fd, o->console_socket,
				 &c->console_fd, err)) < 0 ||
	    (r = rt_ns_open_paths(spec, c->ns_fds, err)) < 0)
		return r;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, c->sv) < 0)
		return berr_set(err, errno, "socketpair");
	c->procfd = rt_init_procfs(o->preserve_fds + (o->listen_fds > 0 ? o->listen_fds : 0), err);
	if (c->procfd < 0)
		return c->procfd;
	c->devices_dir = xasprintf("%s/devices", st->dir);
	return 0; /* the binds' sources once the cgroup is made (spawn): one may be in it */
}

/* The cgroup. Rootless (runc's rule), one the user cannot make is skipped with a warning
 * when nothing but device rules depends on it (the devices are the config's binds anyway),
 * and an error naming the cause when limits are asked for. */
static int make_cgroup(const struct rt_create_opts *o, struct rt_state *st, json_t *res,
		       struct creation *c, struct berr **err)
{
	if (o->no_cgroup && !rt_rootless_wants_limits(res)) {
		free(st->cgroup_path);
		st->cgroup_path = NULL;
		return 0;
	}
	struct berr *cause = NULL;
	int r = rt_cgroup_create(st->cgroup_path, res, &cause);
	c->cgroup_made = true; /* even a failed create may have made some: destroy them */
	if (r == 0)
		return 0;
	int code = berr_code(cause);
	if (!o->rootless || (code != EACCES && code != EPERM && code != EROFS)) {
		*err = cause;
		return berr_wrap(err, "cgroup '%s'", st->cgroup_path);
	}
	(void)rt_cgroup_destroy(st->cgroup_path, NULL);
	c->cgroup_made = false;
	if (rt_rootless_wants_limits(res))
		return rt_rootless_limits_error(res, cause, err);
	autofree char *why = berr_string(cause);
	berr_free(cause);
	log_warn("rootless: container '%s' runs without a cgroup of its own (%s)", o->id, why);
	free(st->cgroup_path);
	st->cgroup_path = NULL;
	return 0;
}

/* The cgroup, then stage 1 born in it (init.h). */
static int spawn(const struct rt_create_opts *o, const struct rt_spec *spec,
		 struct rt_seccomp *seccomp, struct rt_state *st, struct creation *c,
		 struct berr **err)
{
	struct rt_init_ctx ctx = {.spec = spec,
				  .process = spec->process,
				  .sync_fd = c->sv[1],
				  .fifo_fd = c->fifo_fd,
				  .console_fd = c->console_fd,
				  .unshare_flags = rt_ns_unshare_flags(spec),
				  .no_pivot = o->no_pivot,
				  .no_new_keyring = o->no_new_keyring,
				  .preserve_fds =
				      o->preserve_fds + (o->listen_fds > 0 ? o->listen_fds : 0),
				  .cgroup_path = st->cgroup_path,
				  .mount_source_fds = c->source_fds,
				  .seccomp = seccomp,
				  .id = o->id,
				  .bundle = o->bundle,
				  .procfd = c->procfd};
	memcpy(ctx.ns_fds, c->ns_fds, sizeof(c->ns_fds));
	json_t *res = effective_resources(spec);
	int r = make_cgroup(o, st, res, c, err);
	json_decref(res);
	/* a system container in a user namespace: its root owns its cgroup where it may write
	 * it, and binds it from the host (cgroup_owner.h) */
	if (r == 0)
		r = rt_cgroup_delegate(spec, st->cgroup_path, err);
	if (r == 0)
		r = rt_mount_open_sources(spec, c->devices_dir, &c->source_fds, err);
	if (r < 0)
		return r;
	ctx.cgroup_path = st->cgroup_path;
	ctx.mount_source_fds = c->source_fds;
	c->stage1 =
	    st->cgroup_path ? fork_into_cgroup(st->cgroup_path, &ctx.cgroup_v2_done) : fork();
	if (c->stage1 < 0)
		return berr_set(err, errno, "fork");
	if (c->stage1 == 0) {
		(void)close(c->sv[0]);
		rt_init_stage1(&ctx);
	}
	(void)close(c->sv[1]);
	c->sv[1] = -1;
	return 0;
}

int rt_container_create(const struct rt_create_opts *o, pid_t *out_pid, struct berr **err)
{
	autofree char *text = NULL;
	size_t len = 0;
	int r;
	if ((r = rt_state_validate_id(o->id, err)) < 0 ||
	    (r = check_systemd(o->systemd_cgroup, err)) < 0)
		return r;
	autoptr(rt_spec) spec = load_config(o, &text, &len, err);
	if (!spec)
		return berr_ret(err);
	/* runc's check (configs/validate): an ordinary user can make the other namespaces
	 * only as root of a user namespace of its own. */
	if (geteuid() != 0 && !spec->ns[RT_NS_USER].enabled)
		return berr_plain(
		    err, EPERM,
		    "rootless container requires user namespaces (the runtime runs as "
		    "uid %u; 'berth-runtime spec --rootless' writes such a config)",
		    (unsigned)geteuid());
	rt_caps_check(spec->process);
	struct rt_seccomp *seccomp = NULL;
	if (spec->seccomp && !(seccomp = rt_seccomp_build(spec->seccomp, o->root, err)))
		return berr_ret(err);
	struct rt_state st = {.id = (char *)o->id,
			      .bundle = (char *)o->bundle,
			      .rootfs = spec->root_path,
			      .owner = getuid()};
	r = rt_state_create_dir(o->root, o->id, &st.dir, err);
	if (r < 0) {
		rt_seccomp_free(seccomp);
		return r;
	}
	st.created = now_rfc3339();
	st.cgroup_path = rt_cgroup_path(spec->cgroups_path, o->id);
	st.external_descriptors = rt_state_stdio_descriptors();
	struct creation c = {
	    .sv = {-1, -1}, .fifo_fd = -1, .console_fd = -1, .procfd = -1, .stage1 = -1};
	for (int k = 0; k < RT_NS_COUNT; k++)
		c.ns_fds[k] = -1;

	r = make_state(o, spec, text, len, &st, &c, err);
	if (r == 0)
		r = spawn(o, spec, seccomp, &st, &c, err);
	if (r == 0 && (r = drive_setup(spec, seccomp, &st, c.sv[0], c.stage1, c.procfd, err)) < 0)
		berr_wrap(err, "create container '%s'", o->id);
	if (r == 0 && o->pid_file) {
		char buf[16];
		int n = snprintf(buf, sizeof(buf), "%d", (int)st.pid);
		r = fs_replace_file(o->pid_file, buf, (size_t)n, 0644, err);
	}
	if (r == 0) {
		*out_pid = st.pid;
		/* The nodes made for a user namespace are mounted in the container by now. */
		(void)fs_rm_rf(AT_FDCWD, c.devices_dir, NULL);
	} else {
		if (st.pid > 0) {
			kill(st.pid, SIGKILL);
			wait_gone(st.pid, st.pid_start);
		}
		kill_and_reap(c.stage1);
		if (c.cgroup_made)
			(void)rt_cgroup_destroy(st.cgroup_path, NULL);
		(void)fs_rm_rf(AT_FDCWD, st.dir, NULL);
	}
	creation_release(&c, spec);
	rt_seccomp_free(seccomp);
	free(st.dir);
	free(st.created);
	free(st.cgroup_path);
	free(st.external_descriptors);
	return r < 0 ? r : 0;
}

struct rt_spec *rt_container_spec(const char *root, const char *id, struct berr **err)
{
	autoptr(rt_state) st = rt_state_load(root, id, err);
	if (!st)
		return NULL;
	autofree char *path = xasprintf("%s/config.json", st->dir);
	return rt_spec_load(path, st->bundle, err);
}

/* After start's byte: the init holds the fifo open (close-on-exec) until its execve, so
 * the fifo losing its last reader means the process runs (or died). poll() reports POLLERR
 * to a writer then. Bounded, so a process stuck before exec cannot hang start. */
static void wait_exec(int fd)
{
	struct pollfd p = {.fd = fd, .events = 0};
	for (int waited = 0; waited < 10000; waited += 100) {
		if (poll(&p, 1, 100) > 0 && (p.revents & (POLLERR | POLLHUP | POLLNVAL)))
			return;
	}
	log_warn("the container process did not start within 10 s");
}

int rt_container_start(const char *root, const char *id, struct berr **err)
{
	autoptr(rt_state) st = rt_state_load(root, id, err);
	if (!st)
		return berr_ret(err);
	enum rt_status s = rt_state_status(st);
	/* A create still under way (another caller polls state, then starts): wait for it. */
	for (int i = 0; s == RT_STATUS_CREATING && i < 1000; i++) {
		struct timespec ts = {0, 10000000};
		nanosleep(&ts, NULL);
		rt_state_free(st);
		if (!(st = rt_state_load(root, id, err)))
			return berr_ret(err);
		s = rt_state_status(st);
	}
	if (s != RT_STATUS_CREATED)
		return berr_set(err, EINVAL, "cannot start container '%s': it is %s", id,
				rt_status_name(s));
	autoptr(rt_spec) spec = rt_container_spec(root, id, err);
	if (!spec)
		return berr_ret(err);
	if (!spec->process)
		return berr_set(err, EINVAL, "cannot start container '%s': config has no process",
				id);
	autofree char *fifo = xasprintf("%s/exec.fifo", st->dir);
	autoclose int fd = open(fifo, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return berr_set(err, errno, "open exec fifo of '%s'", id);
	int notify_fd = -1, r;
	if (st->notify_socket && (r = rt_notify_listen(st->dir, &notify_fd, err)) < 0)
		return r;
	char c = '0';
	if (write(fd, &c, 1) != 1) {
		if (notify_fd >= 0)
			(void)close(notify_fd);
		return berr_set(err, errno, "start container '%s'", id);
	}
	(void)unlink(fifo);
	wait_exec(fd);
	if (spec->hooks[RT_HOOK_POSTSTART].n) {
		autofree char *ann = annotations_json(spec);
		autofree char *sj = rt_state_spec_json(st, RT_STATUS_RUNNING, ann);
		/* Runtime spec: a failing poststart hook is logged and the lifecycle goes on. */
		rt_hooks_run_warn(&spec->hooks[RT_HOOK_POSTSTART], "poststart", sj);
	}
	/* As runc and crun: start returns once the service said READY=1 (or ended). */
	if (notify_fd >= 0)
		return rt_notify_forward(notify_fd, st->notify_socket, st->pid, st->pid_start, err);
	return 0;
}

static int signal_pid(pid_t pid, uint64_t start, int sig, struct berr **err)
{
	/* A pidfd pins the process: after the start-time check no reused pid can be hit. */
	int pfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pfd < 0)
		return berr_set(err, errno == ESRCH ? ESRCH : errno, "signal pid %d", (int)pid);
	int r = 0;
	if (start && rt_proc_start_time(pid) != start)
		r = berr_set(err, ESRCH, "process %d is gone", (int)pid);
	else if (syscall(SYS_pidfd_send_signal, pfd, sig, NULL, 0) < 0)
		r = berr_set(err, errno, "signal pid %d", (int)pid);
	(void)close(pfd);
	return r;
}

int rt_container_kill(const char *root, const char *id, int sig, bool all, struct berr **err)
{
	autoptr(rt_state) st = rt_state_load(root, id, err);
	if (!st)
		return berr_ret(err);
	enum rt_status s = rt_state_status(st);
	if (s == RT_STATUS_STOPPED && !all)
		/* runc's words: containerd's shim takes them for "already finished" */
		return berr_set(err, EINVAL, "cannot kill '%s': container not running", id);
	if (all) {
		pid_t *pids = NULL;
		size_t n = 0;
		if (rt_container_pids(root, id, &pids, &n, NULL) == 0) {
			for (size_t i = 0; i < n; i++)
				(void)kill(pids[i], sig);
			free(pids);
		}
		if (s == RT_STATUS_PAUSED && st->cgroup_path)
			(void)rt_cgroup_freeze(st->cgroup_path, false, NULL);
		return 0;
	}
	return signal_pid(st->pid, st->pid_start, sig, err);
}

int rt_container_delete(const char *root, const char *id, bool force, struct berr **err)
{
	autoptr(rt_state) st = rt_state_load(root, id, err);
	if (!st)
		return berr_ret(err);
	enum rt_status s = rt_state_status(st);
	if (s != RT_STATUS_STOPPED && s != RT_STATUS_CREATING) {
		/* As runc and crun, a created container (its process never started) goes
		 * without --force: containerd's shim deletes a created task that way. A
		 * running or paused one needs --force (runtime spec: an error otherwise). */
		if (!force && s != RT_STATUS_CREATED)
			return berr_set(err, EBUSY,
					"cannot delete container '%s': it is %s (stop it first, or "
					"use --force)",
					id, rt_status_name(s));
		/* Someone may have moved the init into a frozen cgroup of theirs (a v1 freezer
		 * holds a SIGKILL back): take it back into the container's, which is not frozen. */
		if (st->cgroup_path && rt_state_status(st) != RT_STATUS_PAUSED)
			(void)rt_cgroup_enter(st->cgroup_path, st->pid, NULL);
		(void)rt_container_kill(root, id, SIGKILL, true, NULL);
		(void)signal_pid(st->pid, st->pid_start, SIGKILL, NULL);
		wait_gone(st->pid, st->pid_start);
	} else if (st->cgroup_path) {
		/* The init is gone, but in a shared pid namespace others may remain. */
		(void)rt_container_kill(root, id, SIGKILL, true, NULL);
	}
	autoptr(rt_spec) spec = rt_container_spec(root, id, NULL);
	if (spec && spec->hooks[RT_HOOK_POSTSTOP].n) {
		autofree char *ann = annotations_json(spec);
		autofree char *sj = rt_state_spec_json(st, RT_STATUS_STOPPED, ann);
		rt_hooks_run_warn(&spec->hooks[RT_HOOK_POSTSTOP], "poststop", sj);
	}
	if (st->cgroup_path && rt_cgroup_destroy(st->cgroup_path, err) < 0)
		return berr_wrap(err, "delete container '%s'", id);
	if (fs_rm_rf(AT_FDCWD, st->dir, err) < 0)
		return berr_wrap(err, "delete container '%s'", id);
	return 0;
}

json_t *rt_container_state(const char *root, const char *id, struct berr **err)
{
	autoptr(rt_state) st = rt_state_load(root, id, err);
	if (!st)
		return NULL;
	enum rt_status s = rt_state_status(st);
	autoptr(rt_spec) spec = rt_container_spec(root, id, NULL);
	json_t *o = json_pack("{s:s,s:s,s:I,s:s,s:s,s:s,s:s,s:s}", "ociVersion", "1.1.0", "id",
			      st->id, "pid", (json_int_t)(s == RT_STATUS_STOPPED ? 0 : st->pid),
			      "status", rt_status_name(s), "bundle", st->bundle, "rootfs",
			      st->rootfs, "created", st->created, "owner", "");
	if (spec && spec->annotations)
		json_object_set(o, "annotations", spec->annotations);
	return o;
}

json_t *rt_container_list(const char *root, struct berr **err)
{
	json_t *arr = json_array();
	DIR *d = opendir(root);
	if (!d) {
		if (errno == ENOENT)
			return arr;
		json_decref(arr);
		berr_set(err, errno, "open state root '%s'", root);
		return NULL;
	}
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		json_t *o = rt_container_state(root, de->d_name, NULL);
		if (o)
			json_array_append_new(arr, o);
	}
	closedir(d);
	return arr;
}

/* A rootless container whose cgroup was skipped at create (make_cgroup). */
static int no_cgroup(const char *id, const char *what, struct berr **err)
{
	return berr_plain(err, ENOTSUP,
			  "cannot %s container '%s': it has no cgroup of its own (rootless, "
			  "cgroups not delegated to this user)",
			  what, id);
}

int rt_container_pause(const char *root, const char *id, bool pause, struct berr **err)
{
	autoptr(rt_state) st = rt_state_load(root, id, err);
	if (!st)
		return berr_ret(err);
	enum rt_status s = rt_state_status(st);
	if (pause && s != RT_STATUS_RUNNING && s != RT_STATUS_CREATED)
		return berr_set(err, EINVAL, "cannot pause container '%s': it is %s", id,
				rt_status_name(s));
	if (!pause && s != RT_STATUS_PAUSED)
		return berr_set(err, EINVAL, "cannot resume container '%s': it is not paused", id);
	if (!st->cgroup_path)
		return no_cgroup(id, pause ? "pause" : "resume", err);
	return rt_cgroup_freeze(st->cgroup_path, pause, err);
}

int rt_container_update(const char *root, const char *id, json_t *resources, struct berr **err)
{
	autoptr(rt_state) st = rt_state_load(root, id, err);
	if (!st)
		return berr_ret(err);
	if (rt_state_status(st) == RT_STATUS_STOPPED)
		return berr_set(err, EINVAL, "cannot update container '%s': it is stopped", id);
	if (!st->cgroup_path)
		return no_cgroup(id, "update", err);
	return rt_cgroup_update(st->cgroup_path, resources, err);
}

int rt_container_pids(const char *root, const char *id, pid_t **out_pids, size_t *out_n,
		      struct berr **err)
{
	autoptr(rt_state) st = rt_state_load(root, id, err);
	if (!st)
		return berr_ret(err);
	if (!st->cgroup_path) /* rootless, without a cgroup */
		return rt_rootless_pids(rt_state_status(st) == RT_STATUS_STOPPED ? 0 : st->pid,
					st->pid_start, out_pids, out_n, err);
	return rt_cgroup_pids(st->cgroup_path, out_pids, out_n, err);
}

json_t *rt_container_stats(const char *root, const char *id, struct berr **err)
{
	autoptr(rt_state) st = rt_state_load(root, id, err);
	if (!st)
		return NULL;
	if (!st->cgroup_path) {
		no_cgroup(id, "read the stats of", err);
		return NULL;
	}
	return rt_cgroup_stats(st->cgroup_path);
}
