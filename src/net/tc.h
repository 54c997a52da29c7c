/* Traffic control on rtnetlink: what a VM needs to take over a network namespace's interface
 * (docs/DESIGN.md "VM isolation"): an ingress qdisc on a link, and on it a filter that
 * redirects every frame arriving there to another link's egress (u32 matching everything,
 * the mirred action), as Kata's tcfilter mode does. Messages only; net_nl_talk sends them. */
#ifndef BERTH_NET_TC_H
#define BERTH_NET_TC_H

#include <linux/netlink.h>
#include <stdbool.h>

/* The ingress qdisc (handle ffff:) on link index, added (EEXIST when there is one) or
 * removed with its filters. */
struct nlmsghdr *net_tc_msg_ingress(char *buf, unsigned index, bool add);
/* On link index's ingress: every frame (any protocol) to link to's egress, stolen from the
 * namespace's own stack. */
struct nlmsghdr *net_tc_msg_redirect(char *buf, unsigned index, unsigned to);

#endif
