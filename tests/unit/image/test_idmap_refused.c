/* The explanation a container with a user namespace gets when the store's file system cannot
 * be idmapped (image/idmap_refused.h). */
/* cmocka.h needs setjmp.h, stdarg.h and stddef.h before it: keep this order. */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <linux/magic.h>
#include <string.h>

#include <cmocka.h>
// clang-format on

#include "image/idmap_refused.h"

static void names_the_file_system(void **state)
{
	(void)state;
	const char *t = img_idmap_refused_hint(TMPFS_MAGIC);
	assert_non_null(strstr(t, "tmpfs"));
	assert_non_null(strstr(t, "6.3"));
	assert_non_null(strstr(t, "ext4"));
	assert_non_null(strstr(img_idmap_refused_hint(0x65735546), "FUSE"));
	assert_non_null(strstr(img_idmap_refused_hint(NFS_SUPER_MAGIC), "NFS"));
	assert_non_null(strstr(img_idmap_refused_hint(OVERLAYFS_SUPER_MAGIC), "overlayfs"));
	assert_non_null(strstr(img_idmap_refused_hint(0x2fc12fc1), "ZFS"));
}

static void others_not_named(void **state)
{
	(void)state;
	/* ext4, xfs, btrfs take idmapped mounts: their EINVAL says something else */
	assert_null(img_idmap_refused_hint(EXT4_SUPER_MAGIC));
	assert_null(img_idmap_refused_hint(XFS_SUPER_MAGIC));
	assert_null(img_idmap_refused_hint(BTRFS_SUPER_MAGIC));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(names_the_file_system),
	    cmocka_unit_test(others_not_named),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
