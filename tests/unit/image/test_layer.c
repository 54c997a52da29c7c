/* Layer apply: content, metadata, whiteouts, compressions, and hostile tars that must not
 * reach outside the layer directory. Tars are built here with libarchive's writer. Needs root
 * (ownership, device nodes), as the layer applier itself does. */
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

#include "image/layer.h"
#include "util/digest.h"
#include "util/err.h"
#include "util/fs.h"

enum filter { PLAIN, GZIP, ZSTD };

struct ent {
	const char *path;
	mode_t type; /* AE_IFREG, AE_IFDIR, AE_IFLNK, AE_IFCHR, AE_IFIFO; 0 = hardlink */
	mode_t perm;
	const char *data; /* content, symlink target or hardlink target */
	const char *xattr_name, *xattr_value;
	size_t xattr_len;
};

/* vfs_cap_data, revision 2, effective: CAP_NET_RAW permitted (linux/capability.h) */
#define NET_RAW_CAP "\x01\x00\x00\x02\x00\x20\x00\x00\0\0\0\0\0\0\0\0\0\0\0\0"

static char base[128]; /* holds layer/ and outside/ */
static int layerfd = -1;

/* A tar of ents in a memfd, positioned at 0. */
static int make_tar(const struct ent *ents, size_t n, enum filter f)
{
	int fd = memfd_create("layer", MFD_CLOEXEC);
	assert_true(fd >= 0);
	struct archive *a = archive_write_new();
	archive_write_set_format_pax_restricted(a);
	if (f == GZIP)
		archive_write_add_filter_gzip(a);
	if (f == ZSTD)
		assert_int_equal(archive_write_add_filter_zstd(a), ARCHIVE_OK);
	assert_int_equal(archive_write_open_fd(a, fd), ARCHIVE_OK);
	for (size_t i = 0; i < n; i++) {
		struct archive_entry *e = archive_entry_new();
		archive_entry_set_pathname(e, ents[i].path);
		archive_entry_set_uid(e, 1000 + i);
		archive_entry_set_gid(e, 2000 + i);
		archive_entry_set_mtime(e, 1000000 + (time_t)i, 0);
		if (ents[i].type == 0) {
			archive_entry_set_filetype(e, AE_IFREG);
			archive_entry_set_hardlink(e, ents[i].data);
		} else {
			archive_entry_set_filetype(e, ents[i].type);
			archive_entry_set_perm(e, ents[i].perm);
		}
		if (ents[i].type == AE_IFLNK)
			archive_entry_set_symlink(e, ents[i].data);
		if (ents[i].type == AE_IFCHR)
			archive_entry_set_rdev(e, makedev(1, 3));
		if (ents[i].xattr_name)
			archive_entry_xattr_add_entry(e, ents[i].xattr_name, ents[i].xattr_value,
						      ents[i].xattr_len);
		size_t len = ents[i].type == AE_IFREG && ents[i].data ? strlen(ents[i].data) : 0;
		archive_entry_set_size(e, (la_int64_t)len);
		assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
		if (len)
			assert_int_equal(archive_write_data(a, ents[i].data, len), (la_ssize_t)len);
		archive_entry_free(e);
	}
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	return fd;
}

/* A running container's move while cp - writes into it: at the next chown, name (under the
 * layer) becomes a symbolic link to outside/target, the host file it wants chmod'ed. This
 * fchownat() runs in place of libc's for layer.c (linked in statically). */
static const char *swap_at_chown;

int fchownat(int dirfd, const char *path, uid_t owner, gid_t group, int flags)
{
	if (swap_at_chown) {
		char from[PATH_MAX], aside[PATH_MAX], target[PATH_MAX];
		snprintf(from, sizeof(from), "%s/layer/%s", base, swap_at_chown);
		snprintf(aside, sizeof(aside), "%s/aside", base);
		snprintf(target, sizeof(target), "%s/outside/target", base);
		assert_int_equal(rename(from, aside), 0);
		assert_int_equal(symlink(target, from), 0);
		swap_at_chown = NULL;
	}
	return (int)syscall(SYS_fchownat, dirfd, path, owner, group, flags);
}

static int apply(const struct ent *ents, size_t n, enum filter f, struct berr **err)
{
	int fd = make_tar(ents, n, f);
	struct img_layer_stats st;
	int r = img_layer_apply(layerfd, fd, &st, err);
	close(fd);
	return r;
}

static char *at(const char *rel)
{
	static char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s/%s", base, rel);
	return p;
}

static int setup(void **state)
{
	snprintf(base, sizeof(base), "/tmp/berth-unit-layer.XXXXXX");
	assert_non_null(mkdtemp(base));
	assert_int_equal(mkdir(at("layer"), 0755), 0);
	assert_int_equal(mkdir(at("outside"), 0755), 0);
	layerfd = open(at("layer"), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(layerfd >= 0);
	return 0;
}

static int teardown(void **state)
{
	close(layerfd);
	(void)fs_rm_rf(AT_FDCWD, base, NULL);
	return 0;
}

static void outside_is_empty(void)
{
	struct stat st;
	assert_int_equal(stat(at("outside"), &st), 0);
	assert_int_equal(st.st_nlink, 2);
	assert_int_not_equal(access(at("escaped"), F_OK), 0);
}

static void content_and_metadata(enum filter f)
{
	const struct ent ents[] = {
	    {"./etc/", AE_IFDIR, 0750},
	    {"./etc/hello", AE_IFREG, 04755, "hi there\n"},
	    {"etc/link", AE_IFLNK, 0777, "/etc/hello"},
	    {"etc/hard", 0, 0, "etc/hello"},
	    {"etc/fifo", AE_IFIFO, 0640},
	    {"dev/null", AE_IFCHR, 0666},
	    {"bin/ping", AE_IFREG, 0755, "ELF", "security.capability", NET_RAW_CAP, 20},
	    {"bin/drop", AE_IFREG, 0644, "x", "trusted.overlay.opaque", "y", 1},
	};
	assert_int_equal(apply(ents, sizeof(ents) / sizeof(ents[0]), f, NULL), 0);
	struct stat st;
	assert_int_equal(stat(at("layer/etc"), &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0750);
	assert_int_equal(st.st_uid, 1000);
	assert_int_equal(st.st_mtime, 1000000); /* set after its children were written */
	assert_int_equal(stat(at("layer/etc/hello"), &st), 0);
	assert_int_equal(st.st_mode & 07777, 04755); /* set-id kept although chown clears it */
	assert_int_equal(st.st_uid, 1001);
	assert_int_equal(st.st_gid, 2001);
	assert_int_equal(st.st_size, 9);
	assert_int_equal(st.st_nlink, 2);
	ino_t ino = st.st_ino;
	assert_int_equal(stat(at("layer/etc/hard"), &st), 0);
	assert_int_equal(st.st_ino, ino);
	char buf[64] = {0};
	assert_int_equal(readlink(at("layer/etc/link"), buf, sizeof(buf)), 10);
	assert_string_equal(buf, "/etc/hello");
	assert_int_equal(lstat(at("layer/etc/link"), &st), 0);
	assert_int_equal(st.st_uid, 1002);
	assert_int_equal(stat(at("layer/etc/fifo"), &st), 0);
	assert_true(S_ISFIFO(st.st_mode));
	assert_int_equal(stat(at("layer/dev/null"), &st), 0);
	assert_true(S_ISCHR(st.st_mode));
	assert_int_equal(st.st_rdev, makedev(1, 3));
	assert_int_equal(getxattr(at("layer/bin/ping"), "security.capability", buf, sizeof(buf)),
			 20);
	/* trusted.* would let a layer fake overlayfs' own markers: dropped */
	assert_true(getxattr(at("layer/bin/drop"), "trusted.overlay.opaque", buf, sizeof(buf)) < 0);
	outside_is_empty();
}

static void plain(void **state)
{
	content_and_metadata(PLAIN);
}

static void gzip(void **state)
{
	content_and_metadata(GZIP);
}

static void zstd(void **state)
{
	content_and_metadata(ZSTD);
}

static void whiteouts(void **state)
{
	const struct ent ents[] = {
	    {"a/", AE_IFDIR, 0755},
	    {"a/.wh..wh..opq", AE_IFREG, 0644},
	    {"b/.wh.gone", AE_IFREG, 0644},
	};
	assert_int_equal(apply(ents, 3, PLAIN, NULL), 0);
	char buf[8] = {0};
	assert_int_equal(getxattr(at("layer/a"), "trusted.overlay.opaque", buf, sizeof(buf)), 1);
	assert_string_equal(buf, "y");
	assert_int_not_equal(access(at("layer/a/.wh..wh..opq"), F_OK), 0);
	struct stat st;
	assert_int_equal(lstat(at("layer/b/gone"), &st), 0);
	assert_true(S_ISCHR(st.st_mode));
	assert_int_equal(st.st_rdev, makedev(0, 0));
	assert_int_not_equal(access(at("layer/b/.wh.gone"), F_OK), 0);
}

static void later_entry_replaces(void **state)
{
	const struct ent ents[] = {
	    {"x", AE_IFREG, 0644, "old"},
	    {"x", AE_IFDIR, 0755},
	    {"x/y", AE_IFREG, 0644, "new"},
	};
	assert_int_equal(apply(ents, 3, PLAIN, NULL), 0);
	struct stat st;
	assert_int_equal(stat(at("layer/x/y"), &st), 0);
	assert_int_equal(st.st_size, 3);
}

/* Each of these must fail with an error and leave nothing outside the layer. */
static void expect_refused(const struct ent *ents, size_t n, const char *what)
{
	struct berr *err = NULL;
	assert_true(apply(ents, n, PLAIN, &err) < 0);
	assert_non_null(err);
	char *msg = berr_string(err);
	if (!strstr(msg, what))
		fail_msg("error '%s' does not mention '%s'", msg, what);
	free(msg);
	berr_free(err);
	outside_is_empty();
}

static void hostile_names(void **state)
{
	const struct ent abs[] = {{"/escaped", AE_IFREG, 0644, "x"}};
	expect_refused(abs, 1, "absolute");
	const struct ent dotdot[] = {{"../escaped", AE_IFREG, 0644, "x"}};
	expect_refused(dotdot, 1, "'..'");
	const struct ent inner[] = {{"a/../../escaped", AE_IFREG, 0644, "x"}};
	expect_refused(inner, 1, "'..'");
}

static void hostile_symlink_parent(void **state)
{
	char target[PATH_MAX];
	snprintf(target, sizeof(target), "%s/outside", base);
	const struct ent abs[] = {
	    {"evil", AE_IFLNK, 0777, target},
	    {"evil/escaped", AE_IFREG, 0644, "x"},
	};
	expect_refused(abs, 2, "symbolic link");
	const struct ent rel[] = {
	    {"up", AE_IFLNK, 0777, "../outside"},
	    {"up/escaped", AE_IFREG, 0644, "x"},
	};
	expect_refused(rel, 2, "symbolic link");
}

/* "a/", "a/b/", then "a" a symbolic link to a directory outside: the layer is fine as a
 * tree (a is a link), but the times of directory a/b, set once every entry is in, must not
 * be set through the link on outside/b (the layer's later entry had replaced a on the way). */
static void dir_times_not_through_replaced_parent(void **state)
{
	assert_int_equal(mkdir(at("outside/b"), 0755), 0);
	struct timespec old[2] = {{12345, 0}, {12345, 0}};
	assert_int_equal(utimensat(AT_FDCWD, at("outside/b"), old, 0), 0);
	char target[PATH_MAX];
	snprintf(target, sizeof(target), "%s/outside", base);
	const struct ent ents[] = {
	    {"a/", AE_IFDIR, 0755},
	    {"a/b/", AE_IFDIR, 0700},
	    {"a", AE_IFLNK, 0777, target},
	};
	struct berr *err = NULL;
	int r = apply(ents, 3, PLAIN, &err);
	berr_clear(&err);
	assert_int_equal(r, 0);
	struct stat st;
	assert_int_equal(stat(at("outside/b"), &st), 0);
	assert_int_equal(st.st_mtime, 12345);
	assert_int_equal(st.st_mode & 07777, 0755);
	assert_int_equal(lstat(at("layer/a"), &st), 0);
	assert_true(S_ISLNK(st.st_mode));
}

/* issue F3: cp - CONTAINER:DIR chmod'ed a FIFO, device or directory by name, after the
 * container could swap it for a symbolic link to a host file */
static void untar_chmod_not_through_swapped_link(void **state)
{
	assert_int_equal(fs_write_file(AT_FDCWD, at("outside/target"), "s", 1, 0600, NULL), 0);
	assert_int_equal(chmod(at("outside/target"), 0600), 0);
	const struct ent ents[] = {{"p", AE_IFIFO, 0666}};
	int fd = make_tar(ents, 1, PLAIN);
	swap_at_chown = "p";
	struct berr *err = NULL;
	(void)img_layer_untar(layerfd, fd, NULL, &err);
	berr_clear(&err);
	close(fd);
	swap_at_chown = NULL;
	struct stat st;
	assert_int_equal(stat(at("outside/target"), &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
}

/* A plain tar into a container (cp): a directory and a non-directory do not replace each other
 * unless asked (Docker's noOverwriteDirNonDir), refused with Docker's message, the entry named
 * under the destination the caller names */
static int untar_one(const struct ent *e, bool replace, struct berr **err)
{
	int fd = make_tar(e, 1, PLAIN);
	struct img_untar_opts o = {.replace_dir_nondir = replace, .dest = "/tmp"};
	int r = img_layer_untar_opts(layerfd, fd, &o, err);
	close(fd);
	return r;
}

static void untar_dir_nondir(void **state)
{
	assert_int_equal(fs_write_file(AT_FDCWD, at("layer/f"), "f", 1, 0644, NULL), 0);
	assert_int_equal(mkdir(at("layer/d"), 0755), 0);
	assert_int_equal(mkdir(at("layer/d/sub"), 0755), 0);
	const struct ent dir = {"f", AE_IFDIR, 0755}, file = {"d", AE_IFREG, 0644, "new"};
	const struct {
		const struct ent *e;
		const char *msg;
	} refused[] = {
	    {&dir, "cannot overwrite non-directory \"/tmp/f\" with directory \"/tmp\""},
	    {&file, "cannot overwrite directory \"/tmp/d\" with non-directory \"/tmp\""},
	};
	for (size_t i = 0; i < 2; i++) {
		struct berr *err = NULL;
		assert_int_equal(untar_one(refused[i].e, false, &err), -EEXIST);
		assert_int_equal(berr_code(err), EEXIST);
		char *text = berr_string(err);
		assert_non_null(strstr(text, refused[i].msg));
		free(text);
		berr_clear(&err);
	}
	struct stat st;
	assert_int_equal(lstat(at("layer/f"), &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(lstat(at("layer/d/sub"), &st), 0);
	/* asked: each replaces the other, a directory with its contents */
	struct berr *err = NULL;
	assert_int_equal(untar_one(&dir, true, &err), 0);
	assert_int_equal(untar_one(&file, true, &err), 0);
	assert_int_equal(lstat(at("layer/f"), &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(lstat(at("layer/d"), &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_size, 3);
}

static void hostile_hardlinks(void **state)
{
	assert_int_equal(fs_write_file(AT_FDCWD, at("outside/secret"), "s", 1, 0600, NULL), 0);
	const struct ent up[] = {{"stolen", 0, 0, "../outside/secret"}};
	struct berr *err = NULL;
	assert_true(apply(up, 1, PLAIN, &err) < 0);
	berr_clear(&err);
	char target[PATH_MAX];
	snprintf(target, sizeof(target), "%s/outside/secret", base);
	const struct ent abs[] = {{"stolen", 0, 0, target}};
	assert_true(apply(abs, 1, PLAIN, &err) < 0);
	berr_clear(&err);
	const struct ent via[] = {
	    {"up", AE_IFLNK, 0777, "../outside"},
	    {"stolen", 0, 0, "up/secret"},
	};
	assert_true(apply(via, 2, PLAIN, &err) < 0);
	berr_clear(&err);
	assert_int_not_equal(access(at("layer/stolen"), F_OK), 0);
	struct stat st;
	assert_int_equal(stat(at("outside/secret"), &st), 0);
	assert_int_equal(st.st_nlink, 1);
}

static void fd_digest(int fd, char out[IMG_LAYER_DIGEST_LEN + 1])
{
	char *data = NULL;
	size_t len = 0;
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	assert_int_equal(fs_read_fd(fd, 1 << 20, &data, &len, NULL), 0);
	memcpy(out, "sha256:", 7);
	sha256_hex(data, len, out + 7);
	free(data);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
}

/* The blob digest is the stream's, the diff id the uncompressed tar's (trailer included). */
static void digests(void **state)
{
	const struct ent ents[] = {{"f", AE_IFREG, 0644, "content"}, {"d", AE_IFDIR, 0755}};
	char tar_digest[IMG_LAYER_DIGEST_LEN + 1], gz_digest[IMG_LAYER_DIGEST_LEN + 1];
	int plain_fd = make_tar(ents, 2, PLAIN);
	fd_digest(plain_fd, tar_digest);
	int gz_fd = make_tar(ents, 2, GZIP);
	fd_digest(gz_fd, gz_digest);
	assert_string_not_equal(tar_digest, gz_digest);
	struct img_layer_stats st;
	assert_int_equal(img_layer_apply(layerfd, plain_fd, &st, NULL), 0);
	assert_string_equal(st.blob_digest, tar_digest);
	assert_string_equal(st.diff_id, tar_digest);
	assert_int_equal(st.blob_size, st.diff_size);
	assert_int_equal(img_layer_apply(layerfd, gz_fd, &st, NULL), 0);
	assert_string_equal(st.blob_digest, gz_digest);
	assert_string_equal(st.diff_id, tar_digest);
	assert_true(st.diff_size % 512 == 0);
	close(plain_fd);
	close(gz_fd);
}

static void corrupt_stream(void **state)
{
	const struct ent ents[] = {{"big", AE_IFREG, 0644, "some content to compress, twice over"}};
	int fd = make_tar(ents, 1, GZIP);
	struct stat st;
	assert_int_equal(fstat(fd, &st), 0);
	/* flip bytes in the middle of the deflate stream */
	char junk[8] = "\xff\xff\xff\xff\xff\xff\xff\xff";
	assert_int_equal(pwrite(fd, junk, sizeof(junk), st.st_size / 2), (ssize_t)sizeof(junk));
	struct berr *err = NULL;
	assert_true(img_layer_apply(layerfd, fd, NULL, &err) < 0);
	berr_clear(&err);
	/* truncated */
	assert_int_equal(ftruncate(fd, st.st_size / 2), 0);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	assert_true(img_layer_apply(layerfd, fd, NULL, &err) < 0);
	berr_clear(&err);
	close(fd);
	/* not a tar at all */
	int junkfd = memfd_create("junk", MFD_CLOEXEC);
	assert_int_equal(write(junkfd, "this is not a tar archive at all, sorry", 39), 39);
	assert_int_equal(lseek(junkfd, 0, SEEK_SET), 0);
	assert_true(img_layer_apply(layerfd, junkfd, NULL, &err) < 0);
	berr_clear(&err);
	close(junkfd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(plain, setup, teardown),
	    cmocka_unit_test_setup_teardown(gzip, setup, teardown),
	    cmocka_unit_test_setup_teardown(zstd, setup, teardown),
	    cmocka_unit_test_setup_teardown(whiteouts, setup, teardown),
	    cmocka_unit_test_setup_teardown(later_entry_replaces, setup, teardown),
	    cmocka_unit_test_setup_teardown(hostile_names, setup, teardown),
	    cmocka_unit_test_setup_teardown(hostile_symlink_parent, setup, teardown),
	    cmocka_unit_test_setup_teardown(hostile_hardlinks, setup, teardown),
	    cmocka_unit_test_setup_teardown(dir_times_not_through_replaced_parent, setup, teardown),
	    cmocka_unit_test_setup_teardown(untar_chmod_not_through_swapped_link, setup, teardown),
	    cmocka_unit_test_setup_teardown(untar_dir_nondir, setup, teardown),
	    cmocka_unit_test_setup_teardown(digests, setup, teardown),
	    cmocka_unit_test_setup_teardown(corrupt_stream, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
