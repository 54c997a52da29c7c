/* Image references (see reference.h). The grammar is distribution/reference's:
 *   name            := [domain "/"] path-component ("/" path-component)*
 *   domain          := host [":" port]; host := dns-label ("." dns-label)* | "[" ipv6 "]"
 *   path-component  := alnum+ (separator alnum+)*; alnum := [a-z0-9]; separator := "." | "_" |
 *                      "__" | "-"+
 *   tag             := [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}
 *   digest          := "sha256:" 64 lower-case hex */
#include "image/reference.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util/digest.h"
#include "util/err.h"
#include "util/xalloc.h"

static int invalid(struct berr **err, const char *why, const char *s)
{
	return berr_plain(err, EINVAL, "invalid reference format: %s: '%s'", why, s);
}

static bool valid_tag(const char *t)
{
	size_t n = strlen(t);
	if (n == 0 || n > 128 || !(isalnum((unsigned char)t[0]) || t[0] == '_'))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!(isalnum((unsigned char)t[i]) || strchr("_.-", t[i])))
			return false;
	return true;
}

/* One path component; sets *upper when a capital letter is the only fault. */
static bool valid_component(const char *c, size_t n, bool *upper)
{
	size_t i = 0;
	for (;;) {
		size_t run = 0;
		while (i < n && (islower((unsigned char)c[i]) || isdigit((unsigned char)c[i]) ||
				 isupper((unsigned char)c[i]))) {
			*upper |= isupper((unsigned char)c[i]) != 0;
			i++;
			run++;
		}
		if (run == 0)
			return false;
		if (i == n)
			return true;
		/* separator: ".", "_", "__" or one or more "-" */
		if (c[i] == '.' || (c[i] == '_' && (i + 1 >= n || c[i + 1] != '_')))
			i++;
		else if (c[i] == '_')
			i += 2;
		else if (c[i] == '-')
			while (i < n && c[i] == '-')
				i++;
		else
			return false;
	}
}

static bool valid_path(const char *p, bool *upper)
{
	for (;;) {
		const char *slash = strchr(p, '/');
		size_t n = slash ? (size_t)(slash - p) : strlen(p);
		if (!valid_component(p, n, upper))
			return false;
		if (!slash)
			return true;
		p = slash + 1;
	}
}

static bool valid_label(const char *s, size_t n)
{
	if (n == 0 || !isalnum((unsigned char)s[0]) || !isalnum((unsigned char)s[n - 1]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-')
			return false;
	return true;
}

static bool valid_domain(const char *d)
{
	const char *port = NULL;
	if (d[0] == '[') { /* IPv6 literal */
		const char *close = strchr(d, ']');
		if (!close || close == d + 1)
			return false;
		for (const char *c = d + 1; c < close; c++)
			if (!isxdigit((unsigned char)*c) && *c != ':')
				return false;
		if (close[1] && close[1] != ':')
			return false;
		port = close[1] ? close + 2 : NULL;
	} else {
		const char *colon = strchr(d, ':');
		size_t host_len = colon ? (size_t)(colon - d) : strlen(d);
		const char *label = d;
		while (label < d + host_len) {
			const char *dot = memchr(label, '.', (size_t)(d + host_len - label));
			size_t n = dot ? (size_t)(dot - label) : (size_t)(d + host_len - label);
			if (!valid_label(label, n))
				return false;
			label += n + (dot ? 1 : 0);
			if (dot && label == d + host_len)
				return false; /* trailing dot */
		}
		if (host_len == 0)
			return false;
		port = colon ? colon + 1 : NULL;
	}
	if (port) {
		if (!*port)
			return false;
		for (const char *c = port; *c; c++)
			if (!isdigit((unsigned char)*c))
				return false;
	}
	return true;
}

/* Docker's rule: the first component is a registry when it has a "." or ":", is "localhost",
 * or has a capital letter (which a path component may not have). */
static bool is_domain(const char *first, size_t n)
{
	if ((n == 9 && !strncmp(first, "localhost", 9)) || first[0] == '[')
		return true;
	for (size_t i = 0; i < n; i++)
		if (first[i] == '.' || first[i] == ':' || isupper((unsigned char)first[i]))
			return true;
	return false;
}

static int split_name(char *name, const char *s, struct img_ref *out, struct berr **err)
{
	char *slash = strchr(name, '/');
	if (slash && is_domain(name, (size_t)(slash - name))) {
		*slash = '\0';
		out->domain = xstrdup(name);
		out->path = xstrdup(slash + 1);
		if (!valid_domain(out->domain))
			return invalid(err, "bad registry name", s);
	} else {
		out->domain = xstrdup(IMG_REF_DEFAULT_DOMAIN);
		out->path = xstrdup(name);
	}
	if (!strcmp(out->domain, "index.docker.io")) {
		free(out->domain);
		out->domain = xstrdup(IMG_REF_DEFAULT_DOMAIN);
	}
	bool upper = false;
	if (!valid_path(out->path, &upper))
		return invalid(err, "bad repository name", s);
	if (upper)
		return invalid(err, "repository name must be lowercase", s);
	if (!strcmp(out->domain, IMG_REF_DEFAULT_DOMAIN) && !strchr(out->path, '/')) {
		char *p = xasprintf("library/%s", out->path);
		free(out->path);
		out->path = p;
	}
	if (strlen(out->domain) + 1 + strlen(out->path) > IMG_REF_NAME_MAX)
		return invalid(err, "repository name longer than 255 characters", s);
	return 0;
}

int img_ref_parse(const char *s, struct img_ref *out, struct berr **err)
{
	memset(out, 0, sizeof(*out));
	if (!s || !*s)
		return invalid(err, "empty", s ? s : "");
	for (const char *c = s; *c; c++)
		if (isspace((unsigned char)*c) || iscntrl((unsigned char)*c))
			return invalid(err, "white space or control character", s);
	autofree char *name = xstrdup(s);
	char *at = strchr(name, '@');
	if (at) {
		*at = '\0';
		char hex[SHA256_HEX_LEN + 1];
		if (digest_parse(at + 1, hex, NULL) < 0) {
			img_ref_clear(out);
			return invalid(err, "bad digest (want sha256:<64 hex>)", s);
		}
		out->digest = xstrdup(at + 1);
	}
	char *colon = strrchr(name, ':');
	if (colon && !strchr(colon, '/')) {
		*colon = '\0';
		if (!valid_tag(colon + 1)) {
			img_ref_clear(out);
			return invalid(err, "bad tag", s);
		}
		out->tag = xstrdup(colon + 1);
	}
	int r = *name ? split_name(name, s, out, err) : invalid(err, "no repository name", s);
	if (r < 0) {
		img_ref_clear(out);
		return r;
	}
	if (!out->tag && !out->digest)
		out->tag = xstrdup("latest");
	return 0;
}

void img_ref_clear(struct img_ref *r)
{
	free(r->domain);
	free(r->path);
	free(r->tag);
	free(r->digest);
	memset(r, 0, sizeof(*r));
}

char *img_ref_repository(const struct img_ref *r)
{
	return xasprintf("%s/%s", r->domain, r->path);
}

char *img_ref_string(const struct img_ref *r)
{
	return xasprintf("%s/%s%s%s%s%s", r->domain, r->path, r->tag ? ":" : "",
			 r->tag ? r->tag : "", r->digest ? "@" : "", r->digest ? r->digest : "");
}

char *img_ref_familiar(const struct img_ref *r)
{
	if (strcmp(r->domain, IMG_REF_DEFAULT_DOMAIN))
		return img_ref_repository(r);
	if (!strncmp(r->path, "library/", 8) && !strchr(r->path + 8, '/'))
		return xstrdup(r->path + 8);
	return xstrdup(r->path);
}
