/* -p specs, and the host ports a running container holds (see port.h). */
#include "engine/port.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/addr.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/xalloc.h"

#define PORTS_MAX 1024

/* "80" or "8000-8010" into [lo, hi]; an empty text is [0, 0] when empty_ok. */
static int parse_range(const char *s, bool empty_ok, unsigned *lo, unsigned *hi)
{
	if (!*s) {
		*lo = *hi = 0;
		return empty_ok ? 0 : -1;
	}
	char *end = NULL;
	long a = strtol(s, &end, 10), b = a;
	if (end == s)
		return -1;
	if (*end == '-') {
		const char *t = end + 1;
		b = strtol(t, &end, 10);
		if (end == t)
			return -1;
	}
	if (*end || a < 1 || b < a || b > 65535)
		return -1;
	*lo = (unsigned)a;
	*hi = (unsigned)b;
	return 0;
}

/* [ip:][host:]container[/proto] into its parts (pointers into buf). */
static int split_spec(char *buf, char **ip, char **host, char **cont, char **proto)
{
	*ip = NULL;
	*host = NULL;
	*proto = "tcp";
	char *slash = strrchr(buf, '/');
	if (slash) {
		*slash = '\0';
		*proto = slash + 1;
	}
	char *rest = buf;
	if (*rest == '[') {
		char *close = strchr(rest, ']');
		if (!close || close[1] != ':')
			return -1;
		*close = '\0';
		*ip = rest + 1;
		rest = close + 2;
	}
	char *c1 = strchr(rest, ':');
	if (!c1) {
		*cont = rest;
		return *ip ? -1 : 0;
	}
	char *c2 = strchr(c1 + 1, ':');
	*c1 = '\0';
	if (c2) {
		if (*ip)
			return -1;
		*c2 = '\0';
		*ip = rest;
		*host = c1 + 1;
		*cont = c2 + 1;
		return strchr(*cont, ':') ? -1 : 0;
	}
	*host = rest;
	*cont = c1 + 1;
	return 0;
}

static void add_binding(json_t *out, const char *key, const char *ip, unsigned host_port)
{
	json_t *list = json_object_get(out, key);
	if (!list) {
		list = json_array();
		json_object_set_new(out, key, list);
	}
	char hp[12] = "";
	if (host_port)
		snprintf(hp, sizeof(hp), "%u", host_port);
	json_array_append_new(list,
			      json_pack("{s:s, s:s}", "HostIp", ip ? ip : "", "HostPort", hp));
}

/* HostPort "8000-8010", as Docker records a range for one container port. */
static void add_binding_range(json_t *out, const char *key, const char *ip, const char *range)
{
	add_binding(out, key, ip, 0);
	json_t *list = json_object_get(out, key);
	json_object_set_new(json_array_get(list, json_array_size(list) - 1), "HostPort",
			    json_string(range));
}

int eng_port_parse(char *const *specs, json_t *out, json_t *exposed, struct berr **err)
{
	for (char *const *p = specs; p && *p; p++) {
		autofree char *buf = xstrdup(*p);
		char *ip, *host, *cont, *proto;
		unsigned hlo = 0, hhi = 0, clo, chi;
		struct net_addr a;
		if (split_spec(buf, &ip, &host, &cont, &proto) < 0 ||
		    parse_range(cont, false, &clo, &chi) < 0 ||
		    (host && parse_range(host, true, &hlo, &hhi) < 0) ||
		    (ip && *ip && (net_addr_parse(ip, &a) < 0 || strchr(ip, '/'))))
			return berr_plain(err, EINVAL, "invalid published port '%s'", *p);
		if (strcmp(proto, "tcp") && strcmp(proto, "udp"))
			return berr_plain(
			    err, EINVAL, "invalid published port '%s': protocol must be tcp or udp",
			    *p);
		/* a host range for one container port: the first free port in it, at start */
		bool pick = hlo && hhi > hlo && chi == clo;
		if (hlo && !pick && hhi - hlo != chi - clo)
			return berr_plain(err, EINVAL,
					  "invalid ranges specified for container and host ports "
					  "in '%s'",
					  *p);
		if (json_object_size(out) + (chi - clo) >= PORTS_MAX)
			return berr_plain(err, E2BIG, "more than %d published ports", PORTS_MAX);
		for (unsigned i = 0; i <= chi - clo; i++) {
			char key[16];
			snprintf(key, sizeof(key), "%u/%s", clo + i, proto);
			if (pick)
				add_binding_range(out, key, ip && *ip ? ip : NULL, host);
			else
				add_binding(out, key, ip && *ip ? ip : NULL, hlo ? hlo + i : 0);
			if (exposed)
				json_object_set_new(exposed, key, json_object());
		}
	}
	return 0;
}

int eng_port_expose(char *const *specs, json_t *exposed, struct berr **err)
{
	for (char *const *p = specs; p && *p; p++) {
		autofree char *buf = xstrdup(*p);
		char *slash = strrchr(buf, '/');
		const char *proto = slash ? slash + 1 : "tcp";
		if (slash)
			*slash = '\0';
		unsigned lo, hi;
		if (parse_range(buf, false, &lo, &hi) < 0)
			return berr_plain(err, EINVAL, "invalid range format for --expose: %s", *p);
		if (strcmp(proto, "tcp") && strcmp(proto, "udp"))
			return berr_plain(err, EINVAL,
					  "invalid --expose '%s': protocol must be tcp or udp", *p);
		if (json_object_size(exposed) + (hi - lo) >= PORTS_MAX)
			return berr_plain(err, E2BIG, "more than %d exposed ports", PORTS_MAX);
		for (unsigned i = lo; i <= hi; i++) {
			char key[16];
			snprintf(key, sizeof(key), "%u/%s", i, proto);
			json_object_set_new(exposed, key, json_object());
		}
	}
	return 0;
}

/* ---- holds ---- */

static int hold(int family, const char *proto, const char *ip, uint16_t want,
		struct eng_port_hold *out, struct berr **err)
{
	bool udp = !strcmp(proto, "udp");
	int fd = socket(family, (udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return berr_set(err, errno, "socket for a published port");
	struct sockaddr_storage ss = {0};
	socklen_t len;
	int on = 1;
	if (family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(want);
		if (inet_pton(AF_INET6, ip, &s6->sin6_addr) != 1)
			s6->sin6_addr = in6addr_any;
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on));
		len = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
		s4->sin_family = AF_INET;
		s4->sin_port = htons(want);
		if (inet_pton(AF_INET, ip, &s4->sin_addr) != 1)
			s4->sin_addr.s_addr = htonl(INADDR_ANY);
		len = sizeof(*s4);
	}
	if (bind(fd, (struct sockaddr *)&ss, len) < 0) {
		int e = errno;
		(void)close(fd);
		if (e == EADDRINUSE)
			return berr_plain(
			    err, EADDRINUSE, "Bind for %s%s%s:%u failed: port is already allocated",
			    family == AF_INET6 ? "[" : "", ip, family == AF_INET6 ? "]" : "", want);
		return berr_set(err, e, "bind %s:%u", ip, want);
	}
	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0) {
		int e = errno;
		(void)close(fd);
		return berr_set(err, e, "getsockname");
	}
	out->fd = fd;
	out->family = family;
	snprintf(out->proto, sizeof(out->proto), "%s", proto);
	snprintf(out->host_ip, sizeof(out->host_ip), "%s", ip);
	out->host_port = ntohs(family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
						  : ((struct sockaddr_in *)&ss)->sin_port);
	return 0;
}

void eng_port_release(struct eng_port_hold *h, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (h[i].fd >= 0)
			(void)close(h[i].fd);
	free(h);
}

/* Host port want (0: the kernel's pick) for container port `port`: v4 (or ip's family) and,
 * for any address, the same port on :: too where the host has IPv6. All of it or nothing. */
static int hold_at(unsigned port, const char *proto, const char *ip, unsigned want, bool v6,
		   struct eng_port_hold **h, size_t *n, struct berr **err)
{
	bool any = !ip || !*ip;
	int family = !any && strchr(ip, ':') ? AF_INET6 : AF_INET;
	*h = xrealloc(*h, (*n + 2) * sizeof(**h));
	struct eng_port_hold *a = &(*h)[*n];
	int r = hold(family, proto, any ? "0.0.0.0" : ip, (uint16_t)want, a, err);
	if (r < 0)
		return r; /* -EADDRINUSE when taken: a range tries its next port */
	a->any = any;
	a->port = (uint16_t)port;
	if (any && v6) {
		struct eng_port_hold *b = &(*h)[*n + 1];
		struct berr *e6 = NULL;
		if (hold(AF_INET6, proto, "::", a->host_port, b, &e6) == 0) {
			b->any = true;
			b->port = (uint16_t)port;
			*n += 2;
			return 0;
		}
		if (berr_code(e6) == EADDRINUSE) { /* else no IPv6 here: v4 alone */
			(void)close(a->fd);
			*err = e6;
			return -EADDRINUSE;
		}
		berr_free(e6);
	}
	(*n)++;
	return 0;
}

/* One binding of key ("80/tcp") to hostport: a port, a range ("8000-8010": the first free
 * one in it, as Docker's) or none (the kernel's pick). */
static int reserve_one(const char *key, const char *ip, const char *hostport, bool v6,
		       struct eng_port_hold **h, size_t *n, struct berr **err)
{
	unsigned port = 0;
	char proto[8] = "tcp";
	if (sscanf(key, "%u/%7s", &port, proto) < 1 || port < 1 || port > 65535)
		return berr_plain(err, EINVAL, "bad port '%s'", key);
	unsigned lo = 0, hi = 0;
	if (hostport && *hostport && parse_range(hostport, false, &lo, &hi) < 0)
		return berr_plain(err, EINVAL, "bad host port '%s'", hostport);
	for (unsigned want = lo;; want++) {
		struct berr *e = NULL;
		int r = hold_at(port, proto, ip, want, v6, h, n, &e);
		if (r == 0 || r != -EADDRINUSE || want >= hi) {
			if (r == -EADDRINUSE && lo < hi) {
				berr_free(e);
				return berr_plain(err, EADDRINUSE,
						  "Bind for %s:%s failed: all ports are allocated",
						  ip && *ip ? ip : "0.0.0.0", hostport);
			}
			if (r < 0 && err && !*err)
				*err = e;
			else
				berr_free(e);
			return r;
		}
		berr_free(e);
	}
}

int eng_port_reserve(json_t *bindings, json_t *exposed, bool publish_all, bool v6,
		     struct eng_port_hold **out, size_t *out_n, struct berr **err)
{
	struct eng_port_hold *h = NULL;
	size_t n = 0;
	const char *key;
	json_t *list;
	int r = 0;
	json_object_foreach(bindings, key, list)
	{
		size_t i;
		json_t *b;
		json_array_foreach(list, i, b)
		{
			if (r == 0)
				r = reserve_one(key,
						json_string_value(json_object_get(b, "HostIp")),
						json_string_value(json_object_get(b, "HostPort")),
						v6, &h, &n, err);
		}
	}
	json_t *v;
	json_object_foreach(exposed, key, v)
	{
		if (r == 0 && publish_all && !json_object_get(bindings, key))
			r = reserve_one(key, NULL, NULL, v6, &h, &n, err);
	}
	if (r < 0) {
		eng_port_release(h, n);
		return r;
	}
	*out = h;
	*out_n = n;
	return 0;
}

json_t *eng_port_settings(json_t *exposed, json_t *bindings, const struct eng_port_hold *h,
			  size_t n)
{
	json_t *ports = json_object();
	const char *key;
	json_t *v;
	json_object_foreach(exposed, key, v) json_object_set_new(ports, key, json_null());
	json_object_foreach(bindings, key, v) json_object_set_new(ports, key, json_null());
	for (size_t i = 0; i < n; i++) {
		char k[24], hp[12];
		snprintf(k, sizeof(k), "%u/%s", h[i].port, h[i].proto);
		snprintf(hp, sizeof(hp), "%u", h[i].host_port);
		json_t *list = json_object_get(ports, k);
		if (!json_is_array(list)) {
			list = json_array();
			json_object_set_new(ports, k, list);
		}
		json_array_append_new(
		    list, json_pack("{s:s, s:s}", "HostIp", h[i].host_ip, "HostPort", hp));
	}
	return ports;
}

void eng_port_specs(const struct eng_port_hold *h, size_t n, char *tcp, char *udp, size_t cap)
{
	snprintf(tcp, cap, "none");
	snprintf(udp, cap, "none");
	size_t lt = 0, lu = 0;
	for (size_t i = 0; i < n; i++) {
		bool is_udp = !strcmp(h[i].proto, "udp");
		char *buf = is_udp ? udp : tcp;
		size_t *len = is_udp ? &lu : &lt;
		if (*len >= cap - 1)
			continue;
		*len += (size_t)snprintf(buf + *len, cap - *len, "%s%s%s%u:%u", *len ? "," : "",
					 h[i].any ? "" : h[i].host_ip, h[i].any ? "" : "/",
					 h[i].host_port, h[i].port);
	}
}
