/* Owner translation across an idmapped view. */
/* cmocka.h needs setjmp.h, stdarg.h and stddef.h before it: keep this order. */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
// clang-format on

#include "util/idshift.h"

static void translate(void **state)
{
	const struct idshift_range u[] = {{0, 100000, 1000}, {1000, 5000, 10}};
	const struct idshift_range g[] = {{0, 200000, 65536}};
	struct idshift in = {u, g, 2, 1, false}, out = {u, g, 2, 1, true};
	assert_int_equal(idshift_uid(&in, 0), 100000);
	assert_int_equal(idshift_uid(&in, 999), 100999);
	assert_int_equal(idshift_uid(&in, 1005), 5005);
	assert_int_equal(idshift_uid(&in, 1010), 65534); /* no range holds it */
	assert_int_equal(idshift_gid(&in, 7), 200007);
	assert_int_equal(idshift_uid(&out, 100005), 5);
	assert_int_equal(idshift_uid(&out, 5009), 1009);
	assert_int_equal(idshift_uid(&out, 0), 65534); /* the host's root is nobody inside */
	assert_int_equal(idshift_gid(&out, 200000 + 65535), 65535);
	assert_int_equal(idshift_uid(NULL, 42), 42);
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(translate)};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
