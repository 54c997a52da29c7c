/* The container's /dev (see dev.h). Everything is made through fds of directories resolved
 * inside the root; names are never followed (O_NOFOLLOW), and what a name holds after we made it
 * is checked, not assumed. */
#include "runtime/dev.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/err.h"
#include "util/path.h"
#include "util/userns.h"
#include "util/xalloc.h"

struct default_dev {
	const char *path;
	unsigned major, minor;
};

static const struct default_dev default_devs[] = {
    {"/dev/null", 1, 3},   {"/dev/zero", 1, 5},    {"/dev/full", 1, 7},
    {"/dev/random", 1, 8}, {"/dev/urandom", 1, 9}, {"/dev/tty", 5, 0},
};

static mode_t dev_type(const struct rt_device *d)
{
	return d->type == 'b' ? S_IFBLK : d->type == 'p' ? S_IFIFO : S_IFCHR;
}

/* name in pfd is the node d describes (type, and numbers for a device). */
static int check_node(int pfd, const char *name, const struct rt_device *d, struct berr **err)
{
	struct stat st;
	if (fstatat(pfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return berr_set(err, errno, "check '%s'", d->path);
	bool ok = (st.st_mode & S_IFMT) == dev_type(d) &&
		  (d->type == 'p' || st.st_rdev == makedev(d->major, d->minor));
	if (!ok)
		return berr_set(err, EEXIST, "'%s' is not the device made there (replaced?)",
				d->path);
	return 0;
}

/* In a user namespace mknod is not allowed: attach the node the runtime made on the host side
 * (node_fd, a detached mount), or else bind the host's node of the same path (as runc does; the
 * default devices), onto a file made here. */
static int bind_node(int pfd, const char *name, const struct rt_device *d, int node_fd,
		     struct berr **err)
{
	autoclose int fd =
	    openat(pfd, name, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0);
	if (fd < 0)
		return berr_set(err, errno, "create '%s'", d->path);
	(void)close(fd);
	fd = openat(pfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return berr_set(err, errno, "open '%s'", d->path);
	char fdpath[32];
	/* Before pivot_root: /proc/self/fd is the host's, which no container mount reaches. */
	int r = node_fd >= 0 ? (int)syscall(SYS_move_mount, node_fd, "", fd, "",
					    MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH)
			     : mount(d->path, path_fd(fd, fdpath), NULL, MS_BIND, NULL);
	if (r < 0)
		return berr_set(err, errno, "bind device '%s'", d->path);
	return 0;
}

static int mknod_node(int pfd, const char *name, const struct rt_device *d, struct berr **err)
{
	mode_t mode = d->has_mode ? d->mode : 0666;
	if (mknodat(pfd, name, dev_type(d) | mode, makedev(d->major, d->minor)) < 0)
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

static int make_device(int rootfd, const struct rt_device *d, bool userns, int node_fd,
		       struct berr **err)
{
	autofree char *clean = path_clean(d->path);
	char *slash = strrchr(clean, '/');
	*slash = '\0';
	const char *name = slash + 1;
	if (!*name)
		return berr_set(err, EINVAL, "device path '%s'", d->path);
	autoclose int pfd = path_mkdir_in_root(rootfd, *clean ? clean : "/", 0755, err);
	if (pfd < 0)
		return pfd;
	(void)unlinkat(pfd, name, 0);
	int r = userns ? bind_node(pfd, name, d, node_fd, err) : mknod_node(pfd, name, d, err);
	return r < 0 ? r : check_node(pfd, name, d, err);
}

static bool dev_is_bind(const struct rt_spec *spec)
{
	for (size_t i = 0; i < spec->n_mounts; i++)
		if (!strcmp(spec->mounts[i].destination, "/dev") && spec->mounts[i].bind)
			return true;
	return false;
}

static int default_devices(int rootfd, const struct rt_spec *spec, bool userns, struct berr **err)
{
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
		int r = make_device(rootfd, &d, userns, -1, err);
		if (r < 0)
			return r;
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
	return 0;
}

int rt_dev_setup(int rootfd, const struct rt_spec *spec, const int *node_fds, struct berr **err)
{
	/* a user namespace of its own, or the runtime already in one (the rootless engine's,
	 * engine/rootless.h; runc's RunningInUserNS): mknod is refused either way */
	bool userns = spec->ns[RT_NS_USER].enabled || !userns_is_initial();
	int r = 0;
	if (!dev_is_bind(spec))
		r = default_devices(rootfd, spec, userns, err);
	for (size_t j = 0; r == 0 && j < spec->n_devices; j++)
		r = make_device(rootfd, &spec->devices[j], userns, node_fds ? node_fds[j] : -1,
				err);
	return r < 0 ? r : 0;
}

int rt_dev_open_null(int rootfd, struct berr **err)
{
	autoclose int fd = path_open_in_root(rootfd, "/dev/null", O_PATH | O_NOFOLLOW, 0, err);
	if (fd < 0)
		return berr_wrap(err, "the container's /dev/null");
	struct stat st;
	if (fstat(fd, &st) < 0)
		return berr_set(err, errno, "stat the container's /dev/null");
	if (!S_ISCHR(st.st_mode) || st.st_rdev != makedev(1, 3))
		return berr_plain(err, EPERM,
				  "the container's /dev/null is not the character device 1:3 (%s)",
				  S_ISLNK(st.st_mode)   ? "a symlink"
				  : S_ISREG(st.st_mode) ? "a regular file"
				  : S_ISDIR(st.st_mode) ? "a directory"
							: "another file or device");
	return take_fd(&fd);
}
