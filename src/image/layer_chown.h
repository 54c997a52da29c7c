/* Layers copied with their owners shifted, for a file system that takes no idmapped mount
 * (image/idmap_refused.h): containers-storage's answer there (its "chown" copy of an image's
 * layers per ID mapping, store.go's imageTopLayerForMapping), kept under the store as
 *   <root>/layers-chown/<chain hex>.<map key>/   the layer's tree, every uid and gid as the
 *                                                 container's maps make it on the host
 * made once per layer and mapping, into a temp directory renamed into place (there whole or
 * not at all), and removed when no container uses it (img_layer_chown_prune). */
#ifndef BERTH_IMAGE_LAYER_CHOWN_H
#define BERTH_IMAGE_LAYER_CHOWN_H

#include <stdbool.h>

#include "util/digest.h"

struct berr;
struct idshift;
struct img_store;

#define IMG_LAYER_CHOWN_DIR "layers-chown"

/* The mapping's key: the sha256 of its ranges, hex (map->to_inside is not read: the ids go
 * from the container's to the host's). */
void img_layer_chown_key(const struct idshift *map, char out_key[SHA256_HEX_LEN + 1]);
/* The copy of chain's layer for map, made if it is not there: out_path gets its path relative
 * to the store's root; out_made whether it was made now. Hard links, symbolic links, devices
 * (overlayfs' whiteouts), modes, times and extended attributes are kept; owners, the owners in
 * POSIX ACLs and a v3 file capability's root id are shifted. */
int img_layer_chown_get(struct img_store *s, const char *chain, const struct idshift *map,
			char **out_path, bool *out_made, struct berr **err);
/* Remove every copy keep does not want (keep gets the chain's hex and the key), and temp
 * directories of makers that are gone. */
int img_layer_chown_prune(struct img_store *s,
			  bool (*keep)(void *ctx, const char *hex, const char *key), void *ctx,
			  struct berr **err);

#endif
