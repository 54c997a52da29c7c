/* The guest's network interfaces (see guest.h): lo up; for each "net=IFNAME MAC MTU ADDR4 GW4
 * ADDR6 GW6" record ("-": none) the virtio-net interface with that MAC, found in sysfs once
 * its driver has probed it, renamed to IFNAME, given its MTU, addresses and default routes,
 * and brought up; then (wait_network) waited for until it runs. With the old ioctls: libc is
 * all the guest init has. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <net/route.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "guest.h"

#define NIC_WAIT_S     10
#define CARRIER_WAIT_S 5

/* struct in6_ifreq is the kernel's (linux/ipv6.h clashes with netinet/in.h) */
struct in6_ifreq_ {
	struct in6_addr addr;
	uint32_t prefixlen;
	int ifindex;
};

/* The name of the interface whose address is mac, waited for. */
static void find_nic(const char *mac, char *name, size_t len)
{
	for (int tries = 0; tries < NIC_WAIT_S * 100; tries++) {
		DIR *d = opendir("/sys/class/net");
		struct dirent *de;
		while (d && (de = readdir(d))) {
			if (de->d_name[0] == '.')
				continue;
			char p[300], got[32] = "";
			snprintf(p, sizeof(p), "/sys/class/net/%s/address", de->d_name);
			int fd = open(p, O_RDONLY | O_CLOEXEC);
			ssize_t k = fd >= 0 ? read(fd, got, sizeof(got) - 1) : -1;
			if (fd >= 0)
				close(fd);
			if (k > 0 && !strncasecmp(got, mac, 17)) {
				size_t n = strnlen(de->d_name, len - 1);
				memcpy(name, de->d_name, n);
				name[n] = '\0';
				closedir(d);
				return;
			}
		}
		if (d)
			closedir(d);
		struct timespec ts = {0, 10 * 1000000L};
		nanosleep(&ts, NULL);
	}
	fail(125, "no network interface with MAC %s", mac);
}

static void set_ipv4(int s, const char *ifname, const char *cidr)
{
	char a[64];
	snprintf(a, sizeof(a), "%s", cidr);
	char *slash = strchr(a, '/');
	unsigned prefix = slash ? (unsigned)atoi(slash + 1) : 32;
	if (slash)
		*slash = '\0';
	struct ifreq ifr = {0};
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	struct sockaddr_in *sin = (struct sockaddr_in *)&ifr.ifr_addr;
	sin->sin_family = AF_INET;
	if (inet_pton(AF_INET, a, &sin->sin_addr) != 1 || ioctl(s, SIOCSIFADDR, &ifr) < 0)
		fail(125, "address %s on %s: %s", cidr, ifname, strerror(errno));
	sin->sin_addr.s_addr = prefix ? htonl(~0U << (32 - prefix)) : 0;
	if (ioctl(s, SIOCSIFNETMASK, &ifr) < 0)
		fail(125, "netmask of %s on %s: %s", cidr, ifname, strerror(errno));
}

static void route_ipv4(int s, const char *ifname, const char *gw)
{
	struct rtentry rt = {0};
	struct sockaddr_in *g = (struct sockaddr_in *)&rt.rt_gateway;
	g->sin_family = AF_INET;
	((struct sockaddr_in *)&rt.rt_dst)->sin_family = AF_INET;
	((struct sockaddr_in *)&rt.rt_genmask)->sin_family = AF_INET;
	rt.rt_flags = RTF_UP | RTF_GATEWAY;
	rt.rt_dev = (char *)ifname;
	if (inet_pton(AF_INET, gw, &g->sin_addr) != 1 ||
	    (ioctl(s, SIOCADDRT, &rt) < 0 && errno != EEXIST))
		fail(125, "default route via %s: %s", gw, strerror(errno));
}

/* No duplicate address detection on ifname: IPAM made its address unique, and DAD delays the
 * use of it and of the link-local one. Before the interface is up, so both are usable at once. */
static void no_dad(const char *ifname)
{
	char p[128];
	snprintf(p, sizeof(p), "/proc/sys/net/ipv6/conf/%s/accept_dad", ifname);
	int fd = open(p, O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		(void)!write(fd, "0", 1);
		close(fd);
	}
}

static void set_ipv6(const char *ifname, unsigned index, const char *cidr, const char *gw)
{
	int s = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	char a[64];
	snprintf(a, sizeof(a), "%s", cidr);
	char *slash = strchr(a, '/');
	struct in6_ifreq_ r = {.prefixlen = slash ? (uint32_t)atoi(slash + 1) : 128,
			       .ifindex = (int)index};
	if (slash)
		*slash = '\0';
	if (s < 0 || inet_pton(AF_INET6, a, &r.addr) != 1 || ioctl(s, SIOCSIFADDR, &r) < 0)
		fail(125, "address %s on %s: %s", cidr, ifname, strerror(errno));
	if (gw) {
		struct in6_rtmsg rt = {.rtmsg_flags = RTF_UP | RTF_GATEWAY,
				       .rtmsg_metric = 1,
				       .rtmsg_ifindex = (int)index};
		if (inet_pton(AF_INET6, gw, &rt.rtmsg_gateway) != 1 ||
		    (ioctl(s, SIOCADDRT, &rt) < 0 && errno != EEXIST))
			fail(125, "default route via %s: %s", gw, strerror(errno));
	}
	close(s);
}

static void set_up(int s, const char *ifname)
{
	struct ifreq ifr = {0};
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
		fail(125, "flags of %s: %s", ifname, strerror(errno));
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
		fail(125, "bring up %s: %s", ifname, strerror(errno));
}

static void setup_nic(int s, const char *rec)
{
	char ifname[IFNAMSIZ], mac[18], a4[64], g4[48], a6[64], g6[48];
	unsigned mtu;
	if (sscanf(rec, "%15s %17s %u %63s %47s %63s %47s", ifname, mac, &mtu, a4, g4, a6, g6) != 7)
		fail(125, "bad net '%s'", rec);
	char cur[IFNAMSIZ];
	find_nic(mac, cur, sizeof(cur));
	struct ifreq ifr = {0};
	if (strcmp(cur, ifname)) {
		snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", cur);
		snprintf(ifr.ifr_newname, sizeof(ifr.ifr_newname), "%s", ifname);
		if (ioctl(s, SIOCSIFNAME, &ifr) < 0)
			fail(125, "rename %s to %s: %s", cur, ifname, strerror(errno));
	}
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_mtu = (int)mtu;
	if (ioctl(s, SIOCSIFMTU, &ifr) < 0)
		fail(125, "MTU %u on %s: %s", mtu, ifname, strerror(errno));
	if (strcmp(a4, "-"))
		set_ipv4(s, ifname, a4);
	if (strcmp(a6, "-"))
		no_dad(ifname);
	set_up(s, ifname);
	if (strcmp(a4, "-") && strcmp(g4, "-"))
		route_ipv4(s, ifname, g4);
	if (strcmp(a6, "-"))
		set_ipv6(ifname, if_nametoindex(ifname), a6, strcmp(g6, "-") ? g6 : NULL);
}

void setup_network(const struct config *c)
{
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		fail(125, "socket: %s", strerror(errno));
	set_up(s, "lo");
	/* the records are read before the next config_values call reuses the list */
	size_t n = 0;
	const char **v = config_values(c, "net", &n);
	const char *recs[16];
	for (size_t i = 0; i < n && i < 16; i++)
		recs[i] = v[i];
	for (size_t i = 0; i < n && i < 16; i++)
		setup_nic(s, recs[i]);
	close(s);
}

/* virtio-net's link is not running when its interface appears: the driver reads the device's
 * link status in a work item it queues at probe (a template's clone probes its NICs as they
 * are plugged in, just before the config comes), and the kernel's link watch, which runs an
 * interface that is down at most once a second, then sets the operational state (`ip link`
 * says NO-CARRIER until then), gives the queue its qdisc if the interface was up first (until
 * then what is sent is dropped) and tells IPv6 the link is ready, which adds the link-local
 * address. That took up to a second after the interface was up, and the container's process
 * could start before. So the init waits (CARRIER_WAIT_S in all, the console says when it gives
 * up) until each interface is IFF_RUNNING: after the rest of its setup, so the two overlap.
 * The link watch holds the RTNL while it finishes, which setting the flags again takes. */
void wait_network(const struct config *c)
{
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	size_t n = 0;
	const char **v = config_values(c, "net", &n);
	int tries = 0;
	for (size_t i = 0; s >= 0 && i < n && i < 16; i++) {
		struct ifreq ifr = {0};
		if (sscanf(v[i], "%15s", ifr.ifr_name) != 1)
			continue;
		while (ioctl(s, SIOCGIFFLAGS, &ifr) == 0 && !(ifr.ifr_flags & IFF_RUNNING) &&
		       tries++ < CARRIER_WAIT_S * 200) {
			struct timespec ts = {0, 5 * 1000000L};
			nanosleep(&ts, NULL);
		}
		if (ifr.ifr_flags & IFF_RUNNING)
			(void)ioctl(s, SIOCSIFFLAGS, &ifr);
		else
			say("berth-init: %s is not running after %d s (no carrier); going on\n",
			    ifr.ifr_name, CARRIER_WAIT_S);
	}
	if (s >= 0)
		close(s);
}
