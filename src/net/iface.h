/* The interfaces of a network namespace as they are (what another tool, podman's CNI or
 * netavark, set up): for each Ethernet link but loopback its index, name, kind, master, MAC,
 * MTU, its first global IPv4 and IPv6 address and the default routes through it. */
#ifndef BERTH_NET_IFACE_H
#define BERTH_NET_IFACE_H

#include <stddef.h>
#include <stdint.h>

#include "net/addr.h"

struct berr;
struct net_nl;

struct net_iface {
	unsigned index;
	char name[16];
	char kind[16];   /* "veth", "bridge", ...; "" for a physical one */
	unsigned master; /* the index of its bridge or bond, 0: none */
	uint8_t mac[6];
	uint32_t mtu;
	struct net_addr addr4, addr6; /* family 0: none */
	struct net_addr gw4, gw6;     /* family 0: no default route through it */
};

/* Caller frees *out. */
int net_iface_list(struct net_nl *nl, struct net_iface **out, size_t *out_n, struct berr **err);
/* The kind of the link named name into kind ("" for a physical one): 0, or -ENODEV when
 * there is no such link. */
int net_iface_kind(struct net_nl *nl, const char *name, char kind[16]);
/* The global IPv4 and IPv6 addresses of the interface, with their prefixes (caller frees). */
int net_iface_addrs(struct net_nl *nl, unsigned index, struct net_addr **out, size_t *out_n,
		    struct berr **err);

#endif
