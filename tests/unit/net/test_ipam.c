/* Addresses, prefixes and IPAM: parsing, arithmetic, subnet choice, allocation. */
/* cmocka.h needs setjmp.h, stdarg.h and stddef.h before it: keep this order. */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
// clang-format on

#include <errno.h>
#include <sys/socket.h>

#include "net/addr.h"
#include "net/ipam.h"
#include "util/err.h"

static struct net_addr A(const char *s) {
	struct net_addr a;
	assert_int_equal(net_addr_parse(s, &a), 0);
	return a;
}

static void
addresses(void **state)
{
	char buf[NET_ADDR_STRLEN];
	struct net_addr a = A("172.17.3.4/16");
	assert_int_equal(a.family, AF_INET);
	assert_int_equal(a.prefix, 16);
	struct net_addr n = net_addr_network(&a);
	assert_string_equal(net_addr_cidr(&n, buf, sizeof(buf)), "172.17.0.0/16");
	assert_int_equal(A("10.0.0.1").prefix, 32);
	assert_int_equal(A("fd00::1/64").family, AF_INET6);
	assert_int_equal(A("fd00::1").prefix, 128);
	struct net_addr bad;
	const char *bads[] = {"",           "10.0.0", "10.0.0.1/33", "10.0.0.1/",
			      "fd00::/129", "x/8",    "10.0.0.1/8x", NULL};
	for (const char **b = bads; *b; b++)
		assert_int_equal(net_addr_parse(*b, &bad), -1);
	struct net_addr x = A("10.1.0.0/16"), y = A("10.1.2.0/24"), z = A("10.2.0.0/16");
	assert_true(net_addr_contains(&x, &y));
	assert_false(net_addr_contains(&y, &x));
	assert_true(net_addr_overlap(&y, &x));
	assert_false(net_addr_overlap(&x, &z));
	struct net_addr six = A("fd12:3456:789a::/64"), s2 = A("fd12:3456:789a:0:1::/80");
	assert_true(net_addr_contains(&six, &s2));
	struct net_addr nth;
	assert_true(net_addr_nth(&y, 255, &nth));
	assert_string_equal(net_addr_str(&nth, buf, sizeof(buf)), "10.1.2.255");
	assert_false(net_addr_nth(&y, 256, &nth));
	assert_true(net_addr_nth(&six, 2, &nth));
	assert_string_equal(net_addr_str(&nth, buf, sizeof(buf)), "fd12:3456:789a::2");
	struct net_addr in_y = A("10.1.2.9");
	assert_int_equal(net_addr_offset(&y, &in_y), 9);
	assert_int_equal(net_addr_size(&y), 256);
	assert_int_equal(net_addr_size(&six), 1ULL << 32); /* capped */
}

static void subnets(void **state)
{
	char buf[NET_ADDR_STRLEN];
	struct net_addr out;
	assert_int_equal(net_ipam_pick_subnet(NULL, 0, &out, NULL), 0);
	assert_string_equal(net_addr_cidr(&out, buf, sizeof(buf)), "172.17.0.0/16");
	/* a host route inside 172.17/16 and a network on 172.18/16: the next one */
	struct net_addr taken[] = {A("172.17.5.0/24"), A("172.18.0.0/16"), A("fd00::/8")};
	assert_int_equal(net_ipam_pick_subnet(taken, 3, &out, NULL), 0);
	assert_string_equal(net_addr_cidr(&out, buf, sizeof(buf)), "172.19.0.0/16");
	/* 172.16/12 routed: the 192.168 pools, in /20s */
	struct net_addr wide[] = {A("172.16.0.0/12"), A("192.168.0.0/20")};
	assert_int_equal(net_ipam_pick_subnet(wide, 2, &out, NULL), 0);
	assert_string_equal(net_addr_cidr(&out, buf, sizeof(buf)), "192.168.16.0/20");
	struct net_addr all[] = {A("172.16.0.0/12"), A("192.168.0.0/16")};
	struct berr *err = NULL;
	assert_int_equal(net_ipam_pick_subnet(all, 2, &out, &err), -ENOSPC);
	berr_free(err);
	uint8_t seed[8] = {1, 2, 3, 4, 5, 6, 7, 8};
	struct net_addr ula = net_ipam_ula(seed);
	assert_string_equal(net_addr_cidr(&ula, buf, sizeof(buf)), "fd01:203:405:607::/64");
}

static void alloc(void **state)
{
	char buf[NET_ADDR_STRLEN];
	struct net_addr sn = A("10.0.0.0/29"), gw = net_ipam_gateway(&sn), out;
	assert_string_equal(net_addr_str(&gw, buf, sizeof(buf)), "10.0.0.1");
	assert_int_equal(net_ipam_alloc(&sn, NULL, &gw, NULL, 0, &out, NULL), 0);
	assert_string_equal(net_addr_str(&out, buf, sizeof(buf)), "10.0.0.2");
	assert_int_equal(out.prefix, 29);
	struct net_addr taken[] = {A("10.0.0.2"), A("10.0.0.3"), A("10.0.0.5")};
	assert_int_equal(net_ipam_alloc(&sn, NULL, &gw, taken, 3, &out, NULL), 0);
	assert_string_equal(net_addr_str(&out, buf, sizeof(buf)), "10.0.0.4");
	/* .6 is the last host; .7 the broadcast is never given */
	struct net_addr full[] = {A("10.0.0.2"), A("10.0.0.3"), A("10.0.0.4"), A("10.0.0.5"),
				  A("10.0.0.6")};
	struct berr *err = NULL;
	assert_int_equal(net_ipam_alloc(&sn, NULL, &gw, full, 5, &out, &err), -ENOSPC);
	berr_free(err);
	/* from an --ip-range */
	struct net_addr big = A("10.1.0.0/16"), range = A("10.1.5.0/30"),
			g2 = net_ipam_gateway(&big);
	assert_int_equal(net_ipam_alloc(&big, &range, &g2, NULL, 0, &out, NULL), 0);
	assert_string_equal(net_addr_str(&out, buf, sizeof(buf)), "10.1.5.0");
	/* --ip checks */
	struct net_addr ip = A("10.0.0.1");
	assert_false(net_ipam_usable(&sn, &gw, &ip)); /* the gateway */
	ip = A("10.0.0.0");
	assert_false(net_ipam_usable(&sn, &gw, &ip));
	ip = A("10.0.0.7");
	assert_false(net_ipam_usable(&sn, &gw, &ip));
	ip = A("10.0.1.2");
	assert_false(net_ipam_usable(&sn, &gw, &ip));
	ip = A("10.0.0.6");
	assert_true(net_ipam_usable(&sn, &gw, &ip));
	/* IPv6 */
	struct net_addr s6 = A("fd00:1::/64"), g6 = net_ipam_gateway(&s6);
	assert_int_equal(net_ipam_alloc(&s6, NULL, &g6, NULL, 0, &out, NULL), 0);
	assert_string_equal(net_addr_str(&out, buf, sizeof(buf)), "fd00:1::2");
}

static void macs(void **state)
{
	uint8_t m[6];
	assert_int_equal(net_mac_parse("02:42:AC:11:00:9f", m), 0);
	assert_memory_equal(m, ((uint8_t[]){0x02, 0x42, 0xac, 0x11, 0x00, 0x9f}), 6);
	assert_int_equal(net_mac_parse("92-d0-c6-0a-29-33", m), 0);
	assert_int_equal(m[0], 0x92);
	const char *bads[] = {NULL,
			      "",
			      "02:42:ac:11:00",
			      "02:42:ac:11:00:9",
			      "02:42:ac:11:00:9f:",
			      "02:42-ac:11:00:9f",
			      "0x:42:ac:11:00:9f",
			      "02.42.ac.11.00.9f",
			      "+2:42:ac:11:00:9f",
			      "02:42:ac:11:00:9g"};
	for (size_t i = 0; i < sizeof(bads) / sizeof(bads[0]); i++)
		assert_int_equal(net_mac_parse(bads[i], m), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(addresses),
	    cmocka_unit_test(macs),
	    cmocka_unit_test(subnets),
	    cmocka_unit_test(alloc),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
