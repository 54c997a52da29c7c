/* The whole project's checks and defaults (validate.h). Errors name the line of what refers
 * to nothing ("compose.yaml:7: services.web.depends_on.db: service 'web' depends on undefined
 * service 'db'"), in compose-go's words where it has them. */
#include "compose/validate.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compose/interp.h"
#include "compose/load.h"
#include "compose/schema.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/xalloc.h"

static void set_missing(json_t *deps, const char *svc, bool restart)
{
	if (!json_object_get(deps, svc))
		json_object_set_new(deps, svc,
				    json_pack("{sssbsb}", "condition", "service_started", "restart",
					      restart, "required", 1));
}

/* links, network_mode/ipc/pid "service:x" and volumes_from are dependencies too, as
 * compose-go's normalize makes them (volumes_from's without restart: a new x need not
 * restart it). */
static void implicit_deps(json_t *svc)
{
	json_t *deps = json_object_get(svc, "depends_on");
	json_t *fresh = deps ? NULL : json_object();
	if (fresh)
		deps = fresh;
	size_t i;
	json_t *e;
	json_array_foreach(json_object_get(svc, "links"), i, e)
	{
		autofree char *name = xstrdup(json_string_value(e));
		char *colon = strchr(name, ':');
		if (colon)
			*colon = 0;
		set_missing(deps, name, true);
	}
	static const char *const ns[] = {"network_mode", "ipc", "pid"};
	for (i = 0; i < 3; i++) {
		const char *m = json_string_value(json_object_get(svc, ns[i]));
		if (m && !strncmp(m, "service:", 8))
			set_missing(deps, m + 8, true);
	}
	json_array_foreach(json_object_get(svc, "volumes_from"), i, e)
	{
		const char *v = json_string_value(e);
		if (!v || !strncmp(v, "container:", 10))
			continue;
		autofree char *name = xstrdup(v);
		char *colon = strchr(name, ':');
		if (colon)
			*colon = 0;
		set_missing(deps, name, false);
	}
	if (fresh && json_object_size(fresh))
		json_object_set(svc, "depends_on", fresh);
	json_decref(fresh);
}

/* env_file's variables under environment's; environment's bare names from vars. */
static int environment(json_t *svc, const char *path, json_t *vars, json_t *pos, struct berr **err)
{
	json_t *env = json_object_get(svc, "environment");
	json_t *files = json_object_get(svc, "env_file");
	json_auto_t *from_files = json_object();
	size_t i;
	json_t *f;
	json_array_foreach(files, i, f)
	{
		const char *p = json_string_value(json_object_get(f, "path"));
		if (!json_is_true(json_object_get(f, "required")) && access(p, F_OK) != 0)
			continue;
		json_auto_t *got = json_object();
		int r = cmp_load_env_file(p, got, err);
		json_object_update(from_files, got);
		if (r < 0) {
			autofree char *ep = xasprintf("%s.env_file[%zu]", path, i);
			return berr_wrap(err, "%s: %s", cmp_where(pos, ep), ep);
		}
	}
	json_object_del(svc, "env_file");
	if (!env && json_object_size(from_files)) {
		env = json_object();
		json_object_set_new(svc, "environment", env);
	}
	json_object_update_missing(env, from_files);
	const char *k;
	json_t *v;
	json_object_foreach(env, k, v)
	{
		json_t *val = json_object_get(vars, k);
		if (json_is_null(v) && val)
			json_object_set(env, k, val);
	}
	return 0;
}

static int refs(json_t *model, const char *name, json_t *svc, json_t *pos, struct berr **err)
{
	json_t *svcs = json_object_get(model, "services");
	const char *k;
	json_t *v;
	void *tmp;
	json_object_foreach_safe(json_object_get(svc, "depends_on"), tmp, k, v)
	{
		if (json_object_get(svcs, k))
			continue;
		if (json_is_false(json_object_get(v, "required"))) {
			json_object_del(json_object_get(svc, "depends_on"), k);
			continue;
		}
		autofree char *p = xasprintf("services.%s.depends_on.%s", name, k);
		return cmp_errf(err, pos, p, "service '%s' depends on undefined service '%s'", name,
				k);
	}
	json_t *nets = json_object_get(model, "networks");
	json_object_foreach(json_object_get(svc, "networks"), k, v)
	{
		if (json_object_get(nets, k))
			continue;
		if (!strcmp(k, "default")) {
			json_object_set_new(nets, "default", json_object());
			continue;
		}
		autofree char *p = xasprintf("services.%s.networks.%s", name, k);
		return cmp_errf(err, pos, p, "service '%s' refers to undefined network '%s'", name,
				k);
	}
	size_t i;
	json_array_foreach(json_object_get(svc, "volumes"), i, v)
	{
		const char *src = json_string_value(json_object_get(v, "source"));
		const char *type = json_string_value(json_object_get(v, "type"));
		if (!src || strcmp(type, "volume") ||
		    json_object_get(json_object_get(model, "volumes"), src))
			continue;
		autofree char *p = xasprintf("services.%s.volumes[%zu]", name, i);
		return cmp_errf(err, pos, p, "service '%s' refers to undefined volume '%s'", name,
				src);
	}
	static const char *const kinds[] = {"secrets", "configs", "build.secrets"};
	for (size_t j = 0; j < 3; j++) {
		json_t *list = j < 2 ? json_object_get(svc, kinds[j])
				     : json_object_get(json_object_get(svc, "build"), "secrets");
		json_array_foreach(list, i, v)
		{
			const char *src = json_string_value(json_object_get(v, "source"));
			json_t *defs = json_object_get(model, j == 1 ? "configs" : "secrets");
			if (json_object_get(defs, src))
				continue;
			autofree char *p = xasprintf("services.%s.%s[%zu]", name, kinds[j], i);
			return cmp_errf(err, pos, p, "service '%s' refers to undefined %.6s '%s'",
					name, j == 1 ? "configs" : "secrets", src);
		}
	}
	return 0;
}

/* Depth-first over depends_on: 1 on the path, 2 done. */
static int visit(json_t *svcs, const char *name, json_t *state, json_t *pos, int depth,
		 struct berr **err)
{
	json_int_t st = json_integer_value(json_object_get(state, name));
	if (st == 2)
		return 0;
	if (st == 1 || depth > 1000) {
		autofree char *p = xasprintf("services.%s.depends_on", name);
		return cmp_errf(err, pos, p, "dependency cycle detected at service '%s'", name);
	}
	json_object_set_new(state, name, json_integer(1));
	const char *k;
	json_t *v;
	json_object_foreach(json_object_get(json_object_get(svcs, name), "depends_on"), k, v)
	{
		int r = visit(svcs, k, state, pos, depth + 1, err);
		if (r < 0)
			return r;
	}
	json_object_set_new(state, name, json_integer(2));
	return 0;
}

/* The implicit `default` network a service names, when no network of the model is so named. */
static void default_network(json_t *model, json_t *svc)
{
	json_t *nets = json_object_get(model, "networks");
	if (json_object_get(json_object_get(svc, "networks"), "default") &&
	    !json_object_get(nets, "default"))
		json_object_set_new(nets, "default", json_object());
}

static int services(json_t *model, json_t *vars, json_t *pos, unsigned flags, struct berr **err)
{
	json_t *svcs = json_object_get(model, "services");
	json_t *names = json_object();
	const char *name;
	json_t *svc;
	int r = 0;
	bool check = !(flags & CMP_NO_CONSISTENCY);
	json_object_foreach(svcs, name, svc)
	{
		autofree char *path = xasprintf("services.%s", name);
		if (!(flags & CMP_NO_NORMALIZE)) {
			implicit_deps(svc);
			if (!json_object_get(svc, "networks") &&
			    !json_object_get(svc, "network_mode"))
				json_object_set_new(svc, "networks", json_pack("{sn}", "default"));
			default_network(model, svc);
		}
		if (check && !json_object_get(svc, "image") && !json_object_get(svc, "build"))
			r = cmp_errf(err, pos, path,
				     "service '%s' has neither an image nor a build "
				     "context specified",
				     name);
		if (r == 0 && !(flags & CMP_NO_ENV_RESOLUTION))
			r = environment(svc, path, vars, pos, err);
		if (r == 0 && check)
			r = refs(model, name, svc, pos, err);
		const char *cn = json_string_value(json_object_get(svc, "container_name"));
		if (r == 0 && check && cn && json_object_get(names, cn)) {
			autofree char *p = xasprintf("%s.container_name", path);
			r = cmp_errf(err, pos, p,
				     "services '%s' and '%s' have the same container_name '%s'",
				     json_string_value(json_object_get(names, cn)), name, cn);
		}
		if (cn)
			json_object_set_new(names, cn, json_string(name));
		if (r < 0)
			break;
	}
	json_decref(names);
	json_t *state = json_object();
	json_object_foreach(svcs, name, svc) if (r == 0 && check) r =
	    visit(svcs, name, state, pos, 0, err);
	json_decref(state);
	return r;
}

/* Does any service use the resource key of kind ("networks", ...)? */
static bool used(json_t *model, const char *kind, const char *key)
{
	const char *name;
	json_t *svc, *v;
	size_t i;
	json_object_foreach(json_object_get(model, "services"), name, svc)
	{
		if (!strcmp(kind, "networks")) {
			if (json_object_get(json_object_get(svc, "networks"), key))
				return true;
			continue;
		}
		json_array_foreach(json_object_get(svc, kind), i, v)
		{
			const char *src = json_string_value(json_object_get(v, "source"));
			if (src && !strcmp(src, key))
				return true;
		}
		/* a secret a build mounts (build.secrets) */
		json_array_foreach(json_object_get(json_object_get(svc, "build"), kind), i, v)
		{
			const char *src = json_string_value(json_object_get(v, "source"));
			if (!strcmp(kind, "secrets") && src && !strcmp(src, key))
				return true;
		}
	}
	return false;
}

/* Names: <project>_<key> unless name: or external (whose name is its key). */
static void resources(json_t *model, const char *project)
{
	static const char *const kinds[] = {"networks", "volumes", "secrets", "configs"};
	for (size_t i = 0; i < 4; i++) {
		json_t *sec = json_object_get(model, kinds[i]);
		const char *k;
		json_t *v;
		void *tmp;
		json_object_foreach_safe(sec, tmp, k, v)
		{
			if (!used(model, kinds[i], k)) {
				json_object_del(sec, k);
				continue;
			}
			json_t *ext = json_object_get(v, "external");
			if (json_is_object(ext)) {
				/* the old `external: {name: x}` */
				json_t *n = json_object_get(ext, "name");
				if (n && !json_object_get(v, "name"))
					json_object_set(v, "name", n);
				json_object_set_new(v, "external", json_true());
			}
			if (json_object_get(v, "name"))
				continue;
			if (json_is_true(json_object_get(v, "external")))
				json_object_set_new(v, "name", json_string(k));
			else
				json_object_set_new(v, "name", json_sprintf("%s_%s", project, k));
		}
		if (sec && !json_object_size(sec))
			json_object_del(model, kinds[i]);
	}
}

void cmp_drop_unused(json_t *model)
{
	static const char *const kinds[] = {"networks", "volumes", "secrets", "configs"};
	for (size_t i = 0; i < 4; i++) {
		json_t *sec = json_object_get(model, kinds[i]);
		const char *k;
		json_t *v;
		void *tmp;
		json_object_foreach_safe(sec, tmp, k, v)
		{
			if (!used(model, kinds[i], k))
				json_object_del(sec, k);
		}
		if (sec && !json_object_size(sec))
			json_object_del(model, kinds[i]);
	}
}

static json_t *sorted(json_t *j)
{
	if (json_is_array(j)) {
		json_t *a = json_array();
		size_t i;
		json_t *v;
		json_array_foreach(j, i, v) json_array_append_new(a, sorted(v));
		return a;
	}
	if (!json_is_object(j))
		return json_incref(j);
	size_t n = json_object_size(j), i = 0;
	const char **keys = xcalloc(n ? n : 1, sizeof *keys);
	const char *k;
	json_t *v;
	json_object_foreach(j, k, v) keys[i++] = k;
	for (size_t a = 1; a < n; a++)
		for (size_t b = a; b > 0 && strcmp(keys[b - 1], keys[b]) > 0; b--) {
			const char *t = keys[b - 1];
			keys[b - 1] = keys[b];
			keys[b] = t;
		}
	json_t *o = json_object();
	for (i = 0; i < n; i++)
		json_object_set_new(o, keys[i], sorted(json_object_get(j, keys[i])));
	free(keys);
	return o;
}

int cmp_finalize(json_t *model, const char *name, json_t *vars, json_t *pos, unsigned flags,
		 struct berr **err)
{
	static const char *const order[] = {"services", "networks", "volumes", "secrets",
					    "configs"};
	for (size_t i = 0; i < 3; i++)
		if (!json_object_get(model, order[i]))
			json_object_set_new(model, order[i], json_object());
	int r = services(model, vars, pos, flags, err);
	if (r < 0)
		return r;
	if (flags & CMP_NO_NORMALIZE)
		cmp_drop_unused(model);
	else
		resources(model, name);
	json_t *out = json_pack("{ss}", "name", name);
	for (size_t i = 0; i < 5; i++) {
		json_t *v = json_object_get(model, order[i]);
		if (v && (i == 0 || json_object_size(v)))
			json_object_set_new(out, order[i], sorted(v));
	}
	const char *k;
	json_t *v;
	json_object_foreach(model, k, v) if (!strncmp(k, "x-", 2)) json_object_set(out, k, v);
	json_object_clear(model);
	json_object_update(model, out);
	json_decref(out);
	return 0;
}
