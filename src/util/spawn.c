/* Running a helper program and hearing what it said (see spawn.h).
 *
 * posix_spawn, not fork: glibc starts the child with clone(CLONE_VM | CLONE_VFORK) and does
 * only async-signal-safe steps in it (the file actions below, then execve), resets the signal
 * handlers we installed so none of ours runs in a child sharing our memory, and hands back a
 * failed exec as its result (ENOENT: not installed) instead of an exit status of 127 that the
 * program itself might have chosen. No copy of this process runs any code of ours. */
#include "util/spawn.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/xalloc.h"

extern char **environ;

/* One stream read into a bounded buffer. What comes past the bound is read and dropped, so
 * the program never blocks on a full pipe. */
struct sink {
	int fd; /* -1 once at its end */
	char *buf;
	size_t len, max;
};

static void sink_init(struct sink *s, int fd, size_t max)
{
	s->fd = fd;
	s->max = fd < 0 ? 0 : max ? max : SPAWN_TEXT_MAX;
	s->buf = xmalloc(s->max + 1);
	s->len = 0;
}

static void sink_close(struct sink *s)
{
	if (s->fd >= 0)
		(void)close(s->fd);
	s->fd = -1;
}

/* One read; false at the end, or when a non-blocking pipe has nothing waiting. */
static bool sink_read(struct sink *s)
{
	char chunk[4096];
	ssize_t n = read(s->fd, chunk, sizeof(chunk));
	if (n < 0 && errno == EINTR)
		return true;
	if (n < 0 && errno == EAGAIN)
		return false;
	if (n <= 0) {
		sink_close(s);
		return false;
	}
	size_t take = (size_t)n < s->max - s->len ? (size_t)n : s->max - s->len;
	memcpy(s->buf + s->len, chunk, take);
	s->len += take;
	return true;
}

/* After the program ended: what is in the pipe already, without waiting for the end of it,
 * which a daemon the program left behind may hold (fuse-overlayfs, pasta). Bounded, in case
 * that daemon keeps writing. */
static void sink_drain(struct sink *s)
{
	if (s->fd < 0)
		return;
	(void)fcntl(s->fd, F_SETFL, O_NONBLOCK);
	for (int i = 0; i < 64 && sink_read(s); i++)
		;
	sink_close(s);
}

static char *sink_text(struct sink *s, bool trim)
{
	while (trim && s->len && isspace((unsigned char)s->buf[s->len - 1]))
		s->len--;
	s->buf[s->len] = '\0';
	return take_ptr(&s->buf);
}

/* A close-on-exec pipe whose ends are not 0, 1 or 2: with our stdio closed, pipe2 hands those
 * out, and the child's dup2 of one end onto stdio would then clobber the other. */
static int pipe_above_stdio(int p[2])
{
	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	for (int i = 0; i < 2; i++) {
		if (p[i] > STDERR_FILENO)
			continue;
		int fd = fcntl(p[i], F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
		int e = errno;
		(void)close(p[i]);
		p[i] = fd;
		if (fd < 0) {
			(void)close(p[1 - i]);
			p[1 - i] = -1;
			return -e;
		}
	}
	return 0;
}

/* The child's steps, in order: its directory (before close_others could close dirfd), then
 * stdio, then the rest closed. Returns an errno value, as posix_spawn's functions do. */
static int plan_files(const struct spawn_opts *o, int errfd, int outfd,
		      posix_spawn_file_actions_t *fa)
{
	int r = 0;
	if (o->has_dirfd)
		r = posix_spawn_file_actions_addfchdir_np(fa, o->dirfd);
	else if (o->dir)
		r = posix_spawn_file_actions_addchdir_np(fa, o->dir);
	if (!r)
		r = posix_spawn_file_actions_addopen(fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
	if (!r && o->out == SPAWN_OUT_NULL)
		r = posix_spawn_file_actions_addopen(fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
	else if (!r)
		r = posix_spawn_file_actions_adddup2(
		    fa, o->out == SPAWN_OUT_CAPTURE ? outfd : errfd, STDOUT_FILENO);
	if (!r)
		r = posix_spawn_file_actions_adddup2(fa, errfd, STDERR_FILENO);
	/* after the pipes went to 1 and 2 (one of them may be 3); fd3 is above 9 (spawn_run) */
	if (!r && o->has_fd3)
		r = posix_spawn_file_actions_adddup2(fa, o->fd3, 3);
	if (!r && o->close_others)
		r = posix_spawn_file_actions_addclosefrom_np(fa,
							     o->has_fd3 ? 4 : STDERR_FILENO + 1);
	return r;
}

/* Start it; -errno when it could not be (the exec's own errno included). */
static int start(const struct spawn_opts *o, int errfd, int outfd, pid_t *out_pid)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	if (posix_spawn_file_actions_init(&fa))
		return -ENOMEM;
	if (posix_spawnattr_init(&at)) {
		(void)posix_spawn_file_actions_destroy(&fa);
		return -ENOMEM;
	}
	/* a program starts as from a shell: no signal of ours blocked, SIGPIPE not ignored
	 * (ignored dispositions survive execve: signal(7)) */
	sigset_t none, dfl;
	(void)sigemptyset(&none);
	(void)sigemptyset(&dfl);
	(void)sigaddset(&dfl, SIGPIPE);
	short flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
	if (o->setsid)
		flags |= POSIX_SPAWN_SETSID;
	int r = plan_files(o, errfd, outfd, &fa);
	if (!r)
		r = posix_spawnattr_setflags(&at, flags);
	if (!r)
		r = posix_spawnattr_setsigmask(&at, &none);
	if (!r)
		r = posix_spawnattr_setsigdefault(&at, &dfl);
	if (!r) {
		/* the umask is no attribute of posix_spawn: ours is set around the call, which the
		 * child copies at its clone. Nothing else runs meanwhile: engine, runtime and build
		 * code are single-threaded where they start processes (STYLE.md). */
		mode_t old = o->umask ? umask(o->umask) : 0;
		r = posix_spawnp(out_pid, o->argv[0], &fa, &at, (char *const *)o->argv,
				 o->envp ? o->envp : environ);
		if (o->umask)
			(void)umask(old);
	}
	(void)posix_spawnattr_destroy(&at);
	(void)posix_spawn_file_actions_destroy(&fa);
	return -r;
}

static int64_t now_ms(void)
{
	struct timespec ts;
	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Read the pipes until the program ends (its status in *out_status), or -ETIMEDOUT when the
 * deadline passes first. Its end is a poll event on a pidfd (Linux 5.3); without one the loop
 * looks every 10 ms. */
static int wait_reading(pid_t pid, int pidfd, struct sink *s, size_t n, int timeout_ms,
			int *out_status)
{
	int64_t deadline = timeout_ms > 0 ? now_ms() + timeout_ms : -1;
	for (;;) {
		int status = 0;
		pid_t w = waitpid(pid, &status, WNOHANG);
		if (w == pid) {
			*out_status = status;
			return 0;
		}
		if (w < 0 && errno != EINTR)
			return -errno;
		int wait_ms = pidfd >= 0 ? -1 : 10;
		if (deadline >= 0) {
			int64_t left = deadline - now_ms();
			if (left <= 0)
				return -ETIMEDOUT;
			if (wait_ms < 0 || left < wait_ms)
				wait_ms = (int)left;
		}
		struct pollfd pf[3] = {{.fd = -1}, {.fd = -1}, {.fd = pidfd, .events = POLLIN}};
		for (size_t i = 0; i < n; i++)
			pf[i] = (struct pollfd){.fd = s[i].fd, .events = POLLIN};
		if (poll(pf, 3, wait_ms) < 0 && errno != EINTR)
			return -errno;
		for (size_t i = 0; i < n; i++)
			if (s[i].fd >= 0 && pf[i].revents)
				(void)sink_read(&s[i]);
	}
}

/* The error of a program that ran: its complaint, else how it ended. */
static int ended_badly(const char *name, const struct spawn_result *res, struct berr **err)
{
	int st = res->status;
	if (*res->err)
		return berr_plain(err, EIO, "%s", res->err);
	if (WIFEXITED(st))
		return berr_plain(err, EIO, "'%s' exited with status %d", name, WEXITSTATUS(st));
	return berr_plain(err, EIO, "'%s' was killed by signal %d", name, WTERMSIG(st));
}

/* Its pipes made and the program started; p->r is -errno when it could not be. The read
 * ends are kept in p; fd3 is moved above 9 for the time of the start. */
static void start_proc(const struct spawn_opts *o, struct spawn_proc *p)
{
	int pe[2] = {-1, -1}, po[2] = {-1, -1};
	*p = (struct spawn_proc){.pid = -1, .errfd = -1, .outfd = -1, .pidfd = -1};
	p->name = o->argv[0];
	p->err_max = o->err_max;
	p->out_max = o->out_max;
	p->timeout_ms = o->timeout_ms;
	/* fd3 out of the way of the numbers the child's file actions write (dup2 of a descriptor
	 * onto itself would keep its close-on-exec) */
	struct spawn_opts moved;
	autoclose int fd3 = -1;
	if (o->has_fd3) {
		fd3 = fcntl(o->fd3, F_DUPFD_CLOEXEC, 10);
		if (fd3 < 0) {
			p->r = -errno;
			p->fd3_failed = true;
			return;
		}
		moved = *o;
		moved.fd3 = fd3;
		o = &moved;
	}
	int r = pipe_above_stdio(pe);
	if (r == 0 && o->out == SPAWN_OUT_CAPTURE)
		r = pipe_above_stdio(po);
	if (r == 0)
		r = start(o, pe[1], po[1], &p->pid);
	/* the write ends are the child's now: our copies would keep the pipes from their ends */
	if (pe[1] >= 0)
		(void)close(pe[1]);
	if (po[1] >= 0)
		(void)close(po[1]);
	p->errfd = pe[0];
	p->outfd = po[0];
	p->r = r;
	if (r == 0)
		p->pidfd = (int)syscall(SYS_pidfd_open, p->pid, 0);
}

void spawn_start(const struct spawn_opts *o, struct spawn_proc *out_p)
{
	start_proc(o, out_p);
}

void spawn_proc_close(struct spawn_proc *p)
{
	int *fds[] = {&p->errfd, &p->outfd, &p->pidfd};
	for (size_t i = 0; i < 3; i++) {
		if (*fds[i] >= 0)
			(void)close(*fds[i]);
		*fds[i] = -1;
	}
}

int spawn_finish(struct spawn_proc *p, struct spawn_result *out_res, struct berr **err)
{
	const char *name = p->name;
	int r = p->r;
	struct sink s[2];
	sink_init(&s[0], p->errfd, p->err_max);
	sink_init(&s[1], p->outfd, p->out_max);
	p->errfd = p->outfd = -1; /* the sinks' now */
	int status = -1;
	int w = r == 0 ? wait_reading(p->pid, p->pidfd, s, 2, p->timeout_ms, &status) : 0;
	if (w == -ETIMEDOUT) {
		(void)kill(p->pid, SIGKILL);
		while (waitpid(p->pid, &status, 0) < 0 && errno == EINTR)
			;
	}
	for (int i = 0; i < 2; i++)
		sink_drain(&s[i]);
	spawn_proc_close(p);
	*out_res = (struct spawn_result){.status = status,
					 .not_found = r == -ENOENT,
					 .err = sink_text(&s[0], true),
					 .out = sink_text(&s[1], false)};
	if (p->fd3_failed)
		return berr_set(err, -r, "%s: its descriptor", name);
	if (r < 0)
		return berr_set(err, -r, "run '%s'", name);
	if (w == -ETIMEDOUT)
		return berr_plain(err, ETIMEDOUT, "'%s' did not finish in %d ms%s%s", name,
				  p->timeout_ms, *out_res->err ? ": " : "", out_res->err);
	if (w < 0)
		return berr_set(err, -w, "wait for '%s'", name);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	return ended_badly(name, out_res, err);
}

int spawn_run(const struct spawn_opts *o, struct spawn_result *out_res, struct berr **err)
{
	struct spawn_proc p;
	start_proc(o, &p);
	return spawn_finish(&p, out_res, err);
}

void spawn_result_free(struct spawn_result *r)
{
	if (!r)
		return;
	free(r->out);
	free(r->err);
	r->out = r->err = NULL;
}

const char *spawn_last_line(const char *text)
{
	const char *nl = strrchr(text, '\n');
	return nl ? nl + 1 : text;
}

/* changes names entry's variable (entry is "NAME=VALUE") */
static bool changed(const char *const *changes, const char *entry)
{
	for (; *changes; changes++) {
		size_t len = strcspn(*changes, "=");
		if (!strncmp(entry, *changes, len) && entry[len] == '=')
			return true;
	}
	return false;
}

char **spawn_env(const char *const *changes)
{
	size_t n = 0, k = 0;
	for (char **e = environ; *e; e++)
		n++;
	for (const char *const *c = changes; *c; c++)
		n++;
	char **env = xcalloc(n + 1, sizeof(*env));
	for (char **e = environ; *e; e++)
		if (!changed(changes, *e))
			env[k++] = xstrdup(*e);
	for (const char *const *c = changes; *c; c++)
		if (strchr(*c, '='))
			env[k++] = xstrdup(*c);
	return env;
}
