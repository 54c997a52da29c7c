/* The runtime's own procfs (see procfs.h).
 *
 * The attack (runc CVE-2025-52881, and CVE-2019-19921 before it): the runtime writes into /proc
 * on a container's behalf (sysctls, oom_score_adj, id maps, time offsets) after the container's
 * mounts are in place. A path such as "/proc/sys/net/ipv4/ip_forward" or "/proc/self/..." is then
 * resolved through whatever the bundle (or a racing container sharing a volume) mounted or
 * linked there: a tmpfs with a symlink to /proc/sys/kernel/core_pattern or to
 * /proc/1/root/<host file> turns the runtime, root on the host, into a write gadget. Checking the
 * path first does not help: the mount can arrive between the check and the write.
 *
 * So the runtime never writes through the container's /proc. It opens a procfs of its own before
 * anything of the container exists, one nobody else can mount onto (a detached mount), and opens
 * each file in it refusing every symlink, magic link and mount crossing. /proc/sys answers for
 * the namespaces of the task that opens the file, not of the procfs instance, so a handle made
 * on the host gives a process in the container's namespaces its own sysctls. */
#include "util/procfs.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/mount.h>
#include <linux/openat2.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/err.h"
#include "util/fs.h"

#define PROC_ROOT_INO 1

static bool is_procfs_root(int fd)
{
	struct statfs sf;
	struct stat st;
	return fstatfs(fd, &sf) == 0 && sf.f_type == PROC_SUPER_MAGIC && fstat(fd, &st) == 0 &&
	       S_ISDIR(st.st_mode) && st.st_ino == PROC_ROOT_INO;
}

/* A clone of our /proc, if it is a whole procfs (one mounted with subset=pid has no sys/). */
static int clone_proc(void)
{
	autoclose int fd =
	    (int)syscall(SYS_open_tree, AT_FDCWD, "/proc", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	struct stat st;
	if (fd < 0 || !is_procfs_root(fd) || fstatat(fd, "sys", &st, AT_SYMLINK_NOFOLLOW) < 0)
		return -1;
	return take_fd(&fd);
}

static int fresh_proc(void)
{
	autoclose int fs = (int)syscall(SYS_fsopen, "proc", FSOPEN_CLOEXEC);
	if (fs < 0 || syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return -1;
	autoclose int mnt = (int)syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC,
					 MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
	if (mnt < 0 || !is_procfs_root(mnt))
		return -1;
	return take_fd(&mnt);
}

int procfs_open(struct berr **err)
{
	int fd = clone_proc();
	if (fd >= 0)
		return fd;
	fd = fresh_proc();
	if (fd >= 0)
		return fd;
	/* Before Linux 5.2 (or without the right to make mounts): our own /proc, which only the
	 * host can have mounted over; procfs_openat still crosses no mount point. */
	autoclose int plain = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (plain < 0)
		return berr_set(err, errno, "open /proc");
	if (!is_procfs_root(plain))
		return berr_set(err, EXDEV, "/proc is not the root of a procfs");
	return take_fd(&plain);
}

/* "self/x" and "thread-self/x" become "<pid>/x" and "<pid>/task/<tid>/x" as the procfs at
 * procfd numbers them, read from its own links (never followed). */
static int expand_self(int procfd, const char *path, char *out, size_t cap, struct berr **err)
{
	const char *link = NULL, *rest = path;
	if (!strncmp(path, "self/", 5)) {
		link = "self";
		rest = path + 5;
	} else if (!strncmp(path, "thread-self/", 12)) {
		link = "thread-self";
		rest = path + 12;
	}
	char who[64] = "";
	if (link) {
		ssize_t n = readlinkat(procfd, link, who, sizeof(who) - 1);
		if (n <= 0)
			return berr_set(err, n < 0 ? errno : ENOENT,
					"find ourselves in procfs ('%s')", link);
		who[n] = '\0';
	}
	int n = snprintf(out, cap, "%s%s%s", who, *who ? "/" : "", rest);
	if (n < 0 || (size_t)n >= cap)
		return berr_set(err, ENAMETOOLONG, "procfs path '%s'", path);
	return 0;
}

static bool bad_name(const char *name, size_t len)
{
	return len == 0 || (len == 1 && name[0] == '.') ||
	       (len == 2 && name[0] == '.' && name[1] == '.');
}

/* openat2 missing (before 5.6, or refused by a filter): one name at a time, O_NOFOLLOW, never
 * leaving the procfs's device. A bind of another file of the same procfs would pass this; the
 * handles procfs_open makes have no mounts below them. */
static int walk(int procfd, const char *path, int flags, struct berr **err)
{
	struct stat root;
	if (fstat(procfd, &root) < 0)
		return berr_set(err, errno, "stat procfs");
	autoclose int cur = fcntl(procfd, F_DUPFD_CLOEXEC, 3);
	if (cur < 0)
		return berr_set(err, errno, "dup procfs");
	for (const char *p = path; *p;) {
		const char *slash = strchr(p, '/');
		size_t len = slash ? (size_t)(slash - p) : strlen(p);
		char name[256];
		if (bad_name(p, len) || len >= sizeof(name))
			return berr_set(err, EINVAL, "procfs path '%s'", path);
		memcpy(name, p, len);
		name[len] = '\0';
		bool last = !slash || !slash[1];
		int fd = openat(cur, name, (last ? flags : O_PATH) | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return berr_set(err, errno, "open '/proc/%s'", path);
		struct stat st;
		int bad = fstat(fd, &st) < 0         ? errno
			  : S_ISLNK(st.st_mode)      ? ELOOP
			  : st.st_dev != root.st_dev ? EXDEV
						     : 0;
		if (bad) {
			(void)close(fd);
			return berr_set(err, bad, "open '/proc/%s'", path);
		}
		(void)close(cur);
		cur = fd;
		if (last)
			break;
		p = slash + 1;
	}
	return take_fd(&cur);
}

int procfs_openat(int procfd, const char *path, int flags, struct berr **err)
{
	char rel[4096];
	if ((flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE) /* O_TMPFILE holds O_DIRECTORY */
		return berr_set(err, EINVAL, "procfs files are never created ('%s')", path);
	int r = expand_self(procfd, path, rel, sizeof(rel), err);
	if (r < 0)
		return r;
	struct open_how how = {
	    .flags = (unsigned long long)(flags | O_NOFOLLOW | O_CLOEXEC),
	    .resolve =
		RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV,
	};
	int fd;
	do
		fd = (int)syscall(SYS_openat2, procfd, rel, &how, sizeof(how));
	while (fd < 0 && errno == EAGAIN);
	if (fd < 0 && (errno == ENOSYS || errno == EPERM))
		fd = walk(procfd, rel, flags, err);
	else if (fd < 0)
		/* ELOOP: a symlink on the way; EXDEV: a mount point */
		return berr_set(err, errno, "open '/proc/%s'", rel);
	if (fd < 0)
		return fd;
	/* O_PATH | O_NOFOLLOW opens a link itself: a handle a later reopen would follow */
	struct statfs sf;
	struct stat st;
	int bad = fstatfs(fd, &sf) < 0 || fstat(fd, &st) < 0 ? errno
		  : sf.f_type != PROC_SUPER_MAGIC            ? EXDEV
		  : S_ISLNK(st.st_mode)                      ? ELOOP
							     : 0;
	if (bad) {
		(void)close(fd);
		return berr_set(err, bad, "open '/proc/%s'%s", rel,
				bad == EXDEV ? ": not a procfs file" : "");
	}
	return fd;
}

int procfs_open_link(int procfd, const char *dir, const char *name, int flags, struct berr **err)
{
	autoclose int dfd = procfs_openat(procfd, dir, O_PATH | O_DIRECTORY, err);
	if (dfd < 0)
		return dfd;
	if (strchr(name, '/') || bad_name(name, strlen(name)))
		return berr_set(err, EINVAL, "procfs link name '%s'", name);
	int fd = openat(dfd, name, flags | O_CLOEXEC);
	if (fd < 0)
		return berr_set(err, errno, "open '/proc/%s/%s'", dir, name);
	return fd;
}

int procfs_reopen(int procfd, int fd, int flags, struct berr **err)
{
	char name[16];
	snprintf(name, sizeof(name), "%d", fd);
	return procfs_open_link(procfd, "self/fd", name, flags, err);
}

int procfs_write(int procfd, const char *path, const char *data, size_t len, struct berr **err)
{
	autoclose int fd = procfs_openat(procfd, path, O_WRONLY | O_NOCTTY, err);
	if (fd < 0)
		return fd;
	int r = fs_write_all(fd, data, len);
	if (r < 0)
		return berr_set(err, -r, "write '/proc/%s'", path);
	return 0;
}
