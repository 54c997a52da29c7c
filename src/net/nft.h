/* berth's firewall: one nftables table, `inet berth`, and nothing outside it (no one else's
 * table is flushed or edited). The commands are built as nft text (net_nft_*: pure, unit
 * tested) and run by libnftables as one transaction (net_nft_run).
 *
 *   set bridges                 our bridges' names
 *   set nat4, nat6              subnets of networks with a way out (masquerade)
 *   map pub4, pub6              proto . host port : container address . port  (-p PORT, any
 *                               host address)
 *   map pub4_ip, pub6_ip        host address . proto . port : address . port  (-p IP:PORT:..)
 *   map fwd_in, fwd_out         bridge : jump to the network's own chains
 *   chain prerouting, output    DNAT of published ports, for other hosts and for this one
 *   chain postrouting           masquerade: leaving a network; from 127.0.0.1 to a published
 *                               port (the bridge has route_localnet); DNATed traffic between
 *                               containers (hairpin)
 *   chain forward               an established flow's packets at once; a flow's first
 *                               through fwd_in/fwd_out: in-<bridge> (from it: to itself, to
 *                               nothing else of ours but published ports, out unless
 *                               internal), out-<bridge> (to it: published ports only; nothing
 *                               if internal)
 *
 * Every batch is idempotent: chains are added and flushed before their rules, so running one
 * again changes nothing, and elements are keyed (deleting one is exact). */
#ifndef BERTH_NET_NFT_H
#define BERTH_NET_NFT_H

/* The rules' version: one more with each change to what the batches below make, so that
 * chains an older berth made are made again (the engine's marker records it). */
#define NET_NFT_RULES 2

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct berr;

#define NET_NFT_TABLE "berth"

struct net_nft_network {
	const char *bridge;
	const char *subnet4, *subnet6; /* CIDR, or NULL */
	bool internal;
};

struct net_nft_port {
	const char *proto;   /* "tcp" or "udp" */
	const char *host_ip; /* NULL: every address of the host */
	uint16_t host_port;
	const char *addr; /* the container's */
	uint16_t port;
};

/* The table, its sets, maps and base chains (with their rules). */
char *net_nft_base(void);
/* A network's chains and elements: added, or (add false) removed. */
char *net_nft_network(const struct net_nft_network *n, bool add);
/* Published ports: elements added, or removed. */
char *net_nft_ports(const struct net_nft_port *p, size_t n, bool add);
/* The whole table. */
char *net_nft_drop_table(void);

/* Run a batch (libnftables); its messages become the error. */
int net_nft_run(const char *cmds, struct berr **err);
/* Each line on its own, failures ignored: for removing what may be partly gone already. */
void net_nft_run_each(const char *cmds);
/* The elements of one of our maps, as nft prints them ("tcp . 8080 : 172.17.0.2 . 80"). */
json_t *net_nft_elements(const char *map);
/* Whether our table has the chain. */
bool net_nft_chain_exists(const char *chain);
/* Whether our table exists. */
bool net_nft_table_exists(void);

#endif
