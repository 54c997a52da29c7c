/* A published port's forwarder for a container whose network the host cannot route to (the
 * rootless engine's, issue #22): podman's rootlessport. One process per container holds the
 * host ports (sockets bound in the host's network namespace, where berth runs) and, from
 * inside another network namespace (the user's rootless network namespace, or a slirp4netns
 * container's own), connects to the container's address for each connection (TCP) or client
 * (UDP), copying bytes both ways. It needs no privilege on the host: the host ports are bound
 * as the user (ports below 1024 need net.ipv4.ip_unprivileged_port_start), the namespace is
 * the user's own. */
#ifndef BERTH_ENGINE_PORTFWD_H
#define BERTH_ENGINE_PORTFWD_H

#include <stddef.h>

#include "engine/port.h"

struct berr;

/* The forwarder for the holds (their sockets are passed to it; the caller may close its
 * copies), connecting from netns_fd to addr4 (IPv4) or addr6 (either may be NULL or "")
 * at each hold's port. Its pid (a process group of its own, with its connections) goes to
 * pidfile. It is a child of the caller. */
int eng_portfwd_start(const struct eng_port_hold *h, size_t n, int netns_fd, const char *addr4,
		      const char *addr6, const char *pidfile, struct berr **err);
/* The forwarder in pidfile and its connections ended (nothing if it is not one). */
void eng_portfwd_stop(const char *pidfile);

#endif
