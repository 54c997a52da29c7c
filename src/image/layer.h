/* Applying an image layer (a tar stream: gzip, zstd or plain) into an empty directory that
 * becomes an overlayfs lower dir. Whiteouts take overlayfs' form: ".wh.NAME" a 0:0 character
 * device NAME, ".wh..wh..opq" the xattr trusted.overlay.opaque=y on its directory.
 *
 * Nothing in the layer can reach outside the directory: an entry named with "..", an absolute
 * name, an entry or hardlink target that goes through a symbolic link or a non-directory is an
 * error (symbolic links themselves may point anywhere: they are resolved in the container).
 * xattrs kept: user.*, security.capability, system.posix_acl_*; trusted.* (overlayfs' own
 * among them) and the rest are dropped. On error the directory is left half-written: the
 * caller applies into a temporary directory and removes it (store.c). */
#ifndef BERTH_IMAGE_LAYER_H
#define BERTH_IMAGE_LAYER_H

#include <stdbool.h>
#include <stdint.h>

struct berr;

#define IMG_LAYER_DIGEST_LEN 71 /* "sha256:" + 64 hex */

struct img_layer_stats {
	uint64_t entries, bytes, whiteouts;
	/* set on success: the digests and sizes of the stream as read (the blob) and of the tar
	 * inside it (the diff id); the caller checks them against the manifest and config */
	char blob_digest[IMG_LAYER_DIGEST_LEN + 1], diff_id[IMG_LAYER_DIGEST_LEN + 1];
	uint64_t blob_size, diff_size;
};

/* rootfd: the directory (O_DIRECTORY). tar_fd: read to its end. */
int img_layer_apply(int rootfd, int tar_fd, struct img_layer_stats *stats, struct berr **err);
/* The same rules for a tar that is not a layer (berth cp - CONTAINER:DIR, a build context; bzip2
 * and xz compressed too, as Docker's archive package reads them): ".wh." names are
 * ordinary names, and neither a directory nor a non-directory replaces the other (an error,
 * as Docker's cp). Owners (translated by ids, or NULL), modes and times come from the tar. */
struct idshift;
int img_layer_untar(int dirfd, int tar_fd, const struct idshift *ids, struct berr **err);
/* img_layer_untar with options: owner, when set, is every entry's uid:gid (in the tar's
 * terms, before ids translates them), whatever the tar says: Docker's ChownOpts (`docker cp
 * -a` into a container with a User). replace_dir_nondir: a directory and a non-directory
 * replace one another, as any other entry replaces what is there (Docker's
 * noOverwriteDirNonDir=false); without it that is refused, EEXIST with Docker's message,
 * `cannot overwrite directory "/tmp/d" with non-directory "/tmp"`, the entry named under dest
 * (the directory as the caller names it; NULL: "/"). */
struct img_owner {
	uint32_t uid, gid;
};
struct img_untar_opts {
	const struct idshift *ids;
	const struct img_owner *owner;
	bool replace_dir_nondir;
	const char *dest;
};
int img_layer_untar_opts(int dirfd, int tar_fd, const struct img_untar_opts *o, struct berr **err);

#endif
