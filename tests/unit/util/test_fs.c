/* The copies cp and volumes make (fs_copy_tree, fs_copy_entry_as) into a directory that a
 * running container can change meanwhile, and fs_open_regular. The container's moves are
 * played at a fixed point: this file's fchownat() runs in place of libc's for fs.c (linked
 * in statically), does what a racing container would do at that moment, then chowns. */
/* cmocka.h needs setjmp.h, stdarg.h and stddef.h before it: keep this order. */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cmocka.h>
// clang-format on

#include "util/err.h"
#include "util/fs.h"

static char base[64]; /* holds host/ (the source), ctr/ (the container's) and outside/ */
static int host = -1, ctr = -1;

static char *at(const char *rel)
{
	static char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s/%s", base, rel);
	return p;
}

/* The container's move: at the next chown, name (under base) becomes a symbolic link to
 * outside/target (the host file it wants chmod'ed); what we made is moved aside. */
static const char *swap_at_chown;

int fchownat(int dirfd, const char *path, uid_t owner, gid_t group, int flags)
{
	if (swap_at_chown) {
		char aside[PATH_MAX + 8];
		snprintf(aside, sizeof(aside), "%s.aside", at(swap_at_chown));
		assert_int_equal(rename(at(swap_at_chown), aside), 0);
		char target[PATH_MAX];
		snprintf(target, sizeof(target), "%s", at("outside/target"));
		assert_int_equal(symlink(target, at(swap_at_chown)), 0);
		swap_at_chown = NULL;
	}
	return (int)syscall(SYS_fchownat, dirfd, path, owner, group, flags);
}

static int setup(void **state)
{
	snprintf(base, sizeof(base), "/tmp/berth-unit-fs.XXXXXX");
	assert_non_null(mkdtemp(base));
	assert_int_equal(mkdir(at("host"), 0755), 0);
	assert_int_equal(mkdir(at("ctr"), 0755), 0);
	assert_int_equal(mkdir(at("outside"), 0755), 0);
	assert_int_equal(fs_write_file(AT_FDCWD, at("outside/target"), "secret", 6, 0600, NULL), 0);
	assert_int_equal(chmod(at("outside/target"), 0600), 0);
	host = open(at("host"), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ctr = open(at("ctr"), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(host >= 0 && ctr >= 0);
	return 0;
}

static int teardown(void **state)
{
	swap_at_chown = NULL;
	close(host);
	close(ctr);
	(void)fs_rm_rf(AT_FDCWD, base, NULL);
	return 0;
}

static mode_t mode_of(const char *rel)
{
	struct stat st;
	assert_int_equal(lstat(at(rel), &st), 0);
	return st.st_mode & 07777;
}

static void copies_tree(void **state)
{
	assert_int_equal(mkdir(at("host/d"), 0750), 0);
	assert_int_equal(chmod(at("host/d"), 0750), 0);
	assert_int_equal(fs_write_file(AT_FDCWD, at("host/d/f"), "data", 4, 0640, NULL), 0);
	assert_int_equal(chmod(at("host/d/f"), 04711), 0);
	assert_int_equal(symlink("/etc/passwd", at("host/d/l")), 0);
	assert_int_equal(mkfifo(at("host/d/p"), 0600), 0);
	assert_int_equal(fs_copy_tree(host, ctr, false, NULL, NULL), 0);
	assert_int_equal(mode_of("ctr/d"), 0750);
	assert_int_equal(mode_of("ctr/d/f"), 04711);
	char buf[64] = {0};
	assert_int_equal(readlink(at("ctr/d/l"), buf, sizeof(buf)), 11);
	assert_string_equal(buf, "/etc/passwd");
	assert_int_not_equal(access(at("ctr/d/p"), F_OK), 0); /* FIFOs are not copied */
	/* under another name, through a scratch directory that is gone after */
	assert_int_equal(fs_copy_entry_as(host, "d", ctr, "e", true, NULL, NULL), 0);
	assert_int_equal(mode_of("ctr/e/f"), 04711);
	struct stat st;
	assert_int_equal(stat(at("ctr"), &st), 0);
	assert_int_equal(st.st_nlink, 4); /* ., d, e: no scratch left */
}

/* issue F2: chmod by name followed the link the container swapped in, to a host file */
static void chmod_not_through_swapped_link(void **state)
{
	assert_int_equal(fs_write_file(AT_FDCWD, at("host/f"), "data", 4, 0644, NULL), 0);
	assert_int_equal(chmod(at("host/f"), 0666), 0);
	swap_at_chown = "ctr/f";
	assert_int_equal(fs_copy_tree(host, ctr, false, NULL, NULL), 0);
	assert_int_equal(mode_of("outside/target"), 0600);
	assert_int_equal(mode_of("ctr/f.aside"), 0666); /* ours got its mode, wherever it is */
	assert_int_equal(mkdir(at("host/dir"), 0777), 0);
	assert_int_equal(chmod(at("host/dir"), 0777), 0);
	swap_at_chown = "ctr/dir";
	assert_int_equal(fs_copy_entry_as(host, "dir", ctr, "dir", false, NULL, NULL), 0);
	assert_int_equal(mode_of("outside/target"), 0600);
}

/* issue F2: the scratch directory's name was ".berth-copy-<pid>", which a container can make
 * first */
static void scratch_name_not_guessable(void **state)
{
	assert_int_equal(fs_write_file(AT_FDCWD, at("host/f"), "data", 4, 0644, NULL), 0);
	char guess[64];
	snprintf(guess, sizeof(guess), "ctr/.berth-copy-%d", (int)getpid());
	char outside[PATH_MAX];
	snprintf(outside, sizeof(outside), "%s", at("outside"));
	assert_int_equal(symlink(outside, at(guess)), 0);
	struct berr *err = NULL;
	int r = fs_copy_entry_as(host, "f", ctr, "g", true, NULL, &err);
	berr_clear(&err);
	assert_int_equal(r, 0);
	assert_int_equal(mode_of("ctr/g"), 0644);
	assert_int_not_equal(access(at("outside/f"), F_OK), 0);
}

/* issue F5: a FIFO or device where a file was is refused without being opened (an open of a
 * FIFO waits for a writer) */
static void open_regular_refuses_others(void **state)
{
	assert_int_equal(mkfifo(at("ctr/p"), 0600), 0);
	struct berr *err = NULL;
	assert_int_equal(fs_open_regular(ctr, "p", NULL, &err), -EINVAL);
	berr_clear(&err);
	assert_int_equal(fs_write_file(AT_FDCWD, at("ctr/f"), "x", 1, 0644, NULL), 0);
	struct stat was;
	assert_int_equal(lstat(at("ctr/f"), &was), 0);
	int fd = fs_open_regular(ctr, "f", &was, NULL);
	assert_true(fd >= 0);
	close(fd);
	/* swapped after the lstat: another file, or a FIFO, under the same name */
	assert_int_equal(unlink(at("ctr/f")), 0);
	assert_int_equal(mkfifo(at("ctr/f"), 0600), 0);
	assert_int_equal(fs_open_regular(ctr, "f", &was, &err), -ESTALE);
	berr_clear(&err);
	assert_int_equal(symlink("../outside/target", at("ctr/l")), 0);
	assert_int_equal(fs_open_regular(ctr, "l", NULL, &err), -EINVAL);
	berr_clear(&err);
}

static bool only_entries(const char *rel, int want)
{
	char cmd[PATH_MAX + 32];
	snprintf(cmd, sizeof(cmd), "test $(ls -A '%s' | wc -l) -eq %d", at(rel), want);
	return system(cmd) == 0;
}

/* fs_replace_file (issue #23): over a regular file, the names are exchanged and the old file
 * removed (no temporary left); a new name is made; over a directory or a symbolic link it
 * does what rename(2) does (refuses a directory, replaces the link itself). */
static void replace_file_as_rename(void **state)
{
	struct berr *err = NULL;
	assert_int_equal(fs_replace_file(at("ctr/f"), "one", 3, 0600, NULL), 0);
	assert_int_equal(fs_replace_file(at("ctr/f"), "two!", 4, 0600, NULL), 0);
	struct stat st;
	assert_int_equal(lstat(at("ctr/f"), &st), 0);
	assert_int_equal(st.st_size, 4);
	assert_true(only_entries("ctr", 1));
	assert_int_equal(mkdir(at("ctr/d"), 0755), 0);
	assert_int_equal(fs_replace_file(at("ctr/d"), "x", 1, 0600, &err), -EISDIR);
	berr_clear(&err);
	assert_int_equal(lstat(at("ctr/d"), &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(symlink("../outside/target", at("ctr/l")), 0);
	assert_int_equal(fs_replace_file(at("ctr/l"), "mine", 4, 0600, NULL), 0);
	assert_int_equal(lstat(at("ctr/l"), &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(lstat(at("outside/target"), &st), 0);
	assert_int_equal(st.st_size, 6);
	assert_true(only_entries("ctr", 3));
}

/* fs_open_dir and fs_opendir_at: a link at the name is refused, not followed; no name: a new
 * fd of the directory; fs_readdir lists every entry but "." and "..", then NULL with errno 0. */
static void opendir_and_readdir(void **state)
{
	(void)state;
	assert_int_equal(fs_write_file(AT_FDCWD, at("host/f"), "x", 1, 0644, NULL), 0);
	assert_int_equal(mkdir(at("host/d"), 0755), 0);
	assert_int_equal(symlink("d", at("host/l")), 0);
	assert_int_equal(fs_open_dir(host, "l"), -ENOTDIR); /* d, not followed */
	assert_null(fs_opendir_at(host, "l"));
	assert_int_equal(errno, ENOTDIR);
	assert_int_equal(fs_open_dir(host, "f"), -ENOTDIR);
	assert_int_equal(fs_open_dir(host, "none"), -ENOENT);
	int fd = fs_open_dir(host, NULL);
	assert_true(fd >= 3 && fd != host);
	assert_int_equal(fcntl(fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	(void)close(fd);
	DIR *d = fs_opendir_at(host, NULL);
	assert_non_null(d);
	assert_true(dirfd(d) != host);
	unsigned seen = 0, n = 0;
	struct dirent *de;
	while ((de = fs_readdir(d))) {
		const char *m = de->d_name;
		n++;
		seen |= (unsigned)!strcmp(m, "f") | (unsigned)!strcmp(m, "d") << 1 |
			(unsigned)!strcmp(m, "l") << 2;
	}
	assert_int_equal(errno, 0);
	assert_int_equal(n, 3);
	assert_int_equal(seen, 7);
	closedir(d);
	d = fs_opendir_at(host, "d");
	assert_non_null(d);
	assert_null(fs_readdir(d));
	assert_int_equal(errno, 0);
	closedir(d);
	assert_int_equal(fcntl(host, F_GETFD), FD_CLOEXEC); /* still the caller's, open */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(copies_tree, setup, teardown),
	    cmocka_unit_test_setup_teardown(chmod_not_through_swapped_link, setup, teardown),
	    cmocka_unit_test_setup_teardown(scratch_name_not_guessable, setup, teardown),
	    cmocka_unit_test_setup_teardown(open_regular_refuses_others, setup, teardown),
	    cmocka_unit_test_setup_teardown(replace_file_as_rename, setup, teardown),
	    cmocka_unit_test_setup_teardown(opendir_and_readdir, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
