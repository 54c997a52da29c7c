/* The container's filesystem view, built inside its mount namespace by the init process. */
#ifndef BERTH_RUNTIME_MOUNT_H
#define BERTH_RUNTIME_MOUNT_H

#include <stdbool.h>

#include "runtime/spec.h"

struct berr;

/* Propagation of "/", bind of the rootfs onto itself, every config mount, /dev and devices.
 * Returns an O_PATH fd of the rootfs mount for the later steps. */
int rt_mount_prepare(const struct rt_spec *spec, const char *cgroup_path, struct berr **err);
/* pivot_root into the rootfs (or MS_MOVE + chroot with no_pivot), then propagation. */
int rt_mount_enter_root(const struct rt_spec *spec, int rootfd, bool no_pivot, struct berr **err);
/* After entering the root: masked paths, read-only paths, read-only root. */
int rt_mount_finish(const struct rt_spec *spec, struct berr **err);

#endif
