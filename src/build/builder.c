/* A whole build (see builder.h): the Containerfile read and planned, the context opened, the
 * needed stages built (side by side where the plan allows: jobs.h), the result labelled and
 * named. */
#include "build/builder.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "build/jobs.h"
#include "build/ssh.h"
#include "build/step.h"
#include "engine/commit.h"
#include "engine/tarball.h"
#include "image/image.h"
#include "image/reference.h"
#include "image/store.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/xalloc.h"

DEFINE_AUTOPTR(bld_file)

/* The host's platform, as the plan names platforms. */
static void host_platform(struct bld_platform *out)
{
	struct utsname u;
	const char *m = uname(&u) == 0 ? u.machine : "x86_64";
	struct bld_platform none = {0};
	strcpy(none.os, "linux");
	strcpy(none.arch, "amd64");
	if (bld_platform_parse(m, &none, out, NULL) < 0)
		*out = none;
	strcpy(out->os, "linux");
}

/* --label on the result: one more image whose config has them, no history line (BuildKit). */
static int apply_labels(struct bld_build *b, struct bld_state *st, struct berr **err)
{
	if (!b->o->labels || !*b->o->labels)
		return 0;
	json_t *run = json_object_get(st->config, "config");
	if (!json_is_object(run)) {
		run = json_object();
		json_object_set_new(st->config, "config", run);
	}
	json_t *labels = json_object_get(run, "Labels");
	if (!json_is_object(labels)) {
		labels = json_object();
		json_object_set_new(run, "Labels", labels);
	}
	for (char *const *l = b->o->labels; *l; l++) {
		autofree char *k = xstrdup(*l);
		char *eq = strchr(k, '=');
		if (eq)
			*eq = '\0';
		json_object_set_new(labels, k, json_string(eq ? eq + 1 : ""));
	}
	struct eng_derive d = {.parent = *st->id ? st->id : NULL, .config = st->config};
	return eng_image_derive(b->is, &d, st->id, err);
}

/* The build context, and the named ones that are directories (each with its own ignore
 * file, as buildx reads them). */
static int open_context(struct bld_build *b, struct berr **err)
{
	b->named = xcalloc(b->plan->n_contexts + 1, sizeof(*b->named));
	for (size_t i = 0; i < b->plan->n_contexts; i++) {
		const struct bld_named_context *c = &b->plan->contexts[i];
		struct bld_context_opts co = {.dockerfile_dirfd = AT_FDCWD};
		if (c->kind == BLD_NAMED_DIR &&
		    bld_context_open(AT_FDCWD, c->value, &co, &b->named[i], err) < 0)
			return berr_wrap(err, "build context '%s' ('%s')", c->name, c->value);
	}
	if (!b->o->context)
		return 0;
	struct bld_context_opts co = {.dockerfile = b->o->dockerfile, .dockerfile_dirfd = AT_FDCWD};
	if (bld_context_open(AT_FDCWD, b->o->context, &co, &b->context, err) < 0)
		return berr_wrap(err, "build context '%s'", b->o->context);
	return 0;
}

static void warn_unused(struct bld_build *b)
{
	if (!b->plan->n_unused_args)
		return;
	autofree char *list = xstrdup("");
	for (size_t i = 0; i < b->plan->n_unused_args; i++) {
		char *t = xasprintf("%s%s%s", list, i ? " " : "", b->plan->unused_args[i]);
		free(list);
		list = t;
	}
	autofree char *msg = xasprintf("One or more build-args [%s] were not consumed", list);
	bld_event(b, (struct bld_event){.kind = BLD_EV_WARNING, .name = msg});
}

/* The build proper: its session, agents and context, every stage the plan orders, the labels;
 * out_id gets the target stage's image. */
static int build_run(struct bld_build *b, char *out_id, struct berr **err)
{
	const struct bld_plan *plan = b->plan;
	int r = bld_session_open(b->workdir, &b->session, err);
	if (r == 0)
		r = bld_ssh_agents_start(b, err);
	if (r == 0)
		r = open_context(b, err);
	if (r == 0) {
		warn_unused(b);
		r = bld_jobs_build(b, b->o->jobs, err);
	}
	struct bld_state *last = &b->states[plan->target];
	if (r == 0)
		r = apply_labels(b, last, err);
	if (r == 0 && !*last->id)
		r = berr_plain(err, EINVAL,
			       "the target stage '%s' is empty (FROM scratch and nothing "
			       "else): no image to make",
			       plan->stages[plan->target].name);
	if (r == 0)
		memcpy(out_id, last->id, BLD_ID_LEN + 1);
	return r;
}

/* What the build holds released (safe after a build_run that failed anywhere); the plan is
 * the caller's. */
static void build_release(struct bld_build *b)
{
	for (size_t i = 0; i < b->plan->n_stages; i++) {
		json_decref(b->states[i].config);
		bld_vars_clear(&b->states[i].vars);
	}
	free(b->states);
	bld_ssh_agents_stop(b);
	bld_session_close(&b->session);
	free(b->workdir);
	(void)munmap(b->steps, sizeof(unsigned));
	bld_context_free(b->context);
	for (size_t i = 0; b->named && i < b->plan->n_contexts; i++)
		bld_context_free(b->named[i]);
	free(b->named);
}

int bld_build(const struct eng_store *s, struct img_store *is, const struct bld_opts *o,
	      char *out_id, struct berr **err)
{
	autoptr(bld_file) f = bld_file_parse(o->file_name, o->text, o->len, err);
	if (!f)
		return berr_ret(err);
	if (!f->n_stages)
		return berr_plain(err, EINVAL, "%s: no FROM instruction, nothing to build",
				  o->file_name);
	struct bld_plan_opts po = {.build_args = o->build_args,
				   .n_build_args = o->n_build_args,
				   .target = o->target,
				   .contexts = o->contexts,
				   .n_contexts = o->n_contexts};
	host_platform(&po.host);
	struct bld_plan *plan = NULL;
	int pr = bld_plan_make(f, &po, &plan, err);
	if (pr < 0)
		return pr;
	/* the "#N" counter, shared with the stage jobs */
	unsigned *steps =
	    mmap(NULL, sizeof(unsigned), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (steps == MAP_FAILED) {
		bld_plan_free(plan);
		return berr_set(err, errno, "map the step counter");
	}
	*steps = 0;
	struct bld_build b = {.s = s,
			      .steps = steps,
			      .is = is,
			      .o = o,
			      .plan = plan,
			      .states = xcalloc(plan->n_stages, sizeof(struct bld_state)),
			      .workdir = xasprintf("%s/build", is->root)};
	int r = build_run(&b, out_id, err);
	build_release(&b);
	bld_plan_free(plan);
	return r;
}

int bld_export(struct img_store *is, const char *id, enum bld_export type, const char *dest,
	       int out_fd, struct berr **err)
{
	struct bld_opts none = {0};
	struct bld_build b = {.is = is, .o = &none, .workdir = xasprintf("%s/build", is->root)};
	char *root = NULL;
	int r = bld_session_open(b.workdir, &b.session, err);
	if (r == 0)
		r = bld_image_root_make(&b, id, &root, err);
	autoclose int rootfd = r == 0 ? open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
	if (r == 0 && rootfd < 0)
		r = berr_set(err, errno, "open '%s'", root);
	if (r == 0 && type == BLD_EXPORT_TAR) {
		r = eng_tarball_write(rootfd, NULL, "", out_fd, NULL, err);
	} else if (r == 0) {
		autoclose int destfd = -1;
		if ((r = fs_mkdir_p(dest, 0755, err)) < 0)
			;
		else if ((destfd = open(dest, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
			r = berr_set(err, errno, "open '%s'", dest);
		else
			r = fs_copy_tree(rootfd, destfd, true, NULL, err);
	}
	bld_image_root_release(root);
	bld_session_close(&b.session);
	free(b.workdir);
	return r < 0 ? berr_wrap(err, "export the image") : 0;
}
