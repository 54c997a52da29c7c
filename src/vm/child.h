/* The VM's processes on the host, QEMU and virtiofsd: what each child does before its exec,
 * and QEMU's start, shared by a VM's boot (vm.c) and a template's (template.c). */
#ifndef BERTH_VM_CHILD_H
#define BERTH_VM_CHILD_H

#include <sys/types.h>

struct berr;

/* Before the exec: into cgroup (NULL: stay), stdio on these (-1: /dev/null), no signal
 * blocked, killed with their parent. */
void vm_child_setup(const char *cgroup, int in, int out, int err_);
/* No capability, and no way to get one (QEMU needs none). */
void vm_drop_capabilities(void);

/* QEMU started by argv (taken: freed here) in dir, where the sockets its command line names
 * relative to it are, its output in dir/qemu.log (truncated), in cgroup (NULL: ours), fds[i]
 * given to it as fd first_fd + i (n_fds of them), without capabilities. Its pid, or a
 * negative errno. */
pid_t vm_qemu_start(char **argv, const char *dir, const char *cgroup, const int *fds, int n_fds,
		    int first_fd, struct berr **err);

#endif
