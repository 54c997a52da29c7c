/* COPY and ADD (see copy.h): the plan and the checksum that keys the cache (the copy itself:
 * copy_apply.c; --chmod: chmod.c; ADD's archives: archive.c). */
#include "build/copy.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "build/chmod.h"
#include "build/copy_attr.h"
#include "build/ignore.h"
#include "util/cleanup.h"
#include "util/digest.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/path.h"
#include "util/xalloc.h"

mode_t bld_copy_mode(const struct bld_copy_plan *p, mode_t st_mode)
{
	return p->mode ? bld_chmod_apply(p->mode, st_mode) : st_mode & 07777;
}

/* ---- the plan ---- */

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);
	return n >= k && !strcmp(s + n - k, suffix);
}

static int plan_source(struct bld_copy_plan *p, const struct bld_copy_opts *o, const char *src,
		       const struct bld_ignore *exclude, struct berr **err)
{
	struct bld_select_opts so = {.exclude = exclude, .limits = o->limits};
	if (!o->parents)
		return bld_select(&p->src, src, &so, &p->sel, err);
	/* BuildKit: "pivot/./pattern", else the pattern below the root */
	const char *cut = strstr(src, "/./");
	autofree char *pivot = cut ? xstrndup(src, (size_t)(cut - src)) : xstrdup("/");
	autofree char *pat = NULL;
	int r = bld_source_clean(cut ? cut + 3 : src, p->src.context, &pat, err);
	struct bld_ignore *inc = NULL;
	if (r == 0 && *pat) {
		r = bld_ignore_compile(&pat, 1, &inc, err);
		so.include = inc;
		so.required = bld_has_wildcards(pivot) || bld_has_wildcards(pat) ? NULL : pat;
	}
	if (r == 0)
		r = bld_select(&p->src, pivot, &so, &p->sel, err);
	bld_ignore_free(inc);
	return r;
}

/* ADD: which matches are archives to extract. */
static int plan_archives(struct bld_copy_plan *p, struct berr **err)
{
	p->archive = xcalloc(p->sel.n ? p->sel.n : 1, sizeof(*p->archive));
	for (size_t i = 0; p->unpack && i < p->sel.n; i++) {
		if (!S_ISREG(p->sel.v[i].v[0].mode))
			continue;
		struct bld_walk w;
		const struct bld_entry *e;
		int pfd;
		int r = bld_walk_start(&w, &p->src, &p->sel.v[i], err);
		if (r == 0 && (r = bld_walk_next(&w, &e, &pfd, err)) > 0) {
			autoclose int fd = fs_open_regular(pfd, NULL, NULL, err);
			r = fd < 0 ? fd : 0;
			if (fd >= 0)
				p->archive[i] = bld_archive_sniff(fd);
		}
		bld_walk_end(&w);
		if (r < 0)
			return r;
	}
	return 0;
}

DEFINE_AUTOPTR(bld_copy_plan)

int bld_copy_plan(const struct bld_root *src, const struct bld_copy_opts *o,
		  struct bld_copy_plan **out, struct berr **err)
{
	autoptr(bld_copy_plan) p = xzalloc(sizeof(*p));
	p->src = *src;
	p->cmd = o->add ? "ADD" : "COPY";
	p->parents = o->parents;
	p->unpack = o->add && !o->no_unpack;
	p->link = o->link;
	const char *d = o->dest ? o->dest : "";
	p->dest_dir = !*d || !strcmp(d, ".") || ends_with(d, "/") || ends_with(d, "/.");
	autofree char *joined =
	    d[0] == '/' ? xstrdup(d) : xasprintf("%s/%s", o->workdir ? o->workdir : "/", d);
	p->dest = path_clean(joined);
	int r = 0;
	if (o->chmod) {
		p->chmod = xstrdup(o->chmod);
		r = bld_chmod_parse(o->chmod, &p->mode, err);
	}
	/* empty after expansion: no --chown at all (BuildKit passes it on only when not empty) */
	if (r == 0 && o->chown && *o->chown) {
		p->chown = xstrdup(o->chown);
		const char *colon = strchr(o->chown, ':');
		if (o->chown[0] == ':' || (colon && !colon[1]))
			r = berr_plain(err, EINVAL,
				       "invalid --chown '%s': user and group must not be "
				       "empty",
				       o->chown);
	}
	struct bld_ignore *exclude = NULL;
	if (r == 0 && o->n_exclude)
		r = bld_ignore_compile(o->exclude, o->n_exclude, &exclude, err);
	for (size_t i = 0; r == 0 && i < o->n_srcs; i++)
		r = plan_source(p, o, o->srcs[i], exclude, err);
	bld_ignore_free(exclude);
	if (r == 0)
		r = plan_archives(p, err);
	if (r < 0)
		return r;
	*out = take_ptr(&p);
	return 0;
}

void bld_copy_plan_free(struct bld_copy_plan *p)
{
	if (!p)
		return;
	bld_selection_clear(&p->sel);
	free(p->archive);
	free(p->dest);
	free(p->chown);
	free(p->chmod);
	bld_chmod_free(p->mode);
	free(p);
}

/* ---- the checksum ---- */

static void put(struct sha256 *h, const void *data, size_t n)
{
	uint8_t len[4] = {(uint8_t)(n >> 24), (uint8_t)(n >> 16), (uint8_t)(n >> 8), (uint8_t)n};
	sha256_update(h, len, 4);
	sha256_update(h, data, n);
}

static void put_str(struct sha256 *h, const char *s)
{
	put(h, s ? s : "", s ? strlen(s) + 1 : 0); /* NULL and "" differ */
}

static void put_u64(struct sha256 *h, uint64_t v)
{
	uint8_t b[8];
	for (int i = 0; i < 8; i++)
		b[i] = (uint8_t)(v >> (56 - 8 * i));
	put(h, b, 8);
}

/* The SHA-256 of a regular file's content (it must still have the size listed). */
static int put_content(struct sha256 *h, int pathfd, const struct bld_entry *e, struct berr **err)
{
	autoclose int fd = fs_open_regular(pathfd, NULL, NULL, err);
	if (fd < 0)
		return berr_wrap(err, "read '%s'", e->path);
	struct sha256 c;
	sha256_init(&c);
	autofree char *buf = xmalloc(1 << 16);
	uint64_t total = 0;
	for (;;) {
		ssize_t n = read(fd, buf, 1 << 16);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return berr_set(err, errno, "read '%s'", e->path);
		if (n == 0)
			break;
		sha256_update(&c, buf, (size_t)n);
		total += (uint64_t)n;
	}
	if (total != (uint64_t)e->size)
		return berr_plain(err, ESTALE, "'%s' changed while the build read it", e->path);
	uint8_t d[SHA256_LEN];
	sha256_final(&c, d);
	put(h, d, sizeof(d));
	return 0;
}

static int put_xattrs(struct sha256 *h, int pathfd, struct berr **err)
{
	struct bld_xattrs x;
	int r = bld_xattrs_list(pathfd, &x, err);
	autofree char *names = x.names;
	autofree char *value = x.len ? xmalloc(XATTR_SIZE_MAX) : NULL;
	char p[32];
	/* listxattr's order is the filesystem's; the hash takes them by name (names are few:
	 * a pass per name finds the next one) */
	const char *last = NULL;
	for (;;) {
		const char *next = NULL;
		for (ssize_t i = 0; r == 0 && i < x.len; i += (ssize_t)strlen(names + i) + 1) {
			const char *n = names + i;
			if (bld_xattr_kept(n) && (!last || strcmp(n, last) > 0) &&
			    (!next || strcmp(n, next) < 0))
				next = n;
		}
		if (r < 0 || !next)
			return r;
		ssize_t k = getxattr(path_fd(pathfd, p), next, value, XATTR_SIZE_MAX);
		if (k < 0 && errno != ENODATA)
			return berr_set(err, errno, "xattr '%s'", next);
		put_str(h, next);
		put(h, value, k < 0 ? 0 : (size_t)k);
		last = next;
	}
}

static int put_entry(struct sha256 *h, const struct bld_copy_plan *p, const struct bld_entry *e,
		     int fd, struct bld_links *l, size_t index, struct berr **err)
{
	put_str(h, e->path);
	bool found;
	long at = bld_links_find(l, e, index, &found);
	put_u64(h, found ? l->v[at].first : UINT64_MAX);
	put_u64(h, e->mode & (S_IFMT | 07777));
	if (!p->src.context && !p->chown) {
		put_u64(h, e->uid);
		put_u64(h, e->gid);
	}
	if (S_ISCHR(e->mode) || S_ISBLK(e->mode))
		put_u64(h, e->rdev);
	if (S_ISLNK(e->mode))
		put_str(h, e->link);
	int r = S_ISREG(e->mode) ? put_content(h, fd, e, err) : 0;
	if (r == 0 && (S_ISREG(e->mode) || S_ISDIR(e->mode)))
		r = put_xattrs(h, fd, err);
	return r;
}

int bld_copy_checksum(const struct bld_copy_plan *p, char out[BLD_COPY_DIGEST_LEN + 1],
		      struct berr **err)
{
	struct sha256 h;
	sha256_init(&h);
	put_str(&h, "berth copy v1");
	put_u64(&h, p->src.context);
	put_str(&h, p->dest);
	put_u64(&h, p->dest_dir);
	put_str(&h, p->chown);
	put_str(&h, p->chmod);
	put_u64(&h, p->parents);
	put_u64(&h, p->unpack);
	put_u64(&h, p->sel.n);
	for (size_t i = 0; i < p->sel.n; i++) {
		const struct bld_match *m = &p->sel.v[i];
		put_str(&h, m->name);
		put_u64(&h, p->archive[i]);
		struct bld_walk w;
		struct bld_links l = {.n = 0};
		int r = bld_walk_start(&w, &p->src, m, err);
		const struct bld_entry *e;
		int fd;
		while (r == 0 && (r = bld_walk_next(&w, &e, &fd, err)) > 0)
			r = put_entry(&h, p, e, fd, &l, (size_t)(e - m->v), err);
		bld_walk_end(&w);
		if (r < 0)
			return r;
	}
	uint8_t d[SHA256_LEN];
	sha256_final(&h, d);
	memcpy(out, "sha256:", 7);
	digest_to_hex(d, SHA256_LEN, out + 7);
	return 0;
}
