/* The build cache: a step's key, and the image a step with the same key made before.
 *
 * A step's result is an ordinary image record of the store, marked with the key that made it
 * ("build_key", image/unpack.h): `images` hides such records unless they are named (or with
 * -a), the collector keeps their layers like any image's, `builder prune` removes them. The key
 * is what decides the result, and only that (Docker's classic builder and BuildKit key alike):
 * the parent image, the instruction as expanded (kind, arguments, flags, pairs, here-document
 * bodies), and what else the step reads (a COPY's content checksum, the ARGs a RUN sees, its
 * network and mounts) — never times. */
#ifndef BERTH_BUILD_CACHE_H
#define BERTH_BUILD_CACHE_H

#include <stdbool.h>

#include "build/dockerfile.h"

struct berr;
struct eng_store;
struct img_store;

#define BLD_KEY_LEN 71 /* "sha256:" + 64 hex */

/* The key of the step in (expanded) on parent (an image id, or NULL for scratch), with extra
 * (NULL-terminated strings, or NULL): what else the step depends on. */
void bld_cache_key(const char *parent, const struct bld_instr *in, char *const *extra,
		   char out[BLD_KEY_LEN + 1]);

/* The image a step with key made, into out_id (72 bytes): 1; 0 when there is none. */
int bld_cache_find(struct img_store *is, const char *key, char *out_id, struct berr **err);

/* Remove the build cache's records that carry no name, no container uses and goes(added, ctx)
 * accepts (goes NULL: all; added is the record's RFC 3339 time); their layers go with the
 * collector. *out_n: how many records, *out_freed: bytes the collector freed. */
int bld_cache_prune(const struct eng_store *s, struct img_store *is,
		    bool (*goes)(const char *added, void *ctx), void *ctx, int *out_n,
		    long long *out_freed, struct berr **err);

#endif
