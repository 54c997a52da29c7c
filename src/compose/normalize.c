/* Short syntax to long syntax, one file at a time (see normalize.h). The long forms are what
 * `docker compose config` (v2) prints: a port is {mode, host_ip, target, published, protocol}
 * with published a string, a short volume gets `bind: {create_host_path: true}` or `volume: {}`,
 * depends_on entries get {condition: service_started, required: true}. */
#include "compose/normalize.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "compose/interp.h"
#include "compose/normalize_parts.h"
#include "compose/schema.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/xalloc.h"

char *cmp_abs_path(const char *dir, const char *path)
{
	if (!dir)
		return xstrdup(path); /* config --no-path-resolution */
	autofree char *joined = NULL;
	if (path[0] == '~' && (path[1] == '/' || !path[1])) {
		const char *home = getenv("HOME");
		joined = xasprintf("%s/%s", home ? home : "/", path + 1);
	} else {
		joined = path[0] == '/' ? xstrdup(path) : xasprintf("%s/%s", dir, path);
	}
	/* lexical clean: split on '/', drop "." and "", ".." pops */
	size_t n = strlen(joined);
	char *out = xmalloc(n + 2);
	size_t o = 0;
	for (char *s = joined, *tok; (tok = strsep(&s, "/"));) {
		if (!*tok || !strcmp(tok, "."))
			continue;
		if (!strcmp(tok, "..")) {
			while (o > 0 && out[o - 1] != '/')
				o--;
			if (o > 0)
				o--;
			continue;
		}
		out[o++] = '/';
		memcpy(out + o, tok, strlen(tok));
		o += strlen(tok);
	}
	if (o == 0)
		out[o++] = '/';
	out[o] = 0;
	return out;
}

int cmp_shell_split(const char *s, json_t **out, struct berr **err)
{
	json_t *words = json_array();
	autofree char *w = xmalloc(strlen(s) + 1);
	size_t n = 0;
	bool in_word = false;
	char quote = 0;
	for (; *s; s++) {
		char c = *s;
		if (quote) {
			if (c == quote)
				quote = 0;
			else if (c == '\\' && quote == '"' && (s[1] == '"' || s[1] == '\\'))
				w[n++] = *++s;
			else
				w[n++] = c;
		} else if (c == '\'' || c == '"') {
			quote = c;
			in_word = true;
		} else if (c == '\\' && s[1]) {
			w[n++] = *++s;
			in_word = true;
		} else if (isspace((unsigned char)c)) {
			if (in_word)
				json_array_append_new(words, json_stringn(w, n));
			n = 0;
			in_word = false;
		} else {
			w[n++] = c;
			in_word = true;
		}
	}
	if (quote) {
		json_decref(words);
		return berr_plain(err, EINVAL, "unterminated quote");
	}
	if (in_word)
		json_array_append_new(words, json_stringn(w, n));
	*out = words;
	return 0;
}

char *cmp_norm_sub(const char *path, const char *key)
{
	return xasprintf("%s.%s", path, key);
}

char *cmp_norm_item(const char *path, size_t i)
{
	return xasprintf("%s[%zu]", path, i);
}

/* ["A=1", "B"] → {A: "1", B: null}; {A: 1} → {A: "1"}; labels' "B" is "" (empty). */
static int list_to_map(json_t *obj, const char *key, bool empty, const char *path, json_t *pos,
		       struct berr **err)
{
	json_t *v = json_object_get(obj, key);
	if (!v || json_is_null(v))
		return 0;
	json_auto_t *null_value = empty ? json_string("") : json_null();
	json_auto_t *m = json_object();
	size_t i;
	json_t *e;
	if (json_is_array(v)) {
		json_array_foreach(v, i, e)
		{
			const char *s = json_string_value(e);
			const char *eq = strchr(s, '=');
			autofree char *k = eq ? xstrndup(s, eq - s) : xstrdup(s);
			if (!*k) {
				autofree char *p = cmp_norm_item(path, i);
				return cmp_errf(err, pos, p, "'%s' has no name", s);
			}
			json_object_set_new(m, k, eq ? json_string(eq + 1) : json_copy(null_value));
		}
	} else {
		const char *k;
		json_object_foreach(v, k, e)
		{
			if (json_is_string(e) || json_is_null(e)) {
				json_object_set(m, k, json_is_null(e) ? null_value : e);
			} else {
				char *s = json_dumps(e, JSON_ENCODE_ANY);
				json_object_set_new(m, k, json_string(s));
				free(s);
			}
		}
	}
	json_object_set(obj, key, m);
	return 0;
}

static void str_to_list(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);
	if (json_is_string(v))
		json_object_set_new(obj, key, json_pack("[O]", v));
}

static int command(json_t *obj, const char *key, const char *path, json_t *pos, struct berr **err)
{
	json_t *v = json_object_get(obj, key), *words;
	if (!json_is_string(v))
		return 0;
	if (cmp_shell_split(json_string_value(v), &words, err) < 0) {
		autofree char *p = cmp_norm_sub(path, key);
		return berr_wrap(err, "%s: %s", cmp_where(pos, p), p);
	}
	json_object_set_new(obj, key, words);
	return 0;
}

static bool is_url(const char *s)
{
	return strstr(s, "://") || !strncmp(s, "git@", 4) || !strncmp(s, "github.com/", 11);
}

static int file_ref(json_t *e, json_t *out, const char *path, json_t *pos, const void *ctx,
		    struct berr **err);

static int build(json_t *svc, const char *dir, const char *path, json_t *pos, struct berr **err)
{
	json_t *b = json_object_get(svc, "build");
	if (!b || json_is_null(b))
		return 0;
	if (json_is_string(b)) {
		json_object_set_new(svc, "build", json_pack("{sO}", "context", b));
		b = json_object_get(svc, "build");
	}
	const char *ctx = json_string_value(json_object_get(b, "context"));
	if (!ctx)
		ctx = ".";
	autofree char *abs = is_url(ctx) ? xstrdup(ctx) : cmp_abs_path(dir, ctx);
	json_object_set_new(b, "context", json_string(abs));
	if (!json_object_get(b, "dockerfile") && !json_object_get(b, "dockerfile_inline"))
		json_object_set_new(b, "dockerfile", json_string("Dockerfile"));
	autofree char *p = cmp_norm_sub(path, "build");
	int r = list_to_map(b, "args", false, p, pos, err);
	if (r == 0)
		r = list_to_map(b, "labels", true, p, pos, err);
	if (r == 0)
		r = cmp_norm_each(b, "secrets", false, p, pos, file_ref, NULL, err);
	return r;
}

static bool known(const char *const *keys, const char *k)
{
	if (!strncmp(k, "x-", 2))
		return true;
	for (; *keys; keys++)
		if (!strcmp(*keys, k))
			return true;
	return false;
}

int cmp_norm_unknown_keys(json_t *obj, const char *const *keys, const char *path, json_t *pos,
			  struct berr **err)
{
	const char *k;
	json_t *v;
	json_object_foreach(obj, k, v) if (!known(keys, k))
	{
		autofree char *p = cmp_norm_sub(path, k);
		return cmp_errf(err, pos, p, "unknown key '%s'", k);
	}
	return 0;
}

/* Not interpolated (config --no-interpolate), an entry that holds a variable stays as written,
 * as compose-go's transform.Canonical keeps a value it cannot parse when interpolation is
 * skipped. */
bool cmp_norm_uninterpolated(bool raw, json_t *e)
{
	return raw && json_is_string(e) && strchr(json_string_value(e), '$');
}

int cmp_norm_each(json_t *svc, const char *key, bool raw, const char *path, json_t *pos,
		  int (*one)(json_t *e, json_t *out, const char *path, json_t *pos, const void *ctx,
			     struct berr **err),
		  const void *ctx, struct berr **err)
{
	json_t *v = json_object_get(svc, key);
	if (!v || json_is_null(v))
		return 0;
	autofree char *kp = cmp_norm_sub(path, key);
	if (!json_is_array(v))
		return cmp_errf(err, pos, kp, "must be a sequence");
	json_auto_t *out = json_array();
	size_t i;
	json_t *e;
	json_array_foreach(v, i, e)
	{
		autofree char *p = cmp_norm_item(kp, i);
		int r = 0;
		if (cmp_norm_uninterpolated(raw, e))
			json_array_append(out, e);
		else
			r = one(e, out, p, pos, ctx, err);
		if (r < 0)
			return r;
	}
	json_object_set(svc, key, out);
	return 0;
}

static const char *const depends_keys[] = {"condition", "restart", "required", NULL};

static int depends_on(json_t *svc, const char *path, json_t *pos, struct berr **err)
{
	json_t *v = json_object_get(svc, "depends_on");
	if (!v || json_is_null(v))
		return 0;
	autofree char *dp = cmp_norm_sub(path, "depends_on");
	size_t i;
	const char *k;
	json_t *e;
	if (json_is_array(v)) {
		json_auto_t *m = json_object();
		json_array_foreach(v, i, e)
		{
			if (!json_is_string(e)) {
				autofree char *p = cmp_norm_item(dp, i);
				return cmp_errf(err, pos, p, "must be a service's name");
			}
			json_object_set_new(
			    m, json_string_value(e),
			    json_pack("{sssb}", "condition", "service_started", "required", 1));
		}
		json_object_set(svc, "depends_on", m);
		return 0;
	}
	if (!json_is_object(v))
		return cmp_errf(err, pos, dp, "must be a sequence or a mapping");
	json_object_foreach(v, k, e)
	{
		autofree char *p = cmp_norm_sub(dp, k);
		if (json_is_null(e)) {
			e = json_object();
			json_object_set_new(v, k, e);
		}
		if (!json_is_object(e))
			return cmp_errf(err, pos, p, "must be a mapping");
		int r = cmp_norm_unknown_keys(e, depends_keys, p, pos, err);
		if (r < 0)
			return r;
		const char *c = json_string_value(json_object_get(e, "condition"));
		if (!c)
			json_object_set_new(e, "condition", json_string("service_started"));
		else if (strcmp(c, "service_started") && strcmp(c, "service_healthy") &&
			 strcmp(c, "service_completed_successfully"))
			return cmp_errf(err, pos, p, "unknown condition '%s'", c);
		if (!json_object_get(e, "required"))
			json_object_set_new(e, "required", json_true());
	}
	return 0;
}

static const char *const svc_net_keys[] = {
    "aliases",     "ipv4_address", "ipv6_address", "link_local_ips", "priority",
    "mac_address", "driver_opts",  "gw_priority",  "interface_name", NULL};

static int networks(json_t *svc, const char *path, json_t *pos, struct berr **err)
{
	json_t *v = json_object_get(svc, "networks");
	if (!v || json_is_null(v))
		return 0;
	autofree char *np = cmp_norm_sub(path, "networks");
	size_t i;
	const char *k;
	json_t *e;
	if (json_is_array(v)) {
		json_t *m = json_object();
		json_array_foreach(v, i, e)
		{
			if (!json_is_string(e)) {
				json_decref(m);
				autofree char *p = cmp_norm_item(np, i);
				return cmp_errf(err, pos, p, "must be a network's name");
			}
			json_object_set_new(m, json_string_value(e), json_null());
		}
		json_object_set_new(svc, "networks", m);
		return 0;
	}
	if (!json_is_object(v))
		return cmp_errf(err, pos, np, "must be a sequence or a mapping");
	json_object_foreach(v, k, e)
	{
		autofree char *p = cmp_norm_sub(np, k);
		if (json_is_null(e))
			continue;
		if (!json_is_object(e))
			return cmp_errf(err, pos, p, "must be a mapping or null");
		int r = cmp_norm_unknown_keys(e, svc_net_keys, p, pos, err);
		if (r < 0)
			return r;
	}
	return 0;
}

/* secrets/configs of a service: "name" → {source: name}. */
static int file_ref(json_t *e, json_t *out, const char *path, json_t *pos, const void *ctx,
		    struct berr **err)
{
	if (json_is_string(e)) {
		json_array_append_new(out, json_pack("{sO}", "source", e));
		return 0;
	}
	if (!json_is_object(e) || !json_is_string(json_object_get(e, "source")))
		return cmp_errf(err, pos, path, "must be a name or a mapping with a source");
	int r = cmp_schema_file_ref(e, path, pos, err);
	if (r < 0)
		return r;
	json_array_append(out, e);
	return 0;
}

/* env_file: a path or a list of paths or {path, required, format} → [{path, required}]. */
static int env_file(json_t *svc, const char *dir, const char *path, json_t *pos, struct berr **err)
{
	str_to_list(svc, "env_file");
	json_t *v = json_object_get(svc, "env_file");
	if (!v || json_is_null(v))
		return 0;
	autofree char *ep = cmp_norm_sub(path, "env_file");
	if (!json_is_array(v))
		return cmp_errf(err, pos, ep, "must be a string or a sequence");
	size_t i;
	json_t *e;
	json_array_foreach(v, i, e)
	{
		autofree char *p = cmp_norm_item(ep, i);
		json_t *o = json_is_string(e) ? json_pack("{sO}", "path", e) : json_deep_copy(e);
		const char *f = json_string_value(json_object_get(o, "path"));
		if (!f) {
			json_decref(o);
			return cmp_errf(err, pos, p, "must be a path or a mapping with a path");
		}
		autofree char *abs = cmp_abs_path(dir, f);
		json_object_set_new(o, "path", json_string(abs));
		if (!json_object_get(o, "required"))
			json_object_set_new(o, "required", json_true());
		json_array_set_new(v, i, o);
	}
	return 0;
}

/* devices: "/dev/a[:/dev/b[:rwm]]" → {source, target, permissions}. */
static int devices(json_t *svc, const char *path, json_t *pos, struct berr **err)
{
	json_t *v = json_object_get(svc, "devices");
	if (!json_is_array(v))
		return 0;
	size_t i;
	json_t *e;
	json_array_foreach(v, i, e)
	{
		if (!json_is_string(e))
			continue;
		autofree char *s = xstrdup(json_string_value(e));
		char *src = s, *dst = strchr(s, ':'), *perm = NULL;
		if (dst) {
			*dst++ = 0;
			perm = strchr(dst, ':');
			if (perm)
				*perm++ = 0;
		}
		json_array_set_new(v, i,
				   json_pack("{ssssss}", "source", src, "target", dst ? dst : src,
					     "permissions", perm ? perm : "rwm"));
	}
	return 0;
}

static int healthcheck(json_t *svc)
{
	json_t *h = json_object_get(svc, "healthcheck");
	json_t *t = json_object_get(h, "test");
	if (json_is_string(t))
		json_object_set_new(h, "test", json_pack("[sO]", "CMD-SHELL", t));
	return 0;
}

static int service(json_t *svc, const char *dir, bool raw, const char *path, json_t *pos,
		   struct berr **err)
{
	int r = build(svc, dir, path, pos, err);
	/* a command string is split when the project is made (compose-go's ShellCommand), not
	 * in the model that --no-interpolate prints */
	if (r == 0 && !raw)
		r = command(svc, "command", path, pos, err);
	if (r == 0 && !raw)
		r = command(svc, "entrypoint", path, pos, err);
	if (r == 0)
		r = list_to_map(svc, "environment", false, path, pos, err);
	if (r == 0)
		r = list_to_map(svc, "labels", true, path, pos, err);
	if (r == 0)
		r = list_to_map(svc, "annotations", true, path, pos, err);
	if (r == 0)
		r = list_to_map(svc, "sysctls", true, path, pos, err);
	if (r == 0)
		r = env_file(svc, dir, path, pos, err);
	if (r == 0)
		r = cmp_norm_ports(svc, raw, path, pos, err);
	if (r == 0)
		r = cmp_norm_expose(svc, path, pos, err);
	if (r == 0)
		r = cmp_norm_volumes(svc, dir, raw, path, pos, err);
	if (r == 0)
		r = depends_on(svc, path, pos, err);
	if (r == 0)
		r = networks(svc, path, pos, err);
	if (r == 0)
		r = cmp_norm_each(svc, "secrets", false, path, pos, file_ref, NULL, err);
	if (r == 0)
		r = cmp_norm_each(svc, "configs", false, path, pos, file_ref, NULL, err);
	if (r == 0)
		r = devices(svc, path, pos, err);
	if (r == 0)
		r = healthcheck(svc);
	str_to_list(svc, "dns");
	str_to_list(svc, "dns_search");
	str_to_list(svc, "tmpfs");
	json_t *ext = json_object_get(svc, "extends");
	if (json_is_string(ext))
		json_object_set_new(svc, "extends", json_pack("{sO}", "service", ext));
	return r;
}

int cmp_normalize_file(json_t *file, const char *dir, bool raw, json_t *pos, struct berr **err)
{
	const char *k;
	json_t *v;
	json_t *svcs = json_object_get(file, "services");
	json_object_foreach(svcs, k, v)
	{
		if (json_is_null(v)) {
			v = json_object();
			json_object_set_new(svcs, k, v);
		}
		autofree char *p = xasprintf("services.%s", k);
		int r = service(v, dir, raw, p, pos, err);
		if (r < 0)
			return r;
	}
	static const char *const sections[] = {"networks", "volumes", "secrets", "configs"};
	for (size_t i = 0; i < 4; i++) {
		json_t *sec = json_object_get(file, sections[i]);
		json_object_foreach(sec, k, v)
		{
			if (json_is_null(v)) {
				v = json_object();
				json_object_set_new(sec, k, v);
			}
			const char *f = json_string_value(json_object_get(v, "file"));
			if (f && i >= 2) {
				autofree char *abs = cmp_abs_path(dir, f);
				json_object_set_new(v, "file", json_string(abs));
			}
			if (i < 2) {
				autofree char *p = xasprintf("%s.%s", sections[i], k);
				int r = list_to_map(v, "labels", true, p, pos, err);
				if (r < 0)
					return r;
			}
		}
	}
	return 0;
}
