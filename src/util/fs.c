/* File helpers for host-side state files, and the copies into and out of container trees
 * (cp, volumes) that go through directory fds (see fs.h). */
#include "util/fs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/err.h"
#include "util/idshift.h"
#include "util/path.h"
#include "util/xalloc.h"

int fs_write_all(int fd, const void *data, size_t len)
{
	const char *p = data;
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int fs_read_fd(int fd, size_t max, char **out_data, size_t *out_len, struct berr **err)
{
	size_t cap = 4096, len = 0;
	autofree char *buf = xmalloc(cap + 1);
	for (;;) {
		if (len == cap) {
			if (cap > max)
				return berr_set(err, EFBIG, "larger than %zu bytes", max);
			cap *= 2;
			buf = xrealloc(buf, cap + 1);
		}
		ssize_t n = read(fd, buf + len, cap - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return berr_set(err, errno, "read");
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > max)
			return berr_set(err, EFBIG, "larger than %zu bytes", max);
	}
	buf[len] = '\0';
	*out_data = take_ptr(&buf);
	if (out_len)
		*out_len = len;
	return 0;
}

int fs_read_file(int dirfd, const char *path, size_t max, char **out_data, size_t *out_len,
		 struct berr **err)
{
	autoclose int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return berr_set(err, errno, "open '%s'", path);
	if (fs_read_fd(fd, max, out_data, out_len, err) < 0)
		return berr_wrap(err, "read '%s'", path);
	return 0;
}

int fs_write_file(int dirfd, const char *path, const void *data, size_t len, mode_t mode,
		  struct berr **err)
{
	autoclose int fd =
	    openat(dirfd, path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOCTTY, mode);
	if (fd < 0)
		return berr_set(err, errno, "open '%s'", path);
	int r = fs_write_all(fd, data, len);
	if (r < 0)
		return berr_set(err, -r, "write '%s'", path);
	return 0;
}

static int replace_file(const char *path, const void *data, size_t len, mode_t mode, bool durable,
			struct berr **err)
{
	autofree char *tmp = xasprintf("%s.tmp.%d", path, (int)getpid());
	autoclose int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd < 0)
		return berr_set(err, errno, "create '%s'", tmp);
	int r = fs_write_all(fd, data, len);
	if (r == 0 && durable && fsync(fd) < 0)
		r = -errno;
	if (r < 0) {
		(void)unlink(tmp);
		return berr_set(err, -r, "write '%s'", tmp);
	}
	/* Not durable: a rename over an existing file makes ext4 start writing the new one out
	 * at once (auto_da_alloc, ext4(5)), which allocates its blocks, and freeing those costs
	 * again when it goes (a synchronous discard on a disk mounted with -o discard); a state
	 * file replaced or removed within seconds never needs either. Exchanging the names and
	 * removing the old file under the temporary one is the same atomic replacement for a
	 * reader, without that heuristic. Only over a regular file: rename(2) refuses to put a
	 * file over a directory, an exchange would not. */
	struct stat st;
	if (!durable && lstat(path, &st) == 0 && S_ISREG(st.st_mode) &&
	    renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_EXCHANGE) == 0) {
		if (unlink(tmp) == 0 || errno != EISDIR)
			return 0;
		/* a directory came there since lstat: put it back, and fail as rename would */
		(void)renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_EXCHANGE);
		(void)unlink(tmp);
		return berr_set(err, EISDIR, "rename '%s'", path);
	}
	if (rename(tmp, path) < 0) {
		int e = errno;
		(void)unlink(tmp);
		return berr_set(err, e, "rename '%s'", path);
	}
	return 0;
}

int fs_write_file_atomic(const char *path, const void *data, size_t len, mode_t mode,
			 struct berr **err)
{
	return replace_file(path, data, len, mode, true, err);
}

int fs_replace_file(const char *path, const void *data, size_t len, mode_t mode, struct berr **err)
{
	return replace_file(path, data, len, mode, false, err);
}

int fs_mkdir_p(const char *path, mode_t mode, struct berr **err)
{
	autofree char *p = xstrdup(path);
	size_t n = strlen(p);
	while (n > 1 && p[n - 1] == '/')
		p[--n] = '\0';
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, mode) < 0 && errno != EEXIST)
			return berr_set(err, errno, "mkdir '%s'", p);
		*s = '/';
	}
	if (mkdir(p, mode) < 0 && errno != EEXIST)
		return berr_set(err, errno, "mkdir '%s'", p);
	return 0;
}

int fs_open_dir(int dirfd, const char *name)
{
	int fd = name ? openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
		      : fcntl(dirfd, F_DUPFD_CLOEXEC, 3);
	return fd < 0 ? -errno : fd;
}

DIR *fs_opendir_at(int dirfd, const char *name)
{
	autoclose int fd = fs_open_dir(dirfd, name);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	if (d)
		fd = -1; /* the stream's now */
	return d;
}

struct dirent *fs_readdir(DIR *d)
{
	struct dirent *de;
	do {
		errno = 0;
		de = readdir(d);
	} while (de && (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")));
	return de;
}

static int rm_rf_at(int parent, const char *name, dev_t dev, int depth, struct berr **err)
{
	struct stat st;
	if (fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno == ENOENT)
			return 0;
		return berr_set(err, errno, "stat '%s'", name);
	}
	if (!S_ISDIR(st.st_mode)) {
		if (unlinkat(parent, name, 0) < 0 && errno != ENOENT)
			return berr_set(err, errno, "unlink '%s'", name);
		return 0;
	}
	if (st.st_dev != dev && depth > 0)
		return berr_set(err, EXDEV, "'%s' is a mount point", name);
	if (depth > 256)
		return berr_set(err, ELOOP, "'%s' is nested too deeply", name);
	autoclosedir DIR *d = fs_opendir_at(parent, name);
	if (!d)
		return berr_set(err, errno, "open '%s'", name);
	struct dirent *de;
	while ((de = fs_readdir(d))) {
		if (rm_rf_at(dirfd(d), de->d_name, dev, depth + 1, err) < 0)
			return berr_wrap(err, "in '%s'", name);
	}
	if (unlinkat(parent, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		return berr_set(err, errno, "rmdir '%s'", name);
	return 0;
}

int fs_rm_rf(int dirfd, const char *name, struct berr **err)
{
	struct stat st;
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno == ENOENT)
			return 0;
		return berr_set(err, errno, "stat '%s'", name);
	}
	return rm_rf_at(dirfd, name, st.st_dev, 0, err);
}

int fs_open_regular(int dirfd, const char *name, const struct stat *want, struct berr **err)
{
	const char *what = name ? name : "file";
	autoclose int own = name ? openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC) : -1;
	if (name && own < 0)
		return berr_set(err, errno, "open '%s'", what);
	int pathfd = name ? own : dirfd;
	struct stat st;
	if (fstat(pathfd, &st) < 0)
		return berr_set(err, errno, "stat '%s'", what);
	if (want && ((st.st_mode & S_IFMT) != (want->st_mode & S_IFMT) ||
		     st.st_dev != want->st_dev || st.st_ino != want->st_ino))
		return berr_plain(err, ESTALE, "'%s' was replaced while it was read", what);
	if (!S_ISREG(st.st_mode))
		return berr_plain(err, EINVAL, "'%s' is not a regular file", what);
	/* the same inode again, through the fd's magic link: no name is looked up twice */
	char fdpath[32];
	int fd = open(path_fd(pathfd, fdpath), O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return berr_set(err, errno, "open '%s'", what);
	return fd;
}

#define FS_COPY_DEPTH_MAX 256

static int copy_tree(int from, int to, int depth, bool replace, const struct idshift *ids,
		     struct berr **err);

/* The new directory to/name (made, or kept where one is), and the copy of what from/name
 * holds into it; out_made gets its fd. */
static int copy_dir(int from, int to, const char *name, const struct stat *st, int depth,
		    bool replace, const struct idshift *ids, int *out_made, struct berr **err)
{
	if (mkdirat(to, name, st->st_mode & 07777) < 0 && errno != EEXIST)
		return berr_set(err, errno, "mkdir '%s'", name);
	autoclose int a = fs_open_dir(from, name);
	autoclose int b = fs_open_dir(to, name);
	if (a < 0 || b < 0)
		return berr_set(err, errno, "open '%s'", name);
	int r = copy_tree(a, b, depth + 1, replace, ids, err);
	if (r == 0)
		*out_made = take_fd(&b);
	return r;
}

/* The symbolic link to/name like from/name; out_made gets an O_PATH fd of it. */
static int copy_link(int from, int to, const char *name, int *out_made, struct berr **err)
{
	char target[4096];
	ssize_t n = readlinkat(from, name, target, sizeof(target) - 1);
	if (n < 0)
		return berr_set(err, errno, "readlink '%s'", name);
	target[n] = '\0';
	if (symlinkat(target, to, name) < 0)
		return berr_set(err, errno, "symlink '%s'", name);
	autoclose int made = openat(to, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	if (made < 0 || fstat(made, &st) < 0)
		return berr_set(err, errno, "open '%s'", name);
	if (!S_ISLNK(st.st_mode))
		return berr_plain(err, ESTALE, "'%s' was replaced while it was written", name);
	*out_made = take_fd(&made);
	return 0;
}

/* The new file to/name with what from/name holds (it must still be the file lstat saw, st:
 * see fs_open_regular); out_made gets its fd. */
static int copy_file(int from, int to, const char *name, const struct stat *st, int *out_made,
		     struct berr **err)
{
	autoclose int a = fs_open_regular(from, name, st, err);
	if (a < 0)
		return a;
	autoclose int b = openat(to, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
				 st->st_mode & 0777);
	if (b < 0)
		return berr_set(err, errno, "copy '%s'", name);
	for (off_t off = 0; off < st->st_size;) {
		ssize_t n = sendfile(b, a, &off, (size_t)(st->st_size - off));
		if (n <= 0)
			return berr_set(err, n < 0 ? errno : EIO, "copy '%s'", name);
	}
	*out_made = take_fd(&b);
	return 0;
}

static int copy_entry(int from, int to, const char *name, int depth, bool replace,
		      const struct idshift *ids, struct berr **err)
{
	struct stat st;
	if (fstatat(from, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return berr_set(err, errno, "stat '%s'", name);
	struct stat old;
	int r = 0;
	/* replace: what is in the way goes, unless both are directories */
	if (replace && fstatat(to, name, &old, AT_SYMLINK_NOFOLLOW) == 0 &&
	    !(S_ISDIR(old.st_mode) && S_ISDIR(st.st_mode)) && (r = fs_rm_rf(to, name, err)) < 0)
		return r;
	/* Owner and mode go through the fd of what was made, never through to/name again: when
	 * to is a running container's directory, the container can swap name for a symbolic link
	 * to a host file (/etc/shadow) between our create and our chmod, and fchmodat() follows
	 * the last name (AT_SYMLINK_NOFOLLOW needs fchmodat2, Linux 6.6), relative to berth's
	 * root, which is the host's. */
	autoclose int made = -1;
	if (S_ISDIR(st.st_mode))
		r = copy_dir(from, to, name, &st, depth, replace, ids, &made, err);
	else if (S_ISLNK(st.st_mode))
		r = copy_link(from, to, name, &made, err);
	else if (S_ISREG(st.st_mode))
		r = copy_file(from, to, name, &st, &made, err);
	else
		return 0; /* devices, fifos and sockets are not copied up */
	if (r < 0)
		return r;
	if (fchownat(made, "", idshift_uid(ids, st.st_uid), idshift_gid(ids, st.st_gid),
		     AT_EMPTY_PATH) < 0)
		return berr_set(err, errno, "chown '%s'", name);
	/* after chown, which clears set-id bits */
	if (!S_ISLNK(st.st_mode) && fchmod(made, st.st_mode & 07777) < 0)
		return berr_set(err, errno, "chmod '%s'", name);
	return 0;
}

static int copy_tree(int from, int to, int depth, bool replace, const struct idshift *ids,
		     struct berr **err)
{
	if (depth > FS_COPY_DEPTH_MAX)
		return berr_plain(err, ELOOP, "directories nested more than %d deep",
				  FS_COPY_DEPTH_MAX);
	autoclosedir DIR *d = fs_opendir_at(from, NULL);
	if (!d)
		return berr_set(err, errno, "read directory");
	struct dirent *de;
	int r = 0;
	while (r == 0 && (de = fs_readdir(d)))
		r = copy_entry(from, to, de->d_name, depth, replace, ids, err);
	return r;
}

int fs_copy_tree(int from, int to, bool replace, const struct idshift *ids, struct berr **err)
{
	return copy_tree(from, to, 0, replace, ids, err);
}

/* A scratch directory in dir under a name nobody can guess (".berth-copy-" and 12 random hex
 * digits): dir may be a running container's, which could otherwise make the name first (a
 * symbolic link, a directory of its own). Its fd, name in out_name. */
static int scratch_dir(int dir, char out_name[32], struct berr **err)
{
	for (int tries = 0; tries < 16; tries++) {
		uint8_t rnd[6];
		if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
			return berr_set(err, errno ? errno : EIO, "getrandom");
		snprintf(out_name, 32, ".berth-copy-%02x%02x%02x%02x%02x%02x", rnd[0], rnd[1],
			 rnd[2], rnd[3], rnd[4], rnd[5]);
		if (mkdirat(dir, out_name, 0700) < 0) {
			if (errno == EEXIST)
				continue;
			return berr_set(err, errno, "mkdir '%s'", out_name);
		}
		int fd = fs_open_dir(dir, out_name);
		if (fd < 0) {
			int e = errno;
			(void)unlinkat(dir, out_name, AT_REMOVEDIR);
			return berr_set(err, e, "open '%s'", out_name);
		}
		return fd;
	}
	return berr_plain(err, EEXIST, "no free name for a scratch directory");
}

int fs_copy_entry_as(int from, const char *name, int to, const char *to_name, bool replace,
		     const struct idshift *ids, struct berr **err)
{
	if (!strcmp(name, to_name))
		return copy_entry(from, to, name, 0, replace, ids, err);
	/* copy into a scratch directory beside the target, then rename it into place */
	char scratch[32];
	autoclose int sfd = scratch_dir(to, scratch, err);
	if (sfd < 0)
		return sfd;
	int r = copy_entry(from, sfd, name, 0, false, ids, err);
	struct stat st;
	if (r == 0 && replace && fstatat(to, to_name, &st, AT_SYMLINK_NOFOLLOW) == 0)
		r = fs_rm_rf(to, to_name, err);
	if (r == 0 && renameat(sfd, name, to, to_name) < 0)
		r = berr_set(err, errno, "rename to '%s'", to_name);
	/* what is left goes through the scratch's own fd; by name only the directory, which
	 * rmdir removes only when empty, whatever the container may have put there */
	if (r < 0)
		(void)fs_rm_rf(sfd, name, NULL);
	(void)unlinkat(to, scratch, AT_REMOVEDIR);
	return r;
}

/* Bytes of files under a directory (not crossing mounts). */
static int64_t du(int at, const char *name, int depth)
{
	struct stat st;
	if (depth > 64 || fstatat(at, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return 0;
	if (!S_ISDIR(st.st_mode))
		return S_ISREG(st.st_mode) ? st.st_size : 0;
	autoclosedir DIR *d = fs_opendir_at(at, name);
	if (!d)
		return 0;
	int64_t total = 0;
	struct dirent *de;
	while ((de = fs_readdir(d)))
		total += du(dirfd(d), de->d_name, depth + 1);
	return total;
}

int64_t fs_disk_usage(int dirfd, const char *name)
{
	return du(dirfd, name, 0);
}

/* One entry, opened O_PATH | O_NOFOLLOW from its directory's fd and changed through that fd;
 * a directory's entries the same way from the directory's own fd (O_NOFOLLOW: a name swapped
 * for a link meanwhile is refused, never followed). */
static int chown_tree(int at, const char *name, uid_t uid, gid_t gid, int depth, struct berr **err)
{
	if (depth > 64)
		return berr_plain(err, ELOOP, "'%s': more than 64 levels", name);
	autoclose int fd = openat(at, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0)
		return berr_set(err, errno, "'%s'", name);
	if (fchownat(fd, "", uid, gid, AT_EMPTY_PATH) < 0)
		return berr_set(err, errno, "chown '%s'", name);
	if (!S_ISDIR(st.st_mode))
		return 0;
	autoclosedir DIR *d = fs_opendir_at(at, name);
	if (!d)
		return berr_set(err, errno, "'%s'", name);
	struct dirent *de;
	while ((de = fs_readdir(d))) {
		int r = chown_tree(dirfd(d), de->d_name, uid, gid, depth + 1, err);
		if (r < 0)
			return berr_wrap(err, "'%s'", name);
	}
	return 0;
}

int fs_chown_tree(int dirfd, const char *name, uid_t uid, gid_t gid, struct berr **err)
{
	return chown_tree(dirfd, name, uid, gid, 0, err);
}

int fs_lock(const char *path, struct berr **err)
{
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return berr_set(err, errno, "open '%s'", path);
	while (flock(fd, LOCK_EX) < 0)
		if (errno != EINTR) {
			int e = errno;
			(void)close(fd);
			return berr_set(err, e, "lock '%s'", path);
		}
	return fd;
}

int fs_unix_addr(const char *path, struct sockaddr_un *out, int *out_dirfd, struct berr **err)
{
	memset(out, 0, sizeof(*out));
	out->sun_family = AF_UNIX;
	*out_dirfd = -1;
	if (strlen(path) < sizeof(out->sun_path)) {
		strcpy(out->sun_path, path);
		return 0;
	}
	const char *slash = strrchr(path, '/');
	if (!slash || strlen(slash + 1) > 64)
		return berr_plain(err, ENAMETOOLONG, "socket path '%s' is too long", path);
	autofree char *dir = xstrndup(path, (size_t)(slash - path) + (slash == path));
	int fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return berr_set(err, errno, "open '%s'", dir);
	snprintf(out->sun_path, sizeof(out->sun_path), "/proc/self/fd/%d/%s", fd, slash + 1);
	*out_dirfd = fd;
	return 0;
}
