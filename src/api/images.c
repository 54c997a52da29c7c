/* /images/...: Docker's image endpoints on the image store, as the command line's `images` and
 * `image inspect` read it (image/image_view.h). */
#include <errno.h>
#include <string.h>

#include "api/routes.h"
#include "engine/container.h"
#include "image/image.h"
#include "image/image_view.h"
#include "image/store.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/filter.h"

/* The store, with the engine's containers keeping their layers (as the command line's). */
static struct img_store *store(struct api_req *r, struct berr **err)
{
	struct img_store *s = NULL;
	if (img_store_open(r->ctx->es.root, &s, err) < 0)
		return NULL;
	s->roots = eng_image_roots;
	s->roots_ctx = (void *)&r->ctx->es;
	return s;
}

int api_images_list(struct api_req *r)
{
	struct berr *err = NULL;
	json_t *filters = filter_parse_json(api_query(r, "filters"), &err);
	static const char *const keys[] = {"dangling", "label", "reference", NULL};
	if (!filters || filter_check(filters, keys, &err) < 0) {
		json_decref(filters);
		return api_reply_berr(r, err);
	}
	autoptr(img_store) s = store(r, &err);
	json_t *all = s ? img_store_images_view(s, &err) : NULL;
	if (!all) {
		json_decref(filters);
		return api_reply_berr(r, err);
	}
	bool every = api_query_bool(r, "all", false);
	json_t *dangling = filter_values(filters, "dangling");
	const char *want_dangling = json_string_value(json_array_get(dangling, 0));
	json_t *list = json_array();
	size_t i;
	json_t *rec;
	json_array_foreach(json_object_get(all, "images"), i, rec)
	{
		bool named = json_array_size(json_object_get(rec, "names")) > 0;
		if (!every && img_image_is_build_cache(rec))
			continue;
		if (want_dangling &&
		    (!strcmp(want_dangling, "true") || !strcmp(want_dangling, "1")) == named)
			continue;
		json_t *sum = img_image_summary(s, rec);
		if (!filter_labels(filters, "label", json_object_get(sum, "Labels"))) {
			json_decref(sum);
			continue;
		}
		json_array_append_new(list, sum);
	}
	json_decref(all);
	json_decref(filters);
	return api_reply_json(r, 200, list);
}

int api_image_inspect(struct api_req *r)
{
	struct berr *err = NULL;
	autoptr(img_store) s = store(r, &err);
	json_t *doc = s ? img_image_inspect(s, r->param, &err) : NULL;
	if (!doc && berr_code(err) == ENOENT) {
		berr_free(err);
		return api_reply_error(r, 404, "No such image: %s", r->param);
	}
	return doc ? api_reply_json(r, 200, doc) : api_reply_berr(r, err);
}
