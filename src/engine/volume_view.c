/* Volume documents, filters and prune for both front ends (see volume_view.h). */
#include "engine/volume_view.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include "engine/container.h"
#include "engine/volume.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/filter.h"
#include "util/fs.h"
#include "util/json.h"

static const char *str(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

json_t *eng_volume_inspect(const struct eng_store *s, const char *name, bool usage,
			   struct berr **err)
{
	json_t *v = eng_volume_load(s, name, err);
	if (!v)
		return NULL;
	json_object_del(v, "Anonymous");
	if (usage) {
		autofree char *data = eng_volume_data(s, name);
		json_object_set_new(v, "UsageData",
				    json_pack("{s:I, s:i}", "Size",
					      (json_int_t)fs_disk_usage(AT_FDCWD, data), "RefCount",
					      eng_volume_in_use(s, name) ? 1 : 0));
	}
	return v;
}

static bool is_true(const char *v)
{
	return !strcmp(v, "true") || !strcmp(v, "1");
}

int eng_volume_filter_check(json_t *filters, struct berr **err)
{
	static const char *const keys[] = {"dangling", "name", "label", "driver", NULL};
	int r = filter_check(filters, keys, err);
	size_t i;
	json_t *v;
	json_array_foreach(filter_values(filters, "dangling"), i, v)
	{
		const char *d = json_string_value(v);
		if (r == 0 && !is_true(d) && strcmp(d, "false") && strcmp(d, "0"))
			r = berr_plain(err, EINVAL, "invalid filter 'dangling=%s'", d);
	}
	return r;
}

/* Whether any value of key passes test(value, the volume's). */
static bool any(json_t *filters, const char *key, bool (*test)(const char *want, const char *v),
		const char *have)
{
	json_t *vals = filter_values(filters, key);
	if (!vals)
		return true;
	size_t i;
	json_t *v;
	json_array_foreach(vals, i, v) if (test(json_string_value(v), have)) return true;
	return false;
}

static bool part_of(const char *want, const char *v)
{
	return v && strstr(v, want) != NULL;
}

static bool equal(const char *want, const char *v)
{
	return v && !strcmp(want, v);
}

bool eng_volume_filter(const struct eng_store *s, json_t *filters, json_t *vol)
{
	if (!any(filters, "name", part_of, str(vol, "Name")) ||
	    !any(filters, "driver", equal, str(vol, "Driver")) ||
	    !filter_labels(filters, "label", json_object_get(vol, "Labels")))
		return false;
	json_t *dangling = filter_values(filters, "dangling");
	if (!dangling)
		return true;
	bool in_use = eng_volume_in_use(s, str(vol, "Name"));
	size_t i;
	json_t *v;
	json_array_foreach(dangling, i, v) if (is_true(json_string_value(v)) != in_use) return true;
	return false;
}

void eng_volume_prune(const struct eng_store *s, bool all, bool (*match)(void *ctx, json_t *vol),
		      void *ctx, json_t *out_deleted, uint64_t *out_bytes)
{
	char **names = NULL;
	if (eng_volume_list(s, &names, NULL) < 0)
		return;
	for (size_t i = 0; names[i]; i++) {
		json_t *rec = eng_volume_load(s, names[i], NULL);
		bool anon = json_is_true(json_object_get(rec, "Anonymous"));
		json_object_del(rec, "Anonymous");
		bool in = rec && (!match || match(ctx, rec)) && (anon || all);
		json_decref(rec);
		if (!in || eng_volume_in_use(s, names[i]))
			continue;
		autofree char *data = eng_volume_data(s, names[i]);
		int64_t bytes = fs_disk_usage(AT_FDCWD, data);
		if (eng_volume_remove(s, names[i], false, NULL) < 0)
			continue;
		json_array_append_new(out_deleted, json_string(names[i]));
		if (out_bytes && bytes > 0)
			*out_bytes += (uint64_t)bytes;
	}
	strv_free(names);
}
