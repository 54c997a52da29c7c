/* berth's guest init, shared between its files (see init.c). Static, libc only. */
#ifndef BERTH_VM_GUEST_GUEST_H
#define BERTH_VM_GUEST_GUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#define ITEMS_MAX 4096

/* NUL-separated "key=value" records (guestcfg.h): the VM's process, or an exec's */
struct config {
	char *data;
	size_t len;
	const char *items[ITEMS_MAX];
	size_t n;
};

extern int ctl; /* the control port berth.ctl */

void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Give up before the VM's process runs: the reason to the host, then off. */
void fail(int code, const char *fmt, ...) __attribute__((noreturn, format(printf, 2, 3)));
void power_off(void) __attribute__((noreturn));

/* c->items from c->data (c->len bytes, NUL-terminated after them). */
void config_index(struct config *c);
/* The values of key, in order (NULL-terminated; static: the next call reuses it). */
const char **config_values(const struct config *c, const char *key, size_t *out_n);
const char *config_value(const struct config *c, const char *key);

/* process.c: a process as c says ("tty" gives it a new pty, *master our end; else it gets
 * in, out, err). Its pid, or -1 with the status a shell would give (126, 127, 125) in *code
 * and the reason in why. */
pid_t proc_spawn(const struct config *c, int in, int out, int err, int *master, int *code,
		 char *why, size_t why_len);
/* PID 1 becomes the image's init (systemd mode): the command of c, in this process, with its
 * env and cwd and with every signal unblocked; not its user, limits or capabilities (the
 * machine's init is root with everything, as in any VM: the guest's kernel is the wall).
 * Returns only when it could not: the status a shell would give, the reason in why. */
int proc_exec_init(const struct config *c, char *why, size_t why_len);
/* The exit status of a wait status, as a shell gives it. */
int proc_status(int wstatus);
/* Read and write all, retrying on EINTR; a non-blocking fd is waited for. */
int write_full(int fd, const void *buf, size_t len);

/* The guest's copy of a file bound in from the host (a "file=" record), to be rewritten in
 * place when the host sends it again; -1 for a path that was not bound. */
int bound_file(const char *path);

/* member.c: what a pod member has of its own in the pod's VM: its cgroup, PID namespace,
 * and an exec's entry into them ("member=", "join=", "pidns" records). */
struct member_spawn {
	int cg;        /* the member's cgroup.procs, for the child to join, or -1 */
	int mnt;       /* the member's mount namespace, for an exec to join, or -1 */
	int own_pidns; /* PID 1's own PID namespace while its next child's is another, or -1 */
};
/* In PID 1 before the fork (its next child's PID namespace set). -1: why says. */
int member_prepare(const struct config *c, struct member_spawn *m, char *why, size_t len);
/* In PID 1 after the fork (pid: the child, or -1): PID 1's namespace back, fds closed. */
void member_after_fork(const struct config *c, struct member_spawn *m, pid_t pid);
/* In the child: the cgroup joined, and an exec's mounts. -1: why says. */
int member_enter(struct member_spawn *m, char *why, size_t len);
/* The limit records ("memory=", "cpu=", "weight=", "pids=") written to member id's cgroup. */
int member_limits(const char *id, const struct config *c, char *why, size_t len);
/* A member's process was reaped: its cgroup goes. */
void member_reaped(pid_t pid);
/* query.c: "query=top|stats|update" for "member=ID", answered by a child writing to out. */
pid_t member_query(const struct config *c, int out, int *code, char *why, size_t len);
/* ps.c: ps's table of pids, the columns of spec ("KEY=HEADER,..."; ps -ef's when NULL). */
int ps_table(FILE *f, const char *id, const char *spec, const int *pids, size_t n);

/* net.c: lo up, and each "net=" record's interface (found by its MAC) set up. */
void setup_network(const struct config *c);
/* net.c: until each "net=" record's interface runs (its carrier, the kernel's link watch done),
 * bounded; called just before the container's process starts. */
void wait_network(const struct config *c);

/* session.c: until the VM's process (pid) has exited, with a terminal master (or -1) relayed
 * to tty_port: control messages, exec sessions on the port berth.exec (exec_port, or -1).
 * Its exit status. */
int supervise(pid_t pid, int master, int tty_port, int exec_port);
/* The same loop when systemd is PID 1 (systemd mode): the host's "signal N" for PID 1
 * (SIGRTMIN+3, halt, as SIGRTMIN+4, poweroff), until the machine shuts down: 0 then. */
int agent(int master, int tty_port, int exec_port);

#endif
