/* Error values: chain order, innermost code, message formatting. */
/* cmocka.h needs setjmp.h, stdarg.h and stddef.h before it: keep this order. */
// clang-format off
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
// clang-format on

#include "util/err.h"

static int fails_deep(struct berr **err)
{
	return berr_set(err, ENOENT, "open '%s'", "/x");
}

static int fails_middle(struct berr **err)
{
	if (fails_deep(err) < 0)
		return berr_wrap(err, "mount '%s'", "/data");
	return 0;
}

static void test_chain_string(void **state)
{
	struct berr *err = NULL;
	assert_int_equal(fails_middle(&err), -ENOENT);
	char *s = berr_string(err);
	assert_string_equal(s, "mount '/data': open '/x': No such file or directory");
	assert_int_equal(berr_code(err), ENOENT);
	free(s);
	berr_free(err);
}

/* A message of our own finding is complete: no strerror, but the code still travels. */
static void test_plain(void **state)
{
	struct berr *err = NULL;
	assert_int_equal(berr_plain(&err, ENOENT, "no such image: %s", "x"), -ENOENT);
	assert_int_equal(berr_wrap(&err, "run"), -ENOENT);
	char *s = berr_string(err);
	assert_string_equal(s, "run: no such image: x");
	assert_int_equal(berr_code(err), ENOENT);
	free(s);
	berr_free(err);
}

static void test_set_zero_code(void **state)
{
	struct berr *err = NULL;
	assert_int_equal(berr_set(&err, 0, "bad"), -EINVAL);
	char *s = berr_string(err);
	assert_string_equal(s, "bad");
	free(s);
	berr_clear(&err);
	assert_null(err);
}

static void test_null_slot_is_ok(void **state)
{
	assert_int_equal(berr_set(NULL, EPERM, "ignored"), -EPERM);
	berr_free(NULL);
}

static void test_negative_code_normalised(void **state)
{
	struct berr *err = NULL;
	assert_int_equal(berr_set(&err, -EACCES, "x"), -EACCES);
	assert_int_equal(berr_code(err), EACCES);
	berr_free(err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_chain_string),
	    cmocka_unit_test(test_plain),
	    cmocka_unit_test(test_set_zero_code),
	    cmocka_unit_test(test_null_slot_is_ok),
	    cmocka_unit_test(test_negative_code_normalised),
	};
	return cmocka_run_group_tests_name("util/err", tests, NULL, NULL);
}
