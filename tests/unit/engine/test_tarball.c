/* A tree as a tar (export, cp CONTAINER:PATH -, commit's layer) while the container changes
 * it. The container's moves are played at a fixed point: this file's open functions run in
 * place of libc's (for berth's code and for libarchive's), do what a racing container would
 * do when the file named "f" is about to be opened, then open. Needs root (a whiteout
 * device, trusted.* xattrs), as commit itself does. */
/* our open() replaces libc's: not its fortified inline wrapper */
#undef _FORTIFY_SOURCE
/* cmocka.h needs setjmp.h, stdarg.h and stddef.h before it: keep this order. */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cmocka.h>
// clang-format on

#include "engine/tarball.h"
#include "util/err.h"
#include "util/fs.h"

static char base[64]; /* holds root/ (the container's) and outside/ (the host's) */
static int basefd = -1;

enum move { NONE, DIR_TO_LINK, FILE_TO_FIFO };
static enum move move_at_f;

static char *at(const char *rel)
{
	static char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s/%s", base, rel);
	return p;
}

static void play_move(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (move_at_f == NONE || strcmp(slash ? slash + 1 : path, "f"))
		return;
	char a[PATH_MAX], aside[PATH_MAX], outside[PATH_MAX];
	snprintf(aside, sizeof(aside), "%s", at("aside"));
	if (move_at_f == DIR_TO_LINK) { /* root/a becomes a link to the host's outside/ */
		snprintf(a, sizeof(a), "%s", at("root/a"));
		snprintf(outside, sizeof(outside), "%s", at("outside"));
		assert_int_equal(rename(a, aside), 0);
		assert_int_equal(symlink(outside, a), 0);
	} else { /* root/a/f becomes a FIFO nobody writes to */
		snprintf(a, sizeof(a), "%s", at("root/a/f"));
		assert_int_equal(rename(a, aside), 0);
		assert_int_equal(mkfifo(a, 0644), 0);
	}
	move_at_f = NONE;
}

static int open_played(int dirfd, const char *path, int flags, mode_t mode)
{
	play_move(path);
	return (int)syscall(SYS_openat, dirfd, path, flags, mode);
}

int openat(int dirfd, const char *path, int flags, ...)
{
	va_list ap;
	va_start(ap, flags);
	mode_t mode = va_arg(ap, mode_t);
	va_end(ap);
	return open_played(dirfd, path, flags, mode);
}

int open(const char *path, int flags, ...)
{
	va_list ap;
	va_start(ap, flags);
	mode_t mode = va_arg(ap, mode_t);
	va_end(ap);
	return open_played(AT_FDCWD, path, flags, mode);
}

/* what callers built with _FORTIFY_SOURCE call (libarchive, berth's release build) */
int __open_2(const char *path, int flags);
int __openat_2(int dirfd, const char *path, int flags);

int __open_2(const char *path, int flags)
{
	return open_played(AT_FDCWD, path, flags, 0);
}

int __openat_2(int dirfd, const char *path, int flags)
{
	return open_played(dirfd, path, flags, 0);
}

static int setup(void **state)
{
	snprintf(base, sizeof(base), "/tmp/berth-unit-tarball.XXXXXX");
	assert_non_null(mkdtemp(base));
	assert_int_equal(mkdir(at("root"), 0755), 0);
	assert_int_equal(mkdir(at("root/a"), 0755), 0);
	assert_int_equal(fs_write_file(AT_FDCWD, at("root/a/f"), "inside", 6, 0644, NULL), 0);
	assert_int_equal(mkdir(at("outside"), 0755), 0);
	assert_int_equal(fs_write_file(AT_FDCWD, at("outside/f"), "HOST secret", 11, 0600, NULL),
			 0);
	basefd = open(base, O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(basefd >= 0);
	return 0;
}

static int teardown(void **state)
{
	move_at_f = NONE;
	close(basefd);
	(void)fs_rm_rf(AT_FDCWD, base, NULL);
	return 0;
}

static void hung(int sig)
{
	static const char msg[] = "the tar hung on a FIFO\n";
	if (write(2, msg, sizeof(msg) - 1) < 0)
		_exit(2);
	_exit(1);
}

/* "name type size content|link" of each entry, one a line, in the tar's order */
static char *listing(int fd)
{
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	struct archive *a = archive_read_new();
	archive_read_support_format_tar(a);
	assert_int_equal(archive_read_open_fd(a, fd, 4096), ARCHIVE_OK);
	char *out = calloc(1, 8192);
	struct archive_entry *e;
	while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
		char data[64] = "";
		la_ssize_t n = archive_read_data(a, data, sizeof(data) - 1);
		data[n > 0 ? n : 0] = '\0';
		const char *link = archive_entry_symlink(e);
		snprintf(out + strlen(out), 8192 - strlen(out), "%s %o %lld %s\n",
			 archive_entry_pathname(e), (unsigned)archive_entry_filetype(e) >> 12,
			 (long long)archive_entry_size(e), link ? link : data);
	}
	archive_read_free(a);
	return out;
}

static char *tar_of(const char *name, const char *as)
{
	int fd = memfd_create("tar", MFD_CLOEXEC);
	struct berr *err = NULL;
	int r = eng_tarball_write(basefd, name, as, fd, NULL, &err);
	berr_clear(&err);
	assert_int_equal(r, 0);
	char *l = listing(fd);
	close(fd);
	return l;
}

static void tree(void **state)
{
	assert_int_equal(symlink("../outside/f", at("root/a/l")), 0);
	assert_int_equal(mkfifo(at("root/p"), 0600), 0);
	char *l = tar_of("root", "root");
	assert_non_null(strstr(l, "root/ 4 0 \n"));
	assert_non_null(strstr(l, "root/a/f 10 6 inside\n"));
	assert_non_null(strstr(l, "root/a/l 12 0 ../outside/f\n"));
	assert_non_null(strstr(l, "root/p 1 0 \n"));
	assert_null(strstr(l, "HOST"));
	free(l);
	/* a link as the entry itself: the link (cp without -L) */
	l = tar_of("root/a/l", "l");
	assert_string_equal(l, "l 12 0 ../outside/f\n");
	free(l);
}

/* issue F1: a directory swapped for a link to the host while the tree is read must not put
 * the host's files in the tar */
static void dir_swapped_for_link(void **state)
{
	move_at_f = DIR_TO_LINK;
	char *l = tar_of("root", "root");
	assert_int_equal(move_at_f, NONE); /* the move was played */
	assert_null(strstr(l, "HOST"));
	assert_non_null(strstr(l, "root/a/f 10 6 inside\n"));
	free(l);
}

/* issue F5: a file swapped for a FIFO must not hang the tar */
static void file_swapped_for_fifo(void **state)
{
	move_at_f = FILE_TO_FIFO;
	signal(SIGALRM, hung);
	alarm(5);
	int fd = memfd_create("tar", MFD_CLOEXEC);
	struct berr *err = NULL;
	(void)eng_tarball_write(basefd, "root", "root", fd, NULL, &err);
	berr_clear(&err);
	alarm(0);
	assert_int_equal(move_at_f, NONE);
	char *l = listing(fd);
	assert_null(strstr(l, "HOST"));
	free(l);
	close(fd);
}

/* commit's layer: overlayfs' whiteouts and opaque directories as the image spec's markers */
static void layer_markers(void **state)
{
	assert_int_equal(mknod(at("root/gone"), S_IFCHR | 0600, makedev(0, 0)), 0);
	assert_int_equal(setxattr(at("root/a"), "trusted.overlay.opaque", "y", 1, 0), 0);
	int dir = open(at("root"), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int fd = memfd_create("layer", MFD_CLOEXEC);
	struct archive *out = archive_write_new();
	archive_write_set_format_pax_restricted(out);
	assert_int_equal(archive_write_open_fd(out, fd), ARCHIVE_OK);
	assert_int_equal(eng_tarball_layer(out, dir, NULL), 0);
	assert_int_equal(archive_write_close(out), ARCHIVE_OK);
	archive_write_free(out);
	char *l = listing(fd);
	assert_non_null(strstr(l, ".wh.gone 10 0 \n"));
	assert_non_null(strstr(l, "a/ 4 0 \na/.wh..wh..opq 10 0 \n"));
	assert_non_null(strstr(l, "a/f 10 6 inside\n"));
	free(l);
	close(fd);
	close(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(tree, setup, teardown),
	    cmocka_unit_test_setup_teardown(dir_swapped_for_link, setup, teardown),
	    cmocka_unit_test_setup_teardown(file_swapped_for_fifo, setup, teardown),
	    cmocka_unit_test_setup_teardown(layer_markers, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
