/* Running a helper program (git, ssh-add, fuse-overlayfs, newuidmap...) and hearing what it
 * said: posix_spawn it, keep its stderr (and stdout when asked) up to a bound, wait for it
 * with an optional timeout, and return its status with its complaint in the error.
 * Not for the container's own processes (runtime/), nor for children that must do work of
 * ours between fork and exec (a namespace to enter, a descriptor to send home). */
#ifndef BERTH_UTIL_SPAWN_H
#define BERTH_UTIL_SPAWN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "util/err.h"

/* What kept of a stream when no bound is given. */
#define SPAWN_TEXT_MAX 4096

enum spawn_stdout {
	SPAWN_OUT_NULL,    /* /dev/null */
	SPAWN_OUT_CAPTURE, /* kept in spawn_result.out, up to out_max */
	SPAWN_OUT_STDERR,  /* into the same pipe as stderr (ssh-add's complaints go to both) */
};

struct spawn_opts {
	const char *const *argv; /* argv[0] looked up in PATH, as execvp does */
	char *const *envp;       /* its environment; NULL: ours */
	const char *dir;         /* it starts there, when set */
	int dirfd;               /* ... or in this directory, when has_dirfd */
	bool has_dirfd;
	int fd3; /* given to it as its fd 3 (passt's socket), when has_fd3 */
	bool has_fd3;
	enum spawn_stdout out; /* stdin is always /dev/null */
	size_t out_max;        /* bytes of stdout kept; 0: SPAWN_TEXT_MAX */
	size_t err_max;        /* bytes of stderr kept; 0: SPAWN_TEXT_MAX */
	int timeout_ms;        /* killed (SIGKILL) after this long; 0: no limit */
	mode_t umask;          /* its umask; 0: ours */
	bool setsid;           /* a session of its own: no terminal to ask a passphrase on */
	/* close every inherited descriptor but stdio (those not close-on-exec: a test's pipe),
	 * for a program that leaves a daemon behind which would hold them */
	bool close_others;
};

struct spawn_result {
	int status;     /* waitpid()'s status; -1 when it never ran */
	bool not_found; /* argv[0] is not on PATH (the package is not installed) */
	char *out;      /* stdout when captured, NUL-terminated (never NULL after spawn_run) */
	char *err;      /* stderr, trailing blanks and newlines removed (never NULL) */
};

/* Run o->argv to its end. 0 when it exits 0. Else the error: the exec's errno when it could
 * not start (-ENOENT with not_found when it is not installed), -ETIMEDOUT when it was killed
 * for the timeout, -EIO when it exited otherwise, with its stderr (or its exit status) as the
 * message. *out_res is filled in every case; free it with spawn_result_free(). A program that
 * forks a daemon returns when the first process ends: what it said by then is kept. */
int spawn_run(const struct spawn_opts *o, struct spawn_result *out_res, struct berr **err);
void spawn_result_free(struct spawn_result *r);

/* The same in two steps, for a caller with something to do while the program runs (pasta
 * configuring a namespace that the caller watches): spawn_start starts it (p->r < 0 when it
 * could not: spawn_finish then says why, not_found included), spawn_finish waits and says
 * as spawn_run does. A caller that does not wait calls spawn_proc_close
 * instead: the program's stderr pipe closes (it may get EPIPE or SIGPIPE) and the child is
 * left for the caller's own reaping (waitpid(-1, ...)). */
struct spawn_proc {
	pid_t pid; /* -1 when it could not start */
	int pidfd; /* readable when it has ended (-1 before Linux 5.3) */
	int errfd; /* its stderr's read end */
	int outfd; /* its stdout's, when captured */
	int r;     /* 0, or -errno when it could not start */
	bool fd3_failed;
	const char *name; /* o->argv[0], which must outlive the spawn_proc */
	size_t err_max, out_max;
	int timeout_ms;
};
void spawn_start(const struct spawn_opts *o, struct spawn_proc *out_p);
int spawn_finish(struct spawn_proc *p, struct spawn_result *out_res, struct berr **err);
void spawn_proc_close(struct spawn_proc *p);

/* The last line of text (text itself when it has one line). */
const char *spawn_last_line(const char *text);

/* A copy of our environment with changes: "NAME=VALUE" sets, "NAME" removes; NULL-terminated,
 * free with strv_free() (util/json.h). */
char **spawn_env(const char *const *changes);

#endif
