/* rtnetlink messages as built for links, addresses and routes, and nftables batches. */
/* cmocka.h needs setjmp.h, stdarg.h and stddef.h before it: keep this order. */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
// clang-format on

#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <linux/pkt_cls.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <linux/tc_act/tc_mirred.h>
#include <linux/veth.h>
#include <sys/socket.h>

#include "net/netlink.h"
#include "net/nft.h"
#include "net/tc.h"

/* The attribute of type in the message's (or a nest's) attributes, or NULL. */
static const struct nlattr *find(const struct nlmsghdr *nlh, size_t hdr, int type)
{
	const struct nlattr *a;
	mnl_attr_for_each(a, nlh, hdr) if (mnl_attr_get_type(a) == type) return a;
	return NULL;
}

static const struct nlattr *find_in(const struct nlattr *nest, int type)
{
	const struct nlattr *a;
	mnl_attr_for_each_nested(a, nest) if (mnl_attr_get_type(a) == type) return a;
	return NULL;
}

/* tc ingress qdisc, and the u32 filter that sends every frame on to another link */
static void tc(void **state)
{
	char buf[NET_NL_BUF];
	size_t h = sizeof(struct tcmsg);
	struct nlmsghdr *nlh = net_tc_msg_ingress(buf, 5, true);
	assert_int_equal(nlh->nlmsg_type, RTM_NEWQDISC);
	assert_true(nlh->nlmsg_flags & NLM_F_EXCL);
	struct tcmsg *t = mnl_nlmsg_get_payload(nlh);
	assert_int_equal(t->tcm_ifindex, 5);
	assert_int_equal(t->tcm_parent, TC_H_INGRESS);
	assert_int_equal(t->tcm_handle, 0xffff0000U);
	assert_string_equal(mnl_attr_get_str(find(nlh, h, TCA_KIND)), "ingress");
	nlh = net_tc_msg_ingress(buf, 5, false);
	assert_int_equal(nlh->nlmsg_type, RTM_DELQDISC);

	nlh = net_tc_msg_redirect(buf, 5, 9);
	assert_int_equal(nlh->nlmsg_type, RTM_NEWTFILTER);
	t = mnl_nlmsg_get_payload(nlh);
	assert_int_equal(t->tcm_ifindex, 5);
	assert_int_equal(t->tcm_parent, 0xffff0000U);
	assert_int_equal(TC_H_MIN(t->tcm_info), htons(ETH_P_ALL));
	assert_int_equal(TC_H_MAJ(t->tcm_info) >> 16, 1);
	assert_string_equal(mnl_attr_get_str(find(nlh, h, TCA_KIND)), "u32");
	const struct nlattr *opts = find(nlh, h, TCA_OPTIONS);
	assert_non_null(opts);
	const struct nlattr *sel = find_in(opts, TCA_U32_SEL);
	assert_int_equal(mnl_attr_get_payload_len(sel),
			 sizeof(struct tc_u32_sel) + sizeof(struct tc_u32_key));
	const struct tc_u32_sel *s = mnl_attr_get_payload(sel);
	assert_int_equal(s->nkeys, 1);
	assert_true(s->flags & TC_U32_TERMINAL);
	assert_int_equal(s->keys[0].mask, 0); /* every frame */
	const struct nlattr *act = find_in(find_in(opts, TCA_U32_ACT), 1);
	assert_non_null(act);
	assert_string_equal(mnl_attr_get_str(find_in(act, TCA_ACT_KIND)), "mirred");
	const struct nlattr *parms = find_in(find_in(act, TCA_ACT_OPTIONS), TCA_MIRRED_PARMS);
	assert_int_equal(mnl_attr_get_payload_len(parms), sizeof(struct tc_mirred));
	const struct tc_mirred *m = mnl_attr_get_payload(parms);
	assert_int_equal(m->eaction, TCA_EGRESS_REDIR);
	assert_int_equal(m->action, TC_ACT_STOLEN);
	assert_int_equal(m->ifindex, 9);
}

static void bridge(void **state)
{
	char buf[NET_NL_BUF];
	struct nlmsghdr *nlh = net_nl_msg_bridge(buf, "berth0", 1400);
	assert_int_equal(nlh->nlmsg_type, RTM_NEWLINK);
	assert_true(nlh->nlmsg_flags & NLM_F_CREATE);
	assert_true(nlh->nlmsg_flags & NLM_F_EXCL);
	size_t h = sizeof(struct ifinfomsg);
	assert_string_equal(mnl_attr_get_str(find(nlh, h, IFLA_IFNAME)), "berth0");
	assert_int_equal(mnl_attr_get_u32(find(nlh, h, IFLA_MTU)), 1400);
	const struct nlattr *info = find(nlh, h, IFLA_LINKINFO);
	assert_non_null(info);
	assert_string_equal(mnl_attr_get_str(find_in(info, IFLA_INFO_KIND)), "bridge");
}

static void veth(void **state)
{
	char buf[NET_NL_BUF];
	uint8_t mac[6] = {0x02, 0x42, 0xac, 0x11, 0, 2};
	struct nlmsghdr *nlh = net_nl_msg_veth(buf, "veth0123456789a", 7, "eth0", 9, mac, 1500);
	size_t h = sizeof(struct ifinfomsg);
	assert_string_equal(mnl_attr_get_str(find(nlh, h, IFLA_IFNAME)), "veth0123456789a");
	assert_int_equal(mnl_attr_get_u32(find(nlh, h, IFLA_MASTER)), 7);
	const struct nlattr *info = find(nlh, h, IFLA_LINKINFO);
	assert_string_equal(mnl_attr_get_str(find_in(info, IFLA_INFO_KIND)), "veth");
	const struct nlattr *data = find_in(info, IFLA_INFO_DATA);
	const struct nlattr *peer = find_in(data, VETH_INFO_PEER);
	assert_non_null(peer);
	/* the peer: an ifinfomsg, then its own attributes */
	const char *p =
	    (const char *)mnl_attr_get_payload(peer) + NLMSG_ALIGN(sizeof(struct ifinfomsg));
	const char *end = (const char *)mnl_attr_get_payload(peer) + mnl_attr_get_payload_len(peer);
	bool name = false, ns = false, addr = false;
	for (const struct nlattr *a = (const struct nlattr *)p; (const char *)a < end;
	     a = (const struct nlattr *)((const char *)a + NLA_ALIGN(a->nla_len))) {
		if (mnl_attr_get_type(a) == IFLA_IFNAME)
			name = !strcmp(mnl_attr_get_str(a), "eth0");
		if (mnl_attr_get_type(a) == IFLA_NET_NS_FD)
			ns = mnl_attr_get_u32(a) == 9;
		if (mnl_attr_get_type(a) == IFLA_ADDRESS)
			addr = !memcmp(mnl_attr_get_payload(a), mac, 6);
	}
	assert_true(name && ns && addr);
}

static void addr_and_route(void **state)
{
	char buf[NET_NL_BUF];
	struct net_addr a;
	assert_int_equal(net_addr_parse("fd00::5/64", &a), 0);
	struct nlmsghdr *nlh = net_nl_msg_addr(buf, 3, &a);
	assert_int_equal(nlh->nlmsg_type, RTM_NEWADDR);
	struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	assert_int_equal(ifa->ifa_family, AF_INET6);
	assert_int_equal(ifa->ifa_prefixlen, 64);
	assert_int_equal(ifa->ifa_index, 3);
	const struct nlattr *local = find(nlh, sizeof(*ifa), IFA_LOCAL);
	assert_int_equal(mnl_attr_get_payload_len(local), 16);
	assert_memory_equal(mnl_attr_get_payload(local), a.bytes, 16);
	/* no DAD for an address IPAM gave */
	assert_true(mnl_attr_get_u32(find(nlh, sizeof(*ifa), IFA_FLAGS)) & IFA_F_NODAD);
	struct net_addr gw;
	assert_int_equal(net_addr_parse("172.17.0.1", &gw), 0);
	nlh = net_nl_msg_default_route(buf, 2, &gw);
	struct rtmsg *rt = mnl_nlmsg_get_payload(nlh);
	assert_int_equal(nlh->nlmsg_type, RTM_NEWROUTE);
	assert_int_equal(rt->rtm_family, AF_INET);
	assert_int_equal(rt->rtm_dst_len, 0);
	assert_int_equal(rt->rtm_table, RT_TABLE_MAIN);
	assert_memory_equal(mnl_attr_get_payload(find(nlh, sizeof(*rt), RTA_GATEWAY)), gw.bytes, 4);
	assert_int_equal(mnl_attr_get_u32(find(nlh, sizeof(*rt), RTA_OIF)), 2);
	nlh = net_nl_msg_link_up(buf, 5);
	struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	assert_int_equal(ifi->ifi_index, 5);
	assert_int_equal(ifi->ifi_flags & IFF_UP, IFF_UP);
	assert_int_equal(ifi->ifi_change, IFF_UP);
	nlh = net_nl_msg_hairpin(buf, 5);
	const struct nlattr *info = find(nlh, sizeof(*ifi), IFLA_LINKINFO);
	assert_string_equal(mnl_attr_get_str(find_in(info, IFLA_INFO_SLAVE_KIND)), "bridge");
	const struct nlattr *data = find_in(info, IFLA_INFO_SLAVE_DATA);
	assert_int_equal(mnl_attr_get_u8(find_in(data, IFLA_BRPORT_MODE)), 1);
}

static void nft(void **state)
{
	char *base = net_nft_base();
	/* everything in our own table; chains flushed before their rules (idempotent) */
	for (char *save = NULL, *l = strtok_r(base, "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save))
		assert_non_null(strstr(l, " inet berth"));
	free(base);
	base = net_nft_base();
	char *flush = strstr(base, "flush chain inet berth postrouting");
	char *masq = strstr(
	    base, "add rule inet berth postrouting ip saddr @nat4 ip daddr != @nat4 masquerade");
	assert_non_null(flush);
	assert_non_null(masq);
	assert_true(flush < masq);
	/* a flow's later packets are accepted before any lookup by interface */
	char *est = strstr(base, "add rule inet berth forward ct state established,related accept");
	char *vmap = strstr(base, "add rule inet berth forward iifname vmap @fwd_in");
	assert_non_null(est);
	assert_non_null(vmap);
	assert_true(est < vmap);
	/* one FIB lookup per nat chain, before its dnat rules */
	char *fib = strstr(base, "add rule inet berth prerouting fib daddr type != local return");
	char *dnat = strstr(base, "add rule inet berth prerouting meta nfproto ipv4 dnat ip to");
	assert_non_null(fib);
	assert_non_null(dnat);
	assert_true(fib < dnat);
	assert_null(strstr(dnat, "prerouting fib"));
	free(base);
	struct net_nft_network n = {
	    .bridge = "br-0123", .subnet4 = "10.9.0.0/24", .internal = false};
	char *add = net_nft_network(&n, true);
	assert_non_null(strstr(add, "add element inet berth nat4 { 10.9.0.0/24 }"));
	assert_non_null(
	    strstr(add, "add element inet berth fwd_in { \"br-0123\" : jump in-br-0123 }"));
	assert_non_null(strstr(add, "add rule inet berth in-br-0123 accept"));
	assert_non_null(strstr(add, "add rule inet berth out-br-0123 ct status dnat accept"));
	/* a published port is reachable from another network: before the drop */
	char *dn = strstr(add, "add rule inet berth in-br-0123 ct status dnat accept");
	assert_non_null(dn);
	assert_true(dn < strstr(add, "add rule inet berth in-br-0123 oifname @bridges drop"));
	free(add);
	n.internal = true;
	add = net_nft_network(&n, true);
	assert_null(strstr(add, "nat4")); /* no way out */
	assert_non_null(strstr(add, "add rule inet berth in-br-0123 drop"));
	assert_null(strstr(add, "ct status dnat accept"));
	free(add);
	char *del = net_nft_network(&n, false);
	assert_non_null(strstr(del, "delete chain inet berth in-br-0123"));
	free(del);
	struct net_nft_port p[] = {{"tcp", NULL, 8080, "172.17.0.2", 80},
				   {"udp", "127.0.0.1", 5353, "172.17.0.2", 53},
				   {"tcp", NULL, 8080, "fd00::2", 80}};
	char *ports = net_nft_ports(p, 3, true);
	assert_string_equal(
	    ports, "add element inet berth pub4 { tcp . 8080 : 172.17.0.2 . 80 }\n"
		   "add element inet berth pub4_ip { 127.0.0.1 . udp . 5353 : 172.17.0.2 . 53 }\n"
		   "add element inet berth pub6 { tcp . 8080 : fd00::2 . 80 }\n");
	free(ports);
	ports = net_nft_ports(p, 1, false);
	assert_string_equal(ports,
			    "delete element inet berth pub4 { tcp . 8080 : 172.17.0.2 . 80 }\n");
	free(ports);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(bridge),         cmocka_unit_test(tc),  cmocka_unit_test(veth),
	    cmocka_unit_test(addr_and_route), cmocka_unit_test(nft),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
