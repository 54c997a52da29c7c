/* --user against the container's own /etc/passwd and /etc/group, and an image whose
 * /etc/passwd is a FIFO (or a device): read as no file, at once, not waited on. */
/* cmocka.h needs setjmp.h, stdarg.h and stddef.h before it: keep this order. */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
// clang-format on

#include "engine/user.h"
#include "util/err.h"
#include "util/fs.h"

static char root[64];
static int rootfd = -1;

static const char passwd[] = "root:x:0:0:root:/root:/bin/sh\n"
			     "nobody:x:65534:65533:nobody:/home/nobody:/bin/false\n";
static const char group[] = "root:x:0:\nnogroup:x:65533:\nstaff:x:50:nobody\n";

static char *at(const char *rel)
{
	static char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s/%s", root, rel);
	return p;
}

static int setup(void **state)
{
	snprintf(root, sizeof(root), "/tmp/berth-unit-user.XXXXXX");
	assert_non_null(mkdtemp(root));
	assert_int_equal(mkdir(at("etc"), 0755), 0);
	rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(rootfd >= 0);
	return 0;
}

static int teardown(void **state)
{
	close(rootfd);
	(void)fs_rm_rf(AT_FDCWD, root, NULL);
	return 0;
}

static void hung(int sig)
{
	static const char msg[] = "eng_user_resolve hung on a FIFO\n";
	if (write(2, msg, sizeof(msg) - 1) < 0)
		_exit(2);
	_exit(1);
}

static void by_name(void **state)
{
	assert_int_equal(
	    fs_write_file(AT_FDCWD, at("etc/passwd"), passwd, strlen(passwd), 0644, NULL), 0);
	assert_int_equal(fs_write_file(AT_FDCWD, at("etc/group"), group, strlen(group), 0644, NULL),
			 0);
	struct eng_user u;
	assert_int_equal(eng_user_resolve(rootfd, "nobody", &u, NULL), 0);
	assert_int_equal(u.uid, 65534);
	assert_int_equal(u.gid, 65533);
	assert_string_equal(u.home, "/home/nobody");
	assert_int_equal(u.n_groups, 1);
	assert_int_equal(u.groups[0], 50);
	assert_int_equal(eng_user_resolve(rootfd, "0:staff", &u, NULL), 0);
	assert_int_equal(u.uid, 0);
	assert_int_equal(u.gid, 50);
}

/* a link inside the root to the real file is followed, inside the root */
static void through_a_link(void **state)
{
	assert_int_equal(mkdir(at("usr"), 0755), 0);
	assert_int_equal(
	    fs_write_file(AT_FDCWD, at("usr/passwd"), passwd, strlen(passwd), 0644, NULL), 0);
	assert_int_equal(symlink("/usr/passwd", at("etc/passwd")), 0);
	struct eng_user u;
	assert_int_equal(eng_user_resolve(rootfd, "nobody", &u, NULL), 0);
	assert_int_equal(u.uid, 65534);
}

/* issue F5: an image shipping a FIFO at /etc/passwd made run, start and exec -u hang */
static void fifo_passwd_is_no_passwd(void **state)
{
	assert_int_equal(mkfifo(at("etc/passwd"), 0644), 0);
	assert_int_equal(mkfifo(at("etc/group"), 0644), 0);
	signal(SIGALRM, hung);
	alarm(5);
	struct eng_user u;
	struct berr *err = NULL;
	assert_int_equal(eng_user_resolve(rootfd, "nobody", &u, &err), -ENOENT);
	char *msg = berr_string(err);
	assert_string_equal(msg, "unable to find user nobody: no matching entries in passwd file");
	free(msg);
	berr_clear(&err);
	/* numeric ids need no entry: as with no passwd file, group 0 */
	assert_int_equal(eng_user_resolve(rootfd, "1000", &u, NULL), 0);
	assert_int_equal(u.uid, 1000);
	assert_int_equal(u.gid, 0);
	assert_int_equal(eng_user_resolve(rootfd, "1000:staff", &u, &err), -ENOENT);
	berr_clear(&err);
	alarm(0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(by_name, setup, teardown),
	    cmocka_unit_test_setup_teardown(through_a_link, setup, teardown),
	    cmocka_unit_test_setup_teardown(fifo_passwd_is_no_passwd, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
