/* The build plan: a parsed Containerfile (dockerfile.h) plus the user's options become what the
 * executor walks, as BuildKit's dockerfile2llb (convert.go, platform.go) decides it before it
 * runs anything:
 *   - the global scope: the automatic platform ARGs and TARGETSTAGE, then the ARGs before the
 *     first FROM (meta args), each default expanded with those before it and a --build-arg
 *     replacing it; visible to FROM lines only (base and --platform);
 *   - per stage: its base expanded and resolved (an earlier stage, "scratch", or an image), its
 *     platform, and each instruction's other sources (COPY --from, RUN --mount from=) resolved;
 *   - which stages the target needs, the stages each one waits for, an order to run them;
 *   - the --build-args nobody declared, for the executor to warn about;
 *   - struct bld_vars: a stage's variables while the executor walks it (ARG, ENV, RUN's env).
 * Errors name the file and line as the parser does ("Containerfile:12: ..."). Nothing here
 * pulls, runs or reads the context; the plan borrows the bld_file, which must outlive it.
 *
 * BuildKit rules kept, some surprising:
 *   - FROM may only name an earlier stage; a name that is not one (a later stage, the stage
 *     itself) is an image reference, as BuildKit reads it. Stage names match case-insensitively
 *     (BuildKit's FROM does not lower-case the base first, so `FROM Build` fails there).
 *   - COPY --from=NAME and RUN --mount from=NAME look at every stage: the stage itself or a
 *     cycle is "circular dependency detected on stage: NAME"; a later stage, in a stage that
 *     runs, is refused ("it needs to be defined before current stage"). A number after
 *     COPY --from= is a stage index, but not after from= of a mount (BuildKit looks mounts up
 *     by name only: from=0 is an image named "0"). Anything else is an image, "scratch" is
 *     the empty image.
 *   - A --build-arg reaches a FROM line only through an ARG before the first FROM that declares
 *     its name (the platform ARGs aside): `FROM img:$TAG` ignores --build-arg TAG=1 otherwise.
 *   - The ONBUILD lines of an earlier stage run first in each stage built FROM it (only its
 *     own, not its base's), so their sources are that stage's too.
 *   - ENV and ARG share one scope inside a stage, and the later of the two wins: `ENV A=1` then
 *     `ARG A=2` makes $A 2 for the words and RUNs that follow (not in the image config).
 *     Docker's reference says ENV always wins, which was the classic builder; BuildKit's
 *     state env is one list that both write to. */
#ifndef BERTH_BUILD_PLAN_H
#define BERTH_BUILD_PLAN_H

#include <stdbool.h>
#include <stddef.h>

#include "build/dockerfile.h"
#include "build/expand.h"
#include "build/platform.h"

struct berr;

/* --build-context NAME=VALUE: a directory on this host (COPY --from=NAME and mount from=NAME
 * read it; FROM NAME starts from its files), or docker-image://REF (NAME stands for that
 * image). A named context replaces a stage, an image or "scratch" of the same name, as in
 * BuildKit; names match as stage names do (case-insensitively). */
enum bld_named_kind { BLD_NAMED_DIR, BLD_NAMED_IMAGE };
struct bld_named_context {
	char *name;
	enum bld_named_kind kind;
	char *value; /* the directory, or the image reference */
};
/* "NAME=VALUE" as --build-context takes it; the other kinds of BuildKit's (oci-layout://,
 * target:, URLs and git) are refused. Free with bld_named_context_clear. */
int bld_named_context_parse(const char *spec, struct bld_named_context *out, struct berr **err);
void bld_named_context_clear(struct bld_named_context *c);

struct bld_plan_opts {
	/* --build-arg K=V, in the order given (a later K wins). The CLI resolves a bare K from its
	 * own environment and leaves it out when unset there. Keys: non-empty, no '='. */
	const struct bld_kv *build_args;
	size_t n_build_args;
	const char *target;                       /* --target, or NULL for the last stage */
	const struct bld_named_context *contexts; /* --build-context, borrowed by the plan */
	size_t n_contexts;
	struct bld_platform host; /* build and target platform: --platform is the host's for now */
};

enum bld_ref_kind {
	BLD_REF_NONE,    /* nothing named: the build context (COPY, bind), an empty dir (cache) */
	BLD_REF_SCRATCH, /* "scratch": the empty image */
	BLD_REF_STAGE,   /* a stage of the file */
	BLD_REF_IMAGE,   /* an image reference, as written (not yet parsed or normalized) */
	BLD_REF_CONTEXT, /* a named context that is a directory (--build-context) */
};

struct bld_ref {
	enum bld_ref_kind kind;
	size_t stage; /* BLD_REF_STAGE: its index; BLD_REF_CONTEXT: the named context's */
	char *image;  /* BLD_REF_IMAGE */
};

/* One instruction the executor runs in a stage, with its sources resolved. */
struct bld_plan_step {
	const struct bld_instr *instr; /* in the file */
	bool onbuild;                  /* an ONBUILD trigger of the base stage; runs first */
	struct bld_ref from;           /* COPY --from (kind NONE: the context) */
	/* RUN: one per --mount flag, in order, the from= of each (kind NONE when it has none: the
	 * context for bind, a new directory for cache). The same order as bld_run_flags_parse. */
	struct bld_ref *mount_from;
	size_t n_mount_from;
};

struct bld_plan_stage {
	const struct bld_stage *stage; /* in the file */
	char *name;                    /* the AS name, or "stage-N" for messages */
	struct bld_ref base;           /* FROM, expanded with the global scope, resolved */
	/* FROM --platform expanded and parsed; the target platform without it. A stage built FROM
	 * another takes that one's (BuildKit ignores --platform there). */
	struct bld_platform platform;
	bool needed;      /* the target needs it; the others are skipped */
	size_t *wait_for; /* stages that must be built first: sorted, no repeats */
	size_t n_wait_for;
	struct bld_plan_step *steps; /* the base stage's ONBUILD triggers, then the stage's own */
	size_t n_steps;
};

struct bld_plan {
	const struct bld_file *file;
	const struct bld_named_context *contexts; /* the options', borrowed */
	size_t n_contexts;
	struct bld_plan_stage *stages; /* one per stage of the file, same index */
	size_t n_stages;
	size_t target; /* the stage whose result is the image */
	size_t *order; /* the needed stages in an order that respects wait_for */
	size_t n_order;
	struct bld_platform build_platform, target_platform;
	/* The global scope FROM lines see, and what `ARG NAME` without a default takes when NAME
	 * has no --build-arg: TARGETPLATFORM TARGETOS TARGETOSVERSION TARGETARCH TARGETVARIANT
	 * BUILDPLATFORM BUILDOS BUILDOSVERSION BUILDARCH BUILDVARIANT TARGETSTAGE (each replaced by
	 * a --build-arg of its name, as BuildKit allows), then the meta args that have a value. */
	struct bld_env global;
	struct bld_env build_args; /* --build-arg as given, a later one replacing an earlier */
	/* Proxy --build-args (HTTP_PROXY HTTPS_PROXY FTP_PROXY NO_PROXY ALL_PROXY, any case) as
	 * both upper- and lower-case variables, e.g. "HTTP_PROXY=v" and "http_proxy=v". They are
	 * in every RUN's environment (bld_vars_run_env) whether declared or not, but unless a stage
	 * declares them with ARG they are neither in the image's history nor in the cache key. */
	struct bld_env proxy;
	/* --build-args no ARG anywhere in the file declares (meta args, stages, ONBUILD
	 * triggers), the ten proxy names and the platform ARGs aside; sorted. The executor prints
	 * "[Warning] One or more build-args [a b] were not consumed". */
	char **unused_args;
	size_t n_unused_args;
};

int bld_plan_make(const struct bld_file *f, const struct bld_plan_opts *o, struct bld_plan **out,
		  struct berr **err);
void bld_plan_free(struct bld_plan *p);

/* What a name after COPY --from= (copy true) or a mount's from= names, seen from stage `at`,
 * as the plan resolves it; for triggers that come from a pulled image's ONBUILD list, which the
 * plan cannot know. A stage reference the plan did not mark needed must be refused or built by
 * the caller. Errors: a variable, a bad index, a stage not before `at`. Free out->image. */
int bld_plan_resolve(const struct bld_plan *p, size_t at, const char *name, bool copy,
		     struct bld_ref *out, struct berr **err);
void bld_ref_clear(struct bld_ref *r);

/* A stage's variables while its instructions are walked. `env` is what words expand with and
 * what RUN sees: the base's variables, then each ENV and each ARG that has a value, in order,
 * a later setting of a name replacing an earlier one. `config` is the image's Env: the base
 * image's and ENV's only. `arg_names` are the ARGs declared so far, in order (a stage built
 * FROM another starts with that one's). */
struct bld_vars {
	const struct bld_plan *plan;
	struct bld_env env;
	struct bld_env config;
	char **arg_names;
	size_t n_arg_names;
};

/* A stage built FROM an image: image_env is its config's Env ("K=V" strings, NULL-terminated,
 * or NULL). The executor adds PATH when the image has none, as BuildKit does. */
void bld_vars_init(struct bld_vars *v, const struct bld_plan *p, char *const *image_env);
/* A stage built FROM another stage of the file: a copy of where that one ended. */
void bld_vars_copy(struct bld_vars *v, const struct bld_vars *parent);
void bld_vars_clear(struct bld_vars *v);

/* One name of an ARG line (BuildKit's dispatchArg): its value is the --build-arg if given (as
 * given, not expanded), else its default expanded with v, else the global scope's value (a
 * meta arg's, or a platform ARG's), else it stays unset. Errors come from expanding. */
int bld_vars_arg(struct bld_vars *v, const struct bld_kv *decl, struct berr **err);
/* One pair of an ENV line, already expanded (bld_instr_expand with bld_vars_expander). */
void bld_vars_env(struct bld_vars *v, const char *key, const char *value);
/* A bld_lookup_fn over v->env (ctx is the struct bld_vars). */
const char *bld_vars_lookup(void *v, const char *name);
/* x set up to expand this stage's words: the file's escape character, bld_vars_lookup. */
void bld_vars_expander(const struct bld_vars *v, struct bld_expand *x);
/* The environment of a RUN: v->env, then the proxy variables it does not set. NULL-terminated
 * "K=V" strings; free with strv_free. */
char **bld_vars_run_env(const struct bld_vars *v);
/* The ARGs a RUN records in its history line and cache key, as BuildKit's runCommandString
 * ("|2 A=1 B= sh -c ..."): each declared name once, valued from v->env ("" when unset).
 * NULL-terminated "K=V" strings; free with strv_free. */
char **bld_vars_run_args(const struct bld_vars *v);

#endif
