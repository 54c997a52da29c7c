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

/* "pasta" as a network mode (the rootless engine's default when pasta is installed). */
bool eng_pasta_mode(const char *mode);
bool eng_pasta_available(void);

/* pasta for container id (rec) whose init is pid, with its published ports (ports below 1024
 * need the host's privilege, and pasta's error says so); out_settings gets
 * NetworkSettings.Ports. The namespace is bound at <runroot>/<id>/netns for pasta to open
 * (opening /proc/PID/ns/net needs a ptrace check pasta, without capabilities, fails). */
int eng_pasta_attach(const struct eng_store *s, const char *id, json_t *rec, pid_t pid,
		     json_t **out_settings, struct berr **err);
/* pasta stopped, the namespace's bind removed. */
void eng_pasta_detach(const struct eng_store *s, const char *id);

#endif
