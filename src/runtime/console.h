/* Terminals for container processes: a pty made inside the container, its master sent to the
 * caller's --console-socket (runc's protocol: one SCM_RIGHTS message). */
#ifndef BERTH_RUNTIME_CONSOLE_H
#define BERTH_RUNTIME_CONSOLE_H

#include <stdbool.h>

struct berr;

/* Connect to a console socket path; returns the socket fd. */
int rt_console_connect(const char *path, struct berr **err);
/* The console socket a create or exec hands on: a copy of has_fd's fd, else a connection to
 * path, else none (*out = -1). */
int rt_console_open(bool has_fd, int fd, const char *path, int *out, struct berr **err);
/* Open a pty from the current /dev/ptmx, send the master on sock, make the slave our
 * controlling terminal and stdio. */
int rt_console_setup(int sock, unsigned rows, unsigned cols, struct berr **err);

/* Receive the master a container sent on sock (flags: 0 or MSG_DONTWAIT). */
int rt_console_recv(int sock, int flags, struct berr **err);

#endif
