/* berth-runtime started by an ordinary user (runc's "rootless", issue #22): the user
 * namespace's maps written without privilege or through Debian's setuid newuidmap/newgidmap,
 * cgroups skipped where the user cannot make them, and what stands in for a cgroup when there
 * is none (the container's processes). */
#ifndef BERTH_RUNTIME_ROOTLESS_H
#define BERTH_RUNTIME_ROOTLESS_H

#include <jansson.h>
#include <stdbool.h>
#include <sys/types.h>

#include "runtime/spec.h"

struct berr;

/* runc's `--rootless auto`: an effective uid other than 0, or a user namespace that is not
 * the host's (uid 0 there is nobody on the host). */
bool rt_rootless_detect(void);

/* Write the maps of pid's new user namespace, as the config gives them. As root: directly.
 * As a user: a map of only the caller's own id is written directly (setgroups "deny" first,
 * for gid_map: user_namespaces(7)); any other map goes through newuidmap/newgidmap, which
 * allow the ranges /etc/subuid and /etc/subgid give the user (crun does the same). */
int rt_rootless_write_maps(int procfd, pid_t pid, const struct rt_spec *spec, struct berr **err);

/* Does resources ask for a limit a cgroup must enforce? Device rules alone do not: without a
 * cgroup the devices are those the config binds in (runc rootless skips them too). */
bool rt_rootless_wants_limits(json_t *resources);

/* The error for limits asked for where the cgroup could not be made (cause: why). */
int rt_rootless_limits_error(json_t *resources, struct berr *cause, struct berr **err);

/* A container without a cgroup: its processes are those in the init's pid namespace when it
 * has one of its own, else the init and its descendants (from /proc). */
int rt_rootless_pids(pid_t init, uint64_t init_start, pid_t **out_pids, size_t *out_n,
		     struct berr **err);

#endif
