/* The cgroup planners: linux.resources → controller-file writes, for v1 and v2, with the
 * conversions runc uses; bad values name the field. */
/* cmocka.h needs setjmp.h, stdarg.h and stddef.h before it: keep this order. */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
// clang-format on

#include "runtime/cgroup.h"
#include "util/err.h"

/* Plan resources (a JSON text) with ops; the plan as "controller/file=value" lines. */
static char *plan_text(const struct rt_cgroup_ops *ops, const char *resources, char **error)
{
	json_t *res = json_loads(resources, 0, NULL);
	assert_non_null(res);
	struct rt_cgroup_plan plan = {0};
	struct berr *err = NULL;
	int r = ops->plan(res, &plan, &err);
	json_decref(res);
	*error = NULL;
	if (r < 0) {
		*error = berr_string(err);
		berr_free(err);
		rt_cgroup_plan_clear(&plan);
		return NULL;
	}
	size_t size = 1;
	for (size_t i = 0; i < plan.n; i++)
		size += strlen(plan.writes[i].controller) + strlen(plan.writes[i].file) +
			strlen(plan.writes[i].value) + 3;
	char *out = calloc(1, size);
	for (size_t i = 0; i < plan.n; i++) {
		strcat(out, plan.writes[i].controller);
		strcat(out, "/");
		strcat(out, plan.writes[i].file);
		strcat(out, "=");
		strcat(out, plan.writes[i].value);
		strcat(out, "\n");
	}
	rt_cgroup_plan_clear(&plan);
	return out;
}

static void expect_plan(const struct rt_cgroup_ops *ops, const char *resources, const char *want)
{
	char *error = NULL;
	char *got = plan_text(ops, resources, &error);
	if (!got)
		fail_msg("plan failed: %s", error);
	assert_string_equal(got, want);
	free(got);
}

static void expect_error(const struct rt_cgroup_ops *ops, const char *resources,
			 const char *want_substring)
{
	char *error = NULL;
	char *got = plan_text(ops, resources, &error);
	if (got)
		fail_msg("plan succeeded: %s", got);
	if (!strstr(error, want_substring))
		fail_msg("error '%s' lacks '%s'", error, want_substring);
	free(error);
}

static void v1_memory_cpu_pids(void **state)
{
	(void)state;
	expect_plan(&rt_cgroup_v1_ops,
		    "{\"memory\":{\"limit\":67108864,\"swap\":134217728},"
		    "\"cpu\":{\"shares\":512,\"quota\":50000,\"period\":100000,\"cpus\":\"0\"},"
		    "\"pids\":{\"limit\":10}}",
		    "memory/memory.limit_in_bytes=67108864\n"
		    "memory/memory.memsw.limit_in_bytes=134217728\n"
		    "cpu/cpu.shares=512\n"
		    "cpu/cpu.cfs_period_us=100000\n"
		    "cpu/cpu.cfs_quota_us=50000\n"
		    "cpuset/cpuset.cpus=0\n"
		    "pids/pids.max=10\n");
	expect_plan(&rt_cgroup_v1_ops, "{\"pids\":{\"limit\":0}}", "pids/pids.max=max\n");
}

static void v1_devices(void **state)
{
	(void)state;
	char *error = NULL;
	char *got = plan_text(&rt_cgroup_v1_ops,
			      "{\"devices\":[{\"allow\":false,\"access\":\"rwm\"},"
			      "{\"allow\":true,\"type\":\"c\",\"major\":10,\"minor\":200,"
			      "\"access\":\"rw\"}]}",
			      &error);
	assert_non_null(got);
	/* the rules in order, then the default devices */
	const char *want = "devices/devices.deny=a\ndevices/devices.allow=c 10:200 rw\n"
			   "devices/devices.allow=c 1:3 rwm\n";
	assert_memory_equal(got, want, strlen(want));
	assert_non_null(strstr(got, "devices/devices.allow=c 136:* rwm\n"));
	free(got);
	expect_error(&rt_cgroup_v1_ops, "{\"devices\":[{\"allow\":true,\"type\":\"q\"}]}",
		     "linux.resources.devices[0].type");
}

static void v2_conversions(void **state)
{
	(void)state;
	expect_plan(&rt_cgroup_v2_ops,
		    "{\"memory\":{\"limit\":67108864,\"swap\":134217728},"
		    "\"cpu\":{\"shares\":1024,\"quota\":-1},"
		    "\"pids\":{\"limit\":-1},"
		    "\"blockIO\":{\"weight\":500}}",
		    "/memory.max=67108864\n"
		    "/memory.swap.max=67108864\n" /* memsw - memory */
		    "/cpu.weight=39\n"            /* runc: 1 + (1024-2)*9999/262142 */
		    "/cpu.max=max 100000\n"
		    "/pids.max=max\n"
		    "/io.weight=4950\n"); /* 1 + (500-10)*9999/990 */
	expect_plan(&rt_cgroup_v2_ops, "{\"unified\":{\"memory.high\":\"1G\"}}",
		    "/memory.high=1G\n");
}

static void v2_errors(void **state)
{
	(void)state;
	expect_error(&rt_cgroup_v2_ops, "{\"unified\":{\"../x\":\"1\"}}",
		     "linux.resources.unified: invalid key");
	expect_error(&rt_cgroup_v2_ops, "{\"unified\":{\"memory.high\":1}}",
		     "linux.resources.unified.memory.high: expected string");
	expect_error(&rt_cgroup_v2_ops, "{\"memory\":{\"swap\":1000}}",
		     "linux.resources.memory.swap");
	expect_error(&rt_cgroup_v2_ops, "{\"memory\":{\"limit\":\"big\"}}",
		     "linux.resources.memory.limit");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(v1_memory_cpu_pids),
	    cmocka_unit_test(v1_devices),
	    cmocka_unit_test(v2_conversions),
	    cmocka_unit_test(v2_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
