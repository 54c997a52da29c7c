/* Address management for bridge networks: the subnet a new network gets (Docker's default
 * pools, skipping what the host already routes and what other networks use), its gateway,
 * and the next free address for a container. Pure functions over lists the caller gathers
 * (leases are kept by the engine, under its networks lock). */
#ifndef BERTH_NET_IPAM_H
#define BERTH_NET_IPAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/addr.h"

struct berr;

/* The first of Docker's pools (172.17.0.0/16 ... 172.31.0.0/16, then 192.168.0.0/20 ...
 * 192.168.240.0/20) that overlaps none of taken. ENOSPC when all do. */
int net_ipam_pick_subnet(const struct net_addr *taken, size_t n, struct net_addr *out,
			 struct berr **err);
/* A ULA /64 (fdXX:XXXX:XXXX::/64, RFC 4193) from seed (the network's id): random-looking,
 * the same for the same network. */
struct net_addr net_ipam_ula(const uint8_t seed[8]);
/* The subnet's first host address (.1, or ::1). */
struct net_addr net_ipam_gateway(const struct net_addr *subnet);
/* The first address of range (or of the subnet when range is NULL) that is a host address
 * of subnet (not its network address, nor its IPv4 broadcast), not the gateway, and not in
 * taken. ENOSPC when none is left. */
int net_ipam_alloc(const struct net_addr *subnet, const struct net_addr *range,
		   const struct net_addr *gateway, const struct net_addr *taken, size_t n,
		   struct net_addr *out, struct berr **err);
/* Whether addr may be given to a container on subnet (--ip): inside it, a host address, not
 * the gateway. */
bool net_ipam_usable(const struct net_addr *subnet, const struct net_addr *gateway,
		     const struct net_addr *addr);

#endif
