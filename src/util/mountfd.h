/* Mounts copied, changed and attached by descriptor with the new mount API (open_tree,
 * move_mount, fsopen: Linux 5.2; mount_setattr: 5.12). No path is looked up on the way, so
 * nothing a container mounted or linked in its tree (or in its /proc, which a path through
 * /proc/self/fd would cross) can redirect them. */
#ifndef BERTH_UTIL_MOUNTFD_H
#define BERTH_UTIL_MOUNTFD_H

#include <stdbool.h>
#include <stdint.h>

struct berr;

/* A copy of what source_fd is (the mount it is on, rooted at it: a file or a directory, with
 * the mounts below it when recursive), with MOUNT_ATTR_* attr_set applied, attached on the file
 * or directory target_fd is. Errors name neither: callers say what was being mounted. */
int mountfd_bind(int source_fd, int target_fd, bool recursive, uint64_t attr_set,
		 struct berr **err);
/* A detached, empty, read-only tmpfs that holds no inode but its root (for masking
 * directories; bind it with mountfd_bind as often as needed). */
int mountfd_empty_tmpfs(struct berr **err);

#endif
