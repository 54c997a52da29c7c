/* Variables in compose files (the Compose Specification's "Interpolation") and in .env files.
 * Values come from a JSON object of name → string: the process environment over .env, which
 * the loader builds. */
#ifndef BERTH_COMPOSE_INTERP_H
#define BERTH_COMPOSE_INTERP_H

#include <jansson.h>

struct berr;

/* Expand $VAR, ${VAR}, ${VAR:-d}, ${VAR-d}, ${VAR:?e}, ${VAR?e}, ${VAR:+a}, ${VAR+a} (d, e and
 * a may hold variables too) and $$ in s. A variable that is unset and has no default becomes
 * "" and a warning is appended to warnings (when not NULL), as Compose's "The "X" variable is
 * not set. Defaulting to a blank string.". Errors: a required variable (`?`) unset or empty,
 * a `$` that starts nothing. */
int cmp_interpolate(const char *s, json_t *vars, json_t *warnings, char **out, struct berr **err);

/* Interpolate every string value under node (not keys) in place. path is node's dotted path,
 * pos the loader's path → "file:line" map for errors ("compose.yaml:4: services.web.image:
 * required variable TAG is missing a value: set it"). */
int cmp_interpolate_tree(json_t *node, const char *path, json_t *vars, json_t *pos,
			 json_t *warnings, struct berr **err);

/* Parse a .env file (KEY=VALUE lines, `export ` prefix, # comments, 'literal', "escaped\n",
 * ${VAR} in unquoted and double-quoted values from what is already in out, then vars) into out.
 * file names it in errors. */
int cmp_env_parse(const char *text, size_t len, const char *file, json_t *vars, json_t *out,
		  struct berr **err);

/* The dotted path → "file:line" of path or of its nearest ancestor that has one ("" if none). */
const char *cmp_where(json_t *pos, const char *path);

#endif
