/* A container's files for cp, export and diff (see container_files.h). Every path the user
 * names is opened with path_open_in_root from the view's root, and copies go through directory
 * fds with O_NOFOLLOW (util/fs.h, tarball.h): no name the container controls is handed to a
 * path syscall of the host. Host paths (cp's other side) are the user's own. */
#include "engine/container_files.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/container.h"
#include "engine/event.h"
#include "engine/tarball.h"
#include "engine/user.h"
#include "image/layer.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/path.h"
#include "util/xalloc.h"

#define LINKS_MAX 40 /* as path_open_in_root's walk and the kernel's (path_resolution(7)) */

/* Docker's name of a path as given: filepath.Base after PreserveTrailingDotOrSeparator
 * ("/a/b/" is "b", "/a/." is ".", "/" and "" are "/"). */
static char *docker_name(const char *path)
{
	size_t n = strlen(path);
	while (n > 1 && path[n - 1] == '/')
		n--;
	if (!n || (n == 1 && path[0] == '/'))
		return xstrdup("/");
	const char *start = path + n;
	while (start > path && start[-1] != '/')
		start--;
	return xstrndup(start, (size_t)(path + n - start));
}

/* Whether the path's last name is followed (Docker resolves the directory part only, unless
 * the path ends in a separator or "."). */
static bool follows_last(const char *path)
{
	size_t n = strlen(path);
	return n && (path[n - 1] == '/' || !strcmp(path, ".") ||
		     (n >= 2 && !strcmp(path + n - 2, "/.")));
}

/* The mount of the record whose destination is the longest prefix of clean, or NULL. */
static json_t *mount_of(json_t *rec, const char *clean)
{
	json_t *best = NULL, *m;
	size_t best_len = 0, i;
	json_array_foreach(json_object_get(json_object_get(rec, "HostConfig"), "Mounts"), i, m)
	{
		autofree char *dst =
		    path_clean(json_string_value(json_object_get(m, "Destination")) ?: "/");
		size_t n = strlen(dst);
		if (n == 1)
			n = 0; /* a mount on "/" holds every path */
		if (n >= best_len && !strncmp(clean, dst, n) && (clean[n] == '/' || !clean[n])) {
			best = m;
			best_len = n;
		}
	}
	return best;
}

static char *resolve(int rootfd, const char *path, struct berr **err);

/* Docker's check before a write (daemon/archive.go, checkIfPathIsInAVolume): a path in a
 * read-only mount, or outside every mount of a container whose root is read-only. */
static const char *read_only(json_t *rec, const char *path)
{
	autofree char *abs = xasprintf("/%s", path);
	autofree char *clean = path_clean(abs);
	json_t *m = mount_of(rec, clean);
	if (m)
		return json_is_true(json_object_get(m, "RW"))
			   ? NULL
			   : "mounted volume is marked read-only";
	if (json_is_true(json_object_get(json_object_get(rec, "HostConfig"), "ReadonlyRootfs")))
		return "container rootfs is marked read-only";
	return NULL;
}

int eng_files_open(const struct eng_store *s, const char *id, const char *path,
		   struct eng_files *out, struct berr **err)
{
	memset(out, 0, sizeof(*out));
	json_t *rec = eng_container_load(s, id, err);
	if (!rec)
		return berr_ret(err);
	out->store = s;
	snprintf(out->id, sizeof(out->id), "%s", id);
	int r = eng_rootfs_view(s, id, path, &out->view, err);
	if (r == 0) {
		out->path = xstrdup(path);
		out->name = docker_name(path);
		out->follow = follows_last(path);
		/* Docker checks the path with its links followed; a running container's view is its
		 * whole tree (a stopped one's may be a volume's alone: the path as given) */
		autofree char *abs = xasprintf("/%s", out->view.rel);
		autofree char *resolved =
		    out->view.root.path ? NULL : resolve(out->view.fd, abs, NULL);
		out->ro = read_only(rec, resolved ? resolved : path);
	}
	json_decref(rec);
	if (r < 0)
		eng_files_close(out);
	return r;
}

void eng_files_close(struct eng_files *f)
{
	eng_rootfs_view_release(&f->view);
	free(f->path);
	free(f->name);
	memset(f, 0, sizeof(*f));
	f->view.fd = -1;
}

/* Directory and last name of a clean path ("/" → "/" and "."). */
static void split_path(const char *path, char **out_dir, char **out_base)
{
	autofree char *clean = path_clean(path);
	char *slash = strrchr(clean, '/');
	*out_base = xstrdup(slash[1] ? slash + 1 : ".");
	*slash = '\0';
	*out_dir = xstrdup(*clean ? clean : "/");
}

/* The entry f names, as an O_PATH fd: its last name followed or not (f->follow, or follow). */
static int open_entry(const struct eng_files *f, bool follow, struct berr **err)
{
	const char *rel = f->view.rel;
	if (follow || f->follow || !strcmp(rel, "/")) {
		int fd = path_open_in_root(f->view.fd, rel, O_PATH, 0, err);
		return fd < 0 ? berr_wrap(err, "'%s'", f->path) : fd;
	}
	autofree char *dir = NULL, *base = NULL;
	split_path(rel, &dir, &base);
	autoclose int dfd = path_open_in_root(f->view.fd, dir, O_PATH | O_DIRECTORY, 0, err);
	if (dfd < 0)
		return berr_wrap(err, "'%s'", f->path);
	int fd = openat(dfd, base, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	return fd < 0 ? berr_set(err, errno, "'%s'", f->path) : fd;
}

/* ---- stat ---- */

/* Go's os.FileMode of st_mode (os/stat_linux.go, fillFileStatFromSys). */
static uint32_t go_mode(mode_t m)
{
	uint32_t g = m & 0777;
	switch (m & S_IFMT) {
	case S_IFBLK:
		g |= 1u << 26;
		break;
	case S_IFCHR:
		g |= 1u << 26 | 1u << 21;
		break;
	case S_IFDIR:
		g |= 1u << 31;
		break;
	case S_IFIFO:
		g |= 1u << 25;
		break;
	case S_IFLNK:
		g |= 1u << 27;
		break;
	case S_IFSOCK:
		g |= 1u << 24;
		break;
	}
	if (m & S_ISUID)
		g |= 1u << 23;
	if (m & S_ISGID)
		g |= 1u << 22;
	if (m & S_ISVTX)
		g |= 1u << 20;
	return g;
}

/* One more symbolic link met by resolve(): its target read through the fd of its directory. */
static int read_link(int rootfd, const char *dir, const char *name, char out[PATH_MAX],
		     bool *out_is_link)
{
	*out_is_link = false;
	autoclose int dfd =
	    path_open_in_root(rootfd, *dir ? dir : "/", O_PATH | O_DIRECTORY, 0, NULL);
	struct stat st;
	if (dfd < 0 || fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISLNK(st.st_mode))
		return 0; /* missing or not a link: taken as it is, as Docker's */
	ssize_t n = readlinkat(dfd, name, out, PATH_MAX - 1);
	if (n < 0)
		return -errno;
	out[n] = '\0';
	*out_is_link = true;
	return 0;
}

/* path (absolute, clean) with every symbolic link in it followed inside rootfd, lexically, as
 * Docker's FollowSymlinkInScope: ".." stops at the root, an absolute target starts again from
 * it, a missing name ends nothing (the rest is taken as it is). */
static char *resolve(int rootfd, const char *path, struct berr **err)
{
	autofree char *todo = xstrdup(path);
	autofree char *done = xstrdup(""); /* "" is the root */
	for (int links = 0; *todo;) {
		char *p = todo;
		while (*p == '/')
			p++;
		char *end = strchrnul(p, '/');
		autofree char *name = xstrndup(p, (size_t)(end - p));
		autofree char *rest = xstrdup(end);
		free(todo);
		todo = take_ptr(&rest);
		if (!*name || !strcmp(name, "."))
			continue;
		if (!strcmp(name, "..")) {
			*(strrchr(done, '/') ?: done) = '\0';
			continue;
		}
		char target[PATH_MAX];
		bool link = false;
		int r = read_link(rootfd, done, name, target, &link);
		if (r < 0) {
			berr_set(err, -r, "readlink '%s/%s'", done, name);
			return NULL;
		}
		if (!link) {
			char *next = xasprintf("%s/%s", done, name);
			free(done);
			done = next;
			continue;
		}
		if (++links > LINKS_MAX || strlen(target) + strlen(todo) >= PATH_MAX) {
			berr_plain(err, ELOOP, "'%s': too many levels of symbolic links", path);
			return NULL;
		}
		char *next = xasprintf("%s/%s", target, todo);
		free(todo);
		todo = next;
		if (target[0] == '/')
			done[0] = '\0';
	}
	return *done ? take_ptr(&done) : xstrdup("/");
}

int eng_files_stat(const struct eng_files *f, struct eng_path_stat *out, struct berr **err)
{
	autoclose int fd = open_entry(f, false, err);
	struct stat st;
	if (fd < 0)
		return fd;
	if (fstat(fd, &st) < 0)
		return berr_set(err, errno, "'%s'", f->path);
	char *target = NULL;
	if (S_ISLNK(st.st_mode)) {
		autofree char *abs = xasprintf("/%s", f->view.rel);
		if (!(target = resolve(f->view.fd, abs, err)))
			return berr_wrap(err, "'%s'", f->path);
	}
	*out = (struct eng_path_stat){.name = f->name,
				      .size = (int64_t)st.st_size,
				      .mode = go_mode(st.st_mode),
				      .mtime = st.st_mtim,
				      .link_target = target ? target : xstrdup("")};
	return 0;
}

void eng_path_stat_free(struct eng_path_stat *st)
{
	free(st->link_target);
	st->link_target = NULL;
}

json_t *eng_path_stat_json(const struct eng_path_stat *st)
{
	/* Go's time.Time as JSON: RFC 3339 with the nanoseconds, trailing zeros dropped */
	struct tm tm;
	char when[64], frac[16] = "";
	gmtime_r(&st->mtime.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	if (st->mtime.tv_nsec) {
		snprintf(frac, sizeof(frac), ".%09ld", st->mtime.tv_nsec);
		for (size_t n = strlen(frac); frac[n - 1] == '0'; n--)
			frac[n - 1] = '\0';
	}
	autofree char *mtime = xasprintf("%s%sZ", when, frac);
	return json_pack("{s:s, s:I, s:I, s:s, s:s}", "name", st->name, "size",
			 (json_int_t)st->size, "mode", (json_int_t)st->mode, "mtime", mtime,
			 "linkTarget", st->link_target);
}

/* ---- copies ---- */

int eng_files_tar_out(const struct eng_files *f, bool follow, int out_fd, struct berr **err)
{
	autoclose int fd = open_entry(f, follow, err);
	if (fd < 0)
		return fd;
	/* "/" as Docker's: "/", "/bin", ... (the docker CLI rebases on "/") */
	int r = eng_tarball_write(fd, NULL, f->name, out_fd, f->view.out, err);
	if (r == 0)
		eng_container_event(f->store, f->id, "archive-path", NULL);
	return r;
}

/* Before a write: refused where Docker refuses it; into a running container's idmapped view,
 * entries are made as its root (an fsuid its maps hold), owners translated by view.in. */
static int enter(const struct eng_files *f, struct idshift_creds *c, struct berr **err)
{
	memset(c, 0, sizeof(*c));
	if (f->ro)
		return berr_plain(err, EROFS, "%s", f->ro);
	return f->view.in ? idshift_fs_enter(f->view.root_uid, f->view.root_gid, c, err) : 0;
}

/* The directory a copy goes into, as messages name it: dockerd's resolved path (a running
 * container's view is its whole tree), else the path as given. */
static char *dest_name(const struct eng_files *f)
{
	autofree char *abs = xasprintf("/%s", f->view.root.path ? f->path : f->view.rel);
	char *resolved = f->view.root.path ? NULL : resolve(f->view.fd, abs, NULL);
	return resolved ? resolved : path_clean(abs);
}

int eng_files_tar_in_opts(const struct eng_files *f, int tar_fd, const struct img_owner *owner,
			  bool replace_dir_nondir, struct berr **err)
{
	struct idshift_creds c;
	int r = enter(f, &c, err);
	if (r < 0)
		return r;
	autofree char *dest = dest_name(f);
	struct img_untar_opts o = {.ids = f->view.in,
				   .owner = owner,
				   .replace_dir_nondir = replace_dir_nondir,
				   .dest = dest};
	autoclose int to =
	    path_open_in_root(f->view.fd, f->view.rel, O_RDONLY | O_DIRECTORY, 0, err);
	if (to < 0)
		r = berr_wrap(err, "destination '%s' must be a directory", f->path);
	else
		r = img_layer_untar_opts(to, tar_fd, &o, err);
	idshift_fs_leave(&c);
	if (r == 0)
		eng_container_event(f->store, f->id, "extract-to-dir", NULL);
	return r;
}

int eng_files_tar_in_owned(const struct eng_files *f, int tar_fd, const struct img_owner *owner,
			   struct berr **err)
{
	return eng_files_tar_in_opts(f, tar_fd, owner, false, err);
}

int eng_files_tar_in(const struct eng_files *f, int tar_fd, struct berr **err)
{
	return eng_files_tar_in_owned(f, tar_fd, NULL, err);
}

int eng_files_owner(const struct eng_store *s, const char *id, struct img_owner *out, bool *out_set,
		    struct berr **err)
{
	*out_set = false;
	json_t *rec = eng_container_load(s, id, err);
	if (!rec)
		return berr_ret(err);
	autofree char *user = xstrdup(
	    json_string_value(json_object_get(json_object_get(rec, "Config"), "User")) ?: "");
	json_decref(rec);
	if (!*user)
		return 0;
	struct eng_view v;
	int r = eng_rootfs_view(s, id, "/", &v, err);
	if (r < 0)
		return r;
	struct eng_user u;
	r = eng_user_resolve(v.fd, user, &u, err);
	eng_rootfs_view_release(&v);
	if (r < 0)
		return berr_wrap(err, "copy as the container's user '%s'", user);
	*out = (struct img_owner){.uid = (uint32_t)u.uid, .gid = (uint32_t)u.gid};
	*out_set = true;
	return 0;
}

static int copy_in(const struct eng_files *f, const char *src, const struct img_owner *owner,
		   struct berr **err)
{
	int rootfd = f->view.fd;
	autofree char *copy = xstrdup(src);
	autofree char *sdir = xstrdup(dirname(copy));
	free(copy);
	copy = xstrdup(src);
	autofree char *sbase = xstrdup(basename(copy));
	autoclose int from = open(sdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct stat st;
	if (from < 0 || fstatat(from, sbase, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return berr_set(err, errno, "'%s'", src);
	/* an existing directory in the container takes it by its name, else dest names it */
	autoclose int to = path_open_in_root(rootfd, f->view.rel, O_RDONLY | O_DIRECTORY, 0, NULL);
	autofree char *ddir = NULL, *dbase = NULL;
	if (to < 0) {
		split_path(f->view.rel, &ddir, &dbase);
		to = path_open_in_root(rootfd, ddir, O_RDONLY | O_DIRECTORY, 0, err);
		if (to < 0)
			return berr_wrap(err, "'%s'", f->path);
	}
	const char *name = dbase ? dbase : sbase;
	int r = fs_copy_entry_as(from, sbase, to, name, true, f->view.in, err);
	/* cp -a: what was copied is the container's user's (in the view's ids) */
	if (r == 0 && owner)
		r = fs_chown_tree(to, name, idshift_uid(f->view.in, owner->uid),
				  idshift_gid(f->view.in, owner->gid), err);
	return r;
}

int eng_files_copy_in(const struct eng_files *f, const char *host_src, struct berr **err)
{
	return eng_files_copy_in_owned(f, host_src, NULL, err);
}

int eng_files_copy_in_owned(const struct eng_files *f, const char *host_src,
			    const struct img_owner *owner, struct berr **err)
{
	struct idshift_creds c;
	int r = enter(f, &c, err);
	if (r < 0)
		return r;
	r = copy_in(f, host_src, owner, err);
	idshift_fs_leave(&c);
	if (r == 0)
		eng_container_event(f->store, f->id, "extract-to-dir", NULL);
	return r;
}

int eng_files_copy_out(const struct eng_files *f, const char *dest, struct berr **err)
{
	autofree char *sdir = NULL, *sbase = NULL;
	split_path(f->view.rel, &sdir, &sbase);
	autoclose int from = path_open_in_root(f->view.fd, sdir, O_RDONLY | O_DIRECTORY, 0, err);
	if (from < 0)
		return berr_wrap(err, "'%s'", f->path);
	struct stat st;
	if (strcmp(sbase, ".") && fstatat(from, sbase, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return berr_set(err, errno, "'%s'", f->path);
	/* into an existing directory under the same name, else as dest */
	struct stat dst;
	bool into = stat(dest, &dst) == 0 && S_ISDIR(dst.st_mode);
	autofree char *ddir = NULL, *dbase = NULL;
	if (into) {
		ddir = xstrdup(dest);
		dbase = xstrdup(sbase);
	} else {
		autofree char *copy = xstrdup(dest);
		ddir = xstrdup(dirname(copy));
		free(copy);
		copy = xstrdup(dest);
		dbase = xstrdup(basename(copy));
	}
	autoclose int to = open(ddir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (to < 0)
		return berr_set(err, errno, "'%s'", ddir);
	int r = strcmp(sbase, ".")
		    ? fs_copy_entry_as(from, sbase, to, dbase, true, f->view.out, err)
		    : fs_copy_tree(from, to, true, f->view.out, err);
	if (r == 0)
		eng_container_event(f->store, f->id, "archive-path", NULL);
	return r;
}

int eng_files_export(const struct eng_store *s, const char *id, const struct eng_rootfs *root,
		     int out_fd, struct berr **err)
{
	int r = eng_tarball_write(AT_FDCWD, root->path, "", out_fd, NULL, err);
	if (r == 0)
		eng_container_event(s, id, "export", NULL);
	return r;
}
