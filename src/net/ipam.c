/* Subnets and addresses for bridge networks (see ipam.h). */
#include "net/ipam.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "util/err.h"

int net_ipam_pick_subnet(const struct net_addr *taken, size_t n, struct net_addr *out,
			 struct berr **err)
{
	/* moby's default address pools: 172.17-31.0.0/16, then 192.168.N.0/20 */
	for (int i = 0; i < 15 + 16; i++) {
		struct net_addr s = {.family = AF_INET};
		if (i < 15) {
			s.v4.s_addr = htonl((172u << 24) | ((17u + (unsigned)i) << 16));
			s.prefix = 16;
		} else {
			s.v4.s_addr =
			    htonl((192u << 24) | (168u << 16) | ((unsigned)(i - 15) << 12));
			s.prefix = 20;
		}
		bool free_ = true;
		for (size_t k = 0; k < n && free_; k++)
			free_ = !(taken[k].family == AF_INET && net_addr_overlap(&s, &taken[k]));
		if (free_) {
			*out = s;
			return 0;
		}
	}
	return berr_plain(err, ENOSPC,
			  "all predefined address pools have been fully subnetted: give --subnet");
}

struct net_addr net_ipam_ula(const uint8_t seed[8])
{
	struct net_addr a = {.family = AF_INET6, .prefix = 64};
	a.bytes[0] = 0xfd;
	memcpy(a.bytes + 1, seed, 5); /* 40-bit global id */
	a.bytes[6] = seed[5];         /* 16-bit subnet id */
	a.bytes[7] = seed[6];
	return a;
}

struct net_addr net_ipam_gateway(const struct net_addr *subnet)
{
	struct net_addr g;
	if (!net_addr_nth(subnet, 1, &g))
		g = net_addr_network(subnet);
	return g;
}

bool net_ipam_usable(const struct net_addr *subnet, const struct net_addr *gateway,
		     const struct net_addr *addr)
{
	struct net_addr a = *addr;
	a.prefix = subnet->prefix;
	if (!net_addr_contains(subnet, &a) || (gateway && net_addr_equal(gateway, addr)))
		return false;
	uint64_t off = net_addr_offset(subnet, addr), size = net_addr_size(subnet);
	if (off == 0)
		return false; /* the network's own address */
	/* IPv4's broadcast address, except on /31 and /32 */
	return !(subnet->family == AF_INET && subnet->prefix < 31 && off == size - 1);
}

int net_ipam_alloc(const struct net_addr *subnet, const struct net_addr *range,
		   const struct net_addr *gateway, const struct net_addr *taken, size_t n,
		   struct net_addr *out, struct berr **err)
{
	const struct net_addr *from = range ? range : subnet;
	uint64_t size = net_addr_size(from);
	for (uint64_t i = 0; i < size; i++) {
		struct net_addr a;
		if (!net_addr_nth(from, i, &a))
			break;
		a.prefix = subnet->prefix;
		if (!net_ipam_usable(subnet, gateway, &a))
			continue;
		bool used = false;
		for (size_t k = 0; k < n && !used; k++)
			used = net_addr_equal(&taken[k], &a);
		if (!used) {
			*out = a;
			return 0;
		}
	}
	char s[NET_ADDR_STRLEN];
	return berr_plain(err, ENOSPC, "no address left in %s", net_addr_cidr(from, s, sizeof(s)));
}
