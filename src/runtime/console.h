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
/* Where a pty comes from. rootfd < 0: the host's /dev/ptmx (the VM shim's own terminals).
 * Else the devpts at <rootfd>/dev/pts: its ptmx opened inside the root and checked to be a
 * devpts ptmx before it is opened for real (through procfd, util/procfs.h), so a link or a
 * mount the container placed there can hand it no other device, nor a host pty. */
struct rt_console {
	int rootfd;
	int procfd;
	bool bind_console; /* the container's init: the slave also bound on <root>/dev/console */
	unsigned rows, cols;
};
/* Make a pty, send the master on sock, make the slave our controlling terminal and stdio. */
int rt_console_setup(int sock, const struct rt_console *c, struct berr **err);

/* Send a terminal's fd on sock (runc's console protocol; name: the pty's path, informative). */
int rt_console_send(int sock, int fd, const char *name, struct berr **err);
/* Receive the master a container sent on sock (flags: 0 or MSG_DONTWAIT). */
int rt_console_recv(int sock, int flags, struct berr **err);

#endif
