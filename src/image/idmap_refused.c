/* Why a store's layer cannot be idmapped (see idmap_refused.h). */
#include "image/idmap_refused.h"

#include <linux/magic.h>
#include <stddef.h>

#ifndef FUSE_SUPER_MAGIC
#define FUSE_SUPER_MAGIC 0x65735546
#endif
#ifndef ZFS_SUPER_MAGIC
#define ZFS_SUPER_MAGIC 0x2fc12fc1
#endif

const char *img_idmap_refused_hint(unsigned long f_type)
{
	switch (f_type) {
	case TMPFS_MAGIC:
		return "the store is on tmpfs, which Linux idmaps from 6.3 on, not this kernel: "
		       "a user namespace's root needs the store on ext4, xfs or btrfs here";
	case FUSE_SUPER_MAGIC:
		return "the store is on a FUSE file system (virtiofs, sshfs, ...), which this "
		       "kernel does not idmap: a user namespace's root needs the store on ext4, "
		       "xfs, btrfs or tmpfs";
	case NFS_SUPER_MAGIC:
		return "the store is on NFS, which Linux does not idmap: a user namespace's root "
		       "needs the store on ext4, xfs, btrfs or tmpfs";
	case OVERLAYFS_SUPER_MAGIC:
		return "the store is on overlayfs, which Linux does not idmap: a user namespace's "
		       "root needs the store on ext4, xfs, btrfs or tmpfs";
	case ZFS_SUPER_MAGIC:
		return "the store is on ZFS, which idmaps only from OpenZFS 2.2: a user "
		       "namespace's root needs the store on ext4, xfs, btrfs or tmpfs";
	default:
		return NULL;
	}
}
