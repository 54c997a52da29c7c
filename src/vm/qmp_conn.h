/* A QMP connection that stays open for a sequence of commands with arguments, and passes file
 * descriptors (SCM_RIGHTS, for `getfd`): what saving and restoring a VM template takes
 * (vm/template.c). One deadline for the whole sequence. qmp.h's one-shot command is for the
 * rest. QEMU is trusted no more than needed: only "return" or "error" of each reply is
 * looked at, in bounded lines. */
#ifndef BERTH_VM_QMP_CONN_H
#define BERTH_VM_QMP_CONN_H

#include <jansson.h>
#include <time.h>

struct berr;

struct vm_qmp {
	int fd;
	struct timespec deadline; /* CLOCK_MONOTONIC */
};

/* Connect to socket_path (retried until QEMU listens, within timeout_ms, which is then the
 * deadline of every command), read the greeting, negotiate capabilities. */
int vm_qmp_open(const char *socket_path, int timeout_ms, struct vm_qmp *out, struct berr **err);
/* Run command with args (NULL: none; the reference is taken), with pass_fd (-1: none) sent
 * beside it. Its "return" in *out_ret when out_ret is not NULL (caller decrefs). */
int vm_qmp_run(struct vm_qmp *q, const char *command, json_t *args, int pass_fd, json_t **out_ret,
	       struct berr **err);
void vm_qmp_close(struct vm_qmp *q);

#endif
