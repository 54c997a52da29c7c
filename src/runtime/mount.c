/* Mounts inside the container's mount namespace, before pivot_root (/dev: dev.c; masked and
 * read-only paths, after it: mask.c).
 *
 * Every target below the rootfs is opened with path_open_in_root() and mounted on through
 * /proc/self/fd/N, so a symlink planted in the image (or in a volume shared with another
 * container) cannot redirect a mount onto the host (runc CVE-2021-30465); before pivot_root that
 * /proc is the host's, which no container mount reaches. Where the target really is, read back
 * from that fd, decides what may go there: /proc and /sys only on real directories at exactly
 * their path (runc CVE-2019-19921), nothing inside /proc but lxcfs's files (CVE-2025-52881). */
#include "runtime/mount.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/mount.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "runtime/cgroup.h"
#include "runtime/dev.h"
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

/* Where fd is, as the host sees it. Before pivot_root /proc/self/fd is the host's procfs, which
 * no container mount reaches. */
static int real_path(int fd, const char *dest, char *out, size_t cap, struct berr **err)
{
	char link[32];
	ssize_t n = readlink(path_fd(fd, link), out, cap - 1);
	if (n < 0)
		return berr_set(err, errno, "resolve '%s'", dest);
	out[n] = '\0';
	return 0;
}

/* rel below base ("" for base itself), or NULL when it is not below. */
static const char *below(const char *path, const char *base)
{
	size_t n = strlen(base);
	if (strncmp(path, base, n) != 0 || (path[n] != '\0' && path[n] != '/'))
		return NULL;
	return path + n;
}

/* What may be mounted in /proc, by where the target really is (runc's checkProcMount, kept
 * after CVE-2025-52881): on /proc itself only a procfs (a new one, or a bind of one); below it
 * only the files lxcfs stands in for. Anything else there would put the bundle's files (or a
 * symlink to a host file) where the runtime, or the container, expects the kernel's: a sysctl
 * landing in /proc/sys/net through a link "/data -> /proc/sys/net" is the attack. */
static const char *const proc_files_allowed[] = {
    "/cpuinfo",
    "/diskstats",
    "/meminfo",
    "/stat",
    "/swaps",
    "/uptime",
    "/loadavg",
    "/slabinfo",
    "/sys/kernel/ns_last_pid",
    "/sys/crypto/fips_enabled",
};

static bool source_is_procfs(const struct rt_mount *m, int source_fd)
{
	struct statfs sf;
	int r = source_fd >= 0 ? fstatfs(source_fd, &sf) : statfs(m->source, &sf);
	return r == 0 && sf.f_type == PROC_SUPER_MAGIC;
}

static int check_proc_target(const struct rt_mount *m, int source_fd, const char *proc_rel,
			     struct berr **err)
{
	const char *type = m->type ? m->type : "";
	if (!*proc_rel) {
		if (m->bind ? source_is_procfs(m, source_fd) : !strcmp(type, "proc"))
			return 0;
		return berr_plain(err, EPERM, "mount '%s': only a procfs may be mounted on /proc",
				  m->destination);
	}
	for (size_t i = 0; i < sizeof(proc_files_allowed) / sizeof(*proc_files_allowed); i++)
		if (!strcmp(proc_rel, proc_files_allowed[i]))
			return 0;
	return berr_plain(err, EPERM,
			  "mount '%s': its target is /proc%s, inside /proc, where nothing but "
			  "lxcfs's files may be mounted",
			  m->destination, proc_rel);
}

/* The target fd holds, checked before anything is mounted on it: /proc and /sys only on a
 * directory found at exactly that path (runc CVE-2019-19921), and /proc's rules above. */
static int check_target(int fd, const char *rootfs, const struct rt_mount *m, int source_fd,
			struct berr **err)
{
	char real[4096];
	int r = real_path(fd, m->destination, real, sizeof(real), err);
	if (r < 0)
		return r;
	const char *type = m->type ? m->type : "";
	autofree char *clean = path_clean(m->destination);
	if (!strcmp(type, "proc") || !strcmp(type, "sysfs") || !strcmp(clean, "/proc") ||
	    !strcmp(clean, "/sys")) {
		const char *rel = below(real, rootfs);
		if (!rel || strcmp(rel, clean) != 0)
			return berr_set(err, EPERM,
					"mount target '%s' is reached through a symlink",
					m->destination);
	}
	autofree char *proc = xasprintf("%s/proc", rootfs);
	const char *proc_rel = below(real, proc);
	return proc_rel ? check_proc_target(m, source_fd, proc_rel, err) : 0;
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

/* A new sysfs shows the network devices of the mounter's network namespace, and the kernel
 * allows it only to those with CAP_SYS_ADMIN over that namespace: in a user namespace without
 * a network namespace of its own (rootless, or --network host) it is EPERM. The host's /sys is
 * bound instead, recursively, with the flags asked for, as runc and crun do. fd is the checked
 * target (check_target ran on it). */
static int bind_sys(int rootfd, const struct rt_mount *m, int fd, struct berr **err)
{
	char fdpath[32];
	if (mount("/sys", path_fd(fd, fdpath), NULL, MS_BIND | MS_REC, NULL) < 0)
		return berr_set(err, errno,
				"bind /sys (no sysfs of its own without a network "
				"namespace of its own)");
	autoclose int top = path_open_in_root(rootfd, m->destination, O_PATH, 0, err);
	if (top < 0)
		return top;
	unsigned long flags = m->flags & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC);
	int r = flags ? remount_bind(path_fd(top, fdpath), flags, err) : 0;
	return r < 0 ? berr_set(err, -r, "remount /sys") : 0;
}

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
	int r = check_target(fd, rootfs, m, source_fd, err);
	if (r < 0)
		return r;
	const char *type = m->type ? m->type : "";
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
			r = remount_bind(fdpath, flags, err);
			if (r < 0)
				return berr_set(err, -r, "remount '%s'", m->destination);
		}
	} else if (!strcmp(type, "cgroup") && rt_cgroup_mode() == RT_CGROUP_V1) {
		return mount_cgroup_v1(rootfd, m, cgroup_path, fdpath, err);
	} else {
		const char *fstype = !strcmp(type, "cgroup") ? "cgroup2" : type;
		unsigned long flags = m->flags & ~MS_REMOUNT;
		r = mount(m->source ? m->source : fstype, fdpath, fstype, flags, m->data);
		if (r < 0 && errno == EPERM && !strcmp(fstype, "sysfs"))
			return bind_sys(rootfd, m, fd, err);
		if (r < 0)
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
 * with one bind per hierarchy (what runc does without a cgroup namespace). The tmpfs is new and
 * nothing else writes to it: each hierarchy's directory is made and reached from the tmpfs's own
 * fd (one component, no link can be in it), not resolved from the root again. */
static int bind_cgroup_v1(int top, const char *name, const char *src, unsigned long ro,
			  struct berr **err)
{
	if (mkdirat(top, name, 0755) < 0 && errno != EEXIST)
		return berr_set(err, errno, "make cgroup directory '%s'", name);
	autoclose int fd = openat(top, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	char fdpath[32];
	if (fd < 0 || mount(src, path_fd(fd, fdpath), NULL, MS_BIND | MS_REC, NULL) < 0)
		return berr_set(err, errno, "bind cgroup '%s'", name);
	(void)close(fd);
	/* the bind is on top of fd's directory: reopen to reach it */
	fd = openat(top, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd >= 0)
		(void)remount_bind(path_fd(fd, fdpath), MS_NOSUID | MS_NODEV | MS_NOEXEC | ro,
				   NULL);
	return 0;
}

static int mount_cgroup_v1(int rootfd, const struct rt_mount *m, const char *cgroup_path,
			   const char *target, struct berr **err)
{
	if (mount("tmpfs", target, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=755") < 0)
		return berr_set(err, errno, "mount tmpfs for cgroups");
	autoclose int top = path_open_in_root(rootfd, m->destination, O_PATH, 0, err);
	if (top < 0)
		return top;
	autofclose FILE *f = fopen("/proc/self/cgroup", "re");
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
		if (!*name || strchr(name, '/') || !strcmp(name, ".") || !strcmp(name, ".."))
			continue;
		autofree char *src =
		    xasprintf("/sys/fs/cgroup/%s%s", name, cgroup_path ? cgroup_path : path);
		if (access(src, F_OK) < 0)
			continue;
		int r = bind_cgroup_v1(top, name, src, m->flags & MS_RDONLY, err);
		if (r < 0)
			return r;
	}
	if (!(m->flags & MS_RDONLY))
		return 0;
	char fdpath[32];
	int r =
	    remount_bind(path_fd(top, fdpath), MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	return r < 0 ? berr_set(err, -r, "remount cgroups read-only") : 0;
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
	int r;
	if (pause && (r = pause(arg, err)) < 0)
		return r;
	if ((r = rt_dev_setup(rootfd, spec, source_fds ? source_fds + spec->n_mounts : NULL, err)) <
	    0)
		return r;
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
