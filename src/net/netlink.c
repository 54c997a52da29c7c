/* rtnetlink requests on libmnl (see netlink.h). */
#include "net/netlink.h"

#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/err.h"
#include "util/fdpass.h"
#include "util/userns.h"
#include "util/xalloc.h"

int net_ns_enter(int netns_fd, int *out_self, struct berr **err)
{
	*out_self = -1;
	if (netns_fd < 0)
		return 0;
	int self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self < 0)
		return berr_set(err, errno, "open our network namespace");
	if (setns(netns_fd, CLONE_NEWNET) < 0) {
		int e = errno;
		(void)close(self);
		return berr_set(err, e, "enter the container's network namespace");
	}
	*out_self = self;
	return 0;
}

void net_ns_leave(int self)
{
	if (self < 0)
		return;
	/* back home before anything else: failing that, this process is lost in there */
	if (setns(self, CLONE_NEWNET) < 0)
		abort();
	(void)close(self);
}

/* A child that enters the namespace, makes the descriptor and sends it home (it never has to
 * come back). */
static int fd_from_child(int netns_fd, int (*make)(void *ctx), void *ctx, const char *what,
			 struct berr **err)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return berr_set(err, errno, "socketpair");
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		(void)close(sv[0]);
		(void)close(sv[1]);
		return berr_set(err, e, "fork");
	}
	if (pid == 0) {
		(void)close(sv[0]);
		int code = setns(netns_fd, CLONE_NEWNET) < 0 ? errno : 0;
		int fd = code ? -1 : make(ctx);
		if (fd < 0 && !code)
			code = errno;
		/* SCM_RIGHTS takes no -1: a failure goes as the code alone */
		_exit(fd >= 0 ? fdpass_send(sv[1], &code, sizeof(code), fd) < 0
			      : write(sv[1], &code, sizeof(code)) != sizeof(code));
	}
	(void)close(sv[1]);
	int code = EIO, fd = -1;
	ssize_t got = fdpass_recv(sv[0], &code, sizeof(code), 0, &fd);
	(void)close(sv[0]);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	if (got == (ssize_t)sizeof(code) && !code && fd >= 0)
		return fd;
	if (fd >= 0)
		(void)close(fd);
	return berr_set(err, got == (ssize_t)sizeof(code) && code ? code : EIO, "%s", what);
}

int net_ns_fd(int netns_fd, int (*make)(void *ctx), void *ctx, const char *what, struct berr **err)
{
	if (netns_fd >= 0 && !userns_is_initial())
		return fd_from_child(netns_fd, make, ctx, what, err);
	int self;
	if (net_ns_enter(netns_fd, &self, err) < 0)
		return -EIO;
	int fd = make(ctx);
	int e = errno;
	net_ns_leave(self);
	if (fd < 0)
		return berr_set(err, e, "%s", what);
	return fd;
}

static int netlink_socket(void *ctx)
{
	return socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
}

/* The socket is made in netns_fd's namespace, where it stays. */
int net_nl_open(struct net_nl *nl, int netns_fd, struct berr **err)
{
	memset(nl, 0, sizeof(*nl));
	int fd = net_ns_fd(netns_fd, netlink_socket, NULL, "netlink socket", err);
	if (fd < 0)
		return fd;
	struct mnl_socket *sk = mnl_socket_fdopen(fd);
	int e = errno;
	if (!sk) {
		(void)close(fd);
		return berr_set(err, e, "netlink socket");
	}
	if (mnl_socket_bind(sk, 0, MNL_SOCKET_AUTOPID) < 0) {
		e = errno;
		mnl_socket_close(sk);
		return berr_set(err, e, "bind netlink socket");
	}
	nl->sk = sk;
	nl->portid = mnl_socket_get_portid(sk);
	nl->seq = (uint32_t)time(NULL);
	return 0;
}

void net_nl_close(struct net_nl *nl)
{
	if (nl->sk)
		mnl_socket_close(nl->sk);
	nl->sk = NULL;
}

int net_nl_talk(struct net_nl *nl, struct nlmsghdr *nlh, struct berr **err)
{
	nlh->nlmsg_flags |= NLM_F_ACK;
	nlh->nlmsg_seq = ++nl->seq;
	if (mnl_socket_sendto(nl->sk, nlh, nlh->nlmsg_len) < 0)
		return berr_set(err, errno, "netlink send");
	char buf[NET_NL_BUF];
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl->sk, buf, sizeof(buf));
		if (n < 0)
			return berr_set(err, errno, "netlink receive");
		int r = mnl_cb_run(buf, (size_t)n, nl->seq, nl->portid, NULL, NULL);
		if (r == MNL_CB_ERROR)
			return -errno; /* the caller names what failed */
		if (r == MNL_CB_STOP)
			return 0;
	}
}

struct nlmsghdr *net_nl_msg_start(char *buf, uint16_t type, uint16_t flags)
{
	memset(buf, 0, NET_NL_BUF);
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	return nlh;
}

static struct ifinfomsg *link_header(struct nlmsghdr *nlh)
{
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	return ifi;
}

struct nlmsghdr *net_nl_msg_bridge(char *buf, const char *name, uint32_t mtu)
{
	struct nlmsghdr *nlh = net_nl_msg_start(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
	link_header(nlh);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	if (mtu)
		mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
	struct nlattr *info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "bridge");
	mnl_attr_nest_end(nlh, info);
	return nlh;
}

struct nlmsghdr *net_nl_msg_veth(char *buf, const char *name, unsigned master_index,
				 const char *peer, int peer_netns_fd, const uint8_t *mac,
				 uint32_t mtu)
{
	struct nlmsghdr *nlh = net_nl_msg_start(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
	link_header(nlh);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	if (mtu)
		mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
	if (master_index)
		mnl_attr_put_u32(nlh, IFLA_MASTER, master_index);
	struct nlattr *info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
	struct nlattr *data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	/* VETH_INFO_PEER holds a whole ifinfomsg, then the peer's attributes */
	struct nlattr *p = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
	struct ifinfomsg *pi = mnl_nlmsg_put_extra_header(nlh, sizeof(*pi));
	pi->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, peer);
	if (peer_netns_fd >= 0)
		mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t)peer_netns_fd);
	if (mac)
		mnl_attr_put(nlh, IFLA_ADDRESS, 6, mac);
	if (mtu)
		mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
	mnl_attr_nest_end(nlh, p);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, info);
	return nlh;
}

struct nlmsghdr *net_nl_msg_link_up(char *buf, unsigned index)
{
	struct nlmsghdr *nlh = net_nl_msg_start(buf, RTM_NEWLINK, 0);
	struct ifinfomsg *ifi = link_header(nlh);
	ifi->ifi_index = (int)index;
	ifi->ifi_flags = IFF_UP;
	ifi->ifi_change = IFF_UP;
	return nlh;
}

struct nlmsghdr *net_nl_msg_link_mtu(char *buf, unsigned index, uint32_t mtu)
{
	struct nlmsghdr *nlh = net_nl_msg_start(buf, RTM_NEWLINK, 0);
	struct ifinfomsg *ifi = link_header(nlh);
	ifi->ifi_index = (int)index;
	mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
	return nlh;
}

struct nlmsghdr *net_nl_msg_link_master(char *buf, unsigned index, unsigned master, uint32_t mtu)
{
	struct nlmsghdr *nlh = net_nl_msg_start(buf, RTM_NEWLINK, 0);
	struct ifinfomsg *ifi = link_header(nlh);
	ifi->ifi_index = (int)index;
	mnl_attr_put_u32(nlh, IFLA_MASTER, master);
	if (mtu)
		mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
	return nlh;
}

struct nlmsghdr *net_nl_msg_hairpin(char *buf, unsigned index)
{
	struct nlmsghdr *nlh = net_nl_msg_start(buf, RTM_NEWLINK, 0);
	struct ifinfomsg *ifi = link_header(nlh);
	ifi->ifi_index = (int)index;
	struct nlattr *info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_SLAVE_KIND, "bridge");
	struct nlattr *data = mnl_attr_nest_start(nlh, IFLA_INFO_SLAVE_DATA);
	mnl_attr_put_u8(nlh, IFLA_BRPORT_MODE, 1);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, info);
	return nlh;
}

struct nlmsghdr *net_nl_msg_link_del(char *buf, const char *name)
{
	struct nlmsghdr *nlh = net_nl_msg_start(buf, RTM_DELLINK, 0);
	link_header(nlh);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	return nlh;
}

struct nlmsghdr *net_nl_msg_addr_del(char *buf, unsigned index, const struct net_addr *a)
{
	struct nlmsghdr *nlh = net_nl_msg_addr(buf, index, a);
	nlh->nlmsg_type = RTM_DELADDR;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	return nlh;
}

struct nlmsghdr *net_nl_msg_addr(char *buf, unsigned index, const struct net_addr *a)
{
	struct nlmsghdr *nlh = net_nl_msg_start(buf, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL);
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = (uint8_t)a->family;
	ifa->ifa_prefixlen = (uint8_t)a->prefix;
	ifa->ifa_index = index;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	size_t len = a->family == AF_INET ? 4 : 16;
	mnl_attr_put(nlh, IFA_LOCAL, len, a->bytes);
	mnl_attr_put(nlh, IFA_ADDRESS, len, a->bytes);
	/* no duplicate address detection: the address is ours by IPAM, and DAD would keep it
	 * "tentative" (unusable) for a second or more */
	if (a->family == AF_INET6)
		mnl_attr_put_u32(nlh, IFA_FLAGS, IFA_F_NODAD);
	return nlh;
}

struct nlmsghdr *net_nl_msg_default_route(char *buf, unsigned index, const struct net_addr *gw)
{
	struct nlmsghdr *nlh = net_nl_msg_start(buf, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL);
	struct rtmsg *rt = mnl_nlmsg_put_extra_header(nlh, sizeof(*rt));
	rt->rtm_family = (uint8_t)gw->family;
	rt->rtm_dst_len = 0;
	rt->rtm_table = RT_TABLE_MAIN;
	rt->rtm_protocol = RTPROT_BOOT;
	rt->rtm_scope = RT_SCOPE_UNIVERSE;
	rt->rtm_type = RTN_UNICAST;
	mnl_attr_put(nlh, RTA_GATEWAY, gw->family == AF_INET ? 4 : 16, gw->bytes);
	mnl_attr_put_u32(nlh, RTA_OIF, index);
	return nlh;
}

/* ---- queries ---- */

const struct nlmsghdr *net_nl_link_get(struct net_nl *nl, const char *name, char *buf)
{
	struct nlmsghdr *nlh = net_nl_msg_start(buf, RTM_GETLINK, 0);
	link_header(nlh);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	nlh->nlmsg_seq = ++nl->seq;
	if (mnl_socket_sendto(nl->sk, nlh, nlh->nlmsg_len) < 0)
		return NULL;
	ssize_t n = mnl_socket_recvfrom(nl->sk, buf, NET_NL_BUF);
	if (n < (ssize_t)sizeof(struct nlmsghdr))
		return NULL;
	struct nlmsghdr *r = (struct nlmsghdr *)buf;
	return r->nlmsg_type == RTM_NEWLINK ? r : NULL; /* NLMSG_ERROR: no such link */
}

unsigned net_nl_ifindex(struct net_nl *nl, const char *name)
{
	char buf[NET_NL_BUF];
	const struct nlmsghdr *r = net_nl_link_get(nl, name, buf);
	return r ? (unsigned)((const struct ifinfomsg *)mnl_nlmsg_get_payload(r))->ifi_index : 0;
}

struct route_dump {
	int family;
	unsigned skip_oif;
	struct net_addr *v;
	size_t n;
};

static int route_cb(const struct nlmsghdr *nlh, void *data)
{
	struct route_dump *d = data;
	struct rtmsg *rt = mnl_nlmsg_get_payload(nlh);
	if (rt->rtm_family != d->family || rt->rtm_table != RT_TABLE_MAIN || rt->rtm_dst_len == 0)
		return MNL_CB_OK;
	struct net_addr r = {.family = d->family, .prefix = rt->rtm_dst_len};
	size_t len = d->family == AF_INET ? 4 : 16;
	bool dst = false;
	struct nlattr *a;
	mnl_attr_for_each(a, nlh, sizeof(*rt))
	{
		if (mnl_attr_get_type(a) == RTA_OIF && d->skip_oif &&
		    mnl_attr_get_u32(a) == d->skip_oif)
			return MNL_CB_OK;
		if (mnl_attr_get_type(a) == RTA_DST && mnl_attr_get_payload_len(a) == len) {
			memcpy(r.bytes, mnl_attr_get_payload(a), len);
			dst = true;
		}
	}
	if (dst) {
		d->v = xrealloc(d->v, (d->n + 1) * sizeof(*d->v));
		d->v[d->n++] = r;
	}
	return MNL_CB_OK;
}

int net_nl_dump(struct net_nl *nl, struct nlmsghdr *nlh, net_nl_cb cb, void *data,
		struct berr **err)
{
	char buf[NET_NL_BUF];
	nlh->nlmsg_flags |= NLM_F_DUMP;
	nlh->nlmsg_seq = ++nl->seq;
	if (mnl_socket_sendto(nl->sk, nlh, nlh->nlmsg_len) < 0)
		return berr_set(err, errno, "netlink send");
	int r;
	do {
		ssize_t n = mnl_socket_recvfrom(nl->sk, buf, sizeof(buf));
		if (n < 0)
			return berr_set(err, errno, "netlink receive");
		r = mnl_cb_run(buf, (size_t)n, nl->seq, nl->portid, cb, data);
	} while (r > MNL_CB_STOP);
	if (r == MNL_CB_ERROR)
		return berr_set(err, errno, "netlink dump");
	return 0;
}

int net_nl_routes(struct net_nl *nl, int family, unsigned skip_oif, struct net_addr **out,
		  size_t *out_n, struct berr **err)
{
	char buf[NET_NL_BUF];
	struct nlmsghdr *nlh = net_nl_msg_start(buf, RTM_GETROUTE, 0);
	struct rtmsg *rt = mnl_nlmsg_put_extra_header(nlh, sizeof(*rt));
	rt->rtm_family = (uint8_t)family;
	struct route_dump d = {.family = family, .skip_oif = skip_oif};
	if (net_nl_dump(nl, nlh, route_cb, &d, err) < 0) {
		free(d.v);
		return berr_wrap(err, "dump routes");
	}
	*out = d.v;
	*out_n = d.n;
	return 0;
}
