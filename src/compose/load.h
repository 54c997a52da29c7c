/* Reading compose files for compose/project.c: one file parsed, interpolated, checked and
 * normalized, with its `include`s merged in and its services' `extends` resolved. */
#ifndef BERTH_COMPOSE_LOAD_H
#define BERTH_COMPOSE_LOAD_H

#include <jansson.h>
#include <stdbool.h>

struct berr;

#define CMP_MAX_NESTING 16 /* include and extends depth: a cycle ends here too */

struct cmp_loader {
	json_t *vars;     /* variables for interpolation */
	json_t *pos;      /* path → "file:line" of everything loaded */
	json_t *warnings; /* strings */
	json_t *chain;    /* absolute paths of the files being loaded (an include cycle) */
	const char *workdir;
	bool no_interpolate; /* config --no-interpolate: values as written */
	bool no_paths;       /* config --no-path-resolution: relative paths as written */
	json_t *variables;   /* config --variables: each file's variables (variables.h) into it,
				the files read only (not interpolated, checked or normalized) and
				their includes followed */
};

/* The file at path (absolute) as a normalized model; display names it in errors, dir is
 * what its relative paths are against. */
json_t *cmp_load_file(struct cmp_loader *l, const char *path, const char *display, const char *dir,
		      struct berr **err);

/* Read a .env file into vars (its values under what vars already holds). */
int cmp_load_env_file(const char *path, json_t *vars, struct berr **err);

#endif
