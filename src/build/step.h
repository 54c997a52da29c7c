/* What the builder's rooms share (internal to src/build/): the build under way, a stage's state
 * while it is walked, and the two things every step does — look in the cache, and make its
 * image (the same layers and a new config, or one more layer from an overlay's upper
 * directory). */
#ifndef BERTH_BUILD_STEP_H
#define BERTH_BUILD_STEP_H

#include <jansson.h>
#include <stdbool.h>
#include <sys/types.h>

#include "build/cache.h"
#include "build/config.h"
#include "build/context.h"
#include "build/opts.h"
#include "build/plan.h"
#include "build/session.h"

#define BLD_ID_LEN 71 /* "sha256:" + 64 hex */

/* Where a stage is: its image so far and what the walk keeps beside it. */
struct bld_state {
	char id[BLD_ID_LEN + 1]; /* "" while it is scratch with no step yet */
	json_t *config;          /* that image's config */
	struct bld_vars vars;
	struct bld_config_state cs;
	bool done;
};

/* An agent the build forwards (ssh.h): the socket RUN's relays connect to; pid: an agent of
 * the build's own holding --ssh's keys, else 0 (the user's socket). */
struct bld_ssh_agent {
	const char *id;
	char *sock;
	pid_t pid;
};

/* The build under way. */
struct bld_build {
	const struct eng_store *s;
	struct img_store *is;
	const struct bld_opts *o;
	const struct bld_plan *plan;
	struct bld_context *context; /* NULL: no context */
	struct bld_context **named;  /* per named context of the plan: its directory, or NULL */
	struct bld_state *states;    /* one per stage */
	char *workdir;               /* <store>/build: the cache mounts, the sessions */
	struct bld_session session;  /* this build's overlays and scratch files (session.h) */
	unsigned step;               /* the "#N" of this process's step under way */
	unsigned *steps; /* the last "#N" given out: shared memory, the stage jobs' too (jobs.h) */
	struct bld_ssh_agent *agents; /* one per --ssh, made by bld_ssh_agents_start */
	size_t n_agents;
};

/* The context a reference reads files from: the build's (BLD_REF_NONE), a named one
 * (BLD_REF_CONTEXT); NULL for none. */
struct bld_context *bld_ref_context(struct bld_build *b, const struct bld_ref *ref);

/* A new directory <session>/<what>-XXXXXX (0700). */
char *bld_work_dir(struct bld_build *b, const char *what, struct berr **err);
/* A new step: b->step becomes the next "#N" of the whole build. */
void bld_step_begin(struct bld_build *b);
/* The step's event; e->step is set to b->step when 0. */
void bld_event(struct bld_build *b, struct bld_event e);

/* A step's writable root: an overlay of parent's layers (none: scratch) with a new upper. */
struct bld_step_root {
	char *dir; /* holds upper/, work/, merged/ */
	char *upper, *merged;
	int fd; /* merged, O_PATH */
};
int bld_step_root_make(struct bld_build *b, const char *parent, struct bld_step_root *out,
		       struct berr **err);
/* Unmounted and removed (safe on a zeroed or half-made root). */
void bld_step_root_release(struct bld_step_root *r);
/* Unmounted only: its upper directory is then the step's to give away (bld_step_commit). */
int bld_step_root_seal(struct bld_step_root *r, struct berr **err);
/* An image's layers mounted read-only at a new directory (COPY --from, a bind mount's from=):
 * out_dir gets it (release with bld_step_root_release-like bld_image_root_release). */
int bld_image_root_make(struct bld_build *b, const char *image, char **out_dir, struct berr **err);
void bld_image_root_release(char *dir);

/* The step's new image: st's config with created_by in its history (empty_layer when upper is
 * NULL), upper's tree as one more layer, recorded with key. st->id and st->config become
 * the new image's. give: upper is mounted nowhere and the step's to give away: it becomes
 * the layer's snapshot (moved), rather than that being unpacked again from the layer. */
int bld_step_commit(struct bld_build *b, struct bld_state *st, const char *created_by,
		    const char *upper, bool give, const char *key, struct berr **err);
/* The cached image for key, when caching is on: st becomes it (1); 0 when there is none. */
int bld_step_cached(struct bld_build *b, struct bld_state *st, const char *key, struct berr **err);
/* An image's config, read from the store. */
json_t *bld_image_config(struct bld_build *b, const char *id, struct berr **err);

/* RUN (run.c), on st: its step number is b->step. */
int bld_run_instr(struct bld_build *b, size_t stage, struct bld_state *st,
		  const struct bld_plan_step *step, const struct bld_instr *in, struct berr **err);

/* COPY or ADD (copy_step.c), on st. */
int bld_copy_instr(struct bld_build *b, struct bld_state *st, const struct bld_plan_step *step,
		   const struct bld_instr *in, struct berr **err);

/* One stage of the plan, from its base to its last step (stage.c). */
int bld_stage_build(struct bld_build *b, size_t stage, struct berr **err);

#endif
