/* Pushing an image (see push.h). */
#include "image/push.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image/image.h"
#include "image/manifest.h"
#include "image/reference.h"
#include "image/registry.h"
#include "image/store.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/xalloc.h"

struct push {
	struct img_registry *reg;
	struct img_store *store;
	const struct img_push_opts *o;
	json_t *rec;
	char id[13];
};

static void emit(struct push *p, enum img_push_event ev, const char *id, const char *text,
		 int64_t done, int64_t total)
{
	if (p->o->event)
		p->o->event(ev, id, text, done, total, p->o->ctx);
}

static void on_progress(int64_t done, int64_t total, void *ctx)
{
	struct push *p = ctx;
	emit(p, IMG_PUSH_SENDING, p->id, NULL, done, total);
}

/* A repository of the same registry the image is known to be in (from its digests), to mount
 * blobs from; NULL when none. */
static char *mount_source(struct push *p)
{
	size_t i;
	json_t *v;
	json_array_foreach(json_object_get(p->rec, "digests"), i, v)
	{
		struct img_ref ref;
		if (img_ref_parse(json_string_value(v), &ref, NULL) < 0)
			continue;
		char *from = NULL;
		if (!strcmp(ref.domain, p->reg->domain) && strcmp(ref.path, p->reg->path))
			from = xstrdup(ref.path);
		img_ref_clear(&ref);
		if (from)
			return from;
	}
	return NULL;
}

static int push_blob(struct push *p, const struct img_descriptor *d, bool is_layer,
		     const char *from, struct berr **err)
{
	snprintf(p->id, sizeof(p->id), "%.12s", d->digest + 7);
	bool has = false;
	int r = img_registry_has_blob(p->reg, d->digest, &has, err);
	if (r < 0)
		return r;
	if (has) {
		if (is_layer)
			emit(p, IMG_PUSH_EXISTS, p->id, NULL, 0, 0);
		return 0;
	}
	bool mounted = false;
	if ((r = img_registry_put_blob(p->reg, p->store, d->digest, from,
				       is_layer ? on_progress : NULL, p, &mounted, err)) < 0)
		return r;
	if (is_layer && mounted)
		emit(p, IMG_PUSH_MOUNTED, p->id, from, 0, 0);
	else if (is_layer)
		emit(p, IMG_PUSH_PUSHED, p->id, NULL, d->size, d->size);
	return 0;
}

static int push_image(struct push *p, const struct img_ref *dest, char *out_digest,
		      struct berr **err)
{
	const char *mdigest = json_string_value(json_object_get(p->rec, "manifest"));
	const char *mtype = json_string_value(json_object_get(p->rec, "manifest_type"));
	autofree char *data = NULL;
	size_t len = 0;
	if (!mdigest)
		return berr_plain(err, EIO, "the image's record names no manifest");
	int r = img_blob_read(p->store, mdigest, IMG_MANIFEST_MAX, &data, &len, err);
	if (r < 0)
		return r;
	autoptr(img_manifest) m = NULL;
	if ((r = img_manifest_parse(data, len, mtype, &m, err)) < 0)
		return r;
	autofree char *repo = img_ref_repository(dest);
	emit(p, IMG_PUSH_START, NULL, repo, 0, 0);
	for (size_t i = 0; i < m->n_layers; i++) {
		char id[13];
		snprintf(id, sizeof(id), "%.12s", m->layers[i].digest + 7);
		emit(p, IMG_PUSH_WAIT, id, NULL, 0, 0);
	}
	autofree char *from = mount_source(p);
	for (size_t i = 0; i < m->n_layers; i++)
		if ((r = push_blob(p, &m->layers[i], true, from, err)) < 0)
			return r;
	if (push_blob(p, &m->config, false, from, err) < 0)
		return berr_wrap(err, "image config");
	const char *reference = dest->tag ? dest->tag : dest->digest;
	if ((r = img_registry_put_manifest(p->reg, reference, data, len, m->media_type, err)) < 0)
		return r;
	emit(p, IMG_PUSH_DONE, reference, mdigest, 0, (int64_t)len);
	if (out_digest)
		snprintf(out_digest, IMG_DIGEST_LEN + 1, "%s", mdigest);
	/* the registry has it now under this repository, as Docker records it */
	autofree char *rd = xasprintf("%s@%s", repo, mdigest);
	json_auto_t *upd =
	    json_pack("{s:s}", "id", json_string_value(json_object_get(p->rec, "id")));
	return img_image_commit(p->store, upd, NULL, rd, err);
}

int img_push(struct img_store *s, const char *name, const char *dest, const struct img_push_opts *o,
	     char *out_digest, struct berr **err)
{
	json_auto_t *rec = img_image_lookup(s, name, err);
	if (!rec)
		return berr_wrap(err, "push %s", name);
	struct img_ref ref;
	if (img_ref_parse(dest ? dest : name, &ref, err) < 0)
		return berr_wrap(err, "push %s", name);
	struct push p = {.store = s, .o = o, .rec = rec};
	int r = 0;
	if (ref.digest && ref.tag) {
		r = berr_plain(err, EINVAL, "push to a tag, not to a digest");
	} else if (ref.digest &&
		   strcmp(ref.digest, json_string_value(json_object_get(rec, "manifest")))) {
		r = berr_plain(err, EINVAL, "the image's manifest is not %s", ref.digest);
	}
	if (r == 0)
		r = img_registry_open(&ref, &o->http, true, &p.reg, err);
	if (r == 0)
		r = push_image(&p, &ref, out_digest, err);
	if (r == 0) { /* dockerd: the actor is the reference pushed, its name the repository */
		autofree char *repo = img_ref_repository(&ref);
		autofree char *actor = img_name_familiar(dest ? dest : name);
		img_event(s, actor, "push", repo);
	}
	img_registry_free(p.reg);
	img_ref_clear(&ref);
	return r < 0 ? berr_wrap(err, "push %s", dest ? dest : name) : 0;
}
