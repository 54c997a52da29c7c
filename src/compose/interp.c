/* Interpolation as the Compose Specification defines it (and compose-go's template package
 * implements): `$$` is a literal `$`, names are [A-Za-z_][A-Za-z0-9_]*, the braced forms take
 * a default, an alternative or an error message which may hold variables themselves
 * (`${A:-${B}}`). The colon forms treat an empty value as unset. Also the .env parser, whose
 * values are interpolated the same way. */
#include "compose/interp.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/cleanup.h"
#include "util/err.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

static bool name_start(char c)
{
	return isalpha((unsigned char)c) || c == '_';
}

static bool name_char(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

static int expand(const char *s, size_t len, json_t *vars, json_t *warnings, int depth,
		  struct strbuf *b, struct berr **err);

/* ${...}: body is what lies between the braces. */
static int braced(const char *body, size_t len, json_t *vars, json_t *warnings, int depth,
		  struct strbuf *b, struct berr **err)
{
	size_t n = 0;
	while (n < len && name_char(body[n]))
		n++;
	if (n == 0 || !name_start(body[0]))
		return berr_plain(err, EINVAL, "invalid interpolation format for '${%.*s}'",
				  (int)len, body);
	autofree char *name = xstrndup(body, n);
	const char *val = json_string_value(json_object_get(vars, name));
	if (n == len) {
		if (!val) {
			if (warnings)
				json_array_append_new(
				    warnings, json_sprintf("The \"%s\" variable is not set. "
							   "Defaulting to a blank string.",
							   name));
			val = "";
		}
		strbuf_add(b, val, strlen(val));
		return 0;
	}
	bool colon = body[n] == ':';
	size_t op = n + colon;
	if (op >= len || !strchr("-?+", body[op]))
		return berr_plain(err, EINVAL, "invalid interpolation format for '${%.*s}'",
				  (int)len, body);
	const char *arg = body + op + 1;
	size_t arg_len = len - op - 1;
	bool set = val && (!colon || *val);
	switch (body[op]) {
	case '-':
		if (set) {
			strbuf_add(b, val, strlen(val));
			return 0;
		}
		return expand(arg, arg_len, vars, warnings, depth + 1, b, err);
	case '+':
		return set ? expand(arg, arg_len, vars, warnings, depth + 1, b, err) : 0;
	default: {
		if (set) {
			strbuf_add(b, val, strlen(val));
			return 0;
		}
		struct strbuf m = {0};
		int r = expand(arg, arg_len, vars, warnings, depth + 1, &m, err);
		if (r == 0)
			r = berr_plain(err, EINVAL, "required variable %s is missing a value%s%s",
				       name, m.len ? ": " : "", m.len ? m.s : "");
		free(m.s);
		return r;
	}
	}
}

static int expand(const char *s, size_t len, json_t *vars, json_t *warnings, int depth,
		  struct strbuf *b, struct berr **err)
{
	if (depth > 16)
		return berr_plain(err, EINVAL, "interpolation nested deeper than 16 levels");
	strbuf_add(b, "", 0);
	for (size_t i = 0; i < len;) {
		if (s[i] != '$') {
			size_t j = i;
			while (j < len && s[j] != '$')
				j++;
			strbuf_add(b, s + i, j - i);
			i = j;
			continue;
		}
		if (i + 1 < len && s[i + 1] == '$') {
			strbuf_add(b, "$", 1);
			i += 2;
		} else if (i + 1 < len && s[i + 1] == '{') {
			size_t j = i + 2;
			int open = 1;
			for (; j < len; j++) {
				if (s[j] == '{' && s[j - 1] == '$')
					open++;
				else if (s[j] == '}' && --open == 0)
					break;
			}
			if (j >= len)
				return berr_plain(err, EINVAL,
						  "invalid interpolation format: '%.*s' has no "
						  "closing brace",
						  (int)(len - i), s + i);
			int r = braced(s + i + 2, j - i - 2, vars, warnings, depth, b, err);
			if (r < 0)
				return r;
			i = j + 1;
		} else if (i + 1 < len && name_start(s[i + 1])) {
			size_t j = i + 1;
			while (j < len && name_char(s[j]))
				j++;
			int r = braced(s + i + 1, j - i - 1, vars, warnings, depth, b, err);
			if (r < 0)
				return r;
			i = j;
		} else {
			return berr_plain(err, EINVAL,
					  "invalid interpolation format: you may need to escape "
					  "any $ with another $");
		}
	}
	return 0;
}

int cmp_interpolate(const char *s, json_t *vars, json_t *warnings, char **out, struct berr **err)
{
	struct strbuf b = {0};
	int r = expand(s, strlen(s), vars, warnings, 0, &b, err);
	if (r < 0) {
		free(b.s);
		return r;
	}
	*out = b.s;
	return 0;
}

const char *cmp_where(json_t *pos, const char *path)
{
	autofree char *p = xstrdup(path);
	for (;;) {
		const char *w = json_string_value(json_object_get(pos, p));
		if (w)
			return w;
		char *cut = strrchr(p, '.');
		char *br = strrchr(p, '[');
		if (br && (!cut || br > cut))
			cut = br;
		if (!cut)
			return "";
		*cut = 0;
	}
}

static int one(json_t *v, const char *path, json_t *vars, json_t *pos, json_t *warnings,
	       json_t **out, struct berr **err)
{
	*out = NULL;
	if (json_is_string(v)) {
		if (!strchr(json_string_value(v), '$'))
			return 0;
		char *s = NULL;
		int r = cmp_interpolate(json_string_value(v), vars, warnings, &s, err);
		if (r < 0)
			return berr_wrap(err, "%s: %s", cmp_where(pos, path), path);
		*out = json_string(s);
		free(s);
		if (!*out)
			return berr_plain(err, EINVAL, "%s: %s: not UTF-8", cmp_where(pos, path),
					  path);
		return 0;
	}
	return cmp_interpolate_tree(v, path, vars, pos, warnings, err);
}

int cmp_interpolate_tree(json_t *node, const char *path, json_t *vars, json_t *pos,
			 json_t *warnings, struct berr **err)
{
	int r = 0;
	if (json_is_object(node)) {
		const char *k;
		json_t *v, *nv;
		json_object_foreach(node, k, v)
		{
			autofree char *p = *path ? xasprintf("%s.%s", path, k) : xstrdup(k);
			if ((r = one(v, p, vars, pos, warnings, &nv, err)) < 0)
				return r;
			if (nv)
				json_object_set_new(node, k, nv);
		}
	} else if (json_is_array(node)) {
		size_t i;
		json_t *v, *nv;
		json_array_foreach(node, i, v)
		{
			autofree char *p = xasprintf("%s[%zu]", path, i);
			if ((r = one(v, p, vars, pos, warnings, &nv, err)) < 0)
				return r;
			if (nv)
				json_array_set_new(node, i, nv);
		}
	}
	return 0;
}

/* One value of a .env line: quotes, escapes, a trailing comment. */
static int env_value(const char *v, const char *file, unsigned line, json_t *vars, json_t *out,
		     json_t **res, struct berr **err)
{
	size_t n = strlen(v);
	if (n > 0 && v[0] == '\'') {
		const char *end = strchr(v + 1, '\'');
		if (!end)
			return berr_plain(err, EINVAL, "%s:%u: unterminated quote", file, line);
		*res = json_stringn_nocheck(v + 1, end - v - 1);
		return 0;
	}
	struct strbuf raw = {0};
	strbuf_add(&raw, "", 0);
	if (n > 0 && v[0] == '"') {
		size_t i = 1;
		for (; i < n && v[i] != '"'; i++) {
			char c = v[i];
			if (c == '\\' && i + 1 < n) {
				c = v[++i];
				c = c == 'n' ? '\n' : c == 't' ? '\t' : c == 'r' ? '\r' : c;
			}
			strbuf_add(&raw, &c, 1);
		}
		if (i >= n) {
			free(raw.s);
			return berr_plain(err, EINVAL, "%s:%u: unterminated quote", file, line);
		}
	} else {
		const char *hash = strstr(v, " #");
		size_t len = hash ? (size_t)(hash - v) : n;
		while (len > 0 && isspace((unsigned char)v[len - 1]))
			len--;
		strbuf_add(&raw, v, len);
	}
	/* earlier lines of the file first, then the environment */
	json_t *scope = json_deep_copy(vars);
	json_object_update(scope, out);
	struct strbuf b = {0};
	int r = expand(raw.s, raw.len, scope, NULL, 0, &b, err);
	json_decref(scope);
	free(raw.s);
	if (r < 0) {
		free(b.s);
		return berr_wrap(err, "%s:%u", file, line);
	}
	*res = json_string(b.s ? b.s : "");
	free(b.s);
	if (!*res)
		return berr_plain(err, EINVAL, "%s:%u: not UTF-8", file, line);
	return 0;
}

int cmp_env_parse(const char *text, size_t len, const char *file, json_t *vars, json_t *out,
		  struct berr **err)
{
	unsigned line = 0;
	for (size_t i = 0; i < len;) {
		size_t j = i;
		while (j < len && text[j] != '\n')
			j++;
		autofree char *l = xstrndup(text + i, j - i);
		i = j + 1;
		line++;
		char *s = l;
		while (isspace((unsigned char)*s))
			s++;
		size_t n = strlen(s);
		while (n > 0 && isspace((unsigned char)s[n - 1]))
			s[--n] = 0;
		if (!*s || *s == '#')
			continue;
		if (!strncmp(s, "export ", 7))
			for (s += 7; isspace((unsigned char)*s);)
				s++;
		char *eq = strchr(s, '=');
		size_t kl = eq ? (size_t)(eq - s) : strlen(s);
		while (kl > 0 && isspace((unsigned char)s[kl - 1]))
			kl--;
		autofree char *key = xstrndup(s, kl);
		bool ok = kl > 0 && name_start(key[0]);
		for (size_t k = 0; ok && k < kl; k++)
			ok = name_char(key[k]) || key[k] == '.' || key[k] == '-';
		if (!ok)
			return berr_plain(err, EINVAL, "%s:%u: invalid variable name '%s'", file,
					  line, key);
		if (!eq) {
			/* a bare name takes the environment's value, if any */
			json_t *v = json_object_get(vars, key);
			if (v)
				json_object_set(out, key, v);
			continue;
		}
		const char *v = eq + 1;
		while (*v == ' ' || *v == '\t')
			v++;
		json_t *val = NULL;
		int r = env_value(v, file, line, vars, out, &val, err);
		if (r < 0)
			return r;
		json_object_set_new(out, key, val);
	}
	return 0;
}
