/* Kubernetes' resource quantities ("128Mi", "500m") and base64 for Secret data (kube.h). */
#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kube/kube.h"
#include "util/xalloc.h"

/* The number and its suffix; false when the number part is not one. */
static bool number(const char *s, double *out, const char **suffix)
{
	if (!s || !*s || isspace((unsigned char)*s))
		return false;
	char *end = NULL;
	double v = strtod(s, &end);
	if (end == s || !isfinite(v) || v < 0)
		return false;
	*out = v;
	*suffix = end;
	return true;
}

int64_t kube_quantity_bytes(const char *s)
{
	static const struct {
		const char *sfx;
		double mul;
	} units[] = {{"", 1},
		     {"k", 1e3},
		     {"M", 1e6},
		     {"G", 1e9},
		     {"T", 1e12},
		     {"P", 1e15},
		     {"Ki", 1024.0},
		     {"Mi", 1024.0 * 1024},
		     {"Gi", 1024.0 * 1024 * 1024},
		     {"Ti", 1024.0 * 1024 * 1024 * 1024},
		     {"Pi", 1024.0 * 1024 * 1024 * 1024 * 1024},
		     {"m", 1e-3}};
	double v;
	const char *sfx;
	if (!number(s, &v, &sfx))
		return -1;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(sfx, units[i].sfx))
			continue;
		double b = ceil(v * units[i].mul);
		return b > 9.2e18 ? -1 : (int64_t)b;
	}
	return -1;
}

double kube_quantity_cpus(const char *s)
{
	double v;
	const char *sfx;
	if (!number(s, &v, &sfx))
		return -1;
	if (!*sfx)
		return v;
	if (!strcmp(sfx, "m"))
		return v / 1000;
	return -1;
}

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *kube_base64_encode(const void *data, size_t len)
{
	const unsigned char *p = data;
	char *out = xmalloc(4 * ((len + 2) / 3) + 1), *o = out;
	for (size_t i = 0; i < len; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16;
		if (i + 1 < len)
			v |= (uint32_t)p[i + 1] << 8;
		if (i + 2 < len)
			v |= p[i + 2];
		*o++ = b64[v >> 18 & 63];
		*o++ = b64[v >> 12 & 63];
		*o++ = i + 1 < len ? b64[v >> 6 & 63] : '=';
		*o++ = i + 2 < len ? b64[v & 63] : '=';
	}
	*o = '\0';
	return out;
}

char *kube_base64_decode(const char *text, size_t *out_len)
{
	size_t n = strlen(text);
	char *out = xmalloc(n / 4 * 3 + 4);
	size_t o = 0, pad = 0;
	uint32_t acc = 0;
	int bits = 0;
	size_t seen = 0;
	for (size_t i = 0; i < n; i++) {
		char c = text[i];
		if (c == '\n' || c == '\r')
			continue;
		seen++;
		if (c == '=') {
			pad++;
			continue;
		}
		const char *at = c ? strchr(b64, c) : NULL;
		if (!at || pad) {
			free(out);
			return NULL;
		}
		acc = acc << 6 | (uint32_t)(at - b64);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (char)(acc >> bits & 0xff);
		}
	}
	if (seen % 4 || pad > 2) {
		free(out);
		return NULL;
	}
	out[o] = '\0';
	*out_len = o;
	return out;
}
