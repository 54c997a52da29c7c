/* Container roots outside the monitor's lifetime, and their changes (see rootfs.h). */
#include "engine/rootfs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "engine/container.h"
#include "engine/executor.h"
#include "engine/layer_copies.h"
#include "engine/userns.h"
#include "engine/volume.h"
#include "image/snapshot.h"
#include "image/store.h"
#include "runtime/namespace.h"
#include "runtime/spec.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/path.h"
#include "util/xalloc.h"

#define WALK_DEPTH_MAX 256

static bool is_mounted(const char *dir)
{
	struct stat a, b;
	autofree char *parent = xasprintf("%s/..", dir);
	return stat(dir, &a) == 0 && stat(parent, &b) == 0 && a.st_dev != b.st_dev;
}

int eng_rootfs_mount(const struct eng_store *s, const char *id, json_t *rec, struct berr **err)
{
	autofree char *rootfs = eng_container_path(s, id, "rootfs");
	if (is_mounted(rootfs))
		return 0;
	autofree char *upper = eng_container_path(s, id, "diff");
	autofree char *work = eng_container_path(s, id, "work");
	if (fs_mkdir_p(upper, 0755, err) < 0 || fs_mkdir_p(work, 0700, err) < 0 ||
	    fs_mkdir_p(rootfs, 0755, err) < 0)
		return berr_ret(err);
	autoptr(img_store) st = NULL;
	if (img_store_open(s->root, &st, err) < 0)
		return berr_ret(err);
	json_t *layers = json_object_get(rec, "Layers");
	size_t n = json_array_size(layers);
	char **chains = xcalloc(n + 1, sizeof(char *));
	for (size_t i = 0; i < n; i++)
		chains[i] = (char *)json_string_value(json_array_get(layers, i));
	/* --rm: the changes go with the container, so nothing syncs them (podman's rule) */
	bool vol = json_is_true(json_object_get(json_object_get(rec, "HostConfig"), "AutoRemove"));
	int r = vol ? img_snapshot_mount_volatile(st, chains, n, upper, work, rootfs, err)
		    : img_snapshot_mount(st, chains, n, upper, work, rootfs, err);
	free(chains);
	return r;
}

static int lock_mount(const struct eng_store *s, const char *id, struct berr **err)
{
	autofree char *path = eng_container_path(s, id, "mount.lock");
	return fs_lock(path, err);
}

/* The runtime binds the root as the container's root user, whose host ids own nothing
 * outside: it must be able to pass through the store's directories to reach it. The store
 * and containers/ get search permission for others (not read: names stay hidden), the
 * container's own directory search permission for its root's group alone. */
static int grant_traverse(const struct eng_store *s, const char *dir, gid_t gid, struct berr **err)
{
	autofree char *containers = xasprintf("%s/containers", s->root);
	const char *up[] = {s->root, containers};
	for (size_t i = 0; i < 2; i++) {
		struct stat st;
		if (stat(up[i], &st) < 0)
			return berr_set(err, errno, "stat '%s'", up[i]);
		if (!(st.st_mode & S_IXOTH) && chmod(up[i], (st.st_mode & 07777) | S_IXOTH) < 0)
			return berr_set(err, errno, "chmod '%s'", up[i]);
	}
	if (chown(dir, 0, gid) < 0 || chmod(dir, 0710) < 0)
		return berr_set(err, errno, "give '%s' to the container's root group", dir);
	return 0;
}

/* A container with a user namespace: its root as an overlay of idmapped layers. Volumes are
 * filled from the image first, through a plain mount, so they keep the ids the image has on
 * disk (their binds are idmapped the same way). */
static int mount_idmapped(const struct eng_store *s, const char *id, json_t *rec, struct berr **err)
{
	json_t *hc = json_object_get(rec, "HostConfig");
	json_t *maps = json_object_get(hc, "IDMappings");
	autofree char *rootfs = eng_container_path(s, id, "rootfs");
	if (is_mounted(rootfs))
		(void)umount2(rootfs, MNT_DETACH); /* not ours: a killed cp's */
	size_t i;
	json_t *m;
	bool volumes = false;
	json_array_foreach(json_object_get(hc, "Mounts"), i, m) volumes |=
	    !strcmp(json_string_value(json_object_get(m, "Type")) ?: "", "volume");
	if (volumes) {
		int r = eng_rootfs_mount(s, id, rec, err);
		if (r < 0)
			return r;
		r = eng_mounts_populate(s, json_object_get(hc, "Mounts"), rootfs, err);
		(void)umount2(rootfs, MNT_DETACH);
		if (r < 0)
			return r;
	}
	autofree struct rt_idmap *u = NULL, *g = NULL;
	int nu = eng_userns_idmaps(json_object_get(maps, "UidMap"), &u);
	int ng = eng_userns_idmaps(json_object_get(maps, "GidMap"), &g);
	if (nu <= 0 || ng <= 0)
		return berr_plain(err, EINVAL, "container %.12s: bad IDMappings", id);
	uid_t root_uid = (uid_t)eng_userns_root_id(json_object_get(maps, "UidMap"));
	gid_t root_gid = (gid_t)eng_userns_root_id(json_object_get(maps, "GidMap"));
	autoclose int ns = rt_ns_userns_fd(u, (size_t)nu, g, (size_t)ng, false, err);
	if (ns < 0)
		return ns;
	autoptr(img_store) st = NULL;
	if (img_store_open(s->root, &st, err) < 0)
		return berr_ret(err);
	autofree char *dir = eng_container_path(s, id, NULL);
	int r = grant_traverse(s, dir, root_gid, err);
	if (r < 0)
		return r;
	int mapped = eng_userns_mount_mapped(s, id, rec, err); /* rootless: fuse-overlayfs */
	if (mapped != 0)
		return mapped < 0 ? mapped : 0;
	autofree char *upper = eng_container_path(s, id, "diff");
	autofree char *work = eng_container_path(s, id, "work");
	autofree char *scratch = eng_container_path(s, id, "idmap");
	if (fs_mkdir_p(upper, 0755, err) < 0 || fs_mkdir_p(work, 0700, err) < 0 ||
	    fs_mkdir_p(rootfs, 0755, err) < 0)
		return berr_ret(err);
	json_t *layers = json_object_get(rec, "Layers");
	size_t n = json_array_size(layers);
	autofree char **chains = xcalloc(n + 1, sizeof(char *));
	for (i = 0; i < n; i++)
		chains[i] = (char *)json_string_value(json_array_get(layers, i));
	/* for a layer whose file system refuses the idmapping; those no container uses go */
	autofree struct idshift *map = eng_layer_copies_shift(maps);
	(void)eng_layer_copies_prune(s, NULL);
	autoclose int held = eng_layer_copies_hold(s, err); /* until the overlay holds them */
	if (held < 0)
		return held;
	return img_snapshot_mount_idmapped(st, chains, n, dir, ns, map, root_uid, root_gid, scratch,
					   rootfs, err);
}

int eng_rootfs_mount_locked(const struct eng_store *s, const char *id, json_t *rec,
			    struct berr **err)
{
	autoclose int lock = lock_mount(s, id, err);
	if (lock < 0)
		return lock;
	if (json_object_get(json_object_get(json_object_get(rec, "HostConfig"), "IDMappings"),
			    "UidMap"))
		return mount_idmapped(s, id, rec, err);
	return eng_rootfs_mount(s, id, rec, err);
}

int eng_rootfs_acquire(const struct eng_store *s, const char *id, struct eng_rootfs *out,
		       struct berr **err)
{
	memset(out, 0, sizeof(*out));
	out->lock_fd = -1;
	out->path = eng_container_path(s, id, "rootfs");
	if (is_mounted(out->path))
		return 0; /* the monitor's: it stays while the container runs */
	out->lock_fd = lock_mount(s, id, err);
	json_t *rec = out->lock_fd >= 0 ? eng_container_load(s, id, err) : NULL;
	int r = rec ? 0 : berr_ret(err);
	/* between our look and the lock a start may have mounted it */
	if (r == 0 && !is_mounted(out->path)) {
		r = eng_rootfs_mount(s, id, rec, err);
		out->mounted_here = r == 0;
	}
	json_decref(rec);
	if (r < 0)
		eng_rootfs_release(out);
	return r;
}

void eng_rootfs_release(struct eng_rootfs *r)
{
	if (r->mounted_here)
		(void)umount2(r->path, MNT_DETACH);
	if (r->lock_fd >= 0)
		(void)close(r->lock_fd);
	free(r->path);
	memset(r, 0, sizeof(*r));
	r->lock_fd = -1;
}

/* ---- a path as the container sees it ---- */

/* The running container's root through its process, or -1. */
static int process_root(const struct eng_store *s, const char *id)
{
	/* a VM's process is QEMU, whose root is the host's: its files are the overlay's */
	if (eng_container_is_vm(s, id))
		return -1;
	json_t *st = eng_state_load(s, id);
	int fd = eng_state_proc_open(st, "root", O_PATH | O_DIRECTORY, NULL);
	json_decref(st);
	return fd < 0 ? -1 : fd;
}

/* The mount of the plan whose destination is the longest prefix of path (clean). */
static json_t *mount_for(json_t *rec, const char *path, size_t *out_len)
{
	json_t *best = NULL;
	size_t best_len = 0, i;
	json_t *m;
	json_array_foreach(json_object_get(json_object_get(rec, "HostConfig"), "Mounts"), i, m)
	{
		if (!strcmp(json_string_value(json_object_get(m, "Type")), "tmpfs"))
			continue;
		autofree char *dst =
		    path_clean(json_string_value(json_object_get(m, "Destination")));
		size_t n = strlen(dst);
		if (n > best_len && !strncmp(path, dst, n) && (path[n] == '/' || !path[n])) {
			best = m;
			best_len = n;
		}
	}
	*out_len = best_len;
	return best;
}

static int stopped_view(const struct eng_store *s, const char *id, const char *path,
			struct eng_view *out, struct berr **err)
{
	int r = eng_rootfs_acquire(s, id, &out->root, err);
	if (r < 0)
		return r;
	json_t *rec = eng_container_load(s, id, err);
	if (!rec)
		return berr_ret(err);
	autofree char *abs = xasprintf("/%s", path);
	autofree char *clean = path_clean(abs);
	size_t n = 0;
	json_t *m = mount_for(rec, clean, &n);
	autofree char *dir = NULL;
	if (!m) {
		dir = xstrdup(out->root.path);
		out->rel = xstrdup(clean);
	} else {
		const char *src = json_string_value(json_object_get(m, "Source"));
		dir = !strcmp(json_string_value(json_object_get(m, "Type")), "volume")
			  ? eng_volume_data(s, src)
			  : xstrdup(src);
		out->rel = xstrdup(clean[n] ? clean + n : "/");
	}
	json_decref(rec);
	out->fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (out->fd < 0)
		return berr_set(err, errno, "open '%s'", dir);
	return 0;
}

/* The owner translations of a running container's idmapped view (maps: its IDMappings). */
static int idmapped_view(struct eng_view *v, json_t *maps, struct berr **err)
{
	json_t *ul = json_object_get(maps, "UidMap"), *gl = json_object_get(maps, "GidMap");
	if (!json_array_size(ul))
		return 0;
	int64_t uid = eng_userns_host_id(ul, 0), gid = eng_userns_host_id(gl, 0);
	size_t nu = json_array_size(ul), ng = json_array_size(gl);
	v->uids = xcalloc(nu, sizeof(*v->uids));
	v->gids = xcalloc(ng ? ng : 1, sizeof(*v->gids));
	json_t *lists[2] = {ul, gl};
	struct idshift_range *into[2] = {v->uids, v->gids};
	for (size_t k = 0; k < 2; k++) {
		struct rt_idmap *m = NULL;
		int n = eng_userns_idmaps(lists[k], &m);
		if (n < 0 || uid < 0 || gid < 0) {
			free(m);
			return berr_plain(err, EINVAL, "bad IDMappings in the container's record");
		}
		for (int i = 0; i < n; i++)
			into[k][i] =
			    (struct idshift_range){m[i].container_id, m[i].host_id, m[i].size};
		free(m);
	}
	v->shift_in = (struct idshift){v->uids, v->gids, nu, ng, false};
	v->shift_out = (struct idshift){v->uids, v->gids, nu, ng, true};
	v->in = &v->shift_in;
	v->out = &v->shift_out;
	v->root_uid = (uid_t)uid;
	v->root_gid = (gid_t)gid;
	return 0;
}

int eng_rootfs_view(const struct eng_store *s, const char *id, const char *path,
		    struct eng_view *out, struct berr **err)
{
	memset(out, 0, sizeof(*out));
	out->root.lock_fd = -1;
	out->fd = process_root(s, id);
	if (out->fd >= 0) {
		autofree char *abs = xasprintf("/%s", path);
		out->rel = path_clean(abs);
		json_t *rec = eng_container_load(s, id, NULL);
		int r = idmapped_view(
		    out, json_object_get(json_object_get(rec, "HostConfig"), "IDMappings"), err);
		json_decref(rec);
		if (r < 0)
			eng_rootfs_view_release(out);
		return r;
	}
	int r = stopped_view(s, id, path, out, err);
	if (r < 0)
		eng_rootfs_view_release(out);
	return r;
}

void eng_rootfs_view_release(struct eng_view *v)
{
	if (v->fd >= 0)
		(void)close(v->fd);
	eng_rootfs_release(&v->root);
	free(v->rel);
	free(v->uids);
	free(v->gids);
	memset(v, 0, sizeof(*v));
	v->fd = -1;
	v->root.lock_fd = -1;
}

/* ---- changes ---- */

struct walk {
	int *lowers; /* the image's layer trees, top first */
	size_t n_lowers;
	json_t *out;
};

/* Whether path (relative, "a/b") is in one of the image's layers (not hidden by a whiteout
 * above it is close enough for `diff`'s C/A distinction). */
static bool in_image(struct walk *w, const char *rel)
{
	for (size_t i = 0; i < w->n_lowers; i++) {
		autoclose int fd =
		    path_open_in_root(w->lowers[i], rel, O_PATH | O_NOFOLLOW, 0, NULL);
		if (fd >= 0)
			return true;
	}
	return false;
}

static json_t *change(const char *path, enum eng_change_kind kind)
{
	return json_pack("{s:s, s:i}", "Path", path, "Kind", (int)kind);
}

static void walk(struct walk *w, int dir, const char *prefix, int depth)
{
	if (depth > WALK_DEPTH_MAX)
		return;
	int dup = fcntl(dir, F_DUPFD_CLOEXEC, 3);
	DIR *d = dup >= 0 ? fdopendir(dup) : NULL;
	if (!d) {
		if (dup >= 0)
			(void)close(dup);
		return;
	}
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		autofree char *rel = xasprintf("%s/%s", prefix, de->d_name);
		struct stat st;
		if (fstatat(dir, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		/* overlayfs' whiteout: a 0:0 character device */
		if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0)) {
			json_array_append_new(w->out, change(rel, ENG_CHANGE_DELETED));
			continue;
		}
		json_array_append_new(w->out, change(rel, in_image(w, rel + 1) ? ENG_CHANGE_MODIFIED
									       : ENG_CHANGE_ADDED));
		if (S_ISDIR(st.st_mode)) {
			autoclose int sub = openat(dir, de->d_name,
						   O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub >= 0)
				walk(w, sub, rel, depth + 1);
		}
	}
	closedir(d);
}

static int cmp_change(const void *a, const void *b)
{
	const char *x = json_string_value(json_object_get(*(json_t *const *)a, "Path"));
	const char *y = json_string_value(json_object_get(*(json_t *const *)b, "Path"));
	return strcmp(x, y);
}

json_t *eng_rootfs_changes(const struct eng_store *s, const char *id, struct berr **err)
{
	json_t *rec = eng_container_load(s, id, err);
	if (!rec)
		return NULL;
	json_t *layers = json_object_get(rec, "Layers");
	struct walk w = {.out = json_array()};
	w.lowers = xcalloc(json_array_size(layers) + 1, sizeof(int));
	for (size_t i = json_array_size(layers); i-- > 0;) {
		const char *chain = json_string_value(json_array_get(layers, i));
		autofree char *dir =
		    xasprintf("%s/layers/%s/diff", s->root, chain ? chain + 7 : "");
		int fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (fd >= 0)
			w.lowers[w.n_lowers++] = fd;
	}
	autofree char *upper = eng_container_path(s, id, "diff");
	autoclose int fd = open(upper, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0)
		walk(&w, fd, "", 0);
	for (size_t i = 0; i < w.n_lowers; i++)
		(void)close(w.lowers[i]);
	free(w.lowers);
	json_decref(rec);
	/* sort by path, as docker diff prints them */
	size_t n = json_array_size(w.out);
	json_t **v = xcalloc(n + 1, sizeof(json_t *));
	for (size_t i = 0; i < n; i++)
		v[i] = json_incref(json_array_get(w.out, i));
	qsort(v, n, sizeof(json_t *), cmp_change);
	json_t *sorted = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(sorted, v[i]);
	free(v);
	json_decref(w.out);
	return sorted;
}
