/* Image prune on the engine's containers (see image.h). */
#include "engine/image.h"

#include <string.h>

#include "engine/container.h"
#include "image/image.h"
#include "image/manifest.h"
#include "image/store.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/json.h"

static const char *str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "";
}

/* The config's Labels (a new reference, or NULL), read without the checks a run needs. */
static json_t *labels_of(struct img_store *s, json_t *rec)
{
	autofree char *data = NULL;
	size_t len = 0;
	if (img_blob_read(s, str(rec, "id"), IMG_CONFIG_MAX, &data, &len, NULL) < 0)
		return NULL;
	json_t *c = json_load_text(data, len, NULL);
	json_t *labels = json_object_get(json_object_get(c, "config"), "Labels");
	labels = json_is_object(labels) ? json_incref(labels) : NULL;
	json_decref(c);
	return labels;
}

static bool picked(struct img_store *s, const struct eng_store *es, const struct eng_image_prune *p,
		   json_t *rec)
{
	if (!p->all &&
	    (json_array_size(json_object_get(rec, "names")) || img_image_is_build_cache(rec)))
		return false; /* build cache goes with builder prune, or with -a */
	if (eng_image_in_use(str(rec, "id"), (void *)es))
		return false; /* Docker's prune keeps what containers use */
	if (!p->match)
		return true;
	json_t *labels = labels_of(s, rec);
	bool yes = p->match(p->ctx, str(rec, "created"), labels);
	json_decref(labels);
	return yes;
}

int eng_image_prune(const struct eng_store *es, struct img_store *s,
		    const struct eng_image_prune *p, json_t *out_report, int64_t *out_bytes,
		    struct berr **err)
{
	*out_bytes = 0;
	int r = img_store_lock(s, false, err);
	if (r < 0)
		return r;
	json_t *recs = img_store_load_images(s, err);
	img_store_unlock(s);
	if (!recs)
		return -berr_code(*err);
	size_t i;
	json_t *rec;
	json_array_foreach(json_object_get(recs, "images"), i, rec)
	{
		if (!picked(s, es, p, rec))
			continue;
		struct berr *one = NULL;
		int rr = img_image_remove(s, str(rec, "id"), true, NULL, NULL, out_report, &one);
		if (rr < 0 && r == 0) {
			r = rr;
			*err = one;
		} else {
			berr_free(one);
		}
	}
	json_decref(recs);
	long long freed = 0;
	struct berr *gc = NULL;
	int rr = img_store_gc(s, &freed, &gc);
	if (rr < 0 && r == 0) {
		r = rr;
		*err = gc;
	} else {
		berr_free(gc);
	}
	*out_bytes = freed;
	return r;
}
