/* A bridge network's bridge and firewall chains (see network_firewall.h). */
#include "engine/network_firewall.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/socket.h>

#include "engine/network.h"
#include "engine/store.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/xalloc.h"

static const char *str(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* <runroot>/networks/<id>: the index of the bridge whose firewall chains were made, and the
 * rules' version (NET_NFT_RULES). An nft transaction costs 10 to 20 ms here (the kernel waits
 * for RCU grace periods), a tenth of a start: it is run when the bridge is new or the rules
 * have changed (a berth of another version made them), not at every start. system check
 * finds chains someone flushed. */
static char *marker_path(const struct eng_store *s, json_t *net)
{
	return xasprintf("%s/networks/%s", s->runroot, str(net, "Id"));
}

static bool firewall_done(const struct eng_store *s, json_t *net, unsigned index)
{
	autofree char *p = marker_path(s, net);
	autofree char *data = NULL;
	size_t len = 0;
	unsigned made = 0, rules = 0;
	return fs_read_file(AT_FDCWD, p, 32, &data, &len, NULL) == 0 &&
	       sscanf(data, "%u %u", &made, &rules) == 2 && made == index && index &&
	       rules == NET_NFT_RULES;
}

void eng_network_firewall_mark(const struct eng_store *s, json_t *net, unsigned index)
{
	autofree char *dir = xasprintf("%s/networks", s->runroot);
	autofree char *p = marker_path(s, net);
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%u %u\n", index, NET_NFT_RULES);
	if (fs_mkdir_p(dir, 0700, NULL) == 0)
		(void)fs_replace_file(p, buf, (size_t)n, 0600, NULL);
}

void eng_network_describe(json_t *net, struct net_bridge *b, struct net_nft_network *nn,
			  char s4[NET_ADDR_STRLEN], char s6[NET_ADDR_STRLEN])
{
	*b = (struct net_bridge){.name = eng_network_bridge(net),
				 .mtu = eng_network_mtu(net),
				 .internal = eng_network_internal(net)};
	struct net_addr sn4, sn6;
	bool v4 = eng_network_subnet(net, AF_INET, &sn4, &b->gw4);
	bool v6 = eng_network_subnet(net, AF_INET6, &sn6, &b->gw6);
	if (!v4)
		b->gw4.family = 0;
	if (!v6)
		b->gw6.family = 0;
	*nn = (struct net_nft_network){
	    .bridge = b->name,
	    .subnet4 = v4 ? net_addr_cidr(&sn4, s4, NET_ADDR_STRLEN) : NULL,
	    .subnet6 = v6 ? net_addr_cidr(&sn6, s6, NET_ADDR_STRLEN) : NULL,
	    .internal = b->internal};
}

int eng_network_firewall(const struct net_nft_network *nn, struct berr **err)
{
	autofree char *base = net_nft_base();
	autofree char *mine = net_nft_network(nn, true);
	autofree char *both = xasprintf("%s%s", base, mine);
	return net_nft_run(both, err);
}

int eng_network_ensure(const struct eng_store *s, json_t *net, struct berr **err)
{
	struct net_bridge b;
	struct net_nft_network nn;
	char s4[NET_ADDR_STRLEN], s6[NET_ADDR_STRLEN];
	eng_network_describe(net, &b, &nn, s4, s6);
	if (!b.name)
		return berr_plain(err, EINVAL, "network %s has no bridge", str(net, "Name"));
	unsigned index = 0;
	if (net_bridge_ensure(&b, &index, err) < 0)
		return berr_wrap(err, "network %s", str(net, "Name"));
	if (firewall_done(s, net, index))
		return 0;
	if (eng_network_firewall(&nn, err) < 0)
		return berr_wrap(err, "firewall of network %s", str(net, "Name"));
	eng_network_firewall_mark(s, net, index);
	return 0;
}
