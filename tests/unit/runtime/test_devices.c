/* Device rules: parsing, and the cgroup v2 eBPF program enforced by the kernel for real (in a
 * cgroup of this host's cgroup2 tree: /sys/fs/cgroup or, on a hybrid host, its "unified"). */
/* cmocka.h needs setjmp.h, stdarg.h and stddef.h before it: keep this order. */
// clang-format off
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
// clang-format on
#include <linux/magic.h>

#include "runtime/cgroup_devices.h"
#include "util/err.h"

static void parse_defaults_and_errors(void **state)
{
	(void)state;
	struct berr *err = NULL;
	struct rt_dev_rule *r = NULL;
	size_t n = 0;
	json_t *j = json_loads("[{\"allow\":false,\"access\":\"rwm\"},"
			       "{\"allow\":true,\"type\":\"c\",\"major\":10,\"access\":\"rw\"}]",
			       0, NULL);
	assert_int_equal(rt_dev_rules_parse(j, &r, &n, &err), 0);
	json_decref(j);
	assert_true(n > 2); /* the two, then the default devices */
	assert_int_equal(r[0].type, 'a');
	assert_false(r[0].allow);
	assert_int_equal(r[1].type, 'c');
	assert_int_equal(r[1].major, 10);
	assert_int_equal(r[1].minor, -1);
	assert_int_equal(r[1].access, RT_DEV_READ | RT_DEV_WRITE);
	assert_int_equal(r[2].major, 1);
	free(r);

	j = json_loads("[{\"allow\":true,\"type\":\"x\"}]", 0, NULL);
	assert_int_not_equal(rt_dev_rules_parse(j, &r, &n, &err), 0);
	char *msg = berr_string(err);
	assert_non_null(strstr(msg, "linux.resources.devices[0].type"));
	free(msg);
	berr_free(err);
	err = NULL;
	json_decref(j);
	j = json_loads("[{\"allow\":true,\"type\":\"c\",\"access\":\"rwx\"}]", 0, NULL);
	assert_int_not_equal(rt_dev_rules_parse(j, &r, &n, &err), 0);
	berr_free(err);
	json_decref(j);
}

/* A cgroup2 mount point, or NULL. */
static const char *cgroup2_root(void)
{
	static const char *const roots[] = {"/sys/fs/cgroup", "/sys/fs/cgroup/unified"};
	for (size_t i = 0; i < 2; i++) {
		struct statfs sf;
		if (statfs(roots[i], &sf) == 0 && sf.f_type == CGROUP2_SUPER_MAGIC)
			return roots[i];
	}
	return NULL;
}

/* In a child moved into dir: which of the opens work. Bit i set = open i succeeded. */
static int probe_opens(const char *dir)
{
	pid_t pid = fork();
	if (pid == 0) {
		char path[512], me[16];
		snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
		snprintf(me, sizeof(me), "%d", (int)getpid());
		int fd = open(path, O_WRONLY);
		if (fd < 0 || write(fd, me, strlen(me)) < 0)
			_exit(255);
		close(fd);
		static const struct {
			const char *path;
			int flags;
		} tries[] = {{"/dev/null", O_RDWR},
			     {"/dev/zero", O_RDONLY},
			     {"/dev/zero", O_WRONLY},
			     {"/dev/full", O_RDONLY}};
		int bits = 0;
		for (int i = 0; i < 4; i++) {
			int t = open(tries[i].path, tries[i].flags);
			if (t >= 0) {
				bits |= 1 << i;
				close(t);
			}
		}
		_exit(bits);
	}
	int status = 0;
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 255;
}

/* Attach, then probe: -1 if the attach failed (printed). */
static int attach_and_probe(const char *dir, const struct rt_dev_rule *rules, size_t n)
{
	struct bpf_insn *prog = NULL;
	size_t ni = 0;
	struct berr *err = NULL;
	rt_dev_program(rules, n, &prog, &ni);
	int r = rt_dev_attach(dir, prog, ni, &err);
	free(prog);
	if (r != 0) {
		char *msg = berr_string(err);
		print_error("attach: %s\n", msg);
		free(msg);
		berr_free(err);
		return -1;
	}
	return probe_opens(dir);
}

static void program_enforced_and_replaced(void **state)
{
	(void)state;
	const char *root = cgroup2_root();
	if (getuid() != 0 || !root)
		skip();
	char dir[256];
	snprintf(dir, sizeof(dir), "%s/berth-unit-devices-%d", root, (int)getpid());
	assert_int_equal(mkdir(dir, 0755), 0);

	/* deny all; allow null rw; allow zero read only (later rules win) */
	const struct rt_dev_rule first[] = {
	    {false, 'a', -1, -1, RT_DEV_ALL},
	    {true, 'c', 1, 3, RT_DEV_READ | RT_DEV_WRITE},
	    {true, 'c', 1, 5, RT_DEV_ALL},
	    {false, 'c', 1, 5, RT_DEV_WRITE},
	};
	int bits = attach_and_probe(dir, first, 4);

	/* update: full allowed now, and the old program is gone (zero writable again) */
	const struct rt_dev_rule second[] = {
	    {false, 'a', -1, -1, RT_DEV_ALL},
	    {true, 'c', 1, -1, RT_DEV_ALL},
	};
	int bits2 = attach_and_probe(dir, second, 2);
	assert_int_equal(rmdir(dir), 0);

	assert_int_equal(bits, 0x3);  /* null rw, zero r; not zero w, not full */
	assert_int_equal(bits2, 0xf); /* all four */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(parse_defaults_and_errors),
	    cmocka_unit_test(program_enforced_and_replaced),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
