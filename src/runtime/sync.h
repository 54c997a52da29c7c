/* Messages between the runtime and the processes it clones, over a SOCK_SEQPACKET pair.
 * A child cannot return an error value (STYLE.md): it sends RT_MSG_ERROR with code and text and
 * _exit()s; the parent rebuilds a struct berr from it. */
#ifndef BERTH_RUNTIME_SYNC_H
#define BERTH_RUNTIME_SYNC_H

#include <stdint.h>

struct berr;

enum rt_msg_type {
	RT_MSG_ERROR = 1,
	RT_MSG_GO,            /* parent → stage1: cgroup joined, carry on */
	RT_MSG_USERNS_READY,  /* stage1 → parent: write my uid/gid maps */
	RT_MSG_USERNS_MAPPED, /* parent → stage1 */
	RT_MSG_INIT_PID,      /* stage1 → parent: value = container init pid */
	RT_MSG_RUNTIME_HOOKS, /* init → parent: run prestart/createRuntime hooks now */
	RT_MSG_HOOKS_DONE,    /* parent → init */
	RT_MSG_READY,         /* init → parent: set up, waiting for start */
	RT_MSG_SECCOMP_FD,    /* init → parent: value = the seccomp notify fd (passed) */
	RT_MSG_SECCOMP_DONE,  /* parent → init: sent on to the listener */
};

struct rt_msg {
	int32_t type;
	int32_t code;
	int64_t value; /* RT_MSG_ERROR: 1 when the error's message says it all (berr_plain) */
	char text[2048];
};

int rt_sync_send(int fd, enum rt_msg_type type, int64_t value);
/* Send a message carrying a descriptor (SCM_RIGHTS); the receiver finds it in value. */
int rt_sync_send_fd(int fd, enum rt_msg_type type, int passed_fd);
/* Receive one message. An RT_MSG_ERROR becomes an error value; EOF is EPIPE. A passed
 * descriptor (close-on-exec) replaces value. */
int rt_sync_recv(int fd, struct rt_msg *out_msg, struct berr **err);
/* Wait for exactly `want`; anything else is an error. */
int rt_sync_expect(int fd, enum rt_msg_type want, struct rt_msg *out_msg, struct berr **err);
/* For children: report err (consumed) and _exit(1). */
__attribute__((noreturn)) void rt_sync_fail(int fd, struct berr *err);

#endif
