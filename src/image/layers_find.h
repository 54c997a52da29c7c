/* Looking a path up in an image's layers without mounting them: what overlayfs would show at
 * that path, read from the unpacked layers (image/snapshot.h) top down. For decisions made at
 * create, before a container's root exists (whether the image has systemd: engine/systemd.c). */
#ifndef BERTH_IMAGE_LAYERS_FIND_H
#define BERTH_IMAGE_LAYERS_FIND_H

#include <jansson.h>

struct berr;
struct img_store;

/* Whether the merged tree of chains (the image record's "layers", bottom first) has a regular
 * file or a symlink at path (relative, no "." or ".." components): 1 yes, 0 no. No symlink
 * is followed on the way, in any layer: a symlink where a directory of path would be makes
 * it absent here (look the link's target up as a path of its own). A whiteout at path or on
 * the way, or an opaque directory on the way that lacks the rest, hides the layers below, as
 * overlayfs does. A layer that is not unpacked, or a path that is not relative: an error. */
int img_layers_find(struct img_store *s, json_t *chains, const char *path, struct berr **err);
/* The same lookup, to read what it finds: an fd (O_RDONLY) of the regular file at path, or
 * ENOENT where the merged tree has none there or has a symlink (not followed). */
int img_layers_open(struct img_store *s, json_t *chains, const char *path, struct berr **err);

#endif
