/* A container's root filesystem: the overlay of its image's layers with its own diff/ (upper)
 * and work/, at containers/<id>/rootfs. The monitor mounts it for the life of the process;
 * cp, diff and export need it at other times too. containers/<id>/mount.lock is held while a
 * root is mounted for one of those (and by the monitor while it mounts), so a start waits for
 * a cp to finish rather than sharing its mount. */
#ifndef BERTH_ENGINE_ROOTFS_H
#define BERTH_ENGINE_ROOTFS_H

#include <jansson.h>
#include <stdbool.h>
#include <sys/types.h>

#include "util/idshift.h"

struct berr;
struct eng_store;

struct eng_rootfs {
	char *path;
	int lock_fd;
	bool mounted_here;
};

/* Mount the root at containers/<id>/rootfs unless it is mounted (the monitor's). */
int eng_rootfs_mount(const struct eng_store *s, const char *id, json_t *rec, struct berr **err);
/* The same under mount.lock: the monitor's, so that it waits for a cp's own mount to end. */
int eng_rootfs_mount_locked(const struct eng_store *s, const char *id, json_t *rec,
			    struct berr **err);
/* The root, mounted: the running container's, or one mounted now until release. */
int eng_rootfs_acquire(const struct eng_store *s, const char *id, struct eng_rootfs *out,
		       struct berr **err);
void eng_rootfs_release(struct eng_rootfs *r);

/* A path as the container sees it, for cp: fd is the directory to resolve rel in (with
 * path_open_in_root). A running container's root is its process's (/proc/<pid>/root: its
 * volumes, binds and tmpfs mounts in place); a stopped one's is its own root, or the
 * volume's or bind's source when its destination holds the path (the longest match; a
 * symbolic link in the root is not followed into a volume). */
struct eng_view {
	struct eng_rootfs root; /* mounted for a stopped container */
	int fd;
	char *rel;
	/* A running container with a user namespace: its view is idmapped (userns.h). Copies
	 * into it translate owners with in and make entries as root_uid/root_gid (the host ids
	 * of its root); copies out of it translate with out. NULL/unused otherwise. */
	const struct idshift *in, *out;
	uid_t root_uid;
	gid_t root_gid;
	struct idshift shift_in, shift_out;
	struct idshift_range *uids, *gids;
};
int eng_rootfs_view(const struct eng_store *s, const char *id, const char *path,
		    struct eng_view *out, struct berr **err);
void eng_rootfs_view_release(struct eng_view *v);

/* What the container changed against its image, as Docker's /containers/{id}/changes lists it:
 * [{"Path": "/path", "Kind": k}], sorted by path; `docker diff` prints k as C, A, D. */
enum eng_change_kind { ENG_CHANGE_MODIFIED = 0, ENG_CHANGE_ADDED = 1, ENG_CHANGE_DELETED = 2 };
json_t *eng_rootfs_changes(const struct eng_store *s, const char *id, struct berr **err);

#endif
