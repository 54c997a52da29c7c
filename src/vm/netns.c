/* A VM takes over a network namespace's interfaces (see netns.h). */
#include "vm/netns.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "net/iface.h"
#include "net/link.h"
#include "net/netlink.h"
#include "net/tc.h"
#include "util/cleanup.h"
#include "util/err.h"

/* The TAP beside f, up with f's MTU, and the redirects both ways (f's ingress qdisc is
 * there already). */
static int tap_beside(struct net_nl *nl, int netns_fd, const struct net_iface *f, int *out_fd,
		      struct berr **err)
{
	char name[16];
	snprintf(name, sizeof(name), "btap%u", f->index);
	autoclose int fd = -1;
	int r = net_tap_open(netns_fd, name, true, &fd, err);
	if (r < 0)
		return r;
	unsigned tap = net_nl_ifindex(nl, name);
	if (!tap)
		return berr_plain(err, ENODEV, "TAP '%s' is missing", name);
	char buf[NET_NL_BUF];
	const char *what = "set the MTU of";
	if ((r = net_nl_talk(nl, net_nl_msg_link_mtu(buf, tap, f->mtu), err)) == 0) {
		what = "add an ingress qdisc to";
		r = net_nl_talk(nl, net_tc_msg_ingress(buf, tap, true), err);
	}
	if (r == 0) {
		what = "redirect the frames of";
		r = net_nl_talk(nl, net_tc_msg_redirect(buf, tap, f->index), err);
	}
	if (r == 0)
		r = net_nl_talk(nl, net_tc_msg_redirect(buf, f->index, tap), err);
	if (r == 0) {
		what = "bring up";
		r = net_nl_talk(nl, net_nl_msg_link_up(buf, tap), err);
	}
	if (r < 0)
		return berr_set(err, -r, "%s TAP '%s' for '%s'", what, name, f->name);
	*out_fd = fd;
	fd = -1;
	return 0;
}

/* f taken over: its ingress qdisc (refused when it has one), the TAP, the guest's NIC. */
static int take(struct net_nl *nl, int netns_fd, const struct net_iface *f, struct vm_nic *nic,
		struct berr **err)
{
	memset(nic, 0, sizeof(*nic));
	nic->fd = -1;
	char buf[NET_NL_BUF];
	int r = net_nl_talk(nl, net_tc_msg_ingress(buf, f->index, true), err);
	if (r == -EEXIST)
		return berr_plain(err, EBUSY,
				  "interface '%s' of the network namespace is taken already "
				  "(by another VM, or it has an ingress qdisc)",
				  f->name);
	if (r < 0)
		return berr_set(err, -r, "ingress qdisc on '%s'", f->name);
	r = tap_beside(nl, netns_fd, f, &nic->fd, err);
	if (r < 0) {
		/* the TAP went with its fd; the qdisc is ours to remove */
		(void)net_nl_talk(nl, net_tc_msg_ingress(buf, f->index, false), NULL);
		return r;
	}
	vm_nic_describe(nic, f->mac, f->name, f->mtu, &f->addr4, &f->gw4, &f->addr6, &f->gw6);
	return 0;
}

void vm_nic_describe(struct vm_nic *nic, const uint8_t mac[6], const char *ifname, uint32_t mtu,
		     const struct net_addr *addr4, const struct net_addr *gw4,
		     const struct net_addr *addr6, const struct net_addr *gw6)
{
	memcpy(nic->mac, mac, 6);
	snprintf(nic->ifname, sizeof(nic->ifname), "%s", ifname);
	nic->mtu = mtu;
	if (addr4->family)
		net_addr_cidr(addr4, nic->addr4, sizeof(nic->addr4));
	if (gw4->family)
		net_addr_str(gw4, nic->gw4, sizeof(nic->gw4));
	if (addr6->family)
		net_addr_cidr(addr6, nic->addr6, sizeof(nic->addr6));
	if (gw6->family)
		net_addr_str(gw6, nic->gw6, sizeof(nic->gw6));
}

/* Whether netns_fd is the namespace we are in or PID 1's: the host's. */
static bool hosts(int netns_fd)
{
	struct stat a, b;
	if (fstat(netns_fd, &a) < 0)
		return true;
	const char *host[] = {"/proc/self/ns/net", "/proc/1/ns/net"};
	for (size_t i = 0; i < 2; i++)
		if (stat(host[i], &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino)
			return true;
	return false;
}

/* The kinds of interface a container network gives a namespace (CNI's bridge, macvlan and
 * ipvlan plugins, netavark): never a physical one, nor a bridge (its ports are others'), nor
 * a port of one. */
static bool takeable(const struct net_iface *f)
{
	const char *kinds[] = {"veth", "macvlan", "ipvlan", "macvtap"};
	if ((!f->addr4.family && !f->addr6.family) || f->master)
		return false;
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (!strcmp(f->kind, kinds[i]))
			return true;
	return false;
}

int vm_netns_take(int netns_fd, struct vm_nic *out, size_t max, size_t *out_n, struct berr **err)
{
	/* its interfaces would stop being the host's */
	if (hosts(netns_fd))
		return berr_plain(err, EPERM,
				  "it is the runtime's own (the host's): a VM cannot take over "
				  "its interfaces");
	struct net_nl nl;
	int r = net_nl_open(&nl, netns_fd, err);
	if (r < 0)
		return r;
	struct net_iface *f = NULL;
	size_t nf = 0, n = 0;
	r = net_iface_list(&nl, &f, &nf, err);
	for (size_t i = 0; r == 0 && i < nf; i++) {
		if (!takeable(&f[i]))
			continue;
		if (n == max)
			r = berr_plain(err, E2BIG, "more than %zu interfaces with addresses", max);
		else if ((r = take(&nl, netns_fd, &f[i], &out[n], err)) == 0)
			n++;
	}
	free(f);
	net_nl_close(&nl);
	if (r < 0) {
		vm_netns_release(netns_fd, out, n);
		for (size_t i = 0; i < n; i++)
			(void)close(out[i].fd);
		return r;
	}
	*out_n = n;
	return 0;
}

void vm_netns_release(int netns_fd, const struct vm_nic *nics, size_t n)
{
	struct net_nl nl;
	if (!n || net_nl_open(&nl, netns_fd, NULL) < 0)
		return;
	char buf[NET_NL_BUF];
	for (size_t i = 0; i < n; i++) {
		unsigned index = net_nl_ifindex(&nl, nics[i].ifname);
		if (index)
			(void)net_nl_talk(&nl, net_tc_msg_ingress(buf, index, false), NULL);
	}
	net_nl_close(&nl);
}
