/* The one growing string: pieces of every kind, growth across many reallocations (the text
 * checked byte for byte), a format longer than the stack buffer, binary data with NULs, and
 * the empty buffer taken as "". */
/* cmocka.h needs setjmp.h, stdarg.h and stddef.h before it: keep this order. */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
// clang-format on

#include "util/strbuf.h"

static void test_pieces(void **state)
{
	struct strbuf b = {0};
	assert_string_equal(strbuf_str(&b), "");
	strbuf_adds(&b, "ab");
	strbuf_addc(&b, 'c');
	strbuf_add(&b, "defXX", 3);
	strbuf_addf(&b, "-%d-%s", 42, "x");
	assert_int_equal(b.len, 11);
	assert_string_equal(strbuf_str(&b), "abcdef-42-x");
	char *s = strbuf_take(&b);
	assert_string_equal(s, "abcdef-42-x");
	assert_null(b.s);
	assert_int_equal(b.len, 0);
	free(s);
}

static void test_growth(void **state)
{
	struct strbuf b = {0};
	char want[20000];
	size_t n = 0;
	for (int i = 0; i < 2000; i++) {
		int w = snprintf(want + n, sizeof(want) - n, "%d,", i);
		strbuf_addf(&b, "%d,", i);
		n += (size_t)w;
	}
	assert_int_equal(b.len, n);
	assert_memory_equal(b.s, want, n);
	assert_int_equal(b.s[b.len], '\0');
	strbuf_clear(&b);
	assert_null(b.s);
}

static void test_long_format(void **state)
{
	struct strbuf b = {0};
	strbuf_adds(&b, "<");
	char big[1000];
	memset(big, 'z', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	strbuf_addf(&b, "%s|%s", big, big);
	assert_int_equal(b.len, 1 + 999 * 2 + 1);
	assert_int_equal(b.s[0], '<');
	assert_int_equal(b.s[1000], '|');
	assert_int_equal(b.s[b.len - 1], 'z');
	assert_int_equal(b.s[b.len], '\0');
	strbuf_clear(&b);
}

static void test_binary_and_empty(void **state)
{
	struct strbuf b = {0};
	char *s = strbuf_take(&b);
	assert_string_equal(s, "");
	free(s);
	strbuf_add(&b, "a\0b", 3);
	strbuf_add(&b, NULL, 0);
	assert_int_equal(b.len, 3);
	assert_memory_equal(b.s, "a\0b", 4);
	strbuf_clear(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_pieces),
	    cmocka_unit_test(test_growth),
	    cmocka_unit_test(test_long_format),
	    cmocka_unit_test(test_binary_and_empty),
	};
	return cmocka_run_group_tests_name("util/strbuf", tests, NULL, NULL);
}
