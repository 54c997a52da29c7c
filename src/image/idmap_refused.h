/* Why a store's layer cannot be idmapped: the words for the error a container with a user
 * namespace gets when the kernel refuses MOUNT_ATTR_IDMAP on the file system its store is on
 * (mount_setattr(2): EINVAL), so the user learns where the store must be, not just "Invalid
 * argument" (image/snapshot.c's idmapped layers). */
#ifndef BERTH_IMAGE_IDMAP_REFUSED_H
#define BERTH_IMAGE_IDMAP_REFUSED_H

/* The explanation for file system type f_type (statfs(2)'s magic), a static string: what the
 * file system is and which file systems take idmapped mounts; NULL for one not known to refuse
 * them (ext4, xfs, btrfs: their EINVAL has another cause). */
const char *img_idmap_refused_hint(unsigned long f_type);

#endif
