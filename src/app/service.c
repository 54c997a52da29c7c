/* One service's fields → eng_create (service.h). The model is already checked and in long
 * form (compose/normalize.c): ports are {host_ip, published, target, protocol}, volumes
 * {type, source, target, read_only, ...}, environment and labels objects, the healthcheck's
 * test a list. What is not mapped is refused by name or, when it changes nothing berth does,
 * warned about: never silently dropped. */
#include "app/service.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/files.h"
#include "app/plan_types.h"
#include "engine/bundle.h"
#include "engine/health.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/json.h"
#include "util/xalloc.h"

char *const *app_service_vec(struct app_service *s, json_t *arr)
{
	json_array_append_new(s->keep, arr);
	size_t n = json_array_size(arr);
	char **v = xcalloc(n + 1, sizeof(*v));
	for (size_t i = 0; i < n; i++)
		v[i] = (char *)json_string_value(json_array_get(arr, i));
	s->vecs = xrealloc(s->vecs, (s->n_vecs + 1) * sizeof(*s->vecs));
	s->vecs[s->n_vecs++] = v;
	return v;
}

#define vec app_service_vec

const char *app_service_keep(struct app_service *s, json_t *str)
{
	json_array_append_new(s->keep, str);
	return json_string_value(str);
}

#define keep_str app_service_keep

static const char *str(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static const char *str_at(json_t *a, size_t i)
{
	return json_string_value(json_array_get(a, i));
}

/* A scalar as text: "64m", 100, 0.5, true. */
static json_t *scalar_text(json_t *v)
{
	if (json_is_string(v))
		return json_incref(v);
	if (json_is_integer(v))
		return json_sprintf("%" JSON_INTEGER_FORMAT, json_integer_value(v));
	if (json_is_real(v))
		return json_sprintf("%g", json_real_value(v));
	if (json_is_boolean(v))
		return json_string(json_is_true(v) ? "true" : "false");
	return NULL;
}

/* A list of scalars (or one string) as a list of strings. */
static json_t *text_list(json_t *v)
{
	json_t *out = json_array();
	if (json_is_string(v) || json_is_number(v)) {
		json_array_append_new(out, scalar_text(v));
		return out;
	}
	size_t i;
	json_t *e;
	json_array_foreach(v, i, e)
	{
		json_t *t = scalar_text(e);
		if (t)
			json_array_append_new(out, t);
	}
	return out;
}

/* {k: v} → ["k=v"] (sep "="), null values left out; or a list as it is. */
static json_t *pairs(json_t *obj, const char *sep)
{
	if (!json_is_object(obj))
		return text_list(obj);
	json_t *out = json_array();
	const char *k;
	json_t *v;
	json_object_foreach(obj, k, v)
	{
		json_auto_t *t = scalar_text(v);
		if (t)
			json_array_append_new(out,
					      json_sprintf("%s%s%s", k, sep, json_string_value(t)));
	}
	return out;
}

static int bytes(json_t *v, const char *svc, const char *field, int64_t *out, struct berr **err)
{
	if (!v)
		return 0;
	*out = json_is_integer(v)  ? json_integer_value(v)
	       : json_is_string(v) ? eng_parse_bytes(json_string_value(v))
				   : -1;
	if (*out < 0)
		return berr_plain(err, EINVAL, "service '%s': %s: invalid size", svc, field);
	return 0;
}

static int seconds(json_t *v, const char *svc, const char *field, int *out, struct berr **err)
{
	if (!v)
		return 0;
	int64_t ns = eng_duration_ns(json_string_value(v));
	if (ns < 0)
		return berr_plain(err, EINVAL, "service '%s': %s: invalid duration", svc, field);
	*out = (int)(ns / 1000000000);
	return 0;
}

/* healthcheck → Docker's Config.Healthcheck (durations in ns). */
static int healthcheck(struct app_service *s, json_t *h, struct berr **err)
{
	if (!h)
		return 0;
	json_t *test = json_object_get(h, "test");
	json_t *out;
	if (json_is_true(json_object_get(h, "disable")))
		out = json_pack("{s:[s]}", "Test", "NONE");
	else
		out = json_pack("{s:O}", "Test", test ? test : json_pack("[]"));
	json_array_append_new(s->keep, out);
	static const char *const keys[][2] = {{"interval", "Interval"},
					      {"timeout", "Timeout"},
					      {"start_period", "StartPeriod"},
					      {"start_interval", "StartInterval"}};
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		json_t *v = json_object_get(h, keys[i][0]);
		if (!v)
			continue;
		int64_t ns = eng_duration_ns(json_string_value(v));
		if (ns < 0)
			return berr_plain(err, EINVAL,
					  "service '%s': healthcheck.%s: invalid duration", s->name,
					  keys[i][0]);
		json_object_set_new(out, keys[i][1], json_integer(ns));
	}
	json_t *retries = json_object_get(h, "retries");
	if (json_is_integer(retries))
		json_object_set(out, "Retries", retries);
	s->c.healthcheck = out;
	return 0;
}

/* ports → -p specs: [host_ip:][published:]target/protocol. */
static json_t *ports(json_t *list)
{
	json_t *out = json_array();
	size_t i;
	json_t *p;
	json_array_foreach(list, i, p)
	{
		const char *ip = str(p, "host_ip"), *pub = str(p, "published");
		const char *proto = str(p, "protocol") ? str(p, "protocol") : "tcp";
		json_int_t target = json_integer_value(json_object_get(p, "target"));
		if (ip && strchr(ip, ':'))
			json_array_append_new(out,
					      json_sprintf("[%s]:%s:%" JSON_INTEGER_FORMAT "/%s",
							   ip, pub ? pub : "", target, proto));
		else if (ip)
			json_array_append_new(out, json_sprintf("%s:%s:%" JSON_INTEGER_FORMAT "/%s",
								ip, pub ? pub : "", target, proto));
		else if (pub)
			json_array_append_new(out, json_sprintf("%s:%" JSON_INTEGER_FORMAT "/%s",
								pub, target, proto));
		else
			json_array_append_new(
			    out, json_sprintf("%" JSON_INTEGER_FORMAT "/%s", target, proto));
	}
	return out;
}

/* One long-syntax volume → a --mount spec, or (a bind whose source may be made) a -v spec. */
static int volume(const struct app_plan *p, struct app_service *s, json_t *v, json_t *mounts,
		  json_t *binds, struct berr **err)
{
	const char *type = str(v, "type"), *src = str(v, "source"), *dst = str(v, "target");
	bool ro = json_is_true(json_object_get(v, "read_only"));
	if (!type || !dst)
		return berr_plain(err, EINVAL, "service '%s': volumes: a type and a target",
				  s->name);
	if (!strcmp(type, "bind")) {
		if (json_is_true(json_object_get(json_object_get(v, "bind"), "create_host_path")))
			json_array_append_new(binds,
					      json_sprintf("%s:%s%s", src, dst, ro ? ":ro" : ""));
		else
			json_array_append_new(mounts,
					      json_sprintf("type=bind,source=%s,target=%s%s", src,
							   dst, ro ? ",readonly" : ""));
		return 0;
	}
	if (!strcmp(type, "volume")) {
		const char *name = NULL;
		for (size_t i = 0; src && i < p->n_volumes; i++)
			if (!strcmp(p->volumes[i].key, src))
				name = p->volumes[i].name;
		if (src && !name)
			return berr_plain(err, EINVAL, "service '%s': undefined volume '%s'",
					  s->name, src);
		autofree char *source = name ? xasprintf("source=%s,", name) : xstrdup("");
		json_array_append_new(mounts, json_sprintf("type=volume,%starget=%s%s", source, dst,
							   ro ? ",readonly" : ""));
		return 0;
	}
	if (!strcmp(type, "tmpfs")) {
		json_t *t = json_object_get(v, "tmpfs");
		json_auto_t *size = scalar_text(json_object_get(t, "size"));
		json_auto_t *mode = scalar_text(json_object_get(t, "mode"));
		json_array_append_new(mounts, json_sprintf("type=tmpfs,target=%s%s%s%s%s", dst,
							   size ? ",tmpfs-size=" : "",
							   size ? json_string_value(size) : "",
							   mode ? ",tmpfs-mode=" : "",
							   mode ? json_string_value(mode) : ""));
		return 0;
	}
	return berr_plain(err, EINVAL, "service '%s': volumes: type '%s' is not supported", s->name,
			  type);
}

/* volumes, then secrets and configs (app/files.h): all mounts. */
static int volumes(const struct app_plan *p, struct app_service *s, json_t *svc, struct berr **err)
{
	json_t *mounts = json_array(), *binds = json_array();
	size_t i;
	json_t *v;
	int r = 0;
	json_array_foreach(json_object_get(svc, "volumes"), i, v)
	{
		if ((r = volume(p, s, v, mounts, binds, err)) < 0)
			break;
	}
	if (r == 0)
		r = app_service_files(p, s, svc, mounts, err);
	s->c.mounts = vec(s, mounts);
	s->c.volumes = vec(s, binds);
	return r;
}

/* ulimits: {nofile: {soft, hard}, nproc: 50} → "nofile=100:200", "nproc=50". */
static json_t *ulimits(json_t *obj)
{
	json_t *out = json_array();
	const char *k;
	json_t *v;
	json_object_foreach(obj, k, v)
	{
		if (json_is_integer(v))
			json_array_append_new(out, json_sprintf("%s=%" JSON_INTEGER_FORMAT, k,
								json_integer_value(v)));
		else
			json_array_append_new(
			    out, json_sprintf("%s=%" JSON_INTEGER_FORMAT ":%" JSON_INTEGER_FORMAT,
					      k, json_integer_value(json_object_get(v, "soft")),
					      json_integer_value(json_object_get(v, "hard"))));
	}
	return out;
}

/* extra_hosts "h:ip", "h=ip" or {h: ip} → --add-host's "h:ip". */
static json_t *extra_hosts(json_t *v)
{
	if (json_is_object(v))
		return pairs(v, ":");
	json_t *out = json_array();
	size_t i;
	json_t *e;
	json_array_foreach(v, i, e)
	{
		autofree char *h = xstrdup(json_string_value(e) ? json_string_value(e) : "");
		char *eq = strchr(h, '=');
		if (eq)
			*eq = ':';
		json_array_append_new(out, json_string(h));
	}
	return out;
}

/* The service's networks by priority (higher first), then name, as Compose v2 connects them. */
static int net_cmp(const void *a, const void *b)
{
	json_t *const *x = a, *const *y = b;
	json_int_t px = json_integer_value(json_object_get(json_array_get(*x, 1), "priority"));
	json_int_t py = json_integer_value(json_object_get(json_array_get(*y, 1), "priority"));
	if (px != py)
		return px > py ? -1 : 1;
	return strcmp(json_string_value(json_array_get(*x, 0)),
		      json_string_value(json_array_get(*y, 0)));
}

static const char *network_name(const struct app_plan *p, const char *key)
{
	for (size_t i = 0; i < p->n_networks; i++)
		if (!strcmp(p->networks[i].key, key))
			return p->networks[i].name;
	return NULL;
}

static json_t *aliases(const struct app_service *s, json_t *opts)
{
	json_t *out = json_pack("[s]", s->name);
	size_t i;
	json_t *a;
	json_array_foreach(json_object_get(opts, "aliases"), i, a)
	{
		if (strcmp(json_string_value(a), s->name))
			json_array_append(out, a);
	}
	return out;
}

/* networks (or network_mode): the first is eng_create's, the others attach before start. */
static int networks(const struct app_plan *p, struct app_service *s, json_t *svc, struct berr **err)
{
	const char *mode = str(svc, "network_mode");
	if (mode && !strncmp(mode, "service:", 8)) {
		s->network_service = mode + 8;
		return 0; /* eng_create's network: up knows the container */
	}
	if (mode) {
		s->c.run.network = mode;
		return 0;
	}
	json_t *nets = json_object_get(svc, "networks");
	json_auto_t *sorted = json_array();
	const char *k;
	json_t *v;
	json_object_foreach(nets, k, v) json_array_append_new(sorted, json_pack("[sO]", k, v));
	if (!nets)
		json_array_append_new(sorted, json_pack("[sn]", "default"));
	size_t n = json_array_size(sorted);
	json_t **items = xcalloc(n + 1, sizeof(*items));
	for (size_t i = 0; i < n; i++)
		items[i] = json_array_get(sorted, i);
	qsort(items, n, sizeof(*items), net_cmp);
	s->attach = xcalloc(n, sizeof(*s->attach));
	int r = 0;
	for (size_t i = 0; i < n && r == 0; i++) {
		const char *key = json_string_value(json_array_get(items[i], 0));
		json_t *opts = json_array_get(items[i], 1);
		const char *name = network_name(p, key);
		if (!name) {
			r = berr_plain(err, EINVAL, "service '%s' refers to undefined network %s",
				       s->name, key);
			break;
		}
		const char *ip = str(opts, "ipv4_address") ? str(opts, "ipv4_address")
							   : str(opts, "ipv6_address");
		if (ip)
			ip = keep_str(s, json_string(ip));
		if (i == 0) {
			s->c.run.network = name;
			s->c.ip = ip;
			s->c.aliases = vec(s, aliases(s, opts));
		} else {
			s->attach[s->n_attach++] = (struct app_attach){
			    .name = name, .ip = ip, .aliases = vec(s, aliases(s, opts))};
		}
	}
	free(items);
	return r;
}

static int resources(struct app_service *s, json_t *svc, struct berr **err)
{
	struct eng_run_opts *o = &s->c.run;
	json_t *lim =
	    json_object_get(json_object_get(json_object_get(svc, "deploy"), "resources"), "limits");
	json_t *mem = json_object_get(lim, "memory") ? json_object_get(lim, "memory")
						     : json_object_get(svc, "mem_limit");
	int r = bytes(mem, s->name, "memory", &o->memory, err);
	if (r == 0)
		r = bytes(json_object_get(svc, "memswap_limit"), s->name, "memswap_limit",
			  &o->memory_swap, err);
	if (r == 0)
		r = bytes(json_object_get(svc, "shm_size"), s->name, "shm_size", &o->shm_size, err);
	if (r < 0)
		return r;
	json_t *cpus = json_object_get(lim, "cpus") ? json_object_get(lim, "cpus")
						    : json_object_get(svc, "cpus");
	if (cpus) {
		json_auto_t *t = scalar_text(cpus);
		char *end = NULL;
		o->cpus = t ? strtod(json_string_value(t), &end) : -1;
		if (!end || *end || o->cpus < 0)
			return berr_plain(err, EINVAL, "service '%s': cpus: invalid number",
					  s->name);
	}
	json_t *pids = json_object_get(lim, "pids") ? json_object_get(lim, "pids")
						    : json_object_get(svc, "pids_limit");
	if (json_is_integer(pids))
		o->pids_limit = json_integer_value(pids);
	if (json_is_integer(json_object_get(svc, "cpu_shares")))
		o->cpu_shares = json_integer_value(json_object_get(svc, "cpu_shares"));
	o->cpuset_cpus = str(svc, "cpuset");
	return 0;
}

/* restart, or deploy.restart_policy (none → no, any → always). */
static const char *restart(struct app_service *s, json_t *svc)
{
	if (str(svc, "restart"))
		return str(svc, "restart");
	json_t *rp = json_object_get(json_object_get(svc, "deploy"), "restart_policy");
	const char *cond = str(rp, "condition");
	if (!cond)
		return NULL;
	if (!strcmp(cond, "none"))
		return "no";
	if (!strcmp(cond, "any"))
		return "always";
	json_t *max = json_object_get(rp, "max_attempts");
	if (json_is_integer(max))
		return keep_str(
		    s, json_sprintf("on-failure:%" JSON_INTEGER_FORMAT, json_integer_value(max)));
	return "on-failure";
}

static int security_opt(struct app_service *s, json_t *list, struct berr **err)
{
	size_t i;
	json_t *e;
	json_array_foreach(list, i, e)
	{
		const char *v = json_string_value(e);
		if (v && (!strcmp(v, "no-new-privileges") || !strcmp(v, "no-new-privileges:true") ||
			  !strcmp(v, "no-new-privileges=true")))
			s->c.run.no_new_privileges = true;
		else if (v && (!strncmp(v, "seccomp=", 8) || !strncmp(v, "seccomp:", 8)))
			s->c.run.seccomp = v + 8;
		else
			return berr_plain(err, EINVAL,
					  "service '%s': security_opt '%s' is not supported",
					  s->name, v ? v : "");
	}
	return 0;
}

static json_t *devices(json_t *list)
{
	json_t *out = json_array();
	size_t i;
	json_t *d;
	json_array_foreach(list, i, d) json_array_append_new(
	    out, json_sprintf("%s:%s:%s", str(d, "source"), str(d, "target"),
			      str(d, "permissions") ? str(d, "permissions") : "rwm"));
	return out;
}

static void process(struct app_service *s, json_t *svc)
{
	struct eng_run_opts *o = &s->c.run;
	json_t *cmd = json_object_get(svc, "command");
	if (json_is_array(cmd))
		o->cmd = vec(s, json_incref(cmd));
	json_t *ep = json_object_get(svc, "entrypoint");
	if (json_is_array(ep)) {
		o->entrypoint = json_array_size(ep) ? str_at(ep, 0) : "";
		json_t *rest = json_array();
		for (size_t i = 1; i < json_array_size(ep); i++)
			json_array_append(rest, json_array_get(ep, i));
		o->entrypoint_rest = vec(s, rest);
	}
	o->env = vec(s, pairs(json_object_get(svc, "environment"), "="));
	o->workdir = str(svc, "working_dir");
	o->user = str(svc, "user");
	o->hostname = str(svc, "hostname");
	o->tty = json_is_true(json_object_get(svc, "tty"));
	o->interactive = json_is_true(json_object_get(svc, "stdin_open"));
	o->read_only = json_is_true(json_object_get(svc, "read_only"));
	o->privileged = json_is_true(json_object_get(svc, "privileged"));
	o->cap_add = vec(s, text_list(json_object_get(svc, "cap_add")));
	o->cap_drop = vec(s, text_list(json_object_get(svc, "cap_drop")));
	o->ulimits = vec(s, ulimits(json_object_get(svc, "ulimits")));
	o->sysctls = vec(s, pairs(json_object_get(svc, "sysctls"), "="));
	o->stop_signal = str(svc, "stop_signal");
	o->devices = vec(s, devices(json_object_get(svc, "devices")));
	s->init = json_is_true(json_object_get(svc, "init"));
}

static void net_options(struct app_service *s, json_t *svc)
{
	struct eng_create *c = &s->c;
	c->publish = vec(s, ports(json_object_get(svc, "ports")));
	c->expose = vec(s, text_list(json_object_get(svc, "expose")));
	c->dns = vec(s, text_list(json_object_get(svc, "dns")));
	c->dns_search = vec(s, text_list(json_object_get(svc, "dns_search")));
	c->dns_options = vec(s, text_list(json_object_get(svc, "dns_opt")));
	c->add_hosts = vec(s, extra_hosts(json_object_get(svc, "extra_hosts")));
	c->mac = str(svc, "mac_address");
	c->tmpfs = vec(s, text_list(json_object_get(svc, "tmpfs")));
}

/* Fields mapped here, and fields carried on that change nothing (a warning says so). */
static const char *const mapped[] = {"image",
				     "command",
				     "entrypoint",
				     "environment",
				     "env_file",
				     "ports",
				     "expose",
				     "volumes",
				     "networks",
				     "network_mode",
				     "depends_on",
				     "healthcheck",
				     "restart",
				     "user",
				     "working_dir",
				     "labels",
				     "cap_add",
				     "cap_drop",
				     "privileged",
				     "read_only",
				     "tmpfs",
				     "ulimits",
				     "sysctls",
				     "shm_size",
				     "init",
				     "stop_signal",
				     "stop_grace_period",
				     "deploy",
				     "container_name",
				     "hostname",
				     "extra_hosts",
				     "dns",
				     "dns_search",
				     "dns_opt",
				     "isolation",
				     "tty",
				     "stdin_open",
				     "mem_limit",
				     "memswap_limit",
				     "cpus",
				     "pids_limit",
				     "cpu_shares",
				     "cpuset",
				     "mac_address",
				     "scale",
				     "profiles",
				     "security_opt",
				     "devices",
				     "pull_policy",
				     "build",
				     "secrets",
				     "configs",
				     "ipc",
				     "pid",
				     "volumes_from",
				     NULL};
static const char *const inert[] = {"links", "logging", "platform", NULL};

static bool listed(const char *const *l, const char *k)
{
	for (size_t i = 0; l[i]; i++)
		if (!strcmp(l[i], k))
			return true;
	return false;
}

static int check_fields(const struct app_plan *p, const char *name, json_t *svc, struct berr **err)
{
	const char *k;
	json_t *v;
	json_object_foreach(svc, k, v)
	{
		if (!strncmp(k, "x-", 2) || listed(mapped, k))
			continue;
		if (!listed(inert, k))
			return berr_plain(
			    err, ENOTSUP,
			    "service '%s': '%s' is not supported by berth compose yet", name, k);
		const char *drv = str(v, "driver");
		if (!strcmp(k, "logging") && drv && strcmp(drv, "json-file"))
			return berr_plain(err, ENOTSUP,
					  "service '%s': logging driver '%s' is not supported",
					  name, drv);
		json_array_append_new(p->warnings,
				      json_sprintf("service \"%s\": %s is ignored", name, k));
	}
	json_t *d = json_object_get(svc, "deploy");
	json_object_foreach(d, k, v)
	{
		if (strcmp(k, "replicas") && strcmp(k, "resources") && strcmp(k, "restart_policy"))
			json_array_append_new(
			    p->warnings,
			    json_sprintf("service \"%s\": deploy.%s is ignored", name, k));
	}
	json_t *res = json_object_get(d, "resources");
	json_object_foreach(res, k, v)
	{
		if (strcmp(k, "limits"))
			json_array_append_new(p->warnings,
					      json_sprintf("service \"%s\": deploy.resources.%s is "
							   "ignored",
							   name, k));
	}
	return 0;
}

/* build: what berth's builder takes; the rest refused by name (cache_from and the like change
 * only how fast it goes: warned about). */
static int build_section(const struct app_plan *p, struct app_service *s, json_t *svc,
			 struct berr **err)
{
	static const char *const keys[] = {
	    "context", "dockerfile",  "dockerfile_inline", "args", "target", "labels",  "no_cache",
	    "network", "extra_hosts", "shm_size",          "pull", "tags",   "secrets", NULL};
	static const char *const slow[] = {"cache_from", "cache_to", NULL};
	json_t *b = json_object_get(svc, "build");
	if (!b)
		return 0;
	const char *k;
	json_t *v;
	json_object_foreach(b, k, v)
	{
		if (listed(slow, k) || !strncmp(k, "x-", 2))
			json_array_append_new(
			    p->warnings,
			    json_sprintf("service \"%s\": build.%s is ignored", s->name, k));
		else if (!listed(keys, k))
			return berr_plain(
			    err, ENOTSUP,
			    "service '%s': build.%s is not supported by berth compose yet", s->name,
			    k);
	}
	s->build = b;
	if (!s->image)
		s->image = keep_str(s, json_sprintf("%s-%s", p->project, s->name));
	return 0;
}

static int isolation(struct app_service *s, json_t *svc, struct berr **err)
{
	const char *iso = str(svc, "isolation");
	if (!iso || !strcmp(iso, "default") || !strcmp(iso, "process"))
		return 0;
	if (strcmp(iso, "vm"))
		return berr_plain(err, EINVAL, "service '%s': isolation '%s': default or vm",
				  s->name, iso);
	s->vm = true;
	s->c.isolation = "vm";
	return 0;
}

int app_service_map(const struct app_plan *p, json_t *svc, struct app_service *s, struct berr **err)
{
	s->keep = json_array();
	s->c.stop_timeout = -1;
	int r = check_fields(p, s->name, svc, err);
	if (r < 0)
		return r;
	s->image = str(svc, "image");
	r = build_section(p, s, svc, err);
	if (r < 0)
		return r;
	if (!s->image)
		return berr_plain(err, EINVAL,
				  "service '%s' has neither an image nor a build context", s->name);
	s->c.image = s->image;
	s->container_name = str(svc, "container_name");
	s->pull_policy = str(svc, "pull_policy");
	s->depends_on = json_object_get(svc, "depends_on");
	s->c.restart = restart(s, svc);
	process(s, svc);
	net_options(s, svc);
	r = healthcheck(s, json_object_get(svc, "healthcheck"), err);
	if (r == 0)
		r = volumes(p, s, svc, err);
	if (r == 0)
		r = networks(p, s, svc, err);
	if (r == 0)
		r = resources(s, svc, err);
	if (r == 0)
		r = security_opt(s, json_object_get(svc, "security_opt"), err);
	if (r == 0)
		r = seconds(json_object_get(svc, "stop_grace_period"), s->name, "stop_grace_period",
			    &s->c.stop_timeout, err);
	if (r == 0)
		r = isolation(s, svc, err);
	if (r == 0)
		r = app_service_shared(p, s, svc, err);
	return r;
}

void app_service_clear(struct app_service *s)
{
	for (size_t i = 0; i < s->n_vecs; i++)
		free(s->vecs[i]);
	free(s->vecs);
	free(s->attach);
	free(s->files);
	json_decref(s->keep);
}
