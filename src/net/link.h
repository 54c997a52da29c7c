/* The links of bridge networks: a bridge with its gateway addresses (and the sysctls it
 * needs), and a container's end of it, a veth pair whose peer is the container's eth0 with
 * its address, MAC, MTU and default route. What firewall state goes with them is nft.h's. */
#ifndef BERTH_NET_LINK_H
#define BERTH_NET_LINK_H

#include <stdbool.h>
#include <stdint.h>

#include "net/addr.h"

struct berr;

struct net_bridge {
	const char *name;
	struct net_addr gw4, gw6; /* family 0: none; prefix: the subnet's */
	uint32_t mtu;
	bool internal; /* no way out: no forwarding asked for */
};

/* Make the bridge if it is missing, give it its addresses, bring it up; turn on what it
 * needs: route_localnet on it (127.0.0.1 to a published port), and IPv4/IPv6 forwarding
 * unless the network is internal. *out_index gets the bridge's index. A link of its name
 * that is not a bridge is refused (EEXIST), never taken over; other addresses than the
 * gateways on the bridge are removed. */
int net_bridge_ensure(const struct net_bridge *b, unsigned *out_index, struct berr **err);
/* Remove it (none is fine); a link of its name that is not a bridge is left, with a
 * warning. */
int net_bridge_remove(const char *name, struct berr **err);

struct net_endpoint {
	const char *bridge;
	const char *host_if; /* the host's end, "veth1a2b3c40" */
	const char *if_name; /* in the container: "eth0" */
	uint8_t mac[6];
	uint32_t mtu;
	struct net_addr addr4, addr6; /* family 0: none; with the subnet's prefix */
	struct net_addr gw4, gw6;     /* family 0: no default route of that family */
};

/* The pair, its host end in the bridge (hairpin on) and up, its peer moved into netns_fd and
 * configured there. On failure nothing is left (the pair is removed). */
int net_endpoint_add(int netns_fd, const struct net_endpoint *e, struct berr **err);
/* A TAP named name (IFF_VNET_HDR: virtio-net's offloads) made in the namespace of netns_fd
 * (-1: ours), not persistent (it goes with its last fd); excl: EBUSY if one of that name is
 * there already. *out_fd is its queue. */
int net_tap_open(int netns_fd, const char *name, bool excl, int *out_fd, struct berr **err);
/* A VM's end instead: a TAP named host_if (IFF_VNET_HDR, for virtio-net's offloads) in the
 * bridge, hairpin on, up; *out_fd is its queue for QEMU. Not persistent: it goes when the
 * last fd does. e's addresses are for the guest to set, not used here. */
int net_tap_add(const struct net_endpoint *e, int *out_fd, struct berr **err);
/* Remove the host end (the peer goes with it); ENOENT is fine. */
int net_endpoint_remove(const char *host_if, struct berr **err);
/* lo up in netns_fd (a new namespace has it down). */
int net_loopback_up(int netns_fd, struct berr **err);

#endif
