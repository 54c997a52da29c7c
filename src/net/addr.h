/* IPv4 and IPv6 addresses with prefixes: parsing, printing, and the arithmetic IPAM needs
 * (network of a prefix, the n-th address in it, containment, overlap). Pure functions. */
#ifndef BERTH_NET_ADDR_H
#define BERTH_NET_ADDR_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct net_addr {
	int family; /* AF_INET or AF_INET6 */
	union {
		struct in_addr v4;
		struct in6_addr v6;
		uint8_t bytes[16];
	};
	unsigned prefix; /* 0..32 or 0..128 */
};

#define NET_ADDR_STRLEN 50 /* an IPv6 address, '/', a prefix */

/* "172.17.0.0/16", "fd00::/64"; without "/N" the prefix is the whole address (32 or 128).
 * -1 for anything else. */
int net_addr_parse(const char *s, struct net_addr *out);
/* The address alone ("172.17.0.2") or with its prefix ("172.17.0.0/16"). */
const char *net_addr_str(const struct net_addr *a, char *buf, size_t len);
const char *net_addr_cidr(const struct net_addr *a, char *buf, size_t len);
/* The prefix's first address (host bits cleared). */
struct net_addr net_addr_network(const struct net_addr *a);
/* Whether a's prefix holds b (same family). */
bool net_addr_contains(const struct net_addr *a, const struct net_addr *b);
bool net_addr_overlap(const struct net_addr *a, const struct net_addr *b);
bool net_addr_equal(const struct net_addr *a, const struct net_addr *b);
/* The address n past a's network (prefix kept), or false past the end of the prefix. */
bool net_addr_nth(const struct net_addr *a, uint64_t n, struct net_addr *out);
/* How far b is past a's network (b inside a). */
uint64_t net_addr_offset(const struct net_addr *a, const struct net_addr *b);
/* The number of addresses in the prefix, capped at 2^32. */
uint64_t net_addr_size(const struct net_addr *a);

/* A MAC address, six pairs of hex digits apart by ':' or '-' ("02:42:ac:11:00:02"): -1 for
 * anything else. */
int net_mac_parse(const char *s, uint8_t mac[6]);

#endif
