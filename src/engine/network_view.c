/* Network documents, filters and prune for both front ends (see network_view.h). */
#include "engine/network_view.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "engine/container.h"
#include "engine/endpoint.h"
#include "engine/network.h"
#include "util/cleanup.h"
#include "util/digest.h"
#include "util/err.h"
#include "util/filter.h"
#include "util/xalloc.h"

static const char *str(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* The running containers on a network, as inspect lists them. */
static json_t *containers_of(const struct eng_store *s, json_t *net)
{
	json_t *out = json_object(), *users = eng_network_users(s, net);
	const char *cid;
	json_t *v;
	json_object_foreach(users, cid, v)
	{
		json_t *st = eng_state_load(s, cid);
		json_t *rec = json_is_true(json_object_get(st, "Running"))
				  ? eng_container_load(s, cid, NULL)
				  : NULL;
		json_t *n = json_object_get(
		    json_object_get(json_object_get(rec, "NetworkSettings"), "Networks"),
		    str(net, "Name"));
		if (n) {
			const char *a4 = str(n, "IPAddress"), *a6 = str(n, "GlobalIPv6Address");
			char ep[16];
			eng_endpoint_name(cid, str(net, "Id"), ep);
			json_object_set_new(
			    out, cid,
			    json_pack(
				"{s:s, s:s, s:s, s:o, s:o}", "Name",
				str(rec, "Name") ? str(rec, "Name") + 1 : "", "EndpointID", ep,
				"MacAddress", str(n, "MacAddress") ?: "", "IPv4Address",
				a4 && *a4 ? json_sprintf("%s/%d", a4,
							 (int)json_integer_value(
							     json_object_get(n, "IPPrefixLen")))
					  : json_string(""),
				"IPv6Address",
				a6 && *a6 ? json_sprintf("%s/%d", a6,
							 (int)json_integer_value(json_object_get(
							     n, "GlobalIPv6PrefixLen")))
					  : json_string("")));
		}
		json_decref(rec);
		json_decref(st);
	}
	json_decref(users);
	return out;
}

/* host and none, which are modes and not records, as Docker shows them; the id is fixed */
static json_t *pseudo(const char *name, const char *driver)
{
	char id[SHA256_HEX_LEN + 1];
	autofree char *seed = xasprintf("berth network %s", name);
	sha256_hex(seed, strlen(seed), id);
	/* dockerd's keys, in its order; no creation time: dockerd's is its own start's */
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:b, s:{s:s, s:n, s:[]}, s:b, s:b, s:b, "
			 "s:{s:s}, s:b, s:{}, s:{}, s:{}}",
			 "Name", name, "Id", id, "Created", "0001-01-01T00:00:00Z", "Scope",
			 "local", "Driver", driver, "EnableIPv6", 0, "IPAM", "Driver", "default",
			 "Options", "Config", "Internal", 0, "Attachable", 0, "Ingress", 0,
			 "ConfigFrom", "Network", "", "ConfigOnly", 0, "Containers", "Options",
			 "Labels");
}

/* The document of a record: a bridge name berth chose (br-<id>, as dockerd names it) is not
 * an option the user gave, and dockerd does not list it (docker-compose compares a network's
 * Options with its file's driver_opts and refuses a difference). */
static json_t *doc_of(json_t *net)
{
	json_t *opts = json_object_get(net, "Options");
	const char *bridge =
	    json_string_value(json_object_get(opts, "com.docker.network.bridge.name"));
	const char *id = json_string_value(json_object_get(net, "Id"));
	if (bridge && id && !strncmp(bridge, "br-", 3) && strlen(bridge) == 15 &&
	    !strncmp(bridge + 3, id, 12))
		json_object_del(opts, "com.docker.network.bridge.name");
	return net;
}

bool eng_network_builtin(const char *name)
{
	return name &&
	       (!strcmp(name, ENG_NET_DEFAULT) || !strcmp(name, "host") || !strcmp(name, "none"));
}

json_t *eng_network_inspect(const struct eng_store *s, const char *ref, bool containers,
			    struct berr **err)
{
	json_t *net = !strcmp(ref, "host")   ? pseudo("host", "host")
		      : !strcmp(ref, "none") ? pseudo("none", "null")
					     : eng_network_load(s, ref, err);
	if (net)
		doc_of(net);
	if (net)
		json_object_set_new(net, "Containers",
				    containers ? containers_of(s, net) : json_object());
	return net;
}

json_t *eng_network_docs(const struct eng_store *s, struct berr **err)
{
	json_t *nets = eng_network_list(s, err);
	if (!nets)
		return NULL;
	json_array_append_new(nets, pseudo("host", "host"));
	json_array_append_new(nets, pseudo("none", "null"));
	size_t i;
	json_t *net;
	json_array_foreach(nets, i, net)
	{
		doc_of(net);
		json_object_set_new(net, "Containers", json_object());
	}
	return nets;
}

static bool is_true(const char *v)
{
	return !strcmp(v, "true") || !strcmp(v, "1");
}

int eng_network_filter_check(json_t *filters, struct berr **err)
{
	static const char *const keys[] = {"name", "id",       "driver", "label",
					   "type", "dangling", "scope",  NULL};
	int r = filter_check(filters, keys, err);
	size_t i;
	json_t *v;
	json_array_foreach(filter_values(filters, "type"), i, v)
	{
		const char *t = json_string_value(v);
		if (r == 0 && strcmp(t, "custom") && strcmp(t, "builtin"))
			r = berr_plain(err, EINVAL, "invalid filter 'type=%s'", t);
	}
	json_array_foreach(filter_values(filters, "dangling"), i, v)
	{
		const char *d = json_string_value(v);
		if (r == 0 && !is_true(d) && strcmp(d, "false") && strcmp(d, "0"))
			r = berr_plain(err, EINVAL, "invalid filter 'dangling=%s'", d);
	}
	return r;
}

/* Whether one value of the key matches the network. */
static bool one(const struct eng_store *s, const char *key, const char *v, json_t *net)
{
	if (!strcmp(key, "name"))
		return strstr(str(net, "Name"), v) != NULL;
	if (!strcmp(key, "id"))
		return !strncmp(str(net, "Id"), v, strlen(v));
	if (!strcmp(key, "driver"))
		return !strcmp(str(net, "Driver"), v);
	if (!strcmp(key, "type"))
		return eng_network_builtin(str(net, "Name")) == !strcmp(v, "builtin");
	if (!strcmp(key, "scope"))
		return !strcmp(v, "local");
	/* dangling: a custom network without containers */
	bool builtin = eng_network_builtin(str(net, "Name"));
	json_t *users = builtin ? NULL : eng_network_users(s, net);
	bool dangling = !builtin && json_object_size(users) == 0;
	json_decref(users);
	return dangling == is_true(v);
}

bool eng_network_filter(const struct eng_store *s, json_t *filters, json_t *net)
{
	if (!filter_labels(filters, "label", json_object_get(net, "Labels")))
		return false;
	const char *key;
	json_t *vals;
	json_object_foreach(filters, key, vals)
	{
		if (!strcmp(key, "label") || !json_array_size(vals))
			continue;
		bool hit = false;
		size_t i;
		json_t *v;
		json_array_foreach(vals, i, v) hit = hit || one(s, key, json_string_value(v), net);
		if (!hit)
			return false;
	}
	return true;
}

void eng_network_prune(const struct eng_store *s, bool (*match)(void *ctx, json_t *net), void *ctx,
		       json_t *out_deleted)
{
	json_t *nets = eng_network_list(s, NULL);
	size_t i;
	json_t *net;
	json_array_foreach(nets, i, net)
	{
		const char *name = str(net, "Name");
		if (eng_network_builtin(name) || (match && !match(ctx, net)))
			continue;
		json_t *users = eng_network_users(s, net);
		bool used = json_object_size(users) > 0;
		json_decref(users);
		if (!used && eng_network_remove(s, name, NULL) == 0)
			json_array_append_new(out_deleted, json_string(name));
	}
	json_decref(nets);
}
