/* What a COPY carries besides a file's bytes and is read the same way by its checksum and by
 * the copy itself (see copy_attr.h). */
#include "build/copy_attr.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "util/err.h"
#include "util/path.h"
#include "util/xalloc.h"

/* ---- xattrs ---- */

bool bld_xattr_kept(const char *name)
{
	return !strncmp(name, "user.", 5) || !strcmp(name, "security.capability") ||
	       !strncmp(name, "system.posix_acl_", 17);
}

/* Through the fd's /proc/self/fd link: listxattr needs a readable fd or a path, and the magic
 * link is the file itself. Most files have none: one call then. */
int bld_xattrs_list(int pathfd, struct bld_xattrs *out, struct berr **err)
{
	char p[32];
	*out = (struct bld_xattrs){0};
	ssize_t n = listxattr(path_fd(pathfd, p), NULL, 0);
	if (n > 0) {
		out->names = xmalloc((size_t)n);
		n = listxattr(path_fd(pathfd, p), out->names, (size_t)n);
	}
	if (n < 0 && errno != ENOTSUP && errno != ENODATA)
		return berr_set(err, errno, "list xattrs");
	out->len = n < 0 ? 0 : n;
	return 0;
}

/* ---- hard links ---- */

long bld_links_find(struct bld_links *l, const struct bld_entry *e, size_t index, bool *found)
{
	*found = false;
	if (!S_ISREG(e->mode) || e->nlink < 2)
		return -1;
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].dev == e->dev && l->v[i].ino == e->ino) {
			*found = true;
			return (long)i;
		}
	if (l->n == BLD_LINKS_MAX)
		return -1;
	l->v[l->n].dev = e->dev;
	l->v[l->n].ino = e->ino;
	l->v[l->n].first = index;
	l->v[l->n].fd = -1;
	return (long)l->n++;
}

void bld_links_clear(struct bld_links *l)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].fd >= 0)
			(void)close(l->v[i].fd);
	l->n = 0;
}
