/* The build plan (see plan.h). bld_plan_make follows BuildKit's toDispatchState step by step:
 * defaultArgs and buildMetaArgs (global_scope), buildDispatchStates (stage_base), toCommand
 * and detectRunMount (stage_steps), validateCircularDependency (check_cycles), resolveTarget,
 * allReachableStages (mark_needed), and the "defined before" checks dispatch makes (check_order).
 * Platforms: platform.c. */
#include "build/plan.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "build/mount.h"
#include "build/text.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/json.h"
#include "util/xalloc.h"

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

/* An error at a line of the file: msg is already set in *err. */
static int at_line(const struct bld_file *f, unsigned line, struct berr **err)
{
	return berr_wrap(err, "%s:%u", f->name, line);
}

void bld_ref_clear(struct bld_ref *r)
{
	if (!r)
		return;
	free(r->image);
	*r = (struct bld_ref){0};
}

/* dispatchStates.findStateByName: every stage, case-insensitive; n limits it to stages before
 * the n-th (FROM sees only those). */
static bool find_stage(const struct bld_file *f, size_t n, const char *name, size_t *out)
{
	for (size_t i = 0; i < n; i++) {
		if (f->stages[i].name && !strcasecmp(f->stages[i].name, name)) {
			*out = i;
			return true;
		}
	}
	return false;
}

/* A named context (before anything else), a stage of the first n, "scratch", or an image. */
static void name_ref(const struct bld_plan *p, size_t n, const char *name, struct bld_ref *out)
{
	const struct bld_file *f = p->file;
	size_t i;
	for (i = 0; i < p->n_contexts; i++) {
		const struct bld_named_context *c = &p->contexts[i];
		if (strcasecmp(c->name, name))
			continue;
		if (c->kind == BLD_NAMED_IMAGE)
			*out = (struct bld_ref){.kind = BLD_REF_IMAGE, .image = xstrdup(c->value)};
		else
			*out = (struct bld_ref){.kind = BLD_REF_CONTEXT, .stage = i};
		return;
	}
	if (find_stage(f, n, name, &i))
		*out = (struct bld_ref){.kind = BLD_REF_STAGE, .stage = i};
	else if (!strcmp(name, "scratch"))
		*out = (struct bld_ref){.kind = BLD_REF_SCRATCH};
	else
		*out = (struct bld_ref){.kind = BLD_REF_IMAGE, .image = xstrdup(name)};
}

static bool named(const struct bld_plan *p, const char *name)
{
	for (size_t i = 0; i < p->n_contexts; i++)
		if (!strcasecmp(p->contexts[i].name, name))
			return true;
	return false;
}

int bld_named_context_parse(const char *spec, struct bld_named_context *out, struct berr **err)
{
	const char *eq = strchr(spec, '=');
	if (!eq || eq == spec || !eq[1])
		return berr_plain(err, EINVAL, "invalid context value '%s': NAME=VALUE", spec);
	autofree char *name = xstrndup(spec, (size_t)(eq - spec));
	const char *v = eq + 1;
	if (strpbrk(name, " \t/:@"))
		return berr_plain(err, EINVAL, "invalid context name '%s'", name);
	static const char image[] = "docker-image://";
	if (!strncmp(v, image, strlen(image))) {
		if (!v[strlen(image)])
			return berr_plain(err, EINVAL, "invalid context value '%s': no image",
					  spec);
		*out = (struct bld_named_context){.name = take_ptr(&name),
						  .kind = BLD_NAMED_IMAGE,
						  .value = xstrdup(v + strlen(image))};
		return 0;
	}
	if (strstr(v, "://") || !strncmp(v, "target:", 7) || !strncmp(v, "git@", 4))
		return berr_plain(
		    err, ENOTSUP,
		    "context '%s': only a directory or docker-image://REF is supported", spec);
	*out = (struct bld_named_context){
	    .name = take_ptr(&name), .kind = BLD_NAMED_DIR, .value = xstrdup(v)};
	return 0;
}

void bld_named_context_clear(struct bld_named_context *c)
{
	if (!c)
		return;
	free(c->name);
	free(c->value);
	*c = (struct bld_named_context){0};
}

/* Go's strconv.Atoi: [+-]digits that fit an int64. */
static bool atoi_go(const char *s, long long *out)
{
	const char *d = s + (*s == '+' || *s == '-');
	if (!*d || strspn(d, "0123456789") != strlen(d) || strlen(d) > 18)
		return false;
	*out = strtoll(s, NULL, 10);
	return true;
}

/* toCommand for COPY --from (copy) and detectRunMount for from= (!copy), unchecked for order. */
static int resolve(const struct bld_plan *p, const char *name, bool copy, struct bld_ref *out,
		   struct berr **err)
{
	const struct bld_file *f = p->file;
	if (!*name) {
		*out = (struct bld_ref){.kind = BLD_REF_NONE};
		return 0;
	}
	long long index;
	if (copy) {
		struct bld_expand none = {.escape = f->escape};
		autofree char *v = NULL;
		int r = bld_expand_word(&none, name, &v, err);
		if (r == 0 && strcmp(v, name))
			r = berr_plain(err, EINVAL,
				       "variable expansion is not supported for --from, define a "
				       "new stage with FROM using ARG from global scope as a "
				       "workaround");
		if (r < 0)
			return r;
		if (atoi_go(name, &index) && !named(p, name)) {
			if (index < 0 || (unsigned long long)index >= f->n_stages)
				return berr_plain(err, EINVAL, "invalid stage index %lld", index);
			*out = (struct bld_ref){.kind = BLD_REF_STAGE, .stage = (size_t)index};
			return 0;
		}
	}
	name_ref(p, f->n_stages, name, out);
	return 0;
}

static int order_error(const struct bld_plan *p, size_t at, size_t stage, bool copy,
		       struct berr **err)
{
	const char *from = p->stages[stage].name, *cur = p->stages[at].name;
	if (copy)
		return berr_plain(err, EINVAL,
				  "cannot copy from stage '%s', it needs to be defined before "
				  "current stage '%s'",
				  from, cur);
	return berr_plain(err, EINVAL,
			  "cannot mount from stage '%s', it needs to be defined before current "
			  "stage '%s'",
			  from, cur);
}

int bld_plan_resolve(const struct bld_plan *p, size_t at, const char *name, bool copy,
		     struct bld_ref *out, struct berr **err)
{
	struct bld_ref ref;
	int r = resolve(p, name, copy, &ref, err);
	if (r < 0)
		return r;
	if (ref.kind == BLD_REF_STAGE && ref.stage == at)
		return berr_plain(err, EINVAL, "circular dependency detected on stage: %s",
				  p->stages[at].name);
	if (ref.kind == BLD_REF_STAGE && ref.stage > at)
		return order_error(p, at, ref.stage, copy, err);
	*out = ref;
	return 0;
}

/* What bld_plan_make carries between its steps: the graph's edges with the line that made
 * each, for messages, before they become wait_for lists. */
struct edge {
	size_t to;
	unsigned line;
};

struct maker {
	const struct bld_file *f;
	struct bld_plan *p;
	struct edge **edges; /* per stage */
	size_t *n_edges;
};

static void add_edge(struct maker *m, size_t from, const struct bld_ref *ref, unsigned line)
{
	if (ref->kind != BLD_REF_STAGE)
		return;
	m->edges[from] = xrealloc(m->edges[from], (m->n_edges[from] + 1) * sizeof(struct edge));
	m->edges[from][m->n_edges[from]++] = (struct edge){.to = ref->stage, .line = line};
}

/* The proxy variables Docker predefines (builtinAllowedBuildArgs, each also in lower case; BuildKit
 * matches them in any case): usable without ARG, kept out of history and cache keys. */
static const char *const proxy_names[] = {"HTTP_PROXY", "HTTPS_PROXY", "FTP_PROXY", "NO_PROXY",
					  "ALL_PROXY"};
/* defaultArgs: the global scope's automatic ARGs, in its order. */
static const char *const platform_args[] = {"BUILDPLATFORM", "BUILDOS",         "BUILDOSVERSION",
					    "BUILDARCH",     "BUILDVARIANT",    "TARGETPLATFORM",
					    "TARGETOS",      "TARGETOSVERSION", "TARGETARCH",
					    "TARGETVARIANT", "TARGETSTAGE"};

static int build_args(struct bld_plan *p, const struct bld_plan_opts *o, struct berr **err)
{
	for (size_t i = 0; i < o->n_build_args; i++) {
		const struct bld_kv *kv = &o->build_args[i];
		if (!kv->key[0] || strchr(kv->key, '='))
			return berr_plain(err, EINVAL, "invalid build arg name '%s'", kv->key);
		if (kv->value)
			bld_env_set(&p->build_args, kv->key, kv->value);
	}
	return 0;
}

/* defaultArgs then buildMetaArgs: each meta arg's default is expanded with what comes before it
 * (the platform ARGs, earlier meta args); a --build-arg replaces it, unexpanded. */
static int global_scope(struct bld_plan *p, const char *target, struct berr **err)
{
	const struct bld_file *f = p->file;
	char bp[3 * BLD_PLATFORM_PART_MAX], tp[3 * BLD_PLATFORM_PART_MAX];
	const struct bld_platform *b = &p->build_platform, *t = &p->target_platform;
	if (!target)
		target = f->stages[f->n_stages - 1].name;
	const char *values[N_OF(platform_args)] = {
	    bld_platform_format(b, bp, sizeof(bp)), b->os, "", b->arch, b->variant,
	    bld_platform_format(t, tp, sizeof(tp)), t->os, "", t->arch, t->variant,
	    target && *target ? target : "default"};
	for (size_t i = 0; i < N_OF(platform_args); i++) {
		const char *given = bld_env_lookup(&p->build_args, platform_args[i]);
		bld_env_set(&p->global, platform_args[i], given ? given : values[i]);
	}
	struct bld_expand x = {.escape = f->escape, .lookup = bld_env_lookup, .ctx = &p->global};
	for (size_t i = 0; i < f->n_meta_args; i++) {
		const struct bld_instr *in = &f->meta_args[i];
		for (size_t j = 0; j < in->n_pairs; j++) {
			const struct bld_kv *kv = &in->pairs[j];
			const char *given = bld_env_lookup(&p->build_args, kv->key);
			autofree char *value = given ? xstrdup(given) : NULL;
			if (!given && kv->value && bld_expand_word(&x, kv->value, &value, err) < 0)
				return at_line(f, in->line, err);
			if (value)
				bld_env_set(&p->global, kv->key, value);
		}
	}
	return 0;
}

static int stage_platform(const struct bld_plan *p, const struct bld_stage *st,
			  struct bld_platform *out, struct berr **err)
{
	const struct bld_file *f = p->file;
	struct bld_expand x = {
	    .escape = f->escape, .lookup = bld_env_lookup, .ctx = (void *)&p->global};
	autofree char *v = NULL;
	if (bld_expand_word(&x, st->platform, &v, err) < 0) {
		berr_wrap(err, "failed to process arguments for platform '%s'", st->platform);
		return at_line(f, st->line, err);
	}
	if (!*v) {
		berr_plain(err, EINVAL, "empty platform value from expression '%s'", st->platform);
		return at_line(f, st->line, err);
	}
	if (bld_platform_parse(v, &p->build_platform, out, err) < 0) {
		berr_wrap(err, "failed to parse platform '%s'", st->platform);
		return at_line(f, st->line, err);
	}
	return 0;
}

/* buildDispatchStates and addState for stage i: FROM's base and platform expanded with the
 * global scope, the base looked up among the stages before it. */
static int stage_base(struct bld_plan *p, size_t i, struct berr **err)
{
	const struct bld_file *f = p->file;
	const struct bld_stage *st = &f->stages[i];
	struct bld_plan_stage *ps = &p->stages[i];
	ps->stage = st;
	ps->name = st->name ? xstrdup(st->name) : xasprintf("stage-%zu", i);
	struct bld_expand x = {.escape = f->escape, .lookup = bld_env_lookup, .ctx = &p->global};
	autofree char *base = NULL;
	if (bld_expand_word(&x, st->base, &base, err) < 0)
		return at_line(f, st->line, err);
	if (!*base) {
		berr_plain(err, EINVAL, "base name (%s) should not be blank", st->base);
		return at_line(f, st->line, err);
	}
	ps->platform = p->target_platform;
	int r = st->platform ? stage_platform(p, st, &ps->platform, err) : 0;
	if (r < 0)
		return r;
	name_ref(p, i, base, &ps->base);
	if (ps->base.kind == BLD_REF_STAGE)
		ps->platform = p->stages[ps->base.stage].platform;
	return 0;
}

static void step_clear(struct bld_plan_step *s)
{
	bld_ref_clear(&s->from);
	for (size_t i = 0; i < s->n_mount_from; i++)
		bld_ref_clear(&s->mount_from[i]);
	free(s->mount_from);
	*s = (struct bld_plan_step){0};
}

/* detectRunMount: each --mount's from=, read before any variable is known. */
static int step_mounts(const struct bld_plan *p, const struct bld_instr *in,
		       struct bld_plan_step *s, struct berr **err)
{
	for (size_t i = 0; i < in->n_flags; i++) {
		if (strcmp(in->flags[i].name, "mount"))
			continue;
		autofree char *from = NULL;
		struct bld_ref ref;
		int r = bld_mount_from(in->flags[i].value, &from, err);
		if (r == 0)
			r = resolve(p, from ? from : "", false, &ref, err);
		if (r < 0)
			return r;
		s->mount_from = xrealloc(s->mount_from, (s->n_mount_from + 1) * sizeof(ref));
		s->mount_from[s->n_mount_from++] = ref;
	}
	return 0;
}

static int add_step(struct maker *m, size_t at, const struct bld_instr *in, bool onbuild,
		    struct berr **err)
{
	struct bld_plan_stage *ps = &m->p->stages[at];
	struct bld_plan_step s = {.instr = in, .onbuild = onbuild};
	const char *from = in->kind == BLD_COPY ? bld_instr_flag(in, "from") : NULL;
	int r = 0;
	if (from)
		r = resolve(m->p, from, true, &s.from, err);
	else if (in->kind == BLD_RUN)
		r = step_mounts(m->p, in, &s, err);
	if (r < 0) {
		step_clear(&s);
		return at_line(m->f, in->line, err);
	}
	add_edge(m, at, &s.from, in->line);
	for (size_t i = 0; i < s.n_mount_from; i++)
		add_edge(m, at, &s.mount_from[i], in->line);
	ps->steps = xrealloc(ps->steps, (ps->n_steps + 1) * sizeof(s));
	ps->steps[ps->n_steps++] = s;
	return 0;
}

/* toCommand for each instruction, after initOnBuildTriggers for the ONBUILD lines of the
 * base stage (its own: those of its base were its own triggers, not passed on). */
static int stage_steps(struct maker *m, size_t at, struct berr **err)
{
	const struct bld_plan_stage *ps = &m->p->stages[at];
	add_edge(m, at, &ps->base, ps->stage->line);
	int r = 0;
	if (ps->base.kind == BLD_REF_STAGE) {
		const struct bld_stage *base = &m->f->stages[ps->base.stage];
		for (size_t i = 0; r == 0 && i < base->n_instrs; i++)
			if (base->instrs[i].kind == BLD_ONBUILD)
				r = add_step(m, at, base->instrs[i].trigger, true, err);
	}
	for (size_t i = 0; r == 0 && i < ps->stage->n_instrs; i++)
		r = add_step(m, at, &ps->stage->instrs[i], false, err);
	return r;
}

/* validateCircularDependency: a depth-first walk over every stage. The cycle is named after the
 * stage it closes on, at the line where that stage's part of the cycle starts. */
struct walk {
	struct maker *m;
	unsigned char *color; /* 0 not seen, 1 on the path, 2 done */
	size_t *path;         /* stages on the path from the walk's root */
	unsigned *line;       /* the line of the edge taken from path[k] */
};

static int visit(struct walk *w, size_t s, size_t depth, struct berr **err)
{
	w->color[s] = 1;
	w->path[depth] = s;
	for (size_t i = 0; i < w->m->n_edges[s]; i++) {
		const struct edge *e = &w->m->edges[s][i];
		w->line[depth] = e->line;
		if (w->color[e->to] == 1) {
			size_t k = 0;
			while (w->path[k] != e->to)
				k++;
			berr_plain(err, EINVAL, "circular dependency detected on stage: %s",
				   w->m->p->stages[e->to].name);
			return at_line(w->m->f, w->line[k], err);
		}
		int r = w->color[e->to] == 0 ? visit(w, e->to, depth + 1, err) : 0;
		if (r < 0)
			return r;
	}
	w->color[s] = 2;
	return 0;
}

static int check_cycles(struct maker *m, struct berr **err)
{
	size_t n = m->p->n_stages;
	autofree unsigned char *color = xcalloc(n, 1);
	autofree size_t *path = xcalloc(n, sizeof(size_t));
	autofree unsigned *line = xcalloc(n, sizeof(unsigned));
	struct walk w = {.m = m, .color = color, .path = path, .line = line};
	int r = 0;
	for (size_t i = 0; r == 0 && i < n; i++)
		r = color[i] ? 0 : visit(&w, i, 0, err);
	return r;
}

/* allReachableStages from the target. */
static void mark_needed(struct maker *m)
{
	struct bld_plan *p = m->p;
	autofree size_t *todo = xcalloc(p->n_stages, sizeof(size_t));
	size_t n = 0;
	p->stages[p->target].needed = true;
	todo[n++] = p->target;
	while (n > 0) {
		size_t s = todo[--n];
		for (size_t i = 0; i < m->n_edges[s]; i++) {
			size_t to = m->edges[s][i].to;
			if (!p->stages[to].needed) {
				p->stages[to].needed = true;
				todo[n++] = to;
			}
		}
	}
}

/* dispatch and dispatchRunMounts run stages in file order and refuse a source not yet built:
 * only for stages that run, as BuildKit skips the others. */
static int check_order(struct bld_plan *p, struct berr **err)
{
	for (size_t at = 0; at < p->n_stages; at++) {
		const struct bld_plan_stage *ps = &p->stages[at];
		for (size_t i = 0; ps->needed && i < ps->n_steps; i++) {
			const struct bld_plan_step *s = &ps->steps[i];
			int r = 0;
			if (s->from.kind == BLD_REF_STAGE && s->from.stage > at)
				r = order_error(p, at, s->from.stage, true, err);
			for (size_t k = 0; r == 0 && k < s->n_mount_from; k++)
				if (s->mount_from[k].kind == BLD_REF_STAGE &&
				    s->mount_from[k].stage > at)
					r = order_error(p, at, s->mount_from[k].stage, false, err);
			if (r < 0)
				return at_line(p->file, s->instr->line, err);
		}
	}
	return 0;
}

static int cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	return x < y ? -1 : x > y;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* wait_for of each stage from its edges; the order: needed stages by index, which respects
 * them once check_order has passed (every edge of a needed stage points back). */
static void schedule(struct maker *m)
{
	struct bld_plan *p = m->p;
	p->order = xcalloc(p->n_stages, sizeof(size_t));
	for (size_t at = 0; at < p->n_stages; at++) {
		struct bld_plan_stage *ps = &p->stages[at];
		ps->wait_for = xcalloc(m->n_edges[at] + 1, sizeof(size_t));
		for (size_t i = 0; i < m->n_edges[at]; i++)
			ps->wait_for[i] = m->edges[at][i].to;
		qsort(ps->wait_for, m->n_edges[at], sizeof(size_t), cmp_size);
		for (size_t i = 0; i < m->n_edges[at]; i++)
			if (ps->n_wait_for == 0 ||
			    ps->wait_for[ps->n_wait_for - 1] != ps->wait_for[i])
				ps->wait_for[ps->n_wait_for++] = ps->wait_for[i];
		if (ps->needed)
			p->order[p->n_order++] = at;
	}
}

static bool declares(const struct bld_instr *in, const char *key)
{
	if (in->kind == BLD_ONBUILD && in->trigger)
		in = in->trigger;
	for (size_t i = 0; in->kind == BLD_ARG && i < in->n_pairs; i++)
		if (!strcmp(in->pairs[i].key, key))
			return true;
	return false;
}

static bool is_proxy(const char *key)
{
	for (size_t i = 0; i < N_OF(proxy_names); i++)
		if (!strcasecmp(key, proxy_names[i]))
			return true;
	return false;
}

static bool declared(const struct bld_file *f, const char *key)
{
	if (is_proxy(key) || bld_text_in_list(key, platform_args, N_OF(platform_args)))
		return true;
	for (size_t i = 0; i < f->n_meta_args; i++)
		if (declares(&f->meta_args[i], key))
			return true;
	for (size_t s = 0; s < f->n_stages; s++)
		for (size_t i = 0; i < f->stages[s].n_instrs; i++)
			if (declares(&f->stages[s].instrs[i], key))
				return true;
	return false;
}

/* proxyEnvFromBuildArgs (names matched in any case, the last in sorted order winning), then
 * proxyEnvList (upper- and lower-case, empty values left out); and the unused --build-args. */
static void args_report(struct bld_plan *p)
{
	autofree char **keys = xcalloc(p->build_args.n + 1, sizeof(char *));
	for (size_t i = 0; i < p->build_args.n; i++)
		keys[i] = xstrndup(p->build_args.vars[i], strcspn(p->build_args.vars[i], "="));
	qsort(keys, p->build_args.n, sizeof(char *), cmp_str);
	for (size_t k = 0; k < N_OF(proxy_names); k++) {
		const char *v = NULL;
		for (size_t i = 0; i < p->build_args.n; i++)
			if (!strcasecmp(keys[i], proxy_names[k]))
				v = bld_env_lookup(&p->build_args, keys[i]);
		if (!v || !*v)
			continue;
		char low[16];
		bld_text_lower(low, sizeof(low), proxy_names[k]);
		bld_env_set(&p->proxy, proxy_names[k], v);
		bld_env_set(&p->proxy, low, v);
	}
	for (size_t i = 0; i < p->build_args.n; i++) {
		if (declared(p->file, keys[i]))
			free(keys[i]);
		else
			bld_strv_push(&p->unused_args, &p->n_unused_args, keys[i]);
	}
}

/* In BuildKit's order, so that a file with several faults reports the same one first. */
static int make(struct maker *m, const struct bld_plan_opts *o, struct berr **err)
{
	struct bld_plan *p = m->p;
	int r = build_args(p, o, err);
	if (r == 0)
		r = global_scope(p, o->target, err);
	for (size_t i = 0; r == 0 && i < p->n_stages; i++)
		r = stage_base(p, i, err);
	if (r == 0 && o->target && !find_stage(m->f, p->n_stages, o->target, &p->target))
		r = berr_plain(err, ENOENT, "%s: target stage '%s' could not be found", m->f->name,
			       o->target);
	for (size_t i = 0; r == 0 && i < p->n_stages; i++)
		r = stage_steps(m, i, err);
	if (r == 0)
		r = check_cycles(m, err);
	if (r < 0)
		return r;
	mark_needed(m);
	r = check_order(p, err);
	if (r < 0)
		return r;
	schedule(m);
	args_report(p);
	return 0;
}

int bld_plan_make(const struct bld_file *f, const struct bld_plan_opts *o, struct bld_plan **out,
		  struct berr **err)
{
	struct bld_plan *p = xzalloc(sizeof(*p));
	p->file = f;
	p->contexts = o->contexts;
	p->n_contexts = o->n_contexts;
	p->n_stages = f->n_stages;
	p->stages = xcalloc(f->n_stages, sizeof(*p->stages));
	p->target = f->n_stages - 1;
	p->build_platform = p->target_platform = o->host;
	bld_platform_normalize(&p->build_platform);
	bld_platform_normalize(&p->target_platform);
	struct maker m = {.f = f,
			  .p = p,
			  .edges = xcalloc(f->n_stages, sizeof(struct edge *)),
			  .n_edges = xcalloc(f->n_stages, sizeof(size_t))};
	int r = make(&m, o, err);
	for (size_t i = 0; i < f->n_stages; i++)
		free(m.edges[i]);
	free(m.edges);
	free(m.n_edges);
	if (r < 0) {
		bld_plan_free(p);
		return r;
	}
	*out = p;
	return 0;
}

void bld_plan_free(struct bld_plan *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n_stages; i++) {
		struct bld_plan_stage *ps = &p->stages[i];
		free(ps->name);
		bld_ref_clear(&ps->base);
		free(ps->wait_for);
		for (size_t j = 0; j < ps->n_steps; j++)
			step_clear(&ps->steps[j]);
		free(ps->steps);
	}
	free(p->stages);
	free(p->order);
	bld_env_clear(&p->global);
	bld_env_clear(&p->build_args);
	bld_env_clear(&p->proxy);
	strv_free(p->unused_args);
	free(p);
}

/* "K=V" into env and config, as BuildKit reads an image's Env (parseKeyValue: no '=' is K=""). */
static void image_var(struct bld_vars *v, const char *kv)
{
	const char *eq = strchr(kv, '=');
	autofree char *key = eq ? xstrndup(kv, (size_t)(eq - kv)) : xstrdup(kv);
	bld_vars_env(v, key, eq ? eq + 1 : "");
}

void bld_vars_init(struct bld_vars *v, const struct bld_plan *p, char *const *image_env)
{
	*v = (struct bld_vars){.plan = p};
	for (size_t i = 0; image_env && image_env[i]; i++)
		image_var(v, image_env[i]);
}

static void env_copy(struct bld_env *dst, const struct bld_env *src)
{
	dst->vars = src->vars ? strv_dup(src->vars) : NULL;
	dst->n = src->n;
}

void bld_vars_copy(struct bld_vars *v, const struct bld_vars *parent)
{
	*v = (struct bld_vars){.plan = parent->plan, .n_arg_names = parent->n_arg_names};
	env_copy(&v->env, &parent->env);
	env_copy(&v->config, &parent->config);
	v->arg_names = parent->arg_names ? strv_dup(parent->arg_names) : NULL;
}

void bld_vars_clear(struct bld_vars *v)
{
	if (!v)
		return;
	bld_env_clear(&v->env);
	bld_env_clear(&v->config);
	strv_free(v->arg_names);
	*v = (struct bld_vars){0};
}

int bld_vars_arg(struct bld_vars *v, const struct bld_kv *decl, struct berr **err)
{
	const struct bld_plan *p = v->plan;
	const char *given = bld_env_lookup((void *)&p->build_args, decl->key);
	autofree char *value = given ? xstrdup(given) : NULL;
	if (!given && decl->value) {
		struct bld_expand x;
		bld_vars_expander(v, &x);
		int r = bld_expand_word(&x, decl->value, &value, err);
		if (r < 0)
			return r;
	} else if (!given) {
		const char *global = bld_env_lookup((void *)&p->global, decl->key);
		value = global ? xstrdup(global) : NULL;
	}
	if (value)
		bld_env_set(&v->env, decl->key, value);
	bld_strv_push(&v->arg_names, &v->n_arg_names, xstrdup(decl->key));
	return 0;
}

void bld_vars_env(struct bld_vars *v, const char *key, const char *value)
{
	bld_env_set(&v->env, key, value);
	bld_env_set(&v->config, key, value);
}

const char *bld_vars_lookup(void *ctx, const char *name)
{
	struct bld_vars *v = ctx;
	return bld_env_lookup(&v->env, name);
}

void bld_vars_expander(const struct bld_vars *v, struct bld_expand *x)
{
	*x = (struct bld_expand){
	    .escape = v->plan->file->escape, .lookup = bld_vars_lookup, .ctx = (void *)v};
}

char **bld_vars_run_env(const struct bld_vars *v)
{
	struct bld_env out = {0};
	env_copy(&out, &v->env);
	const struct bld_env *proxy = &v->plan->proxy;
	for (size_t i = 0; i < proxy->n; i++) {
		const char *kv = proxy->vars[i];
		autofree char *key = xstrndup(kv, strcspn(kv, "="));
		if (!bld_env_lookup(&out, key))
			bld_env_set(&out, key, kv + strlen(key) + 1);
	}
	return out.vars ? out.vars : xcalloc(1, sizeof(char *));
}

char **bld_vars_run_args(const struct bld_vars *v)
{
	char **out = NULL;
	size_t n = 0;
	for (size_t i = 0; i < v->n_arg_names; i++) {
		const char *key = v->arg_names[i];
		bool seen = false;
		for (size_t j = 0; j < i && !seen; j++)
			seen = !strcmp(v->arg_names[j], key);
		if (seen)
			continue;
		const char *value = bld_env_lookup((void *)&v->env, key);
		bld_strv_push(&out, &n, xasprintf("%s=%s", key, value ? value : ""));
	}
	return out ? out : xcalloc(1, sizeof(char *));
}
