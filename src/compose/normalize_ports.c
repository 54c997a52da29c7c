/* ports and expose of a service in their long forms (normalize_parts.h): a port is
 * {mode, host_ip, target, published, protocol} with published a string, as `docker compose
 * config` (v2) prints it; a short one's ranges expanded as Docker's nat.ParsePortSpec does. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compose/normalize_parts.h"
#include "compose/schema.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/xalloc.h"

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

static int port_long(json_t *e, json_t *out, const char *path, json_t *pos, struct berr **err)
{
	int r = cmp_norm_unknown_keys(e, port_keys, path, pos, err);
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

static int port_one(json_t *e, json_t *out, const char *path, json_t *pos, const void *ctx,
		    struct berr **err)
{
	if (json_is_integer(e)) {
		json_array_append_new(out, port_entry(NULL, json_integer_value(e), NULL, "tcp"));
		return 0;
	}
	if (json_is_string(e))
		return port_short(json_string_value(e), out, path, pos, err);
	if (json_is_object(e))
		return port_long(e, out, path, pos, err);
	return cmp_errf(err, pos, path, "a port must be a string, an integer or a mapping");
}

int cmp_norm_ports(json_t *svc, bool raw, const char *path, json_t *pos, struct berr **err)
{
	return cmp_norm_each(svc, "ports", raw, path, pos, port_one, NULL, err);
}

int cmp_norm_expose(json_t *svc, const char *path, json_t *pos, struct berr **err)
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
