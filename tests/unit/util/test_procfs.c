/* The runtime's procfs (util/procfs.h): what it opens, and what it refuses to follow. Every case
 * runs twice: with openat2, and under a seccomp filter that makes openat2 fail with ENOSYS (as on
 * kernels before 5.6), which must take the walk and refuse the same things. */
/* cmocka.h needs setjmp.h, stdarg.h and stddef.h before it: keep this order. */
// clang-format off
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <cmocka.h>
// clang-format on
#include <seccomp.h>

#include "deny_openat2.h"
#include "util/err.h"
#include "util/procfs.h"

static int procfd = -1;

static int setup(void **state)
{
	struct berr *err = NULL;
	procfd = procfs_open(&err);
	berr_free(err);
	return procfd < 0;
}

static int teardown(void **state)
{
	(void)close(procfd);
	return 0;
}

static void read_all(int fd, char *buf, size_t cap)
{
	ssize_t n = read(fd, buf, cap - 1);
	assert_true(n > 0);
	buf[n] = '\0';
}

/* path fails to open with code (or with any error when code is 0), and sets one error. */
static void refused(const char *path, int flags, int code)
{
	struct berr *err = NULL;
	int fd = procfs_openat(procfd, path, flags, &err);
	if (fd >= 0)
		fail_msg("'%s' opened", path);
	assert_non_null(err);
	if (code)
		assert_int_equal(berr_code(err), code);
	berr_free(err);
}

static void test_handle_is_a_procfs_root(void **state)
{
	struct statfs sf;
	struct stat st;
	assert_int_equal(fstatfs(procfd, &sf), 0);
	assert_int_equal(sf.f_type, PROC_SUPER_MAGIC);
	assert_int_equal(fstat(procfd, &st), 0);
	assert_int_equal(st.st_ino, 1);
}

static void test_plain_files(void **state)
{
	struct berr *err = NULL;
	int fd = procfs_openat(procfd, "sys/kernel/ostype", O_RDONLY, &err);
	assert_true(fd >= 0);
	char buf[64];
	read_all(fd, buf, sizeof(buf));
	assert_string_equal(buf, "Linux\n");
	(void)close(fd);
	assert_null(err);
}

/* "self/" is us as the handle's pid namespace numbers us. */
static void test_self_is_us(void **state)
{
	struct berr *err = NULL;
	int fd = procfs_openat(procfd, "self/status", O_RDONLY, &err);
	assert_true(fd >= 0);
	char buf[4096], want[32];
	read_all(fd, buf, sizeof(buf));
	(void)close(fd);
	snprintf(want, sizeof(want), "\nPid:\t%d\n", (int)getpid());
	assert_non_null(strstr(buf, want));
	fd = procfs_openat(procfd, "thread-self/comm", O_RDONLY, &err);
	assert_true(fd >= 0);
	(void)close(fd);
	/* a write that changes nothing: the value it has */
	fd = procfs_openat(procfd, "self/oom_score_adj", O_RDONLY, &err);
	assert_true(fd >= 0);
	read_all(fd, buf, sizeof(buf));
	(void)close(fd);
	assert_int_equal(procfs_write(procfd, "self/oom_score_adj", buf, strlen(buf), &err), 0);
	assert_null(err);
}

/* "mounts" is procfs's own symlink to self/mounts: no symlink is followed, not even those. */
static void test_symlinks_refused(void **state)
{
	refused("mounts", O_RDONLY, ELOOP);
	refused("self", O_RDONLY | O_DIRECTORY, 0); /* ENOTDIR: a link is no directory */
	refused("self", O_PATH, ELOOP);
	refused("net/dev", O_RDONLY, ELOOP); /* net -> self/net */
}

/* A descriptor's link jumps anywhere: refused, unless asked for as a link. */
static void test_magic_links_refused(void **state)
{
	refused("self/fd/0", O_RDONLY, 0);
	refused("self/root/etc/passwd", O_RDONLY, 0);
	refused("self/cwd", O_PATH, 0);
}

static void test_outside_refused(void **state)
{
	refused("../etc/passwd", O_RDONLY, 0);
	refused("sys/../../etc/passwd", O_RDONLY, 0);
	refused("/etc/passwd", O_RDONLY, 0);
	refused("sys/kernel/new-file", O_WRONLY | O_CREAT, EINVAL);
	refused("sys/kernel/new-file", O_WRONLY | O_TMPFILE, EINVAL);
}

static void test_links_asked_for(void **state)
{
	struct berr *err = NULL;
	int fd = procfs_open_link(procfd, "self/ns", "net", O_RDONLY, &err);
	assert_true(fd >= 0);
	struct stat a, b;
	assert_int_equal(fstat(fd, &a), 0);
	assert_int_equal(stat("/proc/self/ns/net", &b), 0);
	assert_true(a.st_ino == b.st_ino && a.st_dev == b.st_dev);
	(void)close(fd);
	assert_true(procfs_open_link(procfd, "self/ns", "../../1/root", O_RDONLY, &err) < 0);
	assert_int_equal(berr_code(err), EINVAL);
	berr_free(err);
	err = NULL;
	/* reopen: an O_PATH handle, opened for reading */
	int path = procfs_openat(procfd, "sys/kernel/ostype", O_PATH, &err);
	assert_true(path >= 0);
	fd = procfs_reopen(procfd, path, O_RDONLY, &err);
	assert_true(fd >= 0);
	char buf[64];
	read_all(fd, buf, sizeof(buf));
	assert_string_equal(buf, "Linux\n");
	(void)close(fd);
	(void)close(path);
	assert_null(err);
}

/* From here on, openat2 fails with ENOSYS in this process: procfs_openat must walk. */
static int setup_enosys(void **state)
{
	return setup(state) || deny_openat2();
}

#define CASES                                                                                      \
	cmocka_unit_test(test_handle_is_a_procfs_root), cmocka_unit_test(test_plain_files),        \
	    cmocka_unit_test(test_self_is_us), cmocka_unit_test(test_symlinks_refused),            \
	    cmocka_unit_test(test_magic_links_refused), cmocka_unit_test(test_outside_refused),    \
	    cmocka_unit_test(test_links_asked_for)

int main(void)
{
	const struct CMUnitTest openat2_tests[] = {CASES};
	const struct CMUnitTest enosys_tests[] = {CASES};
	int failed =
	    cmocka_run_group_tests_name("util/procfs openat2", openat2_tests, setup, teardown);
	failed += cmocka_run_group_tests_name("util/procfs openat2=ENOSYS", enosys_tests,
					      setup_enosys, teardown);
	return failed;
}
