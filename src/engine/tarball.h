/* A tree of a container's files as a tar stream: `berth export` (the whole root), `berth cp
 * CONTAINER:PATH -` (one entry and what it holds), and `berth commit`'s layer (the upper
 * directory). The walk goes through fds alone: it does not follow symbolic links, reads no
 * FIFO or device, and holds while the container changes the tree under it. */
#ifndef BERTH_ENGINE_TARBALL_H
#define BERTH_ENGINE_TARBALL_H

#include <stdbool.h>
#include <stdint.h>

struct archive;
struct berr;
struct idshift;

/* dirfd/name (name NULL: dirfd itself, which may be an O_PATH fd of any file) into out_fd as a
 * POSIX (pax) tar. Entries are named as `as` followed by their path under the entry: as "." gives
 * ".", "./etc", ...; as "etc" gives "etc", "etc/passwd", ...; as "" gives ".", "etc", ...
 * Owners are translated by ids (NULL: as they are). Metadata as libarchive's disk reader
 * gives it (file flags, ACLs, holes; no xattrs, no user names); mount points below the entry
 * are listed but not entered. The second and later names of a non-directory are hard-link
 * entries (typeflag '1', size 0) naming the first, as docker's and BuildKit's tars. */
int eng_tarball_write(int dirfd, const char *name, const char *as, int out_fd,
		      const struct idshift *ids, struct berr **err);
/* What directory dirfd (an overlayfs upper directory) holds, into out (an open writer) as an
 * image layer: entries "a", "a/b", ...; a whiteout (a 0:0 character device NAME) becomes an
 * empty ".wh.NAME", an opaque directory (trusted.overlay.opaque=y) gets ".wh..wh..opq";
 * security.capability is kept; hard links as eng_tarball_write's. */
struct eng_layer_walk {
	/* the tree made what unpacking the layer gives (its snapshot is then the tree itself):
	 * the xattrs of files and directories that the layer does not carry are removed */
	bool normalize;
	uint64_t bytes; /* out: bytes of file content written (first names of each inode) */
};
int eng_tarball_layer(struct archive *out, int dirfd, struct eng_layer_walk *w, struct berr **err);

#endif
