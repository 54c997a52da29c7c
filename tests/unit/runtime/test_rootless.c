/* Rootless decisions: which linux.resources need a cgroup (device rules alone do not), and the
 * error that says why limits cannot be had. */
/* cmocka.h needs setjmp.h, stdarg.h and stddef.h before it: keep this order. */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
// clang-format on

#include <errno.h>

#include "runtime/rootless.h"
#include "util/err.h"

static bool wants(const char *text)
{
	json_t *res = json_loads(text, 0, NULL);
	assert_non_null(res);
	bool r = rt_rootless_wants_limits(res);
	json_decref(res);
	return r;
}

static void limits_asked(void **state)
{
	assert_false(wants("{}"));
	assert_false(wants("{\"devices\":[{\"allow\":false,\"access\":\"rwm\"}]}"));
	assert_false(wants("{\"memory\":{},\"hugepageLimits\":[],\"cpu\":null}"));
	assert_true(wants("{\"memory\":{\"limit\":104857600}}"));
	assert_true(wants("{\"devices\":[],\"pids\":{\"limit\":10}}"));
	assert_true(wants("{\"unified\":{\"memory.high\":\"1M\"}}"));
}

static void limits_error(void **state)
{
	json_t *res =
	    json_loads("{\"devices\":[],\"memory\":{\"limit\":1},\"pids\":{\"limit\":2}}", 0, NULL);
	struct berr *cause = NULL, *err = NULL;
	berr_set(&cause, EACCES, "create cgroup '/sys/fs/cgroup/memory/berth/x'");
	int r = rt_rootless_limits_error(res, cause, &err);
	assert_int_equal(r, -EACCES);
	char *msg = berr_string(err);
	assert_non_null(strstr(msg, "limits (memory, pids)"));
	assert_non_null(strstr(msg, "cgroups are not delegated"));
	assert_non_null(strstr(msg, "/sys/fs/cgroup/memory/berth/x': Permission denied"));
	free(msg);
	berr_free(err);
	json_decref(res);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(limits_asked),
	    cmocka_unit_test(limits_error),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
