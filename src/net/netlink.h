/* rtnetlink on libmnl: links (bridges, veth pairs), addresses, routes, in the caller's network
 * namespace or in a container's. Building a message (net_nl_msg_*, into a caller's buffer)
 * is kept apart from sending it (net_nl_talk), so the messages are unit-tested. Nothing here
 * forks: a socket for another namespace is made there by entering it for the one socket()
 * call and coming back (a socket stays in the namespace it was made in). */
#ifndef BERTH_NET_NETLINK_H
#define BERTH_NET_NETLINK_H

#include <linux/netlink.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/addr.h"

struct berr;

#define NET_NL_BUF 8192

struct net_nl {
	void *sk; /* struct mnl_socket */
	uint32_t seq, portid;
};

/* Into the network namespace of netns_fd (-1: stay) for a call whose result stays there (a
 * socket, a TAP's queue), *out_self the way back; net_ns_leave goes back (or aborts: a
 * process lost in a container's namespace could trust nothing after). */
int net_ns_enter(int netns_fd, int *out_self, struct berr **err);
void net_ns_leave(int self);
/* A descriptor that make(ctx) returns (or -1 with errno; the error then says what failed)
 * made inside the namespace of netns_fd (-1: ours), where it stays. Inside a user namespace that is
 * not the host's (the rootless engine, engine/rootless.h) the way back to our own network namespace
 * (the host's) is refused, setns(2) needing CAP_SYS_ADMIN over its owner: there a child makes it
 * and sends it home (SCM_RIGHTS). */
int net_ns_fd(int netns_fd, int (*make)(void *ctx), void *ctx, const char *what, struct berr **err);
/* A socket in the namespace of netns_fd (-1: ours). */
int net_nl_open(struct net_nl *nl, int netns_fd, struct berr **err);
void net_nl_close(struct net_nl *nl);
/* Send one request and wait for its acknowledgement; the kernel's errno comes back
 * (negative), EEXIST included, for the caller to forgive. */
int net_nl_talk(struct net_nl *nl, struct nlmsghdr *nlh, struct berr **err);

/* Messages (buf holds NET_NL_BUF bytes). A bare request of type with flags (NLM_F_REQUEST
 * added), for the other rooms' messages (tc.h) and queries. */
struct nlmsghdr *net_nl_msg_start(char *buf, uint16_t type, uint16_t flags);
struct nlmsghdr *net_nl_msg_bridge(char *buf, const char *name, uint32_t mtu);
/* A veth pair: name here (in the bridge master_index, 0: none), peer in peer_netns_fd with
 * the MAC mac (NULL: the kernel's) and the MTU. */
struct nlmsghdr *net_nl_msg_veth(char *buf, const char *name, unsigned master_index,
				 const char *peer, int peer_netns_fd, const uint8_t *mac,
				 uint32_t mtu);
/* Bring a link up (by index). */
struct nlmsghdr *net_nl_msg_link_up(char *buf, unsigned index);
struct nlmsghdr *net_nl_msg_link_mtu(char *buf, unsigned index, uint32_t mtu);
/* A bridge port's hairpin mode (a container reaching its own published port). */
struct nlmsghdr *net_nl_msg_hairpin(char *buf, unsigned index);
/* An existing link (a TAP) into the bridge master, with its MTU (0: unchanged). */
struct nlmsghdr *net_nl_msg_link_master(char *buf, unsigned index, unsigned master, uint32_t mtu);
struct nlmsghdr *net_nl_msg_link_del(char *buf, const char *name);
struct nlmsghdr *net_nl_msg_addr(char *buf, unsigned index, const struct net_addr *a);
struct nlmsghdr *net_nl_msg_addr_del(char *buf, unsigned index, const struct net_addr *a);
/* The default route (v4 or v6 by gw's family) through gw, on the link index. */
struct nlmsghdr *net_nl_msg_default_route(char *buf, unsigned index, const struct net_addr *gw);

/* Send a dump request (NLM_F_DUMP added) and give every answer to cb (libmnl's callback:
 * MNL_CB_OK to go on). */
typedef int (*net_nl_cb)(const struct nlmsghdr *nlh, void *data);
int net_nl_dump(struct net_nl *nl, struct nlmsghdr *nlh, net_nl_cb cb, void *data,
		struct berr **err);
/* The index of the link name, 0 if there is none. */
unsigned net_nl_ifindex(struct net_nl *nl, const char *name);
/* The link named name: its RTM_NEWLINK answer, in buf (NET_NL_BUF bytes); NULL when none. */
const struct nlmsghdr *net_nl_link_get(struct net_nl *nl, const char *name, char *buf);
/* The destinations of the routes in the main table (family AF_INET or AF_INET6), but those
 * through interface skip_oif (0: none), for choosing a subnet that collides with none;
 * caller frees *out. */
int net_nl_routes(struct net_nl *nl, int family, unsigned skip_oif, struct net_addr **out,
		  size_t *out_n, struct berr **err);

#endif
