/* A network's removal, with its links and firewall chains (see network.h). */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "engine/container.h"
#include "engine/event.h"
#include "engine/network.h"
#include "engine/network_record.h"
#include "net/link.h"
#include "net/netlink.h"
#include "net/nft.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/xalloc.h"

static const char *str(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* Any bridge of ours left (other than skip's)? */
static bool other_bridges(const struct eng_store *s, const char *skip)
{
	json_t *a = eng_network_all(s);
	size_t i;
	json_t *n;
	bool any = false;
	struct net_nl nl;
	if (net_nl_open(&nl, -1, NULL) < 0) {
		json_decref(a);
		return true;
	}
	json_array_foreach(a, i, n)
	{
		if (strcmp(str(n, "Id"), skip) && net_nl_ifindex(&nl, eng_network_bridge(n)))
			any = true;
	}
	net_nl_close(&nl);
	json_decref(a);
	return any;
}

/* The links and chains of a network, and the table after the last one. */
static int teardown(const struct eng_store *s, json_t *net, struct berr **err)
{
	char s4[NET_ADDR_STRLEN] = "", s6[NET_ADDR_STRLEN] = "";
	struct net_addr sn;
	if (eng_network_subnet(net, AF_INET, &sn, NULL))
		net_addr_cidr(&sn, s4, sizeof(s4));
	if (eng_network_subnet(net, AF_INET6, &sn, NULL))
		net_addr_cidr(&sn, s6, sizeof(s6));
	struct net_nft_network nn = {.bridge = eng_network_bridge(net),
				     .subnet4 = *s4 ? s4 : NULL,
				     .subnet6 = *s6 ? s6 : NULL,
				     .internal = eng_network_internal(net)};
	/* endpoint.c's marker: this network's chains are made */
	autofree char *marker = xasprintf("%s/networks/%s", s->runroot, str(net, "Id"));
	(void)unlink(marker);
	if (net_nft_table_exists()) {
		autofree char *cmds = net_nft_network(&nn, false);
		net_nft_run_each(cmds);
		if (!other_bridges(s, str(net, "Id"))) {
			autofree char *drop = net_nft_drop_table();
			(void)net_nft_run(drop, NULL);
			autofree char *markers = xasprintf("%s/networks", s->runroot);
			(void)fs_rm_rf(AT_FDCWD, markers, NULL);
		}
	}
	return net_bridge_remove(nn.bridge, err);
}

int eng_network_remove(const struct eng_store *s, const char *ref, struct berr **err)
{
	autoclose int lock = eng_network_lock(s, err);
	if (lock < 0)
		return lock;
	json_auto_t *net = eng_network_find(s, ref);
	if (!net)
		return berr_plain(err, ENOENT, "network %s not found", ref);
	const char *name = str(net, "Name"), *id = str(net, "Id");
	json_auto_t *users = eng_network_users(s, net);
	if (!strcmp(name, ENG_NET_DEFAULT))
		return berr_plain(err, EPERM,
				  "bridge is a pre-defined network and cannot be removed");
	if (json_object_size(users))
		return berr_plain(err, EBUSY,
				  "error while removing network: network %s id %s has active "
				  "endpoints",
				  name, id);
	int r = teardown(s, net, err);
	if (r < 0)
		return r;
	autofree char *dir = eng_network_path(s, id, NULL);
	if ((r = fs_rm_rf(AT_FDCWD, dir, err)) < 0)
		return r;
	eng_event_network(s, id, name, "destroy", NULL);
	return 0;
}

int eng_network_prune_default(const struct eng_store *s, struct berr **err)
{
	autoclose int lock = eng_network_lock(s, err);
	if (lock < 0)
		return lock;
	json_auto_t *net = eng_network_find(s, ENG_NET_DEFAULT);
	if (!net)
		return 0;
	json_auto_t *users = eng_network_users(s, net);
	/* a created container keeps its lease, but no link: only running ones hold the bridge */
	const char *cid;
	json_t *v;
	json_object_foreach(users, cid, v)
	{
		json_auto_t *st = eng_state_load(s, cid);
		if (json_is_true(json_object_get(st, "Running")))
			return 0;
	}
	return teardown(s, net, err);
}
