/* --network slirp4netns[:OPTIONS] read as podman reads it, and the guest's address. */
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

#include "engine/pasta.h"
#include "engine/slirp.h"
#include "util/err.h"

static void modes(void **state)
{
	assert_true(eng_slirp_mode("slirp4netns"));
	assert_true(eng_slirp_mode("slirp4netns:mtu=1500"));
	assert_false(eng_slirp_mode("slirp4netnsx"));
	assert_false(eng_slirp_mode("pasta"));
	assert_true(eng_pasta_mode("pasta"));
	assert_true(eng_pasta_mode("slirp4netns:cidr=10.9.0.0/24"));
	assert_false(eng_pasta_mode("bridge"));
}

static void options(void **state)
{
	struct eng_slirp_opts o;
	assert_int_equal(eng_slirp_parse("slirp4netns", &o, NULL), 0);
	assert_int_equal(o.mtu, 65520);
	assert_false(o.host_loopback);
	assert_true(o.ipv6);
	assert_int_equal(eng_slirp_parse("slirp4netns:allow_host_loopback=true,enable_ipv6=true,"
					 "cidr=10.9.0.0/24,mtu=1500,outbound_addr=192.0.2.1,"
					 "port_handler=slirp4netns",
					 &o, NULL),
			 0);
	assert_true(o.host_loopback);
	assert_true(o.ipv6);
	assert_int_equal(o.mtu, 1500);
	assert_string_equal(o.cidr, "10.9.0.0/24");
	assert_string_equal(o.outbound4, "192.0.2.1");
	char guest[48];
	eng_slirp_guest_addr(&o, guest);
	assert_string_equal(guest, "10.9.0.100");
	assert_int_equal(eng_slirp_parse("slirp4netns", &o, NULL), 0);
	eng_slirp_guest_addr(&o, guest);
	assert_string_equal(guest, "10.0.2.100");
	assert_int_equal(
	    eng_slirp_parse("slirp4netns:outbound_addr=lo,enable_ipv6=false", &o, NULL), 0);
	assert_string_equal(o.outbound4, "lo");
	assert_false(o.ipv6);
}

static void refused(void **state)
{
	const char *bad[] = {"slirp4netns:bogus=1",
			     "slirp4netns:mtu=x",
			     "slirp4netns:mtu=70000",
			     "slirp4netns:cidr=10.9.0.0/30",
			     "slirp4netns:cidr=10.9.0.0",
			     "slirp4netns:allow_host_loopback=yes",
			     "slirp4netns:port_handler=nope",
			     "slirp4netns:outbound_addr=::1",
			     "slirp4netns:mtu",
			     "slirp4netns:outbound_addr=no-such-if0",
			     "slirp4netns:enable_ipv6=false,outbound_addr6=::1"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct eng_slirp_opts o;
		struct berr *err = NULL;
		assert_int_equal(eng_slirp_parse(bad[i], &o, &err), -EINVAL);
		berr_free(err);
	}
	struct berr *err = NULL;
	assert_int_equal(eng_usermode_check("slirp4netns:bogus=1", &err), -EINVAL);
	char *text = berr_string(err);
	assert_non_null(strstr(text, "unknown option for slirp4netns: \"bogus=1\""));
	free(text);
	berr_free(err);
	err = NULL;
	assert_int_equal(eng_usermode_check("pasta:-T,80", &err), -EINVAL);
	berr_free(err);
	assert_int_equal(eng_usermode_check("pasta", NULL), 0);
	assert_int_equal(eng_usermode_check("net1", NULL), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(modes), cmocka_unit_test(options),
					   cmocka_unit_test(refused)};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
