/* Pods, as podman 4 has them (issue #19): a group of containers that share the network, IPC
 * and UTS (or as --share says, also pid and cgroup) namespaces of one infra container, whose
 * process is berth-pause (src/init), and whose ports are the pod's. On disk:
 *   <root>/pods/<id>/pod.json   Id, Name, Created, Hostname, Labels, SharedNamespaces,
 *                               InfraContainerId ("" for a pod that shares nothing),
 *                               CgroupParent, CgroupPath ("": no cgroup of its own), ShmSize,
 *                               Limits (podman's inspect fields), ExitPolicy,
 *                               InfraConfig, Inherit (what members get of the infra),
 *                               SecurityOpt, VolumesFrom (pod_create.c)
 *   <root>/pods/<id>/shm        the pod's /dev/shm, a tmpfs (pod_cgroup.c)
 * Creating and removing take <root>/pods.lock, which keeps names unique among pods. A pod
 * does not list its containers: each container's record names its pod ("Pod": the pod's id;
 * the infra's also "PodInfra": true), so removing a container needs no change to the pod.
 * The members join the infra's namespaces as --network container:ID does (HostConfig's
 * NetworkMode, IpcMode, UTSMode, PidMode, CgroupnsMode "container:<infra id>", joined by
 * eng_bundle_write).
 * Both front ends call these; only the printing (tables, ages) is theirs. */
#ifndef BERTH_ENGINE_POD_H
#define BERTH_ENGINE_POD_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "engine/container.h"

struct berr;
struct eng_create;
struct img_store;

struct eng_pod_create {
	const char *name;       /* --name, or NULL: a Docker-style name */
	const char *hostname;   /* --hostname, or NULL: the pod's name */
	char *const *labels;    /* "k=v" */
	char *const *publish;   /* -p, on the infra container */
	const char *network;    /* --network: the infra's (NULL: the default bridge) */
	const char *share;      /* --share: "ipc,net,uts" (NULL), a list, "+pid", or "none" */
	const char *pause_path; /* berth-pause on the host (bound read-only into the infra) */
	/* the infra container: none with no_infra (--infra=false); --infra-image (NULL: the
	 * built-in image running berth-pause), --infra-command (a JSON array or words),
	 * --infra-name (NULL: "<pod id:12>-infra") */
	bool no_infra;
	const char *infra_image, *infra_command, *infra_name;
	int64_t shm_size; /* --shm-size of the pod's /dev/shm (0: 64 MiB) */
	/* the pod's cgroup "<cgroup_parent or /berth>/<id>", its members' parent unless
	 * no_share_parent (--share-parent=false), with --cpus, --cpuset-cpus, --memory */
	const char *cgroup_parent;
	bool no_share_parent;
	double cpus;
	const char *cpuset_cpus;
	int64_t memory;
	/* and --cpu-shares, --cpuset-mems, --memory-swap (-1: unlimited; 0: twice --memory),
	 * --blkio-weight, --blkio-weight-device, --device-read-bps, --device-write-bps
	 * ("DEVICE:WEIGHT", "DEVICE:RATE"), as podman puts them on the pod's cgroup */
	int64_t cpu_shares, memory_swap, blkio_weight;
	const char *cpuset_mems;
	char *const *blkio_weight_device, *const *device_read_bps, *const *device_write_bps;
	/* the infra's network, which the members share (podman's InfraConfig): --add-host,
	 * --dns, --dns-search, --dns-option, --network-alias, --ip (or --ip6), --mac-address;
	 * no_hosts (--no-hosts): the infra and the members in its network have the image's */
	char *const *add_hosts, *const *dns, *const *dns_search, *const *dns_options,
								     *const *aliases;
	const char *ip, *mac;
	bool no_hosts;
	/* the infra's, and each member's too (podman's InfraInherit): -v, --volumes-from (the
	 * infra's mounts), --device, --security-opt (seccomp=, no-new-privileges); --sysctl the
	 * infra's (the members see those of the namespaces they share) */
	char *const *volumes, *const *volumes_from, *const *devices, *const *security_opts,
									 *const *sysctls;
	/* --pid (host: the infra's, and with --share pid the members'), --uts (private or
	 * host), --userns, --uidmap, --gidmap: the infra's user namespace (engine/userns.h),
	 * "user" among the shared namespaces, which every member joins (UsernsMode
	 * container:<infra>, the infra's IDMappings); keep-id and nomap only as a user (in
	 * the engine's own namespace, as podman's rootless pods); as root, podman's refusal */
	const char *pid, *uts, *userns;
	char *const *uidmap, *const *gidmap;
	const char *exit_policy; /* --exit-policy: "continue" (NULL) or "stop" */
	bool replace; /* --replace: a pod of that name is removed first (its containers too) */
	/* --isolation vm: the pod is one VM, its infra's, which runs every member (engine/
	 * pod_vm.h); vm_init_path: the guest init */
	const char *isolation, *vm_init_path;
};

/* Create the pod, its cgroup and its infra container (from the built-in image, its process
 * berth-pause; none with --share none or no_infra, as podman's). EEXIST when the name is taken
 * among pods, EINVAL for a bad name, --share, limit or -p; nothing is left on failure. out_id
 * gets the pod's id. */
int eng_pod_create(const struct eng_store *s, struct img_store *is, const struct eng_pod_create *c,
		   char out_id[ENG_ID_LEN + 1], struct berr **err);
/* The id of a pod's name, full id or unique id prefix; ENOENT "no pod with name or ID REF
 * found: no such pod" (podman's). */
int eng_pod_resolve(const struct eng_store *s, const char *ref, char out_id[ENG_ID_LEN + 1],
		    struct berr **err);
json_t *eng_pod_load(const struct eng_store *s, const char *id, struct berr **err);
/* Every pod's id, newest first. */
int eng_pod_list(const struct eng_store *s, char ***out_ids, struct berr **err);
/* The pod's containers, oldest first; the infra's among them only with infra. */
char **eng_pod_containers(const struct eng_store *s, const char *id, bool infra);

/* A pod's lifecycle: start (the infra first, then its containers), stop (the containers, then
 * the infra; timeout_s < 0: each container's own), restart, kill (sig to every running one),
 * rm (a pod with running containers is EBUSY without force; with force they are killed; then
 * its containers go, then the infra, then the record). Each acts on every container and
 * returns the first error. */
int eng_pod_start(const struct eng_store *s, const char *id, struct berr **err);
int eng_pod_stop(const struct eng_store *s, const char *id, int timeout_s, struct berr **err);
int eng_pod_restart(const struct eng_store *s, const char *id, struct berr **err);
int eng_pod_kill(const struct eng_store *s, const char *id, int sig, struct berr **err);
int eng_pod_remove(const struct eng_store *s, const char *id, bool force, struct berr **err);
/* Pause (or unpause) every running (paused) container of the pod, the infra's too, as
 * podman's pod pause (none to act on is no error, as podman's). */
int eng_pod_pause(const struct eng_store *s, const char *id, bool pause, struct berr **err);
/* Remove every pod none of whose containers runs; their ids appended to out_removed. */
int eng_pod_prune(const struct eng_store *s, json_t *out_removed, struct berr **err);

/* podman's pod inspect document: Id, Name, Created, State, Hostname, Labels, CreateCgroup,
 * CgroupParent, CgroupPath, CreateInfra, InfraContainerID, SharedNamespaces, NumContainers,
 * Containers [{Id, Name, State}], and the limits set (cpu_period, cpu_quota, cpuset_cpus,
 * memory_limit, memory_swap). */
json_t *eng_pod_inspect(const struct eng_store *s, const char *id, struct berr **err);
/* The filters of `pod ps --filter` (name, id, label, status): EINVAL for another key or a
 * status podman does not have; then whether an inspect document passes them. */
int eng_pod_filter_check(json_t *filters, struct berr **err);
bool eng_pod_filter(json_t *filters, json_t *doc);

/* For create --pod: c with the pod's namespaces in out (pod: the pod's full id; NetworkMode
 * container:<infra>, the pod's hostname), refusing what the pod decides (-p, --expose,
 * --network, --hostname) as podman does, and what pods cannot do yet (--isolation vm,
 * a member's own --userns, --uidmap, --gidmap), and with what it inherits of the infra (podman's
 * InfraInherit: its mounts as
 * --volumes-from, its devices, seccomp profile and no-new-privileges). The strings out points
 * to live in keep (free each with free()). */
#define ENG_POD_KEEP 6
int eng_pod_member_plan(const struct eng_store *s, const struct eng_create *c,
			struct eng_create *out, char *keep[ENG_POD_KEEP], struct berr **err);
/* The record's Pod, IpcMode, UTSMode (and the other shared namespaces' modes), and with the
 * pod's user namespace UsernsMode container:<infra> and the infra's IDMappings, for a member
 * of the pod c->pod (a full id). */
void eng_pod_member_record(const struct eng_store *s, const char *pod, json_t *rec);
/* After a member's monitor saw it exit (monitor.c): with --exit-policy stop, the pod is
 * stopped when no other member of it is left that has not exited (podman's
 * stopIfOnlyInfraRemains). Errors are dropped: nobody waits for them. */
void eng_pod_after_exit(const struct eng_store *s, const char *id, json_t *rec);

/* ---- within pod*.c ---- */
char *eng_pod_path(const struct eng_store *s, const char *id, const char *file);
int eng_pod_save(const struct eng_store *s, const char *id, json_t *rec, struct berr **err);
/* The id of the pod named name, or NULL. */
char *eng_pod_find_name(const struct eng_store *s, const char *name);
bool eng_pod_shares(json_t *pod, const char *ns);

/* ---- pod_cgroup.c: the pod's cgroup and /dev/shm ---- */
/* EINVAL for a --cgroup-parent that is no path below the hierarchies' roots. */
int eng_pod_cgroup_parent_check(const char *parent, struct berr **err);
/* The record's Limits of c's --cpus, --cpuset-cpus, --memory (podman's inspect fields
 * cpu_period, cpu_quota, cpuset_cpus, memory_limit, memory_swap); NULL with EINVAL. */
json_t *eng_pod_limits(const struct eng_pod_create *c, struct berr **err);
/* Make the pod's cgroup with its limits (again: after a reboot it is gone); 0 without one. */
int eng_pod_cgroup_ensure(json_t *pod, struct berr **err);
void eng_pod_cgroup_remove(json_t *pod);
void eng_pod_shm_remove(const struct eng_store *s, const char *pod_id);
/* At each start of a pod's container (eng_bundle_write): its cgroupsPath under the pod's
 * cgroup (made first), and the pod's /dev/shm bound in when the pod shares ipc. */
int eng_pod_bundle(const struct eng_store *s, const char *id, json_t *rec, json_t *spec,
		   struct berr **err);

/* Before a container starts: a member's infra is started when it does not run (podman starts
 * the pod's infra as a dependency). */
int eng_pod_before_start(const struct eng_store *s, const char *id, struct berr **err);
/* EBUSY (podman's words) when rec is the infra container of a pod that exists: it goes only
 * with its pod. */
int eng_pod_infra_guard(const struct eng_store *s, json_t *rec, struct berr **err);

#endif
