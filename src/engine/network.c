/* Network records and address leases (see network.h). */
#include "engine/network.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/container.h"
#include "engine/event.h"
#include "net/ipam.h"
#include "net/link.h"
#include "net/netlink.h"
#include "net/nft.h"
#include "util/cleanup.h"
#include "util/digest.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/timefmt.h"
#include "util/xalloc.h"

#define NETWORKS_MAX 1000

int eng_network_lock(const struct eng_store *s, struct berr **err)
{
	autofree char *dir = xasprintf("%s/networks", s->root);
	if (fs_mkdir_p(dir, 0700, err) < 0)
		return -EIO;
	autofree char *path = xasprintf("%s/networks.lock", s->root);
	return fs_lock(path, err);
}

static char *net_path(const struct eng_store *s, const char *id, const char *file)
{
	return file ? xasprintf("%s/networks/%s/%s", s->root, id, file)
		    : xasprintf("%s/networks/%s", s->root, id);
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

/* ---- records ---- */

static json_t *load_id(const struct eng_store *s, const char *id)
{
	autofree char *p = net_path(s, id, "network.json");
	return json_load_file(p, 0, NULL);
}

/* Every record, in no order (caller frees the array). */
static json_t *all(const struct eng_store *s)
{
	json_t *a = json_array();
	autofree char *dir = xasprintf("%s/networks", s->root);
	autoclosedir DIR *d = opendir(dir);
	struct dirent *de;
	while (d && (de = readdir(d)) && json_array_size(a) < NETWORKS_MAX) {
		if (strlen(de->d_name) != 64)
			continue;
		json_t *n = load_id(s, de->d_name);
		if (n)
			json_array_append_new(a, n);
	}
	return a;
}

static json_t *find(const struct eng_store *s, const char *ref)
{
	json_t *a = all(s), *hit = NULL;
	size_t i, prefix_hits = 0;
	json_t *n, *by_prefix = NULL;
	json_array_foreach(a, i, n)
	{
		const char *id = str(n, "Id"), *name = str(n, "Name");
		if ((name && !strcmp(name, ref)) || (id && !strcmp(id, ref))) {
			hit = n;
			break;
		}
		if (id && strlen(ref) >= 1 && !strncmp(id, ref, strlen(ref))) {
			by_prefix = n;
			prefix_hits++;
		}
	}
	if (!hit && prefix_hits == 1)
		hit = by_prefix;
	if (hit)
		json_incref(hit);
	json_decref(a);
	return hit;
}

static int save(const struct eng_store *s, json_t *net, struct berr **err)
{
	autofree char *p = net_path(s, str(net, "Id"), "network.json");
	return json_write_atomic(net, p, err);
}

static json_t *leases_load(const struct eng_store *s, const char *id)
{
	autofree char *p = net_path(s, id, "leases.json");
	json_t *l = json_load_file(p, 0, NULL);
	return json_is_object(l) ? l : (json_decref(l), json_object());
}

static int leases_save(const struct eng_store *s, const char *id, json_t *l, struct berr **err)
{
	autofree char *p = net_path(s, id, "leases.json");
	return json_write_atomic(l, p, err);
}

/* Subnets of every network, and what the host routes (for choosing a subnet) but through
 * own_bridge: the routes of the bridge a new record is for are its own (the default's
 * berth0, left by a store deleted and made again, gets its subnet back, and its stale
 * address goes when the bridge is ensured). */
static size_t taken_subnets(const struct eng_store *s, bool with_routes, const char *own_bridge,
			    struct net_addr **out)
{
	json_t *a = all(s);
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
	json_t *a = all(s), *net;
	size_t i;
	json_array_foreach(a, i, net) taken = taken || !strcmp(eng_network_bridge(net), name);
	json_decref(a);
	if (taken)
		return berr_plain(err, EEXIST, "bridge name %s is another network's", name);
	struct net_nl nl;
	if (net_nl_open(&nl, -1, err) < 0)
		return -EIO;
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

/* The record for o (nothing written). */
static json_t *make_record(const struct eng_store *s, const struct eng_network_opts *o,
			   const char *id, const char *bridge, struct berr **err)
{
	json_t *cfg = json_array(), *opts = json_object(), *labels = json_object();
	json_t *rec = NULL;
	struct net_addr sn4 = {0}, gw4 = {0}, sn6 = {0}, gw6 = {0};
	const char *subs[2] = {o->subnet, o->subnet6}, *gws[2] = {o->gateway, o->gateway6};
	int r = options_json(o->options, opts, err);
	for (int i = 0; r == 0 && i < 2; i++) {
		if (!subs[i])
			continue;
		struct net_addr sn, gw;
		r = check_subnet(subs[i], gws[i], i == 0 ? o->ip_range : NULL, &sn, &gw, err);
		struct net_addr *into = sn.family == AF_INET ? &sn4 : &sn6;
		if (r == 0 && into->family)
			r = berr_plain(err, EINVAL, "one subnet of each address family at most");
		if (r == 0) {
			*into = sn;
			*(sn.family == AF_INET ? &gw4 : &gw6) = gw;
		}
	}
	if (r == 0 && sn6.family && !o->ipv6)
		r = berr_plain(err, EINVAL, "an IPv6 subnet needs --ipv6");
	struct net_addr *taken = NULL;
	/* only the default's bridge name is known before its record: br-<id> is new */
	size_t nt =
	    r == 0 ? taken_subnets(s, !sn4.family,
				   !strcmp(bridge, ENG_NET_DEFAULT_BRIDGE) ? bridge : NULL, &taken)
		   : 0;
	/* explicit subnets must not overlap another network's; a chosen one avoids routes */
	for (size_t i = 0; r == 0 && i < nt; i++) {
		if ((sn4.family && net_addr_overlap(&sn4, &taken[i])) ||
		    (sn6.family && net_addr_overlap(&sn6, &taken[i])))
			r = berr_plain(err, EEXIST,
				       "invalid pool request: Pool overlaps with other one on this "
				       "address space");
	}
	if (r == 0 && !sn4.family && (r = net_ipam_pick_subnet(taken, nt, &sn4, err)) == 0) {
		gw4 = net_ipam_gateway(&sn4);
		gw4.prefix = sn4.prefix;
	}
	if (r == 0 && o->ipv6 && !sn6.family) {
		uint8_t seed[SHA256_LEN];
		struct sha256 h;
		sha256_init(&h);
		sha256_update(&h, id, strlen(id));
		sha256_final(&h, seed);
		sn6 = net_ipam_ula(seed);
		gw6 = net_ipam_gateway(&sn6);
		gw6.prefix = sn6.prefix;
	}
	free(taken);
	if (r == 0) {
		json_array_append_new(cfg, ipam_entry(&sn4, &gw4, o->subnet ? o->ip_range : NULL));
		if (sn6.family)
			json_array_append_new(cfg, ipam_entry(&sn6, &gw6, NULL));
		for (char *const *l = o->labels; l && *l; l++) {
			const char *eq = strchr(*l, '=');
			autofree char *k = eq ? xstrndup(*l, (size_t)(eq - *l)) : xstrdup(*l);
			json_object_set_new(labels, k, json_string(eq ? eq + 1 : ""));
		}
		json_object_set_new(opts, "com.docker.network.bridge.name", json_string(bridge));
		char now[40];
		rec = json_pack("{s:s, s:s, s:s, s:s, s:s, s:b, s:{s:s, s:{}, s:O}, s:b, s:b, s:b, "
				"s:{s:s}, s:b, s:O, s:O}",
				"Name", o->name, "Id", id, "Created", timefmt_now(now), "Scope",
				"local", "Driver", "bridge", "EnableIPv6", o->ipv6, "IPAM",
				"Driver", "default", "Options", "Config", cfg, "Internal",
				o->internal, "Attachable", 0, "Ingress", 0, "ConfigFrom", "Network",
				"", "ConfigOnly", 0, "Options", opts, "Labels", labels);
	}
	json_decref(cfg);
	json_decref(opts);
	json_decref(labels);
	return rec;
}

/* Under the networks lock. */
static int create_locked(const struct eng_store *s, const struct eng_network_opts *o,
			 const char *bridge, char out_id[65], struct berr **err)
{
	json_t *dup = find(s, o->name);
	if (dup) {
		json_decref(dup);
		return berr_plain(err, EEXIST, "network with name %s already exists", o->name);
	}
	uint8_t raw[32];
	if (getrandom(raw, sizeof(raw), 0) != sizeof(raw))
		return berr_set(err, errno, "random id");
	char id[65];
	digest_to_hex(raw, sizeof(raw), id);
	/* a name given with -o, else br-<id> as Docker's */
	const char *given = NULL;
	for (char *const *x = o->options; x && *x; x++)
		if (!strncmp(*x, "com.docker.network.bridge.name=", 31))
			given = *x + 31;
	if (!bridge && given && bridge_name_free(s, given, err) < 0)
		return -EEXIST;
	autofree char *own = NULL;
	if (!bridge)
		own = given ? xstrdup(given) : xasprintf("br-%.12s", id);
	json_t *rec = make_record(s, o, id, bridge ? bridge : own, err);
	if (!rec)
		return -EINVAL;
	autofree char *dir = net_path(s, id, NULL);
	json_t *none = json_object();
	int r = mkdir(dir, 0700) < 0 ? berr_set(err, errno, "create '%s'", dir) : 0;
	if (r == 0 && ((r = leases_save(s, id, none, err)) < 0 || (r = save(s, rec, err)) < 0))
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
		return -EIO;
	int r = create_locked(s, o, NULL, out_id, err);
	if (r == 0) /* the default network is predefined, as docker0: not an event */
		eng_event_network(s, out_id, o->name, "create", NULL);
	return r;
}

/* The default network's record, made when first needed (under the lock). */
static json_t *default_locked(const struct eng_store *s, struct berr **err)
{
	json_t *n = find(s, ENG_NET_DEFAULT);
	if (n)
		return n;
	struct eng_network_opts o = {.name = ENG_NET_DEFAULT};
	char id[65];
	if (create_locked(s, &o, ENG_NET_DEFAULT_BRIDGE, id, err) < 0)
		return NULL;
	n = load_id(s, id);
	json_object_set_new(json_object_get(n, "Options"),
			    "com.docker.network.bridge.default_bridge", json_string("true"));
	if (save(s, n, err) < 0) {
		json_decref(n);
		return NULL;
	}
	return n;
}

json_t *eng_network_load(const struct eng_store *s, const char *ref, struct berr **err)
{
	json_t *n = find(s, ref);
	if (n || strcmp(ref, ENG_NET_DEFAULT)) {
		if (!n)
			berr_plain(err, ENOENT, "network %s not found", ref);
		return n;
	}
	autoclose int lock = eng_network_lock(s, err);
	return lock < 0 ? NULL : default_locked(s, err);
}

json_t *eng_network_list(const struct eng_store *s, struct berr **err)
{
	json_t *d = eng_network_load(s, ENG_NET_DEFAULT, err);
	if (!d)
		return NULL;
	json_decref(d);
	json_t *a = all(s);
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

json_t *eng_network_users(const struct eng_store *s, json_t *net)
{
	json_t *l = leases_load(s, str(net, "Id")), *users = json_object();
	const char *addr;
	json_t *cid;
	json_object_foreach(l, addr, cid)
	{
		const char *c = json_string_value(cid);
		/* a lease of a container that is gone (a crash between lease and record) */
		autofree char *rec = c ? eng_container_path(s, c, "container.json") : NULL;
		if (c && access(rec, F_OK) == 0 && !json_object_get(users, c))
			json_object_set_new(users, c, json_string(addr));
	}
	json_decref(l);
	return users;
}

int eng_network_stale_leases(const struct eng_store *s, json_t *net, bool repair)
{
	json_t *l = leases_load(s, str(net, "Id"));
	const char *addr;
	json_t *cid;
	void *tmp;
	int stale = 0;
	json_object_foreach_safe(l, tmp, addr, cid)
	{
		autofree char *rec =
		    eng_container_path(s, json_string_value(cid) ?: "x", "container.json");
		if (access(rec, F_OK) == 0)
			continue;
		stale++;
		json_object_del(l, addr);
	}
	if (stale && repair)
		(void)leases_save(s, str(net, "Id"), l, NULL);
	json_decref(l);
	return stale;
}

/* Any bridge of ours left (other than skip's)? */
static bool other_bridges(const struct eng_store *s, const char *skip)
{
	json_t *a = all(s);
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
		return -EIO;
	json_t *net = find(s, ref);
	if (!net)
		return berr_plain(err, ENOENT, "network %s not found", ref);
	int r = 0;
	json_t *users = eng_network_users(s, net);
	if (!strcmp(str(net, "Name"), ENG_NET_DEFAULT))
		r = berr_plain(err, EPERM, "bridge is a pre-defined network and cannot be removed");
	else if (json_object_size(users))
		r = berr_plain(err, EBUSY,
			       "error while removing network: network %s id %s has "
			       "active endpoints",
			       str(net, "Name"), str(net, "Id"));
	if (r == 0)
		r = teardown(s, net, err);
	if (r == 0) {
		autofree char *dir = net_path(s, str(net, "Id"), NULL);
		r = fs_rm_rf(AT_FDCWD, dir, err);
	}
	if (r == 0)
		eng_event_network(s, str(net, "Id"), str(net, "Name"), "destroy", NULL);
	json_decref(users);
	json_decref(net);
	return r;
}

int eng_network_prune_default(const struct eng_store *s, struct berr **err)
{
	autoclose int lock = eng_network_lock(s, err);
	if (lock < 0)
		return -EIO;
	json_t *net = find(s, ENG_NET_DEFAULT);
	if (!net)
		return 0;
	json_t *users = eng_network_users(s, net);
	int r = 0;
	/* a created container keeps its lease, but no link: only running ones hold the bridge */
	const char *cid;
	json_t *v;
	bool running = false;
	json_object_foreach(users, cid, v)
	{
		json_t *st = eng_state_load(s, cid);
		running |= json_is_true(json_object_get(st, "Running"));
		json_decref(st);
	}
	if (!running)
		r = teardown(s, net, err);
	json_decref(users);
	json_decref(net);
	return r;
}

/* ---- leases ---- */

/* Docker's MAC for an IPv4 address: 02:42 and the address. */
static void mac_of(const struct net_addr *a, char out[18])
{
	snprintf(out, 18, "02:42:%02x:%02x:%02x:%02x", a->bytes[0], a->bytes[1], a->bytes[2],
		 a->bytes[3]);
}

/* Lease one address of family on net for cid: ip given or the next free. */
static int lease(json_t *net, json_t *leases, int family, const char *ip, const char *cid,
		 struct net_addr *out, struct berr **err)
{
	struct net_addr sn, gw;
	if (!eng_network_subnet(net, family, &sn, &gw))
		return 1; /* the network has no subnet of that family */
	size_t n = json_object_size(leases), k = 0;
	autofree struct net_addr *taken = xcalloc(n + 1, sizeof(*taken));
	const char *addr;
	json_t *v;
	json_object_foreach(leases, addr, v) if (net_addr_parse(addr, &taken[k]) == 0) k++;
	struct net_addr a;
	if (ip) {
		if (net_addr_parse(ip, &a) < 0 || a.family != family)
			return berr_plain(err, EINVAL, "invalid IP address %s", ip);
		a.prefix = sn.prefix;
		if (!net_ipam_usable(&sn, &gw, &a))
			return berr_plain(err, EINVAL, "address %s is not usable in network %s", ip,
					  str(net, "Name"));
		for (size_t i = 0; i < k; i++)
			if (net_addr_equal(&taken[i], &a))
				return berr_plain(err, EEXIST,
						  "address %s is already in use on network %s", ip,
						  str(net, "Name"));
	} else {
		struct net_addr range, *rp = NULL;
		size_t i;
		json_t *c;
		json_array_foreach(json_object_get(json_object_get(net, "IPAM"), "Config"), i, c)
		{
			if (str(c, "IPRange") && net_addr_parse(str(c, "IPRange"), &range) == 0 &&
			    range.family == family)
				rp = &range;
		}
		if (net_ipam_alloc(&sn, rp, &gw, taken, k, &a, err) < 0)
			return berr_wrap(err, "network %s", str(net, "Name"));
	}
	char s[NET_ADDR_STRLEN];
	json_object_set_new(leases, net_addr_str(&a, s, sizeof(s)), json_string(cid));
	*out = a;
	return 0;
}

int eng_network_check_mac(const char *mac, struct berr **err)
{
	uint8_t m[6];
	if (net_mac_parse(mac, m) < 0)
		return berr_plain(err, EINVAL, "invalid MAC address: %s", mac);
	if (m[0] & 1)
		return berr_plain(err, EINVAL, "invalid MAC address %s: a multicast address", mac);
	if (!(m[0] | m[1] | m[2] | m[3] | m[4] | m[5]))
		return berr_plain(err, EINVAL, "invalid MAC address %s: all zeros", mac);
	return 0;
}

int eng_network_claim(const struct eng_store *s, json_t *rec, const char *ref, const char *ip,
		      const char *mac_given, char *const *aliases, struct berr **err)
{
	autoclose int lock = eng_network_lock(s, err);
	if (lock < 0)
		return -EIO;
	json_t *net;
	if (!strcmp(ref, ENG_NET_DEFAULT)) {
		if (!(net = default_locked(s, err)))
			return -EIO;
	} else if (!(net = find(s, ref))) {
		return berr_plain(err, ENOENT, "network %s not found", ref);
	}
	const char *name = str(net, "Name"), *nid = str(net, "Id");
	const char *cid = str(rec, "Id");
	json_t *nets = json_object_get(json_object_get(rec, "NetworkSettings"), "Networks");
	if (!nets) {
		json_object_set_new(rec, "NetworkSettings", json_pack("{s:{}}", "Networks"));
		nets = json_object_get(json_object_get(rec, "NetworkSettings"), "Networks");
	}
	int r = 0;
	if (json_object_get(nets, name)) {
		/* dockerd's (libnetwork's) words, a 403 */
		const char *cname = str(rec, "Name") ? str(rec, "Name") : cid;
		r = berr_plain(err, EPERM, "endpoint with name %s already exists in network %s",
			       cname + (*cname == '/'), name);
	}
	if (r == 0 && ip && !strcmp(name, ENG_NET_DEFAULT))
		r = berr_plain(err, EINVAL,
			       "user specified IP address is supported on user defined networks "
			       "only");
	if (r == 0 && aliases && *aliases && !strcmp(name, ENG_NET_DEFAULT))
		r = berr_plain(err, EINVAL,
			       "network-scoped alias is supported only for containers in user "
			       "defined networks");
	json_t *leases = leases_load(s, nid);
	struct net_addr a4 = {0}, a6 = {0};
	bool ip6 = ip && strchr(ip, ':');
	int r4 = r == 0 ? lease(net, leases, AF_INET, ip6 ? NULL : ip, cid, &a4, err) : 0;
	int r6 =
	    r == 0 && r4 >= 0 ? lease(net, leases, AF_INET6, ip6 ? ip : NULL, cid, &a6, err) : 0;
	if (r == 0 && (r4 < 0 || r6 < 0))
		r = -EINVAL;
	if (r == 0)
		r = leases_save(s, nid, leases, err);
	if (r == 0) {
		char ip4[NET_ADDR_STRLEN] = "", g4[NET_ADDR_STRLEN] = "",
		     ipv6[NET_ADDR_STRLEN] = "", g6[NET_ADDR_STRLEN] = "", mac[18] = "";
		struct net_addr sn, gw;
		if (r4 == 0 && eng_network_subnet(net, AF_INET, &sn, &gw)) {
			net_addr_str(&a4, ip4, sizeof(ip4));
			net_addr_str(&gw, g4, sizeof(g4));
			mac_of(&a4, mac);
		}
		uint8_t m[6];
		if (mac_given && net_mac_parse(mac_given, m) == 0)
			snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1],
				 m[2], m[3], m[4], m[5]);
		if (r6 == 0 && eng_network_subnet(net, AF_INET6, &sn, &gw)) {
			net_addr_str(&a6, ipv6, sizeof(ipv6));
			net_addr_str(&gw, g6, sizeof(g6));
		}
		json_t *al = json_array();
		for (char *const *x = aliases; x && *x; x++)
			json_array_append_new(al, json_string(*x));
		json_object_set_new(
		    nets, name,
		    json_pack("{s:s, s:s, s:s, s:i, s:s, s:s, s:i, s:s, s:o, s:{s:s, s:s}}",
			      "NetworkID", nid, "Gateway", g4, "IPAddress", ip4, "IPPrefixLen",
			      *ip4 ? (int)a4.prefix : 0, "IPv6Gateway", g6, "GlobalIPv6Address",
			      ipv6, "GlobalIPv6PrefixLen", *ipv6 ? (int)a6.prefix : 0, "MacAddress",
			      mac, "Aliases", al, "IPAMConfig", "IPv4Address", ip && !ip6 ? ip : "",
			      "IPv6Address", ip6 ? ip : ""));
	}
	json_decref(leases);
	json_decref(net);
	return r;
}

void eng_network_release(const struct eng_store *s, json_t *rec, const char *name)
{
	json_t *nets = json_object_get(json_object_get(rec, "NetworkSettings"), "Networks");
	if (!json_object_size(nets))
		return;
	autoclose int lock = eng_network_lock(s, NULL);
	if (lock < 0)
		return;
	const char *k, *cid = str(rec, "Id");
	json_t *v;
	json_object_foreach(nets, k, v)
	{
		if (name && strcmp(name, k))
			continue;
		const char *nid = str(v, "NetworkID");
		if (!nid)
			continue;
		json_t *l = leases_load(s, nid);
		const char *addr;
		json_t *owner;
		void *tmp;
		json_object_foreach_safe(l, tmp, addr, owner)
		{
			if (cid && !strcmp(json_string_value(owner) ?: "", cid))
				json_object_del(l, addr);
		}
		autofree char *dir = net_path(s, nid, NULL);
		if (access(dir, F_OK) == 0)
			(void)leases_save(s, nid, l, NULL);
		json_decref(l);
	}
}
