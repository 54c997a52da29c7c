/* Typed getters over one Kubernetes document, failing with its file, line and key (check.h). */
#include "kube/check.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/cleanup.h"
#include "util/err.h"
#include "util/json.h"
#include "util/xalloc.h"

char *kpath(const char *path, const char *key)
{
	return path && *path ? xasprintf("%s.%s", path, key) : xstrdup(key);
}

char *kpath_i(const char *path, size_t i)
{
	return xasprintf("%s[%zu]", path, i);
}

/* The line of path, else of the nearest parent the parser recorded. */
static const char *where(const struct kdoc *d, const char *path)
{
	autofree char *p = xstrdup(path ? path : "");
	while (*p) {
		const char *at = json_string_value(json_object_get(d->pos, p));
		if (at)
			return at;
		char *cut = strrchr(p, '.');
		char *br = strrchr(p, '[');
		if (br && (!cut || br > cut))
			cut = br;
		if (!cut)
			break;
		*cut = '\0';
	}
	return d->file;
}

int kfail(const struct kdoc *d, const char *path, struct berr **err, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (path && *path)
		return berr_plain(err, EINVAL, "%s: %s: %s: %s", where(d, path), d->what, path,
				  msg);
	return berr_plain(err, EINVAL, "%s: %s: %s", where(d, path), d->what, msg);
}

void kwarn(const struct kdoc *d, const char *path, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	json_array_append_new(d->warnings,
			      json_sprintf("%s: %s: %s: %s", where(d, path), d->what, path, msg));
}

static bool listed(const char *const *l, const char *k)
{
	for (size_t i = 0; l && l[i]; i++)
		if (!strcmp(l[i], k))
			return true;
	return false;
}

int kkeys(const struct kdoc *d, json_t *obj, const char *path, const char *const *known,
	  const char *const *inert, struct berr **err)
{
	const char *k;
	json_t *v;
	json_object_foreach(obj, k, v)
	{
		if (listed(known, k))
			continue;
		autofree char *p = kpath(path, k);
		if (!listed(inert, k))
			return kfail(d, p, err, "unknown key");
		kwarn(d, p, "ignored (berth has no use for it)");
	}
	return 0;
}

static int typed(const struct kdoc *d, json_t *obj, const char *path, const char *key, json_t **out,
		 bool (*ok)(const json_t *), const char *what, struct berr **err)
{
	json_t *v = json_object_get(obj, key);
	if (!v || json_is_null(v))
		return 0;
	if (!ok(v)) {
		autofree char *p = kpath(path, key);
		return kfail(d, p, err, "must be %s", what);
	}
	*out = v;
	return 0;
}

static bool is_obj(const json_t *v)
{
	return json_is_object(v);
}
static bool is_arr(const json_t *v)
{
	return json_is_array(v);
}
static bool is_str(const json_t *v)
{
	return json_is_string(v);
}
static bool is_bool(const json_t *v)
{
	return json_is_boolean(v);
}
static bool is_int(const json_t *v)
{
	return json_is_integer(v);
}

int kobj(const struct kdoc *d, json_t *obj, const char *path, const char *key, json_t **out,
	 struct berr **err)
{
	return typed(d, obj, path, key, out, is_obj, "a mapping", err);
}

int karr(const struct kdoc *d, json_t *obj, const char *path, const char *key, json_t **out,
	 struct berr **err)
{
	return typed(d, obj, path, key, out, is_arr, "a list", err);
}

int kstr(const struct kdoc *d, json_t *obj, const char *path, const char *key, const char **out,
	 struct berr **err)
{
	json_t *v = NULL;
	int r = typed(d, obj, path, key, &v, is_str, "a string", err);
	if (r == 0 && v)
		*out = json_string_value(v);
	return r;
}

int kstr_req(const struct kdoc *d, json_t *obj, const char *path, const char *key, const char **out,
	     struct berr **err)
{
	const char *s = NULL;
	int r = kstr(d, obj, path, key, &s, err);
	if (r < 0)
		return r;
	if (!s || !*s) {
		autofree char *p = kpath(path, key);
		return kfail(d, p, err, "required");
	}
	*out = s;
	return 0;
}

int kbool(const struct kdoc *d, json_t *obj, const char *path, const char *key, bool *out,
	  struct berr **err)
{
	json_t *v = NULL;
	int r = typed(d, obj, path, key, &v, is_bool, "true or false", err);
	if (r == 0 && v)
		*out = json_is_true(v);
	return r;
}

int kint(const struct kdoc *d, json_t *obj, const char *path, const char *key, int64_t min,
	 int64_t max, int64_t *out, struct berr **err)
{
	json_t *v = NULL;
	int r = typed(d, obj, path, key, &v, is_int, "an integer", err);
	if (r < 0 || !v)
		return r;
	json_int_t n = json_integer_value(v);
	if (n < min || n > max) {
		autofree char *p = kpath(path, key);
		return kfail(d, p, err, "must be %lld to %lld", (long long)min, (long long)max);
	}
	*out = n;
	return 0;
}

int kstrs(const struct kdoc *d, json_t *obj, const char *path, const char *key, json_t **out,
	  struct berr **err)
{
	json_t *a = NULL;
	int r = karr(d, obj, path, key, &a, err);
	size_t i;
	json_t *v;
	json_array_foreach(a, i, v)
	{
		if (r == 0 && !json_is_string(v)) {
			autofree char *p = kpath(path, key);
			autofree char *pi = kpath_i(p, i);
			r = kfail(d, pi, err, "must be a string");
		}
	}
	if (r == 0 && a)
		*out = a;
	return r;
}

int kmap(const struct kdoc *d, json_t *obj, const char *path, const char *key, json_t **out,
	 struct berr **err)
{
	json_t *m = NULL;
	int r = kobj(d, obj, path, key, &m, err);
	const char *k;
	json_t *v;
	json_object_foreach(m, k, v)
	{
		if (r == 0 && !json_is_string(v)) {
			autofree char *p = kpath(path, key);
			autofree char *pk = kpath(p, k);
			r = kfail(d, pk, err, "must be a string");
		}
	}
	if (r == 0 && m)
		*out = m;
	return r;
}

int kname(const struct kdoc *d, const char *path, const char *name, size_t max, struct berr **err)
{
	size_t n = strlen(name);
	bool ok = n > 0 && n <= max && isalnum((unsigned char)name[0]) &&
		  isalnum((unsigned char)name[n - 1]);
	for (size_t i = 0; ok && i < n; i++)
		ok = islower((unsigned char)name[i]) || isdigit((unsigned char)name[i]) ||
		     name[i] == '-' || name[i] == '.';
	if (!ok)
		return kfail(d, path, err,
			     "'%s' is not a valid name: lower-case letters, digits, '-' and '.', "
			     "at most %zu, starting and ending with a letter or digit",
			     name, max);
	return 0;
}
