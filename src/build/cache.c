/* The build cache (see cache.h). */
#include "build/cache.h"

#include <errno.h>
#include <jansson.h>
#include <string.h>

#include "engine/container.h"
#include "image/image.h"
#include "image/store.h"
#include "util/cleanup.h"
#include "util/digest.h"
#include "util/err.h"
#include "util/xalloc.h"

/* Bumped when what a step makes changes for the same key (a builder fix): old entries miss. */
#define KEY_VERSION "berth-build-cache 1"

static json_t *strings(char *const *v, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; v && (n ? i < n : v[i] != NULL); i++)
		json_array_append_new(a, json_string(v[i]));
	return a;
}

void bld_cache_key(const char *parent, const struct bld_instr *in, char *const *extra,
		   char out[BLD_KEY_LEN + 1])
{
	json_t *flags = json_array(), *pairs = json_array(), *docs = json_array();
	for (size_t i = 0; i < in->n_flags; i++)
		json_array_append_new(flags,
				      json_pack("[s,s]", in->flags[i].name,
						in->flags[i].value ? in->flags[i].value : ""));
	for (size_t i = 0; i < in->n_pairs; i++)
		json_array_append_new(pairs, json_pack("[s,s?,b]", in->pairs[i].key,
						       in->pairs[i].value, in->pairs[i].eq));
	for (size_t i = 0; i < in->n_heredocs; i++) {
		const struct bld_heredoc *h = &in->heredocs[i];
		json_array_append_new(docs, json_pack("[s,s?,i,b,b]", h->name, h->content,
						      (int)h->fd, h->strip_tabs, h->expand));
	}
	json_t *doc = json_pack("{s:s, s:s?, s:s, s:o, s:b, s:o, s:o, s:o, s:s?, s:o}", "v",
				KEY_VERSION, "parent", parent, "kind", bld_kind_name(in->kind),
				"args", strings(in->args, in->n_args), "exec", in->exec_form,
				"flags", flags, "pairs", pairs, "heredocs", docs, "trigger",
				in->trigger_text, "extra", strings(extra, 0));
	autofree char *text = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(doc);
	memcpy(out, "sha256:", 7);
	sha256_hex(text, strlen(text), out + 7);
}

/* The store's records, read under the shared lock. */
static json_t *load_images(struct img_store *is, struct berr **err)
{
	if (img_store_lock(is, false, err) < 0)
		return NULL;
	json_t *all = img_store_images_view(is, err); /* read only */
	img_store_unlock(is);
	return all;
}

int bld_cache_find(struct img_store *is, const char *key, char *out_id, struct berr **err)
{
	json_t *all = load_images(is, err);
	if (!all)
		return berr_ret(err);
	int found = 0;
	size_t i;
	json_t *rec;
	json_array_foreach(json_object_get(all, "images"), i, rec)
	{
		const char *k = json_string_value(json_object_get(rec, "build_key"));
		const char *id = json_string_value(json_object_get(rec, "id"));
		if (k && id && !strcmp(k, key) && strlen(id) == BLD_KEY_LEN) {
			memcpy(out_id, id, BLD_KEY_LEN + 1);
			found = 1;
			break;
		}
	}
	json_decref(all);
	return found;
}

int bld_cache_prune(const struct eng_store *s, struct img_store *is,
		    bool (*goes)(const char *added, void *ctx), void *ctx, int *out_n,
		    long long *out_freed, struct berr **err)
{
	*out_n = 0;
	*out_freed = 0;
	json_t *all = load_images(is, err);
	if (!all)
		return berr_ret(err);
	int r = 0;
	size_t i;
	json_t *rec;
	json_array_foreach(json_object_get(all, "images"), i, rec)
	{
		const char *added = json_string_value(json_object_get(rec, "added"));
		const char *id = json_string_value(json_object_get(rec, "id"));
		if (!img_image_is_build_cache(rec) || !id ||
		    (goes && !goes(added ? added : "", ctx)))
			continue;
		/* one a container uses stays, as Docker's prune keeps it; layers other images
		 * share stay with them (the collector) */
		if (eng_image_in_use(id, (void *)s))
			continue;
		r = img_image_remove(is, id, true, NULL, NULL, NULL, err);
		if (r < 0)
			break;
		(*out_n)++;
	}
	json_decref(all);
	return r < 0 ? r : img_store_gc(is, out_freed, err);
}
