/* A VM in a network namespace it is given (berth-runtime-vm with a network namespace path
 * in config.json: podman's, CNI's, a Kubernetes pod's): each veth, macvlan or ipvlan
 * interface there with an address (never a physical one, a bridge or a bridge's port; never
 * in the host's namespace: ours or PID 1's) is taken over by a TAP made beside it. Every frame that
 * arrives on the one is redirected to the other (tc, net/tc.h: Kata's tcfilter mode), and
 * the guest's NIC gets the interface's name, MAC, MTU, addresses and default routes, so the
 * guest is that interface to the world. The namespace's configuration stays as it was; only
 * its own stack no longer sees that interface's traffic. One VM per namespace: a second is
 * refused (the interface has an ingress qdisc already). */
#ifndef BERTH_VM_NETNS_H
#define BERTH_VM_NETNS_H

#include <stddef.h>
#include <stdint.h>

#include "vm/qemu.h"

struct berr;
struct net_addr;

/* What the guest sets on the NIC (addresses of family 0 are left out). */
void vm_nic_describe(struct vm_nic *nic, const uint8_t mac[6], const char *ifname, uint32_t mtu,
		     const struct net_addr *addr4, const struct net_addr *gw4,
		     const struct net_addr *addr6, const struct net_addr *gw6);

/* The NICs for the namespace of netns_fd (none when it has no interface with an address).
 * The TAPs' fds are the caller's (a TAP goes with its last fd). */
int vm_netns_take(int netns_fd, struct vm_nic *out, size_t max, size_t *out_n, struct berr **err);
/* Give the interfaces back: the redirects removed (best effort; none is fine). */
void vm_netns_release(int netns_fd, const struct vm_nic *nics, size_t n);

#endif
