/* Linux namespaces: names, clone flags, and joining or creating them for a container. */
#ifndef BERTH_RUNTIME_NAMESPACE_H
#define BERTH_RUNTIME_NAMESPACE_H

#include <stdbool.h>
#include <sys/types.h>

#include "runtime/spec.h"

struct berr;

/* Open every namespace path the spec asks to join (before any is joined, so paths resolve
 * in the runtime's own mount namespace). out_fds[kind] is -1 where nothing is joined. */
int rt_ns_open_paths(const struct rt_spec *spec, int out_fds[RT_NS_COUNT], struct berr **err);
/* setns() into each opened namespace, user first. Closes the fds. */
int rt_ns_join(int fds[RT_NS_COUNT], struct berr **err);
/* CLONE_NEW* flags for the namespaces the spec creates (enabled without a path). */
int rt_ns_unshare_flags(const struct rt_spec *spec);
/* Write /proc/PID/<file> (uid_map or gid_map) through procfd, the runtime's procfs
 * (util/procfs.h). swapped writes "hostID containerID size": a mount's mapping, whose inside is
 * the id on the source filesystem. */
int rt_ns_write_idmap(int procfd, pid_t pid, const char *file, const struct rt_idmap *maps,
		      size_t n, bool swapped, struct berr **err);
/* An fd of a new user namespace with these maps (swapped as above), for MOUNT_ATTR_IDMAP: a
 * mount's idmapping is a user namespace's. Forks; the child is gone on return. */
int rt_ns_userns_fd(const struct rt_idmap *uids, size_t nu, const struct rt_idmap *gids, size_t ng,
		    bool swapped, struct berr **err);

#endif
