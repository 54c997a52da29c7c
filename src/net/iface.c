/* A namespace's interfaces (see iface.h): three dumps, links, then addresses and routes
 * matched to the links by index. */
#include "net/iface.h"

#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/if_arp.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "net/netlink.h"
#include "util/err.h"
#include "util/xalloc.h"

#define IFACES_MAX 64

struct dump {
	struct net_iface *v;
	size_t n;
};

static struct net_iface *by_index(struct dump *d, unsigned index)
{
	for (size_t i = 0; i < d->n; i++)
		if (d->v[i].index == index)
			return &d->v[i];
	return NULL;
}

/* IFLA_LINKINFO's IFLA_INFO_KIND ("veth", "bridge", ...) */
static void link_kind(const struct nlattr *info, char *kind, size_t size)
{
	const struct nlattr *a;
	mnl_attr_for_each_nested(a, info)
	{
		size_t len = mnl_attr_get_payload_len(a);
		if (mnl_attr_get_type(a) == IFLA_INFO_KIND && len > 0 && len <= size) {
			memcpy(kind, mnl_attr_get_payload(a), len);
			kind[size - 1] = '\0';
		}
	}
}

static int link_cb(const struct nlmsghdr *nlh, void *data)
{
	struct dump *d = data;
	struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	if (ifi->ifi_type != ARPHRD_ETHER || (ifi->ifi_flags & IFF_LOOPBACK) || d->n >= IFACES_MAX)
		return MNL_CB_OK;
	struct net_iface f = {.index = (unsigned)ifi->ifi_index};
	struct nlattr *a;
	mnl_attr_for_each(a, nlh, sizeof(*ifi))
	{
		uint16_t type = mnl_attr_get_type(a);
		size_t len = mnl_attr_get_payload_len(a);
		if (type == IFLA_IFNAME && len > 0 && len <= sizeof(f.name))
			memcpy(f.name, mnl_attr_get_payload(a), len);
		else if (type == IFLA_ADDRESS && len == 6)
			memcpy(f.mac, mnl_attr_get_payload(a), 6);
		else if (type == IFLA_MTU && len == 4)
			f.mtu = mnl_attr_get_u32(a);
		else if (type == IFLA_MASTER && len == 4)
			f.master = mnl_attr_get_u32(a);
		else if (type == IFLA_LINKINFO)
			link_kind(a, f.kind, sizeof(f.kind));
	}
	f.name[sizeof(f.name) - 1] = '\0';
	d->v = xrealloc(d->v, (d->n + 1) * sizeof(*d->v));
	d->v[d->n++] = f;
	return MNL_CB_OK;
}

/* A global IPv4 or IPv6 address of an RTM_NEWADDR message, with its prefix: false for
 * anything else. */
static bool global_addr(const struct nlmsghdr *nlh, struct net_addr *out)
{
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	if (ifa->ifa_scope != RT_SCOPE_UNIVERSE ||
	    (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6))
		return false;
	size_t len = ifa->ifa_family == AF_INET ? 4 : 16;
	const void *local = NULL, *address = NULL;
	struct nlattr *a;
	mnl_attr_for_each(a, nlh, sizeof(*ifa))
	{
		/* IFA_LOCAL is the address itself (IFA_ADDRESS the peer's on point-to-point
		 * links); IPv6 gives IFA_ADDRESS only */
		if (mnl_attr_get_payload_len(a) != len)
			continue;
		if (mnl_attr_get_type(a) == IFA_LOCAL)
			local = mnl_attr_get_payload(a);
		else if (mnl_attr_get_type(a) == IFA_ADDRESS)
			address = mnl_attr_get_payload(a);
	}
	if (!local && !address)
		return false;
	*out = (struct net_addr){.family = ifa->ifa_family, .prefix = ifa->ifa_prefixlen};
	memcpy(out->bytes, local ? local : address, len);
	return true;
}

static int addr_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	struct net_iface *f = by_index(data, ifa->ifa_index);
	struct net_addr a;
	if (!f || !global_addr(nlh, &a))
		return MNL_CB_OK;
	struct net_addr *slot = a.family == AF_INET ? &f->addr4 : &f->addr6;
	if (!slot->family) /* the first address is the interface's */
		*slot = a;
	return MNL_CB_OK;
}

static int route_cb(const struct nlmsghdr *nlh, void *data)
{
	struct rtmsg *rt = mnl_nlmsg_get_payload(nlh);
	if (rt->rtm_table != RT_TABLE_MAIN || rt->rtm_dst_len != 0 || rt->rtm_type != RTN_UNICAST ||
	    (rt->rtm_family != AF_INET && rt->rtm_family != AF_INET6))
		return MNL_CB_OK;
	size_t len = rt->rtm_family == AF_INET ? 4 : 16;
	struct net_addr gw = {.family = rt->rtm_family, .prefix = (unsigned)len * 8};
	unsigned oif = 0;
	struct nlattr *a;
	mnl_attr_for_each(a, nlh, sizeof(*rt))
	{
		uint16_t type = mnl_attr_get_type(a);
		if (type == RTA_OIF && mnl_attr_get_payload_len(a) == 4)
			oif = mnl_attr_get_u32(a);
		else if (type == RTA_GATEWAY && mnl_attr_get_payload_len(a) == len)
			memcpy(gw.bytes, mnl_attr_get_payload(a), len);
		else if (type == RTA_GATEWAY)
			return MNL_CB_OK;
	}
	struct net_iface *f = by_index(data, oif);
	struct net_addr none = {0};
	if (f && memcmp(gw.bytes, none.bytes, len))
		*(rt->rtm_family == AF_INET ? &f->gw4 : &f->gw6) = gw;
	return MNL_CB_OK;
}

int net_iface_list(struct net_nl *nl, struct net_iface **out, size_t *out_n, struct berr **err)
{
	struct dump d = {0};
	char buf[NET_NL_BUF];
	struct nlmsghdr *nlh = net_nl_msg_start(buf, RTM_GETLINK, 0);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	int r = net_nl_dump(nl, nlh, link_cb, &d, err);
	if (r == 0) {
		nlh = net_nl_msg_start(buf, RTM_GETADDR, 0);
		struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
		ifa->ifa_family = AF_UNSPEC;
		r = net_nl_dump(nl, nlh, addr_cb, &d, err);
	}
	if (r == 0) {
		nlh = net_nl_msg_start(buf, RTM_GETROUTE, 0);
		struct rtmsg *rt = mnl_nlmsg_put_extra_header(nlh, sizeof(*rt));
		rt->rtm_family = AF_UNSPEC;
		r = net_nl_dump(nl, nlh, route_cb, &d, err);
	}
	if (r < 0) {
		free(d.v);
		return berr_wrap(err, "list the network interfaces");
	}
	*out = d.v;
	*out_n = d.n;
	return 0;
}

int net_iface_kind(struct net_nl *nl, const char *name, char kind[16])
{
	char buf[NET_NL_BUF];
	const struct nlmsghdr *r = net_nl_link_get(nl, name, buf);
	if (!r)
		return -ENODEV;
	kind[0] = '\0';
	struct nlattr *a;
	mnl_attr_for_each(a, r, sizeof(struct ifinfomsg))
	{
		if (mnl_attr_get_type(a) == IFLA_LINKINFO)
			link_kind(a, kind, 16);
	}
	return 0;
}

struct addrs {
	unsigned index;
	struct net_addr *v;
	size_t n;
};

static int addrs_cb(const struct nlmsghdr *nlh, void *data)
{
	struct addrs *d = data;
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	struct net_addr a;
	if (ifa->ifa_index != d->index || d->n >= IFACES_MAX || !global_addr(nlh, &a))
		return MNL_CB_OK;
	d->v = xrealloc(d->v, (d->n + 1) * sizeof(*d->v));
	d->v[d->n++] = a;
	return MNL_CB_OK;
}

int net_iface_addrs(struct net_nl *nl, unsigned index, struct net_addr **out, size_t *out_n,
		    struct berr **err)
{
	struct addrs d = {.index = index};
	char buf[NET_NL_BUF];
	struct nlmsghdr *nlh = net_nl_msg_start(buf, RTM_GETADDR, 0);
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = AF_UNSPEC;
	if (net_nl_dump(nl, nlh, addrs_cb, &d, err) < 0) {
		free(d.v);
		return berr_wrap(err, "list the addresses of interface %u", index);
	}
	*out = d.v;
	*out_n = d.n;
	return 0;
}
