/* The project's model → a plan (plan.h): its networks and volumes with Compose's names and
 * labels, and its services in dependency order, each mapped by service.c. */
#include "app/plan.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/service.h"
#include "util/cleanup.h"
#include "util/digest.h"
#include "util/err.h"
#include "util/json.h"
#include "util/xalloc.h"

static const char *str(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* Labels "k=v": the resource's own, then ours (which win, as Compose's do). */
static char *const *resource_labels(json_t *keep, json_t *res, const char *project,
				    const char *kind, const char *key)
{
	json_t *l = json_array();
	const char *k;
	json_t *v;
	json_object_foreach(json_object_get(res, "labels"), k, v)
	{
		if (json_is_string(v))
			json_array_append_new(l, json_sprintf("%s=%s", k, json_string_value(v)));
	}
	json_array_append_new(l, json_sprintf("%s=%s", APP_LABEL_PROJECT, project));
	json_array_append_new(l, json_sprintf("%s=%s", kind, key));
	json_array_append_new(keep, l);
	size_t n = json_array_size(l);
	char **out = xcalloc(n + 1, sizeof(*out));
	for (size_t i = 0; i < n; i++)
		out[i] = (char *)json_string_value(json_array_get(l, i));
	return out;
}

/* ipam.config's first IPv4 and first IPv6 entries. */
static void ipam(struct eng_network_opts *o, json_t *net)
{
	size_t i;
	json_t *c;
	json_array_foreach(json_object_get(json_object_get(net, "ipam"), "config"), i, c)
	{
		const char *subnet = str(c, "subnet");
		if (subnet && strchr(subnet, ':') && !o->subnet6) {
			o->subnet6 = subnet;
			o->gateway6 = str(c, "gateway");
		} else if (subnet && !o->subnet) {
			o->subnet = subnet;
			o->gateway = str(c, "gateway");
			o->ip_range = str(c, "ip_range");
		}
	}
}

static int networks(struct app_plan *p, struct berr **err)
{
	json_t *nets = json_object_get(p->model, "networks");
	p->networks = xcalloc(json_object_size(nets) + 1, sizeof(*p->networks));
	const char *k;
	json_t *v;
	json_object_foreach(nets, k, v)
	{
		struct app_resource *r = &p->networks[p->n_networks++];
		r->key = k;
		r->name = str(v, "name") ? str(v, "name") : k;
		r->external = json_is_true(json_object_get(v, "external"));
		const char *driver = str(v, "driver");
		if (!r->external && driver && strcmp(driver, "bridge"))
			return berr_plain(err, ENOTSUP, "network %s: driver '%s' is not supported",
					  k, driver);
		r->net.name = r->name;
		r->net.internal = json_is_true(json_object_get(v, "internal"));
		r->net.ipv6 = json_is_true(json_object_get(v, "enable_ipv6"));
		ipam(&r->net, v);
		json_t *opts = json_array();
		const char *ok;
		json_t *ov;
		json_object_foreach(json_object_get(v, "driver_opts"), ok, ov)
		{
			if (json_is_string(ov))
				json_array_append_new(
				    opts, json_sprintf("%s=%s", ok, json_string_value(ov)));
		}
		json_array_append_new(p->keep, opts);
		char **ov_v = xcalloc(json_array_size(opts) + 1, sizeof(*ov_v));
		for (size_t i = 0; i < json_array_size(opts); i++)
			ov_v[i] = (char *)json_string_value(json_array_get(opts, i));
		r->net.options = ov_v;
		r->labels = resource_labels(p->keep, v, p->project, APP_LABEL_NETWORK, k);
		r->net.labels = r->labels;
	}
	return 0;
}

static int volumes(struct app_plan *p, struct berr **err)
{
	json_t *vols = json_object_get(p->model, "volumes");
	p->volumes = xcalloc(json_object_size(vols) + 1, sizeof(*p->volumes));
	const char *k;
	json_t *v;
	json_object_foreach(vols, k, v)
	{
		struct app_resource *r = &p->volumes[p->n_volumes++];
		r->key = k;
		r->name = str(v, "name") ? str(v, "name") : k;
		r->external = json_is_true(json_object_get(v, "external"));
		const char *driver = str(v, "driver");
		if (!r->external && driver && strcmp(driver, "local"))
			return berr_plain(err, ENOTSUP, "volume %s: driver '%s' is not supported",
					  k, driver);
		if (!r->external && json_object_size(json_object_get(v, "driver_opts")))
			return berr_plain(err, ENOTSUP, "volume %s: driver_opts are not supported",
					  k);
		r->labels = resource_labels(p->keep, v, p->project, APP_LABEL_VOLUME, k);
	}
	return 0;
}

/* The config hash: the service as the model has it, keys sorted, without what changes no
 * container (replicas, scale, build, pull_policy), as Compose v2's ServiceHash leaves them. */
static void config_hash(json_t *svc, char out[65])
{
	json_t *c = json_deep_copy(svc);
	json_object_del(c, "scale");
	json_object_del(c, "build");
	json_object_del(c, "pull_policy");
	json_object_del(json_object_get(c, "deploy"), "replicas");
	autofree char *text = json_dumps(c, JSON_SORT_KEYS | JSON_COMPACT);
	json_decref(c);
	sha256_hex(text, strlen(text), out);
}

static int replicas(json_t *svc, const char *name, struct berr **err)
{
	json_t *r = json_object_get(json_object_get(svc, "deploy"), "replicas");
	if (!r)
		r = json_object_get(svc, "scale");
	if (!r)
		return 1;
	if (!json_is_integer(r) || json_integer_value(r) < 0 || json_integer_value(r) > 1000)
		return berr_plain(err, EINVAL, "service '%s': replicas must be 0 to 1000", name);
	return (int)json_integer_value(r);
}

/* Dependencies first (the model has no cycles: compose/validate.c), otherwise the model's
 * order. */
static json_t *order(json_t *services)
{
	json_t *out = json_array(), *placed = json_object();
	size_t total = json_object_size(services);
	while (json_array_size(out) < total) {
		size_t before = json_array_size(out);
		const char *k;
		json_t *v;
		json_object_foreach(services, k, v)
		{
			if (json_object_get(placed, k))
				continue;
			bool ready = true;
			const char *dk;
			json_t *dv;
			json_object_foreach(json_object_get(v, "depends_on"), dk, dv)
			{
				if (json_object_get(services, dk) && !json_object_get(placed, dk))
					ready = false;
			}
			if (!ready)
				continue;
			json_object_set_new(placed, k, json_true());
			json_array_append_new(out, json_string(k));
		}
		if (json_array_size(out) == before)
			break; /* a cycle: validate refused it already */
	}
	json_decref(placed);
	return out;
}

static json_t *service_labels(const struct app_plan *p, json_t *svc, const struct app_service *s)
{
	json_t *l = json_array();
	const char *k;
	json_t *v;
	json_object_foreach(json_object_get(svc, "labels"), k, v)
	{
		if (json_is_string(v))
			json_array_append_new(l, json_sprintf("%s=%s", k, json_string_value(v)));
	}
	json_array_append_new(l, json_sprintf("%s=%s", APP_LABEL_PROJECT, p->project));
	json_array_append_new(l, json_sprintf("%s=%s", APP_LABEL_SERVICE, s->name));
	json_array_append_new(l, json_sprintf("%s=%s", APP_LABEL_HASH, s->hash));
	json_array_append_new(l, json_sprintf("%s=%s", APP_LABEL_WORKDIR, p->workdir));
	json_array_append_new(l, json_sprintf("%s=%s", APP_LABEL_FILES, p->config_files));
	autofree char *deps = xstrdup("");
	json_object_foreach(json_object_get(svc, "depends_on"), k, v)
	{
		char *more =
		    xasprintf("%s%s%s:%s:%s", deps, *deps ? "," : "", k,
			      str(v, "condition") ? str(v, "condition") : "service_started",
			      json_is_false(json_object_get(v, "restart")) ? "false" : "true");
		free(deps);
		deps = more;
	}
	json_array_append_new(l, json_sprintf("%s=%s", APP_LABEL_DEPENDS_ON, deps));
	return l;
}

static int services(struct app_plan *p, struct berr **err)
{
	json_t *svcs = json_object_get(p->model, "services");
	json_t *names = order(svcs);
	json_array_append_new(p->keep, names); /* the services' names point into it */
	p->services = xcalloc(json_array_size(names) + 1, sizeof(*p->services));
	int r = 0;
	size_t i;
	json_t *n;
	json_array_foreach(names, i, n)
	{
		json_t *svc = json_object_get(svcs, json_string_value(n));
		struct app_service *s = &p->services[p->n_services++];
		s->name = json_string_value(n);
		config_hash(svc, s->hash);
		if ((r = replicas(svc, s->name, err)) < 0)
			break;
		s->replicas = r;
		if ((r = app_service_map(p, svc, s, err)) < 0)
			break;
		if (s->container_name && s->replicas > 1) {
			r = berr_plain(
			    err, EINVAL,
			    "services.deploy.replicas: can't set container_name and %s as "
			    "container name must be unique",
			    s->name);
			break;
		}
		s->labels = app_service_vec(s, service_labels(p, svc, s));
	}
	return r < 0 ? r : 0;
}

int app_plan_make(json_t *model, const struct app_plan_opts *o, struct app_plan **out,
		  struct berr **err)
{
	struct app_plan *p = xzalloc(sizeof(*p));
	p->model = json_incref(model);
	p->keep = json_array();
	p->warnings = json_array();
	p->project = str(model, "name");
	p->workdir = xstrdup(o->workdir ? o->workdir : "");
	p->environment = o->environment ? json_incref(o->environment) : json_object();
	p->config_files = xstrdup("");
	for (size_t i = 0; o->config_files && o->config_files[i]; i++) {
		char *more = xasprintf("%s%s%s", p->config_files, i ? "," : "", o->config_files[i]);
		free(p->config_files);
		p->config_files = more;
	}
	int r = p->project ? 0 : berr_plain(err, EINVAL, "the project has no name");
	if (r == 0)
		r = networks(p, err);
	if (r == 0)
		r = volumes(p, err);
	if (r == 0)
		r = services(p, err);
	if (r < 0) {
		app_plan_free(p);
		return r;
	}
	*out = p;
	return 0;
}

void app_plan_free(struct app_plan *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n_services; i++)
		app_service_clear(&p->services[i]);
	for (size_t i = 0; i < p->n_networks; i++) {
		free((void *)p->networks[i].labels);
		free((void *)p->networks[i].net.options);
	}
	for (size_t i = 0; i < p->n_volumes; i++)
		free((void *)p->volumes[i].labels);
	free(p->services);
	free(p->networks);
	free(p->volumes);
	free(p->workdir);
	free(p->config_files);
	json_decref(p->warnings);
	json_decref(p->environment);
	json_decref(p->keep);
	json_decref(p->model);
	free(p);
}

const struct app_service *app_plan_service(const struct app_plan *p, const char *name)
{
	for (size_t i = 0; i < p->n_services; i++)
		if (!strcmp(p->services[i].name, name))
			return &p->services[i];
	return NULL;
}

char *app_container_name(const struct app_plan *p, const struct app_service *s, int number)
{
	if (s->container_name)
		return xstrdup(s->container_name);
	return xasprintf("%s-%s-%d", p->project, s->name, number);
}

char **app_container_labels(const struct app_service *s, int number, bool oneoff)
{
	size_t n = strv_len(s->labels);
	char **out = xcalloc(n + 3, sizeof(*out));
	for (size_t i = 0; i < n; i++)
		out[i] = xstrdup(s->labels[i]);
	out[n] = xasprintf("%s=%d", APP_LABEL_NUMBER, number);
	out[n + 1] = xasprintf("%s=%s", APP_LABEL_ONEOFF, oneoff ? "True" : "False");
	return out;
}
