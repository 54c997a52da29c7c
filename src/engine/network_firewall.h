/* A bridge network's bridge and its firewall chains in berth's nftables table, made when a
 * container or VM first needs them (engine/endpoint.c) and checked by system check. */
#ifndef BERTH_ENGINE_NETWORK_FIREWALL_H
#define BERTH_ENGINE_NETWORK_FIREWALL_H

#include <jansson.h>

#include "net/addr.h"
#include "net/link.h"
#include "net/nft.h"

struct berr;
struct eng_store;

/* The network's bridge and firewall chains, made if missing (idempotent). */
int eng_network_ensure(const struct eng_store *s, json_t *net, struct berr **err);
/* What the network record net says of its bridge (b) and firewall (nn, whose subnets are
 * written in s4 and s6). */
void eng_network_describe(json_t *net, struct net_bridge *b, struct net_nft_network *nn,
			  char s4[NET_ADDR_STRLEN], char s6[NET_ADDR_STRLEN]);
/* The network's firewall table and chains (one idempotent batch). */
int eng_network_firewall(const struct net_nft_network *nn, struct berr **err);
/* Record that the chains of the bridge with this index are made, in the current rules'
 * version. */
void eng_network_firewall_mark(const struct eng_store *s, json_t *net, unsigned index);

#endif
