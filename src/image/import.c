/* `import`: a root filesystem tarball becomes a one-layer image (see archive.h). The tarball is
 * stored as the layer blob as it came (gzip, zstd or plain tar; its media type follows; xz and
 * bzip2, which no layer media type has, decompressed to a plain tar), unpacked
 * once to learn its diff id, and given a config and an OCI manifest of our making. */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "image/archive.h"
#include "image/change.h"
#include "image/image.h"
#include "image/manifest.h"
#include "image/reference.h"
#include "image/snapshot.h"
#include "image/store.h"
#include "image/unpack.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/timefmt.h"
#include "util/xalloc.h"

/* The tarball's bytes: what was read already (first), then the rest of the fd. */
struct source {
	int fd;
	const char *first;
	size_t first_len;
	char buf[1 << 16];
};

static la_ssize_t read_source(struct archive *a, void *data, const void **out)
{
	struct source *src = data;
	if (src->first_len) {
		*out = src->first;
		la_ssize_t n = (la_ssize_t)src->first_len;
		src->first_len = 0;
		return n;
	}
	ssize_t n;
	do
		n = read(src->fd, src->buf, sizeof(src->buf));
	while (n < 0 && errno == EINTR);
	if (n < 0)
		archive_set_error(a, errno, "read the tarball");
	*out = src->buf;
	return n;
}

/* An xz or bzip2 tarball (no layer media type has them): decompressed into the blob, which is
 * then a plain tar, as Docker's import stores it. */
static int store_decompressed(struct img_blob_writer *w, int fd, const char *first, size_t len,
			      int64_t *out_size, struct berr **err)
{
	struct source *src = xzalloc(sizeof(*src));
	*src = (struct source){.fd = fd, .first = first, .first_len = len};
	struct archive *a = archive_read_new();
	archive_read_support_filter_all(a);
	archive_read_support_format_raw(a);
	struct archive_entry *e;
	int r = 0;
	if (archive_read_open(a, src, NULL, read_source, NULL) != ARCHIVE_OK ||
	    archive_read_next_header(a, &e) != ARCHIVE_OK)
		r = berr_plain(err, EINVAL, "decompress the tarball: %s", archive_error_string(a));
	autofree char *buf = xmalloc(1 << 16);
	int64_t total = 0;
	la_ssize_t n;
	while (r == 0 && (n = archive_read_data(a, buf, 1 << 16)) != 0) {
		if (n < 0)
			r = berr_plain(err, EINVAL, "decompress the tarball: %s",
				       archive_error_string(a));
		else if ((r = img_blob_write(w, buf, (size_t)n, err)) == 0)
			total += n;
	}
	archive_read_free(a);
	free(src);
	*out_size = total;
	return r;
}

/* Copy fd into a blob; out_mt gets the media type its first bytes say. */
static int store_stream(struct img_store *s, int fd, char *out_digest, const char **out_mt,
			int64_t *out_size, struct berr **err)
{
	struct img_blob_writer *w = NULL;
	int r = img_blob_begin(s, NULL, -1, &w, err);
	if (r < 0)
		return r;
	autofree char *buf = xmalloc(1 << 16);
	int64_t total = 0;
	*out_mt = IMG_MT_OCI_LAYER;
	for (;;) {
		ssize_t n = read(fd, buf, 1 << 16);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			img_blob_abort(w);
			return berr_set(err, errno, "read the tarball");
		}
		if (n == 0)
			break;
		const unsigned char *m = (const unsigned char *)buf;
		if (total == 0 && n >= 4) {
			if (m[0] == 0x1f && m[1] == 0x8b)
				*out_mt = IMG_MT_OCI_LAYER_GZIP;
			else if (m[0] == 0x28 && m[1] == 0xb5 && m[2] == 0x2f && m[3] == 0xfd)
				*out_mt = IMG_MT_OCI_LAYER_ZSTD;
			else if ((m[0] == 0xfd && m[1] == '7' && m[2] == 'z' && m[3] == 'X') ||
				 (m[0] == 'B' && m[1] == 'Z' && m[2] == 'h')) {
				if ((r = store_decompressed(w, fd, buf, (size_t)n, out_size, err)) <
				    0) {
					img_blob_abort(w);
					return r;
				}
				return img_blob_commit(w, out_digest, err);
			}
		}
		if ((r = img_blob_write(w, buf, (size_t)n, err)) < 0) {
			img_blob_abort(w);
			return r;
		}
		total += n;
	}
	*out_size = total;
	return img_blob_commit(w, out_digest, err);
}

static json_t *make_config(const struct img_import *in, const char *diff_id, const char *created,
			   struct berr **err)
{
	struct img_platform host = {0};
	if (!in->platform)
		img_platform_host(&host);
	const struct img_platform *p = in->platform ? in->platform : &host;
	json_t *cfg = json_object();
	for (char *const *c = in->changes; c && *c; c++)
		if (img_change_apply(cfg, *c, err) < 0) {
			json_decref(cfg);
			img_platform_clear(&host);
			return NULL;
		}
	json_t *history = json_pack("{s:s, s:s}", "created", created, "created_by", "berth import");
	if (in->message)
		json_object_set_new(history, "comment", json_string(in->message));
	json_t *doc =
	    json_pack("{s:s, s:s, s:s?, s:s, s:o, s:{s:s, s:[s]}, s:[o]}", "architecture", p->arch,
		      "os", p->os, "variant", p->variant, "created", created, "config", cfg,
		      "rootfs", "type", "layers", "diff_ids", diff_id, "history", history);
	img_platform_clear(&host);
	return doc;
}

static int put_json(struct img_store *s, json_t *doc, char *out_digest, int64_t *out_size,
		    struct berr **err)
{
	autofree char *text = json_dumps(doc, JSON_COMPACT);
	*out_size = (int64_t)strlen(text);
	return img_blob_put(s, text, strlen(text), NULL, out_digest, err);
}

static int import_locked(struct img_store *s, int fd, const struct img_import *in, const char *name,
			 char *out_id, struct berr **err)
{
	char layer[IMG_DIGEST_LEN + 1], chain[IMG_CHAIN_LEN + 1];
	const char *mt;
	int64_t layer_size = 0;
	int r = store_stream(s, fd, layer, &mt, &layer_size, err);
	if (r < 0)
		return r;
	autoclose int lfd = img_blob_open(s, layer, err);
	if (lfd < 0)
		return lfd;
	if ((r = img_snapshot_unpack(s, NULL, lfd, layer, NULL, chain, err)) < 0)
		return r;
	char now[40];
	json_auto_t *cfg =
	    make_config(in, chain, in->created ? in->created : timefmt_now(now), err);
	if (!cfg)
		return berr_ret(err);
	char cfg_digest[IMG_DIGEST_LEN + 1], mdigest[IMG_DIGEST_LEN + 1];
	int64_t cfg_size, msize;
	r = put_json(s, cfg, cfg_digest, &cfg_size, err);
	if (r < 0)
		return r;
	json_auto_t *m =
	    json_pack("{s:i, s:s, s:{s:s, s:s, s:I}, s:[{s:s, s:s, s:I}]}", "schemaVersion", 2,
		      "mediaType", IMG_MT_OCI_MANIFEST, "config", "mediaType", IMG_MT_OCI_CONFIG,
		      "digest", cfg_digest, "size", (json_int_t)cfg_size, "layers", "mediaType", mt,
		      "digest", layer, "size", (json_int_t)layer_size);
	r = put_json(s, m, mdigest, &msize, err);
	if (r < 0)
		return r;
	struct img_install inst = {.manifest_digest = mdigest, .name = name};
	return img_unpack_install(s, &inst, out_id, err);
}

int img_archive_import(struct img_store *s, int fd, const struct img_import *in, char *out_id,
		       struct berr **err)
{
	autofree char *name = NULL;
	int r;
	if (in->name) {
		struct img_ref ref;
		if ((r = img_ref_parse(in->name, &ref, err)) < 0)
			return r;
		if (ref.digest) {
			img_ref_clear(&ref);
			return berr_plain(err, EINVAL, "'%s': an import cannot be named by digest",
					  in->name);
		}
		autofree char *repo = img_ref_repository(&ref);
		name = xasprintf("%s:%s", repo, ref.tag);
		img_ref_clear(&ref);
	}
	int busy = img_store_busy(s, err);
	if (busy < 0)
		return busy;
	r = import_locked(s, fd, in, name, out_id, err);
	(void)close(busy);
	if (r < 0) {
		(void)img_store_gc(s, NULL, NULL);
		return berr_wrap(err, "import");
	}
	if (out_id)
		img_event(s, out_id, "import", out_id);
	return 0;
}
