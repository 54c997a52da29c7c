/* Layer apply with libarchive (see layer.h). */
#include "image/layer.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/digest.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/idshift.h"
#include "util/path.h"
#include "util/userns.h"
#include "util/xalloc.h"

#define WHITEOUT ".wh."
#define OPAQUE   ".wh..wh..opq"
#define MAX_DIRS (1 << 20)

/* Directories get their times last: writing their children would change them. */
struct dir_time {
	char *rel;
	struct timespec times[2];
};

struct apply {
	int rootfd;
	struct img_layer_stats *stats;
	struct dir_time *dirs;
	size_t n_dirs;
	/* the last parent directory opened: tars list a directory's entries together, so most
	 * entries reuse it instead of walking from the root again. Dropped whenever anything
	 * is removed (the fd could then name a directory no longer in the tree). */
	char *parent_rel;
	int parent_fd;
	/* img_layer_untar: ".wh." names are ordinary */
	bool plain;
	/* img_layer_untar unless asked otherwise: a directory never replaces a non-directory or
	 * the other way round (Docker's NoOverwriteDirNonDir), refused with Docker's message,
	 * which names the entry (entry, "/a/b") under dest (the directory as the caller names it)
	 */
	bool keep_dir_nondir;
	const char *dest, *entry;
};

static void forget_parent(struct apply *a)
{
	if (a->parent_fd >= 0)
		(void)close(a->parent_fd);
	a->parent_fd = -1;
	free(a->parent_rel);
	a->parent_rel = NULL;
}

/* The entry's name made relative and checked: no "..", not absolute, not empty. "./x" and
 * "x/" are fine. NULL (with err) when hostile. */
static char *entry_name(const char *raw, struct berr **err)
{
	if (!raw || raw[0] == '/') {
		berr_plain(err, EINVAL, "'%s' is an absolute name", raw ? raw : "");
		return NULL;
	}
	autofree char *clean = path_clean(raw);
	/* path_clean clamps ".." at "/": look for it in the raw name instead */
	for (const char *p = raw; *p;) {
		const char *slash = strchr(p, '/');
		size_t n = slash ? (size_t)(slash - p) : strlen(p);
		if (n == 2 && p[0] == '.' && p[1] == '.') {
			berr_plain(err, EINVAL, "'%s' leads out of the layer with '..'", raw);
			return NULL;
		}
		p += n + (slash ? 1 : 0);
	}
	return xstrdup(clean);
}

/* O_PATH fd of directory rel (relative, clean) under rootfd, made (0755) where missing. No
 * component may be a symbolic link or other non-directory. */
static int open_dir(int rootfd, const char *rel, bool create, struct berr **err)
{
	autoclose int cur = openat(rootfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	autofree char *copy = xstrdup(rel);
	for (char *c = strtok(copy, "/"); c && cur >= 0; c = strtok(NULL, "/")) {
		int fd = openat(cur, c, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 && errno == ENOENT && create && mkdirat(cur, c, 0755) == 0)
			fd = openat(cur, c, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return berr_set(err, errno == ENOENT ? ENOENT : ENOTDIR,
					"'%s': goes through a symbolic link or non-directory", rel);
		(void)close(cur);
		cur = fd;
	}
	return take_fd(&cur);
}

/* The fd of directory rel (see open_dir), the last one kept for the next entry. */
static int parent_dir(struct apply *a, const char *rel, bool create, struct berr **err)
{
	if (a->parent_rel && !strcmp(a->parent_rel, rel))
		return a->parent_fd;
	forget_parent(a);
	a->parent_fd = open_dir(a->rootfd, rel, create, err);
	if (a->parent_fd >= 0)
		a->parent_rel = xstrdup(rel);
	return a->parent_fd;
}

/* A layer's own user.overlay.* xattrs are dropped where overlayfs reads its marks from them
 * (a user namespace's "userxattr" mount, snapshot.c): an image must not redirect or make
 * opaque what it likes. */
static bool keep_xattr(const char *name)
{
	if (!strncmp(name, "user.overlay.", 13))
		return userns_is_initial();
	return !strncmp(name, "user.", 5) || !strcmp(name, "security.capability") ||
	       !strncmp(name, "system.posix_acl_", 17);
}

/* fd: O_PATH, not a symbolic link */
static int set_xattrs(int fd, struct archive_entry *e, struct berr **err)
{
	if (archive_entry_xattr_reset(e) == 0)
		return 0;
	char fdpath[32];
	const char *key;
	const void *value;
	size_t size;
	while (archive_entry_xattr_next(e, &key, &value, &size) == ARCHIVE_OK) {
		if (!keep_xattr(key))
			continue;
		if (setxattr(path_fd(fd, fdpath), key, value, size, 0) < 0)
			return berr_set(err, errno, "xattr %s", key);
	}
	return 0;
}

static int write_data(struct archive *ar, int fd, struct apply *a, struct berr **err)
{
	const void *buf;
	size_t size;
	int64_t offset;
	for (;;) {
		int r = archive_read_data_block(ar, &buf, &size, &offset);
		if (r == ARCHIVE_EOF)
			break;
		if (r != ARCHIVE_OK)
			return berr_plain(err, EIO, "layer data: %s", archive_error_string(ar));
		if (pwrite(fd, buf, size, offset) != (ssize_t)size)
			return berr_set(err, errno ? errno : EIO, "write layer file");
		a->stats->bytes += size;
	}
	return 0;
}

/* Remove what is at parent/name unless both it and the new entry are directories. */
static int make_room(struct apply *a, int parent, const char *name, bool new_is_dir,
		     struct berr **err)
{
	struct stat st;
	if (fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : berr_set(err, errno, "stat '%s'", name);
	if (new_is_dir && S_ISDIR(st.st_mode))
		return 0;
	if (a->keep_dir_nondir && (new_is_dir || S_ISDIR(st.st_mode))) {
		/* pkg/archive's Unpack: `cannot overwrite directory "/tmp/d" with non-directory
		 * "/tmp"`, the entry's path under the destination, then the destination */
		const char *dest = a->dest ? a->dest : "/";
		return berr_plain(err, EEXIST, "cannot overwrite %s \"%s%s\" with %s \"%s\"",
				  new_is_dir ? "non-directory" : "directory",
				  strcmp(dest, "/") ? dest : "", a->entry ? a->entry : name,
				  new_is_dir ? "directory" : "non-directory", dest);
	}
	/* parent itself stays valid: only its entry goes */
	if (a->parent_fd != parent)
		forget_parent(a);
	return fs_rm_rf(parent, name, err);
}

static void entry_times(struct archive_entry *e, struct timespec t[2])
{
	t[0] = (struct timespec){archive_entry_atime(e), archive_entry_atime_nsec(e)};
	t[1] = (struct timespec){archive_entry_mtime(e), archive_entry_mtime_nsec(e)};
	if (!archive_entry_atime_is_set(e))
		t[0] = t[1];
}

/* A ".wh.NAME" entry as overlayfs' whiteout: a 0:0 character device NAME with the entry's
 * times (so that a layer's tree is the same whether unpacked or kept from the directory the
 * layer was written from); ".wh..wh..opq" as the opaque mark. */
static int whiteout(struct apply *a, int parent, const char *base, struct archive_entry *e,
		    struct berr **err)
{
	a->stats->whiteouts++;
	if (!strcmp(base, OPAQUE)) {
		char fdpath[32];
		if (setxattr(path_fd(parent, fdpath), userns_overlay_opaque(), "y", 1, 0) < 0)
			return berr_set(err, errno, "mark directory opaque");
		return 0;
	}
	const char *name = base + strlen(WHITEOUT);
	if (!*name || !strcmp(name, ".") || !strcmp(name, ".."))
		return berr_plain(err, EINVAL, "bad whiteout '%s'", base);
	int r = make_room(a, parent, name, false, err);
	if (r < 0)
		return r;
	if (mknodat(parent, name, S_IFCHR | 0, makedev(0, 0)) < 0)
		return berr_set(err, errno, "whiteout '%s'", name);
	struct timespec t[2];
	entry_times(e, t);
	if (utimensat(parent, name, t, AT_SYMLINK_NOFOLLOW) < 0)
		return berr_set(err, errno, "whiteout '%s': set times", name);
	return 0;
}

static int hardlink(struct apply *a, int parent, const char *name, const char *raw_target,
		    struct berr **err)
{
	autofree char *target = entry_name(raw_target, err);
	if (!target)
		return berr_ret(err);
	char *slash = strrchr(target, '/');
	const char *tbase = slash ? slash + 1 : target;
	if (slash)
		*slash = '\0';
	autoclose int tdir = open_dir(a->rootfd, slash ? target : "", false, err);
	if (tdir < 0)
		return berr_wrap(err, "hardlink target '%s'", raw_target);
	autoclose int tfd = openat(tdir, tbase, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (tfd < 0)
		return berr_set(err, errno, "hardlink target '%s'", raw_target);
	int r = make_room(a, parent, name, false, err);
	if (r < 0)
		return r;
	char fdpath[32];
	if (linkat(AT_FDCWD, path_fd(tfd, fdpath), parent, name, AT_SYMLINK_FOLLOW) < 0)
		return berr_set(err, errno, "hardlink to '%s'", raw_target);
	return 0;
}

/* A regular file, all through its fd: created with its final permission bits (the umask is
 * 0 while a layer is applied), owner, set-id bits (after chown, which clears them), xattrs,
 * times. Five system calls for most files. */
static int regular_file(struct apply *a, struct archive *ar, struct archive_entry *e, int parent,
			const char *name, struct berr **err)
{
	mode_t perm = archive_entry_perm(e) & 07777;
	int flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
	autoclose int fd = openat(parent, name, flags, perm & 0777);
	int r;
	if (fd < 0 && errno == EEXIST) {
		if ((r = make_room(a, parent, name, false, err)) < 0)
			return r;
		fd = openat(parent, name, flags, perm & 0777);
	}
	if (fd < 0)
		return berr_set(err, errno, "create");
	if ((r = write_data(ar, fd, a, err)) < 0)
		return r;
	if (fchown(fd, (uid_t)archive_entry_uid(e), (gid_t)archive_entry_gid(e)) < 0)
		return berr_set(err, errno, "chown");
	if ((perm & 07000) && fchmod(fd, perm) < 0)
		return berr_set(err, errno, "chmod");
	if (archive_entry_xattr_reset(e) > 0) {
		const char *key;
		const void *value;
		size_t size;
		while (archive_entry_xattr_next(e, &key, &value, &size) == ARCHIVE_OK)
			if (keep_xattr(key) && fsetxattr(fd, key, value, size, 0) < 0)
				return berr_set(err, errno, "xattr %s", key);
	}
	struct timespec t[2];
	entry_times(e, t);
	if (futimens(fd, t) < 0)
		return berr_set(err, errno, "set times");
	return 0;
}

/* Create the node itself (not regular files: regular_file). */
static int create_node(struct apply *a, struct archive *ar, struct archive_entry *e, int parent,
		       const char *name, struct berr **err)
{
	mode_t type = archive_entry_filetype(e);
	int r = make_room(a, parent, name, type == AE_IFDIR, err);
	if (r < 0)
		return r;
	switch (type) {
	case AE_IFDIR:
		if (mkdirat(parent, name, 0700) < 0 && errno != EEXIST)
			return berr_set(err, errno, "mkdir");
		return 0;
	case AE_IFLNK:
		if (symlinkat(archive_entry_symlink(e), parent, name) < 0)
			return berr_set(err, errno, "symlink");
		return 0;
	case AE_IFCHR:
	case AE_IFBLK:
		/* no device can be made in a user namespace (rootless berth): skipped, as
		 * containers/storage does there; the runtime binds the container's devices */
		if (!userns_is_initial())
			return 1;
		/* fall through */
	case AE_IFIFO:
		if (mknodat(parent, name, type | 0600, archive_entry_rdev(e)) < 0)
			return berr_set(err, errno, "mknod");
		return 0;
	default:
		return 1; /* sockets and the like: skipped, as Docker does */
	}
}

/* Owner, mode, xattrs, times (directories' times later), all through one O_PATH fd of what
 * create_node made. By name they could land elsewhere: untarring into a running container's
 * root (cp - CONTAINER:DIR), the container can swap name for a symbolic link to a host file
 * between our mknod and our chmod, and fchmodat() follows the last name (AT_SYMLINK_NOFOLLOW
 * needs fchmodat2, Linux 6.6), relative to berth's root, which is the host's. The fd's magic
 * link (host /proc, trusted) is how an O_PATH fd is chmod'ed, as glibc's lchmod does. */
static int set_meta(struct apply *a, struct archive_entry *e, int parent, const char *name,
		    const char *rel, struct berr **err)
{
	autoclose int fd = openat(parent, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0)
		return berr_set(err, errno, "open");
	if ((st.st_mode & S_IFMT) != archive_entry_filetype(e))
		return berr_plain(err, ESTALE, "replaced while it was written");
	bool link = S_ISLNK(st.st_mode);
	if (fchownat(fd, "", (uid_t)archive_entry_uid(e), (gid_t)archive_entry_gid(e),
		     AT_EMPTY_PATH) < 0)
		return berr_set(err, errno, "chown");
	char fdpath[32];
	/* after chown, which clears set-id bits */
	if (!link && chmod(path_fd(fd, fdpath), archive_entry_perm(e) & 07777) < 0)
		return berr_set(err, errno, "chmod");
	int r;
	if (!link && (r = set_xattrs(fd, e, err)) < 0)
		return r;
	struct timespec t[2];
	entry_times(e, t);
	if (S_ISDIR(st.st_mode)) {
		if (a->n_dirs >= MAX_DIRS)
			return berr_plain(err, E2BIG, "more than %d directories", MAX_DIRS);
		a->dirs = xrealloc(a->dirs, (a->n_dirs + 1) * sizeof(*a->dirs));
		a->dirs[a->n_dirs++] = (struct dir_time){xstrdup(rel), {t[0], t[1]}};
		return 0;
	}
	/* the magic link itself is the last name: followed, to the fd's file (a symbolic link
	 * gets its own times, not its target's) */
	if (utimensat(AT_FDCWD, path_fd(fd, fdpath), t, 0) < 0)
		return berr_set(err, errno, "set times");
	return 0;
}

static int apply_entry(struct apply *a, struct archive *ar, struct archive_entry *e,
		       struct berr **err)
{
	autofree char *rel = entry_name(archive_entry_pathname(e), err);
	if (!rel)
		return berr_ret(err);
	a->stats->entries++;
	if (!strcmp(rel, "/"))
		return 0; /* the layer's root: keep ours */
	a->entry = rel;
	char *slash = strrchr(rel, '/');
	*slash = '\0';
	const char *base = slash + 1;
	int parent = parent_dir(a, rel, true, err);
	*slash = '/';
	if (parent < 0)
		return parent;
	if (!a->plain && !strncmp(base, WHITEOUT, strlen(WHITEOUT)))
		return whiteout(a, parent, base, e, err);
	if (archive_entry_hardlink(e))
		return hardlink(a, parent, base, archive_entry_hardlink(e), err);
	if (archive_entry_filetype(e) == AE_IFREG)
		return regular_file(a, ar, e, parent, base, err);
	int r = create_node(a, ar, e, parent, base, err);
	if (r != 0)
		return r < 0 ? r : 0;
	return set_meta(a, e, parent, base, rel, err);
}

/* The times of directory d->rel ("/a/b"), reached again from the root one directory at a
 * time with O_NOFOLLOW (open_dir), never by its path: a later entry may have replaced a
 * directory on the way, and with "a/", "a/b/" and then "a" a symbolic link to /host/dir,
 * utimensat(rootfd, "a/b") would follow "a" and set the times of the host's /host/dir/b. A
 * directory no longer reached that way is no longer in the tree the entries describe (later
 * entries replace earlier ones): it is skipped rather than failing the layer. Nothing outside
 * the layer's directory is touched either way, and a layer that lists "x/" and then a file
 * "x" stays as good as one listing them the other way round. */
static int dir_times(struct apply *a, struct dir_time *d, struct berr **err)
{
	char *slash = strrchr(d->rel, '/');
	*slash = '\0';
	int parent = parent_dir(a, d->rel, false, NULL);
	*slash = '/';
	if (parent < 0)
		return 0;
	autoclose int fd = openat(parent, slash + 1, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && (errno == ENOENT || errno == ENOTDIR || errno == ELOOP))
		return 0;
	char fdpath[32];
	if (fd < 0 || utimensat(AT_FDCWD, path_fd(fd, fdpath), d->times, 0) < 0)
		return berr_set(err, errno, "set times of '%s'", d->rel);
	return 0;
}

/* Directory times, deepest last-created first. */
static int finish_dirs(struct apply *a, struct berr **err)
{
	int r = 0;
	for (size_t i = a->n_dirs; i-- > 0;) {
		if (r == 0)
			r = dir_times(a, &a->dirs[i], err);
		free(a->dirs[i].rel);
	}
	forget_parent(a);
	free(a->dirs);
	a->dirs = NULL;
	return r;
}

/* Two libarchive readers in a chain, so the stream is decompressed once and both digests come
 * from the same pass: `raw` reads the compressed bytes from the fd (hashing them: the blob
 * digest) and decompresses; `tar` reads the tar from `raw` (hashing those bytes: the diff id,
 * which image configs list as rootfs.diff_ids). */
struct chain {
	int fd;
	struct archive *raw;
	struct sha256 blob_hash, diff_hash;
	uint64_t blob_size, diff_size;
	char buf[1 << 16];
	bool failed;
	bool plain; /* a tar that is not a layer: bzip2 and xz too, as Docker's archive package */
};

static la_ssize_t read_fd(struct archive *ar, void *data, const void **out)
{
	struct chain *c = data;
	ssize_t n;
	do
		n = read(c->fd, c->buf, sizeof(c->buf));
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		archive_set_error(ar, errno, "read layer: %s", strerror(errno));
		return -1;
	}
	sha256_update(&c->blob_hash, c->buf, (size_t)n);
	c->blob_size += (uint64_t)n;
	*out = c->buf;
	return n;
}

static la_ssize_t read_raw(struct archive *ar, void *data, const void **out)
{
	struct chain *c = data;
	const void *buf;
	size_t size;
	int64_t offset;
	int r = archive_read_data_block(c->raw, &buf, &size, &offset);
	if (r == ARCHIVE_EOF)
		return 0;
	if (r != ARCHIVE_OK) {
		archive_set_error(ar, EIO, "%s", archive_error_string(c->raw));
		c->failed = true;
		return -1;
	}
	sha256_update(&c->diff_hash, buf, size);
	c->diff_size += size;
	*out = buf;
	return (la_ssize_t)size;
}

static int open_chain(struct chain *c, struct archive **out_tar, struct berr **err)
{
	sha256_init(&c->blob_hash);
	sha256_init(&c->diff_hash);
	c->raw = archive_read_new();
	archive_read_support_filter_gzip(c->raw);
	archive_read_support_filter_zstd(c->raw);
	if (c->plain) {
		archive_read_support_filter_bzip2(c->raw);
		archive_read_support_filter_xz(c->raw);
	}
	archive_read_support_format_raw(c->raw);
	struct archive_entry *e;
	if (archive_read_open(c->raw, c, NULL, read_fd, NULL) != ARCHIVE_OK ||
	    archive_read_next_header(c->raw, &e) != ARCHIVE_OK)
		return berr_plain(err, EIO, "layer: %s", archive_error_string(c->raw));
	struct archive *tar = archive_read_new();
	archive_read_support_format_tar(tar);
	*out_tar = tar;
	if (archive_read_open(tar, c, NULL, read_raw, NULL) != ARCHIVE_OK)
		return berr_plain(err, EIO, "layer: %s", archive_error_string(tar));
	return 0;
}

/* Read what follows the tar's end (its zero blocks, any padding) into the digests. */
static int drain(struct chain *c, struct berr **err)
{
	const void *out;
	la_ssize_t n;
	while ((n = read_raw(c->raw, c, &out)) > 0)
		;
	if (n < 0)
		return berr_plain(err, EIO, "layer: %s", archive_error_string(c->raw));
	return 0;
}

static void digest_of(struct sha256 *h, char out[IMG_LAYER_DIGEST_LEN + 1])
{
	uint8_t bin[SHA256_LEN];
	sha256_final(h, bin);
	memcpy(out, "sha256:", 7);
	digest_to_hex(bin, SHA256_LEN, out + 7);
}

/* o: NULL for an image layer, else a plain tar's options */
static int apply(int rootfd, int tar_fd, const struct img_untar_opts *o,
		 struct img_layer_stats *stats, struct berr **err)
{
	struct img_layer_stats local = {0};
	bool plain = o != NULL;
	const struct idshift *ids = o ? o->ids : NULL;
	const struct img_owner *owner = o ? o->owner : NULL;
	struct apply a = {.rootfd = rootfd,
			  .stats = stats ? stats : &local,
			  .parent_fd = -1,
			  .plain = plain,
			  .keep_dir_nondir = plain && !o->replace_dir_nondir,
			  .dest = o ? o->dest : NULL};
	/* files are created with their modes exactly; restored below */
	mode_t old_umask = umask(0);
	memset(a.stats, 0, sizeof(*a.stats));
	struct chain *c = xzalloc(sizeof(*c));
	c->fd = tar_fd;
	c->plain = plain;
	struct archive *ar = NULL;
	int r = open_chain(c, &ar, err);
	struct archive_entry *e;
	while (r == 0) {
		int h = archive_read_next_header(ar, &e);
		if (h == ARCHIVE_EOF)
			break;
		if (h != ARCHIVE_OK && h != ARCHIVE_WARN) {
			r = berr_plain(err, EIO, "layer: %s", archive_error_string(ar));
			break;
		}
		if (owner) {
			archive_entry_set_uid(e, owner->uid);
			archive_entry_set_gid(e, owner->gid);
		}
		if (ids) {
			archive_entry_set_uid(e, idshift_uid(ids, (uint32_t)archive_entry_uid(e)));
			archive_entry_set_gid(e, idshift_gid(ids, (uint32_t)archive_entry_gid(e)));
		}
		if (apply_entry(&a, ar, e, err) < 0)
			r = berr_wrap(err, "layer entry '%s'", archive_entry_pathname(e));
		a.entry = NULL;
	}
	if (r == 0)
		r = drain(c, err);
	forget_parent(&a);
	umask(old_umask);
	int d = finish_dirs(&a, r == 0 ? err : NULL);
	if (r == 0 && d == 0) {
		digest_of(&c->blob_hash, a.stats->blob_digest);
		digest_of(&c->diff_hash, a.stats->diff_id);
		a.stats->blob_size = c->blob_size;
		a.stats->diff_size = c->diff_size;
	}
	if (ar)
		archive_read_free(ar);
	archive_read_free(c->raw);
	free(c);
	return r < 0 ? r : d;
}

int img_layer_apply(int rootfd, int tar_fd, struct img_layer_stats *stats, struct berr **err)
{
	return apply(rootfd, tar_fd, NULL, stats, err);
}

int img_layer_untar(int dirfd, int tar_fd, const struct idshift *ids, struct berr **err)
{
	struct img_untar_opts o = {.ids = ids};
	return apply(dirfd, tar_fd, &o, NULL, err);
}

int img_layer_untar_opts(int dirfd, int tar_fd, const struct img_untar_opts *o, struct berr **err)
{
	return apply(dirfd, tar_fd, o, NULL, err);
}
