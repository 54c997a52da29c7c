/* Masked and read-only paths (see mask.h).
 *
 * This runs after pivot_root, when the only /proc is the container's own: a mount made through a
 * "/proc/self/fd/N" path would be resolved through whatever the bundle (or a container racing us
 * through a shared volume) mounted there, and land where it says. So nothing here is a path: the
 * target is opened inside the root (util/path.h), its last name never followed, and the mount is
 * made by descriptor (util/mountfd.h). The /dev/null bound over masked files is checked to be
 * the real device first (runc CVE-2025-31133): a link from /dev/null to
 * /proc/sys/kernel/core_pattern would otherwise put a writable core_pattern where /proc/kcore
 * was. A missing or false /dev/null fails the container rather than leave a path unmasked. */
#include "runtime/mask.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "runtime/dev.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/mountfd.h"
#include "util/path.h"

/* The mask sources, made on first need. */
struct masks {
	int rootfd;
	int null_fd;
	int tmpfs_fd;
};

/* path's target in the root, or -ENOENT (nothing to mask) without an error. The last name is
 * not followed: a symlink there is refused, never masked through. */
static int open_target(int rootfd, const char *path, const char *what, struct berr **err)
{
	struct berr *inner = NULL;
	int fd = path_open_in_root(rootfd, path, O_PATH | O_NOFOLLOW, 0, &inner);
	if (fd < 0) {
		int code = berr_code(inner);
		if (code == ENOENT) {
			berr_free(inner);
			return -ENOENT;
		}
		*err = inner;
		return berr_wrap(err, "%s '%s'", what, path);
	}
	struct stat st;
	if (fstat(fd, &st) < 0 || S_ISLNK(st.st_mode)) {
		int e = S_ISLNK(st.st_mode) ? ELOOP : errno;
		(void)close(fd);
		return berr_set(err, e, "%s '%s'%s", what, path,
				e == ELOOP ? ": is a symlink" : "");
	}
	return fd;
}

static int mask_path(struct masks *m, const char *path, struct berr **err)
{
	autoclose int fd = open_target(m->rootfd, path, "mask", err);
	if (fd == -ENOENT)
		return 0;
	if (fd < 0)
		return fd;
	struct stat st;
	if (fstat(fd, &st) < 0)
		return berr_set(err, errno, "mask '%s'", path);
	if (S_ISDIR(st.st_mode) && m->tmpfs_fd < 0) {
		/* The new tmpfs itself goes on the first directory, and the others get copies of
		 * it: a detached mount left at the end would be dissolved at its close, and that
		 * waits for an RCU grace period (namespace_unlock), 1-3 ms on a busy machine. */
		autoclose int tmpfs = mountfd_empty_tmpfs(err);
		if (tmpfs < 0)
			return berr_wrap(err, "mask '%s'", path);
		if (syscall(SYS_move_mount, tmpfs, "", fd, "",
			    MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
			return berr_set(err, errno, "mask '%s'", path);
		m->tmpfs_fd = take_fd(&tmpfs);
		return 0;
	}
	int *src = S_ISDIR(st.st_mode) ? &m->tmpfs_fd : &m->null_fd;
	if (*src < 0)
		*src = rt_dev_open_null(m->rootfd, err);
	if (*src < 0)
		return berr_wrap(err, "mask '%s'", path);
	if (mountfd_bind(*src, fd, false, 0, err) < 0)
		return berr_wrap(err, "mask '%s'", path);
	return 0;
}

static int readonly_path(int rootfd, const char *path, struct berr **err)
{
	autoclose int fd = open_target(rootfd, path, "make read-only", err);
	if (fd == -ENOENT)
		return 0;
	if (fd < 0)
		return fd;
	uint64_t ro = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC;
	if (mountfd_bind(fd, fd, true, ro, err) < 0)
		return berr_wrap(err, "make '%s' read-only", path);
	return 0;
}

/* The root read-only. In a user namespace a remount is refused when it would clear flags the
 * source had locked (nosuid, nodev...); mount_setattr only sets, so it is the way then. */
static int readonly_root(struct berr **err)
{
	if (mount(NULL, "/", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL) == 0)
		return 0;
	struct mount_attr attr = {.attr_set = MOUNT_ATTR_RDONLY};
	autoclose int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root >= 0 &&
	    syscall(SYS_mount_setattr, root, "", AT_EMPTY_PATH, &attr, sizeof(attr)) == 0)
		return 0;
	return berr_set(err, errno, "remount / read-only");
}

int rt_mask_apply(const struct rt_spec *spec, struct berr **err)
{
	struct masks m = {
	    .rootfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC), .null_fd = -1, .tmpfs_fd = -1};
	if (m.rootfd < 0)
		return berr_set(err, errno, "open /");
	int r = 0;
	for (char **p = spec->masked_paths; p && *p && r == 0; p++)
		r = mask_path(&m, *p, err);
	for (char **p = spec->readonly_paths; p && *p && r == 0; p++)
		r = readonly_path(m.rootfd, *p, err);
	if (r == 0 && spec->root_readonly)
		r = readonly_root(err);
	(void)close(m.rootfd);
	if (m.null_fd >= 0)
		(void)close(m.null_fd);
	if (m.tmpfs_fd >= 0)
		(void)close(m.tmpfs_fd);
	return r;
}
