/* A container's network through pasta (Debian's passt; podman's --network pasta, issue #22):
 * a user-mode TCP/IP stack outside the container's network namespace, which copies the host's
 * addresses and routes into it (--config-net) and forwards published ports from the host's
 * sockets, so an ordinary user gets outbound traffic and -p without a bridge or nftables. */
#ifndef BERTH_ENGINE_PASTA_H
#define BERTH_ENGINE_PASTA_H

#include <jansson.h>
#include <sys/types.h>

#include "engine/container.h"

struct berr;

struct eng_port_hold;

/* "pasta" or "slirp4netns[:OPTIONS]" as a network mode: a user-mode network of the
 * container's own (pasta is the rootless engine's default when it is installed, slirp4netns
 * when only it is). */
bool eng_pasta_mode(const char *mode);
bool eng_pasta_available(void);
/* A mode's options checked before anything is made: slirp4netns's as podman's (slirp.h),
 * none for pasta. EINVAL naming the option. */
int eng_usermode_check(const char *mode, struct berr **err);
/* The record's published ports reserved on the host (ports below 1024 refused naming the
 * sysctl) and NetworkSettings.Ports for them. */
int eng_usermode_ports(json_t *rec, struct eng_port_hold **out, size_t *out_n,
		       json_t **out_settings, struct berr **err);
/* pasta for the namespace at ns_path without ports (the rootless network namespace's way
 * out: the host's addresses and default route copied in); its pid in pidfile. */
int eng_pasta_start_ns(const char *ns_path, const char *pidfile, struct berr **err);

/* pasta for container id (rec) whose init is pid, with its published ports (ports below 1024
 * need the host's privilege, and pasta's error says so); out_settings gets
 * NetworkSettings.Ports. The namespace is bound at <runroot>/<id>/netns for pasta to open
 * (opening /proc/PID/ns/net needs a ptrace check pasta, without capabilities, fails).
 * With slirp4netns: slirp4netns (podman's options) and, for published ports, berth's
 * forwarder (portfwd.h) connecting to the container's 10.0.2.100 inside its namespace. */
int eng_pasta_attach(const struct eng_store *s, const char *id, json_t *rec, pid_t pid,
		     json_t **out_settings, struct berr **err);
/* pasta (or slirp4netns and the forwarder) stopped, the namespace's bind removed. */
void eng_pasta_detach(const struct eng_store *s, const char *id);

#endif
