/* Installing an image from blobs in the store (see unpack.h). */
#include "image/unpack.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "image/config.h"
#include "image/image.h"
#include "image/manifest.h"
#include "image/snapshot.h"
#include "image/store.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/timefmt.h"
#include "util/xalloc.h"

/* Unpack the manifest's layers bottom up; chains (n entries) get their chain ids. */
static int unpack_layers(struct img_store *s, const struct img_install *in,
			 const struct img_manifest *m, const struct img_config *c, json_t *chains,
			 int64_t *out_size, struct berr **err)
{
	char parent[IMG_CHAIN_LEN + 1] = "";
	int64_t size = 0;
	for (size_t i = 0; i < m->n_layers; i++) {
		char chain[IMG_CHAIN_LEN + 1];
		char *ids[2] = {parent, c->diff_ids[i]};
		img_chain_id(i ? ids : ids + 1, i ? 2 : 1, chain);
		if (!img_snapshot_has(s, chain)) {
			autoclose int fd = img_blob_open(s, m->layers[i].digest, err);
			if (fd < 0)
				return berr_wrap(err, "layer %zu", i + 1);
			char got[IMG_CHAIN_LEN + 1];
			if (img_snapshot_unpack(s, i ? parent : NULL, fd, m->layers[i].digest,
						c->diff_ids[i], got, err) < 0)
				return berr_wrap(err, "unpack layer %s", m->layers[i].digest);
		}
		int64_t n = img_snapshot_size(s, chain);
		size += n > 0 ? n : 0;
		json_array_append_new(chains, json_string(chain));
		memcpy(parent, chain, sizeof(chain));
		if (in->on_layer)
			in->on_layer(i, in->ctx);
	}
	*out_size = size;
	return 0;
}

static json_t *make_record(const struct img_install *in, const struct img_manifest *m,
			   const struct img_config *c, json_t *chains, int64_t size)
{
	char now[40];
	json_t *blobs = json_array();
	for (size_t i = 0; i < m->n_layers; i++)
		json_array_append_new(blobs, json_string(m->layers[i].digest));
	return json_pack("{s:s, s:s, s:s, s:s?, s:I, s:o, s:o, s:s?, s:s, s:I, s:[], s:[]}", "id",
			 m->config.digest, "manifest", in->manifest_digest, "manifest_type",
			 m->media_type, "index", in->index_digest, "config_size",
			 (json_int_t)m->config.size, "layers", json_incref(chains), "blobs", blobs,
			 "created", c->created, "added", timefmt_now(now), "size", (json_int_t)size,
			 "names", "digests");
}

int img_unpack_install(struct img_store *s, const struct img_install *in, char *out_id,
		       struct berr **err)
{
	autofree char *mdata = NULL;
	size_t mlen = 0;
	int r = img_blob_read(s, in->manifest_digest, IMG_MANIFEST_MAX, &mdata, &mlen, err);
	if (r < 0)
		return r;
	autoptr(img_manifest) m = NULL;
	if ((r = img_manifest_parse(mdata, mlen, NULL, &m, err)) < 0)
		return r;
	if (m->kind != IMG_KIND_MANIFEST)
		return berr_plain(err, EINVAL, "%s is an index, not an image manifest",
				  in->manifest_digest);
	autofree char *cdata = NULL;
	size_t clen = 0;
	if (img_blob_read(s, m->config.digest, IMG_CONFIG_MAX, &cdata, &clen, err) < 0)
		return berr_wrap(err, "image config");
	autoptr(img_config) c = NULL;
	if ((r = img_config_parse(cdata, clen, &c, err)) < 0)
		return r;
	if (c->n_diff_ids != m->n_layers)
		return berr_plain(err, EINVAL,
				  "the manifest has %zu layers but the image config lists %zu",
				  m->n_layers, c->n_diff_ids);
	json_auto_t *chains = json_array();
	int64_t size = 0;
	r = unpack_layers(s, in, m, c, chains, &size, err);
	if (r == 0 && !in->unpack_only) {
		json_auto_t *rec = make_record(in, m, c, chains, size);
		if (in->build_key)
			json_object_set_new(rec, "build_key", json_string(in->build_key));
		r = img_image_commit(s, rec, in->name, in->repo_digest, err);
	}
	if (r == 0 && out_id)
		snprintf(out_id, IMG_DIGEST_LEN + 1, "%s", m->config.digest);
	return r;
}
