/* A running container's place on its networks, set up by its monitor between the runtime's
 * create and start, and taken down when the process ends: loopback up; for each network in
 * NetworkSettings.Networks a veth pair into the network's bridge (eth0, eth1, ... in the
 * order of the record), its address, MAC and default route (the first network's); its
 * published ports held and sent to it by the firewall; the hosts files of the containers
 * it shares a user network with rewritten. Under the networks lock throughout. */
#ifndef BERTH_ENGINE_ENDPOINT_H
#define BERTH_ENGINE_ENDPOINT_H

#include <jansson.h>
#include <stddef.h>
#include <sys/types.h>

#include "engine/port.h"

struct berr;
struct eng_store;

#define ENG_IFS_MAX 16

struct eng_endpoints {
	struct eng_port_hold *ports;
	size_t n_ports;
	char *unpublish;  /* nft commands removing the port elements */
	json_t *settings; /* NetworkSettings.Ports for the state */
};

/* The host end of the container's interface on a network: "veth" and 11 hex digits of the
 * SHA-256 of both ids, so that anyone can find it again (detach, disconnect, system check). */
void eng_endpoint_name(const char *id, const char *network_id, char out[16]);

/* For the container id (rec) whose init is pid. On failure nothing is left. */
int eng_endpoints_attach(const struct eng_store *s, const char *id, json_t *rec, pid_t pid,
			 struct eng_endpoints *out, struct berr **err);
void eng_endpoints_detach(const struct eng_store *s, const char *id, json_t *rec,
			  struct eng_endpoints *e);

/* A VM's place on its networks, before it boots: for each network a TAP in the bridge (named
 * as a veth's host end would be) and what the guest sets on its ethN (struct eng_vm_nics,
 * executor.h: the VM executor takes them); ports and hosts files as for a container. The TAPs
 * go when QEMU and we close their fds; detach as above. */
struct eng_vm_nics;
int eng_endpoints_attach_vm(const struct eng_store *s, const char *id, json_t *rec,
			    struct eng_vm_nics *nics, struct eng_endpoints *out, struct berr **err);
/* Our ends of the TAPs (QEMU has its own once it runs). */
void eng_vm_nics_close(struct eng_vm_nics *nics);

/* One more network for a running container (network connect): its interface is the next
 * ethN in netns (the container's network namespace); the network is rec's (already claimed). */
int eng_endpoint_connect(const struct eng_store *s, const char *id, json_t *rec, const char *name,
			 int netns, struct berr **err);
/* The interface of network name (as connect made it) removed from a running container. */
void eng_endpoint_disconnect(const struct eng_store *s, const char *id, json_t *rec,
			     const char *name);

/* network connect: a lease on the network for the container (ip, aliases), in its record,
 * and its interface now if it runs. */
int eng_network_connect(const struct eng_store *s, const char *net_ref, const char *cid,
			const char *ip, char *const *aliases, struct berr **err);
/* network disconnect: the interface, the lease, the record's entry. */
int eng_network_disconnect(const struct eng_store *s, const char *net_ref, const char *cid,
			   struct berr **err);

/* What a killed monitor or an interrupted create left on the networks: interfaces of
 * containers that do not run, published ports that lead nowhere, leases of removed
 * containers; removed when repair. [{"what": text, "fixed": bool}, ...] */
json_t *eng_network_check(const struct eng_store *s, bool repair);

#endif
