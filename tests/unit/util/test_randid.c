/* Random hex ids: every length (odd ones too) gives exactly that many lower-case hex digits
 * and a NUL, nothing written past them; two ids differ; a long one uses every digit; random
 * bytes fill a buffer larger than one getrandom read. */
/* cmocka.h needs setjmp.h, stdarg.h and stddef.h before it: keep this order. */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
// clang-format on

#include "util/err.h"
#include "util/randid.h"

static void test_lengths(void **state)
{
	(void)state;
	size_t lens[] = {0, 1, 2, 12, 63, 64, 65, 127, 128, 129, 300};
	for (size_t k = 0; k < sizeof(lens) / sizeof(lens[0]); k++) {
		char buf[320];
		memset(buf, '#', sizeof(buf));
		size_t n = lens[k];
		assert_int_equal(rand_hex_id(buf, n, NULL), 0);
		assert_int_equal(strlen(buf), n);
		assert_int_equal(strspn(buf, "0123456789abcdef"), n);
		for (size_t i = n + 1; i < sizeof(buf); i++)
			assert_int_equal(buf[i], '#');
	}
}

static void test_random(void **state)
{
	(void)state;
	char a[65], b[65];
	assert_int_equal(rand_hex_id(a, 64, NULL), 0);
	assert_int_equal(rand_hex_id(b, 64, NULL), 0);
	assert_string_not_equal(a, b);
	static char big[4097];
	assert_int_equal(rand_hex_id(big, 4096, NULL), 0);
	for (const char *d = "0123456789abcdef"; *d; d++)
		assert_non_null(strchr(big, *d));
}

static void test_bytes(void **state)
{
	(void)state;
	/* more than getrandom gives at once from the pool (256 bytes a read for larger asks) */
	static uint8_t buf[70000];
	memset(buf, 0, sizeof(buf));
	struct berr *err = NULL;
	assert_int_equal(rand_bytes(buf, sizeof(buf), &err), 0);
	assert_null(err);
	size_t zero = 0;
	for (size_t i = sizeof(buf) - 4096; i < sizeof(buf); i++)
		zero += buf[i] == 0;
	assert_true(zero < 100); /* about 16 expected: the tail was written */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_lengths),
	    cmocka_unit_test(test_random),
	    cmocka_unit_test(test_bytes),
	};
	return cmocka_run_group_tests_name("util/randid", tests, NULL, NULL);
}
