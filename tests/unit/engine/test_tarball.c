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
#include "image/layer.h"
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
		const char *link = archive_entry_symlink(e), *hard = archive_entry_hardlink(e);
		snprintf(out + strlen(out), 8192 - strlen(out), "%s %o %lld %s%s\n",
			 archive_entry_pathname(e), (unsigned)archive_entry_filetype(e) >> 12,
			 (long long)archive_entry_size(e), hard ? "=> " : "",
			 link   ? link
			 : hard ? hard
				: data);
	}
	archive_read_free(a);
	return out;
}

/* the tar of name as `as`, in a memfd */
static int tar_fd_of(const char *name, const char *as)
{
	int fd = memfd_create("tar", MFD_CLOEXEC);
	struct berr *err = NULL;
	int r = eng_tarball_write(basefd, name, as, fd, NULL, &err);
	berr_clear(&err);
	assert_int_equal(r, 0);
	return fd;
}

static char *tar_of(const char *name, const char *as)
{
	int fd = tar_fd_of(name, as);
	char *l = listing(fd);
	close(fd);
	return l;
}

/* commit's layer of directory rel, in a memfd */
static int layer_fd_of(const char *rel)
{
	int dir = open(at(rel), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int fd = memfd_create("layer", MFD_CLOEXEC);
	struct archive *out = archive_write_new();
	archive_write_set_format_pax_restricted(out);
	assert_int_equal(archive_write_open_fd(out, fd), ARCHIVE_OK);
	assert_int_equal(eng_tarball_layer(out, dir, NULL, NULL), 0);
	assert_int_equal(archive_write_close(out), ARCHIVE_OK);
	archive_write_free(out);
	close(dir);
	return fd;
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
	int fd = layer_fd_of("root");
	char *l = listing(fd);
	assert_non_null(strstr(l, ".wh.gone 10 0 \n"));
	assert_non_null(strstr(l, "a/ 4 0 \na/.wh..wh..opq 10 0 \n"));
	assert_non_null(strstr(l, "a/f 10 6 inside\n"));
	free(l);
	close(fd);
}

/* The names in l of the three links of one file (prefix p: "./" or ""): one entry with the
 * bytes, the other two hard links (typeflag '1', size 0) naming it, in the order met. */
static void one_file_two_links(const char *l, const char *p)
{
	static const char *const names[] = {"x/one", "y/z/two", "three"};
	char first[64] = "", line[128];
	const char *first_at = NULL;
	for (int i = 0; i < 3; i++) {
		snprintf(line, sizeof(line), "%s%s 10 6 linked\n", p, names[i]);
		const char *found = strstr(l, line);
		if (found) {
			assert_null(first_at);
			first_at = found;
			snprintf(first, sizeof(first), "%s%s", p, names[i]);
		}
	}
	assert_non_null(first_at);
	for (int i = 0; i < 3; i++) {
		if (!strcmp(first + strlen(p), names[i]))
			continue;
		snprintf(line, sizeof(line), "%s%s 0 0 => %s\n", p, names[i], first);
		const char *found = strstr(l, line);
		if (!found)
			fail_msg("no '%s' in\n%s", line, l);
		/* the first name comes before its links: an unpacker links to what it has */
		assert_true(first_at < found);
	}
	snprintf(line, sizeof(line), "%sother 10 5 apart\n", p);
	assert_non_null(strstr(l, line));
}

/* The tree unpacked by the layer applier from tar fd: the three names one inode, nlink 3. */
static void unpacked_as_one_inode(int fd)
{
	assert_int_equal(mkdir(at("out"), 0755), 0);
	int outfd = open(at("out"), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	struct berr *err = NULL;
	int r = img_layer_apply(outfd, fd, NULL, &err);
	if (r < 0)
		fail_msg("apply: %s", berr_string(err));
	close(outfd);
	struct stat one, two, three, other, s1, s2;
	assert_int_equal(lstat(at("out/x/one"), &one), 0);
	assert_int_equal(lstat(at("out/y/z/two"), &two), 0);
	assert_int_equal(lstat(at("out/three"), &three), 0);
	assert_int_equal(lstat(at("out/other"), &other), 0);
	assert_int_equal(one.st_nlink, 3);
	assert_true(one.st_ino == two.st_ino && one.st_ino == three.st_ino);
	assert_int_equal(one.st_size, 6);
	assert_int_equal(other.st_nlink, 1);
	/* a symbolic link's two names (docker links every non-directory) */
	assert_int_equal(lstat(at("out/s1"), &s1), 0);
	assert_int_equal(lstat(at("out/x/s2"), &s2), 0);
	assert_true(S_ISLNK(s1.st_mode) && s1.st_ino == s2.st_ino && s1.st_nlink == 2);
	(void)fs_rm_rf(AT_FDCWD, at("out"), NULL);
}

/* link(2) from and to, both under base (at() has one buffer) */
static void ln(const char *from, const char *to)
{
	char f[PATH_MAX];
	snprintf(f, sizeof(f), "%s", at(from));
	assert_int_equal(linkat(AT_FDCWD, f, AT_FDCWD, at(to), 0), 0);
}

/* A file linked under three names in three directories, an unrelated file, and a symbolic
 * link with two names: before, each name became a file of its own */
static void hard_links(void **state)
{
	assert_int_equal(mkdir(at("root/x"), 0755), 0);
	assert_int_equal(mkdir(at("root/y"), 0755), 0);
	assert_int_equal(mkdir(at("root/y/z"), 0755), 0);
	assert_int_equal(fs_write_file(AT_FDCWD, at("root/x/one"), "linked", 6, 0644, NULL), 0);
	ln("root/x/one", "root/y/z/two");
	ln("root/x/one", "root/three");
	assert_int_equal(fs_write_file(AT_FDCWD, at("root/other"), "apart", 5, 0644, NULL), 0);
	assert_int_equal(symlink("x/one", at("root/s1")), 0);
	ln("root/s1", "root/x/s2");
	int fd = tar_fd_of("root", ".");
	char *l = listing(fd);
	one_file_two_links(l, "./");
	free(l);
	unpacked_as_one_inode(fd);
	close(fd);
	/* commit's layer: the same; overlayfs' whiteouts, which share one inode since Linux 5.8,
	 * stay whiteouts (".wh." files), neither links nor link targets */
	assert_int_equal(mknod(at("root/gone1"), S_IFCHR | 0600, makedev(0, 0)), 0);
	ln("root/gone1", "root/x/gone2");
	fd = layer_fd_of("root");
	l = listing(fd);
	one_file_two_links(l, "");
	assert_non_null(strstr(l, ".wh.gone1 10 0 \n"));
	assert_non_null(strstr(l, "x/.wh.gone2 10 0 \n"));
	free(l);
	unpacked_as_one_inode(fd);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(tree, setup, teardown),
	    cmocka_unit_test_setup_teardown(dir_swapped_for_link, setup, teardown),
	    cmocka_unit_test_setup_teardown(file_swapped_for_fifo, setup, teardown),
	    cmocka_unit_test_setup_teardown(layer_markers, setup, teardown),
	    cmocka_unit_test_setup_teardown(hard_links, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
