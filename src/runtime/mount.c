/* Mounts inside the container's mount namespace.
 *
 * Every target below the rootfs is opened with path_open_in_root() and mounted on through
 * /proc/self/fd/N, so a symlink planted in the image (or in a volume shared with another
 * container) cannot redirect a mount onto the host (runc CVE-2021-30465). /proc and /sys
 * targets must be real directories at exactly their path (runc CVE-2019-19921). */
#include "runtime/mount.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "runtime/cgroup.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/path.h"
#include "util/xalloc.h"

/* If path (inside the root) is a symlink, where it points, as a path inside the root. */
static char *symlink_target_in_root(int rootfd, const char *path)
{
	autofree char *clean = path_clean(path);
	char *slash = strrchr(clean, '/');
	*slash = '\0';
	autoclose int dfd =
	    path_open_in_root(rootfd, *clean ? clean : "/", O_PATH | O_DIRECTORY, 0, NULL);
	if (dfd < 0)
		return NULL;
	char target[4096];
	ssize_t n = readlinkat(dfd, slash + 1, target, sizeof(target) - 1);
	if (n <= 0)
		return NULL;
	target[n] = '\0';
	/* path_clean keeps ".." from climbing above the root. */
	autofree char *joined =
	    target[0] == '/' ? xstrdup(target) : xasprintf("%s/%s", *clean ? clean : "", target);
	return path_clean(joined);
}

static int open_target(int rootfd, const struct rt_mount *m, bool is_dir, struct berr **err)
{
	if (is_dir)
		return path_mkdir_in_root(rootfd, m->destination, 0755, err);
	autofree char *dest = path_clean(m->destination);
	/* A file mount on a dangling symlink lands where the link points, inside the root. */
	for (int hops = 0; hops < 40; hops++) {
		autofree char *next = symlink_target_in_root(rootfd, dest);
		if (!next)
			break;
		free(dest);
		dest = take_ptr(&next);
	}
	autofree char *parent = xstrdup(dest);
	*strrchr(parent, '/') = '\0';
	autoclose int pfd = path_mkdir_in_root(rootfd, *parent ? parent : "/", 0755, err);
	if (pfd < 0)
		return pfd;
	int fd = path_open_in_root(rootfd, dest, O_PATH, 0, NULL);
	if (fd >= 0)
		return fd;
	/* A file bind mount needs a file to mount on. */
	int cfd = path_open_in_root(rootfd, dest, O_CREAT | O_WRONLY | O_NOCTTY, 0644, err);
	if (cfd < 0)
		return cfd;
	(void)close(cfd);
	return path_open_in_root(rootfd, dest, O_PATH, 0, err);
}

/* /proc and /sys may only be mounted on a directory found at exactly that path. */
static int check_exact(int fd, const char *rootfs, const char *dest, struct berr **err)
{
	char link[32], real[4096];
	ssize_t n = readlink(path_fd(fd, link), real, sizeof(real) - 1);
	if (n < 0)
		return berr_set(err, errno, "resolve '%s'", dest);
	real[n] = '\0';
	autofree char *clean = path_clean(dest);
	autofree char *want = xasprintf("%s%s", rootfs, clean);
	if (strcmp(real, want) != 0)
		return berr_set(err, EPERM, "mount target '%s' is reached through a symlink", dest);
	return 0;
}

static unsigned long locked_flags(const char *path)
{
	struct statvfs sv;
	unsigned long f = 0;
	if (statvfs(path, &sv) < 0)
		return 0;
	if (sv.f_flag & ST_NOSUID)
		f |= MS_NOSUID;
	if (sv.f_flag & ST_NODEV)
		f |= MS_NODEV;
	if (sv.f_flag & ST_NOEXEC)
		f |= MS_NOEXEC;
	if (sv.f_flag & ST_RDONLY)
		f |= MS_RDONLY;
	return f;
}

/* Remount a bind mount with its flags. In a user namespace the kernel refuses to clear flags
 * that were locked on the source, so on EPERM retry with the source's flags kept. */
static int remount_bind(const char *target, unsigned long flags, struct berr **err)
{
	unsigned long f = MS_REMOUNT | MS_BIND | flags;
	if (mount(NULL, target, NULL, f, NULL) == 0)
		return 0;
	if (errno == EPERM && mount(NULL, target, NULL, f | locked_flags(target), NULL) == 0)
		return 0;
	return -errno;
}

static int mount_cgroup_v1(int rootfd, const struct rt_mount *m, const char *cgroup_path,
			   const char *target, struct berr **err);

static int mount_one(int rootfd, const char *rootfs, const struct rt_mount *m, int source_fd,
		     const char *cgroup_path, struct berr **err)
{
	bool is_dir = true;
	struct stat st;
	if (m->bind && source_fd >= 0) {
		if (fstat(source_fd, &st) < 0)
			return berr_set(err, errno, "bind source '%s'", m->source);
		is_dir = S_ISDIR(st.st_mode);
	} else if (m->bind) {
		if (!m->source || stat(m->source, &st) < 0)
			return berr_set(err, errno ? errno : EINVAL, "bind source '%s'",
					m->source ? m->source : "");
		is_dir = S_ISDIR(st.st_mode);
	}
	autoclose int fd = open_target(rootfd, m, is_dir, err);
	if (fd < 0)
		return fd;
	const char *type = m->type ? m->type : "";
	if (!strcmp(type, "proc") || !strcmp(type, "sysfs") || !strcmp(m->destination, "/proc") ||
	    !strcmp(m->destination, "/sys")) {
		if (check_exact(fd, rootfs, m->destination, err) < 0)
			return -EPERM;
	}
	char fdpath[32];
	path_fd(fd, fdpath);
	if (m->bind) {
		unsigned long f = MS_BIND | (m->recursive_bind ? MS_REC : 0);
		if (source_fd >= 0) {
			if (syscall(SYS_move_mount, source_fd, "", fd, "",
				    MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
				return berr_set(err, errno, "attach bind of '%s'", m->source);
		} else if (mount(m->source, fdpath, NULL, f, NULL) < 0) {
			return berr_set(err, errno, "bind '%s'", m->source);
		}
		/* The mount is on top of fd's directory: reopen to reach it. */
		(void)close(fd);
		fd = path_open_in_root(rootfd, m->destination, O_PATH, 0, err);
		if (fd < 0)
			return fd;
		path_fd(fd, fdpath);
		unsigned long flags = m->flags & ~(MS_REMOUNT | MS_BIND | MS_REC);
		if (flags || m->clear_flags) {
			int r = remount_bind(fdpath, flags, err);
			if (r < 0)
				return berr_set(err, -r, "remount '%s'", m->destination);
		}
	} else if (!strcmp(type, "cgroup") && rt_cgroup_mode() == RT_CGROUP_V1) {
		return mount_cgroup_v1(rootfd, m, cgroup_path, fdpath, err);
	} else {
		const char *fstype = !strcmp(type, "cgroup") ? "cgroup2" : type;
		unsigned long flags = m->flags & ~MS_REMOUNT;
		if (mount(m->source ? m->source : fstype, fdpath, fstype, flags, m->data) < 0)
			return berr_set(err, errno, "mount %s", fstype);
		(void)close(fd);
		fd = path_open_in_root(rootfd, m->destination, O_PATH, 0, err);
		if (fd < 0)
			return fd;
		path_fd(fd, fdpath);
	}
	if (m->propagation && mount(NULL, fdpath, NULL, m->propagation, NULL) < 0)
		return berr_set(err, errno, "set propagation");
	if (m->attr_set || m->attr_clr) {
		struct mount_attr attr = {.attr_set = m->attr_set, .attr_clr = m->attr_clr};
		if (syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr,
			    sizeof(attr)) < 0)
			return berr_set(err, errno, "set recursive mount attributes");
	}
	return 0;
}

/* On a v1 host a "cgroup" mount shows the container's own cgroup in each hierarchy: a tmpfs
 * with one bind per hierarchy (what runc does without a cgroup namespace). */
static int mount_cgroup_v1(int rootfd, const struct rt_mount *m, const char *cgroup_path,
			   const char *target, struct berr **err)
{
	if (mount("tmpfs", target, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=755") < 0)
		return berr_set(err, errno, "mount tmpfs for cgroups");
	FILE *f = fopen("/proc/self/cgroup", "re");
	char line[4096];
	while (f && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		char *ctl = strchr(line, ':');
		char *path = ctl ? strchr(ctl + 1, ':') : NULL;
		if (!path)
			continue;
		*path++ = '\0';
		ctl++;
		const char *name = *ctl ? ctl : "unified";
		if (!strncmp(name, "name=", 5))
			name += 5;
		autofree char *src =
		    xasprintf("/sys/fs/cgroup/%s%s", name, cgroup_path ? cgroup_path : path);
		autofree char *dst = xasprintf("%s/%s", m->destination, name);
		struct rt_mount sub = {.destination = dst};
		autoclose int fd = open_target(rootfd, &sub, true, err);
		if (fd < 0) {
			fclose(f);
			return fd;
		}
		char fdpath[32];
		if (access(src, F_OK) < 0)
			continue;
		if (mount(src, path_fd(fd, fdpath), NULL, MS_BIND | MS_REC, NULL) < 0) {
			fclose(f);
			return berr_set(err, errno, "bind cgroup '%s'", name);
		}
		(void)close(fd);
		fd = path_open_in_root(rootfd, dst, O_PATH, 0, NULL);
		if (fd >= 0)
			(void)remount_bind(
			    path_fd(fd, fdpath),
			    MS_NOSUID | MS_NODEV | MS_NOEXEC | (m->flags & MS_RDONLY), NULL);
	}
	if (f)
		fclose(f);
	if (m->flags & MS_RDONLY) {
		autoclose int fd = path_open_in_root(rootfd, m->destination, O_PATH, 0, err);
		char fdpath[32];
		if (fd < 0 || remount_bind(path_fd(fd, fdpath),
					   MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, err) < 0)
			return -EINVAL;
	}
	return 0;
}

struct default_dev {
	const char *path;
	unsigned major, minor;
};

static const struct default_dev default_devs[] = {
    {"/dev/null", 1, 3},   {"/dev/zero", 1, 5},    {"/dev/full", 1, 7},
    {"/dev/random", 1, 8}, {"/dev/urandom", 1, 9}, {"/dev/tty", 5, 0},
};

/* Create a device node inside the root. In a user namespace mknod is not allowed: attach the
 * node the runtime made on the host side (node_fd, a detached mount), or else bind the host's
 * node of the same path (as runc does; the default devices). */
static int make_device(int rootfd, const struct rt_device *d, bool userns, int node_fd,
		       struct berr **err)
{
	autofree char *clean = path_clean(d->path);
	char *slash = strrchr(clean, '/');
	*slash = '\0';
	const char *name = slash + 1;
	autoclose int pfd = path_mkdir_in_root(rootfd, *clean ? clean : "/", 0755, err);
	if (pfd < 0)
		return pfd;
	(void)unlinkat(pfd, name, 0);
	mode_t type = d->type == 'b' ? S_IFBLK : d->type == 'p' ? S_IFIFO : S_IFCHR;
	mode_t mode = d->has_mode ? d->mode : 0666;
	if (userns) {
		int fd = openat(pfd, name, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0);
		if (fd < 0)
			return berr_set(err, errno, "create '%s'", d->path);
		(void)close(fd);
		fd = openat(pfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		char fdpath[32];
		int r = fd < 0 ? -1
			: node_fd >= 0
			    ? (int)syscall(SYS_move_mount, node_fd, "", fd, "",
					   MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH)
			    : mount(d->path, path_fd(fd, fdpath), NULL, MS_BIND, NULL);
		int e = errno;
		if (fd >= 0)
			(void)close(fd);
		if (r < 0)
			return berr_set(err, e, "bind device '%s'", d->path);
		return 0;
	}
	if (mknodat(pfd, name, type | mode, makedev(d->major, d->minor)) < 0)
		return berr_set(err, errno, "mknod '%s'", d->path);
	/* mknod honours the umask; set the exact mode, then the owner. O_PATH fds for both so
	 * nothing follows a name an attacker could swap. */
	autoclose int nfd = openat(pfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	char fdpath[32];
	if (nfd < 0 || chmod(path_fd(nfd, fdpath), mode) < 0)
		return berr_set(err, errno, "chmod '%s'", d->path);
	if (fchownat(nfd, "", d->has_uid ? d->uid : 0, d->has_gid ? d->gid : 0, AT_EMPTY_PATH) < 0)
		return berr_set(err, errno, "chown '%s'", d->path);
	return 0;
}

static bool dev_is_bind(const struct rt_spec *spec)
{
	for (size_t i = 0; i < spec->n_mounts; i++)
		if (!strcmp(spec->mounts[i].destination, "/dev") && spec->mounts[i].bind)
			return true;
	return false;
}

static int setup_dev(int rootfd, const struct rt_spec *spec, const int *node_fds, struct berr **err)
{
	bool userns = spec->ns[RT_NS_USER].enabled;
	if (!dev_is_bind(spec)) {
		for (size_t i = 0; i < sizeof(default_devs) / sizeof(default_devs[0]); i++) {
			bool overridden = false;
			for (size_t j = 0; j < spec->n_devices; j++)
				overridden |= !strcmp(spec->devices[j].path, default_devs[i].path);
			if (overridden)
				continue;
			struct rt_device d = {.path = (char *)default_devs[i].path,
					      .type = 'c',
					      .major = default_devs[i].major,
					      .minor = default_devs[i].minor};
			if (make_device(rootfd, &d, userns, -1, err) < 0)
				return -EINVAL;
		}
		static const char *const links[][2] = {
		    {"/proc/self/fd", "/dev/fd"},       {"/proc/self/fd/0", "/dev/stdin"},
		    {"/proc/self/fd/1", "/dev/stdout"}, {"/proc/self/fd/2", "/dev/stderr"},
		    {"/proc/kcore", "/dev/core"},       {"pts/ptmx", "/dev/ptmx"}};
		autoclose int devfd = path_mkdir_in_root(rootfd, "/dev", 0755, err);
		if (devfd < 0)
			return devfd;
		for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
			const char *name = links[i][1] + 5;
			if (!strcmp(name, "ptmx"))
				(void)unlinkat(devfd, name, 0);
			if (symlinkat(links[i][0], devfd, name) < 0 && errno != EEXIST)
				return berr_set(err, errno, "symlink '%s'", links[i][1]);
		}
	}
	for (size_t j = 0; j < spec->n_devices; j++)
		if (make_device(rootfd, &spec->devices[j], userns, node_fds ? node_fds[j] : -1,
				err) < 0)
			return -EINVAL;
	return 0;
}

int rt_mount_prepare(const struct rt_spec *spec, const int *source_fds, const char *cgroup_path,
		     int (*pause)(void *, struct berr **), void *arg, struct berr **err)
{
	/* Keep our mounts from reaching the host: slave by default, or what the spec says;
	 * a shared rootfs propagation is applied after pivot_root. */
	unsigned long prop =
	    spec->rootfs_propagation ? spec->rootfs_propagation : (MS_SLAVE | MS_REC);
	if (prop & (MS_SHARED | MS_UNBINDABLE))
		prop = MS_SLAVE | MS_REC;
	if (mount(NULL, "/", NULL, prop | MS_REC, NULL) < 0)
		return berr_set(err, errno, "make / %s", prop & MS_PRIVATE ? "private" : "slave");
	/* pivot_root needs the rootfs to be a mount point, and its parent not shared. */
	if (mount(spec->root_path, spec->root_path, NULL, MS_BIND | MS_REC, NULL) < 0)
		return berr_set(err, errno, "bind rootfs '%s'", spec->root_path);
	if (mount(NULL, spec->root_path, NULL, MS_PRIVATE, NULL) < 0)
		return berr_set(err, errno, "make rootfs private");
	autoclose int rootfd = open(spec->root_path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return berr_set(err, errno, "open rootfs '%s'", spec->root_path);
	autofree char *rootfs_real = realpath(spec->root_path, NULL);
	if (!rootfs_real)
		return berr_set(err, errno, "resolve rootfs '%s'", spec->root_path);
	for (size_t i = 0; i < spec->n_mounts; i++)
		if (mount_one(rootfd, rootfs_real, &spec->mounts[i],
			      source_fds ? source_fds[i] : -1, cgroup_path, err) < 0)
			return berr_wrap(err, "mount '%s'", spec->mounts[i].destination);
	if (pause && pause(arg, err) < 0)
		return -EIO;
	if (setup_dev(rootfd, spec, source_fds ? source_fds + spec->n_mounts : NULL, err) < 0)
		return -EINVAL;
	return take_fd(&rootfd);
}

int rt_mount_enter_root(const struct rt_spec *spec, int rootfd, bool no_pivot, struct berr **err)
{
	if (fchdir(rootfd) < 0)
		return berr_set(err, errno, "chdir to rootfs");
	if (no_pivot) {
		if (mount(".", "/", NULL, MS_MOVE, NULL) < 0)
			return berr_set(err, errno, "move rootfs to /");
		if (chroot(".") < 0)
			return berr_set(err, errno, "chroot");
	} else {
		/* pivot_root(".", ".") stacks the old root under the new one; unmounting "."
		 * then detaches the old root without needing a directory for it
		 * (pivot_root(2) NOTES). */
		if (syscall(SYS_pivot_root, ".", ".") < 0)
			return berr_set(err, errno, "pivot_root");
		if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0)
			return berr_set(err, errno, "make old root slave");
		if (umount2(".", MNT_DETACH) < 0)
			return berr_set(err, errno, "detach old root");
	}
	if (chdir("/") < 0)
		return berr_set(err, errno, "chdir /");
	if (spec->rootfs_propagation && mount(NULL, "/", NULL, spec->rootfs_propagation, NULL) < 0)
		return berr_set(err, errno, "set rootfs propagation");
	return 0;
}

static int mask_path(int rootfd, const char *path, struct berr **err)
{
	struct berr *inner = NULL;
	autoclose int fd = path_open_in_root(rootfd, path, O_PATH, 0, &inner);
	if (fd < 0) {
		int code = berr_code(inner);
		berr_free(inner);
		if (code == ENOENT || code == ENOTDIR)
			return 0;
		return berr_set(err, code, "mask '%s'", path);
	}
	struct stat st;
	char fdpath[32];
	if (fstat(fd, &st) < 0)
		return berr_set(err, errno, "stat '%s'", path);
	if (S_ISDIR(st.st_mode)) {
		if (mount("tmpfs", path_fd(fd, fdpath), "tmpfs", MS_RDONLY, "size=0k,nr_inodes=1") <
		    0)
			return berr_set(err, errno, "mask '%s'", path);
	} else if (mount("/dev/null", path_fd(fd, fdpath), NULL, MS_BIND, NULL) < 0) {
		return berr_set(err, errno, "mask '%s'", path);
	}
	return 0;
}

static int readonly_path(int rootfd, const char *path, struct berr **err)
{
	struct berr *inner = NULL;
	autoclose int fd = path_open_in_root(rootfd, path, O_PATH, 0, &inner);
	if (fd < 0) {
		int code = berr_code(inner);
		berr_free(inner);
		if (code == ENOENT || code == ENOTDIR)
			return 0;
		return berr_set(err, code, "make '%s' read-only", path);
	}
	char fdpath[32];
	if (mount(path_fd(fd, fdpath), fdpath, NULL, MS_BIND | MS_REC, NULL) < 0)
		return berr_set(err, errno, "bind '%s'", path);
	(void)close(fd);
	fd = path_open_in_root(rootfd, path, O_PATH, 0, err);
	if (fd < 0)
		return fd;
	int r =
	    remount_bind(path_fd(fd, fdpath), MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, err);
	if (r < 0)
		return berr_set(err, -r, "remount '%s' read-only", path);
	return 0;
}

int rt_mount_finish(const struct rt_spec *spec, struct berr **err)
{
	autoclose int rootfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return berr_set(err, errno, "open /");
	for (char **p = spec->masked_paths; p && *p; p++)
		if (mask_path(rootfd, *p, err) < 0)
			return -EINVAL;
	for (char **p = spec->readonly_paths; p && *p; p++)
		if (readonly_path(rootfd, *p, err) < 0)
			return -EINVAL;
	if (spec->root_readonly) {
		int r = remount_bind("/", MS_RDONLY, err);
		if (r < 0)
			return berr_set(err, -r, "remount / read-only");
	}
	return 0;
}
