/* Bridges and container endpoints (see link.h). */
#include "net/link.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/iface.h"
#include "net/netlink.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/xalloc.h"

static int sysctl_set(const char *path, const char *value, struct berr **err)
{
	autofree char *cur = NULL;
	size_t len = 0;
	/* written only when different: the file may be read-only where it already holds it */
	if (fs_read_file(AT_FDCWD, path, 64, &cur, &len, NULL) == 0 && len &&
	    !strncmp(cur, value, strlen(value)) && cur[strlen(value)] == '\n')
		return 0;
	if (fs_write_file(AT_FDCWD, path, value, strlen(value), 0, err) < 0)
		return berr_wrap(err, "sysctl");
	return 0;
}

static int add_addr(struct net_nl *nl, unsigned index, const struct net_addr *a, const char *what,
		    struct berr **err)
{
	char buf[NET_NL_BUF], s[NET_ADDR_STRLEN];
	int r = net_nl_talk(nl, net_nl_msg_addr(buf, index, a), err);
	if (r < 0 && r != -EEXIST)
		return berr_set(err, -r, "add address %s to %s", net_addr_cidr(a, s, sizeof(s)),
				what);
	return 0;
}

/* The bridge's addresses that are not its network's gateways: gone. The bridge is berth's,
 * named for its network, and a stale one (left when a store was made again and chose another
 * subnet) would route that subnet to it. */
static int drop_stale_addrs(struct net_nl *nl, unsigned index, const struct net_bridge *b,
			    struct berr **err)
{
	struct net_addr *v = NULL;
	size_t n = 0;
	int r = net_iface_addrs(nl, index, &v, &n, err);
	if (r < 0)
		return r;
	char buf[NET_NL_BUF], s[NET_ADDR_STRLEN];
	r = 0;
	for (size_t i = 0; i < n && r == 0; i++) {
		const struct net_addr *gw = v[i].family == AF_INET ? &b->gw4 : &b->gw6;
		if (gw->family && net_addr_equal(&v[i], gw) && v[i].prefix == gw->prefix)
			continue;
		r = net_nl_talk(nl, net_nl_msg_addr_del(buf, index, &v[i]), err);
		if (r < 0 && r != -EADDRNOTAVAIL)
			r = berr_set(err, -r, "remove the stale address %s from %s",
				     net_addr_cidr(&v[i], s, sizeof(s)), b->name);
		else
			r = 0;
	}
	free(v);
	return r;
}

int net_bridge_ensure(const struct net_bridge *b, unsigned *out_index, struct berr **err)
{
	struct net_nl nl;
	int r = net_nl_open(&nl, -1, err);
	if (r < 0)
		return r;
	char buf[NET_NL_BUF];
	r = 0;
	unsigned index = net_nl_ifindex(&nl, b->name);
	char kind[16];
	/* a link of that name that is not a bridge is someone else's: never taken over */
	if (index && net_iface_kind(&nl, b->name, kind) == 0 && strcmp(kind, "bridge")) {
		net_nl_close(&nl);
		return berr_plain(err, EEXIST, "'%s' exists and is not a bridge", b->name);
	}
	if (!index) {
		r = net_nl_talk(&nl, net_nl_msg_bridge(buf, b->name, b->mtu), err);
		if (r < 0 && r != -EEXIST)
			r = berr_set(err, -r, "create bridge '%s'", b->name);
		else
			r = 0;
		index = r == 0 ? net_nl_ifindex(&nl, b->name) : 0;
		if (r == 0 && !index)
			r = berr_plain(err, ENODEV, "bridge '%s' vanished", b->name);
	}
	if (r == 0 && b->gw6.family) {
		/* before the address: IPv6 must be on for the bridge, and it needs no router
		 * advertisements of its own making */
		autofree char *p = xasprintf("/proc/sys/net/ipv6/conf/%s/disable_ipv6", b->name);
		r = sysctl_set(p, "0", err);
	}
	if (r == 0 && b->gw4.family)
		r = add_addr(&nl, index, &b->gw4, b->name, err);
	if (r == 0 && b->gw6.family)
		r = add_addr(&nl, index, &b->gw6, b->name, err);
	if (r == 0)
		r = drop_stale_addrs(&nl, index, b, err);
	if (r == 0) {
		r = net_nl_talk(&nl, net_nl_msg_link_up(buf, index), err);
		if (r < 0)
			r = berr_set(err, -r, "bring up bridge '%s'", b->name);
	}
	net_nl_close(&nl);
	if (r == 0 && b->gw4.family) {
		autofree char *p = xasprintf("/proc/sys/net/ipv4/conf/%s/route_localnet", b->name);
		r = sysctl_set(p, "1", err);
	}
	if (r == 0 && !b->internal && b->gw4.family)
		r = sysctl_set("/proc/sys/net/ipv4/ip_forward", "1", err);
	if (r == 0 && !b->internal && b->gw6.family)
		r = sysctl_set("/proc/sys/net/ipv6/conf/all/forwarding", "1", err);
	if (r == 0)
		*out_index = index;
	return r;
}

static int del_link(const char *name, const char *what, struct berr **err)
{
	struct net_nl nl;
	int r = net_nl_open(&nl, -1, err);
	if (r < 0)
		return r;
	char buf[NET_NL_BUF];
	r = net_nl_talk(&nl, net_nl_msg_link_del(buf, name), err);
	net_nl_close(&nl);
	if (r < 0 && r != -ENODEV && r != -ENOENT)
		return berr_set(err, -r, "remove %s '%s'", what, name);
	return 0;
}

int net_bridge_remove(const char *name, struct berr **err)
{
	struct net_nl nl;
	int r = net_nl_open(&nl, -1, err);
	if (r < 0)
		return r;
	char kind[16];
	r = net_iface_kind(&nl, name, kind);
	net_nl_close(&nl);
	if (r == -ENODEV)
		return 0;
	/* only a bridge: a link of its name that is something else is not ours */
	if (r == 0 && strcmp(kind, "bridge")) {
		log_warn("'%s' is not a bridge (someone else's %s): left as it is", name,
			 *kind ? kind : "device");
		return 0;
	}
	return del_link(name, "bridge", err);
}

int net_endpoint_remove(const char *host_if, struct berr **err)
{
	return del_link(host_if, "interface", err);
}

/* Inside the container: lo up, eth0's address, up, the default routes. */
static int configure_peer(int netns_fd, const struct net_endpoint *e, struct berr **err)
{
	struct net_nl nl;
	int r = net_nl_open(&nl, netns_fd, err);
	if (r < 0)
		return r;
	char buf[NET_NL_BUF];
	r = 0;
	unsigned index = net_nl_ifindex(&nl, e->if_name);
	if (!index)
		r = berr_plain(err, ENODEV, "no %s in the container", e->if_name);
	const struct net_addr *addrs[] = {&e->addr4, &e->addr6};
	for (int i = 0; r == 0 && i < 2; i++)
		if (addrs[i]->family)
			r = add_addr(&nl, index, addrs[i], e->if_name, err);
	if (r == 0 && (r = net_nl_talk(&nl, net_nl_msg_link_up(buf, index), err)) < 0)
		r = berr_set(err, -r, "bring up %s", e->if_name);
	const struct net_addr *gws[] = {&e->gw4, &e->gw6};
	for (int i = 0; r == 0 && i < 2; i++) {
		if (!gws[i]->family)
			continue;
		r = net_nl_talk(&nl, net_nl_msg_default_route(buf, index, gws[i]), err);
		if (r == -EEXIST)
			r = 0;
		else if (r < 0)
			r = berr_set(err, -r, "default route of %s", e->if_name);
	}
	net_nl_close(&nl);
	return r;
}

int net_endpoint_add(int netns_fd, const struct net_endpoint *e, struct berr **err)
{
	struct net_nl nl;
	int r = net_nl_open(&nl, -1, err);
	if (r < 0)
		return r;
	char buf[NET_NL_BUF];
	r = 0;
	unsigned master = net_nl_ifindex(&nl, e->bridge);
	if (!master)
		r = berr_plain(err, ENODEV, "bridge '%s' is missing", e->bridge);
	if (r == 0) {
		r = net_nl_talk(
		    &nl,
		    net_nl_msg_veth(buf, e->host_if, master, e->if_name, netns_fd, e->mac, e->mtu),
		    err);
		if (r < 0)
			r = berr_set(err, -r, "create veth pair '%s'", e->host_if);
	}
	unsigned index = r == 0 ? net_nl_ifindex(&nl, e->host_if) : 0;
	if (r == 0 && !index)
		r = berr_plain(err, ENODEV, "veth '%s' vanished", e->host_if);
	if (r == 0 && (r = net_nl_talk(&nl, net_nl_msg_hairpin(buf, index), err)) < 0)
		r = berr_set(err, -r, "hairpin mode on '%s'", e->host_if);
	if (r == 0 && (r = net_nl_talk(&nl, net_nl_msg_link_up(buf, index), err)) < 0)
		r = berr_set(err, -r, "bring up '%s'", e->host_if);
	net_nl_close(&nl);
	if (r == 0)
		r = configure_peer(netns_fd, e, err);
	if (r < 0 && index)
		(void)net_endpoint_remove(e->host_if, NULL);
	return r;
}

static int open_tun(void *ctx)
{
	return open("/dev/net/tun", O_RDWR | O_CLOEXEC);
}

int net_tap_open(int netns_fd, const char *name, bool excl, int *out_fd, struct berr **err)
{
	/* the TAP belongs to the namespace /dev/net/tun was opened in */
	autoclose int fd = net_ns_fd(netns_fd, open_tun, NULL, "open /dev/net/tun", err);
	if (fd < 0)
		return fd;
	struct ifreq ifr = {0};
	ifr.ifr_flags = (short)(IFF_TAP | IFF_NO_PI | IFF_VNET_HDR | (excl ? IFF_TUN_EXCL : 0));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0)
		return berr_set(err, errno, "create TAP '%s'", name);
	*out_fd = take_fd(&fd);
	return 0;
}

int net_tap_add(const struct net_endpoint *e, int *out_fd, struct berr **err)
{
	int fd;
	int r = net_tap_open(-1, e->host_if, false, &fd, err);
	if (r < 0)
		return r;
	struct net_nl nl;
	if ((r = net_nl_open(&nl, -1, err)) < 0) {
		(void)close(fd);
		return r;
	}
	char buf[NET_NL_BUF];
	r = 0;
	unsigned master = net_nl_ifindex(&nl, e->bridge), index = net_nl_ifindex(&nl, e->host_if);
	if (!master || !index)
		r = berr_plain(err, ENODEV, "%s '%s' is missing", master ? "TAP" : "bridge",
			       master ? e->host_if : e->bridge);
	if (r == 0 &&
	    (r = net_nl_talk(&nl, net_nl_msg_link_master(buf, index, master, e->mtu), err)) < 0)
		r = berr_set(err, -r, "put '%s' into bridge '%s'", e->host_if, e->bridge);
	if (r == 0 && (r = net_nl_talk(&nl, net_nl_msg_hairpin(buf, index), err)) < 0)
		r = berr_set(err, -r, "hairpin mode on '%s'", e->host_if);
	if (r == 0 && (r = net_nl_talk(&nl, net_nl_msg_link_up(buf, index), err)) < 0)
		r = berr_set(err, -r, "bring up '%s'", e->host_if);
	net_nl_close(&nl);
	if (r < 0) {
		(void)close(fd); /* the TAP goes with it */
		return r;
	}
	*out_fd = fd;
	return 0;
}

int net_loopback_up(int netns_fd, struct berr **err)
{
	struct net_nl nl;
	int r = net_nl_open(&nl, netns_fd, err);
	if (r < 0)
		return r;
	char buf[NET_NL_BUF];
	r = net_nl_talk(&nl, net_nl_msg_link_up(buf, 1), err); /* lo is always 1 */
	net_nl_close(&nl);
	if (r < 0)
		return berr_set(err, -r, "bring up lo");
	return 0;
}
