/* The plan's stages built side by side (--jobs): a stage starts when the stages it waits for
 * are done, up to `jobs` at a time. A stage that runs beside another is built in a child
 * process of its own (the engine's code is single-threaded: STYLE.md), which hands back its
 * end state (image id, config, variables) as JSON on a pipe; a stage that would run alone is
 * built in this process. The "#N" step numbers are shared (step.h); a child's events come
 * to this process's event callback through the same pipe (frames: the events as the steps
 * make them, then the result), so one printer sees every step. The first failure stops the
 * build: the other jobs are told (SIGTERM: they stop between steps and in a RUN, as on
 * Ctrl-C) and waited for. */
#ifndef BERTH_BUILD_JOBS_H
#define BERTH_BUILD_JOBS_H

#include "build/step.h"

/* Every stage in b->plan->order, at most `jobs` at a time (0 or 1: one after another, here). */
int bld_jobs_build(struct bld_build *b, unsigned jobs, struct berr **err);

#endif
