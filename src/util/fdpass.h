/* One descriptor passed with a message over a Unix socket (SCM_RIGHTS, unix(7)): the sync
 * socket's messages, a terminal to --console-socket, a seccomp notify fd to its listener. */
#ifndef BERTH_UTIL_FDPASS_H
#define BERTH_UTIL_FDPASS_H

#include <stddef.h>
#include <sys/types.h>

/* Send len bytes (at least one: a message of none carries no descriptor on a stream socket)
 * and fd with them; 0, or -errno. EINTR is retried; no SIGPIPE. */
int fdpass_send(int sock, const void *data, size_t len, int fd);

/* Receive a message into buf (at most cap bytes) and the descriptor it carries, born
 * close-on-exec, into *out_fd (-1: none; a second one the kernel drops and closes). flags
 * are recvmsg's (MSG_DONTWAIT...). The bytes received (0 at the end), or -errno. EINTR is
 * retried. */
ssize_t fdpass_recv(int sock, void *buf, size_t cap, int flags, int *out_fd);

#endif
