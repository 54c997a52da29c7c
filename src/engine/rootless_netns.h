/* The rootless network namespace (issue #22; podman 4's rootless-netns): user networks for an
 * ordinary user. One network namespace per user (per run root), made inside the user's user
 * namespace, so that the user, root there, may make bridges, veth pairs and nftables rules in
 * it; berth's own bridge, veth, IPAM and firewall code (net/) runs there as it runs on the
 * host for root. It is held by a long-lived holder process ("berth-netns") and bound at
 * <runroot>/rootless-netns/net; pasta (or slirp4netns where pasta is missing) gives it its way
 * out, so containers on user networks reach what the host reaches, masqueraded by berth's
 * table inside the namespace. Published ports of those containers are held on the host by
 * berth's forwarder (portfwd.h), which connects from inside the namespace to the container's
 * address. Names between containers are their hosts files', as for root.
 *   <runroot>/rootless-netns/net          the namespace (a bind of /proc/PID/ns/net)
 *   <runroot>/rootless-netns/holder.pid   "PID START" of the holder
 *   <runroot>/rootless-netns/pasta.pid    (or slirp4netns.pid) its way out
 *   <runroot>/rootless-netns/users/<id>   the containers attached now
 *   <runroot>/rootless-netns.lock         taken for each of these changes, before
 *                                         networks.lock when both are held
 * The namespace, its holder and its way out go when the last container using it detaches,
 * and at system prune when no running container uses it. */
#ifndef BERTH_ENGINE_ROOTLESS_NETNS_H
#define BERTH_ENGINE_ROOTLESS_NETNS_H

#include <jansson.h>
#include <stdbool.h>

struct berr;
struct eng_store;

/* What runs inside the namespace for the container: its interfaces on its networks (rec has
 * no published ports: the forwarder holds those). In a child process that has joined the
 * namespace (the caller's own namespace cannot be joined again from a user namespace). */
typedef int (*eng_rlnet_inside_fn)(void *ctx, json_t *rec, struct berr **err);

/* Container id (rec, on user networks) attached: the namespace made if need be, inside(ctx)
 * run in it, the forwarder started for its ports; out_settings gets NetworkSettings.Ports.
 * On failure nothing of the container's is left (and the namespace goes if it was its
 * only user). */
int eng_rlnet_attach(const struct eng_store *s, const char *id, json_t *rec,
		     eng_rlnet_inside_fn inside, void *ctx, json_t **out_settings,
		     struct berr **err);
/* fn(ctx, rec) run inside the namespace for container id, which then uses it (network
 * connect and disconnect of a running container); with make false, nothing when there is no
 * namespace. */
int eng_rlnet_run(const struct eng_store *s, const char *id, bool make, eng_rlnet_inside_fn fn,
		  void *ctx, json_t *rec, struct berr **err);
/* The container's forwarder stopped and its use dropped; the namespace removed after its last
 * user. Nothing when it had none. */
void eng_rlnet_detach(const struct eng_store *s, const char *id);
/* system prune: uses by containers that do not run dropped, and the namespace removed if
 * none is left. */
int eng_rlnet_prune(const struct eng_store *s, struct berr **err);
/* Whether user networks can have a way out: pasta or slirp4netns installed. */
bool eng_rlnet_possible(void);

#endif
