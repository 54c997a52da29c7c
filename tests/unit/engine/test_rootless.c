/* The rootless engine's reading of /etc/subuid and /etc/subgid: the user's ranges, by name or
 * number, in order, as maps from container id 1; the first free id for the fix we suggest. */
/* cmocka.h needs setjmp.h, stdarg.h and stddef.h before it: keep this order. */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
// clang-format on

#include "engine/rootless.h"
#include "runtime/spec.h"

static void test_ranges_by_name_and_number(void **state)
{
	const char *text = "other:100000:65536\n"
			   "alice:200000:65536\n"
			   "# a comment\n"
			   "1001:300000:1000\n"
			   "alice:bad:10\n"
			   "alice:400000:0\n"
			   "alice:500000:10";
	struct rt_idmap m[8];
	size_t n = eng_rootless_parse_subids(text, "alice", 1001, 1, m, 8);
	assert_int_equal(n, 3);
	assert_int_equal(m[0].container_id, 1);
	assert_int_equal(m[0].host_id, 200000);
	assert_int_equal(m[0].size, 65536);
	/* each range follows the one before inside the container */
	assert_int_equal(m[1].container_id, 65537);
	assert_int_equal(m[1].host_id, 300000);
	assert_int_equal(m[1].size, 1000);
	assert_int_equal(m[2].container_id, 66537);
	assert_int_equal(m[2].host_id, 500000);
	assert_int_equal(m[2].size, 10);
}

static void test_none_and_bounds(void **state)
{
	struct rt_idmap m[2];
	assert_int_equal(eng_rootless_parse_subids("", "bob", 7, 1, m, 2), 0);
	/* a prefix of a name is not the name */
	assert_int_equal(eng_rootless_parse_subids("bobby:1:2\nbo:1:2\n", "bob", 7, 1, m, 2), 0);
	/* at most max ranges */
	assert_int_equal(eng_rootless_parse_subids("b:10:1\nb:20:1\nb:30:1\n", "b", 7, 1, m, 2), 2);
	/* a range that would wrap past 2^32 is refused; one past the container's last id cut */
	assert_int_equal(eng_rootless_parse_subids("b:4294967295:2\n", "b", 7, 1, m, 2), 0);
	assert_int_equal(eng_rootless_parse_subids("b:1000:4294967295\n", "b", 7, 1, m, 2), 0);
	assert_int_equal(eng_rootless_parse_subids("b:0:4294967295\n", "b", 7, 1, m, 2), 1);
	assert_int_equal(m[0].size, 4294967294u);
}

static void test_free_start(void **state)
{
	assert_int_equal(eng_rootless_free_start(""), 100000);
	assert_int_equal(eng_rootless_free_start("a:100000:65536\nb:165536:65536\nx:y:z\n"),
			 231072);
	assert_int_equal(eng_rootless_free_start("a:10:20\n"), 100000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ranges_by_name_and_number),
	    cmocka_unit_test(test_none_and_bounds),
	    cmocka_unit_test(test_free_start),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
