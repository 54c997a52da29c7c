/* Typed JSON getters: errors name the field; absent fields leave outputs alone. */
/* cmocka.h needs setjmp.h, stdarg.h and stddef.h before it: keep this order. */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
// clang-format on

#include "util/err.h"
#include "util/json.h"

static void test_types(void **state)
{
	const char *text = "{\"a\":\"x\",\"b\":true,\"c\":-3,\"d\":[\"p\",\"q\"],\"e\":5}";
	struct berr *err = NULL;
	json_t *j = json_load_text(text, strlen(text), &err);
	assert_non_null(j);
	const char *s = NULL;
	assert_int_equal(json_opt_str(j, "", "a", &s, &err), 1);
	assert_string_equal(s, "x");
	bool b = false;
	assert_int_equal(json_opt_bool(j, "", "b", &b, &err), 1);
	assert_true(b);
	int64_t i = 0;
	assert_int_equal(json_opt_i64(j, "", "c", &i, NULL, &err), 1);
	assert_int_equal(i, -3);
	char **v = NULL;
	assert_int_equal(json_opt_strv(j, "", "d", &v, &err), 1);
	assert_int_equal(strv_len(v), 2);
	assert_string_equal(v[1], "q");
	strv_free(v);
	uint64_t u = 0;
	assert_true(json_opt_u64(j, "", "c", &u, NULL, &err) < 0);
	char *msg = berr_string(err);
	assert_string_equal(msg, "c: expected non-negative integer");
	free(msg);
	berr_clear(&err);
	/* absent */
	s = "keep";
	assert_int_equal(json_opt_str(j, "", "zzz", &s, &err), 0);
	assert_string_equal(s, "keep");
	json_decref(j);
}

static void test_wrong_type_names_field(void **state)
{
	const char *text = "{\"args\":[1]}";
	struct berr *err = NULL;
	json_t *j = json_load_text(text, strlen(text), &err);
	char **v = NULL;
	assert_true(json_opt_strv(j, "process", "args", &v, &err) < 0);
	assert_null(v);
	assert_string_equal(err->msg, "process.args: expected array of strings");
	berr_free(err);
	json_decref(j);
}

static void test_malformed(void **state)
{
	struct berr *err = NULL;
	assert_null(json_load_text("{\"a\":", 5, &err));
	assert_non_null(err);
	berr_clear(&err);
	/* Duplicate keys are ambiguous: which one does the runtime honour? Reject. */
	assert_null(json_load_text("{\"a\":1,\"a\":2}", 13, &err));
	berr_clear(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_types),
	    cmocka_unit_test(test_wrong_type_names_field),
	    cmocka_unit_test(test_malformed),
	};
	return cmocka_run_group_tests_name("util/json", tests, NULL, NULL);
}
