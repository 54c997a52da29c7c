/* Committing a container to an image (see commit.h). */
#include "engine/commit.h"

#include <archive.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/container.h"
#include "engine/event.h"
#include "engine/executor.h"
#include "engine/monitor.h"
#include "engine/tarball.h"
#include "image/change.h"
#include "image/config.h"
#include "image/image.h"
#include "image/layer.h"
#include "image/manifest.h"
#include "image/reference.h"
#include "image/snapshot.h"
#include "image/store.h"
#include "image/unpack.h"
#include "runtime/container.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/json.h"
#include "util/log.h"
#include "util/path.h"
#include "util/timefmt.h"
#include "util/xalloc.h"

struct tar {
	struct archive *ar;
	struct img_blob_writer *w;
	struct berr *err;
};

static la_ssize_t to_blob(struct archive *a, void *ctx, const void *data, size_t len)
{
	struct tar *t = ctx;
	if (img_blob_write(t->w, data, len, t->err ? NULL : &t->err) < 0) {
		archive_set_error(a, EIO, "write the layer");
		return -1;
	}
	return (la_ssize_t)len;
}

/* The container's upper directory as an uncompressed layer blob (its digest is its diff
 * id). */
static int layer_blob(struct img_store *is, const char *upper, struct eng_layer_walk *walk,
		      char *out_digest, int64_t *out_size, struct berr **err)
{
	/* a container never started has no upper directory yet: an empty layer, as Docker's */
	autoclose int fd = open(upper, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 && errno != ENOENT)
		return berr_set(err, errno, "open '%s'", upper);
	struct tar *t = xzalloc(sizeof(*t));
	int r = img_blob_begin(is, NULL, -1, &t->w, err);
	if (r == 0) {
		t->ar = archive_write_new();
		archive_write_set_format_pax_restricted(t->ar);
		archive_write_set_bytes_in_last_block(t->ar, 1);
		if (archive_write_open(t->ar, t, NULL, to_blob, NULL) != ARCHIVE_OK)
			r = berr_plain(err, EIO, "layer: %s", archive_error_string(t->ar));
	}
	if (r == 0 && fd >= 0)
		r = eng_tarball_layer(t->ar, fd, walk, err);
	if (t->ar) {
		if (archive_write_close(t->ar) != ARCHIVE_OK && r == 0)
			r = berr_plain(err, EIO, "layer: %s", archive_error_string(t->ar));
		archive_write_free(t->ar);
	}
	if (t->err) {
		int code = berr_code(t->err);
		if (r == 0 && err)
			*err = take_ptr(&t->err);
		berr_free(t->err);
		r = r ? r : -(code > 0 ? code : EIO);
	}
	struct stat st;
	if (r == 0) {
		r = img_blob_commit(t->w, out_digest, err);
		autoclose int bfd = r == 0 ? img_blob_open(is, out_digest, err) : -1;
		if (r == 0 && bfd < 0)
			r = bfd;
		else if (r == 0 && fstat(bfd, &st) < 0)
			r = berr_set(err, errno, "stat the layer blob");
		if (r == 0)
			*out_size = st.st_size;
	} else {
		img_blob_abort(t->w);
	}
	free(t);
	return r;
}

static json_t *new_config(json_t *base, json_t *rec, const struct eng_commit *c, struct berr **err)
{
	json_t *cfg = json_deep_copy(base);
	json_t *run = json_object_get(cfg, "config");
	if (!json_is_object(run)) {
		run = json_object();
		json_object_set_new(cfg, "config", run);
	}
	/* what the container ran with becomes the image's */
	static const char *const keys[] = {"Env",    "Cmd",     "Entrypoint", "WorkingDir",  "User",
					   "Labels", "Volumes", "StopSignal", "ExposedPorts"};
	json_t *ccfg = json_object_get(rec, "Config");
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		json_t *v = json_object_get(ccfg, keys[i]);
		if (v && !json_is_null(v) &&
		    !(json_is_array(v) && !strcmp(keys[i], "ExposedPorts")))
			json_object_set(run, keys[i], v);
	}
	for (char *const *ch = c->changes; ch && *ch; ch++)
		if (img_change_apply(run, *ch, err) < 0) {
			json_decref(cfg);
			return NULL;
		}
	char now[40];
	timefmt_now(now);
	json_object_set_new(cfg, "created", json_string(now));
	if (c->author)
		json_object_set_new(cfg, "author", json_string(c->author));
	json_t *hist = json_object_get(cfg, "history");
	if (!json_is_array(hist)) {
		hist = json_array();
		json_object_set_new(cfg, "history", hist);
	}
	json_t *h = json_pack("{s:s, s:s}", "created", now, "created_by", "berth commit");
	if (c->author)
		json_object_set_new(h, "author", json_string(c->author));
	if (c->message)
		json_object_set_new(h, "comment", json_string(c->message));
	json_array_append_new(hist, h);
	return cfg;
}

static int put_json(struct img_store *is, json_t *doc, char *out_digest, int64_t *out_size,
		    struct berr **err)
{
	autofree char *text = json_dumps(doc, JSON_COMPACT);
	*out_size = (int64_t)strlen(text);
	return img_blob_put(is, text, strlen(text), NULL, out_digest, err);
}

static char *normal_name(const char *name, struct berr **err)
{
	struct img_ref ref;
	if (img_ref_parse(name, &ref, err) < 0)
		return NULL;
	autofree char *repo = img_ref_repository(&ref);
	char *out = ref.tag ? xasprintf("%s:%s", repo, ref.tag) : NULL;
	if (!out)
		berr_plain(err, EINVAL, "'%s': commit to a tag, not a digest", name);
	img_ref_clear(&ref);
	return out;
}

/* The parent's manifest and config (none: an empty image, scratch). */
static int parent_docs(struct img_store *is, const char *parent, json_t **out_manifest,
		       json_t **out_config, struct berr **err)
{
	if (!parent) {
		*out_manifest = json_pack("{s:i, s:s, s:[]}", "schemaVersion", 2, "mediaType",
					  IMG_MT_OCI_MANIFEST, "layers");
		*out_config = NULL;
		return 0;
	}
	json_t *img = img_image_lookup(is, parent, err);
	if (!img)
		return berr_ret(err);
	autofree char *mdata = NULL, *cdata = NULL;
	size_t mlen = 0, clen = 0;
	const char *mdigest = json_string_value(json_object_get(img, "manifest"));
	const char *id = json_string_value(json_object_get(img, "id"));
	int r = img_blob_read(is, mdigest, IMG_MANIFEST_MAX, &mdata, &mlen, err);
	if (r == 0)
		r = img_blob_read(is, id, IMG_CONFIG_MAX, &cdata, &clen, err);
	json_decref(img);
	*out_manifest = r == 0 ? json_load_text(mdata, mlen, err) : NULL;
	*out_config = *out_manifest ? json_load_text(cdata, clen, err) : NULL;
	if (!*out_config) {
		json_decref(*out_manifest);
		*out_manifest = NULL;
		return r < 0 ? r : -EINVAL;
	}
	return 0;
}

/* The upper directory, whose layer was just written, as that layer's snapshot: no unpacking
 * of what is there already. Any failure leaves the unpacking to img_unpack_install. */
static void adopt_upper(struct img_store *is, json_t *diff_ids, const char *upper,
			const struct eng_layer_walk *walk, const char *diff_id, int64_t size)
{
	size_t n = json_array_size(diff_ids);
	autofree char **ids = xcalloc(n + 1, sizeof(*ids));
	for (size_t i = 0; i < n; i++)
		ids[i] = (char *)json_string_value(json_array_get(diff_ids, i));
	char chain[IMG_CHAIN_LEN + 1], parent[IMG_CHAIN_LEN + 1];
	img_chain_id(ids, n, chain);
	if (n > 1)
		img_chain_id(ids, n - 1, parent);
	struct img_layer_stats st = {
	    .bytes = walk->bytes, .blob_size = (uint64_t)size, .diff_size = (uint64_t)size};
	snprintf(st.diff_id, sizeof(st.diff_id), "%s", diff_id);
	snprintf(st.blob_digest, sizeof(st.blob_digest), "%s", diff_id);
	struct berr *e = NULL;
	if (img_snapshot_adopt(is, n > 1 ? parent : NULL, upper, &st, chain, &e) < 0)
		log_debug("layer %s unpacked again: %s", diff_id, e && e->msg ? e->msg : "");
	berr_free(e);
}

/* eng_image_derive under the busy lock. */
static int derive_locked(struct img_store *is, const struct eng_derive *d, char *out_id,
			 struct berr **err)
{
	json_t *manifest = NULL, *base = NULL;
	int r = parent_docs(is, d->parent, &manifest, &base, err);
	json_decref(base);
	if (r < 0)
		return r;
	json_t *cfg = json_deep_copy(d->config);
	char layer[IMG_DIGEST_LEN + 1], cdigest[IMG_DIGEST_LEN + 1], newm[IMG_DIGEST_LEN + 1];
	int64_t lsize = 0, csize = 0, msize = 0;
	struct eng_layer_walk walk = {.normalize = d->give_upper};
	if (d->upper && (r = layer_blob(is, d->upper, &walk, layer, &lsize, err)) == 0) {
		json_t *rootfs = json_object_get(cfg, "rootfs");
		if (!json_is_object(rootfs)) {
			rootfs = json_pack("{s:s}", "type", "layers");
			json_object_set_new(cfg, "rootfs", rootfs);
		}
		json_t *ids = json_object_get(rootfs, "diff_ids");
		if (!json_is_array(ids)) {
			ids = json_array();
			json_object_set_new(rootfs, "diff_ids", ids);
		}
		json_array_append_new(ids, json_string(layer));
		json_array_append_new(json_object_get(manifest, "layers"),
				      json_pack("{s:s, s:s, s:I}", "mediaType", IMG_MT_OCI_LAYER,
						"digest", layer, "size", (json_int_t)lsize));
		if (d->give_upper)
			adopt_upper(is, ids, d->upper, &walk, layer, lsize);
	}
	if (r == 0)
		r = put_json(is, cfg, cdigest, &csize, err);
	if (r == 0) {
		json_object_set_new(manifest, "mediaType", json_string(IMG_MT_OCI_MANIFEST));
		json_object_set_new(manifest, "config",
				    json_pack("{s:s, s:s, s:I}", "mediaType", IMG_MT_OCI_CONFIG,
					      "digest", cdigest, "size", (json_int_t)csize));
		r = put_json(is, manifest, newm, &msize, err);
	}
	if (r == 0) {
		struct img_install in = {
		    .manifest_digest = newm, .name = d->name, .build_key = d->build_key};
		r = img_unpack_install(is, &in, out_id, err);
	}
	json_decref(cfg);
	json_decref(manifest);
	return r;
}

int eng_image_derive(struct img_store *is, const struct eng_derive *d, char *out_id,
		     struct berr **err)
{
	int busy = img_store_busy(is, err);
	int r = busy < 0 ? busy : derive_locked(is, d, out_id, err);
	if (busy >= 0)
		(void)close(busy);
	if (r < 0)
		(void)img_store_gc(is, NULL, NULL);
	return r;
}

static int commit_locked(const struct eng_store *s, struct img_store *is, json_t *rec,
			 const char *id, const struct eng_commit *c, const char *name, char *out_id,
			 struct berr **err)
{
	const char *image = json_string_value(json_object_get(rec, "Image"));
	json_t *manifest = NULL, *base = NULL;
	int r = parent_docs(is, image, &manifest, &base, err);
	json_decref(manifest);
	if (r < 0)
		return berr_wrap(err, "the container's image");
	json_t *cfg = new_config(base, rec, c, err);
	json_decref(base);
	if (!cfg)
		return berr_ret(err);
	autofree char *upper = eng_container_path(s, id, "diff");
	struct eng_derive d = {.parent = image, .config = cfg, .upper = upper, .name = name};
	r = derive_locked(is, &d, out_id, err);
	json_decref(cfg);
	return r;
}

int eng_commit(const struct eng_store *s, struct img_store *is, const char *id,
	       const struct eng_commit *c, char *out_id, struct berr **err)
{
	autofree char *name = c->name ? normal_name(c->name, err) : NULL;
	if (c->name && !name)
		return berr_ret(err);
	json_t *rec = eng_container_load(s, id, err);
	if (!rec)
		return berr_ret(err);
	/* -p: the files do not change under the tar while it is written */
	json_t *st = eng_state_load(s, id);
	bool paused = false;
	autofree char *rtroot = eng_runtime_root(s);
	/* a VM is not paused: its process runs on, as with commit --pause=false */
	if (c->pause && !eng_container_is_vm(s, id) &&
	    json_is_true(json_object_get(st, "Running")) &&
	    strcmp(json_string_value(json_object_get(st, "Status")) ?: "", "paused"))
		paused = rt_container_pause(rtroot, id, true, NULL) == 0;
	json_decref(st);
	int busy = img_store_busy(is, err);
	int r = busy < 0 ? busy : commit_locked(s, is, rec, id, c, name, out_id, err);
	if (paused)
		(void)rt_container_pause(rtroot, id, false, NULL);
	if (busy >= 0)
		(void)close(busy);
	if (r < 0)
		(void)img_store_gc(is, NULL, NULL);
	if (r == 0) {
		json_t *more = json_pack("{s:s}", "imageID", out_id ? out_id : "");
		if (name)
			json_object_set_new(more, "imageRef", json_string(name));
		eng_event_container(s, id, rec, "commit", more);
		json_decref(more);
	}
	json_decref(rec);
	return r < 0 ? berr_wrap(err, "commit %.12s", id) : 0;
}
