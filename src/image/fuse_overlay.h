/* The rootless engine's fallback for the container's root (issue #22, podman's
 * mount_program): fuse-overlayfs, a FUSE file system any user may mount in a user namespace of
 * its own, reading the layers as overlayfs does (whiteouts as 0:0 devices, user.overlay.opaque
 * marks). Used when the kernel's overlayfs refuses the mount there, or always with
 * BERTH_OVERLAY=fuse-overlayfs in the environment. */
#ifndef BERTH_IMAGE_FUSE_OVERLAY_H
#define BERTH_IMAGE_FUSE_OVERLAY_H

#include <stdbool.h>

struct berr;

/* BERTH_OVERLAY=fuse-overlayfs */
bool img_fuse_overlay_forced(void);
/* Mount opts (overlayfs' lowerdir=,upperdir=,workdir=, named relative to dirfd) at target. */
int img_fuse_overlay_mount(int dirfd, const char *opts, bool rdonly, const char *target,
			   struct berr **err);

#endif
