/* Sealed re-execution (see selfexec.h). */
#include "util/selfexec.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <linux/magic.h>
#include <linux/mount.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "util/cleanup.h"

/* Whether mount id is one of this process's mount namespace. */
static bool mount_is_attached(unsigned long long id)
{
	autofclose FILE *f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return true; /* cannot tell: as if attached (the caller seals again) */
	char line[4096];
	while (fgets(line, sizeof(line), f)) {
		char *end;
		if (strtoull(line, &end, 10) == id && *end == ' ')
			return true;
		while (!strchr(line, '\n') && fgets(line, sizeof(line), f))
			; /* the rest of a long line */
	}
	return false;
}

/* The image runs from a read-only overlayfs that no mount namespace has: one selfexec_sealed
 * made (fsmount, never attached). An attached read-only mount could be remounted writable by
 * whoever owns it; a detached one has no path anyone could name to do so. */
static bool on_detached_overlay(int fd)
{
	struct statfs sf;
	struct statvfs sv;
	struct statx stx;
	if (fstatfs(fd, &sf) < 0 || sf.f_type != OVERLAYFS_SUPER_MAGIC || fstatvfs(fd, &sv) < 0 ||
	    !(sv.f_flag & ST_RDONLY))
		return false;
	if (statx(fd, "", AT_EMPTY_PATH, STATX_MNT_ID, &stx) < 0 || !(stx.stx_mask & STATX_MNT_ID))
		return false;
	return !mount_is_attached(stx.stx_mnt_id);
}

bool selfexec_is_sealed(void)
{
	autoclose int self = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (self < 0)
		return false;
	int seals = fcntl(self, F_GET_SEALS);
	return (seals >= 0 && (seals & F_SEAL_WRITE)) || on_detached_overlay(self);
}

/* dir with overlayfs's separators escaped ('\\' and ':'), for a lowerdir list. */
static char *lowerdir_escape(const char *dir)
{
	char *out = malloc(2 * strlen(dir) + 1), *o = out;
	if (!out)
		return NULL;
	for (; *dir; dir++) {
		if (*dir == '\\' || *dir == ':')
			*o++ = '\\';
		*o++ = *dir;
	}
	*o = '\0';
	return out;
}

/* The running binary reached through a private read-only overlayfs of its directory (runc
 * 1.2's way): writes through /proc/PID/exe end in EROFS, nothing is copied, and the pages are
 * the binary's own page cache. overlayfs without an upper layer needs two lower ones: the
 * second is /dev, under the binary's directory so it hides nothing of it. Needs
 * CAP_SYS_ADMIN in the initial user namespace (or a user namespace's own, since 5.11); the
 * caller falls back to a copy. Returns an fd of the binary, or -errno. */
static int overlay_self(const struct stat *self_st)
{
	char path[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);
	if (n <= 0 || path[0] != '/')
		return -ENOENT; /* deleted, or already a memfd */
	path[n] = '\0';
	if (strstr(path, " (deleted)"))
		return -ENOENT;
	char dircopy[PATH_MAX], namecopy[PATH_MAX];
	memcpy(dircopy, path, (size_t)n + 1);
	memcpy(namecopy, path, (size_t)n + 1);
	autofree char *dir = lowerdir_escape(dirname(dircopy));
	const char *name = basename(namecopy);
	autofree char *lower = dir ? malloc(strlen(dir) + sizeof(":/dev")) : NULL;
	if (!lower)
		return -ENOMEM;
	strcpy(stpcpy(lower, dir), ":/dev");
	autoclose int fs = (int)syscall(SYS_fsopen, "overlay", FSOPEN_CLOEXEC);
	if (fs < 0)
		return -errno;
	if (syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "lowerdir", lower, 0) < 0)
		return -errno;
	/* xino is of no use here and only logs (the two layers are on two filesystems) */
	(void)syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "xino", "off", 0);
	if (syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return -errno;
	autoclose int mnt = (int)syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC,
					 MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV);
	if (mnt < 0)
		return -errno;
	int fd = openat(mnt, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size != self_st->st_size) {
		(void)close(fd);
		return -ESTALE; /* not the binary that runs (replaced since it started) */
	}
	return fd;
}

int selfexec_sealed(char *const argv[])
{
	autoclose int self = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (self < 0 || fstat(self, &st) < 0)
		return -errno;
	extern char **environ;
	autoclose int ofd = overlay_self(&st);
	if (ofd >= 0) {
		syscall(SYS_execveat, ofd, "", argv, environ, AT_EMPTY_PATH);
		/* an exec that failed: a copy, as without overlayfs */
	}
	autoclose int mfd = memfd_create("berth", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (mfd < 0)
		return -errno;
	for (off_t off = 0; off < st.st_size;) {
		ssize_t n = sendfile(mfd, self, &off, (size_t)(st.st_size - off));
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
	}
	if (fcntl(mfd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) < 0)
		return -errno;
	fexecve(mfd, argv, environ);
	return -errno;
}
