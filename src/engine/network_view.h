/* What a network is, as Docker's documents show it: the NetworkResource document (network
 * inspect, /networks/{id}, the items of /networks), host and none as Docker shows them
 * (modes, not records), the list's filters and prune. Both front ends (the command line's
 * network inspect, ls and prune, the API service) use these; only the printing is theirs. */
#ifndef BERTH_ENGINE_NETWORK_VIEW_H
#define BERTH_ENGINE_NETWORK_VIEW_H

#include <jansson.h>
#include <stdbool.h>

struct berr;
struct eng_store;

/* Docker's NetworkResource: the record (Name, Id, Created, Scope, Driver, EnableIPv6, IPAM,
 * Internal, Attachable, Ingress, ConfigFrom, ConfigOnly, Options, Labels) with Containers
 * {id: {Name, EndpointID, MacAddress, IPv4Address, IPv6Address}} of the running containers
 * on it (containers false: {}, as /networks lists them). "host" and "none" are Docker's
 * predefined ones. ENOENT "network X not found". */
json_t *eng_network_inspect(const struct eng_store *s, const char *ref, bool containers,
			    struct berr **err);
/* Every network's document (Containers {}), by name, then host and none. */
json_t *eng_network_docs(const struct eng_store *s, struct berr **err);
/* Docker's predefined networks (bridge, host, none): never custom, never pruned. */
bool eng_network_builtin(const char *name);

/* The filters of /networks and `network ls --filter` (util/filter.h's map): name (a part of
 * it), id (a prefix), driver, label (all required), type (custom|builtin), dangling
 * (true|false|1|0), scope. EINVAL "invalid filter 'KEY'" / "invalid filter 'KEY=V'". */
int eng_network_filter_check(json_t *filters, struct berr **err);
/* Whether the network (its document) passes every key of the checked filters. */
bool eng_network_filter(const struct eng_store *s, json_t *filters, json_t *net);

/* Remove the custom networks no container has an address on for which match (NULL: every
 * one) says yes, given the document; their names are appended to out_deleted. A network
 * that cannot go is left (as Docker's prune does). */
void eng_network_prune(const struct eng_store *s, bool (*match)(void *ctx, json_t *net), void *ctx,
		       json_t *out_deleted);

#endif
