/* The OCI distribution API (distribution-spec spec.md) for one repository: manifests by tag
 * or digest, blobs into the store (verified, resumable), blob existence, uploads (monolithic
 * for small blobs, chunked for large ones, cross-repository mount first when the blob is known
 * to be in another repository of the same registry) and manifest pushes. */
#ifndef BERTH_IMAGE_REGISTRY_H
#define BERTH_IMAGE_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "image/http.h"
#include "util/cleanup.h"

struct berr;
struct img_store;
struct img_ref;

#define IMG_UPLOAD_CHUNK (16 << 20) /* blobs larger than this go up in chunks this size */

struct img_registry {
	struct img_http *http;
	char *domain, *path;
};

/* push: ask for a token that may write. */
int img_registry_open(const struct img_ref *ref, const struct img_http_opts *o, bool push,
		      struct img_registry **out, struct berr **err);
void img_registry_free(struct img_registry *r);
DEFINE_AUTOPTR(img_registry)

/* GET a manifest or index by tag or digest. out_digest (72 bytes) is the digest of the bytes
 * received; asked by digest, they must match it. */
int img_registry_get_manifest(struct img_registry *r, const char *reference, char **out_data,
			      size_t *out_len, char **out_media_type, char *out_digest,
			      struct berr **err);

/* The repository's tags (tags/list, page by page with n and last), sorted as the registry
 * gives them. *out: NULL-terminated, caller frees (strv_free). */
int img_registry_tags(struct img_registry *r, char ***out, struct berr **err);

typedef void (*img_progress_fn)(int64_t done, int64_t total, void *ctx);

/* A blob into the store, checked against digest and size; resumes a partial download. */
int img_registry_get_blob(struct img_registry *r, struct img_store *s, const char *digest,
			  int64_t size, img_progress_fn progress, void *ctx, struct berr **err);
int img_registry_has_blob(struct img_registry *r, const char *digest, bool *out, struct berr **err);
/* Upload a blob of the store. mount_from (or NULL): a repository of this registry that has it.
 * out_mounted tells whether the mount did it. */
int img_registry_put_blob(struct img_registry *r, struct img_store *s, const char *digest,
			  const char *mount_from, img_progress_fn progress, void *ctx,
			  bool *out_mounted, struct berr **err);
int img_registry_put_manifest(struct img_registry *r, const char *reference, const char *data,
			      size_t len, const char *media_type, struct berr **err);

#endif
