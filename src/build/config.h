/* What an instruction does to the image's configuration, as BuildKit's dispatchers
 * (frontend/dockerfile/dockerfile2llb/convert.go) do it, and the history entry each step leaves.
 * Pure: an image config (OCI image-spec config.md: "config", "author", "history", ...) in, the
 * changed config out; no store, no files. Instructions come expanded (bld_instr_expand). */
#ifndef BERTH_BUILD_CONFIG_H
#define BERTH_BUILD_CONFIG_H

#include <jansson.h>
#include <stdbool.h>

#include "build/dockerfile.h"

struct berr;

/* What a stage tracks beside the config while it is walked. */
struct bld_config_state {
	bool cmd_set; /* CMD given in this stage: a later ENTRYPOINT keeps it (else resets it) */
};

/* The shell the shell form runs with: the config's Shell, else ["/bin/sh", "-c"]. */
json_t *bld_config_shell(json_t *image_config);

/* in's effect on image_config (the whole image config JSON; its "config" object is made when
 * missing): ENV, LABEL, MAINTAINER, EXPOSE, VOLUME, USER, WORKDIR, CMD, ENTRYPOINT, SHELL,
 * STOPSIGNAL, HEALTHCHECK, ONBUILD. Other kinds change nothing here (ARG, RUN, COPY, ADD, FROM).
 * A bad value (an EXPOSE port "x", an unknown protocol) fails with err and leaves image_config
 * as it was. */
int bld_config_apply(json_t *image_config, struct bld_config_state *st, const struct bld_instr *in,
		     struct berr **err);

/* WORKDIR's directory: path joined to the current working directory when relative, cleaned. */
char *bld_config_workdir(json_t *image_config, const char *path);

/* The history entry's created_by for in as BuildKit writes it ("RUN /bin/sh -c make #
 * buildkit", "COPY . /src # buildkit", "ENV A=b", ...). shell: the stage's shell (RUN). */
char *bld_config_created_by(const struct bld_instr *in, json_t *shell);

/* Append a history entry to image_config: created_by, the time now, comment
 * "buildkit.dockerfile.v0", empty_layer when the step made no layer. */
void bld_config_history(json_t *image_config, const char *created_by, bool empty_layer);

#endif
