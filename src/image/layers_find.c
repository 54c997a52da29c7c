/* A path in an image's layers (see layers_find.h). Everything is opened below the layer's
 * diff directory one component at a time with O_NOFOLLOW: the layers are the image's, whose
 * links may point anywhere, and nothing here leaves them. */
#include "image/layers_find.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "image/store.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/userns.h"
#include "util/xalloc.h"

#define COMPONENTS_MAX 64

enum found { FOUND, HIDDEN, ABSENT }; /* ABSENT: look in the layer below */

static bool opaque(int dirfd)
{
	char v[2] = "";
	return fgetxattr(dirfd, userns_overlay_opaque(), v, sizeof(v)) == 1 && v[0] == 'y';
}

/* path's components (n of them) in one layer's diff directory (fd, which this closes). out_fd
 * (or NULL): for a regular file found, an fd to read it (fs_open_regular), else -1. */
static enum found in_layer(int fd, char **comp, size_t n, int *out_fd)
{
	bool was_opaque = false;
	enum found r = ABSENT;
	for (size_t i = 0; i < n; i++) {
		struct stat st;
		if (fstatat(fd, comp[i], &st, AT_SYMLINK_NOFOLLOW) < 0) {
			r = was_opaque ? HIDDEN : ABSENT;
			break;
		}
		if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0)) {
			r = HIDDEN; /* a whiteout */
			break;
		}
		if (i + 1 == n) {
			r = S_ISREG(st.st_mode) || S_ISLNK(st.st_mode) ? FOUND : HIDDEN;
			if (out_fd && S_ISREG(st.st_mode))
				*out_fd = fs_open_regular(fd, comp[i], &st, NULL);
			break;
		}
		if (!S_ISDIR(st.st_mode)) {
			r = HIDDEN; /* a file or a link over the directory of the layers below */
			break;
		}
		int next = openat(fd, comp[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		(void)close(fd);
		fd = next;
		if (fd < 0) {
			r = HIDDEN;
			break;
		}
		was_opaque = was_opaque || opaque(fd);
	}
	if (fd >= 0)
		(void)close(fd);
	return r;
}

/* img_layers_find, and with out_fd img_layers_open's fd. */
static int lookup(struct img_store *s, json_t *chains, const char *path, int *out_fd,
		  struct berr **err)
{
	autofree char *copy = xstrdup(path);
	char *comp[COMPONENTS_MAX];
	size_t n = 0;
	for (char *save = NULL, *c = strtok_r(copy, "/", &save); c;
	     c = strtok_r(NULL, "/", &save)) {
		if (path[0] == '/' || n == COMPONENTS_MAX || !strcmp(c, ".") || !strcmp(c, ".."))
			return berr_plain(err, EINVAL, "not a relative path in an image: '%s'",
					  path);
		comp[n++] = c;
	}
	if (n == 0)
		return berr_plain(err, EINVAL, "not a relative path in an image: '%s'", path);
	for (size_t i = json_array_size(chains); i-- > 0;) {
		const char *chain = json_string_value(json_array_get(chains, i)) ?: "";
		const char *hex = strchr(chain, ':') ? strchr(chain, ':') + 1 : chain;
		if (!*hex || strspn(hex, "0123456789abcdef") != strlen(hex))
			return berr_plain(err, EINVAL, "bad layer '%s'", chain);
		autofree char *diff = xasprintf("layers/%s/diff", hex);
		int fd = openat(s->dirfd, diff, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return berr_set(err, errno, "layer '%s'", chain);
		enum found f = in_layer(fd, comp, n, out_fd);
		if (f != ABSENT)
			return f == FOUND;
	}
	return 0;
}

int img_layers_find(struct img_store *s, json_t *chains, const char *path, struct berr **err)
{
	return lookup(s, chains, path, NULL, err);
}

int img_layers_open(struct img_store *s, json_t *chains, const char *path, struct berr **err)
{
	int fd = -1;
	int r = lookup(s, chains, path, &fd, err);
	if (r < 0)
		return r;
	if (fd < 0)
		return berr_plain(err, ENOENT, "no regular file '%s' in the image", path);
	return fd;
}
