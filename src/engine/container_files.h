/* A container's files for cp, export and diff, which both front ends serve: `berth cp/export/diff`
 * and the API's /containers/{id}/archive (GET, HEAD, PUT), /export and /changes.
 *
 * A path the user names is taken as the container sees it (rootfs.h's eng_rootfs_view: a running
 * container's through its process, its volumes and binds in place; a stopped one's root mounted,
 * or the volume's or bind's source) and is resolved inside that root only (path_open_in_root): a
 * symbolic link in the container that points at "/" or ".." never reaches the host. Names follow
 * Docker's (daemon/archive.go, pkg/archive's TarResourceRebase): the last name of the path as
 * given ("/etc/." is ".", "/etc/" is "etc", "/" is "/"), a last symbolic link not followed unless
 * the path ends in "/" or "/.". */
#ifndef BERTH_ENGINE_CONTAINER_FILES_H
#define BERTH_ENGINE_CONTAINER_FILES_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "engine/rootfs.h"

struct berr;
struct eng_store;

/* A path in a container, open for one copy (between eng_files_open and eng_files_close: a
 * stopped container's root stays mounted, under its mount.lock). A copy out is dockerd's
 * container event "archive-path", a copy in "extract-to-dir". */
struct eng_files {
	const struct eng_store *store;
	char id[65]; /* the container's (for its events) */
	struct eng_view view;
	char *path;     /* as given */
	char *name;     /* Docker's name of it: its last name as given */
	bool follow;    /* the path ends in "/" or "/.": its last name is followed if a link */
	const char *ro; /* NULL, or Docker's message for a path a write may not reach: the
			 * container's root is read-only (ReadonlyRootfs) or the mount is */
};
int eng_files_open(const struct eng_store *s, const char *id, const char *path,
		   struct eng_files *out, struct berr **err);
void eng_files_close(struct eng_files *f);

/* Docker's ContainerPathStat: the entry itself (lstat), mode in Go's os.FileMode bits, and for a
 * symbolic link its target fully resolved inside the container, as an absolute path. */
struct eng_path_stat {
	const char *name; /* the eng_files' */
	int64_t size;
	uint32_t mode;
	struct timespec mtime;
	char *link_target; /* "" unless a link */
};
int eng_files_stat(const struct eng_files *f, struct eng_path_stat *out, struct berr **err);
void eng_path_stat_free(struct eng_path_stat *st);
/* {"name", "size", "mode", "mtime" (RFC 3339, nanoseconds), "linkTarget"}, as dockerd sends it
 * (base64) in X-Docker-Container-Path-Stat. */
json_t *eng_path_stat_json(const struct eng_path_stat *st);

/* The entry as a tar on out_fd, named by f->name. follow (berth cp -L): a last symbolic link is
 * followed (inside the root), its target named as the link. */
int eng_files_tar_out(const struct eng_files *f, bool follow, int out_fd, struct berr **err);
/* A tar from tar_fd extracted into the directory f names (a last symbolic link followed, as
 * Docker's): image/layer.h's img_layer_untar, whose rules keep every entry inside it. Errors:
 * ENOENT (no such path), ENOTDIR (not a directory), EROFS (f->ro), EEXIST (a directory and a
 * non-directory would replace one another). */
int eng_files_tar_in(const struct eng_files *f, int tar_fd, struct berr **err);
/* eng_files_tar_in with every entry owned by owner (NULL: the tar's owners). */
struct img_owner;
int eng_files_tar_in_owned(const struct eng_files *f, int tar_fd, const struct img_owner *owner,
			   struct berr **err);
/* The same, and with replace_dir_nondir a directory and a non-directory replace one another
 * (Docker's noOverwriteDirNonDir=false, its API's default); without it that is EEXIST with
 * dockerd's message, the entry named as the container sees it: `cannot overwrite directory
 * "/tmp/d" with non-directory "/tmp"` (a running container's path with its links resolved, as
 * dockerd's; a stopped one's as given, cleaned). */
int eng_files_tar_in_opts(const struct eng_files *f, int tar_fd, const struct img_owner *owner,
			  bool replace_dir_nondir, struct berr **err);
/* The owner `cp -a` (copyUIDGID) gives what it copies into container id: its User resolved
 * against its own /etc/passwd and /etc/group (Docker's tarCopyOptions; dockerd looks the name
 * up on the host, which is its bug). 0 with *out_set false when the container has no User
 * (the tar's owners stay, as Docker's). Call it before eng_files_open: it takes the root. */
int eng_files_owner(const struct eng_store *s, const char *id, struct img_owner *out, bool *out_set,
		    struct berr **err);
/* berth cp CONTAINER:SRC HOSTPATH and HOSTPATH CONTAINER:DEST: the entry into (an existing
 * directory) or as host_dest; host_src into (an existing directory) or as f's path. */
int eng_files_copy_out(const struct eng_files *f, const char *host_dest, struct berr **err);
int eng_files_copy_in(const struct eng_files *f, const char *host_src, struct berr **err);
/* eng_files_copy_in with what is copied owned by owner (NULL: the files' own owners). */
int eng_files_copy_in_owned(const struct eng_files *f, const char *host_src,
			    const struct img_owner *owner, struct berr **err);

/* The whole root of container id (acquired with eng_rootfs_acquire) as a tar on out_fd:
 * export, dockerd's container event "export". */
int eng_files_export(const struct eng_store *s, const char *id, const struct eng_rootfs *root,
		     int out_fd, struct berr **err);

#endif
