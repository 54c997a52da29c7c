/* Error values: chain order, innermost code, message formatting. */
/* cmocka.h needs setjmp.h, stdarg.h and stddef.h before it: keep this order. */
// clang-format off
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

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

/* A second berr_set on a slot already set: a bug, which a debug build (DEBUG=1) aborts on; a
 * release build keeps both, the newer outermost. */
/* After a callee that returns NULL: its code, never 0 */
static void test_ret_after_pointer_callee(void **state)
{
	struct berr *err = NULL;
	assert_int_equal(berr_ret(&err), -EINVAL);
	assert_int_equal(berr_ret(NULL), -EINVAL);
	berr_set(&err, EACCES, "open 'x'");
	berr_wrap(&err, "load 'y'");
	assert_int_equal(berr_ret(&err), -EACCES);
	berr_free(err);
}

static void test_set_over_set(void **state)
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct berr *err = NULL;
		(void)berr_set(&err, ENOENT, "first");
		(void)berr_set(&err, EPERM, "second");
		char *s = berr_string(err);
		_exit(strcmp(s, "second: first: No such file or directory") ? 1 : 0);
	}
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
#ifdef BERTH_DEBUG
	assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT);
#else
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
#endif
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_chain_string),
	    cmocka_unit_test(test_plain),
	    cmocka_unit_test(test_set_zero_code),
	    cmocka_unit_test(test_null_slot_is_ok),
	    cmocka_unit_test(test_negative_code_normalised),
	    cmocka_unit_test(test_set_over_set),
	    cmocka_unit_test(test_ret_after_pointer_callee),
	};
	return cmocka_run_group_tests_name("util/err", tests, NULL, NULL);
}
