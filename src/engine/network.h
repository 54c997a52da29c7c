/* Networks (Docker's bridge driver) in the store, and the addresses containers lease on them:
 *   <root>/networks/<id>/network.json   Docker's network inspect fields (Name, Id, Driver,
 *                                       IPAM.Config, Internal, EnableIPv6, Options, Labels)
 *   <root>/networks/<id>/leases.json    {"172.18.0.2": "<container id>", ...}
 *   <root>/networks.lock                taken for every change of either; after
 *                                       containers.lock when both are held
 * The default network "bridge" (bridge berth0) is recorded the first time it is needed,
 * with a subnet chosen then. "host" and "none" are not records: they are modes. A container
 * leases its addresses when it is created (so --ip and a full subnet fail before anything
 * exists) and gives them back when it is removed; its record's NetworkSettings.Networks says
 * what it has. Bringing the links up is endpoint.h's. */
#ifndef BERTH_ENGINE_NETWORK_H
#define BERTH_ENGINE_NETWORK_H

#include <jansson.h>
#include <stdbool.h>

#include "net/addr.h"

struct berr;
struct eng_store;

#define ENG_NET_DEFAULT        "bridge"
#define ENG_NET_DEFAULT_BRIDGE "berth0"

struct eng_network_opts {
	const char *name;
	const char *subnet, *gateway, *ip_range; /* IPv4 (or IPv6: then taken as such) */
	const char *subnet6, *gateway6;          /* a second --subnet/--gateway of IPv6 */
	bool internal, ipv6;
	char *const *labels;  /* "k=v" */
	char *const *options; /* -o "com.docker.network.driver.mtu=1400", "mtu=1400" */
};

int eng_network_create(const struct eng_store *s, const struct eng_network_opts *o, char out_id[65],
		       struct berr **err);
/* By name, id or unique id prefix; ENOENT "network X not found". The default network is
 * recorded when first named. */
json_t *eng_network_load(const struct eng_store *s, const char *ref, struct berr **err);
/* Under the networks lock: the default network's record, made when first needed. */
json_t *eng_network_default_locked(const struct eng_store *s, struct berr **err);
/* Every network record (the default one made if missing), by name. */
json_t *eng_network_list(const struct eng_store *s, struct berr **err);
/* EBUSY while a container has an address on it; the default network cannot go. Its links
 * and firewall chains go with it; the last network's going takes berth's table too. */
int eng_network_remove(const struct eng_store *s, const char *ref, struct berr **err);
/* Containers (ids) with a lease on the network, as {"<id>": "<addr>"}. */
json_t *eng_network_users(const struct eng_store *s, json_t *net);

/* Whether mode names a network (not "none", "host", "container:..."). */
bool eng_network_mode_is_net(const char *mode);

/* Under the containers lock at create, or connect: the network `ref` given to the record
 * (NetworkSettings.Networks.<name>), with ip (NULL: the next free one), mac (NULL: Docker's,
 * of the IPv4 address; checked by eng_network_check_mac) and aliases; EEXIST when that
 * address is taken, ENOSPC when none is left. */
int eng_network_claim(const struct eng_store *s, json_t *rec, const char *ref, const char *ip,
		      const char *mac, char *const *aliases, struct berr **err);
/* --mac-address: six pairs of hex digits, a unicast address. */
int eng_network_check_mac(const char *mac, struct berr **err);
/* Give back the addresses of one network of the record (name NULL: all of them). */
void eng_network_release(const struct eng_store *s, json_t *rec, const char *name);

/* The bridge's name and its addresses (prefix of the subnet), from a record. */
const char *eng_network_bridge(json_t *net);
bool eng_network_subnet(json_t *net, int family, struct net_addr *out_subnet,
			struct net_addr *out_gateway);
bool eng_network_internal(json_t *net);
unsigned eng_network_mtu(json_t *net);

/* Remove the default bridge and berth's table when nothing uses them (system prune). */
int eng_network_prune_default(const struct eng_store *s, struct berr **err);

/* Leases of containers that no longer exist (a crash between the lease and the record):
 * how many, removed when repair. Called under the networks lock. */
int eng_network_stale_leases(const struct eng_store *s, json_t *net, bool repair);

/* networks.lock (fd to close). */
int eng_network_lock(const struct eng_store *s, struct berr **err);

#endif
