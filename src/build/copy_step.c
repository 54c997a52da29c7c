/* COPY and ADD as build steps (see step.h): where the sources are (the context, a stage's or an
 * image's files, here-documents, downloads), the copy plan (copy.h) over them, the key, and the
 * plan applied onto an overlay of the step's image whose upper directory is the new layer. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "build/copy.h"
#include "build/fetch.h"
#include "build/git.h"
#include "build/ssh.h"
#include "build/step.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/path.h"
#include "util/xalloc.h"

/* Here-document sources of COPY/ADD, as files named after their delimiters in dir. */
static int heredoc_files(const struct bld_instr *in, const char *dir, struct berr **err)
{
	autoclose int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return berr_set(err, errno, "open '%s'", dir);
	for (size_t i = 0; i < in->n_heredocs; i++) {
		const struct bld_heredoc *h = &in->heredocs[i];
		const char *c = h->content ? h->content : "";
		if (strchr(h->name, '/') || !strcmp(h->name, ".") || !strcmp(h->name, ".."))
			return berr_plain(err, EINVAL, "here-document name '%s'", h->name);
		int r = fs_write_file(dfd, h->name, c, strlen(c), 0644, err);
		if (r < 0)
			return r;
	}
	return 0;
}

/* The sources' root of a COPY/ADD: the context, a stage's image, an image, (here-documents)
 * a directory of their bodies, or (ADD of URLs) a directory of the downloads. What is set
 * here is what must be released (a mount or a directory). */
struct copy_source {
	char *mount;   /* an image's layers mounted here */
	char *heredoc; /* a directory of here-document bodies */
	char *fetched; /* a directory of downloads: the i-th URL's file in <i>/ */
	char **srcs;   /* with fetched: the sources that select them */
	char **keys;   /* with fetched: a git source's key word (its commit), else NULL */
	size_t n_keys;
	bool image; /* an image's files (from_id, "" for scratch): mounted by image_source */
	int fd;
	struct bld_root root;
};

static void copy_source_release(struct copy_source *cs)
{
	if (cs->fd >= 0)
		(void)close(cs->fd);
	bld_image_root_release(cs->mount);
	if (cs->heredoc)
		(void)fs_rm_rf(AT_FDCWD, cs->heredoc, NULL);
	free(cs->heredoc);
	if (cs->fetched)
		(void)fs_rm_rf(AT_FDCWD, cs->fetched, NULL);
	free(cs->fetched);
	strv_free(cs->srcs);
	for (size_t i = 0; i < cs->n_keys; i++)
		free(cs->keys[i]);
	free(cs->keys);
	*cs = (struct copy_source){.fd = -1};
}

/* The --exclude flags of in (NULL-terminated, borrowed). */
static char **flag_all(const struct bld_instr *in, const char *name, size_t *out_n)
{
	char **v = xcalloc(in->n_flags + 1, sizeof(*v));
	size_t n = 0;
	for (size_t i = 0; i < in->n_flags; i++)
		if (!strcmp(in->flags[i].name, name))
			v[n++] = in->flags[i].value;
	*out_n = n;
	return v;
}

static bool flag_true(const struct bld_instr *in, const char *name)
{
	const char *v = bld_instr_flag(in, name);
	return v && strcmp(v, "false") != 0;
}

/* --checksum of a git source: a prefix of the commit's name (hex), as BuildKit's GitChecksum. */
static int git_checksum(const char *sum, char checksum[BLD_FETCH_DIGEST_LEN + 1], struct berr **err)
{
	size_t n = strspn(sum, "0123456789abcdef");
	if (sum[n] || !n || n > BLD_GIT_COMMIT_MAX)
		return berr_plain(err, EINVAL, "invalid checksum '%s' for a git source", sum);
	snprintf(checksum, BLD_FETCH_DIGEST_LEN + 1, "%s", sum);
	return 0;
}

/* The kinds of in's sources, as BuildKit's dispatchCopy takes them: here-documents (*out_here),
 * local paths (*out_paths), ADD's http(s) URLs and git repositories (*out_n, of which *out_git
 * are git), which are fetched; other schemes refused, COPY refuses URLs and git; --checksum
 * (into checksum, "" without it) only with one source, an http(s) or git one. */
static int url_sources(const struct bld_instr *in, size_t *out_n, size_t *out_git,
		       size_t *out_paths, size_t *out_here, char checksum[BLD_FETCH_DIGEST_LEN + 1],
		       struct berr **err)
{
	size_t n_http = 0, n_paths = 0, n_other = 0, n_git = 0;
	for (size_t i = 0; i + 1 < in->n_args; i++) {
		if (in->arg_heredoc && in->arg_heredoc[i] >= 0) {
			n_other++;
			continue;
		}
		const char *s = in->args[i];
		enum bld_source_kind k = bld_fetch_kind(s);
		if (k == BLD_SOURCE_LOCAL) {
			n_paths++;
			continue;
		}
		if (in->kind != BLD_ADD)
			return berr_plain(err, EINVAL, "source can't be a %s for COPY ('%s')",
					  k == BLD_SOURCE_GIT ? "git ref" : "URL", s);
		if (k == BLD_SOURCE_GIT) {
			n_git++;
			continue;
		}
		if (k == BLD_SOURCE_URL)
			return berr_plain(
			    err, ENOTSUP,
			    "ADD of '%s': only http:// and https:// URLs are supported", s);
		n_http++;
	}
	const char *sum = bld_instr_flag(in, "checksum");
	*checksum = '\0';
	if (sum && *sum) {
		if (n_http + n_git + n_paths != 1) /* here-documents are not counted */
			return berr_plain(err, EINVAL,
					  "checksum can't be specified for multiple sources");
		if (!n_http && !n_git)
			return berr_plain(err, EINVAL, "checksum requires HTTP(S) or Git sources");
		int r = n_git ? git_checksum(sum, checksum, err)
			      : bld_fetch_checksum_parse(sum, checksum, err);
		if (r < 0)
			return r;
	}
	*out_n = n_http + n_git;
	*out_git = n_git;
	*out_paths = n_paths;
	*out_here = n_other;
	return 0;
}

/* A git source checked out into sub (git.h): its source for the plan is the checkout (or its
 * subdirectory), whose contents the directory rule copies into the destination; its key word
 * the remote, the commit, the subdirectory and --keep-git-dir (BuildKit's git source keys by
 * the commit, not by the files). */
static int git_source(struct bld_build *b, const struct bld_instr *in, const char *src,
		      const char *dir, const char *sub, const char *checksum, char **out_src,
		      char **out_key, struct berr **err)
{
	struct bld_git_ref ref;
	int pr = bld_git_ref_parse(src, &ref, err);
	if (pr < 0)
		return pr;
	struct bld_git_opts o = {.ref = &ref,
				 .keep_git_dir = flag_true(in, "keep-git-dir"),
				 .checksum = *checksum ? checksum : NULL,
				 .ssh_sock = bld_ssh_agent_sock(b, "default")};
	char commit[BLD_GIT_COMMIT_MAX + 1];
	autofree char *path = xasprintf("%s/%s", dir, sub);
	int r = bld_git_fetch(path, &o, commit, err);
	if (r == 0) {
		*out_src = ref.subdir ? xasprintf("%s/repo/%s", sub, ref.subdir)
				      : xasprintf("%s/repo", sub);
		*out_key = xasprintf("git=%s#%s:%s,keep=%d", ref.remote, commit,
				     ref.subdir ? ref.subdir : "", o.keep_git_dir);
	}
	bld_git_ref_clear(&ref);
	return r;
}

/* The URLs of in downloaded, each into a directory of its own (two may give the same name),
 * as the root the copy plan takes them from: the owners of its files are not kept, as the
 * context's are not (BuildKit's HTTP source makes them 0:0). Git repositories are checked
 * out there the same way. */
static int fetch_source(struct bld_build *b, const struct bld_instr *in, const char *checksum,
			struct copy_source *out, struct berr **err)
{
	*out = (struct copy_source){.fd = -1};
	out->fetched = bld_work_dir(b, "fetch", err);
	if (!out->fetched)
		return berr_ret(err);
	autoclose int dfd = open(out->fetched, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return berr_set(err, errno, "open '%s'", out->fetched);
	size_t n = in->n_args - 1;
	out->srcs = xcalloc(n + 1, sizeof(*out->srcs));
	out->keys = xcalloc(n, sizeof(*out->keys));
	out->n_keys = n;
	for (size_t i = 0; i < n; i++) {
		if ((in->arg_heredoc && in->arg_heredoc[i] >= 0) ||
		    bld_fetch_kind(in->args[i]) == BLD_SOURCE_LOCAL)
			continue; /* another kind of source (a mixed ADD) */
		char sub[24];
		snprintf(sub, sizeof(sub), "%zu", i);
		if (mkdirat(dfd, sub, 0700) < 0)
			return berr_set(err, errno, "create '%s/%s'", out->fetched, sub);
		if (bld_fetch_kind(in->args[i]) == BLD_SOURCE_GIT) {
			int r = git_source(b, in, in->args[i], out->fetched, sub, checksum,
					   &out->srcs[i], &out->keys[i], err);
			if (r < 0)
				return r;
			continue;
		}
		autoclose int sfd =
		    openat(dfd, sub, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sfd < 0)
			return berr_set(err, errno, "open '%s/%s'", out->fetched, sub);
		struct bld_fetch_opts o = {.url = in->args[i],
					   .checksum = *checksum ? checksum : NULL,
					   .interrupted = b->o->interrupted};
		struct bld_fetched got;
		int r = bld_fetch(sfd, &o, &got, err);
		if (r < 0)
			return r;
		/* the directory's only file, whatever its name holds (a '*', '[' or backslash
		 * in a name given literally would be taken for a pattern) */
		out->srcs[i] = xasprintf("%s/*", sub);
		bld_fetched_clear(&got);
	}
	out->fd = open(out->fetched, O_PATH | O_DIRECTORY | O_CLOEXEC);
	out->root = (struct bld_root){.fd = out->fd, .context = true};
	return out->fd < 0 ? berr_set(err, errno, "open '%s'", out->fetched) : 0;
}

static int copy_source(struct bld_build *b, const struct bld_plan_step *step,
		       const struct bld_instr *in, size_t n_here, struct copy_source *out,
		       char *from_id, struct berr **err)
{
	*out = (struct copy_source){.fd = -1};
	*from_id = '\0';
	if (n_here) {
		out->heredoc = bld_work_dir(b, "heredoc", err);
		if (!out->heredoc)
			return berr_ret(err);
		int r = heredoc_files(in, out->heredoc, err);
		if (r < 0)
			return r;
		out->fd = open(out->heredoc, O_PATH | O_DIRECTORY | O_CLOEXEC);
		out->root = (struct bld_root){.fd = out->fd};
		return out->fd < 0 ? berr_set(err, errno, "open '%s'", out->heredoc) : 0;
	}
	const char *image = NULL;
	switch (step->from.kind) {
	case BLD_REF_NONE:
	case BLD_REF_CONTEXT:
		if (!bld_ref_context(b, &step->from))
			return berr_plain(err, EINVAL,
					  "%s needs a build context, and there is none",
					  bld_kind_name(in->kind));
		bld_context_root(bld_ref_context(b, &step->from), &out->root);
		return 0;
	case BLD_REF_STAGE:
		if (!b->states[step->from.stage].done)
			return berr_plain(err, EINVAL, "stage %s is not built yet",
					  b->plan->stages[step->from.stage].name);
		image = b->states[step->from.stage].id;
		break;
	case BLD_REF_IMAGE: {
		int r = b->o->image(b->o->image_ctx, step->from.image, from_id, err);
		if (r < 0)
			return r;
		image = from_id;
		break;
	}
	default: /* scratch: nothing to copy from */
		image = "";
		break;
	}
	if (image != from_id)
		snprintf(from_id, BLD_ID_LEN + 1, "%s", image);
	out->image = true;
	return 0;
}

/* An image source's files: its layers mounted read-only (only when the step runs). */
static int image_source(struct bld_build *b, const char *id, struct copy_source *out,
			struct berr **err)
{
	int r = bld_image_root_make(b, id, &out->mount, err);
	if (r < 0)
		return r;
	out->fd = open(out->mount, O_PATH | O_DIRECTORY | O_CLOEXEC);
	out->root = (struct bld_root){.fd = out->fd};
	return out->fd < 0 ? berr_set(err, errno, "open '%s'", out->mount) : 0;
}

static int copy_plan(struct bld_build *b, struct bld_state *st, const struct bld_instr *in,
		     const struct copy_source *src, char *const *srcs, size_t n,
		     struct bld_copy_plan **out, struct berr **err)
{
	size_t n_exclude = 0;
	autofree char **exclude = flag_all(in, "exclude", &n_exclude);
	const char *unpack = bld_instr_flag(in, "unpack");
	struct bld_copy_opts o = {
	    .srcs = srcs,
	    .n_srcs = n,
	    .dest = in->args[in->n_args - 1],
	    .workdir = json_string_value(
		json_object_get(json_object_get(st->config, "config"), "WorkingDir")),
	    .chown = bld_instr_flag(in, "chown"),
	    .chmod = bld_instr_flag(in, "chmod"),
	    .exclude = exclude,
	    .n_exclude = n_exclude,
	    .parents = !src->fetched && flag_true(in, "parents"), /* not for URLs (BuildKit) */
	    .add = in->kind == BLD_ADD,
	    /* a URL's file is unpacked only with --unpack=true (BuildKit >= 1.17) */
	    .no_unpack =
		src->fetched ? !flag_true(in, "unpack") : unpack && !strcmp(unpack, "false"),
	    .link = flag_true(in, "link"),
	};
	if (o.workdir && !*o.workdir)
		o.workdir = NULL;
	return bld_copy_plan(&src->root, &o, out, err);
}

/* Which root a source of a mixed COPY/ADD is read from. */
enum part { PART_HERE, PART_URL, PART_LOCAL };

static enum part part_of(const struct bld_instr *in, size_t i)
{
	if (in->arg_heredoc && in->arg_heredoc[i] >= 0)
		return PART_HERE;
	return bld_fetch_kind(in->args[i]) == BLD_SOURCE_LOCAL ? PART_LOCAL : PART_URL;
}

/* The roots of a mixed COPY/ADD: here-documents' bodies, downloads, and the local paths' root
 * (the context, or --from's stage or image, mounted: a mixed step keys it by its id too). */
static int mixed_roots(struct bld_build *b, const struct bld_plan_step *step,
		       const struct bld_instr *in, const char *checksum, struct copy_source src[3],
		       char *from_id, struct berr **err)
{
	bool has[3] = {false};
	for (size_t i = 0; i + 1 < in->n_args; i++)
		has[part_of(in, i)] = true;
	int r = 0;
	if (has[PART_HERE])
		r = copy_source(b, step, in, 1, &src[PART_HERE], from_id, err);
	if (r == 0 && has[PART_URL])
		r = fetch_source(b, in, checksum, &src[PART_URL], err);
	if (r == 0 && has[PART_LOCAL])
		r = copy_source(b, step, in, 0, &src[PART_LOCAL], from_id, err);
	if (r == 0 && src[PART_LOCAL].image)
		r = image_source(b, from_id, &src[PART_LOCAL], err);
	return r;
}

/* The plans' copies made on an overlay of st's image, and that made the step's image. More than
 * one plan (one per source) copy into one destination, which must be a directory. */
static int copy_commit(struct bld_build *b, struct bld_state *st, const struct bld_instr *in,
		       struct bld_copy_plan *const *plans, size_t n, const char *key,
		       struct berr **err)
{
	struct bld_step_root root;
	int r = bld_step_root_make(b, st->id, &root, err);
	autoclose int dir =
	    r == 0 && n > 1 && !plans[0]->dest_dir
		? path_open_in_root(root.fd, plans[0]->dest, O_PATH | O_DIRECTORY, 0, NULL)
		: -1;
	if (r == 0 && n > 1 && !plans[0]->dest_dir && dir < 0)
		r = berr_plain(err, EINVAL,
			       "when using %s with more than one source file, the "
			       "destination must be a directory and end with a /",
			       bld_kind_name(in->kind));
	if (dir >= 0)
		(void)close(take_fd(&dir)); /* nothing may hold the root when sealed */
	struct bld_copy_env env = {.tmpdir = b->session.dir};
	for (size_t i = 0; r == 0 && i < n; i++)
		r = bld_copy_apply(plans[i], root.fd, &env, err);
	autofree char *by = bld_config_created_by(in, NULL);
	if (r == 0)
		r = bld_step_root_seal(&root, err);
	if (r == 0)
		r = bld_step_commit(b, st, by, root.upper, true, key, err);
	bld_step_root_release(&root);
	return r;
}

/* Sources of more than one kind in one COPY/ADD (here-documents, URLs, local paths), as
 * BuildKit allows: one plan a source, over that source's root, applied one after another in
 * the order written (BuildKit chains one copy action a source). The key holds each plan's
 * checksum (an image's id for its files). More than one source: the destination must be a
 * directory, as for any COPY of several files. */
static int copy_mixed(struct bld_build *b, struct bld_state *st, const struct bld_plan_step *step,
		      const struct bld_instr *in, const char *checksum, struct berr **err)
{
	size_t n = in->n_args - 1;
	struct copy_source src[3] = {{.fd = -1}, {.fd = -1}, {.fd = -1}};
	struct bld_copy_plan **plans = xcalloc(n, sizeof(*plans));
	char **extra = xcalloc(n + 2, sizeof(*extra));
	char from_id[BLD_ID_LEN + 1] = "", key[BLD_KEY_LEN + 1];
	int r = mixed_roots(b, step, in, checksum, src, from_id, err);
	for (size_t i = 0; r == 0 && i < n; i++) {
		enum part k = part_of(in, i);
		char *one = k == PART_HERE  ? in->heredocs[in->arg_heredoc[i]].name
			    : k == PART_URL ? src[PART_URL].srcs[i]
					    : in->args[i];
		r = copy_plan(b, st, in, &src[k], &one, 1, &plans[i], err);
		char sum[BLD_COPY_DIGEST_LEN + 1];
		if (r == 0 && k == PART_LOCAL && src[k].image)
			extra[i] = xasprintf("from=%s", from_id);
		else if (r == 0 && k == PART_URL && src[k].keys[i])
			extra[i] = xstrdup(src[k].keys[i]);
		else if (r == 0 && (r = bld_copy_checksum(plans[i], sum, err)) == 0)
			extra[i] = xasprintf("checksum=%s", sum);
	}
	if (r == 0) {
		extra[n] = xstrdup("sources=mixed");
		bld_cache_key(*st->id ? st->id : NULL, in, extra, key);
		r = bld_step_cached(b, st, key, err);
	}
	if (r == 0)
		r = copy_commit(b, st, in, plans, n, key, err);
	for (size_t i = 0; i < n; i++)
		bld_copy_plan_free(plans[i]);
	free(plans);
	strv_free(extra);
	for (int i = 0; i < 3; i++)
		copy_source_release(&src[i]);
	return r;
}

int bld_copy_instr(struct bld_build *b, struct bld_state *st, const struct bld_plan_step *step,
		   const struct bld_instr *in, struct berr **err)
{
	if (in->n_args < 2)
		return berr_plain(err, EINVAL, "%s needs a source and a destination",
				  bld_kind_name(in->kind));
	size_t n_here = 0;
	struct copy_source src = {.fd = -1};
	char from_id[BLD_ID_LEN + 1] = "", checksum[BLD_FETCH_DIGEST_LEN + 1];
	size_t n_url = 0, n_git = 0, n_paths = 0;
	int r = url_sources(in, &n_url, &n_git, &n_paths, &n_here, checksum, err);
	if (r == 0 && ((!!n_url + !!n_paths + !!n_here) > 1 || n_git))
		return copy_mixed(b, st, step, in, checksum, err);
	if (r == 0)
		r = n_url ? fetch_source(b, in, checksum, &src, err)
			  : copy_source(b, step, in, n_here, &src, from_id, err);
	char key[BLD_KEY_LEN + 1];
	if (r == 0 && src.image) {
		/* an image's files are what its id says: the key needs no walk of them, and a
		 * step taken from the cache mounts nothing */
		autofree char *f = xasprintf("from=%s", from_id);
		char *extra[] = {"source=image", f, NULL};
		bld_cache_key(*st->id ? st->id : NULL, in, extra, key);
		r = bld_step_cached(b, st, key, err);
		if (r == 0)
			r = image_source(b, from_id, &src, err);
	}
	struct bld_copy_plan *plan = NULL;
	autofree char **srcs = xcalloc(in->n_args, sizeof(*srcs));
	for (size_t i = 0; i + 1 < in->n_args; i++)
		srcs[i] = in->arg_heredoc && in->arg_heredoc[i] >= 0
			      ? in->heredocs[in->arg_heredoc[i]].name
			  : src.fetched ? src.srcs[i]
					: in->args[i];
	if (r == 0)
		r = copy_plan(b, st, in, &src, srcs, in->n_args - 1, &plan, err);
	char sum[BLD_COPY_DIGEST_LEN + 1] = "";
	if (r == 0 && !src.image)
		r = bld_copy_checksum(plan, sum, err);
	if (r == 0 && !src.image) {
		autofree char *a = xasprintf("checksum=%s", sum);
		autofree char *f = xasprintf("from=%s", from_id);
		char *extra[] = {a, f, NULL};
		bld_cache_key(*st->id ? st->id : NULL, in, extra, key);
		r = bld_step_cached(b, st, key, err);
	}
	if (r == 0)
		r = copy_commit(b, st, in, &plan, 1, key, err);
	bld_copy_plan_free(plan);
	copy_source_release(&src);
	return r;
}
