/* Applying process settings (runtime spec "process") in the process about to execve. */
#ifndef BERTH_RUNTIME_PROCESS_H
#define BERTH_RUNTIME_PROCESS_H

#include <stdbool.h>

#include "runtime/spec.h"

struct berr;

int rt_process_rlimits(const struct rt_process *p, struct berr **err);
/* Written through procfd, the runtime's procfs (util/procfs.h). */
int rt_process_oom_score(const struct rt_process *p, int procfd, struct berr **err);
/* Find args[0] along PATH from the process env (or the default PATH). Caller frees. */
char *rt_process_find_exec(const struct rt_process *p, struct berr **err);
/* Bounding set, groups, gid, uid, then the other capability sets (keeping them across the uid
 * change), umask and cwd. */
/* keep_groups: leave the runtime's supplementary groups (crun's annotation
 * run.oci.keep_original_groups=1, which podman's --group-add keep-groups sets). */
int rt_process_identity(const struct rt_process *p, bool in_userns, bool keep_groups,
			struct berr **err);
/* Close-on-exec for every fd from 3 + preserve up, and clear it on the preserved ones. procfd
 * lists the table where close_range cannot. */
int rt_process_fds(int preserve_fds, int procfd, struct berr **err);
/* Set HOME when the config does not: the user's entry in the container's /etc/passwd, else
 * "/" (as runc and crun do). Call inside the container's root. */
void rt_process_home_env(struct rt_process *p);

#endif
