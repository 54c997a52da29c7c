/* A pod whose containers share one VM, as Kata's (issue #19; docs/DESIGN.md "Pods of VMs"):
 * `pod create --isolation vm` boots the infra container as a VM, with the pod's share
 * <root>/pods/<id>/vm bound in at POD_VM_GUEST_DIR (a virtiofs share like any volume). The
 * share is a mount of its own, shared (MS_SHARED) before the VM's virtiofsd starts, so that
 * what is mounted under it later reaches virtiofsd's slave copy. Each member's monitor binds
 * the member's overlay root at <share>/<member id> and runs the member's process as an exec
 * session of the infra's monitor whose records name that root ("root="): the guest agent
 * runs it in a mount namespace of its own pivoted there, in the VM's network. */
#ifndef BERTH_ENGINE_POD_VM_H
#define BERTH_ENGINE_POD_VM_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

struct berr;
struct eng_executor;
struct eng_store;

#define POD_VM_GUEST_DIR "/.berth-pod"

/* Whether the pod's record says it is one VM ("Isolation": "vm"). */
bool eng_pod_is_vm(json_t *pod);
/* A member's executor (its record has HostConfig.VmPod), else NULL. */
const struct eng_executor *eng_pod_vm_executor(json_t *rec);
/* <root>/pods/<id>/vm (caller frees). */
char *eng_pod_vm_share(const struct eng_store *s, const char *pod_id);
/* The share made a shared mount of its own, if it is not one yet. */
int eng_pod_vm_share_ensure(const struct eng_store *s, const char *pod_id, struct berr **err);
/* It and what is under it unmounted (lazily). */
void eng_pod_vm_share_remove(const struct eng_store *s, const char *pod_id);

/* Whether id is the infra of a pod of one VM (its processes are QEMU's on the host: pod top
 * shows its members' in the guest). */
bool eng_pod_vm_infra(const struct eng_store *s, const char *id);
/* Records ("memory=", "cpu=QUOTA|max PERIOD", "weight=", "pids=N|max") for the guest's
 * cgroup of a member (vm/guest/member.c) from OCI linux.resources res, appended to recs
 * (*len bytes of NUL-terminated records; both grow). */
char *eng_pod_vm_limit_records(char *recs, size_t *len, json_t *res);
struct eng_stats_sample;
/* top of a member (its record rec; running): ps's table of its processes in the guest (its
 * cgroup there), as eng_container_top's document: the guest has no ps, so ps_args are read
 * here (pod_vm_ps.c) into the columns the guest writes; what it cannot do is refused. */
int eng_pod_vm_top(const struct eng_store *s, json_t *rec, const char *id, const char *ps_args,
		   json_t **out_doc, struct berr **err);
/* A stats sample of a running member: its cgroup in the guest (block I/O its io.stat), the
 * guest's CPU time and memory (the limit when it has none of its own), and the VM's network
 * counters (the pod's: its members share them, as podman's share the infra's). */
int eng_pod_vm_stats(const struct eng_store *s, json_t *rec, const char *id,
		     struct eng_stats_sample *x, struct berr **err);
/* berth update of a running member: res (the OCI resources of the change) with hc (its
 * record's HostConfig, updated) written to its cgroup in the guest. */
int eng_pod_vm_update(const struct eng_store *s, json_t *rec, const char *id, json_t *res,
		      json_t *hc, struct berr **err);
/* ps arguments as the guest's columns ("KEY=HEADER,...", caller frees; ps -ef's for "-ef"),
 * or NULL with EINVAL saying what is not supported in a pod's VM. */
char *eng_pod_vm_ps_columns(const char *ps_args, struct berr **err);

#endif
