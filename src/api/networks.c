/* /networks/...: Docker's network endpoints on the engine's functions and documents, as the
 * command line's `network create`, `ls`, `inspect`, `rm`, `prune`, `connect` and `disconnect`
 * use them (engine/network.h, engine/endpoint.h, engine/network_view.h). Only the bridge
 * driver exists; host and none are modes, shown as Docker shows them and never removed. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/routes.h"
#include "engine/container.h"
#include "engine/endpoint.h"
#include "engine/network.h"
#include "engine/network_view.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/filter.h"
#include "util/json.h"
#include "util/timefmt.h"
#include "util/xalloc.h"

static const char *str(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

int api_networks_list(struct api_req *r)
{
	struct berr *err = NULL;
	json_auto_t *filters = filter_parse_json(api_query(r, "filters"), &err);
	json_auto_t *nets = NULL;
	if (!filters || eng_network_filter_check(filters, &err) < 0 ||
	    !(nets = eng_network_docs(&r->ctx->es, &err)))
		return api_reply_berr(r, err);
	json_t *list = json_array();
	size_t i;
	json_t *net;
	json_array_foreach(nets, i, net) if (eng_network_filter(&r->ctx->es, filters, net))
	    json_array_append(list, net);
	return api_reply_json(r, 200, list);
}

int api_network_inspect(struct api_req *r)
{
	struct berr *err = NULL;
	json_t *doc = eng_network_inspect(&r->ctx->es, r->param, true, &err);
	return doc ? api_reply_json(r, 200, doc) : api_reply_berr(r, err);
}

/* {"k": "v"} as "k=v" strings (NULL when none); EINVAL naming what for other shapes. */
static int pairs(json_t *obj, const char *what, char ***out, struct berr **err)
{
	*out = NULL;
	if (!obj || json_is_null(obj))
		return 0;
	if (!json_is_object(obj))
		return berr_plain(err, EINVAL, "%s: an object of strings is expected", what);
	char **v = xcalloc(json_object_size(obj) + 1, sizeof(*v));
	size_t n = 0;
	const char *k;
	json_t *x;
	json_object_foreach(obj, k, x)
	{
		if (!json_is_string(x)) {
			strv_free(v);
			return berr_plain(err, EINVAL, "%s '%s': a string is expected", what, k);
		}
		v[n++] = xasprintf("%s=%s", k, json_string_value(x));
	}
	*out = v;
	return 0;
}

/* IPAM.Config [{Subnet, Gateway, IPRange}] as the engine's one subnet of each family. */
static int ipam_of(json_t *ipam, struct eng_network_opts *o, struct berr **err)
{
	const char *driver = str(ipam, "Driver");
	if (driver && *driver && strcmp(driver, "default"))
		return berr_plain(err, EINVAL, "IPAM driver '%s' is not available: only default",
				  driver);
	json_t *cfg = json_object_get(ipam, "Config");
	if (cfg && !json_is_null(cfg) && !json_is_array(cfg))
		return berr_plain(err, EINVAL, "IPAM.Config: an array is expected");
	size_t i;
	json_t *c;
	json_array_foreach(cfg, i, c)
	{
		const char *sn = str(c, "Subnet"), *gw = str(c, "Gateway");
		if (!sn || !*sn)
			return berr_plain(err, EINVAL, "IPAM.Config: a Subnet is expected");
		bool v6 = strchr(sn, ':') != NULL;
		if (*(v6 ? &o->subnet6 : &o->subnet))
			return berr_plain(err, EINVAL, "one subnet of each address family at most");
		*(v6 ? &o->subnet6 : &o->subnet) = sn;
		*(v6 ? &o->gateway6 : &o->gateway) = gw && *gw ? gw : NULL;
		if (!v6 && str(c, "IPRange") && *str(c, "IPRange"))
			o->ip_range = str(c, "IPRange");
	}
	return 0;
}

/* dockerd 20.10's own network drivers (libnetwork's drivers/), which berth has not all */
static bool known_driver(const char *driver)
{
	static const char *const known[] = {"bridge", "host",    "null",   "macvlan",
					    "ipvlan", "overlay", "remote", NULL};
	for (size_t i = 0; known[i]; i++)
		if (!strcmp(driver, known[i]))
			return true;
	return false;
}

int api_network_create(struct api_req *r)
{
	struct berr *err = NULL;
	json_t *body = api_body_json(r, &err);
	if (!body)
		return api_reply_berr(r, err);
	const char *driver = str(body, "Driver");
	struct eng_network_opts o = {.name = str(body, "Name"),
				     .internal = json_is_true(json_object_get(body, "Internal")),
				     .ipv6 = json_is_true(json_object_get(body, "EnableIPv6"))};
	char **labels = NULL, **options = NULL;
	char id[65];
	int ret;
	if (!o.name || !*o.name)
		ret = api_reply_error(r, 400, "a network needs a Name");
	else if (driver && *driver && strcmp(driver, "bridge") && !known_driver(driver))
		/* dockerd looks for a plugin of that name */
		ret = api_reply_error(r, 404, "plugin \"%s\" not found", driver);
	else if (driver && *driver && strcmp(driver, "bridge"))
		ret = api_reply_error(r, 400, "network driver '%s' is not available: only bridge",
				      driver);
	else if (eng_network_builtin(o.name))
		ret = api_reply_error(r, 403, "%s is a pre-defined network and cannot be created",
				      o.name);
	else if (ipam_of(json_object_get(body, "IPAM"), &o, &err) < 0 ||
		 pairs(json_object_get(body, "Labels"), "Labels", &labels, &err) < 0 ||
		 pairs(json_object_get(body, "Options"), "Options", &options, &err) < 0)
		ret = api_reply_berr(r, err);
	else {
		o.labels = labels;
		o.options = options;
		/* CheckDuplicate or not: names are unique in berth's store */
		ret =
		    eng_network_create(&r->ctx->es, &o, id, &err) < 0
			? api_reply_berr(r, err)
			: api_reply_json(r, 201, json_pack("{s:s, s:s}", "Id", id, "Warning", ""));
	}
	strv_free(labels);
	strv_free(options);
	json_decref(body);
	return ret;
}

int api_network_delete(struct api_req *r)
{
	struct berr *err = NULL;
	if (!strcmp(r->param, "host") || !strcmp(r->param, "none"))
		return api_reply_error(r, 403, "%s is a pre-defined network and cannot be removed",
				       r->param);
	if (eng_network_remove(&r->ctx->es, r->param, &err) == 0)
		return api_reply_empty(r, 204);
	/* a network with endpoints: libnetwork's ActiveEndpointsError is a Forbidden one */
	if (berr_code(err) == EBUSY) {
		autofree char *msg = berr_string(err);
		berr_free(err);
		return api_reply_error(r, 403, "%s", msg);
	}
	return api_reply_berr(r, err);
}

/* The body's Container resolved to an id; replied (404/400) when it is not one. */
static int container_of(struct api_req *r, json_t *body, char id[ENG_ID_LEN + 1])
{
	struct berr *err = NULL;
	const char *ref = str(body, "Container");
	if (!ref || !*ref) {
		api_reply_error(r, 400, "a Container is expected");
		return -EINVAL;
	}
	int ret = eng_container_resolve(&r->ctx->es, ref, id, &err);
	if (ret < 0 && berr_code(err) == ENOENT) {
		berr_free(err);
		api_reply_error(r, 404, "No such container: %s", ref);
	} else if (ret < 0) {
		api_reply_berr(r, err);
	}
	return ret;
}

int api_network_connect(struct api_req *r)
{
	struct berr *err = NULL;
	json_t *body = api_body_json(r, &err);
	if (!body)
		return api_reply_berr(r, err);
	char id[ENG_ID_LEN + 1];
	json_t *ep = json_object_get(body, "EndpointConfig");
	json_t *ipam = json_object_get(ep, "IPAMConfig");
	const char *ip4 = str(ipam, "IPv4Address"), *ip6 = str(ipam, "IPv6Address");
	char **aliases = NULL;
	json_t *net = NULL;
	int ret = 0;
	if (ip4 && *ip4 && ip6 && *ip6)
		ret = api_reply_error(r, 400, "one of IPv4Address and IPv6Address, not both");
	else if (json_object_get(ep, "Aliases") && !json_is_null(json_object_get(ep, "Aliases")) &&
		 json_opt_strv(ep, "EndpointConfig", "Aliases", &aliases, &err) < 0)
		ret = api_reply_berr(r, err);
	/* the network first: dockerd says which of the two is missing */
	else if (!(net = eng_network_load(&r->ctx->es, r->param, &err)))
		ret = api_reply_berr(r, err);
	else if (container_of(r, body, id) < 0)
		ret = 0;
	else if (eng_network_connect(&r->ctx->es, r->param, id, ip4 && *ip4 ? ip4 : ip6, aliases,
				     &err) < 0)
		ret = api_reply_berr(r, err);
	else
		ret = api_reply_empty(r, 200);
	json_decref(net);
	strv_free(aliases);
	json_decref(body);
	return ret;
}

int api_network_disconnect(struct api_req *r)
{
	struct berr *err = NULL;
	json_t *body = api_body_json(r, &err);
	if (!body)
		return api_reply_berr(r, err);
	char id[ENG_ID_LEN + 1];
	json_t *net = eng_network_load(&r->ctx->es, r->param, &err);
	int ret;
	if (!net)
		ret = api_reply_berr(r, err);
	else if (container_of(r, body, id) < 0)
		ret = 0;
	else if (eng_network_disconnect(&r->ctx->es, r->param, id, &err) < 0)
		ret = api_reply_berr(r, err);
	else
		ret = api_reply_empty(r, 200);
	json_decref(net);
	json_decref(body);
	return ret;
}

/* until=<RFC 3339 or unix seconds>, label=k[=v], label!=k[=v], as dockerd's prune reads them. */
struct prune_ctx {
	json_t *filters;
	time_t until; /* 0: none */
};

static bool prune_match(void *cls, json_t *net)
{
	struct prune_ctx *p = cls;
	json_t *labels = json_object_get(net, "Labels");
	if (p->until && timefmt_parse(str(net, "Created")) >= p->until)
		return false;
	if (!filter_labels(p->filters, "label", labels))
		return false;
	size_t i;
	json_t *v;
	json_array_foreach(filter_values(p->filters, "label!"), i, v)
	{
		json_t *one = json_pack("{s:[O]}", "l", v);
		bool has = filter_labels(one, "l", labels);
		json_decref(one);
		if (has)
			return false;
	}
	return true;
}

int api_networks_prune(struct api_req *r)
{
	struct berr *err = NULL;
	static const char *const keys[] = {"until", "label", "label!", NULL};
	json_auto_t *filters = filter_parse_json(api_query(r, "filters"), &err);
	struct prune_ctx p = {.filters = filters};
	if (!filters || filter_check(filters, keys, &err) < 0)
		return api_reply_berr(r, err);
	const char *until = json_string_value(json_array_get(filter_values(p.filters, "until"), 0));
	if (until) {
		char *end = NULL;
		long long secs = strtoll(until, &end, 10);
		p.until = end && !*end && end != until ? (time_t)secs : timefmt_parse(until);
		if (!p.until)
			return api_reply_error(r, 400, "invalid filter 'until=%s'", until);
	}
	json_t *gone = json_array();
	eng_network_prune(&r->ctx->es, prune_match, &p, gone);
	return api_reply_json(r, 200, json_pack("{s:o}", "NetworksDeleted", gone));
}
