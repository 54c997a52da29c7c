/* /version as the engine makes it for both front ends: Docker's SystemVersion fields, the API
 * versions, Go's architecture names; /system/df of an empty store. /info reads the store and
 * host: the integration tests'. */
/* cmocka.h needs setjmp.h, stdarg.h and stddef.h before it: keep this order. */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
// clang-format on

#include <jansson.h>

#include "engine/info.h"
#include "util/version.h"

static const char *str(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static void version(void **unused)
{
	json_t *v = eng_system_version();
	assert_string_equal(str(v, "Version"), BERTH_VERSION);
	assert_string_equal(str(v, "ApiVersion"), "1.41");
	assert_string_equal(str(v, "MinAPIVersion"), "1.24");
	assert_string_equal(str(v, "Os"), "linux");
	const char *fields[] = {"GitCommit", "GoVersion", "Arch", "KernelVersion", "BuildTime"};
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		assert_non_null(str(v, fields[i]));
	assert_true(json_is_false(json_object_get(v, "Experimental")));
	json_t *engine = json_array_get(json_object_get(v, "Components"), 0);
	assert_string_equal(str(engine, "Name"), "Engine");
	assert_string_equal(str(json_object_get(engine, "Details"), "ApiVersion"), "1.41");
	json_decref(v);
}

static void go_arch(void **unused)
{
	assert_string_equal(eng_go_arch("x86_64"), "amd64");
	assert_string_equal(eng_go_arch("aarch64"), "arm64");
	assert_string_equal(eng_go_arch("mips"), "mips");
}

/* An empty store: every list there and empty, as clients index them */
static void df_empty(void **unused)
{
	char root[] = "/tmp/berth-test-info-XXXXXX";
	assert_non_null(mkdtemp(root));
	struct eng_store s = {root, root};
	json_t *df = eng_system_df(&s);
	char *text = json_dumps(df, JSON_COMPACT);
	assert_string_equal(text, "{\"LayersSize\":0,\"Images\":[],\"Containers\":[],"
				  "\"Volumes\":[],\"BuildCache\":[]}");
	free(text);
	json_decref(df);
	char *cmd = NULL;
	assert_true(asprintf(&cmd, "rm -rf '%s'", root) > 0);
	assert_int_equal(system(cmd), 0);
	free(cmd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(version), cmocka_unit_test(go_arch),
					   cmocka_unit_test(df_empty)};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
