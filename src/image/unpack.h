/* From a manifest whose config and layer blobs are in the store to an installed image: the
 * config parsed and matched with the manifest, each layer unpacked once per chain id (its blob
 * digest and diff id checked), and the record committed. Shared by pull, load, import and
 * build. */
#ifndef BERTH_IMAGE_UNPACK_H
#define BERTH_IMAGE_UNPACK_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

struct berr;
struct img_store;
struct img_manifest;

struct img_install {
	const char *manifest_digest; /* the manifest blob, already in the store */
	const char *index_digest;    /* the index it was chosen from, or NULL */
	const char *name;            /* normalised "repo:tag" to give it, or NULL */
	const char *repo_digest;     /* "repo@sha256:..." to record, or NULL */
	bool unpack_only;            /* check and unpack, but record nothing */
	const char *build_key; /* a build step's cache key: recorded, the image is build cache */
	void (*on_layer)(size_t index, void *ctx); /* each layer in place (or NULL) */
	void *ctx;
};

/* On success out_id (or NULL) gets the image id ("sha256:<config hex>", 72 bytes). */
int img_unpack_install(struct img_store *s, const struct img_install *in, char *out_id,
		       struct berr **err);

#endif
