/* Layers copied with their owners shifted (see layer_chown.h). A layer's tree is what someone
 * uploaded: the copy walks it with directory fds and O_NOFOLLOW and makes every entry with *at()
 * calls on the copy's own directory fds, so no name in it (a symbolic link where a directory
 * was, "..") can take the copy outside its directory or make it read a file outside the
 * layer. Attributes are read and written by name under /proc/self/fd/<dir fd> with the l*xattr
 * calls: the directory is an fd of ours, the last name is never followed. */
#include "image/layer_chown.h"

#include <dirent.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "image/store.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/idshift.h"
#include "util/xalloc.h"

#define DEPTH_MAX     512
#define ACL_USER_TAG  0x02 /* acl/include/acl_ea.h: ACL_USER, ACL_GROUP */
#define ACL_GROUP_TAG 0x08

struct link {
	dev_t dev;
	ino_t ino;
	char *path; /* relative to the copy's top */
};

struct copy {
	const struct idshift *map;
	int top; /* the copy's top directory */
	struct link *links;
	size_t n_links, cap_links;
	char *names, *value; /* XATTR_LIST_MAX and XATTR_SIZE_MAX bytes */
};

void img_layer_chown_key(const struct idshift *map, char out_key[SHA256_HEX_LEN + 1])
{
	struct sha256 h;
	sha256_init(&h);
	const struct idshift_range *v[2] = {map->uid, map->gid};
	size_t n[2] = {map->n_uid, map->n_gid};
	for (size_t k = 0; k < 2; k++) {
		sha256_update(&h, k ? "g" : "u", 1);
		for (size_t i = 0; i < n[k]; i++) {
			char r[40];
			int len = snprintf(r, sizeof(r), "%u:%u:%u,", v[k][i].inside,
					   v[k][i].outside, v[k][i].count);
			sha256_update(&h, r, (size_t)len);
		}
	}
	uint8_t bin[SHA256_LEN];
	sha256_final(&h, bin);
	digest_to_hex(bin, SHA256_LEN, out_key);
}

/* The ids inside an attribute's value: a v3 file capability's root id (capability.h's
 * vfs_ns_cap_data; v2 has none and means the root of whichever namespace runs the file) and
 * the users and groups of a POSIX ACL (acl_ea.h's little-endian entries). */
static void shift_value(const struct idshift *map, const char *name, char *v, size_t len)
{
	if (!strcmp(name, "security.capability") && len == sizeof(struct vfs_ns_cap_data)) {
		struct vfs_ns_cap_data cap;
		memcpy(&cap, v, len);
		if ((le32toh(cap.magic_etc) & VFS_CAP_REVISION_MASK) != VFS_CAP_REVISION_3)
			return;
		cap.rootid = htole32(idshift_uid(map, le32toh(cap.rootid)));
		memcpy(v, &cap, len);
		return;
	}
	if (strcmp(name, "system.posix_acl_access") && strcmp(name, "system.posix_acl_default"))
		return;
	for (size_t off = 4; off + 8 <= len; off += 8) {
		uint16_t tag;
		uint32_t id;
		memcpy(&tag, v + off, 2);
		memcpy(&id, v + off + 4, 4);
		if (le16toh(tag) == ACL_USER_TAG)
			id = htole32(idshift_uid(map, le32toh(id)));
		else if (le16toh(tag) == ACL_GROUP_TAG)
			id = htole32(idshift_gid(map, le32toh(id)));
		memcpy(v + off + 4, &id, 4);
	}
}

static int copy_xattrs(struct copy *c, int from, const char *from_name, int to, const char *name,
		       struct berr **err)
{
	autofree char *src = xasprintf("/proc/self/fd/%d/%s", from, from_name);
	autofree char *dst = xasprintf("/proc/self/fd/%d/%s", to, name);
	ssize_t n = llistxattr(src, c->names, XATTR_LIST_MAX);
	if (n < 0 && (errno == ENOTSUP || errno == EOPNOTSUPP))
		return 0;
	if (n < 0)
		return berr_set(err, errno, "list the attributes of '%s'", name);
	for (char *k = c->names; k < c->names + n; k += strlen(k) + 1) {
		ssize_t len = lgetxattr(src, k, c->value, XATTR_SIZE_MAX);
		if (len < 0 && errno == ENODATA)
			continue;
		if (len < 0)
			return berr_set(err, errno, "read '%s' of '%s'", k, name);
		shift_value(c->map, k, c->value, (size_t)len);
		if (lsetxattr(dst, k, c->value, (size_t)len, 0) < 0)
			return berr_set(err, errno, "set '%s' on '%s'", k, name);
	}
	return 0;
}

/* Owner, mode, attributes, times, in that order: chown(2) drops the set-id bits and the file
 * capability, so they come after it. */
static int set_meta(struct copy *c, const struct stat *st, int from, const char *from_name, int to,
		    const char *name, struct berr **err)
{
	if (fchownat(to, name, idshift_uid(c->map, st->st_uid), idshift_gid(c->map, st->st_gid),
		     AT_SYMLINK_NOFOLLOW) < 0)
		return berr_set(err, errno, "chown '%s'", name);
	/* what we made is no symbolic link: the name is not followed anywhere */
	if (!S_ISLNK(st->st_mode) && fchmodat(to, name, st->st_mode & 07777, 0) < 0)
		return berr_set(err, errno, "chmod '%s'", name);
	int r = copy_xattrs(c, from, from_name, to, name, err);
	if (r < 0)
		return r;
	struct timespec t[2] = {st->st_atim, st->st_mtim};
	if (utimensat(to, name, t, AT_SYMLINK_NOFOLLOW) < 0)
		return berr_set(err, errno, "set the times of '%s'", name);
	return 0;
}

static int copy_data(int in, int out, const char *name, struct berr **err)
{
	if (ioctl(out, FICLONE, in) == 0) /* btrfs, xfs: shared extents */
		return 0;
	bool plain = false;
	for (;;) {
		ssize_t n = plain ? 0 : copy_file_range(in, NULL, out, NULL, 1 << 30, 0);
		if (n == 0 && !plain)
			return 0;
		if (n < 0 &&
		    (errno == EXDEV || errno == EINVAL || errno == EOPNOTSUPP || errno == ENOSYS) &&
		    !plain && lseek(out, 0, SEEK_CUR) == 0)
			plain = true; /* a file system that copies no range: read and write */
		else if (n < 0)
			return berr_set(err, errno, "copy '%s'", name);
		if (!plain)
			continue;
		char buf[65536];
		ssize_t got = read(in, buf, sizeof(buf));
		if (got < 0)
			return berr_set(err, errno, "read '%s'", name);
		if (got == 0)
			return 0;
		if (fs_write_all(out, buf, (size_t)got) < 0)
			return berr_set(err, errno, "write '%s'", name);
	}
}

/* 1: a hard link to a file copied before (its inode is done). */
static int copy_file(struct copy *c, int from, int to, const char *name, const struct stat *st,
		     const char *path, struct berr **err)
{
	for (size_t i = 0; st->st_nlink > 1 && i < c->n_links; i++)
		if (c->links[i].dev == st->st_dev && c->links[i].ino == st->st_ino) {
			if (linkat(c->top, c->links[i].path, to, name, 0) < 0)
				return berr_set(err, errno, "link '%s'", path);
			return 1;
		}
	autoclose int in = fs_open_regular(from, name, st, err);
	if (in < 0)
		return in;
	autoclose int out =
	    openat(to, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (out < 0)
		return berr_set(err, errno, "create '%s'", path);
	int r = copy_data(in, out, path, err);
	if (r < 0 || st->st_nlink < 2)
		return r;
	if (c->n_links == c->cap_links) {
		c->cap_links = c->cap_links ? c->cap_links * 2 : 16;
		c->links = xrealloc(c->links, c->cap_links * sizeof(*c->links));
	}
	c->links[c->n_links++] = (struct link){st->st_dev, st->st_ino, xstrdup(path)};
	return 0;
}

static int copy_children(struct copy *c, int from, int to, const char *path, int depth,
			 struct berr **err);

static int copy_entry(struct copy *c, int from, int to, const char *name, const char *rel,
		      int depth, struct berr **err)
{
	struct stat st;
	autofree char *path = *rel ? xasprintf("%s/%s", rel, name) : xstrdup(name);
	if (fstatat(from, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return berr_set(err, errno, "stat '%s'", path);
	int r = 0;
	if (S_ISDIR(st.st_mode)) {
		if (depth > DEPTH_MAX)
			return berr_plain(err, ELOOP, "'%s': more than %d directories deep", path,
					  DEPTH_MAX);
		if (mkdirat(to, name, 0700) < 0)
			return berr_set(err, errno, "create '%s'", path);
		autoclose int sub_from = fs_open_dir(from, name);
		autoclose int sub_to = fs_open_dir(to, name);
		if (sub_from < 0 || sub_to < 0)
			return berr_set(err, errno, "open '%s'", path);
		r = copy_children(c, sub_from, sub_to, path, depth + 1, err);
	} else if (S_ISREG(st.st_mode)) {
		r = copy_file(c, from, to, name, &st, path, err);
	} else if (S_ISLNK(st.st_mode)) {
		char target[PATH_MAX];
		ssize_t n = readlinkat(from, name, target, sizeof(target) - 1);
		if (n < 0)
			return berr_set(err, errno, "readlink '%s'", path);
		target[n] = '\0';
		if (symlinkat(target, to, name) < 0)
			return berr_set(err, errno, "symlink '%s'", path);
	} else if (mknodat(to, name, (st.st_mode & S_IFMT) | 0600, st.st_rdev) < 0) {
		/* devices (overlayfs' whiteouts are 0/0 ones), fifos, sockets */
		return berr_set(err, errno, "mknod '%s'", path);
	}
	if (r != 0)
		return r < 0 ? r : 0;
	return set_meta(c, &st, from, name, to, name, err);
}

static int copy_children(struct copy *c, int from, int to, const char *path, int depth,
			 struct berr **err)
{
	autoclosedir DIR *d = fs_opendir_at(from, NULL);
	if (!d)
		return berr_set(err, errno, "read '%s'", path);
	struct dirent *de;
	while ((de = fs_readdir(d))) {
		int r = copy_entry(c, from, to, de->d_name, path, depth, err);
		if (r < 0)
			return r;
	}
	return errno ? berr_set(err, errno, "read '%s'", path) : 0;
}

/* The layer's diff/ copied into dir/tmp. */
static int copy_layer(int layer, int dir, const char *tmp, const struct idshift *map,
		      struct berr **err)
{
	struct stat st;
	if (fstatat(layer, "diff", &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode))
		return berr_set(err, errno ? errno : ENOTDIR, "open the layer's tree");
	if (mkdirat(dir, tmp, 0700) < 0)
		return berr_set(err, errno, "create '%s'", tmp);
	autoclose int from = fs_open_dir(layer, "diff");
	autoclose int to = fs_open_dir(dir, tmp);
	if (from < 0 || to < 0)
		return berr_set(err, errno, "open the layer's tree");
	struct copy c = {.map = map,
			 .top = to,
			 .names = xmalloc(XATTR_LIST_MAX),
			 .value = xmalloc(XATTR_SIZE_MAX)};
	int r = copy_children(&c, from, to, "", 1, err);
	if (r == 0)
		r = set_meta(&c, &st, layer, "diff", dir, tmp, err);
	for (size_t i = 0; i < c.n_links; i++)
		free(c.links[i].path);
	free(c.links);
	free(c.names);
	free(c.value);
	return r;
}

/* 1: made; 0: another maker's rename won. Nothing is left on failure. */
static int make(struct img_store *s, int dir, const char *hex, const char *name,
		const struct idshift *map, struct berr **err)
{
	autofree char *layer = xasprintf("layers/%s", hex);
	autoclose int lfd = openat(s->dirfd, layer, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (lfd < 0)
		return berr_set(err, errno, "open '%s/%s'", s->root, layer);
	char tmp[64 + 2 * SHA256_HEX_LEN];
	snprintf(tmp, sizeof(tmp), ".tmp-%d-%s", (int)getpid(), name);
	int r = copy_layer(lfd, dir, tmp, map, err);
	if (r == 0 && renameat(dir, tmp, dir, name) == 0)
		return 1;
	if (r == 0 && errno != EEXIST && errno != ENOTEMPTY)
		r = berr_set(err, errno, "rename '%s'", tmp);
	(void)fs_rm_rf(dir, tmp, NULL);
	if (r < 0)
		(void)unlinkat(s->dirfd, IMG_LAYER_CHOWN_DIR, AT_REMOVEDIR); /* when empty */
	return r;
}

int img_layer_chown_get(struct img_store *s, const char *chain, const struct idshift *map,
			char **out_path, bool *out_made, struct berr **err)
{
	char hex[SHA256_HEX_LEN + 1], key[SHA256_HEX_LEN + 1];
	if (digest_parse(chain, hex, err) < 0)
		return berr_ret(err);
	img_layer_chown_key(map, key);
	autofree char *name = xasprintf("%s.%s", hex, key);
	if (mkdirat(s->dirfd, IMG_LAYER_CHOWN_DIR, 0700) < 0 && errno != EEXIST)
		return berr_set(err, errno, "create '%s/" IMG_LAYER_CHOWN_DIR "'", s->root);
	autoclose int dir = fs_open_dir(s->dirfd, IMG_LAYER_CHOWN_DIR);
	if (dir < 0)
		return berr_set(err, -dir, "open '%s/" IMG_LAYER_CHOWN_DIR "'", s->root);
	int r = 0;
	if (faccessat(dir, name, F_OK, AT_SYMLINK_NOFOLLOW) < 0)
		r = make(s, dir, hex, name, map, err);
	if (r < 0)
		return berr_wrap(err, "copy layer %.12s with its owners shifted", hex);
	*out_path = xasprintf(IMG_LAYER_CHOWN_DIR "/%s", name);
	*out_made = r > 0;
	return 0;
}

/* A temp directory whose maker is gone (".tmp-PID-..."). */
static bool stale_tmp(const char *name)
{
	char *end;
	long pid = strtol(name + 5, &end, 10);
	return *end == '-' && pid > 0 && kill((pid_t)pid, 0) < 0 && errno == ESRCH;
}

int img_layer_chown_prune(struct img_store *s,
			  bool (*keep)(void *ctx, const char *hex, const char *key), void *ctx,
			  struct berr **err)
{
	autoclose int dir = fs_open_dir(s->dirfd, IMG_LAYER_CHOWN_DIR);
	if (dir < 0)
		return dir == -ENOENT ? 0 : berr_set(err, -dir, "open " IMG_LAYER_CHOWN_DIR);
	autoclosedir DIR *d = fs_opendir_at(dir, NULL);
	if (!d)
		return berr_set(err, errno, "read " IMG_LAYER_CHOWN_DIR);
	struct dirent *de;
	int r = 0;
	while ((de = fs_readdir(d))) {
		const char *n = de->d_name;
		char hex[SHA256_HEX_LEN + 1];
		bool go;
		if (!strncmp(n, ".tmp-", 5)) {
			go = stale_tmp(n);
		} else if (strlen(n) == 2 * SHA256_HEX_LEN + 1 && n[SHA256_HEX_LEN] == '.') {
			memcpy(hex, n, SHA256_HEX_LEN);
			hex[SHA256_HEX_LEN] = '\0';
			go = !keep(ctx, hex, n + SHA256_HEX_LEN + 1);
		} else {
			continue; /* not ours */
		}
		if (go && r == 0)
			r = fs_rm_rf(dir, n, err);
	}
	(void)unlinkat(s->dirfd, IMG_LAYER_CHOWN_DIR, AT_REMOVEDIR); /* when empty */
	return r;
}
