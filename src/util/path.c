/* Root-confined path resolution (STYLE.md "Paths under a container rootfs or image layer").
 *
 * The attack: a container or image controls every name below its root. If we built
 * "rootfs/" + "etc/x" and handed it to open() or mount(), a symlink "etc -> /" inside the rootfs
 * would make us act on the host's /x (runc CVE-2021-30465 and friends). So we resolve inside the
 * root: openat2(2) RESOLVE_IN_ROOT treats the root fd as "/" for absolute symlinks and "..",
 * and RESOLVE_NO_MAGICLINKS refuses /proc/<pid>/fd-style jumps. Kernels before 5.6 (or a seccomp
 * filter) lack openat2: then we walk component by component with O_PATH|O_NOFOLLOW and expand
 * symlinks by reading them, which gives the same answer without the kernel's help. */
#include "util/path.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/err.h"
#include "util/xalloc.h"

#define MAX_SYMLINKS 40
#define MAX_DEPTH    256

const char *path_fd(int fd, char buf[32])
{
	snprintf(buf, 32, "/proc/self/fd/%d", fd);
	return buf;
}

char *path_clean(const char *path)
{
	size_t n = strlen(path);
	char *out = xmalloc(n + 2);
	size_t len = 0;
	out[len++] = '/';
	const char *p = path;
	while (*p) {
		while (*p == '/')
			p++;
		const char *start = p;
		while (*p && *p != '/')
			p++;
		size_t clen = (size_t)(p - start);
		if (clen == 0 || (clen == 1 && start[0] == '.'))
			continue;
		if (clen == 2 && start[0] == '.' && start[1] == '.') {
			while (len > 1 && out[len - 1] != '/')
				len--;
			if (len > 1)
				len--;
			continue;
		}
		if (len > 1)
			out[len++] = '/';
		memcpy(out + len, start, clen);
		len += clen;
	}
	out[len] = '\0';
	return out;
}

/* The walk keeps the unresolved rest of the path in `todo` (a string we consume from the front)
 * and a stack of directory fds from the root down to where we are; ".." pops, never past root. */
struct walk {
	int fds[MAX_DEPTH + 1];
	int depth; /* fds[0] is the root (not owned), fds[1..depth] owned */
	char *todo;
	int links;
};

static void walk_pop_all(struct walk *w)
{
	while (w->depth > 0)
		(void)close(w->fds[w->depth--]);
}

static int walk_next(char **todo, char *out_name, size_t cap)
{
	char *p = *todo;
	while (*p == '/')
		p++;
	char *start = p;
	while (*p && *p != '/')
		p++;
	size_t len = (size_t)(p - start);
	if (len >= cap)
		return -ENAMETOOLONG;
	memcpy(out_name, start, len);
	out_name[len] = '\0';
	*todo = p;
	return (int)len;
}

static int rest_is_empty(const char *p)
{
	while (*p == '/')
		p++;
	return *p == '\0';
}

static int walk_expand_link(struct walk *w, int linkfd, const char *name, struct berr **err)
{
	if (++w->links > MAX_SYMLINKS)
		return berr_set(err, ELOOP, "too many levels of symbolic links at '%s'", name);
	char target[4097];
	ssize_t n = readlinkat(linkfd, "", target, sizeof(target) - 1);
	if (n < 0)
		return berr_set(err, errno, "readlink '%s'", name);
	target[n] = '\0';
	if (target[0] == '/')
		walk_pop_all(w); /* absolute targets restart at the root we were given */
	char *todo = xasprintf("%s/%s", target, w->todo);
	free(w->todo);
	w->todo = todo;
	return 0;
}

/* What the caller of the walk asked for. */
struct walk_want {
	const char *path;
	int flags;
	mode_t mode;
};

static int walk_open_dot(int dirfd, int flags, const char *path, struct berr **err)
{
	int fd = openat(dirfd, ".", flags | O_CLOEXEC);
	return fd < 0 ? berr_set(err, errno, "open '%s'", path) : fd;
}

/* The last name, `fd` its O_PATH handle (not a symlink): that handle, or the name opened as
 * asked, O_NOFOLLOW so that a symlink swapped in since we looked fails. */
static int walk_open_last(int dirfd, const char *name, int fd, const struct walk_want *want,
			  struct berr **err)
{
	if (want->flags & O_PATH)
		return fd;
	(void)close(fd);
	int r = openat(dirfd, name, (want->flags & ~O_CREAT) | O_NOFOLLOW | O_CLOEXEC, want->mode);
	return r < 0 ? berr_set(err, errno, "open '%s'", want->path) : r;
}

/* A symlink met on the way, `fd` its O_PATH handle (taken): the walk goes on through its
 * target (returns 0), or, as the last name under O_NOFOLLOW, ends (*done: the link itself
 * when O_PATH, else ELOOP). */
static int walk_symlink(struct walk *w, const char *name, int fd, bool last,
			const struct walk_want *want, bool *done, struct berr **err)
{
	*done = last && (want->flags & O_NOFOLLOW);
	if (*done && (want->flags & O_PATH))
		return fd;
	int r = *done ? berr_set(err, ELOOP, "open '%s': is a symlink", want->path)
		      : walk_expand_link(w, fd, name, err);
	(void)close(fd);
	return r;
}

/* One name of the path, neither "." nor "..": into it (a directory), through it (a symlink)
 * or, the last, opened. Returns 0 to go on, else the walk's end (*done): an fd or an error. */
static int walk_step(struct walk *w, const char *name, bool last, const struct walk_want *want,
		     bool *done, struct berr **err)
{
	int cur = w->fds[w->depth];
	*done = true;
	int fd = openat(cur, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT && last && (want->flags & O_CREAT)) {
		fd = openat(cur, name, want->flags | O_NOFOLLOW | O_CLOEXEC, want->mode);
		return fd < 0 ? berr_set(err, errno, "create '%s'", want->path) : fd;
	}
	if (fd < 0)
		return berr_set(err, errno, "open '%s'", want->path);
	struct stat st;
	int r = 0;
	if (fstat(fd, &st) < 0)
		r = berr_set(err, errno, "stat '%s'", want->path);
	else if (S_ISLNK(st.st_mode)) {
		r = walk_symlink(w, name, fd, last, want, done, err);
		*done = *done || r < 0;
		return r;
	} else if (last)
		return walk_open_last(cur, name, fd, want, err);
	else if (!S_ISDIR(st.st_mode))
		r = berr_set(err, ENOTDIR, "open '%s': '%s' is not a directory", want->path, name);
	else if (w->depth >= MAX_DEPTH)
		r = berr_set(err, ENAMETOOLONG, "open '%s': too deep", want->path);
	if (r < 0) {
		(void)close(fd);
		return r;
	}
	w->fds[++w->depth] = fd;
	*done = false;
	return 0;
}

int path_open_in_root_walk(int rootfd, const char *path, int flags, mode_t mode, struct berr **err)
{
	struct walk w = {.depth = 0, .links = 0};
	const struct walk_want want = {.path = path, .flags = flags, .mode = mode};
	w.fds[0] = rootfd;
	w.todo = xstrdup(path);
	int ret = -EINVAL; /* every way out of the loop sets it */
	char name[256];

	for (bool done = false; !done;) {
		char *cursor = w.todo;
		int len = walk_next(&cursor, name, sizeof(name));
		if (len < 0) {
			ret = berr_set(err, -len, "path component too long in '%s'", path);
			break;
		}
		/* Consume what walk_next read: keep the rest as a fresh string. */
		char *rest = xstrdup(cursor);
		free(w.todo);
		w.todo = rest;
		bool last = rest_is_empty(w.todo);

		if (len == 0 || !strcmp(name, ".")) {
			if (!last && len != 0)
				continue;
			/* The path names the current directory itself. */
			ret = walk_open_dot(w.fds[w.depth],
					    flags & ~(O_CREAT | O_EXCL | O_NOFOLLOW), path, err);
			break;
		}
		if (!strcmp(name, "..")) {
			if (w.depth > 0)
				(void)close(w.fds[w.depth--]);
			if (!last)
				continue;
			ret = walk_open_dot(w.fds[w.depth], flags & ~(O_CREAT | O_EXCL), path, err);
			break;
		}
		ret = walk_step(&w, name, last, &want, &done, err);
	}
	walk_pop_all(&w);
	free(w.todo);
	return ret;
}

int path_open_in_root(int rootfd, const char *path, int flags, mode_t mode, struct berr **err)
{
	struct open_how how = {
	    .flags = (unsigned long long)(flags | O_CLOEXEC),
	    .mode = (flags & (O_CREAT | O_TMPFILE)) ? mode : 0,
	    .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	const char *rel = path;
	while (*rel == '/')
		rel++;
	if (*rel == '\0')
		rel = ".";
	for (int tries = 0; tries < 16; tries++) {
		int fd = (int)syscall(SYS_openat2, rootfd, rel, &how, sizeof(how));
		if (fd >= 0)
			return fd;
		if (errno == EAGAIN) /* a concurrent rename raced the lookup: retry */
			continue;
		if (errno == ENOSYS || errno == EPERM)
			return path_open_in_root_walk(rootfd, rel, flags, mode, err);
		return berr_set(err, errno, "open '%s'", path);
	}
	return berr_set(err, EAGAIN, "open '%s'", path);
}

static int mkdir_in_root(int rootfd, const char *path, mode_t mode, int depth, struct berr **err)
{
	if (depth > MAX_SYMLINKS)
		return berr_set(err, ELOOP, "mkdir '%s': too many levels of symbolic links", path);
	autofree char *clean = path_clean(path);
	/* Most targets exist already: one lookup then. */
	int whole = path_open_in_root(rootfd, clean, O_PATH | O_DIRECTORY, 0, NULL);
	if (whole >= 0)
		return whole;
	autoclose int cur = openat(rootfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (cur < 0)
		return berr_set(err, errno, "open root");
	/* Resolve each prefix from the root: a symlink in the middle is followed inside the root,
	 * and each new directory is made in the directory its parent resolved to. */
	for (char *p = clean + 1; *p;) {
		char *slash = strchr(p, '/');
		if (slash)
			*slash = '\0';
		int fd = path_open_in_root(rootfd, clean, O_PATH | O_DIRECTORY, 0, NULL);
		if (fd < 0) {
			if (mkdirat(cur, p, mode) < 0 && errno != EEXIST)
				return berr_set(err, errno, "mkdir '%s'", clean);
			fd = path_open_in_root(rootfd, clean, O_PATH | O_DIRECTORY, 0, NULL);
		}
		if (fd < 0) {
			/* A dangling symlink: make its target (inside the root), then go on. */
			char target[4097];
			ssize_t n = readlinkat(cur, p, target, sizeof(target) - 1);
			if (n < 0)
				return berr_set(err, ENOTDIR, "mkdir '%s': not a directory", clean);
			target[n] = '\0';
			char *parent = xstrndup(clean, (size_t)(p - clean));
			char *abs =
			    target[0] == '/' ? xstrdup(target) : xasprintf("%s/%s", parent, target);
			free(parent);
			int r = mkdir_in_root(rootfd, abs, mode, depth + 1, err);
			free(abs);
			if (r < 0)
				return r;
			(void)close(r);
			fd = path_open_in_root(rootfd, clean, O_PATH | O_DIRECTORY, 0, err);
			if (fd < 0)
				return fd;
		}
		(void)close(cur);
		cur = fd;
		if (!slash)
			break;
		*slash = '/';
		p = slash + 1;
	}
	return take_fd(&cur);
}

int path_mkdir_in_root(int rootfd, const char *path, mode_t mode, struct berr **err)
{
	return mkdir_in_root(rootfd, path, mode, 0, err);
}
