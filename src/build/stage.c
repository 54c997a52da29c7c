/* One stage walked (see builder.h): its base, then each step — a configuration change, WORKDIR,
 * COPY and ADD here; RUN in run.c. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "build/copy.h"
#include "build/fetch.h"
#include "build/step.h"
#include "engine/user.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/path.h"
#include "util/xalloc.h"

DEFINE_AUTOPTR(bld_file)

#define DEFAULT_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* An image config with nothing in it yet, for the target platform. */
static json_t *scratch_config(struct bld_build *b)
{
	const struct bld_platform *p = &b->plan->target_platform;
	json_t *c =
	    json_pack("{s:s, s:s, s:{}, s:{s:s, s:[]}, s:[]}", "architecture", p->arch, "os", p->os,
		      "config", "rootfs", "type", "layers", "diff_ids", "history");
	if (*p->variant)
		json_object_set_new(c, "variant", json_string(p->variant));
	return c;
}

/* The config's Env as "K=V" strings (NULL-terminated, borrowed from config). */
static char **config_env(json_t *config)
{
	json_t *env = json_object_get(json_object_get(config, "config"), "Env");
	size_t n = json_array_size(env);
	char **v = xcalloc(n + 1, sizeof(*v));
	for (size_t i = 0; i < n; i++)
		v[i] = (char *)json_string_value(json_array_get(env, i));
	return v;
}

/* BuildKit gives every stage a PATH when its image has none. */
static void ensure_path(json_t *config)
{
	json_t *run = json_object_get(config, "config");
	if (!json_is_object(run)) {
		run = json_object();
		json_object_set_new(config, "config", run);
	}
	json_t *env = json_object_get(run, "Env");
	size_t i;
	json_t *v;
	json_array_foreach(env, i, v)
	{
		if (!strncmp(json_string_value(v) ?: "", "PATH=", 5))
			return;
	}
	if (!json_is_array(env)) {
		env = json_array();
		json_object_set_new(run, "Env", env);
	}
	json_array_append_new(env, json_string(DEFAULT_PATH));
}

/* FROM a named context that is a directory: scratch with its files, as `COPY . /` from it
 * (BuildKit makes such a stage's root the directory). */
static int context_files(struct bld_build *b, struct bld_state *st, const struct bld_ref *ref,
			 struct berr **err)
{
	char *args[] = {".", "/", NULL};
	struct bld_instr in = {.kind = BLD_COPY, .args = args, .n_args = 2};
	struct bld_plan_step step = {.instr = &in, .from = *ref};
	int r = bld_copy_instr(b, st, &step, &in, err);
	return r < 0 ? r : 0;
}

/* The stage's base: st gets its image, config and variables. */
static int stage_base(struct bld_build *b, size_t si, struct bld_state *st, struct berr **err)
{
	const struct bld_plan_stage *ps = &b->plan->stages[si];
	switch (ps->base.kind) {
	case BLD_REF_STAGE: {
		const struct bld_state *from = &b->states[ps->base.stage];
		if (!from->done)
			return berr_plain(err, EINVAL, "stage %s is not built yet",
					  b->plan->stages[ps->base.stage].name);
		memcpy(st->id, from->id, sizeof(st->id));
		st->config = json_deep_copy(from->config);
		bld_vars_copy(&st->vars, &from->vars);
		return 0;
	}
	case BLD_REF_IMAGE: {
		int r = b->o->image(b->o->image_ctx, ps->base.image, st->id, err);
		if (r < 0)
			return r;
		st->config = bld_image_config(b, st->id, err);
		if (!st->config)
			return berr_ret(err);
		break;
	}
	default: /* scratch */
		*st->id = '\0';
		st->config = scratch_config(b);
		break;
	}
	ensure_path(st->config);
	autofree char **env = config_env(st->config);
	bld_vars_init(&st->vars, b->plan, env);
	return ps->base.kind == BLD_REF_CONTEXT ? context_files(b, st, &ps->base, err) : 0;
}

/* The extra words of a configuration step's key: what it depends on beyond its text. */
static char **meta_extra(const struct bld_state *st, const struct bld_instr *in)
{
	char **v = xcalloc(in->n_pairs + 2, sizeof(*v));
	size_t n = 0;
	if (in->kind == BLD_ARG)
		for (size_t i = 0; i < in->n_pairs; i++) {
			const char *val = bld_vars_lookup((void *)&st->vars, in->pairs[i].key);
			v[n++] = xasprintf("%s=%s", in->pairs[i].key, val ? val : "");
		}
	if (in->kind == BLD_ENTRYPOINT)
		v[n++] = xstrdup(st->cs.cmd_set ? "cmd_set" : "cmd_unset");
	return v;
}

/* ARG (values into the stage's variables), ENV (into them too), and every instruction that
 * only changes the config. */
static int meta_instr(struct bld_build *b, struct bld_state *st, const struct bld_instr *in,
		      struct berr **err)
{
	for (size_t i = 0; in->kind == BLD_ARG && i < in->n_pairs; i++) {
		int r = bld_vars_arg(&st->vars, &in->pairs[i], err);
		if (r < 0)
			return r;
	}
	if (in->kind == BLD_ENV)
		for (size_t i = 0; i < in->n_pairs; i++)
			bld_vars_env(&st->vars, in->pairs[i].key, in->pairs[i].value);
	char **extra = meta_extra(st, in);
	char key[BLD_KEY_LEN + 1];
	bld_cache_key(*st->id ? st->id : NULL, in, extra, key);
	strv_free(extra);
	int r = bld_config_apply(st->config, &st->cs, in, err);
	if (r < 0)
		return r;
	if ((r = bld_step_cached(b, st, key, err)) != 0)
		return r < 0 ? r : 1;
	json_t *shell = bld_config_shell(st->config);
	autofree char *by = bld_config_created_by(in, shell);
	json_decref(shell);
	return bld_step_commit(b, st, by, NULL, false, key, err);
}

/* WORKDIR: the config, and the directory made when the image lacks it (owned by the stage's
 * USER, as BuildKit's mkdir does), which then is a layer. */
/* path (absolute, clean) and its missing parents made inside the root, each owned by uid:gid,
 * as BuildKit's mkdir with parents and a user makes them. */
static int mkdir_owned(int rootfd, const char *path, uid_t uid, gid_t gid, struct berr **err)
{
	autofree char *prefix = xstrdup(path);
	for (char *p = prefix + 1;; p++) {
		if (*p && *p != '/')
			continue;
		char c = *p;
		*p = '\0';
		autoclose int have =
		    path_open_in_root(rootfd, prefix, O_PATH | O_DIRECTORY, 0, NULL);
		if (have < 0) {
			autoclose int dir = path_mkdir_in_root(rootfd, prefix, 0755, err);
			if (dir < 0)
				return dir;
			if (fchownat(dir, "", uid, gid, AT_EMPTY_PATH) < 0)
				return berr_set(err, errno, "chown '%s'", prefix);
		}
		if (!c)
			return 0;
		*p = c;
	}
}

static int workdir_instr(struct bld_build *b, struct bld_state *st, const struct bld_instr *in,
			 struct berr **err)
{
	char key[BLD_KEY_LEN + 1];
	bld_cache_key(*st->id ? st->id : NULL, in, NULL, key);
	int r = bld_config_apply(st->config, &st->cs, in, err);
	if (r < 0)
		return r;
	if ((r = bld_step_cached(b, st, key, err)) != 0)
		return r < 0 ? r : 1;
	const char *wd =
	    json_string_value(json_object_get(json_object_get(st->config, "config"), "WorkingDir"));
	const char *user =
	    json_string_value(json_object_get(json_object_get(st->config, "config"), "User"));
	struct bld_step_root root;
	if ((r = bld_step_root_make(b, st->id, &root, err)) < 0)
		return r;
	bool made = false;
	int have = path_open_in_root(root.fd, wd, O_PATH | O_DIRECTORY, 0, NULL);
	if (have >= 0)
		(void)close(have); /* nothing may hold the root open when it is sealed */
	else {
		struct eng_user u = {0};
		if (user && *user)
			r = eng_user_resolve(root.fd, user, &u, err);
		if (r == 0)
			r = mkdir_owned(root.fd, wd, u.uid, u.gid, err);
		made = r == 0;
	}
	autofree char *by = bld_config_created_by(in, NULL);
	if (r == 0)
		r = bld_step_root_seal(&root, err);
	if (r == 0)
		r = bld_step_commit(b, st, by, made ? root.upper : NULL, true, key, err);
	bld_step_root_release(&root);
	return r;
}

/* An image's ONBUILD list as steps (they run first, in order; the list is not passed on). */
static int image_triggers(struct bld_build *b, size_t si, struct bld_state *st,
			  struct bld_file **out, struct berr **err)
{
	*out = NULL;
	json_t *run = json_object_get(st->config, "config");
	json_t *list = json_object_get(run, "OnBuild");
	if (!json_array_size(list) || b->plan->stages[si].base.kind != BLD_REF_IMAGE) {
		if (json_is_object(run))
			json_object_set_new(run, "OnBuild", json_null());
		return 0;
	}
	autofree char *text = xstrdup("FROM scratch\n");
	size_t i;
	json_t *v;
	json_array_foreach(list, i, v)
	{
		char *t = xasprintf("%s%s\n", text, json_string_value(v) ?: "");
		free(text);
		text = t;
	}
	json_object_set_new(run, "OnBuild", json_null());
	*out = bld_file_parse("ONBUILD", text, strlen(text), err);
	return *out ? 0 : berr_wrap(err, "the base image's ONBUILD triggers");
}

/* One step: expanded, dispatched; 1 when it came from the cache. */
static int dispatch(struct bld_build *b, size_t si, struct bld_state *st,
		    const struct bld_plan_step *step, struct berr **err)
{
	struct bld_expand x;
	bld_vars_expander(&st->vars, &x);
	struct bld_instr in = {0};
	int r = bld_instr_expand(step->instr, &x, &in, err);
	if (r == 0) {
		switch (in.kind) {
		case BLD_RUN:
			r = bld_run_instr(b, si, st, step, &in, err);
			break;
		case BLD_COPY:
		case BLD_ADD:
			r = bld_copy_instr(b, st, step, &in, err);
			break;
		case BLD_WORKDIR:
			r = workdir_instr(b, st, &in, err);
			break;
		default:
			r = meta_instr(b, st, &in, err);
			break;
		}
	}
	bld_instr_clear(&in);
	return r;
}

/* The step under way failed: err wrapped with the file and line, the ERROR event. */
static int step_failed(struct bld_build *b, struct berr **err, double t0, unsigned line)
{
	int r = berr_wrap(err, "%s:%u", b->plan->file->name, line);
	autofree char *msg = berr_string(*err);
	bld_event(b, (struct bld_event){.kind = r == -EINTR ? BLD_EV_CANCELED : BLD_EV_ERROR,
					.name = msg,
					.seconds = now_s() - t0});
	return r;
}

static int run_step(struct bld_build *b, size_t si, struct bld_state *st,
		    const struct bld_plan_step *step, size_t index, size_t total, struct berr **err)
{
	const struct bld_plan_stage *ps = &b->plan->stages[si];
	if (b->o->interrupted && *b->o->interrupted)
		return berr_plain(err, EINTR, "the build was interrupted");
	bld_step_begin(b);
	autofree char *title = xasprintf("[%s %zu/%zu] %s", ps->name, index, total,
					 step->instr->original ? step->instr->original : "");
	bld_event(b, (struct bld_event){.kind = BLD_EV_STEP,
					.name = title,
					.line = step->onbuild ? 0 : step->instr->line});
	double t0 = now_s();
	int r = dispatch(b, si, st, step, err);
	if (r < 0)
		return step_failed(b, err, t0, step->instr->line);
	bld_event(b, (struct bld_event){.kind = r == 1 ? BLD_EV_CACHED : BLD_EV_DONE,
					.seconds = now_s() - t0,
					.image = *st->id ? st->id : NULL});
	return 0;
}

int bld_stage_build(struct bld_build *b, size_t si, struct berr **err)
{
	const struct bld_plan_stage *ps = &b->plan->stages[si];
	struct bld_state *st = &b->states[si];
	bld_step_begin(b);
	const char *base = ps->base.kind == BLD_REF_IMAGE   ? ps->base.image
			   : ps->base.kind == BLD_REF_STAGE ? b->plan->stages[ps->base.stage].name
			   : ps->base.kind == BLD_REF_CONTEXT
			       ? b->plan->contexts[ps->base.stage].name
			       : "scratch";
	autoptr(bld_file) triggers = NULL;
	size_t total = ps->n_steps + 1;
	autofree char *title = xasprintf("[%s 1/%zu] FROM %s", ps->name, total, base);
	bld_event(b,
		  (struct bld_event){.kind = BLD_EV_STEP, .name = title, .line = ps->stage->line});
	double t0 = now_s();
	int r = stage_base(b, si, st, err);
	if (r == 0)
		r = image_triggers(b, si, st, &triggers, err);
	if (r < 0)
		return step_failed(b, err, t0, ps->stage->line);
	bld_event(b, (struct bld_event){.kind = BLD_EV_DONE,
					.seconds = now_s() - t0,
					.image = *st->id ? st->id : NULL});
	size_t n_trig = triggers ? triggers->stages[0].n_instrs : 0;
	for (size_t i = 0; i < n_trig; i++) {
		struct bld_plan_step step = {.instr = &triggers->stages[0].instrs[i],
					     .onbuild = true};
		struct bld_ref from = {0};
		const char *f = bld_instr_flag(step.instr, "from");
		if (f && bld_plan_resolve(b->plan, si, f, true, &from, err) < 0)
			return berr_wrap(err, "the base image's ONBUILD triggers");
		step.from = from;
		r = run_step(b, si, st, &step, 1, total, err);
		bld_ref_clear(&from);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < ps->n_steps; i++)
		if ((r = run_step(b, si, st, &ps->steps[i], i + 2, total, err)) < 0)
			return r;
	st->done = true;
	return 0;
}
