/* berth-runtime-vm: a bundle run as a VM behind runc's commands (podman --runtime, a
 * Kubernetes RuntimeClass). `create` forks a shim that boots the VM with the guest waiting,
 * reports when the guest is ready, and stays: its pid is the container's (the pid file's),
 * its stdio the container's, and its exit status the guest process's (QEMU's own could not
 * carry it). `start` lets the guest run the process (through <root>/.vm/<id>/start, a fifo),
 * `kill` signals the shim, which tells the guest (SIGKILL ends the shim, and QEMU with it),
 * `state` reads <root>/.vm/<id>/state.json and checks the shim is alive, `delete` removes the
 * record. */
#ifndef BERTH_VM_SHIM_H
#define BERTH_VM_SHIM_H

#include <jansson.h>
#include <stdbool.h>
#include <sys/types.h>

struct berr;

struct vm_rt_create {
	const char *root, *id, *bundle, *config; /* config NULL: <bundle>/config.json */
	const char *pid_file, *console_socket;
	const char *init_path; /* the guest init */
	const char *accel;     /* NULL: auto */
};

/* Whether the bundle of config.json at path runs as a VM: the annotation
 * org.berth.isolation (vm or container) says; else berth-runtime-vm (vm_runtime) runs every
 * bundle as a VM but a Kubernetes pod's sandbox (the annotations containerd and CRI-O give
 * it), which holds the pod's namespaces for its containers. */
bool vm_rt_wanted(const char *config_path, bool vm_runtime);
/* Whether id is one of ours. */
bool vm_rt_exists(const char *root, const char *id);

int vm_rt_create(const struct vm_rt_create *o, struct berr **err);
int vm_rt_start(const char *root, const char *id, struct berr **err);
/* The OCI state (ociVersion, id, status, pid, bundle, annotations). */
json_t *vm_rt_state(const char *root, const char *id, struct berr **err);
/* QMP stop or cont: its vCPUs halt, its memory stays (status "paused"), as runc's pause and
 * resume freeze a container's cgroup. */
int vm_rt_pause(const char *root, const char *id, bool pause, struct berr **err);
/* runc's update for a VM: its CPU limits (shares, quota, period, cpus) on QEMU's cgroup;
 * memory and pids are refused (set at boot). */
int vm_rt_update(const char *root, const char *id, json_t *resources, struct berr **err);
/* The processes on the host in the VM's cgroup (QEMU's, virtiofsd's): runc's ps. */
int vm_rt_pids(const char *root, const char *id, pid_t **out_pids, size_t *out_n,
	       struct berr **err);
/* As runc's: a stopped one is an error ("container not running", the words containerd's shim
 * looks for) unless all, for which there is nothing left to signal. */
int vm_rt_kill(const char *root, const char *id, int sig, bool all, struct berr **err);
int vm_rt_delete(const char *root, const char *id, bool force, struct berr **err);
/* exec (vm/exec.c): the process run in the guest beside the container's, through the shim;
 * a relay process of ours stands for it (the pid file's pid; it exits with the process's
 * status, which out_status gets unless detach). */
struct rt_process;
struct vm_rt_exec {
	const char *root, *id;
	const struct rt_process *process;
	const char *console_socket, *pid_file;
	bool detach;
};
int vm_rt_exec(const struct vm_rt_exec *o, int *out_status, struct berr **err);

/* Every VM's state, for `list`. */
json_t *vm_rt_list(const char *root);

#endif
