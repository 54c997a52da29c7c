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

static char *sub(const char *path, const char *key)
{
	return xasprintf("%s.%s", path, key);
}

static char *item(const char *path, size_t i)
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
	json_t *null_value = empty ? json_string("") : json_null();
	json_t *m = json_object();
	size_t i;
	json_t *e;
	if (json_is_array(v)) {
		json_array_foreach(v, i, e)
		{
			const char *s = json_string_value(e);
			const char *eq = strchr(s, '=');
			autofree char *k = eq ? xstrndup(s, eq - s) : xstrdup(s);
			if (!*k) {
				json_decref(m);
				json_decref(null_value);
				autofree char *p = item(path, i);
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
	json_object_set_new(obj, key, m);
	json_decref(null_value);
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
		autofree char *p = sub(path, key);
		return berr_wrap(err, "%s: %s", cmp_where(pos, p), p);
	}
	json_object_set_new(obj, key, words);
	return 0;
}

static bool is_url(const char *s)
{
	return strstr(s, "://") || !strncmp(s, "git@", 4) || !strncmp(s, "github.com/", 11);
}

static int file_refs(json_t *svc, const char *key, const char *path, json_t *pos,
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
	autofree char *p = sub(path, "build");
	int r = list_to_map(b, "args", false, p, pos, err);
	if (r == 0)
		r = list_to_map(b, "labels", true, p, pos, err);
	if (r == 0)
		r = file_refs(b, "secrets", p, pos, err);
	return r;
}

static int port_num(const char *s, long *lo, long *hi)
{
	char *end;
	*lo = strtol(s, &end, 10);
	*hi = *lo;
	if (end == s || *lo < 0 || *lo > 65535)
		return -1;
	if (*end == '-') {
		const char *h = end + 1;
		*hi = strtol(h, &end, 10);
		if (end == h || *hi < *lo || *hi > 65535)
			return -1;
	}
	return *end ? -1 : 0;
}

static json_t *port_entry(const char *ip, long target, const char *published, const char *proto)
{
	json_t *e = json_pack("{ss}", "mode", "ingress");
	if (ip && *ip)
		json_object_set_new(e, "host_ip", json_string(ip));
	json_object_set_new(e, "target", json_integer(target));
	if (published && *published)
		json_object_set_new(e, "published", json_string(published));
	json_object_set_new(e, "protocol", json_string(proto));
	return e;
}

/* [HOST_IP:][HOST[-HOST]:]CONTAINER[-CONTAINER][/PROTOCOL], ranges expanded as Docker's
 * nat.ParsePortSpec does. */
static int port_short(const char *spec, json_t *out, const char *path, json_t *pos,
		      struct berr **err)
{
	autofree char *s = xstrdup(spec);
	const char *proto = "tcp";
	char *slash = strrchr(s, '/');
	if (slash) {
		*slash = 0;
		proto = slash + 1;
	}
	char *ip = NULL, *host = NULL, *cont = s;
	if (s[0] == '[') {
		char *close = strchr(s, ']');
		if (!close || close[1] != ':')
			return cmp_errf(err, pos, path, "invalid port '%s'", spec);
		*close = 0;
		ip = s + 1;
		host = close + 2;
	}
	char *c1 = strrchr(host ? host : s, ':');
	if (c1) {
		*c1 = 0;
		cont = c1 + 1;
		if (!host) {
			host = s;
			char *c0 = strrchr(s, ':');
			if (c0) {
				*c0 = 0;
				ip = s;
				host = c0 + 1;
			}
		}
	} else if (host) {
		cont = host;
		host = NULL;
	}
	long clo, chi, hlo = 0, hhi = 0;
	bool has_host = host && *host;
	if (port_num(cont, &clo, &chi) < 0 || (has_host && port_num(host, &hlo, &hhi) < 0) ||
	    (strcmp(proto, "tcp") && strcmp(proto, "udp") && strcmp(proto, "sctp")))
		return cmp_errf(err, pos, path, "invalid port '%s'", spec);
	if (has_host && chi != clo && hhi - hlo != chi - clo)
		return cmp_errf(err, pos, path,
				"invalid ranges specified for container and host ports in '%s'",
				spec);
	for (long p = clo; p <= chi; p++) {
		char pub[32] = "";
		if (has_host && chi != clo)
			snprintf(pub, sizeof pub, "%ld", hlo + (p - clo));
		else if (has_host)
			snprintf(pub, sizeof pub, hlo == hhi ? "%ld" : "%ld-%ld", hlo, hhi);
		json_array_append_new(out, port_entry(ip, p, pub, proto));
	}
	return 0;
}

static const char *const port_keys[] = {"name",      "mode",     "host_ip",      "target",
					"published", "protocol", "app_protocol", NULL};

static bool known(const char *const *keys, const char *k)
{
	if (!strncmp(k, "x-", 2))
		return true;
	for (; *keys; keys++)
		if (!strcmp(*keys, k))
			return true;
	return false;
}

static int unknown_keys(json_t *obj, const char *const *keys, const char *path, json_t *pos,
			struct berr **err)
{
	const char *k;
	json_t *v;
	json_object_foreach(obj, k, v) if (!known(keys, k))
	{
		autofree char *p = sub(path, k);
		return cmp_errf(err, pos, p, "unknown key '%s'", k);
	}
	return 0;
}

static int port_long(json_t *e, json_t *out, const char *path, json_t *pos, struct berr **err)
{
	int r = unknown_keys(e, port_keys, path, pos, err);
	if (r < 0)
		return r;
	json_t *t = json_object_get(e, "target");
	if (json_is_string(t)) {
		long lo, hi;
		if (port_num(json_string_value(t), &lo, &hi) < 0 || lo != hi)
			return cmp_errf(err, pos, path, "invalid target '%s'",
					json_string_value(t));
		json_object_set_new(e, "target", json_integer(lo));
	} else if (!json_is_integer(t)) {
		return cmp_errf(err, pos, path, "a port needs a target (an integer)");
	}
	json_t *pub = json_object_get(e, "published");
	if (json_is_integer(pub))
		json_object_set_new(e, "published",
				    json_sprintf("%" JSON_INTEGER_FORMAT, json_integer_value(pub)));
	else if (pub && !json_is_string(pub))
		return cmp_errf(err, pos, path, "published must be a string or an integer");
	if (!json_object_get(e, "mode"))
		json_object_set_new(e, "mode", json_string("ingress"));
	if (!json_object_get(e, "protocol"))
		json_object_set_new(e, "protocol", json_string("tcp"));
	json_array_append(out, e);
	return 0;
}

/* Not interpolated (config --no-interpolate), an entry that holds a variable stays as written,
 * as compose-go's transform.Canonical keeps a value it cannot parse when interpolation is
 * skipped. */
static bool uninterpolated(bool raw, json_t *e)
{
	return raw && json_is_string(e) && strchr(json_string_value(e), '$');
}

static int ports(json_t *svc, bool raw, const char *path, json_t *pos, struct berr **err)
{
	json_t *v = json_object_get(svc, "ports");
	if (!v || json_is_null(v))
		return 0;
	autofree char *pp = sub(path, "ports");
	if (!json_is_array(v))
		return cmp_errf(err, pos, pp, "must be a sequence");
	json_t *out = json_array();
	size_t i;
	json_t *e;
	int r = 0;
	json_array_foreach(v, i, e)
	{
		autofree char *p = item(pp, i);
		if (uninterpolated(raw, e))
			json_array_append(out, e);
		else if (json_is_integer(e))
			json_array_append_new(out,
					      port_entry(NULL, json_integer_value(e), NULL, "tcp"));
		else if (json_is_string(e))
			r = port_short(json_string_value(e), out, p, pos, err);
		else if (json_is_object(e))
			r = port_long(e, out, p, pos, err);
		else
			r = cmp_errf(err, pos, p,
				     "a port must be a string, an integer or a mapping");
		if (r < 0)
			break;
	}
	if (r < 0) {
		json_decref(out);
		return r;
	}
	json_object_set_new(svc, "ports", out);
	return 0;
}

static int expose(json_t *svc, const char *path, json_t *pos, struct berr **err)
{
	json_t *v = json_object_get(svc, "expose");
	if (!json_is_array(v))
		return v && !json_is_null(v)
			   ? cmp_errf(err, pos, path, "expose: must be a sequence")
			   : 0;
	size_t i;
	json_t *e;
	json_array_foreach(v, i, e)
	{
		if (json_is_integer(e))
			json_array_set_new(
			    v, i, json_sprintf("%" JSON_INTEGER_FORMAT, json_integer_value(e)));
		else if (!json_is_string(e)) {
			autofree char *p = xasprintf("%s.expose[%zu]", path, i);
			return cmp_errf(err, pos, p, "must be a string or an integer");
		}
	}
	return 0;
}

static const char *const volume_keys[] = {"type", "source", "target", "read_only", "consistency",
					  "bind", "volume", "tmpfs",  "image",     NULL};

static bool is_path(const char *s)
{
	return s[0] == '/' || s[0] == '.' || s[0] == '~';
}

/* SOURCE:TARGET[:MODE], TARGET alone an anonymous volume; MODE is a comma list of ro, rw,
 * z, Z, nocopy, a propagation, a consistency (as compose-go's ParseVolume). */
static int volume_short(const char *spec, const char *dir, json_t *out, const char *path,
			json_t *pos, struct berr **err)
{
	autofree char *s = xstrdup(spec);
	char *parts[4] = {0};
	int n = 0;
	for (char *p = s, *tok; (tok = strsep(&p, ":"));) {
		if (n == 3)
			return cmp_errf(err, pos, path, "invalid volume '%s'", spec);
		parts[n++] = tok;
	}
	json_t *v = json_object();
	if (n == 1) {
		json_object_set_new(v, "type", json_string("volume"));
		json_object_set_new(v, "target", json_string(parts[0]));
		json_object_set_new(v, "volume", json_object());
		json_array_append_new(out, v);
		return 0;
	}
	if (!*parts[0] || !*parts[1]) {
		json_decref(v);
		return cmp_errf(err, pos, path, "invalid volume '%s'", spec);
	}
	bool bind = is_path(parts[0]);
	json_object_set_new(v, "type", json_string(bind ? "bind" : "volume"));
	autofree char *src = bind ? cmp_abs_path(dir, parts[0]) : xstrdup(parts[0]);
	json_object_set_new(v, "source", json_string(src));
	json_object_set_new(v, "target", json_string(parts[1]));
	json_t *opts = bind ? json_pack("{sb}", "create_host_path", 1) : json_object();
	for (char *m = parts[2], *tok; m && (tok = strsep(&m, ","));) {
		if (!strcmp(tok, "ro"))
			json_object_set_new(v, "read_only", json_true());
		else if (!strcmp(tok, "rw"))
			;
		else if (!strcmp(tok, "z") || !strcmp(tok, "Z"))
			json_object_set_new(opts, "selinux", json_string(tok));
		else if (!strcmp(tok, "nocopy") && !bind)
			json_object_set_new(opts, "nocopy", json_true());
		else if (strstr(":shared:rshared:slave:rslave:private:rprivate:", tok) && bind &&
			 *tok)
			json_object_set_new(opts, "propagation", json_string(tok));
		else if (!strcmp(tok, "consistent") || !strcmp(tok, "cached") ||
			 !strcmp(tok, "delegated"))
			json_object_set_new(v, "consistency", json_string(tok));
		else {
			json_decref(v);
			json_decref(opts);
			return cmp_errf(err, pos, path, "invalid mode '%s' in volume '%s'", tok,
					spec);
		}
	}
	json_object_set_new(v, bind ? "bind" : "volume", opts);
	json_array_append_new(out, v);
	return 0;
}

static int volume_long(json_t *e, const char *dir, json_t *out, const char *path, json_t *pos,
		       struct berr **err)
{
	int r = unknown_keys(e, volume_keys, path, pos, err);
	if (r < 0)
		return r;
	const char *type = json_string_value(json_object_get(e, "type"));
	if (!type || !strstr(" bind volume tmpfs npipe cluster image ", type) || !*type ||
	    strchr(type, ' '))
		return cmp_errf(err, pos, path,
				"a volume needs a type (bind, volume, tmpfs, npipe, cluster, "
				"image)");
	if (!json_is_string(json_object_get(e, "target")))
		return cmp_errf(err, pos, path, "a volume needs a target (a string)");
	const char *src = json_string_value(json_object_get(e, "source"));
	if (!strcmp(type, "bind")) {
		if (!src)
			return cmp_errf(err, pos, path, "a bind mount needs a source");
		autofree char *abs = cmp_abs_path(dir, src);
		json_object_set_new(e, "source", json_string(abs));
	}
	json_t *ro = json_object_get(e, "read_only");
	if (json_is_string(ro))
		json_object_set_new(e, "read_only",
				    json_boolean(!strcmp(json_string_value(ro), "true")));
	json_array_append(out, e);
	return 0;
}

static int volumes(json_t *svc, const char *dir, bool raw, const char *path, json_t *pos,
		   struct berr **err)
{
	json_t *v = json_object_get(svc, "volumes");
	if (!v || json_is_null(v))
		return 0;
	autofree char *vp = sub(path, "volumes");
	if (!json_is_array(v))
		return cmp_errf(err, pos, vp, "must be a sequence");
	json_t *out = json_array();
	size_t i;
	json_t *e;
	int r = 0;
	json_array_foreach(v, i, e)
	{
		autofree char *p = item(vp, i);
		if (uninterpolated(raw, e))
			json_array_append(out, e);
		else if (json_is_string(e))
			r = volume_short(json_string_value(e), dir, out, p, pos, err);
		else if (json_is_object(e))
			r = volume_long(e, dir, out, p, pos, err);
		else
			r = cmp_errf(err, pos, p, "a volume must be a string or a mapping");
		if (r < 0)
			break;
	}
	if (r < 0) {
		json_decref(out);
		return r;
	}
	json_object_set_new(svc, "volumes", out);
	return 0;
}

static const char *const depends_keys[] = {"condition", "restart", "required", NULL};

static int depends_on(json_t *svc, const char *path, json_t *pos, struct berr **err)
{
	json_t *v = json_object_get(svc, "depends_on");
	if (!v || json_is_null(v))
		return 0;
	autofree char *dp = sub(path, "depends_on");
	json_t *m = json_object();
	size_t i;
	const char *k;
	json_t *e;
	if (json_is_array(v)) {
		json_array_foreach(v, i, e)
		{
			if (!json_is_string(e)) {
				json_decref(m);
				autofree char *p = item(dp, i);
				return cmp_errf(err, pos, p, "must be a service's name");
			}
			json_object_set_new(
			    m, json_string_value(e),
			    json_pack("{sssb}", "condition", "service_started", "required", 1));
		}
		json_object_set_new(svc, "depends_on", m);
		return 0;
	}
	json_decref(m);
	if (!json_is_object(v))
		return cmp_errf(err, pos, dp, "must be a sequence or a mapping");
	json_object_foreach(v, k, e)
	{
		autofree char *p = sub(dp, k);
		if (json_is_null(e)) {
			e = json_object();
			json_object_set_new(v, k, e);
		}
		if (!json_is_object(e))
			return cmp_errf(err, pos, p, "must be a mapping");
		int r = unknown_keys(e, depends_keys, p, pos, err);
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
	autofree char *np = sub(path, "networks");
	size_t i;
	const char *k;
	json_t *e;
	if (json_is_array(v)) {
		json_t *m = json_object();
		json_array_foreach(v, i, e)
		{
			if (!json_is_string(e)) {
				json_decref(m);
				autofree char *p = item(np, i);
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
		autofree char *p = sub(np, k);
		if (json_is_null(e))
			continue;
		if (!json_is_object(e))
			return cmp_errf(err, pos, p, "must be a mapping or null");
		int r = unknown_keys(e, svc_net_keys, p, pos, err);
		if (r < 0)
			return r;
	}
	return 0;
}

/* secrets/configs of a service: "name" → {source: name}. */
static int file_refs(json_t *svc, const char *key, const char *path, json_t *pos, struct berr **err)
{
	json_t *v = json_object_get(svc, key);
	if (!v || json_is_null(v))
		return 0;
	autofree char *kp = sub(path, key);
	if (!json_is_array(v))
		return cmp_errf(err, pos, kp, "must be a sequence");
	size_t i;
	json_t *e;
	json_array_foreach(v, i, e)
	{
		autofree char *p = item(kp, i);
		if (json_is_string(e)) {
			json_array_set_new(v, i, json_pack("{sO}", "source", e));
			continue;
		}
		if (!json_is_object(e) || !json_is_string(json_object_get(e, "source")))
			return cmp_errf(err, pos, p, "must be a name or a mapping with a source");
		int r = cmp_schema_file_ref(e, p, pos, err);
		if (r < 0)
			return r;
	}
	return 0;
}

/* env_file: a path or a list of paths or {path, required, format} → [{path, required}]. */
static int env_file(json_t *svc, const char *dir, const char *path, json_t *pos, struct berr **err)
{
	str_to_list(svc, "env_file");
	json_t *v = json_object_get(svc, "env_file");
	if (!v || json_is_null(v))
		return 0;
	autofree char *ep = sub(path, "env_file");
	if (!json_is_array(v))
		return cmp_errf(err, pos, ep, "must be a string or a sequence");
	size_t i;
	json_t *e;
	json_array_foreach(v, i, e)
	{
		autofree char *p = item(ep, i);
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
		r = ports(svc, raw, path, pos, err);
	if (r == 0)
		r = expose(svc, path, pos, err);
	if (r == 0)
		r = volumes(svc, dir, raw, path, pos, err);
	if (r == 0)
		r = depends_on(svc, path, pos, err);
	if (r == 0)
		r = networks(svc, path, pos, err);
	if (r == 0)
		r = file_refs(svc, "secrets", path, pos, err);
	if (r == 0)
		r = file_refs(svc, "configs", path, pos, err);
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
