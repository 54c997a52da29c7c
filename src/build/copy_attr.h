/* What a COPY carries besides a file's bytes, read the same way by the checksum (copy.c) and
 * by the copy (copy_apply.c), so that the cache key changes exactly when the copy would:
 * the xattrs that travel, and the hard-link groups inside one match. */
#ifndef BERTH_BUILD_COPY_ATTR_H
#define BERTH_BUILD_COPY_ATTR_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "build/context.h"

struct berr;

/* The xattrs copied, as the layer applier keeps them: user data, file capabilities, ACLs. */
bool bld_xattr_kept(const char *name);

struct bld_xattrs {
	char *names; /* NUL-separated, as listxattr gives them (caller frees) */
	ssize_t len;
};
/* The names on the file an O_PATH fd holds (none where the file system has no xattrs). */
int bld_xattrs_list(int pathfd, struct bld_xattrs *out, struct berr **err);

/* Hard links inside one match, as fsutil's copier keeps them (its inode map): an inode with
 * more than one link is copied where it first appears and linked again where it appears
 * later. At most BLD_LINKS_MAX inodes per match are followed (each keeps an fd of its copy);
 * later ones are copied as files. The checksum notes the same groups. */
#define BLD_LINKS_MAX 256

struct bld_links {
	struct {
		dev_t dev;
		ino_t ino;
		size_t first; /* the entry where it first appeared */
		int fd;       /* O_PATH fd of its copy, or -1 */
	} v[BLD_LINKS_MAX];
	size_t n;
};

/* The record of e's inode in l: found there (*found), or made now while there is room; -1
 * for an inode with one link, or no room. */
long bld_links_find(struct bld_links *l, const struct bld_entry *e, size_t index, bool *found);
/* Close the copies' fds; l is empty again. */
void bld_links_clear(struct bld_links *l);

#endif
