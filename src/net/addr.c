/* Addresses and prefixes (see addr.h). */
#include "net/addr.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

static unsigned bits(int family)
{
	return family == AF_INET ? 32 : 128;
}

static size_t bytes(int family)
{
	return family == AF_INET ? 4 : 16;
}

int net_addr_parse(const char *s, struct net_addr *out)
{
	char buf[NET_ADDR_STRLEN];
	if (!s || strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	char *slash = strchr(buf, '/');
	if (slash)
		*slash = '\0';
	struct net_addr a = {0};
	if (inet_pton(AF_INET, buf, &a.v4) == 1)
		a.family = AF_INET;
	else if (inet_pton(AF_INET6, buf, &a.v6) == 1)
		a.family = AF_INET6;
	else
		return -1;
	a.prefix = bits(a.family);
	if (slash) {
		char *end = NULL;
		long p = strtol(slash + 1, &end, 10);
		if (!slash[1] || *end || p < 0 || p > (long)bits(a.family))
			return -1;
		a.prefix = (unsigned)p;
	}
	*out = a;
	return 0;
}

const char *net_addr_str(const struct net_addr *a, char *buf, size_t len)
{
	if (!inet_ntop(a->family, a->bytes, buf, (socklen_t)len))
		snprintf(buf, len, "?");
	return buf;
}

const char *net_addr_cidr(const struct net_addr *a, char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN];
	snprintf(buf, len, "%s/%u", net_addr_str(a, ip, sizeof(ip)), a->prefix);
	return buf;
}

struct net_addr net_addr_network(const struct net_addr *a)
{
	struct net_addr n = *a;
	for (unsigned i = 0; i < bytes(a->family); i++) {
		unsigned keep = a->prefix > i * 8 ? a->prefix - i * 8 : 0;
		uint8_t mask = keep >= 8 ? 0xff : (uint8_t)(0xff << (8 - keep));
		n.bytes[i] &= mask;
	}
	return n;
}

bool net_addr_contains(const struct net_addr *a, const struct net_addr *b)
{
	if (a->family != b->family || b->prefix < a->prefix)
		return false;
	struct net_addr bn = *b;
	bn.prefix = a->prefix;
	struct net_addr x = net_addr_network(a), y = net_addr_network(&bn);
	return !memcmp(x.bytes, y.bytes, bytes(a->family));
}

bool net_addr_overlap(const struct net_addr *a, const struct net_addr *b)
{
	return net_addr_contains(a, b) || net_addr_contains(b, a);
}

bool net_addr_equal(const struct net_addr *a, const struct net_addr *b)
{
	return a->family == b->family && !memcmp(a->bytes, b->bytes, bytes(a->family));
}

/* The low 64 bits of the address as a number, and back. */
static uint64_t low64(const struct net_addr *a)
{
	size_t n = bytes(a->family), from = n > 8 ? n - 8 : 0;
	uint64_t v = 0;
	for (size_t i = from; i < n; i++)
		v = v << 8 | a->bytes[i];
	return v;
}

static void set_low64(struct net_addr *a, uint64_t v)
{
	size_t n = bytes(a->family), from = n > 8 ? n - 8 : 0;
	for (size_t i = n; i-- > from;) {
		a->bytes[i] = (uint8_t)(v & 0xff);
		v >>= 8;
	}
}

uint64_t net_addr_size(const struct net_addr *a)
{
	unsigned host = bits(a->family) - a->prefix;
	return host >= 32 ? (1ULL << 32) : (1ULL << host);
}

bool net_addr_nth(const struct net_addr *a, uint64_t n, struct net_addr *out)
{
	if (n >= net_addr_size(a))
		return false;
	struct net_addr r = net_addr_network(a);
	set_low64(&r, low64(&r) + n);
	*out = r;
	return true;
}

uint64_t net_addr_offset(const struct net_addr *a, const struct net_addr *b)
{
	struct net_addr n = net_addr_network(a);
	return low64(b) - low64(&n);
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)(c | 0x20);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int net_mac_parse(const char *s, uint8_t mac[6])
{
	if (!s || strlen(s) != 17 || (s[2] != ':' && s[2] != '-'))
		return -1;
	for (int i = 0; i < 6; i++) {
		const char *p = s + 3 * i;
		int hi = hex_digit(p[0]), lo = hex_digit(p[1]);
		if (hi < 0 || lo < 0 || (i < 5 && p[2] != s[2]))
			return -1;
		mac[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}
