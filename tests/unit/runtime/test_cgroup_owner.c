/* Which mounts delegate the container's own cgroup to its root (runtime/cgroup_owner.h): a
 * read-write bind of exactly <hierarchy><cgroup path>, never another directory of the host's,
 * a read-only one, or a path that climbs out. */
/* cmocka.h needs setjmp.h, stdarg.h and stddef.h before it: keep this order. */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
// clang-format on

#include <linux/mount.h>
#include <sys/mount.h>

#include "runtime/cgroup_owner.h"
#include "runtime/spec.h"

#define CG "/berth/0123abcd"

/* The directory delegated by a bind of source (flags: MS_RDONLY or 0), or NULL. */
static char *bind_of(const char *source, unsigned long flags)
{
	struct rt_mount m = {.destination = "/sys/fs/cgroup/systemd",
			     .source = (char *)source,
			     .type = "bind",
			     .bind = true,
			     .flags = flags};
	return rt_cgroup_delegated_dir(&m, CG);
}

static void test_own_binds(void **state)
{
	(void)state;
	char *d = bind_of("/sys/fs/cgroup/systemd" CG, 0);
	assert_string_equal(d, "/sys/fs/cgroup/systemd" CG);
	free(d);
	d = bind_of("/sys/fs/cgroup/unified" CG, 0);
	assert_string_equal(d, "/sys/fs/cgroup/unified" CG);
	free(d);
	d = bind_of("/sys/fs/cgroup" CG, 0); /* the v2 tree */
	assert_string_equal(d, "/sys/fs/cgroup" CG);
	free(d);
}

static void test_others_refused(void **state)
{
	(void)state;
	assert_null(bind_of("/sys/fs/cgroup/systemd" CG, MS_RDONLY));
	assert_null(bind_of("/sys/fs/cgroup/systemd/berth", 0));
	assert_null(bind_of("/sys/fs/cgroup/systemd/berth/other", 0));
	assert_null(bind_of("/sys/fs/cgroup/systemd/x" CG, 0)); /* below another cgroup */
	assert_null(bind_of("/sys/fs/cgroup/systemd/../unified" CG, 0));
	assert_null(bind_of("/sys/fs/cgroup/" CG, 0)); /* "//berth": no hierarchy's name */
	assert_null(bind_of("/var/lib" CG, 0));
	assert_null(bind_of("/sys/fs/cgroupx" CG, 0));
	assert_null(bind_of(NULL, 0));
	struct rt_mount rro = {.destination = "/sys/fs/cgroup/unified",
			       .source = "/sys/fs/cgroup/unified" CG,
			       .bind = true,
			       .attr_set = MOUNT_ATTR_RDONLY};
	assert_null(rt_cgroup_delegated_dir(&rro, CG));
	/* a tmpfs or proc is nothing of the kind */
	struct rt_mount tmpfs = {
	    .destination = "/sys/fs/cgroup", .source = "tmpfs", .type = "tmpfs"};
	assert_null(rt_cgroup_delegated_dir(&tmpfs, CG));
	/* a container in a hierarchy's root: the host's own root cgroup is never given */
	struct rt_mount top = {.destination = "/sys/fs/cgroup/systemd",
			       .source = "/sys/fs/cgroup/systemd/",
			       .bind = true};
	assert_null(rt_cgroup_delegated_dir(&top, "/"));
	top.source = "/sys/fs/cgroup/systemd";
	assert_null(rt_cgroup_delegated_dir(&top, ""));
	struct rt_mount v2 = {.destination = "/sys/fs/cgroup", .type = "cgroup2"};
	assert_null(rt_cgroup_delegated_dir(&v2, "/"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(test_own_binds),
					   cmocka_unit_test(test_others_refused)};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
