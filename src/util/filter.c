/* Docker's filter map: parsed from flags or the API, checked, labels matched (see filter.h). */
#include "util/filter.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>

#include "util/cleanup.h"
#include "util/err.h"
#include "util/xalloc.h"

#define FILTER_MAX_VALUES 1024 /* a bound on what a request may ask for */

static void add(json_t *map, const char *key, const char *value)
{
	json_t *list = json_object_get(map, key);
	if (!list) {
		list = json_array();
		json_object_set_new(map, key, list);
	}
	json_array_append_new(list, json_string(value));
}

static char *trimmed(const char *s, size_t n)
{
	while (n && isspace((unsigned char)*s)) {
		s++;
		n--;
	}
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	return xstrndup(s, n);
}

json_t *filter_parse_args(char *const *args, int n, struct berr **err)
{
	json_t *map = json_object();
	for (int i = 0; i < n; i++) {
		const char *eq = strchr(args[i], '=');
		if (!eq) {
			json_decref(map);
			berr_plain(err, EINVAL, "bad format of filter (expected name=value)");
			return NULL;
		}
		autofree char *key = trimmed(args[i], (size_t)(eq - args[i]));
		autofree char *value = trimmed(eq + 1, strlen(eq + 1));
		for (char *p = key; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		add(map, key, value);
	}
	return map;
}

json_t *filter_parse_json(const char *text, struct berr **err)
{
	if (!text || !*text)
		return json_object();
	json_auto_t *in = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
	json_t *map = json_object();
	size_t count = 0;
	const char *k;
	json_t *v;
	if (!json_is_object(in))
		goto bad;
	json_object_foreach(in, k, v)
	{
		size_t i;
		json_t *x;
		const char *name;
		if (json_is_array(v)) {
			json_array_foreach(v, i, x)
			{
				if (!json_is_string(x) || ++count > FILTER_MAX_VALUES)
					goto bad;
				add(map, k, json_string_value(x));
			}
		} else if (json_is_object(v)) {
			/* {"running": true}: the older encoding, which docker 20.10 still sends */
			json_object_foreach(v, name, x)
			{
				if (++count > FILTER_MAX_VALUES)
					goto bad;
				if (json_is_true(x))
					add(map, k, name);
			}
		} else {
			goto bad;
		}
	}
	return map;
bad:
	json_decref(map);
	berr_plain(err, EINVAL, "invalid filter: expected a JSON object of lists of strings");
	return NULL;
}

int filter_check(json_t *filters, const char *const *keys, struct berr **err)
{
	const char *k;
	json_t *v;
	json_object_foreach(filters, k, v)
	{
		size_t i = 0;
		while (keys[i] && strcmp(keys[i], k))
			i++;
		if (!keys[i])
			return berr_plain(err, EINVAL, "invalid filter '%s'", k);
	}
	return 0;
}

json_t *filter_values(json_t *filters, const char *key)
{
	json_t *v = json_object_get(filters, key);
	return json_array_size(v) ? v : NULL;
}

bool filter_labels(json_t *filters, const char *key, json_t *labels)
{
	size_t i;
	json_t *v;
	json_array_foreach(filter_values(filters, key), i, v)
	{
		autofree char *want = xstrdup(json_string_value(v));
		char *eq = strchr(want, '=');
		if (eq)
			*eq = '\0';
		const char *have = json_string_value(json_object_get(labels, want));
		if (!have || (eq && strcmp(have, eq + 1)))
			return false;
	}
	return true;
}
