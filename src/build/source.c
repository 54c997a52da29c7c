/* A COPY/ADD source name: cleaned, and resolved to a descriptor in its root (see source.h).
 *
 * The attack this file stops: a Containerfile (often someone else's, built from a checkout)
 * names what is copied into the image, and the checkout holds what it likes. A symbolic link
 * "key -> /home/me/.ssh/id_ed25519" or "up -> ../../.." must not carry host files into an
 * image. So in the context every name is opened below the context's own fd, one component at
 * a time with O_PATH | O_NOFOLLOW; links are read and followed by us, and refused when they
 * leave the context (RESOLVE_BENEATH's rule, done by hand so that each link can also be
 * checked against the ignore file). A stage's root is an image we built: links there resolve
 * inside it (path_open_in_root). What a resolved source selects is context.c's. */
#include "build/source.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "build/ignore.h"
#include "build/text.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/path.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

enum bld_ignore_verdict bld_source_verdict(const struct bld_ignore *ign, const char *path, bool dir)
{
	return ign ? bld_ignore_match(ign, path, dir) : BLD_IGNORE_KEEP;
}

char *bld_source_join(const char *a, const char *b)
{
	return *a ? xasprintf("%s/%s", a, b) : xstrdup(b);
}

int bld_source_not_found(const char *name, struct berr **err)
{
	return berr_plain(err, ENOENT, "\"/%s\": not found", name);
}

int bld_source_clean(const char *src, bool refuse_up, char **out, struct berr **err)
{
	int depth = 0;
	for (const char *p = src; *p;) {
		while (*p == '/')
			p++;
		size_t n = strcspn(p, "/");
		if (n == 2 && p[0] == '.' && p[1] == '.')
			depth--;
		else if (n && !(n == 1 && p[0] == '.'))
			depth++;
		if (depth < 0 && refuse_up)
			return berr_plain(err, EXDEV, "'%s' leads outside the build context", src);
		depth = depth < 0 ? 0 : depth;
		p += n;
	}
	autofree char *clean = path_clean(src);
	*out = xstrdup(clean + 1);
	return 0;
}

#define RESOLVE_DEPTH_MAX 256

void bld_resolved_clear(struct bld_resolved *r)
{
	if (r->fd >= 0)
		(void)close(r->fd);
	free(r->path);
	*r = (struct bld_resolved){.fd = -1};
}

struct beneath {
	const struct bld_root *root;
	const char *src;
	int fds[RESOLVE_DEPTH_MAX + 1]; /* fds[0] the root (not owned) */
	size_t ends[RESOLVE_DEPTH_MAX + 1];
	unsigned depth;
	struct strbuf path;
	int links;
};

static void beneath_pop(struct beneath *b)
{
	(void)close(b->fds[b->depth]);
	b->depth--;
	b->path.len = b->ends[b->depth];
	if (b->path.s)
		b->path.s[b->path.len] = '\0';
}

static void beneath_push(struct beneath *b, int fd, const char *name)
{
	if (b->path.len)
		strbuf_addc(&b->path, '/');
	strbuf_add(&b->path, name, strlen(name));
	b->fds[++b->depth] = fd;
	b->ends[b->depth] = b->path.len;
}

/* A link met on the way (fd its O_PATH handle, cand its path): its target joins the rest of
 * the walk, resolved with the context as the root, as BuildKit's scoped resolution does: an
 * absolute target starts again at the context's top, ".." stops there. */
static int beneath_link(struct beneath *b, int fd, const char *cand, char **todo, struct berr **err)
{
	if (++b->links > BLD_SYMLINKS_MAX)
		return berr_plain(err, ELOOP, "\"/%s\": too many levels of symbolic links", b->src);
	char target[PATH_MAX];
	ssize_t n = readlinkat(fd, "", target, sizeof(target) - 1);
	if (n < 0)
		return berr_set(err, errno, "readlink '%s'", cand);
	target[n] = '\0';
	while (target[0] == '/' && b->depth > 0)
		beneath_pop(b);
	char *next = xasprintf("%s/%s", target, *todo);
	free(*todo);
	*todo = next;
	return 0;
}

/* One name of the walk: into a directory, through a link, or the last one. 1: go on, 0: done. */
static int beneath_step(struct beneath *b, const char *name, bool last, char **todo,
			struct berr **err)
{
	if (!strcmp(name, "..")) { /* only from a link's target: the source's own are refused */
		if (b->depth > 0)
			beneath_pop(b);
		return 1;
	}
	int fd = openat(b->fds[b->depth], name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT || errno == ENOTDIR
			   ? bld_source_not_found(b->src, err)
			   : berr_set(err, errno, "open '%s'", name);
	struct stat st;
	if (fstat(fd, &st) < 0) {
		(void)close(fd);
		return berr_set(err, errno, "stat '%s'", name);
	}
	autofree char *cand = bld_source_join(b->path.s ? b->path.s : "", name);
	bool dir = S_ISDIR(st.st_mode);
	enum bld_ignore_verdict v = bld_source_verdict(b->root->ignore, cand, dir);
	int r = 1;
	if (v == BLD_IGNORE_PRUNE || (v == BLD_IGNORE_EXCLUDE && !dir))
		r = bld_source_not_found(b->src, err); /* never sent to the builder */
	else if (S_ISLNK(st.st_mode))
		r = beneath_link(b, fd, cand, todo, err);
	else if (!dir && !last)
		r = bld_source_not_found(b->src, err);
	else if (b->depth >= RESOLVE_DEPTH_MAX)
		r = berr_plain(err, ENAMETOOLONG, "\"/%s\": too deep", b->src);
	if (r < 0 || S_ISLNK(st.st_mode)) {
		(void)close(fd);
		return r < 0 ? r : 1;
	}
	beneath_push(b, fd, name);
	return dir;
}

static int resolve_beneath(const struct bld_root *root, const char *src, struct bld_resolved *out,
			   struct berr **err)
{
	struct beneath b = {.root = root, .src = src};
	b.fds[0] = root->fd;
	strbuf_add(&b.path, "", 0);
	autofree char *todo = xstrdup(src);
	int r = 0;
	for (;;) {
		char *p = todo + strspn(todo, "/");
		if (!*p)
			break;
		size_t n = strcspn(p, "/");
		autofree char *name = xstrndup(p, n);
		char *rest = xstrdup(p + n);
		free(todo);
		todo = rest;
		if (!strcmp(name, "."))
			continue;
		if (n > NAME_MAX) {
			r = berr_plain(err, ENAMETOOLONG, "\"/%s\": name too long", src);
			break;
		}
		r = beneath_step(&b, name, rest[strspn(rest, "/")] == '\0', &todo, err);
		if (r <= 0)
			break;
	}
	struct stat st;
	if (r >= 0) {
		out->fd = b.depth ? b.fds[b.depth--]
				  : openat(root->fd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (out->fd < 0 || fstat(out->fd, &st) < 0)
			r = berr_set(err, errno, "open '%s' in the build context", src);
		out->path = strbuf_take(&b.path);
		out->ignored =
		    r >= 0 && S_ISDIR(st.st_mode) &&
		    bld_source_verdict(root->ignore, out->path, true) == BLD_IGNORE_EXCLUDE;
	}
	for (; b.depth > 0; b.depth--)
		(void)close(b.fds[b.depth]);
	strbuf_clear(&b.path);
	return r < 0 ? r : 0;
}

/* Hand e over as this function's error (err may be NULL). */
static int pass(struct berr **err, struct berr *e, int r)
{
	if (err && !*err)
		*err = e;
	else
		berr_free(e);
	return r;
}

int bld_resolve(const struct bld_root *root, const char *src, struct bld_resolved *out,
		struct berr **err)
{
	*out = (struct bld_resolved){.fd = -1};
	if (root->context)
		return resolve_beneath(root, src, out, err);
	struct berr *e = NULL;
	out->fd = path_open_in_root(root->fd, *src ? src : ".", O_PATH, 0, &e);
	if (out->fd >= 0)
		return 0;
	if (berr_code(e) == ENOENT || berr_code(e) == ENOTDIR) {
		berr_free(e);
		return bld_source_not_found(src, err);
	}
	return pass(err, e, out->fd);
}
