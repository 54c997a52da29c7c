/* COPY and ADD, the copy itself (see copy.h; the plan and the checksum: copy.c): a plan's
 * selection written below the destination, owners, modes, xattrs, times and hard links as
 * BuildKit's copier keeps them, ADD's archives unpacked (archive.c). */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "build/chmod.h"
#include "build/copy.h"
#include "build/copy_attr.h"
#include "engine/user.h"
#include "image/layer.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/idshift.h"
#include "util/log.h"
#include "util/path.h"
#include "util/xalloc.h"

/* ---- the copy ---- */

struct run {
	const struct bld_copy_plan *p;
	const struct bld_root *src; /* p->src, or an extracted archive's scratch root */
	int destfd;
	const struct idshift *ids;
	const char *tmpdir;
	bool chown; /* --chown: uid, gid */
	uid_t uid;
	gid_t gid;
	bool chmod;         /* --chmod applies (not to what an archive holds) */
	bool keep;          /* the source's owners are kept (a stage's, an archive's) */
	const char *target; /* the destination of the match being copied, for messages */
};

/* "root" and decimal numbers are ids (llb.WithUser's parseUID); anything else is a name. */
static bool id_of(const char *s, unsigned long *out)
{
	if (!strcmp(s, "root")) {
		*out = 0;
		return true;
	}
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (!isdigit((unsigned char)*s) || *end || errno || v > INT32_MAX)
		return false;
	*out = v;
	return true;
}

/* --chown against the destination's /etc/passwd and /etc/group (BuildKit's readUser). */
static int resolve_chown(struct run *r, const char *spec, struct berr **err)
{
	autofree char *user = xstrdup(spec);
	char *group = strchr(user, ':');
	if (group)
		*group++ = '\0';
	unsigned long n;
	struct eng_user u;
	int k = 0;
	if (id_of(user, &n)) {
		r->uid = (uid_t)n;
		r->gid = (gid_t)n;
	} else if ((k = eng_user_resolve(r->destfd, user, &u, err)) == 0) {
		r->uid = u.uid;
		r->gid = u.gid;
	}
	if (k == 0 && group && id_of(group, &n)) {
		r->gid = (gid_t)n;
	} else if (k == 0 && group) {
		/* the group alone: a numeric user needs no passwd entry */
		autofree char *g = xasprintf("0:%s", group);
		if ((k = eng_user_resolve(r->destfd, g, &u, err)) == 0)
			r->gid = u.gid;
	}
	if (k < 0)
		return berr_wrap(err, "--chown '%s'", spec);
	r->chown = true;
	return 0;
}

static void owner_of(const struct run *r, const struct bld_entry *e, uid_t *uid, gid_t *gid)
{
	*uid = r->chown ? r->uid : r->keep ? e->uid : 0;
	*gid = r->chown ? r->gid : r->keep ? e->gid : 0;
	*uid = idshift_uid(r->ids, *uid);
	*gid = idshift_gid(r->ids, *gid);
}

static void times_of(const struct run *r, const struct bld_entry *e, struct timespec t[2])
{
	t[0] = r->src->context ? e->mtime : e->atime;
	t[1] = e->mtime;
}

/* The kept xattrs of src (an O_PATH fd) onto fd. A failure is skipped, as BuildKit's
 * xattrErrorHandler does (security.capability needs CAP_SETFCAP, some filesystems take no
 * user.* names). */
static void copy_xattrs(int src, int fd, const char *what)
{
	struct bld_xattrs x;
	if (bld_xattrs_list(src, &x, NULL) < 0 || x.len == 0) {
		free(x.names);
		return;
	}
	autofree char *value = xmalloc(XATTR_SIZE_MAX);
	char p[32];
	for (ssize_t i = 0; i < x.len; i += (ssize_t)strlen(x.names + i) + 1) {
		const char *n = x.names + i;
		ssize_t k =
		    bld_xattr_kept(n) ? getxattr(path_fd(src, p), n, value, XATTR_SIZE_MAX) : -1;
		if (k >= 0 && fsetxattr(fd, n, value, (size_t)k, 0) < 0)
			log_warn("copy xattr %s of '%s': %s, skipping", n, what, strerror(errno));
	}
	free(x.names);
}

/* Owner, then mode (chown clears set-id bits), xattrs and times of what fd (readable or
 * writable: a file or directory we made) is. */
static int set_meta(const struct run *r, const struct bld_entry *e, int src, int fd,
		    struct berr **err)
{
	uid_t uid;
	gid_t gid;
	owner_of(r, e, &uid, &gid);
	mode_t mode = r->chmod ? bld_copy_mode(r->p, e->mode) : e->mode & 07777;
	struct timespec t[2];
	times_of(r, e, t);
	if (fchown(fd, uid, gid) < 0)
		return berr_set(err, errno, "chown '%s/%s'", r->target, e->path);
	if (fchmod(fd, mode) < 0)
		return berr_set(err, errno, "chmod '%s/%s'", r->target, e->path);
	copy_xattrs(src, fd, e->path);
	if (futimens(fd, t) < 0)
		return berr_set(err, errno, "set times of '%s/%s'", r->target, e->path);
	return 0;
}

/* The same for a link or node: an O_PATH fd, reached through its magic link where no call
 * takes the fd itself (the link is the last name and is followed to the fd's own file, not
 * to a link's target). */
static int set_meta_path(const struct run *r, const struct bld_entry *e, int fd, struct berr **err)
{
	uid_t uid;
	gid_t gid;
	owner_of(r, e, &uid, &gid);
	char p[32];
	struct timespec t[2];
	times_of(r, e, t);
	if (fchownat(fd, "", uid, gid, AT_EMPTY_PATH) < 0)
		return berr_set(err, errno, "chown '%s/%s'", r->target, e->path);
	mode_t mode = r->chmod ? bld_copy_mode(r->p, e->mode) : e->mode & 07777;
	if (!S_ISLNK(e->mode) && chmod(path_fd(fd, p), mode) < 0)
		return berr_set(err, errno, "chmod '%s/%s'", r->target, e->path);
	if (utimensat(AT_FDCWD, path_fd(fd, p), t, 0) < 0)
		return berr_set(err, errno, "set times of '%s/%s'", r->target, e->path);
	return 0;
}

/* The bytes of in into out; exactly the size listed, else the file changed since the plan
 * (and its checksum). copy_file_range shares extents where the filesystem can. */
static int copy_data(int in, int out, const struct bld_entry *e, struct berr **err)
{
	uint64_t want = (uint64_t)e->size, done = 0;
	bool range = true;
	for (;;) {
		size_t chunk = want - done < (1u << 30) ? (size_t)(want - done) + 1 : 1u << 30;
		ssize_t n = range ? copy_file_range(in, NULL, out, NULL, chunk, 0)
				  : sendfile(out, in, NULL, chunk);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && range && done == 0 &&
		    (errno == EXDEV || errno == EINVAL || errno == ENOSYS || errno == EOPNOTSUPP ||
		     errno == EPERM || errno == EIO)) {
			range = false;
			continue;
		}
		if (n < 0)
			return berr_set(err, errno, "copy '%s'", e->path);
		if (n == 0 || (done += (uint64_t)n) > want)
			break;
	}
	if (done != want)
		return berr_plain(err, ESTALE, "'%s' changed while the build read it", e->path);
	return 0;
}

/* Make room for a non-directory at parent/name: what is there goes unless it is a
 * directory (fsutil's ensureEmptyFileTarget). */
static int make_room(const struct run *r, int parent, const char *name, const char *path,
		     struct berr **err)
{
	struct stat old;
	if (fstatat(parent, name, &old, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : berr_set(err, errno, "stat '%s/%s'", r->target, path);
	if (S_ISDIR(old.st_mode))
		return berr_plain(err, EISDIR, "cannot replace directory '%s/%s' with a file",
				  r->target, path);
	if (unlinkat(parent, name, 0) < 0)
		return berr_set(err, errno, "remove '%s/%s'", r->target, path);
	return 0;
}

/* O_PATH fd of parent/name, which must be of type. */
static int open_made(int parent, const char *name, mode_t type, const char *path, struct berr **err)
{
	int fd = openat(parent, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0) {
		int r = berr_set(err, errno, "open '%s'", path);
		if (fd >= 0)
			(void)close(fd);
		return r;
	}
	if ((st.st_mode & S_IFMT) != type) {
		(void)close(fd);
		return berr_plain(err, ESTALE, "'%s' was replaced while it was written", path);
	}
	return fd;
}

/* A non-directory e (src its O_PATH fd) as parent/name; l: the match's hard links, or NULL. */
static int copy_node(const struct run *r, const struct bld_entry *e, int src, int parent,
		     const char *name, struct bld_links *l, struct berr **err)
{
	const char *path = e->path;
	int k = make_room(r, parent, name, path, err);
	if (k < 0)
		return k;
	bool found = false;
	long at = l ? bld_links_find(l, e, 0, &found) : -1;
	char p[32];
	if (found && l->v[at].fd >= 0) {
		if (linkat(AT_FDCWD, path_fd(l->v[at].fd, p), parent, name, AT_SYMLINK_FOLLOW) < 0)
			return berr_set(err, errno, "link '%s/%s'", r->target, path);
		return 0;
	}
	if (S_ISREG(e->mode)) {
		autoclose int in = fs_open_regular(src, NULL, NULL, err);
		if (in < 0)
			return berr_wrap(err, "read '%s'", path);
		autoclose int out = openat(
		    parent, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (out < 0)
			return berr_set(err, errno, "create '%s/%s'", r->target, path);
		k = copy_data(in, out, e, err);
		if (k == 0 && at >= 0 && !found) /* the first: kept for the links to come */
			l->v[at].fd = openat(parent, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		return k < 0 ? k : set_meta(r, e, src, out, err);
	}
	if (S_ISLNK(e->mode) ? symlinkat(e->link, parent, name)
			     : mknodat(parent, name, (e->mode & S_IFMT) | 0600, e->rdev)) {
		return berr_set(err, errno, "create '%s/%s'", r->target, path);
	}
	autoclose int fd = open_made(parent, name, e->mode & S_IFMT, path, err);
	return fd < 0 ? fd : set_meta_path(r, e, fd, err);
}

/* A directory e as parent/name: kept where one is (merged), else made; its fd. */
static int copy_dir(const struct run *r, const struct bld_entry *e, int parent, const char *name,
		    struct berr **err)
{
	struct stat old;
	if (fstatat(parent, name, &old, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISDIR(old.st_mode))
		return berr_plain(err, ENOTDIR, "cannot copy to non-directory: '%s/%s'", r->target,
				  e->path);
	if (mkdirat(parent, name, 0700) < 0 && errno != EEXIST)
		return berr_set(err, errno, "mkdir '%s/%s'", r->target, e->path);
	int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	return fd < 0 ? berr_set(err, errno, "open '%s/%s'", r->target, e->path) : fd;
}

/* Directories being filled, by depth; each gets its metadata when it is left (its times would
 * change with what is made in it). */
struct dirs {
	int fd[BLD_SELECT_DEPTH_MAX + 2];
	int src[BLD_SELECT_DEPTH_MAX + 2]; /* the source's O_PATH fd, for xattrs */
	const struct bld_entry *e[BLD_SELECT_DEPTH_MAX + 2];
	unsigned n;
};

/* Leave the deepest directory, giving it its metadata (meta false: on the way out of an
 * error). The first, the destination a match's contents go into, only takes the source's
 * times (fsutil's copier does not overwrite a top directory's other metadata). */
static int leave_dir(const struct run *r, struct dirs *d, bool meta, bool top_times,
		     struct berr **err)
{
	unsigned i = --d->n;
	int k = 0;
	if (meta && i > 0) {
		k = set_meta(r, d->e[i], d->src[i], d->fd[i], err);
	} else if (meta && top_times) {
		struct timespec t[2];
		times_of(r, d->e[0], t);
		if (futimens(d->fd[0], t) < 0)
			k = berr_set(err, errno, "set times of '%s'", r->target);
	}
	(void)close(d->fd[i]);
	if (d->src[i] >= 0)
		(void)close(d->src[i]);
	return k;
}

/* What the directory match m holds, into the directory dirfd (taken). */
static int copy_tree(const struct run *r, const struct bld_match *m, int dirfd, bool top_times,
		     struct berr **err)
{
	struct dirs d = {.n = 1};
	struct bld_links links = {.n = 0};
	d.fd[0] = dirfd;
	d.src[0] = -1;
	d.e[0] = &m->v[0];
	struct bld_walk w;
	int k = bld_walk_start(&w, r->src, m, err);
	const struct bld_entry *e;
	int fd;
	if (k == 0 && (k = bld_walk_next(&w, &e, &fd, err)) > 0) /* the match itself */
		k = 0;
	while (k == 0 && (k = bld_walk_next(&w, &e, &fd, err)) > 0) {
		unsigned depth = 0;
		for (const char *c = e->path; *c; c++)
			depth += *c == '/';
		k = 0;
		while (k == 0 && d.n > depth + 1)
			k = leave_dir(r, &d, true, top_times, err);
		const char *slash = strrchr(e->path, '/');
		const char *name = slash ? slash + 1 : e->path;
		if (k < 0)
			break;
		if (!S_ISDIR(e->mode)) {
			k = copy_node(r, e, fd, d.fd[d.n - 1], name, &links, err);
			continue;
		}
		int sub = copy_dir(r, e, d.fd[d.n - 1], name, err);
		if (sub < 0) {
			k = sub;
			break;
		}
		d.fd[d.n] = sub;
		d.src[d.n] = fcntl(fd, F_DUPFD_CLOEXEC, 3);
		d.e[d.n++] = e;
	}
	bld_walk_end(&w);
	bld_links_clear(&links);
	while (d.n > 0) {
		int l = leave_dir(r, &d, k == 0, top_times, err);
		k = k < 0 ? k : l;
	}
	return k;
}

/* mkdir -p of the absolute dir in the destination, through links inside it (BuildKit's
 * MkdirAll works on fs.RootPath's resolution); what it makes gets 0755 and the --chown owner,
 * or root through the id map (else the builder's own, as BuildKit leaves it). */
static int dest_mkdir(const struct run *r, const char *dir, struct berr **err)
{
	autofree char *clean = path_clean(dir);
	autoclose int whole = path_open_in_root(r->destfd, clean, O_PATH | O_DIRECTORY, 0, NULL);
	if (whole >= 0)
		return 0;
	autoclose int cur = openat(r->destfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (cur < 0)
		return berr_set(err, errno, "open the destination");
	for (char *p = clean + 1; *p;) {
		char *slash = strchr(p, '/');
		if (slash)
			*slash = '\0';
		int next = path_open_in_root(r->destfd, clean, O_PATH | O_DIRECTORY, 0, NULL);
		if (next < 0 && mkdirat(cur, p, 0700) == 0) {
			next = openat(cur, p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			uid_t uid = idshift_uid(r->ids, r->chown ? r->uid : 0);
			gid_t gid = idshift_gid(r->ids, r->chown ? r->gid : 0);
			if (next >= 0 && (r->chown || r->ids) && fchown(next, uid, gid) < 0)
				return berr_set(err, errno, "chown '%s'", clean);
			if (next >= 0 && fchmod(next, 0755) < 0)
				return berr_set(err, errno, "chmod '%s'", clean);
		} else if (next < 0 && errno == EEXIST) {
			/* a dangling link or a file: path.c makes a link's target, fails on a file
			 */
			autoclose int fd = path_mkdir_in_root(r->destfd, dir, 0755, err);
			return fd < 0 ? fd : 0;
		}
		if (next < 0)
			return berr_set(err, errno, "mkdir '%s'", clean);
		(void)close(cur);
		cur = next;
		if (!slash)
			break;
		*slash = '/';
		p = slash + 1;
	}
	return 0;
}

static char *parent_of(const char *path)
{
	const char *s = strrchr(path, '/');
	return s && s != path ? xstrndup(path, (size_t)(s - path)) : xstrdup("/");
}

/* fstat of path in the destination, links followed inside it; false when missing. */
static bool dest_stat(const struct run *r, const char *path, struct stat *st)
{
	autoclose int fd = path_open_in_root(r->destfd, path, O_PATH, 0, NULL);
	return fd >= 0 && fstat(fd, st) == 0;
}

/* One match as fsutil's Copy and prepareTargetDir place it. */
static int copy_match(struct run *r, const struct bld_match *m, struct berr **err)
{
	const struct bld_copy_plan *p = r->p;
	const struct bld_entry *top = &m->v[0];
	autofree char *parent = parent_of(p->dest);
	int k = dest_mkdir(r, p->dest_dir ? p->dest : parent, err);
	if (k < 0)
		return k;
	struct stat st;
	bool exists = dest_stat(r, p->dest, &st);
	const char *base = strrchr(m->name, '/') ? strrchr(m->name, '/') + 1 : m->name;
	autofree char *target = !S_ISDIR(top->mode) && exists && S_ISDIR(st.st_mode)
				    ? xasprintf("%s/%s", strcmp(p->dest, "/") ? p->dest : "", base)
				    : xstrdup(p->dest);
	if (S_ISDIR(top->mode)) {
		r->target = strcmp(target, "/") ? target : ""; /* messages: target/path */
		if (exists && !S_ISDIR(st.st_mode))
			return berr_plain(err, ENOTDIR, "cannot copy to non-directory: '%s'",
					  target);
		k = exists ? 0 : dest_mkdir(r, target, err);
		int dirfd =
		    k < 0 ? k
			  : path_open_in_root(r->destfd, target, O_RDONLY | O_DIRECTORY, 0, err);
		return dirfd < 0 ? dirfd : copy_tree(r, m, dirfd, true, err);
	}
	autofree char *tparent = parent_of(target);
	autoclose int pfd = path_open_in_root(r->destfd, tparent, O_PATH | O_DIRECTORY, 0, err);
	if (pfd < 0)
		return pfd;
	r->target = strcmp(tparent, "/") ? tparent : "";
	struct bld_walk w;
	const struct bld_entry *e;
	int fd;
	k = bld_walk_start(&w, r->src, m, err);
	if (k == 0 && (k = bld_walk_next(&w, &e, &fd, err)) > 0) {
		struct bld_entry named = *e; /* messages name the destination */
		named.path = strrchr(target, '/') + 1;
		k = copy_node(r, &named, fd, pfd, named.path, NULL, err);
	}
	bld_walk_end(&w);
	return k < 0 ? k : 0;
}

/* ADD: the archive m extracted into the destination (made as a directory), BuildKit's
 * unpack(): img_layer_untar's rules; with --chown through a scratch directory, whose
 * contents are then copied with every owner replaced. */
static int unpack_match(struct run *r, const struct bld_match *m, enum bld_archive kind,
			struct berr **err)
{
	int k = dest_mkdir(r, r->p->dest, err);
	autoclose int dirfd =
	    k < 0 ? -1 : path_open_in_root(r->destfd, r->p->dest, O_RDONLY | O_DIRECTORY, 0, err);
	if (dirfd < 0)
		return k < 0 ? k : dirfd;
	struct bld_walk w;
	const struct bld_entry *e;
	int pfd;
	autoclose int tar = -1;
	k = bld_walk_start(&w, r->src, m, err);
	if (k == 0 && (k = bld_walk_next(&w, &e, &pfd, err)) > 0)
		k = tar = fs_open_regular(pfd, NULL, NULL, err);
	bld_walk_end(&w);
	if (k >= 0 && (kind == BLD_ARCHIVE_BZIP2 || kind == BLD_ARCHIVE_XZ)) {
		int plain = bld_archive_decompress(tar, kind, r->tmpdir, BLD_SELECT_BYTES_MAX, err);
		(void)close(tar);
		k = tar = plain;
	}
	if (k < 0)
		return berr_wrap(err, "%s '%s'", r->p->cmd, m->name);
	if (!r->chown)
		return img_layer_untar(dirfd, tar, r->ids, err);
	autofree char *scratch = xasprintf("%s/berth-add-XXXXXX", r->tmpdir);
	if (!mkdtemp(scratch))
		return berr_set(err, errno, "scratch directory in '%s'", r->tmpdir);
	autoclose int sfd = open(scratch, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	k = sfd < 0 ? berr_set(err, errno, "open '%s'", scratch)
		    : img_layer_untar(sfd, tar, NULL, err);
	struct bld_root root = {.fd = sfd};
	struct bld_selection sel = {0};
	struct bld_select_opts so = {0};
	if (k == 0)
		k = bld_select(&root, "", &so, &sel, err);
	struct run sub = *r;
	sub.src = &root;
	sub.chmod = false;
	sub.keep = true;
	if (k == 0)
		k = copy_tree(&sub, &sel.v[0], take_fd(&dirfd), false, err);
	bld_selection_clear(&sel);
	(void)fs_rm_rf(AT_FDCWD, scratch, NULL);
	return k;
}

int bld_copy_apply(const struct bld_copy_plan *p, int destfd, const struct bld_copy_env *env,
		   struct berr **err)
{
	struct run r = {
	    .p = p,
	    .src = &p->src,
	    .destfd = destfd,
	    .ids = env ? env->ids : NULL,
	    .tmpdir = env && env->tmpdir ? env->tmpdir : "/var/tmp",
	    .chmod = p->mode != NULL,
	    .keep = !p->src.context,
	};
	int k = p->chown ? resolve_chown(&r, p->chown, err) : 0;
	if (k < 0)
		return k;
	bool dirs = true;
	for (size_t i = 0; i < p->sel.n; i++)
		dirs &= S_ISDIR(p->sel.v[i].v[0].mode);
	struct stat st;
	if (p->sel.n > 1 && !dirs && !p->dest_dir &&
	    !(dest_stat(&r, p->dest, &st) && S_ISDIR(st.st_mode)))
		return berr_plain(err, EINVAL,
				  "when using %s with more than one source file, the destination "
				  "must be a directory and end with a /",
				  p->cmd);
	for (size_t i = 0; k == 0 && i < p->sel.n; i++)
		k = p->archive[i] != BLD_ARCHIVE_NONE
			? unpack_match(&r, &p->sel.v[i], p->archive[i], err)
			: copy_match(&r, &p->sel.v[i], err);
	return k;
}
