/* `berth build`: a Containerfile, a context and options become an image (issue #17).
 *
 * The plan (plan.h) says which stages run and in what order; each stage (stage.c) starts from
 * its base (scratch, an earlier stage's result, or an image the caller provides, pulled by its
 * --pull policy) and turns each instruction into one more image: a configuration change (ENV,
 * LABEL, CMD, ...: config.h) makes an image with the same layers, a RUN (run.h) one more layer
 * from what its container changed, a COPY or ADD (copy.h) one more layer from what it copied
 * onto an overlay of the image before it. Every step's image is kept as build cache (cache.h):
 * a step whose key was seen before takes that image instead of running. The last stage's image
 * is the result: --label applied, -t names given. What happens is told through events, which
 * the command line prints as BuildKit's plain progress. */
#ifndef BERTH_BUILD_BUILDER_H
#define BERTH_BUILD_BUILDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "build/opts.h"
#include "engine/container.h"

struct berr;
struct img_store;

/* Build; out_id (72 bytes) gets the image's id. */
int bld_build(const struct eng_store *s, struct img_store *is, const struct bld_opts *o,
	      char *out_id, struct berr **err);

/* -o/--output: the image's files (its layers, mounted read-only) as a directory (type=local:
 * dest made if missing, what is there replaced; devices and FIFOs left out, as a copy of the
 * engine's does) or as a tar (type=tar: into out_fd). */
enum bld_export { BLD_EXPORT_LOCAL, BLD_EXPORT_TAR };
int bld_export(struct img_store *is, const char *id, enum bld_export type, const char *dest,
	       int out_fd, struct berr **err);

#endif
