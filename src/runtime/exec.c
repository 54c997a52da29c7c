/* Running another process in an existing container (runc exec): the same two stages as create
 * (init.c), joining every namespace of the container's init instead of making new ones. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runtime/caps.h"
#include "runtime/cgroup.h"
#include "runtime/console.h"
#include "runtime/container.h"
#include "runtime/init.h"
#include "runtime/namespace.h"
#include "runtime/state.h"
#include "runtime/sync.h"
#include "runtime/terminal.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/xalloc.h"

/* Open /proc/PID/ns/<name> for each namespace that differs from ours. */
static int open_container_ns(pid_t pid, int fds[RT_NS_COUNT], struct berr **err)
{
	for (int k = 0; k < RT_NS_COUNT; k++)
		fds[k] = -1;
	for (int k = 0; k < RT_NS_COUNT; k++) {
		char theirs[64], mine[64];
		snprintf(theirs, sizeof(theirs), "/proc/%d/ns/%s", (int)pid, rt_ns_proc_name(k));
		snprintf(mine, sizeof(mine), "/proc/self/ns/%s", rt_ns_proc_name(k));
		struct stat a, b;
		if (stat(theirs, &a) < 0)
			continue; /* kernel without this namespace type */
		if (stat(mine, &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev)
			continue;
		fds[k] = open(theirs, O_RDONLY | O_CLOEXEC);
		if (fds[k] < 0)
			return berr_set(err, errno, "open '%s'", theirs);
	}
	return 0;
}

static volatile sig_atomic_t forward_pid;

/* Signals to `run`/`exec` in the foreground go to the container's process; a window-size
 * change goes to the relayed terminal instead, which tells its foreground group. */
static void forward(int sig)
{
	if (sig == SIGWINCH && rt_terminal_resize())
		return;
	if (forward_pid > 0)
		kill(forward_pid, sig);
}

int rt_wait_forward(pid_t pid)
{
	static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH};
	forward_pid = pid;
	struct sigaction sa = {.sa_handler = forward, .sa_flags = SA_RESTART};
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
	for (;;) {
		int status;
		pid_t w = waitpid(-1, &status, 0);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return 255;
		}
		if (w != pid)
			continue; /* reparented orphans: reaped and forgotten */
		if (WIFEXITED(status))
			return WEXITSTATUS(status);
		if (WIFSIGNALED(status))
			return 128 + WTERMSIG(status);
	}
}

/* After stage 1: GO to the process, then its seccomp notify fds (for the listener) until the
 * sync socket closes on its execve. A failure kills and reaps it. */
static int follow_exec(int sock, pid_t pid, const struct rt_seccomp *seccomp,
		       const struct rt_state *st, struct berr **err)
{
	struct rt_msg m;
	struct berr *inner = NULL;
	int r;
	(void)rt_sync_send(sock, RT_MSG_GO, pid);
	while ((r = rt_sync_recv(sock, &m, &inner)) == 0 && m.type == RT_MSG_SECCOMP_FD) {
		int fd = (int)m.value;
		autofree char *sj = rt_state_spec_json(st, RT_STATUS_RUNNING, NULL);
		r = seccomp && fd >= 0 ? rt_seccomp_send_listener(seccomp, fd, pid, sj, &inner)
				       : berr_set(&inner, EPROTO, "unexpected seccomp notify fd");
		if (fd >= 0)
			(void)close(fd);
		if (r < 0)
			break;
		(void)rt_sync_send(sock, RT_MSG_SECCOMP_DONE, 0);
	}
	if (r < 0 && berr_code(inner) != EPIPE) { /* EOF (EPIPE): the program runs */
		*err = inner;
		(void)kill(pid, SIGKILL); /* it may be waiting for us */
		(void)waitpid(pid, NULL, 0);
		return r;
	}
	berr_free(inner);
	return 0;
}

/* Stage 1 forked with ctx: it moves itself into the container's cgroup and says the pid of
 * the process it makes (init.h). That pid, or a negative errno; sv[1] is closed here. */
static pid_t exec_spawn(struct rt_init_ctx *ctx, int sv[2], struct berr **err)
{
	pid_t stage1 = fork();
	if (stage1 < 0)
		return berr_set(err, errno, "fork");
	if (stage1 == 0) {
		(void)close(sv[0]);
		rt_init_stage1(ctx);
	}
	(void)close(sv[1]);
	sv[1] = -1;
	struct rt_msg m;
	int r = rt_sync_expect(sv[0], RT_MSG_INIT_PID, &m, err);
	if (r == -EPIPE)
		berr_set(err, EPIPE, "exec process exited early");
	if (r < 0)
		kill(stage1, SIGKILL);
	(void)waitpid(stage1, NULL, 0);
	return r < 0 ? r : (pid_t)m.value;
}

/* The exec'd process runs: its pid file, then its exit status unless detached. */
static int exec_done(const struct rt_exec_opts *o, pid_t pid, int *out_status, struct berr **err)
{
	if (o->pid_file) {
		char buf[16];
		int n = snprintf(buf, sizeof(buf), "%d", (int)pid);
		int r = fs_replace_file(o->pid_file, buf, (size_t)n, 0644, err);
		if (r < 0)
			return r;
	}
	*out_status = o->detach ? 0 : rt_wait_forward(pid);
	return 0;
}

int rt_container_exec(const struct rt_exec_opts *o, int *out_status, struct berr **err)
{
	autoptr(rt_state) st = rt_state_load(o->root, o->id, err);
	if (!st)
		return berr_ret(err);
	enum rt_status s = rt_state_status(st);
	if (s != RT_STATUS_RUNNING && s != RT_STATUS_CREATED)
		return berr_set(err, EINVAL, "cannot exec in container '%s': it is %s", o->id,
				rt_status_name(s));
	autoptr(rt_spec) spec = rt_container_spec(o->root, o->id, err);
	if (!spec)
		return berr_ret(err);
	if (o->process->terminal && !o->console_socket && !o->has_console_fd)
		return berr_set(err, EINVAL, "--tty with --detach needs --console-socket");
	rt_caps_check(o->process);
	autofree char *exec_cgroup =
	    st->cgroup_path ? rt_cgroup_exec_path(st->cgroup_path, st->pid) : NULL;
	struct rt_seccomp *seccomp = NULL;
	if (spec->seccomp && !(seccomp = rt_seccomp_build(spec->seccomp, o->root, err)))
		return berr_ret(err);
	int sv[2] = {-1, -1}, console_fd = -1, procfd = -1, ns_fds[RT_NS_COUNT];
	int r = open_container_ns(st->pid, ns_fds, err);
	if (r == 0 && (procfd = rt_init_procfs(o->preserve_fds, err)) < 0)
		r = procfd;
	if (r < 0)
		goto out;
	r = rt_console_open(o->has_console_fd, o->console_fd, o->console_socket, &console_fd, err);
	if (r < 0)
		goto out;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		r = berr_set(err, errno, "socketpair");
		goto out;
	}
	/* We wait for the process, which is our grandchild: become its reaper. */
	if (!o->detach)
		(void)prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
	struct rt_init_ctx ctx = {.spec = spec,
				  .process = o->process,
				  .exec_mode = true,
				  .sync_fd = sv[1],
				  .fifo_fd = -1,
				  .console_fd = console_fd,
				  .preserve_fds = o->preserve_fds,
				  .seccomp = seccomp,
				  .cgroup_path = exec_cgroup,
				  .id = o->id,
				  .bundle = st->bundle,
				  .procfd = procfd};
	memcpy(ctx.ns_fds, ns_fds, sizeof(ns_fds));
	r = exec_spawn(&ctx, sv, err);
	if (r < 0)
		goto out;
	pid_t pid = r;
	if ((r = follow_exec(sv[0], pid, seccomp, st, err)) < 0) {
		berr_wrap(err, "exec in container '%s'", o->id);
		goto out;
	}
	r = exec_done(o, pid, out_status, err);
out:
	for (int k = 0; k < RT_NS_COUNT; k++)
		if (ns_fds[k] >= 0)
			(void)close(ns_fds[k]);
	for (int i = 0; i < 2; i++)
		if (sv[i] >= 0)
			(void)close(sv[i]);
	if (console_fd >= 0)
		(void)close(console_fd);
	if (procfd >= 0)
		(void)close(procfd);
	rt_seccomp_free(seccomp);
	return r;
}
