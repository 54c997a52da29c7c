/* vm/guestcfg.c's refusal of podman's idmap option on a bind (issue #19): a VM has no user
 * namespace and virtiofs maps no ids, so a bundle's idmapped bind (bare or with a mapping of its
 * own) is refused with EINVAL naming the mount, not dropped (the files would show the host's
 * ids). The rest of the guest plan is test_vm.c's. */
/* cmocka.h needs setjmp.h, stdarg.h and stddef.h before it: keep this order. */
// clang-format off
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
// clang-format on

#include <sys/stat.h>
#include <unistd.h>

#include "runtime/spec.h"
#include "util/err.h"
#include "vm/guestcfg.h"

/* vm_guest_plan's answer for a spec binding dir/vol at /data with option opt: 0, or the
 * error's code with its message in msg (caller frees). */
static int plan_with(const char *dir, const char *vol, const char *opt, char **msg)
{
	char cfg[1024];
	snprintf(cfg, sizeof(cfg),
		 "{\"ociVersion\":\"1.1.0\",\"root\":{\"path\":\"%s\"},\"process\":{"
		 "\"args\":[\"sh\"],\"cwd\":\"/\",\"user\":{\"uid\":0,\"gid\":0}},"
		 "\"mounts\":[{\"destination\":\"/data\",\"type\":\"bind\",\"source\":"
		 "\"%s\",\"options\":[\"rbind\",\"%s\"]}]}",
		 dir, vol, opt);
	struct berr *err = NULL;
	struct rt_spec *spec = rt_spec_parse(cfg, strlen(cfg), dir, &err);
	assert_non_null(spec);
	struct vm_guest_plan g;
	int r = vm_guest_plan(spec, &g, &err);
	if (r == 0)
		vm_guest_plan_clear(&g);
	*msg = r < 0 ? berr_string(err) : NULL;
	berr_free(err);
	rt_spec_free(spec);
	return r;
}

static void guest_plan_idmap(void **state)
{
	char dir[] = "/tmp/berth-vmplan.XXXXXX";
	assert_non_null(mkdtemp(dir));
	char vol[64];
	snprintf(vol, sizeof(vol), "%s/vol", dir);
	assert_int_equal(mkdir(vol, 0755), 0);
	static const char *const refused[] = {"idmap", "ridmap",
					      "idmap=uids=0-1000-1;gids=0-1000-1", NULL};
	for (size_t i = 0; refused[i]; i++) {
		char *msg = NULL;
		assert_int_equal(plan_with(dir, vol, refused[i], &msg), -EINVAL);
		assert_non_null(strstr(msg, "mount '/data': idmap is not possible in a VM"));
		free(msg);
	}
	char *msg = NULL;
	assert_int_equal(plan_with(dir, vol, "ro", &msg), 0);
	assert_null(msg);
	rmdir(vol);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(guest_plan_idmap)};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
