/* A /dev/shm shared between containers: a tmpfs of the host's at a path in the store (a pod's,
 * engine/pod_cgroup.c; an `--ipc shareable` container's, engine/share.c), bound over each
 * sharer's /dev/shm. A bind of one container's own /dev/shm from its mount namespace is not
 * possible (mount(2) refuses a source outside the caller's namespace), hence the host's tmpfs.
 * A room below the engine's others, which includes none of them: container.c unmounts a
 * container's at its removal without knowing who shares it. */
#ifndef BERTH_ENGINE_SHM_H
#define BERTH_ENGINE_SHM_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

struct berr;

#define ENG_SHM_DEFAULT (64LL << 20) /* Docker's and podman's default --shm-size */

/* Whether path is a tmpfs of its own (not the directory on the store's file system). */
bool eng_shm_mounted(const char *path);
/* The tmpfs at path (made, mode 0700), of size bytes (<= 0: ENG_SHM_DEFAULT), unless it is
 * mounted already; what names it in the error ("the /dev/shm of pod web"). */
int eng_shm_mount(const char *path, int64_t size, const char *what, struct berr **err);
/* Unmounted (every layer of it) and its directory removed; nothing when it is not there. */
void eng_shm_unmount(const char *path);
/* The spec's /dev/shm mount becomes a bind of path. */
void eng_shm_bind(json_t *spec, const char *path);

#endif
