/* Small file helpers: bounded reads, atomic writes, recursive mkdir/remove. Paths here are trusted
 * (host-side state); anything under a container rootfs goes through util/path.h instead. */
#ifndef BERTH_UTIL_FS_H
#define BERTH_UTIL_FS_H

#include <dirent.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct berr;

/* Read at most max bytes of dirfd/path (AT_FDCWD ok); fails with EFBIG if larger. NUL-terminated.
 */
int fs_read_file(int dirfd, const char *path, size_t max, char **out_data, size_t *out_len,
		 struct berr **err);
int fs_read_fd(int fd, size_t max, char **out_data, size_t *out_len, struct berr **err);
/* Write whole buffer to an existing or new file (O_TRUNC). */
int fs_write_file(int dirfd, const char *path, const void *data, size_t len, mode_t mode,
		  struct berr **err);
/* Write to a temp file beside path, fsync, rename over path. */
int fs_write_file_atomic(const char *path, const void *data, size_t len, mode_t mode,
			 struct berr **err);
/* The same without fsync: readers never see a torn file, but a crash may lose it. For state
 * that does not outlive a reboot anyway (the runtime's /run files). */
int fs_replace_file(const char *path, const void *data, size_t len, mode_t mode, struct berr **err);
int fs_write_all(int fd, const void *data, size_t len);
int fs_mkdir_p(const char *path, mode_t mode, struct berr **err);
/* Remove a tree without crossing mount points or following symlinks. */
int fs_rm_rf(int dirfd, const char *name, struct berr **err);

/* dirfd/name opened to read as a directory (O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC: a
 * symbolic link at name is refused, not followed); name NULL: a new fd of dirfd itself, whose
 * position is then shared with dirfd. The fd, or -errno (errno set too). */
int fs_open_dir(int dirfd, const char *name);
/* The same as a stream that owns its fd (dirfd stays the caller's); NULL with errno set. */
DIR *fs_opendir_at(int dirfd, const char *name);
/* The next entry of d but "." and ".."; NULL at the end (errno 0) or on failure (errno set). */
struct dirent *fs_readdir(DIR *d);

/* An AF_UNIX address for path. A path longer than sun_path is reached through its directory:
 * *out_dirfd gets an O_PATH fd of it (keep it open until bind or connect is done) and the
 * address names "/proc/self/fd/N/NAME". *out_dirfd is -1 when not needed. */
struct sockaddr_un;
int fs_unix_addr(const char *path, struct sockaddr_un *out, int *out_dirfd, struct berr **err);

/* An exclusive flock on path (made 0600 if missing); the fd holds it until closed. */
int fs_lock(const char *path, struct berr **err);
/* dirfd/name and everything under it owned by uid:gid, through fds and O_NOFOLLOW (a name
 * swapped for a link meanwhile is refused, never followed); links themselves are changed. */
int fs_chown_tree(int dirfd, const char *name, uid_t uid, gid_t gid, struct berr **err);
/* Bytes of the regular files under dirfd/name (symlinks not followed, 64 levels at most). */
int64_t fs_disk_usage(int dirfd, const char *name);
/* An fd (O_RDONLY | O_NONBLOCK) to read the regular file dirfd/name, a symbolic link at name
 * not followed; name NULL: the file dirfd itself names (an O_PATH fd, say). Anything else is
 * refused without being opened, so that a name a container controls cannot make berth hang on
 * a FIFO (open blocks until a writer comes) or run a device's driver. want (or NULL): the lstat
 * the caller made first; the file must still be that one (type, st_dev, st_ino), else ESTALE. */
struct stat;
int fs_open_regular(int dirfd, const char *name, const struct stat *want, struct berr **err);
/* Copy the entries of directory from into directory to, through fds and O_NOFOLLOW: symlinks
 * are copied as links, owners (translated by ids, or NULL: kept) and modes kept,
 * devices/fifos/sockets skipped. Owners and modes are set through the fds of what was made,
 * never by name again (to may be a running container's, which can swap names meanwhile).
 * replace: what is in the way is removed first (else creating it fails with EEXIST). */
struct idshift;
int fs_copy_tree(int from, int to, bool replace, const struct idshift *ids, struct berr **err);
/* One entry (a file, a link, or a directory and what it holds) under the name to_name. */
int fs_copy_entry_as(int from, const char *name, int to, const char *to_name, bool replace,
		     const struct idshift *ids, struct berr **err);

#endif
