/* Pseudo-terminals for container processes. The pty comes from the container's own devpts
 * (opened after pivot_root), so the slave's path in the container is right.
 *
 * The attacks (runc CVE-2025-52565): the container decides what its /dev/ptmx, /dev/pts and
 * /dev/console are. Opening "/dev/ptmx" by path follows a link to /proc/1/root/dev/ptmx (a host
 * pty) or to any device; binding "/dev/pts/N" onto "/dev/console" by path binds whatever a link
 * there names (a writable /proc/sys/kernel/core_pattern). So: ptmx is opened O_PATH inside the
 * root without magic links, checked (devpts, inode 2, 5:2), and only then opened for real; the
 * slave comes from the master (TIOCGPTPEER), never from a path; /dev/console is bound from that
 * slave's fd onto a target that is opened without following it and made by us when missing. */
#include "runtime/console.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/err.h"
#include "util/fdpass.h"
#include "util/log.h"
#include "util/mountfd.h"
#include "util/path.h"
#include "util/procfs.h"

int rt_console_connect(const char *path, struct berr **err)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof(addr.sun_path))
		return berr_set(err, ENAMETOOLONG, "console socket '%s'", path);
	strcpy(addr.sun_path, path);
	autoclose int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0 || connect(s, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		return berr_set(err, errno, "connect to console socket '%s'", path);
	return take_fd(&s);
}

int rt_console_send(int sock, int fd, const char *name, struct berr **err)
{
	int r = fdpass_send(sock, name, strlen(name), fd);
	return r < 0 ? berr_set(err, -r, "send terminal to console socket") : 0;
}

#ifndef DEVPTS_SUPER_MAGIC
#define DEVPTS_SUPER_MAGIC 0x1cd1
#endif
#define DEVPTS_PTMX_INO 2

/* The ptmx of the devpts at <rootfd>/dev/pts, opened O_RDWR once checked. */
static int open_ptmx(const struct rt_console *c, struct berr **err)
{
	if (c->rootfd < 0) {
		int fd = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
		return fd < 0 ? berr_set(err, errno, "open /dev/ptmx") : fd;
	}
	autoclose int path =
	    path_open_in_root(c->rootfd, "/dev/pts/ptmx", O_PATH | O_NOFOLLOW, 0, err);
	if (path < 0)
		return berr_wrap(err, "open the container's ptmx");
	struct statfs sf;
	struct stat st;
	if (fstatfs(path, &sf) < 0 || fstat(path, &st) < 0)
		return berr_set(err, errno, "stat /dev/pts/ptmx");
	if (sf.f_type != DEVPTS_SUPER_MAGIC || st.st_ino != DEVPTS_PTMX_INO ||
	    !S_ISCHR(st.st_mode) || st.st_rdev != makedev(5, 2))
		return berr_plain(err, EPERM, "/dev/pts/ptmx is not a devpts ptmx");
	int fd = procfs_reopen(c->procfd, path, O_RDWR | O_NOCTTY, err);
	return fd < 0 ? berr_wrap(err, "open /dev/pts/ptmx") : fd;
}

/* The slave bound on <rootfd>/dev/console (runtime-spec config.md, "process.terminal"). The
 * target is never followed: a symlink or a directory there fails the container, as with runc;
 * a file or a device there is mounted over; when there is none, an empty file is made for it
 * (O_EXCL: nothing else can be in its place). */
static int bind_console(int rootfd, int slave, struct berr **err)
{
	autoclose int dev = path_open_in_root(rootfd, "/dev", O_PATH | O_DIRECTORY, 0, err);
	if (dev < 0)
		return berr_wrap(err, "bind /dev/console");
	autoclose int target = openat(dev, "console", O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (target < 0 && errno == ENOENT) {
		int made = openat(dev, "console",
				  O_CREAT | O_EXCL | O_NOFOLLOW | O_WRONLY | O_CLOEXEC, 0666);
		if (made < 0 && errno == EROFS) {
			/* the image's own /dev, read-only: nothing to mount on (crun skips too) */
			log_warn("no /dev/console: /dev is read-only");
			return 0;
		}
		if (made < 0)
			return berr_set(err, errno, "create /dev/console");
		(void)close(made);
		target = openat(dev, "console", O_PATH | O_NOFOLLOW | O_CLOEXEC);
	}
	struct stat st;
	if (target < 0 || fstat(target, &st) < 0)
		return berr_set(err, errno, "open /dev/console");
	if (!S_ISREG(st.st_mode) && !S_ISCHR(st.st_mode))
		return berr_plain(err, S_ISLNK(st.st_mode) ? ELOOP : EISDIR,
				  "/dev/console is %s: it is not mounted on",
				  S_ISLNK(st.st_mode)   ? "a symlink"
				  : S_ISDIR(st.st_mode) ? "a directory"
							: "not a file");
	if (mountfd_bind(slave, target, false, 0, err) < 0)
		return berr_wrap(err, "bind the terminal on /dev/console");
	return 0;
}

int rt_console_setup(int sock, const struct rt_console *c, struct berr **err)
{
	autoclose int master = open_ptmx(c, err);
	if (master < 0)
		return master;
	int unlock = 0;
	if (ioctl(master, TIOCSPTLCK, &unlock) < 0)
		return berr_set(err, errno, "unlock pty");
	/* TIOCGPTPEER opens the slave through the master: no path lookup an attacker could
	 * race (since Linux 4.13). */
	autoclose int slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (slave < 0)
		return berr_set(err, errno, "open pty slave");
	if (c->rows && c->cols) {
		struct winsize ws = {.ws_row = (unsigned short)c->rows,
				     .ws_col = (unsigned short)c->cols};
		(void)ioctl(slave, TIOCSWINSZ, &ws);
	}
	int r;
	if (c->bind_console && (r = bind_console(c->rootfd, slave, err)) < 0)
		return r;
	int ptn = 0;
	char name[64] = "/dev/pts/?";
	if (ioctl(master, TIOCGPTN, &ptn) == 0)
		snprintf(name, sizeof(name), "/dev/pts/%d", ptn);
	if ((r = rt_console_send(sock, master, name, err)) < 0)
		return r;
	if (ioctl(slave, TIOCSCTTY, 0) < 0)
		return berr_set(err, errno, "set controlling terminal");
	for (int i = 0; i < 3; i++)
		if (dup2(slave, i) < 0)
			return berr_set(err, errno, "dup terminal");
	return 0;
}

int rt_console_open(bool has_fd, int fd, const char *path, int *out, struct berr **err)
{
	*out = -1;
	if (has_fd && (*out = fcntl(fd, F_DUPFD_CLOEXEC, 3)) < 0)
		return berr_set(err, errno, "console socket");
	if (path && (*out = rt_console_connect(path, err)) < 0) {
		int r = *out;
		*out = -1;
		return r;
	}
	return 0;
}

int rt_console_recv(int sock, int flags, struct berr **err)
{
	char name[256];
	int fd;
	ssize_t n = fdpass_recv(sock, name, sizeof(name), flags, &fd);
	if (fd < 0)
		return berr_set(err, n < 0 ? (int)-n : EPROTO, "receive the container's terminal");
	return fd;
}
