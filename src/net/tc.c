/* tc messages (see tc.h). What `tc qdisc add dev X ingress` and `tc filter add dev X parent
 * ffff: protocol all u32 match u8 0 0 action mirred egress redirect dev Y` send. */
#include "net/tc.h"

#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <linux/tc_act/tc_mirred.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>

#include "net/netlink.h"

static struct tcmsg *tc_header(struct nlmsghdr *nlh, unsigned index, uint32_t parent)
{
	struct tcmsg *t = mnl_nlmsg_put_extra_header(nlh, sizeof(*t));
	t->tcm_family = AF_UNSPEC;
	t->tcm_ifindex = (int)index;
	t->tcm_parent = parent;
	return t;
}

struct nlmsghdr *net_tc_msg_ingress(char *buf, unsigned index, bool add)
{
	struct nlmsghdr *nlh = add ? net_nl_msg_start(buf, RTM_NEWQDISC, NLM_F_CREATE | NLM_F_EXCL)
				   : net_nl_msg_start(buf, RTM_DELQDISC, 0);
	struct tcmsg *t = tc_header(nlh, index, TC_H_INGRESS);
	t->tcm_handle = TC_H_MAKE(TC_H_INGRESS, 0);
	mnl_attr_put_strz(nlh, TCA_KIND, "ingress");
	return nlh;
}

struct nlmsghdr *net_tc_msg_redirect(char *buf, unsigned index, unsigned to)
{
	struct nlmsghdr *nlh = net_nl_msg_start(buf, RTM_NEWTFILTER, NLM_F_CREATE | NLM_F_EXCL);
	struct tcmsg *t = tc_header(nlh, index, TC_H_MAKE(TC_H_INGRESS, 0));
	t->tcm_info = TC_H_MAKE(1U << 16, htons(ETH_P_ALL)); /* priority 1, every protocol */
	mnl_attr_put_strz(nlh, TCA_KIND, "u32");
	struct nlattr *opts = mnl_attr_nest_start(nlh, TCA_OPTIONS);
	/* one key that every frame matches (mask 0), and the action ends the classification */
	struct {
		struct tc_u32_sel sel;
		struct tc_u32_key key;
	} sel;
	memset(&sel, 0, sizeof(sel));
	sel.sel.flags = TC_U32_TERMINAL;
	sel.sel.nkeys = 1;
	mnl_attr_put(nlh, TCA_U32_SEL, sizeof(sel), &sel);
	struct nlattr *acts = mnl_attr_nest_start(nlh, TCA_U32_ACT);
	struct nlattr *act = mnl_attr_nest_start(nlh, 1); /* the first (and only) action */
	mnl_attr_put_strz(nlh, TCA_ACT_KIND, "mirred");
	struct nlattr *aopts = mnl_attr_nest_start(nlh, TCA_ACT_OPTIONS);
	struct tc_mirred m;
	memset(&m, 0, sizeof(m));
	m.action = TC_ACT_STOLEN;
	m.eaction = TCA_EGRESS_REDIR;
	m.ifindex = to;
	mnl_attr_put(nlh, TCA_MIRRED_PARMS, sizeof(m), &m);
	mnl_attr_nest_end(nlh, aopts);
	mnl_attr_nest_end(nlh, act);
	mnl_attr_nest_end(nlh, acts);
	mnl_attr_nest_end(nlh, opts);
	return nlh;
}
