/* Writing a tree as a tar (see tarball.h): export, cp CONTAINER:PATH -, and commit's layer.
 *
 * The attack: the tree is a container's, and the container runs while we read it. Had we named
 * files by a path string ("/proc/self/fd/N/a/b/f", as libarchive's disk walker does), swapping
 * directory a for a symbolic link to /etc between our look and our open would put the host's
 * /etc/b/f in the archive: O_NOFOLLOW guards the last name only. So every name is opened
 * once, O_PATH | O_NOFOLLOW, from the fd of its directory (itself opened that way), and all
 * that is written comes from that fd: its fstat, readlinkat(fd, ""), a directory's entries
 * through openat(fd, "."), a file's bytes through a reopen of the fd itself (fs_open_regular,
 * only when the fd is a regular file: a FIFO swapped in would block the open, a device would
 * be read). A name swapped after its open changes nothing we read. */
#include "engine/tarball.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/idshift.h"
#include "util/log.h"
#include "util/path.h"
#include "util/userns.h"
#include "util/xalloc.h"

#define DEPTH_MAX 256
/* what the names of inodes with more than one link may hold at once: a container could make a
 * million links to keep us busy; past this, later names are written as files again (the same
 * bytes, one inode more when unpacked) */
#define LINKS_BYTES_MAX (64u << 20)

enum kind {
	FILES, /* export, cp: file flags, ACLs and holes as libarchive's disk reader gives them */
	LAYER, /* commit: overlayfs' markers as the image spec's, security.capability kept */
};

/* An inode met under a name with more links than that one: its later names become hard-link
 * entries naming it. Dropped once all its names are met, so a tree's pairs of links in one
 * directory hold next to nothing. */
struct seen {
	struct seen *next;
	dev_t dev;
	ino_t ino;
	nlink_t left; /* names not met yet */
	char name[];  /* as written in the archive */
};

/* seen by (st_dev, st_ino): chained, slots a power of two, doubled when fuller than one a slot */
struct links {
	struct seen **slot;
	size_t n_slots, n, bytes;
	bool full; /* LINKS_BYTES_MAX was reached: told once */
};

struct tarball {
	struct archive *out;
	struct archive *disk; /* FILES: metadata of an open fd (no walking: archive_read_disk) */
	enum kind kind;
	const char *what; /* errors: "tar", "layer" */
	const struct idshift *ids;
	dev_t dev; /* FILES: the start's filesystem, which the walk does not leave */
	struct links links;
	struct eng_layer_walk *walk; /* LAYER */
	char buf[1 << 16];
};

/* Docker's tarAppender (pkg/archive addTarFile) and containerd's changeWriter (continuity's
 * getLinkInfo) link every non-directory with more than one link. Commit's whiteouts, which
 * overlayfs makes as links of one inode since Linux 5.8 ("ovl: whiteout inode sharing"), are
 * written before this is asked (whiteout()): each an empty ".wh." file, never a link. */
static bool linked(const struct stat *st)
{
	return !S_ISDIR(st->st_mode) && st->st_nlink > 1;
}

static size_t slot_of(const struct links *l, dev_t dev, ino_t ino)
{
	uint64_t h = ((uint64_t)ino ^ ((uint64_t)dev << 29)) * 0x9e3779b97f4a7c15ull;
	return (size_t)(h >> 32) & (l->n_slots - 1);
}

/* Where the inode of st is kept (the pointer to it in its chain), or NULL. */
static struct seen **links_find(struct links *l, const struct stat *st)
{
	if (!l->n || !linked(st))
		return NULL;
	for (struct seen **p = &l->slot[slot_of(l, st->st_dev, st->st_ino)]; *p; p = &(*p)->next)
		if ((*p)->dev == st->st_dev && (*p)->ino == st->st_ino)
			return p;
	return NULL;
}

/* One more name of *at met: forgotten when it was the last. A link count that changed while
 * we walk only makes that sooner (later names written as files) or never. */
static void links_met(struct links *l, struct seen **at)
{
	struct seen *s = *at;
	if (--s->left > 0)
		return;
	*at = s->next;
	l->bytes -= sizeof(*s) + strlen(s->name) + 1;
	l->n--;
	free(s);
}

static void links_grow(struct links *l)
{
	size_t old = l->n_slots;
	struct seen **slots = l->slot;
	l->n_slots = old ? old * 2 : 64;
	l->slot = xcalloc(l->n_slots, sizeof(*l->slot));
	for (size_t i = 0; i < old; i++)
		for (struct seen *s = slots[i], *next; s; s = next) {
			next = s->next;
			struct seen **p = &l->slot[slot_of(l, s->dev, s->ino)];
			s->next = *p;
			*p = s;
		}
	free(slots);
}

/* The first name of an inode with more links (st is not in l yet). */
static void links_add(struct links *l, const struct stat *st, const char *name)
{
	if (!linked(st))
		return;
	size_t size = sizeof(struct seen) + strlen(name) + 1;
	if (l->bytes + size > LINKS_BYTES_MAX) {
		if (!l->full)
			log_warn("more hard-linked files than %u MiB of names: later links "
				 "written as files",
				 LINKS_BYTES_MAX >> 20);
		l->full = true;
		return;
	}
	if (l->n >= l->n_slots)
		links_grow(l);
	struct seen *s = xmalloc(size);
	*s = (struct seen){.dev = st->st_dev, .ino = st->st_ino, .left = st->st_nlink - 1};
	memcpy(s->name, name, strlen(name) + 1);
	struct seen **p = &l->slot[slot_of(l, s->dev, s->ino)];
	s->next = *p;
	*p = s;
	l->n++;
	l->bytes += size;
}

static void links_free(struct links *l)
{
	for (size_t i = 0; i < l->n_slots; i++)
		for (struct seen *s = l->slot[i], *next; s; s = next) {
			next = s->next;
			free(s);
		}
	free(l->slot);
}

static int header(struct tarball *t, struct archive_entry *e, struct berr **err)
{
	if (archive_write_header(t->out, e) != ARCHIVE_OK)
		return berr_plain(err, EIO, "%s: %s", t->what, archive_error_string(t->out));
	return 0;
}

/* A whiteout or opaque marker: an empty file under the image spec's name; a whiteout with
 * the times of the device it stands for (the applier gives them back to the device it makes,
 * so a kept upper directory and an unpacked layer agree), the opaque marker with none. */
static int marker(struct tarball *t, const char *name, const struct stat *st, struct berr **err)
{
	struct archive_entry *e = archive_entry_new();
	archive_entry_set_pathname(e, name);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, 0);
	if (st) {
		archive_entry_set_mtime(e, st->st_mtim.tv_sec, st->st_mtim.tv_nsec);
		archive_entry_set_atime(e, st->st_atim.tv_sec, st->st_atim.tv_nsec);
	}
	int r = header(t, e, err);
	archive_entry_free(e);
	return r;
}

/* overlayfs' whiteout, a 0:0 character device NAME, as the spec's ".wh.NAME" */
static int whiteout(struct tarball *t, const char *rel, const struct stat *st, struct berr **err)
{
	const char *slash = strrchr(rel, '/');
	autofree char *wh = slash ? xasprintf("%.*s/.wh.%s", (int)(slash - rel), rel, slash + 1)
				  : xasprintf(".wh.%s", rel);
	return marker(t, wh, st, err);
}

/* The xattrs a layer carries: security.capability (kept by the writer), the opaque mark. */
static bool layer_xattr(const char *name, int fd)
{
	if (!strcmp(name, "security.capability"))
		return true;
	char v[2] = "";
	const char *opaque = userns_overlay_opaque();
	return !strcmp(name, opaque) && fgetxattr(fd, opaque, v, sizeof(v)) == 1 && v[0] == 'y';
}

/* --normalize: the other xattrs of an open file or directory removed. */
static int strip_xattrs(int fd, const char *name, struct berr **err)
{
	char list[4096];
	ssize_t n = flistxattr(fd, list, sizeof(list));
	if (n < 0 && errno == ERANGE)
		return berr_plain(err, E2BIG, "'%s': too many extended attributes", name);
	for (ssize_t i = 0; n > 0 && i < n; i += (ssize_t)strlen(list + i) + 1)
		if (!layer_xattr(list + i, fd) && fremovexattr(fd, list + i) < 0 &&
		    errno != ENODATA)
			return berr_set(err, errno, "'%s': remove xattr %s", name, list + i);
	return 0;
}

/* What the entry's open file fd (or -1: its O_PATH fd pathfd alone) says beyond its stat. */
static int extra_meta(struct tarball *t, struct archive_entry *e, const struct stat *st, int pathfd,
		      int fd, struct berr **err)
{
	if (t->kind == LAYER) {
		char cap[256];
		ssize_t n = fd >= 0 ? fgetxattr(fd, "security.capability", cap, sizeof(cap)) : -1;
		if (n > 0)
			archive_entry_xattr_add_entry(e, "security.capability", cap, (size_t)n);
		return 0;
	}
	/* libarchive looks up by the entry's source path what it cannot get from the fd (a
	 * directory's default ACL, any ACL of a device): that path is the fd's own magic link */
	char fdpath[32];
	archive_entry_copy_sourcepath(e, path_fd(fd >= 0 ? fd : pathfd, fdpath));
	if (archive_read_disk_entry_from_file(t->disk, e, fd, st) < ARCHIVE_WARN)
		return berr_plain(err, EIO, "%s: %s", t->what, archive_error_string(t->disk));
	return 0;
}

static int file_data(struct tarball *t, int fd, int64_t size, struct berr **err)
{
	/* at most the size the header gave; a file that shrank meanwhile is padded by libarchive */
	for (int64_t off = 0; off < size;) {
		size_t want =
		    size - off < (int64_t)sizeof(t->buf) ? (size_t)(size - off) : sizeof(t->buf);
		ssize_t n = pread(fd, t->buf, want, off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return berr_set(err, errno, "read");
		if (n == 0)
			break;
		if (archive_write_data(t->out, t->buf, (size_t)n) < 0)
			return berr_plain(err, EIO, "%s: %s", t->what,
					  archive_error_string(t->out));
		off += n;
	}
	return 0;
}

/* The file or directory data of pathfd (O_PATH): -1 for other types. */
static int open_data(int pathfd, const struct stat *st, const char *name, struct berr **err)
{
	if (S_ISREG(st->st_mode)) {
		int fd = fs_open_regular(pathfd, NULL, NULL, err);
		return fd < 0 ? berr_wrap(err, "'%s'", name) : fd;
	}
	if (!S_ISDIR(st->st_mode))
		return -1;
	int fd = openat(pathfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return fd < 0 ? berr_set(err, errno, "open '%s'", name) : fd;
}

/* The owners of st as the container sees them (after anything that copies the stat again) */
static void translate(struct tarball *t, struct archive_entry *e, const struct stat *st)
{
	if (t->ids) {
		archive_entry_set_uid(e, idshift_uid(t->ids, (uint32_t)st->st_uid));
		archive_entry_set_gid(e, idshift_gid(t->ids, (uint32_t)st->st_gid));
	}
}

/* The header of st as name, owners translated */
static struct archive_entry *entry_of(struct tarball *t, const struct stat *st, const char *name)
{
	struct archive_entry *e = archive_entry_new();
	archive_entry_copy_stat(e, st);
	archive_entry_set_pathname(e, name);
	translate(t, e, st);
	return e;
}

/* A later name of an inode already written as (*at)->name: the image spec's hard link
 * ("Hardlinks are stored in a tar archive with type of a 1 char", typeflag '1'), size 0, as
 * docker and BuildKit write it. The first name's entry carried the inode's data, xattrs and
 * ACLs, and unpacking links the two names, so this one carries none. */
static int hard_link(struct tarball *t, const struct stat *st, const char *name, struct seen **at,
		     struct berr **err)
{
	struct archive_entry *e = entry_of(t, st, name);
	archive_entry_copy_hardlink(e, (*at)->name);
	archive_entry_set_size(e, 0);
	int r = header(t, e, err);
	archive_entry_free(e);
	if (r == 0)
		links_met(&t->links, at);
	return r;
}

/* The entry pathfd (O_PATH | O_NOFOLLOW) names, as name. A directory to walk into comes back
 * in out_dir (an O_RDONLY fd), else -1. */
static int add_fd(struct tarball *t, int pathfd, const char *name, int *out_dir, struct berr **err)
{
	*out_dir = -1;
	struct stat st;
	if (fstat(pathfd, &st) < 0)
		return berr_set(err, errno, "stat '%s'", name);
	if (t->kind == LAYER && S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0))
		return whiteout(t, name, &st, err);
	struct seen **first = links_find(&t->links, &st);
	if (first)
		return hard_link(t, &st, name, first, err);
	autoclose int fd = open_data(pathfd, &st, name, err);
	if (fd < 0 && (S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)))
		return fd;
	struct archive_entry *e = entry_of(t, &st, name);
	int r = 0;
	if (S_ISLNK(st.st_mode)) {
		char target[PATH_MAX];
		ssize_t n = readlinkat(pathfd, "", target, sizeof(target) - 1);
		if (n < 0)
			r = berr_set(err, errno, "readlink '%s'", name);
		else {
			target[n] = '\0';
			archive_entry_copy_symlink(e, target);
		}
	} else {
		r = extra_meta(t, e, &st, pathfd, fd, err);
		translate(t, e, &st); /* the disk reader set the owners on disk again */
	}
	if (!S_ISREG(st.st_mode))
		archive_entry_set_size(e, 0);
	if (r == 0)
		r = header(t, e, err);
	archive_entry_free(e);
	if (r == 0)
		links_add(&t->links, &st, name);
	if (r == 0 && S_ISREG(st.st_mode) && (r = file_data(t, fd, st.st_size, err)) < 0)
		r = berr_wrap(err, "'%s'", name);
	if (r == 0 && t->walk && S_ISREG(st.st_mode))
		t->walk->bytes += (uint64_t)st.st_size;
	if (r == 0 && t->walk && t->walk->normalize && fd >= 0)
		r = strip_xattrs(fd, name, err);
	if (r == 0 && S_ISDIR(st.st_mode) && t->kind == LAYER) {
		char v[2] = "";
		if (fgetxattr(fd, userns_overlay_opaque(), v, 1) == 1 && v[0] == 'y') {
			autofree char *opq = xasprintf("%s/.wh..wh..opq", name);
			r = marker(t, opq, NULL, err);
		}
	}
	/* as libarchive's ARCHIVE_READDISK_NO_TRAVERSE_MOUNTS did: a mount point is listed, its
	 * content is not */
	if (r == 0 && S_ISDIR(st.st_mode) && (t->kind == LAYER || st.st_dev == t->dev))
		*out_dir = take_fd(&fd);
	return r;
}

/* The entries of directory dir (consumed) named prefix/NAME ("": NAME), each followed by what
 * it holds. */
static int add_tree(struct tarball *t, int dir, const char *prefix, int depth, struct berr **err)
{
	DIR *d = fdopendir(dir);
	if (!d) {
		(void)close(dir);
		return berr_set(err, errno, "read '%s'", *prefix ? prefix : ".");
	}
	if (depth > DEPTH_MAX) {
		closedir(d);
		return berr_plain(err, ELOOP, "nested more than %d deep", DEPTH_MAX);
	}
	struct dirent *de;
	int r = 0;
	while (r == 0 && (de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		/* prefix "/" (cp of a container's "/", as Docker's): "/bin", not "//bin" */
		size_t pn = strlen(prefix);
		autofree char *rel = !pn ? xstrdup(de->d_name)
				     : prefix[pn - 1] == '/'
					 ? xasprintf("%s%s", prefix, de->d_name)
					 : xasprintf("%s/%s", prefix, de->d_name);
		autoclose int pathfd =
		    openat(dirfd(d), de->d_name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		int sub = -1;
		r = pathfd < 0 ? berr_set(err, errno, "open '%s'", rel)
			       : add_fd(t, pathfd, rel, &sub, err);
		if (r == 0 && sub >= 0)
			r = add_tree(t, sub, rel, depth + 1, err);
	}
	closedir(d);
	return r;
}

int eng_tarball_write(int dirfd, const char *name, const char *as, int out_fd,
		      const struct idshift *ids, struct berr **err)
{
	autoclose int fd = name ? openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC)
				: fcntl(dirfd, F_DUPFD_CLOEXEC, 0);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0)
		return berr_set(err, errno, "'%s'", as);
	struct tarball *t = xzalloc(sizeof(*t));
	t->out = archive_write_new();
	t->disk = archive_read_disk_new();
	t->kind = FILES;
	t->what = "tar";
	t->ids = ids;
	t->dev = st.st_dev;
	/* no xattrs (as before: Docker's export has security.capability alone, which this did
	 * not carry either); no user or group names: the host's would name the container's ids
	 * wrongly */
	archive_read_disk_set_behavior(t->disk, ARCHIVE_READDISK_NO_XATTR);
	archive_write_set_format_pax_restricted(t->out);
	int r = 0, sub = -1;
	if (archive_write_open_fd(t->out, out_fd) != ARCHIVE_OK)
		r = berr_plain(err, EIO, "tar: %s", archive_error_string(t->out));
	else
		r = add_fd(t, fd, *as ? as : ".", &sub, err);
	if (r == 0 && sub >= 0)
		r = add_tree(t, sub, as, 1, err);
	if (archive_write_close(t->out) != ARCHIVE_OK && r == 0)
		r = berr_plain(err, EIO, "tar: %s", archive_error_string(t->out));
	archive_write_free(t->out);
	archive_read_free(t->disk);
	links_free(&t->links);
	free(t);
	return r;
}

int eng_tarball_layer(struct archive *out, int dirfd, struct eng_layer_walk *w, struct berr **err)
{
	int dir = fcntl(dirfd, F_DUPFD_CLOEXEC, 3);
	if (dir < 0)
		return berr_set(err, errno, "dup");
	struct tarball *t = xzalloc(sizeof(*t));
	t->out = out;
	t->kind = LAYER;
	t->what = "layer";
	t->walk = w;
	int r = add_tree(t, dir, "", 0, err);
	links_free(&t->links);
	free(t);
	return r;
}
