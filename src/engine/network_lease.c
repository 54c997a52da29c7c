/* Addresses that containers lease on networks (see network.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "engine/network.h"
#include "engine/network_record.h"
#include "net/ipam.h"
#include "net/link.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/xalloc.h"

static const char *str(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

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

/* What a claim may not ask: a network the container is on already, --ip or an alias on the
 * default network. */
static int claim_check(json_t *rec, json_t *nets, const char *name, const char *ip,
		       char *const *aliases, struct berr **err)
{
	if (json_object_get(nets, name)) {
		/* dockerd's (libnetwork's) words, a 403 */
		const char *cname = str(rec, "Name") ? str(rec, "Name") : str(rec, "Id");
		return berr_plain(err, EPERM, "endpoint with name %s already exists in network %s",
				  cname + (*cname == '/'), name);
	}
	if (ip && !strcmp(name, ENG_NET_DEFAULT))
		return berr_plain(err, EINVAL,
				  "user specified IP address is supported on user defined networks "
				  "only");
	if (aliases && *aliases && !strcmp(name, ENG_NET_DEFAULT))
		return berr_plain(err, EINVAL,
				  "network-scoped alias is supported only for containers in user "
				  "defined networks");
	return 0;
}

/* The record's NetworkSettings.Networks.<name> for the addresses a4 and a6 (NULL: none of
 * that family) leased on net. */
static json_t *endpoint_settings(json_t *net, const struct net_addr *a4, const struct net_addr *a6,
				 const char *ip, const char *mac_given, char *const *aliases)
{
	char ip4[NET_ADDR_STRLEN] = "", g4[NET_ADDR_STRLEN] = "", ipv6[NET_ADDR_STRLEN] = "",
	     g6[NET_ADDR_STRLEN] = "", mac[18] = "";
	struct net_addr sn, gw;
	if (a4 && eng_network_subnet(net, AF_INET, &sn, &gw)) {
		net_addr_str(a4, ip4, sizeof(ip4));
		net_addr_str(&gw, g4, sizeof(g4));
		mac_of(a4, mac);
	}
	uint8_t m[6];
	if (mac_given && net_mac_parse(mac_given, m) == 0)
		snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3],
			 m[4], m[5]);
	if (a6 && eng_network_subnet(net, AF_INET6, &sn, &gw)) {
		net_addr_str(a6, ipv6, sizeof(ipv6));
		net_addr_str(&gw, g6, sizeof(g6));
	}
	json_t *al = json_array();
	for (char *const *x = aliases; x && *x; x++)
		json_array_append_new(al, json_string(*x));
	bool ip6 = ip && strchr(ip, ':');
	return json_pack("{s:s, s:s, s:s, s:i, s:s, s:s, s:i, s:s, s:o, s:{s:s, s:s}}", "NetworkID",
			 str(net, "Id"), "Gateway", g4, "IPAddress", ip4, "IPPrefixLen",
			 *ip4 ? (int)a4->prefix : 0, "IPv6Gateway", g6, "GlobalIPv6Address", ipv6,
			 "GlobalIPv6PrefixLen", *ipv6 ? (int)a6->prefix : 0, "MacAddress", mac,
			 "Aliases", al, "IPAMConfig", "IPv4Address", ip && !ip6 ? ip : "",
			 "IPv6Address", ip6 ? ip : "");
}

int eng_network_claim(const struct eng_store *s, json_t *rec, const char *ref, const char *ip,
		      const char *mac_given, char *const *aliases, struct berr **err)
{
	autoclose int lock = eng_network_lock(s, err);
	if (lock < 0)
		return lock;
	json_auto_t *net = NULL;
	if (!strcmp(ref, ENG_NET_DEFAULT)) {
		if (!(net = eng_network_default_locked(s, err)))
			return berr_ret(err);
	} else if (!(net = eng_network_find(s, ref))) {
		return berr_plain(err, ENOENT, "network %s not found", ref);
	}
	const char *name = str(net, "Name"), *nid = str(net, "Id");
	json_t *nets = json_object_get(json_object_get(rec, "NetworkSettings"), "Networks");
	if (!nets) {
		json_object_set_new(rec, "NetworkSettings", json_pack("{s:{}}", "Networks"));
		nets = json_object_get(json_object_get(rec, "NetworkSettings"), "Networks");
	}
	int r = claim_check(rec, nets, name, ip, aliases, err);
	if (r < 0)
		return r;
	json_auto_t *leases = eng_network_leases(s, nid);
	struct net_addr a4 = {0}, a6 = {0};
	bool ip6 = ip && strchr(ip, ':');
	int r4 = lease(net, leases, AF_INET, ip6 ? NULL : ip, str(rec, "Id"), &a4, err);
	if (r4 < 0)
		return r4;
	int r6 = lease(net, leases, AF_INET6, ip6 ? ip : NULL, str(rec, "Id"), &a6, err);
	if (r6 < 0)
		return r6;
	if ((r = eng_network_leases_write(s, nid, leases, err)) < 0)
		return r;
	json_object_set_new(nets, name,
			    endpoint_settings(net, r4 == 0 ? &a4 : NULL, r6 == 0 ? &a6 : NULL, ip,
					      mac_given, aliases));
	return 0;
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
		json_t *l = eng_network_leases(s, nid);
		const char *addr;
		json_t *owner;
		void *tmp;
		json_object_foreach_safe(l, tmp, addr, owner)
		{
			if (cid && !strcmp(json_string_value(owner) ?: "", cid))
				json_object_del(l, addr);
		}
		autofree char *dir = eng_network_path(s, nid, NULL);
		if (access(dir, F_OK) == 0)
			(void)eng_network_leases_write(s, nid, l, NULL);
		json_decref(l);
	}
}

json_t *eng_network_users(const struct eng_store *s, json_t *net)
{
	json_t *l = eng_network_leases(s, str(net, "Id")), *users = json_object();
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
	json_t *l = eng_network_leases(s, str(net, "Id"));
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
		(void)eng_network_leases_write(s, str(net, "Id"), l, NULL);
	json_decref(l);
	return stale;
}
