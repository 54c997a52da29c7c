/* berth's guest init, shared between its files (see init.c). Static, libc only. */
#ifndef BERTH_VM_GUEST_GUEST_H
#define BERTH_VM_GUEST_GUEST_H

#include <stdbool.h>
#include <stddef.h>
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

/* net.c: lo up, and each "net=" record's interface (found by its MAC) set up. */
void setup_network(const struct config *c);

/* session.c: until the VM's process (pid) has exited, with a terminal master (or -1) relayed
 * to tty_port: control messages, exec sessions on the port berth.exec (exec_port, or -1).
 * Its exit status. */
int supervise(pid_t pid, int master, int tty_port, int exec_port);
/* The same loop when systemd is PID 1 (systemd mode): the host's "signal N" for PID 1
 * (SIGRTMIN+3, halt, as SIGRTMIN+4, poweroff), until the machine shuts down: 0 then. */
int agent(int master, int tty_port, int exec_port);

#endif
