/* Unpacked layers and the overlayfs mounts made of them (docs/DESIGN.md "Image store"):
 *   <root>/layers/<chain hex>/diff/        the layer's own tree (with overlayfs whiteouts),
 *                                          used read-only as a lower dir
 *   <root>/layers/<chain hex>/layer.json   {"diff_id", "parent", "size", "tar_size", "blob",
 *                                          "blob_size"}
 * A layer is unpacked once per chain id (its diff id and everything below it), into a temp
 * directory, checked against the diff id the image config lists, and renamed into place: it is
 * there whole or not at all. Two processes unpacking the same layer both succeed; one rename
 * wins. */
#ifndef BERTH_IMAGE_SNAPSHOT_H
#define BERTH_IMAGE_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct berr;
struct idshift;
struct img_store;

#define IMG_CHAIN_LEN 71

/* Unpack the layer stream read from fd (gzip, zstd or plain tar) on top of parent_chain (NULL
 * for the first layer). The stream's uncompressed digest must be expect_diff_id (or NULL: any)
 * and, when expect_blob is given, its own digest that one. out_chain gets the new chain id. */
int img_snapshot_unpack(struct img_store *s, const char *parent_chain, int fd,
			const char *expect_blob, const char *expect_diff_id,
			char out_chain[IMG_CHAIN_LEN + 1], struct berr **err);
/* A layer whose tree is there already (dir: an overlayfs upper directory the caller gives
 * away, on the store's filesystem, made what unpacking its tar gives: eng_tarball_layer's
 * normalize): moved into the store as chain's snapshot, with the record that tar's figures
 * make (diff_id, its size, bytes of content; the blob is the tar itself). Its top directory
 * becomes what unpacking makes (0755, root's, no xattrs). A layer already there is kept (dir
 * is then left where it is). EXDEV when dir is on another filesystem. */
struct img_layer_stats;
int img_snapshot_adopt(struct img_store *s, const char *parent_chain, const char *dir,
		       const struct img_layer_stats *st, const char *chain, struct berr **err);
bool img_snapshot_has(struct img_store *s, const char *chain);
/* Bytes of file content of that layer alone (from its record), or -1. */
int64_t img_snapshot_size(struct img_store *s, const char *chain);
/* Bytes of the layer's uncompressed tar (what `save` writes as layer.tar), or -1. */
int64_t img_snapshot_tar_size(struct img_store *s, const char *chain);
int img_snapshot_remove(struct img_store *s, const char *chain, struct berr **err);

/* Mount an overlayfs at target: chains (bottom first) as lower dirs, upper and work as given
 * (both NULL: a read-only mount of the layers alone). */
int img_snapshot_mount(struct img_store *s, char *const *chains, size_t n, const char *upper,
		       const char *work, const char *target, struct berr **err);
/* The same with overlayfs's "volatile" option (Linux 5.10, podman's for --rm containers):
 * nothing syncs the upper's filesystem, neither an fsync in the container nor the unmount,
 * which otherwise writes back every dirty page of that whole filesystem, whoever's. For an
 * upper that is thrown away at its end; one left by a crash can no longer be mounted. */
int img_snapshot_mount_volatile(struct img_store *s, char *const *chains, size_t n,
				const char *upper, const char *work, const char *target,
				struct berr **err);

/* The same for a container in a user namespace: every layer and upper_parent (holding diff/
 * and work/) cloned with MOUNT_ATTR_IDMAP of userns_fd (a user namespace with the container's
 * maps), attached under scratch for the mount and detached after, so that files keep their
 * ids on disk and the container's root owns what the image's root owns; uid and gid are the
 * host ids of the container's root. Linux 5.19. A layer whose file system refuses the
 * idmapping is replaced by its copy with the owners shifted by map (image/layer_chown.h); the
 * upper is never copied: the container's changes stay in its own ids on disk, which commit,
 * cp and diff read, so a refused upper is an error naming the file system. */
int img_snapshot_mount_idmapped(struct img_store *s, char *const *chains, size_t n,
				const char *upper_parent, int userns_fd, const struct idshift *map,
				uid_t uid, gid_t gid, const char *scratch, const char *target,
				struct berr **err);

/* Where idmapped mounts cannot be made (a rootless engine: the store's file system belongs to
 * the host's user namespace), the same view through fuse-overlayfs's own mapping (podman's
 * rootless mount_program): uidmapping and gidmapping are the container's maps as
 * "CONTAINER:HOST:SIZE[:CONTAINER:HOST:SIZE...]", ids on disk are the container's. */
int img_snapshot_mount_mapped(struct img_store *s, char *const *chains, size_t n, const char *upper,
			      const char *work, const char *uidmapping, const char *gidmapping,
			      const char *target, struct berr **err);

#endif
