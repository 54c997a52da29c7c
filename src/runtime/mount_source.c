/* Bind-mount sources opened by the runtime in the host's namespaces, before the container's
 * user namespace exists (see mount.h). open_tree(OPEN_TREE_CLONE) gives a detached copy of
 * the source that the container later attaches with move_mount: the source path is looked up
 * with the host's credentials (a directory the container's root cannot search is no
 * obstacle), and an idmapped mount gets its mapping here. */
#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runtime/mount.h"
#include "runtime/namespace.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/xalloc.h"

/* One list of crun's option syntax: "F-H-N#F-H-N..." (file system id, id shown, count); "@F"
 * makes H relative to the container's mapping that holds F. */
static int parse_option_maps(const char *text, const struct rt_idmap *ns, size_t nns,
			     struct rt_idmap **out, size_t *out_n, struct berr **err)
{
	const char *it = text;
	while (*it && *it != ';') {
		if (*it == '#')
			it++;
		bool relative = *it == '@';
		if (relative)
			it++;
		long v[3];
		for (int i = 0; i < 3; i++) {
			if (i > 0 && *it == '-')
				it++;
			char *end;
			errno = 0;
			v[i] = strtol(it, &end, 10);
			if (errno || end == it || v[i] < 0 || v[i] > UINT32_MAX)
				return berr_set(err, EINVAL, "invalid idmap mapping '%s'", text);
			it = end;
		}
		if (relative) {
			size_t k;
			for (k = 0; k < nns; k++)
				if ((uint32_t)v[0] >= ns[k].container_id &&
				    (uint32_t)v[0] - ns[k].container_id < ns[k].size)
					break;
			if (k == nns)
				return berr_set(
				    err, EINVAL,
				    "idmap mapping '%s': no user namespace mapping holds %ld", text,
				    v[0]);
			v[1] += (long)ns[k].host_id - (long)ns[k].container_id;
		}
		*out = xrealloc(*out, (*out_n + 1) * sizeof(**out));
		(*out)[(*out_n)++] = (struct rt_idmap){.host_id = (uint32_t)v[0],
						       .container_id = (uint32_t)v[1],
						       .size = (uint32_t)v[2]};
	}
	return 0;
}

/* The user namespace of an "idmap=uids=...;gids=..." option. */
static int option_userns(const struct rt_spec *spec, const char *opt, struct berr **err)
{
	struct rt_idmap *u = NULL, *g = NULL;
	size_t nu = 0, ng = 0;
	int r = 0;
	for (const char *p = opt; *p && r == 0; p = strchr(p, ';') ? strchr(p, ';') + 1 : "") {
		if (!strncmp(p, "uids=", 5))
			r = parse_option_maps(p + 5, spec->uid_mappings, spec->n_uid_mappings, &u,
					      &nu, err);
		else if (!strncmp(p, "gids=", 5))
			r = parse_option_maps(p + 5, spec->gid_mappings, spec->n_gid_mappings, &g,
					      &ng, err);
		else
			r = berr_set(err, EINVAL, "invalid idmap option '%s'", opt);
	}
	if (r == 0)
		r = rt_ns_userns_fd(u, nu, g, ng, true, err);
	free(u);
	free(g);
	return r;
}

static int open_one(const struct rt_spec *spec, const struct rt_mount *m, struct berr **err)
{
	unsigned flags =
	    OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (m->recursive_bind ? AT_RECURSIVE : 0);
	autoclose int fd = (int)syscall(SYS_open_tree, AT_FDCWD, m->source, flags);
	if (fd < 0)
		return berr_set(err, errno, "bind source '%s'", m->source);
	if (!m->idmap)
		return take_fd(&fd);
	bool own = m->n_uid_mappings || m->n_gid_mappings;
	if (!own && !m->idmap_option && !spec->ns[RT_NS_USER].enabled)
		return berr_set(err, EINVAL, "idmap without mappings needs a user namespace");
	autoclose int ns =
	    m->idmap_option ? option_userns(spec, m->idmap_option, err)
	    : own           ? rt_ns_userns_fd(m->uid_mappings, m->n_uid_mappings, m->gid_mappings,
					      m->n_gid_mappings, true, err)
		  : rt_ns_userns_fd(spec->uid_mappings, spec->n_uid_mappings, spec->gid_mappings,
				    spec->n_gid_mappings, false, err);
	if (ns < 0)
		return ns;
	struct mount_attr attr = {.attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (__u64)ns};
	if (syscall(SYS_mount_setattr, fd, "",
		    AT_EMPTY_PATH | (m->recursive_bind ? AT_RECURSIVE : 0), &attr,
		    sizeof(attr)) < 0)
		return berr_set(err, errno, "idmap bind source '%s'", m->source);
	return take_fd(&fd);
}

/* The host id a container id maps to (itself without mappings); -1 if unmapped. */
static int64_t host_id(const struct rt_idmap *maps, size_t n, uint32_t id)
{
	if (!n)
		return id;
	for (size_t i = 0; i < n; i++)
		if (id >= maps[i].container_id && id - maps[i].container_id < maps[i].size)
			return (int64_t)maps[i].host_id + (id - maps[i].container_id);
	return -1;
}

/* A device node made on the host side, as a detached mount (see rt_mount_open_sources). */
static int open_device(const struct rt_spec *spec, const struct rt_device *d, const char *dir,
		       size_t index, struct berr **err)
{
	autofree char *path = xasprintf("%s/dev%zu", dir, index);
	mode_t type = d->type == 'b' ? S_IFBLK : d->type == 'p' ? S_IFIFO : S_IFCHR;
	mode_t mode = d->has_mode ? d->mode : 0666;
	int64_t uid = host_id(spec->uid_mappings, spec->n_uid_mappings, d->has_uid ? d->uid : 0);
	int64_t gid = host_id(spec->gid_mappings, spec->n_gid_mappings, d->has_gid ? d->gid : 0);
	if (uid < 0 || gid < 0)
		return berr_set(err, EINVAL,
				"device '%s': owner is not mapped in the user namespace", d->path);
	if (mknod(path, type | 0600, makedev(d->major, d->minor)) < 0)
		return berr_set(err, errno, "mknod for device '%s'", d->path);
	if (chmod(path, mode) < 0 || chown(path, (uid_t)uid, (gid_t)gid) < 0)
		return berr_set(err, errno, "set owner and mode of device '%s'", d->path);
	autoclose int fd =
	    (int)syscall(SYS_open_tree, AT_FDCWD, path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	if (fd < 0)
		return berr_set(err, errno, "open device '%s'", d->path);
	/* The work dir may sit on a nodev mount (/run usually is): the copy must not. */
	struct mount_attr attr = {.attr_clr = MOUNT_ATTR_NODEV};
	if (syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH, &attr, sizeof(attr)) < 0)
		return berr_set(err, errno, "allow device '%s'", d->path);
	return take_fd(&fd);
}

/* Started by an ordinary user (rootless.h): open_tree(OPEN_TREE_CLONE) in the host's mount
 * namespace needs CAP_SYS_ADMIN there, and mknod too. Nothing is prepared: the container binds
 * its sources by path from its own mount namespace, reaching exactly what the user reaches
 * (its root is the user, other ids are nobody), and binds the host's node of each device's
 * path, as runc does in a user namespace (dev.c checks the node's numbers). An idmapped mount
 * needs CAP_SYS_ADMIN where the file system was mounted: refused. */
static int rootless_sources(const struct rt_spec *spec, struct berr **err)
{
	for (size_t i = 0; i < spec->n_mounts; i++)
		if (spec->mounts[i].idmap)
			return berr_plain(err, EPERM,
					  "mount '%s': idmapped mounts need root (mount_setattr "
					  "with MOUNT_ATTR_IDMAP), and the runtime runs as uid %u",
					  spec->mounts[i].destination, (unsigned)geteuid());
	return 0;
}

int rt_mount_open_sources(const struct rt_spec *spec, const char *workdir, int **out_fds,
			  struct berr **err)
{
	/* A user namespace that is not ours, new or joined (a pod's), cannot be trusted to reach
	 * the sources: its root is not the host's. */
	bool userns = spec->ns[RT_NS_USER].enabled;
	int *fds = xcalloc(spec->n_mounts + spec->n_devices + 1, sizeof(int));
	for (size_t i = 0; i < spec->n_mounts + spec->n_devices; i++)
		fds[i] = -1;
	*out_fds = fds;
	if (geteuid() != 0)
		return rootless_sources(spec, err);
	for (size_t i = 0; i < spec->n_mounts; i++) {
		const struct rt_mount *m = &spec->mounts[i];
		if (!m->bind || !m->source || !(userns || m->idmap))
			continue;
		fds[i] = open_one(spec, m, err);
		if (fds[i] < 0) {
			fds[i] = -1;
			return berr_wrap(err, "mount '%s'", m->destination);
		}
	}
	if (!userns || !spec->n_devices)
		return 0;
	if (mkdir(workdir, 0700) < 0 && errno != EEXIST)
		return berr_set(err, errno, "device work directory '%s'", workdir);
	for (size_t j = 0; j < spec->n_devices; j++) {
		int fd = open_device(spec, &spec->devices[j], workdir, j, err);
		if (fd < 0)
			return fd;
		fds[spec->n_mounts + j] = fd;
	}
	return 0;
}

void rt_mount_close_sources(const struct rt_spec *spec, int *fds)
{
	if (!fds)
		return;
	for (size_t i = 0; i < spec->n_mounts + spec->n_devices; i++)
		if (fds[i] >= 0)
			(void)close(fds[i]);
	free(fds);
}
