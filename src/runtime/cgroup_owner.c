/* A cgroup delegated to a user namespace's root (see cgroup_owner.h).
 *
 * Why: a system container's systemd makes its own cgroups below the one it is started in
 * (init.scope, its slices) and moves processes between them. Inside a user namespace its
 * root is an ordinary uid on the host (say 1073741824), and cgroupfs checks plain inode
 * permissions: without owning the directory it cannot mkdir there, and without owning the
 * cgroup.procs of the common ancestor (cgroup v2) it cannot move a process
 * (Documentation/admin-guide/cgroup-v2.rst, "Delegation Containment"; cgroupfs has no
 * idmapped mounts to translate the owner instead). So the owner becomes the container's root,
 * as LXC does for an unprivileged container (its cgroup's directory, tasks and cgroup.procs;
 * cgroup.subtree_control and cgroup.threads on cgroup2), systemd-nspawn -U does for its
 * payload, and runc does on v2 (OwnerUID, when cgroupfs is mounted read-write in a cgroup
 * namespace). Only the files the kernel names for delegation change hands: the limits
 * (memory.max, pids.max, the v1 controllers) stay root's, so the container cannot lift the
 * limits it was given. Which cgroup: only the container's own, found as the source of a
 * read-write bind that is exactly <hierarchy>/<cgroup_path> (or the v2 tree's mount): a bind
 * of another directory of the host's is never given away. The runtime removes the cgroup,
 * whoever owns it, when the container goes. */
#include "runtime/cgroup_owner.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/mount.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "runtime/cgroup.h"
#include "runtime/spec.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/xalloc.h"

#define CG_ROOT "/sys/fs/cgroup"

/* The host id that container id 0 maps to; false when the maps have none. */
static bool root_of(const struct rt_idmap *maps, size_t n, uint32_t *out_id)
{
	for (size_t i = 0; i < n; i++) {
		if (maps[i].container_id == 0 && maps[i].size > 0) {
			*out_id = maps[i].host_id;
			return true;
		}
	}
	return false;
}

/* The files cgroup2 lets a delegatee own (the kernel's list; its fallback is 6.1's short
 * list without the memory controller's), or v1's. */
static char *delegate_files(bool v2)
{
	if (!v2)
		return xstrdup("cgroup.procs\ntasks\n");
	char *data = NULL;
	if (fs_read_file(AT_FDCWD, "/sys/kernel/cgroup/delegate", 4096, &data, NULL, NULL) < 0)
		return xstrdup("cgroup.procs\ncgroup.threads\ncgroup.subtree_control\n");
	return data;
}

static int give(const char *dir, uid_t uid, gid_t gid, struct berr **err)
{
	autoclose int fd = open(dir, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct statfs sf;
	if (fd < 0 || fstatfs(fd, &sf) < 0)
		return berr_set(err, errno, "cgroup '%s'", dir);
	bool v2 = sf.f_type == CGROUP2_SUPER_MAGIC;
	if (!v2 && sf.f_type != CGROUP_SUPER_MAGIC)
		return berr_plain(err, EINVAL, "cgroup '%s': not a cgroup file system", dir);
	if (fchownat(fd, "", uid, gid, AT_EMPTY_PATH) < 0)
		return berr_set(err, errno, "chown cgroup '%s'", dir);
	autofree char *files = delegate_files(v2);
	for (char *name = strtok(files, "\n"); name; name = strtok(NULL, "\n")) {
		if (strchr(name, '/') || name[0] == '.')
			continue;
		if (fchownat(fd, name, uid, gid, AT_SYMLINK_NOFOLLOW) < 0 && errno != ENOENT)
			return berr_set(err, errno, "chown '%s/%s'", dir, name);
	}
	return 0;
}

char *rt_cgroup_delegated_dir(const struct rt_mount *m, const char *cgroup_path)
{
	/* a container placed in a hierarchy's root (cgroupsPath "/") gets nothing: the host's
	 * own cgroup.procs is never given away */
	if (m->flags & MS_RDONLY || m->attr_set & MOUNT_ATTR_RDONLY || !cgroup_path[0] ||
	    !strcmp(cgroup_path, "/"))
		return NULL;
	if (!m->bind) {
		bool cg = m->type && (!strcmp(m->type, "cgroup") || !strcmp(m->type, "cgroup2"));
		if (cg && !strcmp(m->destination, CG_ROOT) && rt_cgroup_mode() == RT_CGROUP_V2)
			return xasprintf(CG_ROOT "%s", cgroup_path);
		return NULL;
	}
	const char *s = m->source;
	size_t root = strlen(CG_ROOT), plen = strlen(cgroup_path), len = s ? strlen(s) : 0;
	if (!s || strncmp(s, CG_ROOT "/", root + 1) || len < root + plen ||
	    strcmp(s + len - plen, cgroup_path) || strstr(s, "/.."))
		return NULL;
	/* what is left between them: nothing (the v2 tree) or one hierarchy's name */
	const char *h = s + root, *end = s + len - plen;
	if (h != end && (h[0] != '/' || memchr(h + 1, '/', (size_t)(end - h - 1)) || end == h + 1))
		return NULL;
	return xstrdup(s);
}

int rt_cgroup_delegate(const struct rt_spec *spec, const char *cgroup_path, struct berr **err)
{
	uint32_t uid, gid;
	if (!cgroup_path || !spec->ns[RT_NS_USER].enabled || spec->ns[RT_NS_USER].path ||
	    !spec->ns[RT_NS_CGROUP].enabled ||
	    !root_of(spec->uid_mappings, spec->n_uid_mappings, &uid) ||
	    !root_of(spec->gid_mappings, spec->n_gid_mappings, &gid))
		return 0;
	for (size_t i = 0; i < spec->n_mounts; i++) {
		autofree char *dir = rt_cgroup_delegated_dir(&spec->mounts[i], cgroup_path);
		if (dir && give(dir, (uid_t)uid, (gid_t)gid, err) < 0)
			return berr_wrap(err, "delegate the cgroup to the container's root");
	}
	return 0;
}

/* "0::PATH" of /proc/self/cgroup (the v2 tree's line), or NULL. */
static char *self_cgroup(void)
{
	autofree char *data = NULL;
	if (fs_read_file(AT_FDCWD, "/proc/self/cgroup", 64 << 10, &data, NULL, NULL) < 0)
		return NULL;
	char *line = strstr(data, "0::/");
	if (!line || (line != data && line[-1] != '\n'))
		return NULL;
	line += 3;
	line[strcspn(line, "\n")] = '\0';
	return strstr(line, "/..") ? NULL : xstrdup(line);
}

static bool owned(const char *dir, const char *name)
{
	autofree char *p = xasprintf("%s%s%s", dir, name ? "/" : "", name ? name : "");
	struct stat st;
	return lstat(p, &st) == 0 && st.st_uid == geteuid();
}

char *rt_cgroup_user_base(char **out_self)
{
	if (out_self)
		*out_self = NULL;
	if (rt_cgroup_mode() != RT_CGROUP_V2)
		return NULL;
	autofree char *self = self_cgroup();
	if (!self)
		return NULL;
	if (out_self)
		*out_self = xstrdup(self);
	/* up from our own cgroup while the level is ours; the tree's root never is */
	autofree char *dir = xasprintf(CG_ROOT "%s", self);
	char *best = NULL;
	size_t rlen = strlen(CG_ROOT);
	while (strlen(dir) > rlen && owned(dir, NULL) && owned(dir, "cgroup.procs") &&
	       owned(dir, "cgroup.subtree_control")) {
		free(best);
		best = xstrdup(dir + rlen);
		*strrchr(dir, '/') = '\0';
	}
	return best;
}
