/* Mounts by descriptor (see mountfd.h). */
#include "util/mountfd.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/err.h"

int mountfd_bind(int source_fd, int target_fd, bool recursive, uint64_t attr_set, struct berr **err)
{
	unsigned rec = recursive ? AT_RECURSIVE : 0;
	autoclose int tree =
	    (int)syscall(SYS_open_tree, source_fd, "",
			 OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH | rec);
	if (tree < 0)
		return berr_set(err, errno, "copy mount");
	if (attr_set) {
		/* Only sets: flags the source has locked (a user namespace's) are kept. */
		struct mount_attr attr = {.attr_set = attr_set};
		if (syscall(SYS_mount_setattr, tree, "", AT_EMPTY_PATH | rec, &attr, sizeof(attr)) <
		    0)
			return berr_set(err, errno, "set mount attributes");
	}
	if (syscall(SYS_move_mount, tree, "", target_fd, "",
		    MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return berr_set(err, errno, "attach mount");
	return 0;
}

int mountfd_empty_tmpfs(struct berr **err)
{
	autoclose int fs = (int)syscall(SYS_fsopen, "tmpfs", FSOPEN_CLOEXEC);
	if (fs < 0)
		return berr_set(err, errno, "fsopen tmpfs");
	if (syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "nr_inodes", "1", 0) < 0 ||
	    syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "size", "4k", 0) < 0 ||
	    syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return berr_set(err, errno, "create tmpfs");
	int mnt = (int)syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC,
			       MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
				   MOUNT_ATTR_NOEXEC);
	if (mnt < 0)
		return berr_set(err, errno, "mount tmpfs");
	return mnt;
}
