/* Running our own binary again sealed (CVE-2019-5736): a process that will hand itself to a
 * container (the runtime's create, the engine's monitor) must not expose the host's binary
 * through /proc/self/exe, which a container process could open and overwrite. As root: the
 * binary through a private, detached, read-only overlayfs of its directory (runc 1.2's way: no
 * copy, the page cache shared by every monitor); else, or when that fails, a sealed memfd copy. */
#ifndef BERTH_UTIL_SELFEXEC_H
#define BERTH_UTIL_SELFEXEC_H

#include <stdbool.h>

/* True when the running image already is sealed (a sealed memfd, or on a detached read-only
 * overlayfs). */
bool selfexec_is_sealed(void);
/* Execute argv with a sealed /proc/self/exe; returns -errno only on failure. */
int selfexec_sealed(char *const argv[]);

#endif
