/* Exec sessions into a member of a pod of one VM, relayed to its infra's monitor (see
 * pod_vm_exec.c). Run by the member's relay process. */
#ifndef BERTH_ENGINE_POD_VM_EXEC_H
#define BERTH_ENGINE_POD_VM_EXEC_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>

struct eng_store;

#define POD_VM_EXECS_MAX 32

struct pod_vm_execs {
	int chan; /* the member's monitor's exec channel (vm/proto.h frames), or -1 */
	const struct eng_store *s;
	const char *infra;    /* the pod's infra container */
	const char *root_rec; /* "root=..." */
	const char *member;   /* its id: an exec joins its namespaces and cgroup ("join=") */
	unsigned id[POD_VM_EXECS_MAX];
	int fd[POD_VM_EXECS_MAX];       /* each session's connection to the infra's monitor */
	bool started[POD_VM_EXECS_MAX]; /* its FRAME_STARTED came (frame_exec_early) */
	size_t n;
};

/* Its pollfds into p (room for 1 + POD_VM_EXECS_MAX): the channel, then the sessions. */
size_t pod_vm_execs_poll(const struct pod_vm_execs *x, struct pollfd *p);
/* After poll (n: what pod_vm_execs_poll returned); buf: FRAME_MAX + VM_FRAME_HEADER + 1 bytes. */
void pod_vm_execs_handle(struct pod_vm_execs *x, const struct pollfd *p, size_t n, char *buf);

#endif
