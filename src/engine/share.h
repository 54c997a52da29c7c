/* What a container shares with the host or with another container: `--ipc` and `--pid` (a
 * namespace: the host's, or container X's) and `--volumes-from X[:MODE]` (X's mounts; ro or rw, z
 * or Z), as Docker's HostConfig IpcMode, PidMode and VolumesFrom. Decided once at create (modes
 * checked, X resolved to its id, X's mounts copied into the container's plan) and applied when the
 * bundle is written: the host's namespace is the spec's left out; container:X's is joined by
 * create.c's join_ns (X's /proc/<pid>/ns, X running). Not for pods' members (their pod
 * decides, pod.h) nor VMs (a guest has namespaces of its own). */
#ifndef BERTH_ENGINE_SHARE_H
#define BERTH_ENGINE_SHARE_H

#include <jansson.h>
#include <stdbool.h>

struct berr;
struct eng_create;
struct eng_store;

struct eng_share {
	char *ipc, *pid;      /* the modes to record (NULL: unset), container:<full id> */
	json_t *volumes_from; /* ["<full id>[:mode]", ...], or NULL */
	json_t *mounts;       /* the volumes-from containers' mounts, for eng_share_mounts */
};

/* c's --ipc, --pid and --volumes-from checked (Docker's messages: "invalid IPC mode: x"),
 * before the container's own volumes are made (as dockerd registers volumes-from first): each
 * volumes-from container's HostConfig.Mounts into out->mounts (the first donor's at a
 * destination), read-only with :ro, marked "From": the donor's id (its anonymous volumes stay
 * the donor's); a bind's or volume's idmap option comes along without a mode only, as
 * podman's does. userns: the container has a user namespace (the host's namespaces are
 * refused with it, as Docker refuses them under userns-remap). Nothing is written on
 * failure. */
int eng_share_decide(const struct eng_store *s, const struct eng_create *c, bool userns,
		     struct eng_share *out, struct berr **err);
/* d's volumes-from mounts appended to plan, but for a destination the plan has already (the
 * container's own win, as Docker's). */
void eng_share_mounts(const struct eng_share *d, json_t *plan);
/* IpcMode, PidMode and VolumesFrom into a HostConfig (copies; each only when given). */
void eng_share_record(const struct eng_share *d, json_t *hc);
void eng_share_clear(struct eng_share *d);
/* The host's modes on a spec: no ipc namespace and the host's /dev/shm bound for IpcMode
 * host, no /dev/shm for IpcMode none, no pid namespace for PidMode host. */
void eng_share_spec(json_t *rec, json_t *spec);
/* /dev/shm of IpcMode shareable (a tmpfs on the host, <container dir>/shm, mounted now if it
 * is not, bound as the spec's /dev/shm) and of container:X (X's tmpfs bound, when X is
 * shareable), as dockerd's setupIpcDirs. Not for a pod's member (its pod's /dev/shm). */
int eng_share_shm(const struct eng_store *s, const char *id, json_t *rec, json_t *spec,
		  struct berr **err);
/* The shareable /dev/shm of container id unmounted (its removal). */
void eng_share_shm_release(const struct eng_store *s, const char *id);
/* The same at the end of its monitor (the caller), unless the state names another monitor
 * (a start right after a stop). */
void eng_share_shm_release_monitor(const struct eng_store *s, const char *id);

#endif
