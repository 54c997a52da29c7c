/* Opening paths under a root we do not trust (container rootfs, image layer): nothing a symlink
 * or ".." in that tree says can lead outside the root. */
#ifndef BERTH_UTIL_PATH_H
#define BERTH_UTIL_PATH_H

#include <sys/types.h>

struct berr;

/* Open path (absolute or relative, both taken as relative to rootfd) as if rootfd were "/".
 * Uses openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS); where openat2 is missing (ENOSYS)
 * walks one component at a time with O_PATH | O_NOFOLLOW, expanding symlinks ourselves relative
 * to the root, clamping ".." at the root and failing with ELOOP after 40 links.
 * flags may include O_CREAT (mode applies); O_CLOEXEC is always added. */
int path_open_in_root(int rootfd, const char *path, int flags, mode_t mode, struct berr **err);
/* The same, always by the component walk (exposed for tests and old kernels). */
int path_open_in_root_walk(int rootfd, const char *path, int flags, mode_t mode, struct berr **err);
/* mkdir -p of path inside rootfd; returns an O_PATH|O_DIRECTORY fd of the last directory. */
int path_mkdir_in_root(int rootfd, const char *path, mode_t mode, struct berr **err);
/* Lexically clean an absolute path: collapse "//", ".", and ".." (clamped at "/"). Caller frees. */
char *path_clean(const char *path);
/* "/proc/self/fd/N" for fd, in a caller buffer of at least 32 bytes. */
const char *path_fd(int fd, char buf[32]);

#endif
