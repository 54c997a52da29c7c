/* A cgroup delegated to a user namespace's root: the container's cgroup, where config.json
 * lets the container write it, owned by the container's root (see cgroup_owner.c). */
#ifndef BERTH_RUNTIME_CGROUP_OWNER_H
#define BERTH_RUNTIME_CGROUP_OWNER_H

struct berr;
struct rt_spec;

/* When the container has a user namespace of its own (made, not joined) and a cgroup
 * namespace: chown the container's cgroup (cgroup_path, made by rt_cgroup_create) to the host
 * ids of its root (container uid 0 and gid 0) in each hierarchy that config.json gives it
 * writable: a read-write cgroup mount on a v2 host (runc's rule), or a read-write bind of the
 * cgroup's own directory in a hierarchy (a v1 or hybrid host's name=systemd and "unified", as
 * LXC and systemd-nspawn give a system container). The directory and the files that delegate
 * it: cgroup.procs and tasks on v1, /sys/kernel/cgroup/delegate's list on cgroup2. Nothing
 * without both namespaces or a root in the maps, nor for a bind of any other directory. */
int rt_cgroup_delegate(const struct rt_spec *spec, const char *cgroup_path, struct berr **err);

/* The cgroup directory a mount gives the container writable, if it is the container's own
 * (cgroup_path): a read-write cgroup mount at /sys/fs/cgroup on a v2 host (the tree's
 * <cgroup_path>), or a read-write bind whose source is /sys/fs/cgroup[/HIERARCHY]<cgroup_path>
 * (the source); NULL for anything else. Caller frees. */
struct rt_mount;
char *rt_cgroup_delegated_dir(const struct rt_mount *m, const char *cgroup_path);

/* A rootless caller's delegated cgroup v2 subtree (systemd's Delegate=yes, as user@UID.service
 * has it): the highest cgroup above and including the caller's own (/proc/self/cgroup) whose
 * directory, cgroup.procs and cgroup.subtree_control the caller's uid owns; NULL on v1 or a
 * hybrid host, or when the caller's own cgroup is not its (a login session's scope). The
 * caller's cgroup goes to *out_self when out_self is not NULL. Caller frees both. */
char *rt_cgroup_user_base(char **out_self);

#endif
