/* The seccomp profile a container gets (linux.seccomp of its config.json).
 * - By default berth's own profile, built like Docker's in kind: everything not allowed fails
 *   with EPERM; allowed are the syscalls the libseccomp berth is built with knows, except
 *   those that reach past a container's namespaces, which are allowed only with the
 *   capability that would let the kernel honour them (mount, setns, unshare and namespace
 *   flags of clone need CAP_SYS_ADMIN; module loading CAP_SYS_MODULE; reboot and kexec
 *   CAP_SYS_BOOT; ...) or never (keyrings, which are not namespaced; io_uring; userfaultfd;
 *   obsolete calls). clone3 fails with ENOSYS, so libc falls back to clone, whose flags can
 *   be checked; personality takes only the common personas.
 * - `--security-opt seccomp=unconfined`: none.
 * - `--security-opt seccomp=FILE`: the file, in OCI form or Docker's (whose includes and
 *   excludes of capabilities and architectures are resolved here for the container).
 * Unknown syscall names are skipped by the runtime, so a profile may name calls another
 * architecture or a newer kernel has. */
#ifndef BERTH_ENGINE_SECCOMP_H
#define BERTH_ENGINE_SECCOMP_H

#include <jansson.h>
#include <stdint.h>

struct berr;

/* caps: the container's bounding set (bit n = capability n). */
json_t *eng_seccomp_default(uint64_t caps);
/* A profile file for a container with caps; NULL with err when unreadable or malformed. */
json_t *eng_seccomp_file(const char *path, uint64_t caps, struct berr **err);

#endif
