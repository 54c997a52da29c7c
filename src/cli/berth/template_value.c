/* The values of berth's templates: see template_value.h. */
#include "cli/berth/template_value.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/cleanup.h"
#include "util/err.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

/* ---- values ---- */

int tmpl_cmp_keys(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* As Go's fmt prints a value with %v. NULL is a missing key. */
void tmpl_print(struct strbuf *b, json_t *v)
{
	char num[64];
	if (!v) {
		strbuf_adds(b, "<no value>");
	} else if (json_is_string(v)) {
		strbuf_add(b, json_string_value(v), json_string_length(v));
	} else if (json_is_integer(v)) {
		snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(v));
		strbuf_adds(b, num);
	} else if (json_is_real(v)) {
		snprintf(num, sizeof(num), "%g", json_real_value(v));
		strbuf_adds(b, num);
	} else if (json_is_boolean(v)) {
		strbuf_adds(b, json_is_true(v) ? "true" : "false");
	} else if (json_is_null(v)) {
		strbuf_adds(b, "<nil>");
	} else if (json_is_array(v)) {
		strbuf_adds(b, "[");
		for (size_t i = 0; i < json_array_size(v); i++) {
			if (i)
				strbuf_adds(b, " ");
			tmpl_print(b, json_array_get(v, i));
		}
		strbuf_adds(b, "]");
	} else {
		size_t n = json_object_size(v), i = 0;
		const char **keys = xcalloc(n + 1, sizeof(char *));
		const char *k;
		json_t *val;
		json_object_foreach(v, k, val) keys[i++] = k;
		qsort(keys, n, sizeof(char *), tmpl_cmp_keys);
		strbuf_adds(b, "map[");
		for (i = 0; i < n; i++) {
			if (i)
				strbuf_adds(b, " ");
			strbuf_adds(b, keys[i]);
			strbuf_adds(b, ":");
			tmpl_print(b, json_object_get(v, keys[i]));
		}
		strbuf_adds(b, "]");
		free(keys);
	}
}

static char *to_string(json_t *v)
{
	struct strbuf b = {0};
	strbuf_adds(&b, "");
	tmpl_print(&b, v);
	return b.s;
}

bool tmpl_truthy(json_t *v)
{
	if (!v || json_is_null(v) || json_is_false(v))
		return false;
	if (json_is_string(v))
		return json_string_length(v) > 0;
	if (json_is_integer(v))
		return json_integer_value(v) != 0;
	if (json_is_real(v))
		return json_real_value(v) != 0;
	if (json_is_array(v))
		return json_array_size(v) > 0;
	if (json_is_object(v))
		return json_object_size(v) > 0;
	return true;
}

/* ---- functions ---- */

static json_t *fn_index(json_t **a, size_t n, struct berr **err)
{
	json_t *v = a[0];
	for (size_t i = 1; i < n && v; i++) {
		if (json_is_array(v) && json_is_integer(a[i])) {
			json_int_t k = json_integer_value(a[i]);
			if (k < 0 || (size_t)k >= json_array_size(v)) {
				berr_plain(err, ERANGE, "template: index out of range: %lld",
					   (long long)k);
				return NULL;
			}
			v = json_array_get(v, (size_t)k);
		} else if (json_is_object(v) && json_is_string(a[i])) {
			v = json_object_get(v, json_string_value(a[i]));
		} else {
			berr_plain(err, EINVAL, "template: can't index that value");
			return NULL;
		}
	}
	return json_incref(v);
}

static json_t *fn_join(json_t **a, struct berr **err)
{
	if (!json_is_array(a[0]) || !json_is_string(a[1])) {
		berr_plain(err, EINVAL, "template: join wants a list and a separator");
		return NULL;
	}
	struct strbuf b = {0};
	strbuf_adds(&b, "");
	for (size_t i = 0; i < json_array_size(a[0]); i++) {
		if (i)
			strbuf_adds(&b, json_string_value(a[1]));
		tmpl_print(&b, json_array_get(a[0], i));
	}
	json_t *r = json_string(b.s);
	free(b.s);
	return r;
}

static json_t *fn_case(json_t *v, int mode)
{
	autofree char *s = to_string(v);
	bool start = true;
	for (char *p = s; *p; p++) {
		if (mode == 0)
			*p = (char)toupper((unsigned char)*p);
		else if (mode == 1)
			*p = (char)tolower((unsigned char)*p);
		else if (start)
			*p = (char)toupper((unsigned char)*p);
		start = isspace((unsigned char)*p);
	}
	return json_string(s);
}

static json_t *fn_split(json_t **a, struct berr **err)
{
	if (!json_is_string(a[0]) || !json_is_string(a[1]) || !json_string_length(a[1])) {
		berr_plain(err, EINVAL, "template: split wants a string and a separator");
		return NULL;
	}
	json_t *out = json_array();
	const char *s = json_string_value(a[0]), *sep = json_string_value(a[1]);
	for (;;) {
		const char *hit = strstr(s, sep);
		if (!hit) {
			json_array_append_new(out, json_string(s));
			return out;
		}
		json_array_append_new(out, json_stringn(s, (size_t)(hit - s)));
		s = hit + strlen(sep);
	}
}

static json_t *fn_printf(json_t **a, size_t n, struct berr **err)
{
	if (n == 0 || !json_is_string(a[0])) {
		berr_plain(err, EINVAL, "template: printf wants a format");
		return NULL;
	}
	struct strbuf b = {0};
	strbuf_adds(&b, "");
	size_t next = 1;
	for (const char *f = json_string_value(a[0]); *f; f++) {
		if (*f != '%' || !f[1]) {
			strbuf_add(&b, f, 1);
			continue;
		}
		char c = *++f;
		if (c == '%') {
			strbuf_adds(&b, "%");
			continue;
		}
		json_t *v = next < n ? a[next++] : NULL;
		if (c == 'q') {
			autofree char *s = to_string(v);
			json_t *j = json_string(s);
			autofree char *q = json_dumps(j, JSON_ENCODE_ANY);
			json_decref(j);
			strbuf_adds(&b, q);
		} else {
			tmpl_print(&b, v);
		}
	}
	json_t *r = json_string(b.s);
	free(b.s);
	return r;
}

static const struct {
	const char *name;
	size_t min, max;
} arity[] = {{"json", 1, 1},     {"index", 1, 15},  {"join", 2, 2},  {"len", 1, 1},
	     {"upper", 1, 1},    {"lower", 1, 1},   {"title", 1, 1}, {"split", 2, 2},
	     {"println", 0, 15}, {"printf", 1, 15}, {"print", 0, 15}};

bool tmpl_func_defined(const char *fn)
{
	for (size_t i = 0; i < sizeof(arity) / sizeof(arity[0]); i++)
		if (!strcmp(arity[i].name, fn))
			return true;
	return false;
}

json_t *tmpl_call(const char *fn, json_t **a, size_t n, struct berr **err)
{
	size_t i = 0;
	for (; i < sizeof(arity) / sizeof(arity[0]); i++)
		if (!strcmp(arity[i].name, fn))
			break;
	if (i == sizeof(arity) / sizeof(arity[0])) {
		berr_plain(err, EINVAL, "template: function \"%s\" not defined", fn);
		return NULL;
	}
	if (n < arity[i].min || n > arity[i].max) {
		berr_plain(err, EINVAL, "template: wrong number of arguments for %s", fn);
		return NULL;
	}
	if (!strcmp(fn, "json")) {
		autofree char *s = json_dumps(a[0] ? a[0] : json_null(),
					      JSON_ENCODE_ANY | JSON_COMPACT | JSON_PRESERVE_ORDER);
		return json_string(s ? s : "null");
	}
	if (!strcmp(fn, "index"))
		return fn_index(a, n, err);
	if (!strcmp(fn, "join"))
		return fn_join(a, err);
	if (!strcmp(fn, "len")) {
		size_t len = json_is_array(a[0])    ? json_array_size(a[0])
			     : json_is_object(a[0]) ? json_object_size(a[0])
			     : json_is_string(a[0]) ? json_string_length(a[0])
						    : 0;
		return json_integer((json_int_t)len);
	}
	if (!strcmp(fn, "upper") || !strcmp(fn, "lower") || !strcmp(fn, "title"))
		return fn_case(a[0], !strcmp(fn, "upper") ? 0 : !strcmp(fn, "lower") ? 1 : 2);
	if (!strcmp(fn, "split"))
		return fn_split(a, err);
	if (!strcmp(fn, "printf"))
		return fn_printf(a, n, err);
	struct strbuf b = {0};
	strbuf_adds(&b, "");
	for (size_t k = 0; k < n; k++) {
		if (k)
			strbuf_adds(&b, " ");
		tmpl_print(&b, a[k]);
	}
	if (!strcmp(fn, "println"))
		strbuf_adds(&b, "\n");
	json_t *r = json_string(b.s);
	free(b.s);
	return r;
}
