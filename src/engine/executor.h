/* How a container's process is made and ended, as its monitor drives it: through the runtime
 * library (namespaces and cgroups, the default), or inside a VM (`--isolation vm`, vm/vm.h).
 * The monitor relays the same way for both: what create gives it are its ends of the
 * process's stdio (pipes or a pty master, or the VM's virtio-serial ports) and, for a VM, the
 * control port on which the guest reports its process's exit status and the exec channel
 * (vm/proto.h) the monitor relays `berth exec` sessions on (vm/session.h). */
#ifndef BERTH_ENGINE_EXECUTOR_H
#define BERTH_ENGINE_EXECUTOR_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "vm/qemu.h"

struct berr;
struct eng_store;

/* A VM's NICs, made by engine/endpoint.c before it boots (eng_endpoints_attach_vm). */
struct eng_vm_nics {
	struct vm_nic nic[VM_NICS_MAX];
	size_t n;
};

struct eng_exec_ctx {
	const struct eng_store *s;
	const char *id;
	const char *rtroot; /* the runtime's state */
	const char *dir;    /* the bundle: containers/<id> */
	json_t *rec;
	bool tty, open_stdin;
	const struct eng_vm_nics *nics; /* a VM's networks, for its create */
};

struct eng_proc {
	pid_t pid;                     /* the monitor's child or grandchild it reaps */
	int in, out, err, master, ctl; /* the monitor's ends; -1 when there is none */
	int exec;      /* the executor runs execs itself on this channel (a VM's), or -1 */
	int watch;     /* readable when files_changed has work (the executor's own fd), or -1 */
	int exit_code; /* the process's own status when the executor knows it
			  better than the pid's (a VM's guest reports it), or -1 */
	void *priv;
};

struct eng_executor {
	const char *name;
	int (*create)(const struct eng_exec_ctx *c, struct eng_proc *p, struct berr **err);
	int (*start)(const struct eng_exec_ctx *c, struct eng_proc *p, struct berr **err);
	/* p->ctl is readable */
	void (*control)(struct eng_proc *p);
	int (*signal)(const struct eng_exec_ctx *c, struct eng_proc *p, int sig, struct berr **err);
	/* p->watch is readable: files bound in changed (a VM's copies are sent again) */
	void (*files_changed)(struct eng_proc *p);
	/* the terminal's window size, when master is not a pty of ours (NULL: TIOCSWINSZ) */
	int (*resize)(struct eng_proc *p, unsigned rows, unsigned cols);
	/* after the end, or a failed create or start; reaped: p->pid was reaped */
	void (*destroy)(const struct eng_exec_ctx *c, struct eng_proc *p, bool reaped);
};

/* The executor of a container: HostConfig.Isolation "vm", else the runtime's. */
const struct eng_executor *eng_executor_for(json_t *rec);
bool eng_is_vm(json_t *rec);
/* The same by id (false for one that does not exist). */
bool eng_container_is_vm(const struct eng_store *s, const char *id);
/* Whether a VM starts from a template when its creator does not say (eng_create's
 * vm_template 0: the CLI without --vm-template, the API, compose, build, a pod's VM):
 * vm_template_default() (vm/template.h: the BERTH_VM_TEMPLATE knob). The record's
 * HostConfig.VmTemplate keeps what was decided; a record without it boots cold. */
bool eng_vm_template_default(void);
/* system prune: the VM templates under the store (<root>/vm/template-*, vm/template.h) made
 * before until_ns (0: all), but one being made; count and bytes say what went. */
int eng_vm_template_prune(const struct eng_store *s, int64_t until_ns, int *count, int64_t *bytes,
			  struct berr **err);

#endif
