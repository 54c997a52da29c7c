/* A build context that comes as a tar (see context_tar.h). */
#include "build/context_tar.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image/layer.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/path.h"
#include "util/xalloc.h"

bool bld_context_tar_is(const void *head, size_t n)
{
	static const struct {
		const char *magic;
		size_t len;
	} compressed[] = {
	    {"\x1f\x8b", 2}, /* gzip */
	    {"BZh", 3},      /* bzip2 */
	    {"\xfd"
	     "7zXZ\x00",
	     6},                     /* xz */
	    {"\x28\xb5\x2f\xfd", 4}, /* zstd */
	};
	const char *h = head;
	if (n >= 262 && !memcmp(h + 257, "ustar", 5))
		return true;
	for (size_t i = 0; i < sizeof(compressed) / sizeof(compressed[0]); i++)
		if (n >= compressed[i].len && !memcmp(h, compressed[i].magic, compressed[i].len))
			return true;
	return false;
}

int bld_context_tar_open(const char *workdir, int tar_fd, struct bld_context_tar *out,
			 struct berr **err)
{
	*out = (struct bld_context_tar){.session = {.lock_fd = -1}};
	struct bld_session s;
	int r = bld_session_open(workdir, &s, err);
	if (r < 0)
		return r;
	autofree char *dir = xasprintf("%s/context", s.dir);
	if (mkdir(dir, 0755) < 0)
		r = berr_set(err, errno, "create '%s'", dir);
	autoclose int dfd =
	    r == 0 ? open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) : -1;
	if (r == 0 && dfd < 0)
		r = berr_set(err, errno, "open '%s'", dir);
	if (r == 0 && img_layer_untar(dfd, tar_fd, NULL, err) < 0)
		r = berr_wrap(err, "the build context's tar");
	if (r < 0) {
		bld_session_close(&s);
		return r;
	}
	out->session = s;
	out->dir = take_ptr(&dir);
	return 0;
}

void bld_context_tar_close(struct bld_context_tar *t)
{
	bld_session_close(&t->session);
	free(t->dir);
	t->dir = NULL;
}

int bld_context_tar_file(const struct bld_context_tar *t, const char *name, char **out_text,
			 size_t *out_len, char **out_path, struct berr **err)
{
	autoclose int root = open(t->dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return berr_set(err, errno, "open '%s'", t->dir);
	autoclose int pfd = path_open_in_root(root, name, O_PATH, 0, err);
	if (pfd < 0)
		return pfd;
	autoclose int fd = fs_open_regular(pfd, NULL, NULL, err);
	if (fd < 0)
		return fd;
	char proc[32], real[PATH_MAX];
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", pfd);
	ssize_t n = readlink(proc, real, sizeof(real) - 1);
	if (n < 0)
		return berr_set(err, errno, "readlink '%s'", proc);
	real[n] = '\0';
	char *text = NULL;
	size_t len = 0;
	int r = fs_read_fd(fd, BLD_CONTAINERFILE_MAX, &text, &len, err);
	if (r < 0)
		return r;
	*out_text = text;
	*out_len = len;
	*out_path = xstrdup(real);
	return 0;
}
