/* Network records: accessors, create, load and list (see network.h; addresses are
 * network_lease.c's, removal network_remove.c's). */
#include "engine/network.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "engine/event.h"
#include "engine/network_record.h"
#include "net/ipam.h"
#include "net/netlink.h"
#include "util/cleanup.h"
#include "util/digest.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/randid.h"
#include "util/timefmt.h"
#include "util/xalloc.h"

int eng_network_lock(const struct eng_store *s, struct berr **err)
{
	autofree char *dir = xasprintf("%s/networks", s->root);
	int r = fs_mkdir_p(dir, 0700, err);
	if (r < 0)
		return r;
	autofree char *path = xasprintf("%s/networks.lock", s->root);
	return fs_lock(path, err);
}

static const char *str(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

bool eng_network_mode_is_net(const char *mode)
{
	return mode && *mode && strcmp(mode, "none") && strcmp(mode, "host") &&
	       strcmp(mode, "pasta") && strncmp(mode, "pasta:", 6) && strcmp(mode, "slirp4netns") &&
	       strncmp(mode, "slirp4netns:", 12) && strncmp(mode, "container:", 10);
}

const char *eng_network_bridge(json_t *net)
{
	return str(json_object_get(net, "Options"), "com.docker.network.bridge.name");
}

bool eng_network_internal(json_t *net)
{
	return json_is_true(json_object_get(net, "Internal"));
}

unsigned eng_network_mtu(json_t *net)
{
	const char *m = str(json_object_get(net, "Options"), "com.docker.network.driver.mtu");
	long v = m ? strtol(m, NULL, 10) : 0;
	return v >= 68 && v <= 65535 ? (unsigned)v : 1500;
}

bool eng_network_subnet(json_t *net, int family, struct net_addr *out_subnet,
			struct net_addr *out_gateway)
{
	size_t i;
	json_t *c;
	json_array_foreach(json_object_get(json_object_get(net, "IPAM"), "Config"), i, c)
	{
		struct net_addr sn, gw;
		if (net_addr_parse(str(c, "Subnet"), &sn) < 0 || sn.family != family)
			continue;
		if (net_addr_parse(str(c, "Gateway"), &gw) < 0)
			gw = net_ipam_gateway(&sn);
		gw.prefix = sn.prefix;
		*out_subnet = net_addr_network(&sn);
		if (out_gateway)
			*out_gateway = gw;
		return true;
	}
	return false;
}

/* Subnets of every network, and what the host routes (for choosing a subnet) but through
 * own_bridge: the routes of the bridge a new record is for are its own (the default's
 * berth0, left by a store deleted and made again, gets its subnet back, and its stale
 * address goes when the bridge is ensured). */
static size_t taken_subnets(const struct eng_store *s, bool with_routes, const char *own_bridge,
			    struct net_addr **out)
{
	json_t *a = eng_network_all(s);
	size_t n = 0, i;
	json_t *net;
	struct net_addr *v = xcalloc(2 * json_array_size(a) + 1, sizeof(*v));
	json_array_foreach(a, i, net)
	{
		for (int f = 0; f < 2; f++)
			if (eng_network_subnet(net, f ? AF_INET6 : AF_INET, &v[n], NULL))
				n++;
	}
	json_decref(a);
	struct net_nl nl;
	if (with_routes && net_nl_open(&nl, -1, NULL) == 0) {
		struct net_addr *r = NULL;
		size_t nr = 0;
		unsigned skip = own_bridge ? net_nl_ifindex(&nl, own_bridge) : 0;
		if (net_nl_routes(&nl, AF_INET, skip, &r, &nr, NULL) == 0) {
			v = xrealloc(v, (n + nr + 1) * sizeof(*v));
			if (nr) /* r is NULL without routes */
				memcpy(v + n, r, nr * sizeof(*r));
			n += nr;
			free(r);
		}
		net_nl_close(&nl);
	}
	*out = v;
	return n;
}

static json_t *ipam_entry(const struct net_addr *subnet, const struct net_addr *gw,
			  const char *range)
{
	char a[NET_ADDR_STRLEN], b[NET_ADDR_STRLEN];
	json_t *c = json_pack("{s:s, s:s}", "Subnet", net_addr_cidr(subnet, a, sizeof(a)),
			      "Gateway", net_addr_str(gw, b, sizeof(b)));
	if (range)
		json_object_set_new(c, "IPRange", json_string(range));
	return c;
}

/* One --subnet/--gateway/--ip-range family checked; sets *out_subnet and *out_gw. */
static int check_subnet(const char *subnet, const char *gateway, const char *range,
			struct net_addr *out_subnet, struct net_addr *out_gw, struct berr **err)
{
	struct net_addr sn, gw, r;
	if (net_addr_parse(subnet, &sn) < 0)
		return berr_plain(err, EINVAL, "invalid subnet %s", subnet);
	if (sn.prefix > (sn.family == AF_INET ? 30u : 126u))
		return berr_plain(err, EINVAL, "subnet %s is too small", subnet);
	sn = net_addr_network(&sn);
	gw = net_ipam_gateway(&sn);
	if (gateway) {
		if (net_addr_parse(gateway, &gw) < 0 || gw.family != sn.family)
			return berr_plain(err, EINVAL, "invalid gateway %s", gateway);
		gw.prefix = sn.prefix;
		if (!net_ipam_usable(&sn, NULL, &gw))
			return berr_plain(err, EINVAL, "gateway %s is not in subnet %s", gateway,
					  subnet);
	}
	if (range && (net_addr_parse(range, &r) < 0 || !net_addr_contains(&sn, &r)))
		return berr_plain(err, EINVAL, "ip-range %s is not in subnet %s", range, subnet);
	gw.prefix = sn.prefix;
	*out_subnet = sn;
	*out_gw = gw;
	return 0;
}

/* An interface name berth makes: 1 to 15 of [A-Za-z0-9_.-], not "." or "..". */
static bool valid_ifname(const char *n)
{
	size_t len = strlen(n);
	if (!len || len >= IFNAMSIZ || !strcmp(n, ".") || !strcmp(n, ".."))
		return false;
	return strspn(n, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") ==
	       len;
}

/* -o com.docker.network.bridge.name=NAME: free for a new network when no network of ours has
 * it (nor the default network's, made or not) and no interface has it here. */
static int bridge_name_free(const struct eng_store *s, const char *name, struct berr **err)
{
	bool taken = !strcmp(name, ENG_NET_DEFAULT_BRIDGE);
	json_t *a = eng_network_all(s), *net;
	size_t i;
	json_array_foreach(a, i, net) taken = taken || !strcmp(eng_network_bridge(net), name);
	json_decref(a);
	if (taken)
		return berr_plain(err, EEXIST, "bridge name %s is another network's", name);
	struct net_nl nl;
	int r = net_nl_open(&nl, -1, err);
	if (r < 0)
		return r;
	unsigned index = net_nl_ifindex(&nl, name);
	net_nl_close(&nl);
	if (index)
		return berr_plain(err, EEXIST, "bridge name %s is taken: an interface has it here",
				  name);
	return 0;
}

/* "mtu=1400" or Docker's long name; the value checked. */
static int options_json(char *const *opts, json_t *out, struct berr **err)
{
	for (char *const *o = opts; o && *o; o++) {
		const char *eq = strchr(*o, '=');
		if (!eq)
			return berr_plain(err, EINVAL, "invalid option '%s': expected key=value",
					  *o);
		autofree char *k = xstrndup(*o, (size_t)(eq - *o));
		if (!strcmp(k, "mtu"))
			k = (free(k), xstrdup("com.docker.network.driver.mtu"));
		if (!strcmp(k, "com.docker.network.driver.mtu")) {
			char *end = NULL;
			long v = strtol(eq + 1, &end, 10);
			if (*end || v < 68 || v > 65535)
				return berr_plain(err, EINVAL, "invalid mtu '%s'", eq + 1);
		} else if (!strcmp(k, "com.docker.network.bridge.name") && !valid_ifname(eq + 1)) {
			return berr_plain(err, EINVAL,
					  "invalid bridge name '%s': up to 15 of [A-Za-z0-9_.-]",
					  eq + 1);
		}
		json_object_set_new(out, k, json_string(eq + 1));
	}
	return 0;
}

/* The subnets given (index 0 IPv4, 1 IPv6), each checked: one of each family at most, an
 * IPv6 one only with --ipv6. */
static int given_subnets(const struct eng_network_opts *o, struct net_addr sn[2],
			 struct net_addr gw[2], struct berr **err)
{
	const char *subs[2] = {o->subnet, o->subnet6}, *gws[2] = {o->gateway, o->gateway6};
	for (int i = 0; i < 2; i++) {
		if (!subs[i])
			continue;
		struct net_addr n, g;
		int r = check_subnet(subs[i], gws[i], i == 0 ? o->ip_range : NULL, &n, &g, err);
		if (r < 0)
			return r;
		int f = n.family == AF_INET ? 0 : 1;
		if (sn[f].family)
			return berr_plain(err, EINVAL, "one subnet of each address family at most");
		sn[f] = n;
		gw[f] = g;
	}
	if (sn[1].family && !o->ipv6)
		return berr_plain(err, EINVAL, "an IPv6 subnet needs --ipv6");
	return 0;
}

/* Given subnets must not overlap another network's; without an IPv4 one, one is chosen clear
 * of every network's and of the host's routes. */
static int free_subnets(const struct eng_store *s, const char *bridge, struct net_addr sn[2],
			struct net_addr gw[2], struct berr **err)
{
	struct net_addr *taken = NULL;
	/* only the default's bridge name is known before its record: br-<id> is new */
	size_t nt = taken_subnets(s, !sn[0].family,
				  !strcmp(bridge, ENG_NET_DEFAULT_BRIDGE) ? bridge : NULL, &taken);
	int r = 0;
	for (size_t i = 0; r == 0 && i < nt; i++) {
		if ((sn[0].family && net_addr_overlap(&sn[0], &taken[i])) ||
		    (sn[1].family && net_addr_overlap(&sn[1], &taken[i])))
			r = berr_plain(err, EEXIST,
				       "invalid pool request: Pool overlaps with other one on this "
				       "address space");
	}
	if (r == 0 && !sn[0].family && (r = net_ipam_pick_subnet(taken, nt, &sn[0], err)) == 0) {
		gw[0] = net_ipam_gateway(&sn[0]);
		gw[0].prefix = sn[0].prefix;
	}
	free(taken);
	return r;
}

/* --ipv6 without a subnet: a ULA /64 of its own, from the network's id. */
static void ula_subnet(const char *id, struct net_addr *sn, struct net_addr *gw)
{
	uint8_t seed[SHA256_LEN];
	struct sha256 h;
	sha256_init(&h);
	sha256_update(&h, id, strlen(id));
	sha256_final(&h, seed);
	*sn = net_ipam_ula(seed);
	*gw = net_ipam_gateway(sn);
	gw->prefix = sn->prefix;
}

/* The record for o (nothing written). */
static json_t *make_record(const struct eng_store *s, const struct eng_network_opts *o,
			   const char *id, const char *bridge, struct berr **err)
{
	json_auto_t *cfg = json_array(), *opts = json_object(), *labels = json_object();
	struct net_addr sn[2] = {{0}}, gw[2] = {{0}};
	if (options_json(o->options, opts, err) < 0 || given_subnets(o, sn, gw, err) < 0 ||
	    free_subnets(s, bridge, sn, gw, err) < 0)
		return NULL;
	if (o->ipv6 && !sn[1].family)
		ula_subnet(id, &sn[1], &gw[1]);
	json_array_append_new(cfg, ipam_entry(&sn[0], &gw[0], o->subnet ? o->ip_range : NULL));
	if (sn[1].family)
		json_array_append_new(cfg, ipam_entry(&sn[1], &gw[1], NULL));
	for (char *const *l = o->labels; l && *l; l++) {
		const char *eq = strchr(*l, '=');
		autofree char *k = eq ? xstrndup(*l, (size_t)(eq - *l)) : xstrdup(*l);
		json_object_set_new(labels, k, json_string(eq ? eq + 1 : ""));
	}
	json_object_set_new(opts, "com.docker.network.bridge.name", json_string(bridge));
	char now[40];
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:b, s:{s:s, s:{}, s:O}, s:b, s:b, s:b, "
			 "s:{s:s}, s:b, s:O, s:O}",
			 "Name", o->name, "Id", id, "Created", timefmt_now(now), "Scope", "local",
			 "Driver", "bridge", "EnableIPv6", o->ipv6, "IPAM", "Driver", "default",
			 "Options", "Config", cfg, "Internal", o->internal, "Attachable", 0,
			 "Ingress", 0, "ConfigFrom", "Network", "", "ConfigOnly", 0, "Options",
			 opts, "Labels", labels);
}

/* Under the networks lock. */
static int create_locked(const struct eng_store *s, const struct eng_network_opts *o,
			 const char *bridge, char out_id[65], struct berr **err)
{
	json_t *dup = eng_network_find(s, o->name);
	if (dup) {
		json_decref(dup);
		return berr_plain(err, EEXIST, "network with name %s already exists", o->name);
	}
	char id[65];
	int r = rand_hex_id(id, 64, err);
	if (r < 0)
		return r;
	/* a name given with -o, else br-<id> as Docker's */
	const char *given = NULL;
	for (char *const *x = o->options; x && *x; x++)
		if (!strncmp(*x, "com.docker.network.bridge.name=", 31))
			given = *x + 31;
	if (!bridge && given && (r = bridge_name_free(s, given, err)) < 0)
		return r;
	autofree char *own = NULL;
	if (!bridge)
		own = given ? xstrdup(given) : xasprintf("br-%.12s", id);
	json_t *rec = make_record(s, o, id, bridge ? bridge : own, err);
	if (!rec)
		return berr_ret(err);
	autofree char *dir = eng_network_path(s, id, NULL);
	json_t *none = json_object();
	r = mkdir(dir, 0700) < 0 ? berr_set(err, errno, "create '%s'", dir) : 0;
	if (r == 0 && ((r = eng_network_leases_write(s, id, none, err)) < 0 ||
		       (r = eng_network_write(s, rec, err)) < 0))
		(void)fs_rm_rf(AT_FDCWD, dir, NULL);
	json_decref(none);
	json_decref(rec);
	if (r == 0)
		memcpy(out_id, id, 65);
	return r;
}

int eng_network_create(const struct eng_store *s, const struct eng_network_opts *o, char out_id[65],
		       struct berr **err)
{
	if (!o->name || !eng_name_valid(o->name))
		return berr_plain(err, EINVAL, "invalid network name '%s'", o->name ? o->name : "");
	if (!strcmp(o->name, ENG_NET_DEFAULT) || !strcmp(o->name, "host") ||
	    !strcmp(o->name, "none"))
		return berr_plain(err, EEXIST, "network with name %s already exists", o->name);
	autoclose int lock = eng_network_lock(s, err);
	if (lock < 0)
		return lock;
	int r = create_locked(s, o, NULL, out_id, err);
	if (r == 0) /* the default network is predefined, as docker0: not an event */
		eng_event_network(s, out_id, o->name, "create", NULL);
	return r;
}

json_t *eng_network_default_locked(const struct eng_store *s, struct berr **err)
{
	json_t *n = eng_network_find(s, ENG_NET_DEFAULT);
	if (n)
		return n;
	struct eng_network_opts o = {.name = ENG_NET_DEFAULT};
	char id[65];
	if (create_locked(s, &o, ENG_NET_DEFAULT_BRIDGE, id, err) < 0)
		return NULL;
	n = eng_network_read(s, id);
	json_object_set_new(json_object_get(n, "Options"),
			    "com.docker.network.bridge.default_bridge", json_string("true"));
	if (eng_network_write(s, n, err) < 0) {
		json_decref(n);
		return NULL;
	}
	return n;
}

json_t *eng_network_load(const struct eng_store *s, const char *ref, struct berr **err)
{
	json_t *n = eng_network_find(s, ref);
	if (n || strcmp(ref, ENG_NET_DEFAULT)) {
		if (!n)
			berr_plain(err, ENOENT, "network %s not found", ref);
		return n;
	}
	autoclose int lock = eng_network_lock(s, err);
	return lock < 0 ? NULL : eng_network_default_locked(s, err);
}

json_t *eng_network_list(const struct eng_store *s, struct berr **err)
{
	json_t *d = eng_network_load(s, ENG_NET_DEFAULT, err);
	if (!d)
		return NULL;
	json_decref(d);
	json_t *a = eng_network_all(s);
	/* by name, as docker network ls lists them */
	size_t n = json_array_size(a);
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0; j--) {
			json_t *x = json_array_get(a, j - 1), *y = json_array_get(a, j);
			if (strcmp(str(x, "Name"), str(y, "Name")) <= 0)
				break;
			json_incref(x);
			json_array_set(a, j - 1, y);
			json_array_set_new(a, j, x);
		}
	return a;
}
