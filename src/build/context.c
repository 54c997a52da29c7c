/* The build context and the selection of COPY/ADD sources (see context.h); a source name is
 * resolved to its descriptor by source.c, which says which attack that stops.
 *
 * Below a resolved source, nothing is followed: the walk lists links as links, opens each
 * directory by name with O_NOFOLLOW and checks it is still the one it stat'ed, and refuses
 * FIFOs, sockets and device nodes from their lstat, never opening them (a FIFO would hang the
 * build, a device node make us read a disk). The walk that reads a selection again for the
 * copy checks every entry against what was selected. */
#include "build/context.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "build/ignore.h"
#include "build/source.h"
#include "build/text.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/path.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

struct bld_context {
	int fd;
	struct bld_ignore *ignore;
	char *ignore_name;
};

/* ---- paths ---- */

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? s + 1 : path;
}

static unsigned components(const char *path)
{
	unsigned n = *path != '\0';
	for (const char *p = path; *p; p++)
		n += *p == '/';
	return n;
}

static const char *kind_name(mode_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFIFO:
		return "a FIFO";
	case S_IFSOCK:
		return "a socket";
	case S_IFCHR:
		return "a character device";
	case S_IFBLK:
		return "a block device";
	default:
		return "not a file, directory or symbolic link";
	}
}

/* The rule: the context offers files, directories and links, nothing that a read
 * could block on or that a driver answers. */
static int refuse_special(const char *path, mode_t mode, struct berr **err)
{
	return berr_plain(err, EINVAL,
			  "'%s' in the build context is %s: only files, directories and "
			  "symbolic links can be copied",
			  path, kind_name(mode));
}

/* ---- selection ---- */

struct sel {
	const struct bld_root *root;
	const struct bld_select_opts *o;
	struct bld_selection *out;
	struct bld_limits lim;
	struct bld_match *m; /* being filled */
	size_t cap;
	const char *base; /* context: the match's path in the context */
	char **lit;       /* include: the pattern's leading literal components */
	size_t n_lit;
};

static void entry_clear(struct bld_entry *e)
{
	free(e->path);
	free(e->link);
}

static void match_clear(struct bld_match *m)
{
	for (size_t i = 0; i < m->n; i++)
		entry_clear(&m->v[i]);
	free(m->v);
	free(m->name);
}

void bld_selection_clear(struct bld_selection *sel)
{
	for (size_t i = 0; i < sel->n; i++)
		match_clear(&sel->v[i]);
	free(sel->v);
	*sel = (struct bld_selection){0};
}

static int add_entry(struct sel *s, char *path, const struct stat *st, char *link,
		     struct berr **err)
{
	struct bld_selection *o = s->out;
	if (o->entries >= s->lim.entries ||
	    (S_ISREG(st->st_mode) && (uint64_t)st->st_size > s->lim.bytes - o->bytes)) {
		free(path);
		free(link);
		bool many = o->entries >= s->lim.entries;
		return berr_plain(err, E2BIG, "more than %llu %s selected",
				  (unsigned long long)(many ? s->lim.entries : s->lim.bytes),
				  many ? "files and directories" : "bytes of files");
	}
	if (s->m->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 16;
		s->m->v = xrealloc(s->m->v, s->cap * sizeof(*s->m->v));
	}
	s->m->v[s->m->n++] = (struct bld_entry){
	    .path = path,
	    .mode = st->st_mode,
	    .uid = st->st_uid,
	    .gid = st->st_gid,
	    .dev = st->st_dev,
	    .rdev = st->st_rdev,
	    .ino = st->st_ino,
	    .nlink = st->st_nlink,
	    .size = S_ISREG(st->st_mode) ? st->st_size : 0,
	    .atime = st->st_atim,
	    .mtime = st->st_mtim,
	    .link = link,
	};
	o->entries++;
	o->bytes += S_ISREG(st->st_mode) ? (uint64_t)st->st_size : 0;
	return 0;
}

static void drop_last(struct sel *s) /* a directory: no bytes */
{
	struct bld_entry *e = &s->m->v[--s->m->n];
	s->out->entries--;
	entry_clear(e);
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in directory fd, sorted (byte order: with parents listed first, the walk is in the
 * order of BuildKit's content-hash keys, where '/' sorts lowest). */
static int read_names(int fd, const struct bld_limits *lim, char ***out, size_t *out_n,
		      struct berr **err)
{
	int dup = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = dup >= 0 ? fdopendir(dup) : NULL;
	if (!d) {
		if (dup >= 0)
			(void)close(dup);
		return berr_set(err, errno, "read directory");
	}
	char **v = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	int r = 0;
	while (r == 0 && (errno = 0, de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (n >= lim->entries) {
			r = berr_plain(err, E2BIG, "a directory holds more than %llu entries",
				       (unsigned long long)lim->entries);
			break;
		}
		if (n == cap) {
			cap = cap ? 2 * cap : 32;
			v = xrealloc(v, cap * sizeof(*v));
		}
		v[n++] = xstrdup(de->d_name);
	}
	if (r == 0 && errno)
		r = berr_set(err, errno, "read directory");
	closedir(d);
	if (r < 0) {
		for (size_t i = 0; i < n; i++)
			free(v[i]);
		free(v);
		return r;
	}
	if (n)
		qsort(v, n, sizeof(*v), cmp_names);
	*out = v;
	*out_n = n;
	return 0;
}

static void free_names(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* Whether rel (below the match) is taken, and whether a directory is taken for itself (false:
 * only when something it holds is). *skip: not at all, nor anything below. */
static void filter(const struct sel *s, const char *rel, bool dir, unsigned depth, bool *skip,
		   bool *self)
{
	*skip = false;
	*self = true;
	if (s->root->ignore) {
		autofree char *cpath = bld_source_join(s->base, rel);
		enum bld_ignore_verdict v = bld_ignore_match(s->root->ignore, cpath, dir);
		*skip |= v == BLD_IGNORE_PRUNE || (v == BLD_IGNORE_EXCLUDE && !dir);
		*self &= v == BLD_IGNORE_KEEP;
	}
	enum bld_ignore_verdict v = bld_source_verdict(s->o->exclude, rel, dir);
	*skip |= v == BLD_IGNORE_PRUNE || (v == BLD_IGNORE_EXCLUDE && !dir);
	*self &= v == BLD_IGNORE_KEEP;
	if (s->o->include && bld_source_verdict(s->o->include, rel, dir) == BLD_IGNORE_KEEP) {
		/* not included: a directory may still lead to what is, unless it leaves the
		 * pattern's literal leading part */
		*self = false;
		*skip |= !dir || (depth < s->n_lit && strcmp(base_name(rel), s->lit[depth]));
	}
}

static int walk_dir(struct sel *s, int dirfd, struct strbuf *rel, unsigned depth,
		    struct berr **err);

/* One name in directory dirfd, rel its path below the match. */
static int walk_entry(struct sel *s, int dirfd, const char *name, struct strbuf *rel,
		      unsigned depth, struct berr **err)
{
	struct stat st;
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : berr_set(err, errno, "stat '%s'", rel->s);
	bool dir = S_ISDIR(st.st_mode), skip, self;
	filter(s, rel->s, dir, depth, &skip, &self);
	if (skip)
		return 0;
	if (s->root->context && !dir && !S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode)) {
		autofree char *cpath = bld_source_join(s->base, rel->s);
		return refuse_special(cpath, st.st_mode, err);
	}
	char *link = NULL;
	if (S_ISLNK(st.st_mode)) {
		char target[PATH_MAX];
		ssize_t n = readlinkat(dirfd, name, target, sizeof(target) - 1);
		if (n < 0)
			return berr_set(err, errno, "readlink '%s'", rel->s);
		link = xstrndup(target, (size_t)n);
	}
	size_t at = s->m->n;
	int r = add_entry(s, xstrdup(rel->s), &st, link, err);
	if (r < 0 || !dir)
		return r;
	autoclose int sub = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct stat now;
	if (sub < 0 || fstat(sub, &now) < 0)
		return berr_set(err, errno, "open '%s'", rel->s);
	if (now.st_dev != st.st_dev || now.st_ino != st.st_ino)
		return berr_plain(err, ESTALE, "'%s' changed while the build read it", rel->s);
	r = walk_dir(s, sub, rel, depth + 1, err);
	if (r == 0 && !self && s->m->n == at + 1)
		drop_last(s); /* nothing below it is taken: neither is it */
	return r;
}

static int walk_dir(struct sel *s, int dirfd, struct strbuf *rel, unsigned depth, struct berr **err)
{
	if (depth > s->lim.depth)
		return berr_plain(err, ELOOP, "'%s': directories nested more than %u deep",
				  rel->s ? rel->s : "", s->lim.depth);
	char **names = NULL;
	size_t n = 0;
	int r = read_names(dirfd, &s->lim, &names, &n, err);
	for (size_t i = 0; r == 0 && i < n; i++) {
		size_t mark = rel->len;
		if (mark)
			strbuf_addc(rel, '/');
		strbuf_add(rel, names[i], strlen(names[i]));
		r = walk_entry(s, dirfd, names[i], rel, depth, err);
		rel->len = mark;
		rel->s[mark] = '\0';
	}
	free_names(names, n);
	return r;
}

/* Whether path was selected: itself or something below it. */
static bool selected(const struct bld_match *m, const char *path)
{
	size_t n = strlen(path);
	for (size_t i = 0; i < m->n; i++)
		if (!strncmp(m->v[i].path, path, n) &&
		    (m->v[i].path[n] == '\0' || m->v[i].path[n] == '/'))
			return true;
	return false;
}

/* The source name (clean, relative), resolved: one match and all below it. explicit: named
 * without patterns (missing is an error). */
static int select_one(struct sel *s, const char *name, bool explicit, struct berr **err)
{
	struct bld_resolved res = {.fd = -1};
	int r = bld_resolve(s->root, name, &res, err);
	if (r < 0)
		return r;
	struct stat st;
	if (fstat(res.fd, &st) < 0) {
		r = berr_set(err, errno, "stat '%s'", name);
		bld_resolved_clear(&res);
		return r;
	}
	if (s->root->context && !S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode)) {
		r = refuse_special(res.path, st.st_mode, err);
		bld_resolved_clear(&res);
		return r;
	}
	struct bld_selection *o = s->out;
	o->v = xrealloc(o->v, (o->n + 1) * sizeof(*o->v));
	s->m = &o->v[o->n++];
	*s->m = (struct bld_match){.name = xstrdup(name)};
	s->cap = 0;
	s->base = res.path ? res.path : "";
	r = add_entry(s, xstrdup(""), &st, NULL, err);
	if (r == 0 && S_ISDIR(st.st_mode)) {
		autoclose int dir = openat(res.fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		struct strbuf rel = {0};
		strbuf_add(&rel, "", 0);
		r = dir < 0 ? berr_set(err, errno, "open '%s'", name)
			    : walk_dir(s, dir, &rel, 0, err);
		strbuf_clear(&rel);
	}
	bool gone = r == 0 && res.ignored && s->m->n == 1;
	if (r == 0 && s->o->required && !selected(s->m, s->o->required)) {
		autofree char *full = bld_source_join(name, s->o->required);
		r = bld_source_not_found(full, err);
	} else if (gone && explicit) {
		r = bld_source_not_found(name, err);
	}
	if (r < 0 || gone) {
		for (size_t i = 0; i < s->m->n; i++)
			o->bytes -= S_ISREG(s->m->v[i].mode) ? (uint64_t)s->m->v[i].size : 0;
		o->entries -= s->m->n;
		match_clear(s->m);
		o->n--;
	}
	bld_resolved_clear(&res);
	return r;
}

/* The pattern components pat[0..n) below directory dirfd (dir its name, relative). */
static int select_glob(struct sel *s, int dirfd, const char *dir, const char *ctxdir, char **pat,
		       size_t n, struct berr **err)
{
	char **names = NULL;
	size_t nn = 0;
	int r = read_names(dirfd, &s->lim, &names, &nn, err);
	for (size_t i = 0; r == 0 && i < nn; i++) {
		bool m = false;
		r = bld_glob_match(pat[0], names[i], &m, err);
		struct stat st;
		if (r < 0 || !m || fstatat(dirfd, names[i], &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		bool isdir = S_ISDIR(st.st_mode);
		autofree char *cpath = bld_source_join(ctxdir, names[i]);
		enum bld_ignore_verdict v = bld_source_verdict(s->root->ignore, cpath, isdir);
		if (v == BLD_IGNORE_PRUNE || (v == BLD_IGNORE_EXCLUDE && !isdir))
			continue; /* not in the context the builder sees */
		autofree char *name = bld_source_join(dir, names[i]);
		if (n == 1) {
			r = select_one(s, name, false, err);
		} else if (isdir) {
			autoclose int sub = openat(dirfd, names[i],
						   O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			r = sub < 0 ? berr_set(err, errno, "open '%s'", name)
				    : select_glob(s, sub, name, cpath, pat + 1, n - 1, err);
		}
	}
	free_names(names, nn);
	return r;
}

/* src split at its first component with wildcards: the literal directory, then patterns. */
static int select_wild(struct sel *s, const char *clean, struct berr **err)
{
	char **comps = NULL;
	size_t n = 0, k = 0;
	autofree char *copy = xstrdup(clean);
	for (char *save = NULL, *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save))
		bld_strv_push(&comps, &n, xstrdup(c));
	while (k < n && !bld_has_wildcards(comps[k]))
		k++;
	struct strbuf dir = {0};
	strbuf_add(&dir, "", 0);
	for (size_t i = 0; i < k; i++) {
		if (i)
			strbuf_addc(&dir, '/');
		strbuf_add(&dir, comps[i], strlen(comps[i]));
	}
	int r = 0;
	struct bld_resolved res = {.fd = -1};
	if (k == n) {
		r = select_one(s, dir.s, true, err);
	} else if ((r = bld_resolve(s->root, dir.s, &res, err)) == 0) {
		autoclose int fd = openat(res.fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd >= 0)
			r = select_glob(s, fd, dir.s, res.path ? res.path : "", comps + k, n - k,
					err);
		else if (errno != ENOTDIR) /* not a directory: nothing matches (filepath.Walk) */
			r = berr_set(err, errno, "open '%s'", dir.s);
	}
	bld_resolved_clear(&res);
	strbuf_clear(&dir);
	for (size_t i = 0; i < n; i++)
		free(comps[i]);
	free(comps);
	return r;
}

int bld_select(const struct bld_root *root, const char *src, const struct bld_select_opts *o,
	       struct bld_selection *out, struct berr **err)
{
	struct sel s = {.root = root, .o = o, .out = out, .lim = o->limits};
	s.lim.entries = s.lim.entries ? s.lim.entries : BLD_SELECT_ENTRIES_MAX;
	s.lim.bytes = s.lim.bytes ? s.lim.bytes : BLD_SELECT_BYTES_MAX;
	s.lim.depth =
	    s.lim.depth && s.lim.depth < BLD_SELECT_DEPTH_MAX ? s.lim.depth : BLD_SELECT_DEPTH_MAX;
	autofree char *clean = NULL;
	int r = bld_source_clean(src, root->context, &clean, err);
	if (r < 0)
		return r;
	autofree char *lits = o->include ? xstrdup(bld_ignore_pattern(o->include, 0, NULL)) : NULL;
	for (char *save = NULL, *c = lits ? strtok_r(lits, "/", &save) : NULL;
	     c && !strpbrk(c, "*?[\\"); c = strtok_r(NULL, "/", &save))
		bld_strv_push(&s.lit, &s.n_lit, xstrdup(c));
	r = select_wild(&s, clean, err);
	for (size_t i = 0; i < s.n_lit; i++)
		free(s.lit[i]);
	free(s.lit);
	return r;
}

/* ---- reading a selection again ---- */

static int walk_check(const struct bld_entry *e, int fd, const char *name, struct berr **err)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return berr_set(err, errno, "stat '%s'", name);
	if ((st.st_mode & S_IFMT) != (e->mode & S_IFMT) || st.st_dev != e->dev ||
	    st.st_ino != e->ino)
		return berr_plain(err, ESTALE, "'%s' changed while the build read it", name);
	return 0;
}

int bld_walk_start(struct bld_walk *w, const struct bld_root *root, const struct bld_match *m,
		   struct berr **err)
{
	*w = (struct bld_walk){.root = root, .m = m, .cur = -1};
	struct bld_resolved res;
	int r = bld_resolve(root, m->name, &res, err);
	if (r == 0)
		r = walk_check(&m->v[0], res.fd, m->name, err);
	if (r < 0) {
		bld_resolved_clear(&res);
		return r;
	}
	if (S_ISDIR(m->v[0].mode))
		w->dirs[w->n_dirs++] = take_fd(&res.fd);
	else
		w->cur = take_fd(&res.fd);
	bld_resolved_clear(&res);
	return 0;
}

int bld_walk_next(struct bld_walk *w, const struct bld_entry **out_e, int *out_fd,
		  struct berr **err)
{
	if (w->next >= w->m->n)
		return 0;
	const struct bld_entry *e = &w->m->v[w->next];
	if (w->next++ == 0) {
		*out_e = e;
		*out_fd = w->cur >= 0 ? w->cur : w->dirs[0];
		return 1;
	}
	if (w->cur >= 0)
		(void)close(take_fd(&w->cur));
	unsigned depth = components(e->path);
	while (w->n_dirs > depth)
		(void)close(w->dirs[--w->n_dirs]);
	if (depth == 0 || w->n_dirs != depth || depth > BLD_SELECT_DEPTH_MAX)
		return berr_plain(err, EINVAL, "'%s': selection out of order", e->path);
	autoclose int fd =
	    openat(w->dirs[depth - 1], base_name(e->path), O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT
			   ? berr_plain(err, ESTALE, "'%s' went away while the build read it",
					e->path)
			   : berr_set(err, errno, "open '%s'", e->path);
	int r = walk_check(e, fd, e->path, err);
	if (r < 0)
		return r;
	*out_e = e;
	*out_fd = fd;
	if (S_ISDIR(e->mode))
		w->dirs[w->n_dirs++] = take_fd(&fd);
	else
		w->cur = take_fd(&fd);
	return 1;
}

void bld_walk_end(struct bld_walk *w)
{
	if (w->cur >= 0)
		(void)close(take_fd(&w->cur));
	while (w->n_dirs > 0)
		(void)close(w->dirs[--w->n_dirs]);
}

/* ---- the context ---- */

/* The file path under dirfd as the user named it (links followed: the user's own path), if
 * it is there; *out NULL when it is not. Only a regular file is read. */
static int read_user_file(int dirfd, const char *path, char **out, size_t *out_len,
			  struct berr **err)
{
	*out = NULL;
	autoclose int pfd = openat(dirfd, path, O_PATH | O_CLOEXEC);
	if (pfd < 0)
		return errno == ENOENT || errno == ENOTDIR
			   ? 0
			   : berr_set(err, errno, "open '%s'", path);
	autoclose int fd = fs_open_regular(pfd, NULL, NULL, err);
	if (fd < 0)
		return berr_wrap(err, "read '%s'", path);
	if (fs_read_fd(fd, BLD_IGNORE_FILE_MAX, out, out_len, err) < 0)
		return berr_wrap(err, "read '%s'", path);
	return 0;
}

/* name in the context root, resolved as a source (beneath the root, links inside it). */
static int read_context_file(const struct bld_root *root, const char *name, char **out,
			     size_t *out_len, struct berr **err)
{
	*out = NULL;
	struct bld_resolved res;
	struct berr *e = NULL;
	int r = bld_resolve(root, name, &res, &e);
	if (r < 0 && berr_code(e) == ENOENT) {
		berr_free(e);
		return 0;
	}
	if (r < 0 && err && !*err)
		*err = e;
	else if (r < 0)
		berr_free(e);
	if (r < 0)
		return r;
	autoclose int fd = fs_open_regular(res.fd, NULL, NULL, err);
	bld_resolved_clear(&res);
	if (fd < 0 || fs_read_fd(fd, BLD_IGNORE_FILE_MAX, out, out_len, err) < 0)
		return berr_wrap(err, "read '%s'", name);
	return 0;
}

/* The ignore file by the order in context.h; *out_name NULL when there is none. */
static int find_ignore(struct bld_context *ctx, const struct bld_context_opts *o, char **out,
		       size_t *out_len, char **out_name, struct berr **err)
{
	int dfd = o && o->dockerfile_dirfd ? o->dockerfile_dirfd : AT_FDCWD;
	*out_name = NULL;
	if (o && o->ignore_file) {
		int r = read_user_file(dfd, o->ignore_file, out, out_len, err);
		if (r == 0 && !*out)
			return berr_plain(err, ENOENT, "ignore file '%s' not found",
					  o->ignore_file);
		*out_name = xstrdup(o->ignore_file);
		return r;
	}
	static const char *const beside[] = {".dockerignore", ".containerignore"};
	for (size_t i = 0; o && o->dockerfile && i < 2; i++) {
		autofree char *p = xasprintf("%s%s", o->dockerfile, beside[i]);
		int r = read_user_file(dfd, p, out, out_len, err);
		if (r < 0 || *out) {
			*out_name = xstrdup(base_name(p));
			return r;
		}
	}
	const struct bld_root root = {.fd = ctx->fd, .context = true};
	static const char *const inside[] = {".containerignore", ".dockerignore"};
	for (size_t i = 0; i < 2; i++) {
		int r = read_context_file(&root, inside[i], out, out_len, err);
		if (r < 0 || *out) {
			*out_name = xstrdup(inside[i]);
			return r;
		}
	}
	return 0;
}

int bld_context_open(int dirfd, const char *path, const struct bld_context_opts *opts,
		     struct bld_context **out, struct berr **err)
{
	struct bld_context *ctx = xzalloc(sizeof(*ctx));
	ctx->fd = openat(dirfd, path ? path : ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (ctx->fd < 0) {
		int r = berr_set(err, errno, "build context '%s'", path ? path : ".");
		bld_context_free(ctx);
		return r;
	}
	autofree char *text = NULL;
	size_t len = 0;
	int r = find_ignore(ctx, opts, &text, &len, &ctx->ignore_name, err);
	if (r == 0 && text) {
		r = bld_ignore_parse(text, len, &ctx->ignore, err);
		if (r < 0)
			berr_wrap(err, "failed parsing %s", ctx->ignore_name);
	}
	if (r < 0) {
		bld_context_free(ctx);
		return r;
	}
	*out = ctx;
	return 0;
}

void bld_context_free(struct bld_context *ctx)
{
	if (!ctx)
		return;
	if (ctx->fd >= 0)
		(void)close(ctx->fd);
	bld_ignore_free(ctx->ignore);
	free(ctx->ignore_name);
	free(ctx);
}

int bld_context_fd(const struct bld_context *ctx)
{
	return ctx->fd;
}

const struct bld_ignore *bld_context_ignore(const struct bld_context *ctx)
{
	return ctx->ignore;
}

const char *bld_context_ignore_name(const struct bld_context *ctx)
{
	return ctx->ignore ? ctx->ignore_name : NULL;
}

void bld_context_root(const struct bld_context *ctx, struct bld_root *out)
{
	*out = (struct bld_root){.fd = ctx->fd, .ignore = ctx->ignore, .context = true};
}
