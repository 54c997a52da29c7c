/* The merge rules of the Compose Specification (merge.md), as compose-go applies them to
 * several -f files and to `extends`. Keys of sequences pick their rule; everything else is a
 * mapping merged recursively or a value replaced. */
#include "compose/merge.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "util/cleanup.h"
#include "util/xalloc.h"

enum rule { R_UNION, R_REPLACE, R_PORT, R_TARGET, R_SOURCE, R_PATH };

static enum rule rule_of(const char *key)
{
	static const struct {
		const char *key;
		enum rule rule;
	} rules[] = {
	    {"command", R_REPLACE},  {"entrypoint", R_REPLACE}, {"test", R_REPLACE},
	    {"profiles", R_REPLACE}, {"ports", R_PORT},         {"volumes", R_TARGET},
	    {"devices", R_TARGET},   {"secrets", R_SOURCE},     {"configs", R_SOURCE},
	    {"env_file", R_PATH},
	};
	for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++)
		if (!strcmp(rules[i].key, key))
			return rules[i].rule;
	return R_UNION;
}

static const char *str(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s ? s : "";
}

/* What makes an entry unique under its rule (caller frees). */
static char *identity(json_t *e, enum rule rule)
{
	if (json_is_object(e)) {
		switch (rule) {
		case R_PORT:
			return xasprintf(
			    "%s|%s|%lld|%s", str(e, "host_ip"), str(e, "published"),
			    (long long)json_integer_value(json_object_get(e, "target")),
			    str(e, "protocol"));
		case R_TARGET:
			if (json_object_get(e, "target"))
				return xasprintf("t:%s", str(e, "target"));
			break;
		case R_SOURCE:
			if (json_object_get(e, "target"))
				return xasprintf("t:%s", str(e, "target"));
			return xasprintf("s:%s", str(e, "source"));
		case R_PATH:
			return xasprintf("p:%s", str(e, "path"));
		default:
			break;
		}
	}
	return json_dumps(e, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
}

static void merge_seq(json_t *base, json_t *over, enum rule rule)
{
	size_t i, j;
	json_t *e, *b;
	json_array_foreach(over, i, e)
	{
		autofree char *id = identity(e, rule);
		bool found = false;
		json_array_foreach(base, j, b)
		{
			autofree char *bid = identity(b, rule);
			if (!strcmp(id, bid)) {
				json_array_set(base, j, e);
				found = true;
				break;
			}
		}
		if (!found)
			json_array_append(base, e);
	}
}

void cmp_merge(json_t *base, json_t *over, const char *key)
{
	const char *k;
	json_t *o;
	json_object_foreach(over, k, o)
	{
		json_t *b = json_object_get(base, k);
		if (json_is_object(b) && json_is_object(o)) {
			cmp_merge(b, o, k);
		} else if (json_is_object(b) && json_is_null(o)) {
			/* `networks: {front: }` over a base's options keeps them */
		} else if (json_is_array(b) && json_is_array(o) && rule_of(k) != R_REPLACE) {
			merge_seq(b, o, rule_of(k));
		} else {
			json_object_set_new(base, k, json_deep_copy(o));
		}
	}
	(void)key;
}
