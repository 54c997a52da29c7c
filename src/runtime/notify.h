/* sd_notify through the runtime, as crun and runc do it. When the runtime is called with
 * NOTIFY_SOCKET (systemd's Type=notify, or a caller that wants to know when the service in
 * the container is ready), the container gets a directory at that same path holding a socket
 * "notify", and NOTIFY_SOCKET pointing at it; `start` (and so `run`) listens there until the
 * container says READY=1 or exits, and forwards each datagram to the caller's socket. */
#ifndef BERTH_RUNTIME_NOTIFY_H
#define BERTH_RUNTIME_NOTIFY_H

#include <stdint.h>
#include <sys/types.h>

struct berr;
struct rt_spec;

/* At create: the caller's NOTIFY_SOCKET (absolute), or NULL when there is none. */
const char *rt_notify_socket(void);
/* At create: make <state_dir>/notify, owned by the container's root, bind it at host_socket
 * in the container and set the process's NOTIFY_SOCKET. */
int rt_notify_prepare(struct rt_spec *spec, const char *state_dir, const char *host_socket,
		      struct berr **err);
/* At start, before the process runs: bind the socket the container sends to. *out_fd is -1
 * when the container was made without NOTIFY_SOCKET. */
int rt_notify_listen(const char *state_dir, int *out_fd, struct berr **err);
/* After the process runs: forward datagrams to host_socket until one holds READY=1 or the
 * process (pid, started at start) is gone. Closes fd. */
int rt_notify_forward(int fd, const char *host_socket, pid_t pid, uint64_t start,
		      struct berr **err);

#endif
