/* A container's /etc/hosts, /etc/hostname and /etc/resolv.conf (files in its directory,
 * bound in by the bundle). Name resolution between containers on a user network is by this
 * hosts file, kept current: every running container on the network lists the others (IP,
 * name, aliases, short id), and each start and stop rewrites the files of those still
 * running, under the networks lock (docs/DESIGN.md says why this and not a DNS responder).
 * The file is rewritten in place, not renamed: the container has the inode bound. As with
 * Docker, the default network resolves nothing but --add-host. */
#ifndef BERTH_ENGINE_HOSTS_H
#define BERTH_ENGINE_HOSTS_H

#include <jansson.h>
#include <stdbool.h>
#include <sys/types.h>

struct berr;
struct eng_store;

/* The hosts text for rec (hostname its own name): localhost lines, --add-host, its own
 * addresses, and peers ([[addr, name, ...], ...], the caller's choice). */
char *eng_hosts_text(json_t *rec, const char *hostname, json_t *peers);
/* resolv.conf: --dns, --dns-search, --dns-option, else the host's (without loopback name
 * servers unless the container has the host's network). host_resolv: its text. */
char *eng_resolv_text(json_t *rec, const char *host_resolv);
/* The peers of rec on its user networks: every container (but skip) whose record is on the
 * same network and that runs, or is also. */
json_t *eng_hosts_peers(const struct eng_store *s, json_t *rec, const char *skip, const char *also);

/* hosts, hostname, resolv.conf in the container's directory, owned by uid:gid. */
int eng_hosts_write(const struct eng_store *s, const char *id, json_t *rec, const char *hostname,
		    uid_t uid, gid_t gid, struct berr **err);
/* Rewrite the hosts file of every running container sharing a user network with rec (rec
 * itself when also is its id; skip leaves one out): after rec starts or stops. */
void eng_hosts_refresh(const struct eng_store *s, json_t *rec, const char *skip, const char *also);

#endif
