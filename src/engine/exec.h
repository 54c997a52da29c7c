/* Another process in a running container: what `berth exec` and the API's exec endpoints
 * (issue #18) both run, and the exec records the API keeps between its requests (create,
 * start, inspect and resize come on separate connections, served by separate processes):
 *   <root>/containers/<id>/execs/<exec id>.json  Docker's ExecInspect fields (ID, ContainerID,
 *        ProcessConfig, OpenStdin/Stdout/Stderr, ExitCode once it ended, Pid) and what the
 *        process is to get (Env, WorkingDir); written at create and by the runner at the end
 *   <root>/containers/<id>/execs/<exec id>.pid   made by the one start (O_EXCL: a second
 *        start is refused), then the process's pid while it runs
 * Both go with the container's directory when it is removed. */
#ifndef BERTH_ENGINE_EXEC_H
#define BERTH_ENGINE_EXEC_H

#include <jansson.h>
#include <stdbool.h>
#include <sys/types.h>

#include "engine/container.h"

struct berr;
struct rt_process;

/* What the client asks for (`berth exec` flags, Docker's ExecConfig). */
struct eng_exec_config {
	char *const *cmd;
	char *const *env;    /* "K=V" over the container's own */
	const char *workdir; /* NULL: the container's */
	const char *user;    /* NULL: the container's; else as --user, from its /etc/passwd */
	bool tty, privileged;
};

/* The exec's process: the container's own with the command, env, workdir and user of c (a
 * terminal gets TERM=xterm unless c sets TERM, as Docker's exec -t). */
int eng_exec_process(const struct eng_store *s, const char *id, const struct eng_exec_config *c,
		     struct rt_process **out, struct berr **err);

/* Whether container id takes an exec now: EBUSY "Container <id> is not running" (or paused),
 * as dockerd's 409. */
int eng_exec_ready(const struct eng_store *s, const char *id, struct berr **err);

/* A new exec record of container cid; out_id gets its id (64 hex). */
int eng_exec_add(const struct eng_store *s, const char *cid, const struct eng_exec_config *c,
		 bool open_stdin, bool open_stdout, bool open_stderr, char out_id[ENG_ID_LEN + 1],
		 struct berr **err);
/* The command line's exec (`berth exec`, which runs the process itself): a record and
 * dockerd's events as the API's execs have them: exec_create and exec_start now, exec_die
 * with its status at eng_exec_finish, which then removes the record. */
int eng_exec_announce(const struct eng_store *s, const char *cid, const struct eng_exec_config *c,
		      char out_id[ENG_ID_LEN + 1], struct berr **err);
void eng_exec_finish(const struct eng_store *s, const char *cid, const char *exec_id, int status);
/* The record of an exec id, found in whichever container holds it (out_cid); ENOENT "No such
 * exec instance". Running and Pid are what is true now: its process lives. */
json_t *eng_exec_load(const struct eng_store *s, const char *exec_id, char out_cid[ENG_ID_LEN + 1],
		      struct berr **err);
/* Docker's ExecInspect document of a record (a new reference). */
json_t *eng_exec_inspect(json_t *rec);

/* Where the process's stdio goes: fds the runner puts on 0, 1 and 2 (-1: /dev/null), or with
 * the record's Tty, a socket (console) the process's pty master is sent on. */
struct eng_exec_io {
	int in, out, err;
	int console;
};

/* Start the exec once (EALREADY after that): a runner process runs it (the runtime's exec,
 * waiting for it) and writes its ExitCode into the record at the end. Without detach the
 * runner is our child (*out_runner, to wait for: its status is the process's); detached, it
 * is no one's (*out_runner 0) and io is ignored. A container that is not running: EBUSY. */
int eng_exec_start(const struct eng_store *s, const char *cid, const char *exec_id,
		   const struct eng_exec_io *io, bool detach, pid_t *out_runner, struct berr **err);
/* `berth exec -d`: process pr (taken as it is; its terminal dropped: no one would read it) of
 * container cid started now, an error when it cannot start (its code the runtime's or, a
 * VM's, ENOENT/EACCES for the guest's 127/126), then left to a runner of its own session that
 * waits for its end and ends the record exec_id (eng_exec_finish: exec_die with its status;
 * "": none), as dockerd logs a detached exec's end. Its stdio is /dev/null. */
int eng_exec_detached(const struct eng_store *s, const char *cid, const char *exec_id,
		      struct rt_process *pr, struct berr **err);
/* The running process's pid, or 0. */
pid_t eng_exec_pid(const struct eng_store *s, const char *cid, const char *exec_id);
/* Give the exec's terminal a size (ENOTTY when it has none, ESRCH when it is not running). */
int eng_exec_resize(const struct eng_store *s, const char *cid, const char *exec_id, unsigned rows,
		    unsigned cols, struct berr **err);

#endif
