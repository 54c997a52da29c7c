/* The container's filesystem view, built inside its mount namespace by the init process. */
#ifndef BERTH_RUNTIME_MOUNT_H
#define BERTH_RUNTIME_MOUNT_H

#include <stdbool.h>

#include "runtime/spec.h"

struct berr;

/* In the runtime, before the container's namespaces: detached copies (open_tree) of the bind
 * sources that must be reached with the host's credentials: every bind when the container
 * gets a new user namespace, and every idmapped bind (the mapping applied here). *out_fds has
 * one entry per spec mount, -1 where the init binds the path itself, then one per
 * linux.devices entry: with a new user namespace (where mknod is refused) the node is made
 * here in workdir, owned by the host ids its uid/gid map to, and handed over as a mount. */
int rt_mount_open_sources(const struct rt_spec *spec, const char *workdir, int **out_fds,
			  struct berr **err);
void rt_mount_close_sources(const struct rt_spec *spec, int *fds);

/* Propagation of "/", bind of the rootfs onto itself, every config mount (targets resolved in
 * the root and checked where they really are: /proc and /sys at exactly their paths, nothing
 * inside /proc but lxcfs's files), /dev and devices (runtime/dev.h).
 * source_fds (or NULL) comes from rt_mount_open_sources. pause (or NULL) is called between
 * the config's mounts and /dev: the caller waits there for the runtime. Returns an O_PATH fd
 * of the rootfs mount for the later steps. */
int rt_mount_prepare(const struct rt_spec *spec, const int *source_fds, const char *cgroup_path,
		     int (*pause)(void *, struct berr **), void *arg, struct berr **err);
/* pivot_root into the rootfs (or MS_MOVE + chroot with no_pivot), then propagation. */
int rt_mount_enter_root(const struct rt_spec *spec, int rootfd, bool no_pivot, struct berr **err);

#endif
