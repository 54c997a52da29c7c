/* Root-confined path resolution against a hostile tree. Every case runs three ways: openat2,
 * the component walk called directly, and path_open_in_root() under a seccomp filter that makes
 * openat2 fail with ENOSYS (as on kernels before 5.6), which must take the walk. */
/* cmocka.h needs setjmp.h, stdarg.h and stddef.h before it: keep this order. */
// clang-format off
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cmocka.h>
// clang-format on
#include <seccomp.h>

#include "deny_openat2.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/path.h"

static char base[256];
static int rootfd = -1;
static int use_walk;

typedef int (*open_fn)(int, const char *, int, mode_t, struct berr **);

static int do_open(const char *p, int flags, struct berr **err)
{
	open_fn f = use_walk ? path_open_in_root_walk : path_open_in_root;
	return f(rootfd, p, flags, 0644, err);
}

static void put(const char *rel, const char *content)
{
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s/%s", base, rel);
	assert_int_equal(fs_write_file(AT_FDCWD, p, content, strlen(content), 0644, NULL), 0);
}

static void link_(const char *target, const char *rel)
{
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s/%s", base, rel);
	assert_int_equal(symlink(target, p), 0);
}

static int setup(void **state)
{
	snprintf(base, sizeof(base), "/tmp/berth-test-path.XXXXXX");
	assert_non_null(mkdtemp(base));
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s/root/a/b", base);
	assert_int_equal(fs_mkdir_p(p, 0755, NULL), 0);
	put("secret", "host secret");
	put("root/secret", "root secret");
	put("root/a/b/c", "inside");
	link_("/", "root/etc");
	link_("../../../../../..", "root/a/up");
	link_("../secret", "root/rel");
	link_("/a/b", "root/abs");
	link_("loop2", "root/loop1");
	link_("loop1", "root/loop2");
	link_("/proc/self/root", "root/magic");
	link_("c", "root/a/b/clink");
	snprintf(p, sizeof(p), "%s/root", base);
	rootfd = open(p, O_PATH | O_DIRECTORY | O_CLOEXEC);
	return rootfd < 0;
}

static int teardown(void **state)
{
	close(rootfd);
	return fs_rm_rf(AT_FDCWD, base, NULL);
}

static void expect_content(const char *path, const char *want)
{
	struct berr *err = NULL;
	int fd = do_open(path, O_RDONLY, &err);
	if (fd < 0) {
		char *s = berr_string(err);
		fail_msg("open %s: %s", path, s);
	}
	char buf[64] = {0};
	assert_true(read(fd, buf, sizeof(buf) - 1) > 0);
	close(fd);
	assert_string_equal(buf, want);
}

static void expect_errno(const char *path, int code)
{
	struct berr *err = NULL;
	int fd = do_open(path, O_RDONLY, &err);
	if (fd >= 0)
		close(fd);
	assert_true(fd < 0);
	assert_int_equal(berr_code(err), code);
	berr_free(err);
}

static void test_plain(void **state)
{
	expect_content("a/b/c", "inside");
	expect_content("/a/b/c", "inside");
	expect_content("a/./b//c", "inside");
	expect_content("a/b/clink", "inside");
}

static void test_dotdot_clamped(void **state)
{
	expect_content("../secret", "root secret");
	expect_content("a/../../../../secret", "root secret");
	expect_content("a/up/secret", "root secret");
	expect_content("rel", "root secret");
}

static void test_absolute_symlinks_stay_inside(void **state)
{
	expect_content("etc/secret", "root secret");
	expect_content("etc/etc/etc/a/b/c", "inside");
	expect_content("abs/c", "inside");
}

static void test_loops_and_missing(void **state)
{
	expect_errno("loop1", ELOOP);
	expect_errno("a/missing", ENOENT);
	expect_errno("a/b/c/d", ENOTDIR);
}

static void test_magic_link_not_followed_out(void **state)
{
	/* /proc/self/root inside the rootfs is just a path inside the rootfs: no proc there. */
	struct berr *err = NULL;
	int fd = do_open("magic/secret", O_RDONLY, &err);
	assert_true(fd < 0);
	berr_free(err);
}

static void test_create_through_symlink(void **state)
{
	struct berr *err = NULL;
	int fd = do_open("etc/newfile", O_WRONLY | O_CREAT, &err);
	assert_true(fd >= 0);
	close(fd);
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s/root/newfile", base);
	assert_int_equal(access(p, F_OK), 0);
	assert_int_equal(unlink(p), 0);
	assert_int_not_equal(access("/newfile", F_OK), 0);
}

static void test_mkdir_through_symlink(void **state)
{
	struct berr *err = NULL;
	int fd = path_mkdir_in_root(rootfd, "etc/x/y", 0755, &err);
	assert_true(fd >= 0);
	close(fd);
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s/root/x/y", base);
	struct stat st;
	assert_int_equal(stat(p, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	snprintf(p, sizeof(p), "%s/root/x", base);
	assert_int_equal(fs_rm_rf(AT_FDCWD, p, NULL), 0);
}

static void test_clean(void **state)
{
	char *s = path_clean("a//b/./../../../c/");
	assert_string_equal(s, "/c");
	free(s);
	s = path_clean("/");
	assert_string_equal(s, "/");
	free(s);
}

static int with_walk(void **state)
{
	use_walk = 1;
	return 0;
}

static int without_walk(void **state)
{
	use_walk = 0;
	return 0;
}

/* From here on, openat2 fails with ENOSYS in this process: path_open_in_root must fall back. */
static int setup_enosys(void **state)
{
	use_walk = 0;
	return setup(state) || deny_openat2();
}

#define CASES(pre)                                                                                 \
	cmocka_unit_test_setup(test_plain, pre), cmocka_unit_test_setup(test_dotdot_clamped, pre), \
	    cmocka_unit_test_setup(test_absolute_symlinks_stay_inside, pre),                       \
	    cmocka_unit_test_setup(test_loops_and_missing, pre),                                   \
	    cmocka_unit_test_setup(test_magic_link_not_followed_out, pre),                         \
	    cmocka_unit_test_setup(test_create_through_symlink, pre),                              \
	    cmocka_unit_test_setup(test_mkdir_through_symlink, pre)

int main(void)
{
	const struct CMUnitTest openat2_tests[] = {CASES(without_walk),
						   cmocka_unit_test(test_clean)};
	const struct CMUnitTest walk_tests[] = {CASES(with_walk)};
	const struct CMUnitTest enosys_tests[] = {CASES(without_walk)};
	int failed =
	    cmocka_run_group_tests_name("util/path openat2", openat2_tests, setup, teardown);
	failed += cmocka_run_group_tests_name("util/path walk", walk_tests, setup, teardown);
	failed += cmocka_run_group_tests_name("util/path openat2=ENOSYS", enosys_tests,
					      setup_enosys, teardown);
	return failed;
}
