/* The processes the runtime clones to make a container (or to exec into one):
 * stage 1 joins and creates namespaces and forks stage 2, the container's process, which sets
 * up the filesystem and process and execs the user's program. Both report over sync_fd.
 * Stage 1 first moves itself into the container's cgroup (made by the parent before the fork),
 * so stage 2 is born in it. Stage 2 waits for GO, which carries its pid as the host sees it
 * and says the runtime has recorded it: at once for exec, after the config's mounts for
 * create (they go on while the parent writes the state). */
#ifndef BERTH_RUNTIME_INIT_H
#define BERTH_RUNTIME_INIT_H

#include <stdbool.h>
#include <sys/types.h>

#include "runtime/seccomp.h"
#include "runtime/spec.h"

struct rt_init_ctx {
	const struct rt_spec *spec;
	struct rt_process *process; /* spec->process, or the exec'd process */
	bool exec_mode;             /* join an existing container: no mounts, no fifo */
	int sync_fd;
	int fifo_fd;    /* create: exec.fifo opened O_RDWR; start writes a byte */
	int console_fd; /* connected console socket or -1 */
	int ns_fds[RT_NS_COUNT];
	int unshare_flags; /* CLONE_NEW* to create */
	bool no_pivot;
	bool no_new_keyring;
	int preserve_fds;
	const char *cgroup_path;
	bool cgroup_v2_done;         /* forked into the v2 cgroup with CLONE_INTO_CGROUP */
	const int *mount_source_fds; /* rt_mount_open_sources, or NULL */
	struct rt_seccomp *seccomp;
	const char *id;
	const char *bundle;
	pid_t host_pid; /* stage 2's pid as the host sees it, once the parent sent it (GO) */
	/* util/procfs.h: the runtime's procfs, opened before any namespace was joined; every
	 * write into /proc goes through it (closed before execve) */
	int procfd;
};

/* The procfs handle the stages inherit (rt_init_ctx.procfd): util/procfs.h's, numbered above the
 * preserve_fds the container is given, so no --preserve-fds can hand it on. */
int rt_init_procfs(int preserve_fds, struct berr **err);
/* Stage 1, in the child of fork(); never returns. */
__attribute__((noreturn)) void rt_init_stage1(struct rt_init_ctx *ctx);

#endif
