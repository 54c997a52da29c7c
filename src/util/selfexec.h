/* Running our own binary again from a sealed memfd copy (CVE-2019-5736): a process that will
 * hand itself to a container (the runtime's create, the engine's monitor) must not expose the
 * host's binary through /proc/self/exe, which a container process could open and overwrite. */
#ifndef BERTH_UTIL_SELFEXEC_H
#define BERTH_UTIL_SELFEXEC_H

#include <stdbool.h>

/* True when the running image already is a sealed copy. */
bool selfexec_is_sealed(void);
/* Execute argv with a sealed copy of /proc/self/exe; returns -errno only on failure. */
int selfexec_sealed(char *const argv[]);

#endif
