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
#include "engine/volume.h"
#include "image/snapshot.h"
#include "image/store.h"
#include "runtime/state.h"
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
		return -EIO;
	autoptr(img_store) st = NULL;
	if (img_store_open(s->root, &st, err) < 0)
		return -EIO;
	json_t *layers = json_object_get(rec, "Layers");
	size_t n = json_array_size(layers);
	char **chains = xcalloc(n + 1, sizeof(char *));
	for (size_t i = 0; i < n; i++)
		chains[i] = (char *)json_string_value(json_array_get(layers, i));
	int r = img_snapshot_mount(st, chains, n, upper, work, rootfs, err);
	free(chains);
	return r;
}

static int lock_mount(const struct eng_store *s, const char *id, struct berr **err)
{
	autofree char *path = eng_container_path(s, id, "mount.lock");
	return fs_lock(path, err);
}

int eng_rootfs_mount_locked(const struct eng_store *s, const char *id, json_t *rec,
			    struct berr **err)
{
	autoclose int lock = lock_mount(s, id, err);
	if (lock < 0)
		return -EIO;
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
	int r = rec ? 0 : -EIO;
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
	json_t *st = eng_state_load(s, id);
	pid_t pid = (pid_t)json_integer_value(json_object_get(st, "Pid"));
	uint64_t start = (uint64_t)json_integer_value(json_object_get(st, "PidStart"));
	json_decref(st);
	if (pid <= 0 || start == 0)
		return -1;
	char proc[64];
	snprintf(proc, sizeof(proc), "/proc/%d/root", (int)pid);
	int fd = open(proc, O_PATH | O_DIRECTORY | O_CLOEXEC);
	/* still the same process after the open: the fd is its root */
	if (fd >= 0 && rt_proc_start_time(pid) != start) {
		(void)close(fd);
		fd = -1;
	}
	return fd;
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
	if (eng_rootfs_acquire(s, id, &out->root, err) < 0)
		return -EIO;
	json_t *rec = eng_container_load(s, id, err);
	if (!rec)
		return -EIO;
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

int eng_rootfs_view(const struct eng_store *s, const char *id, const char *path,
		    struct eng_view *out, struct berr **err)
{
	memset(out, 0, sizeof(*out));
	out->root.lock_fd = -1;
	out->fd = process_root(s, id);
	if (out->fd >= 0) {
		autofree char *abs = xasprintf("/%s", path);
		out->rel = path_clean(abs);
		return 0;
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
			json_array_append_new(w->out, json_sprintf("D %s", rel));
			continue;
		}
		json_array_append_new(w->out,
				      json_sprintf("%c %s", in_image(w, rel + 1) ? 'C' : 'A', rel));
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
	const char *x = json_string_value(*(json_t *const *)a);
	const char *y = json_string_value(*(json_t *const *)b);
	return strcmp(x + 2, y + 2);
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
