/* The variables a compose model uses, as `docker compose config --variables` lists them
 * (compose-go's template.ExtractVariables): each `$NAME` and `${NAME...}` in a string value
 * (not in keys), with the default of `${NAME:-d}` / `${NAME-d}`, the alternative of
 * `${NAME:+a}` / `${NAME+a}`, and whether `${NAME:?e}` / `${NAME?e}` requires it; variables
 * inside a default, alternative or message are listed too. */
#ifndef BERTH_COMPOSE_VARIABLES_H
#define BERTH_COMPOSE_VARIABLES_H

#include <jansson.h>

/* The variables of every string under node merged into out, an object of name →
 * {"Name", "DefaultValue", "PresenceValue", "Required"} (compose-go's Variable): a name met
 * again is required when any use requires it, and keeps the first default and alternative
 * given (compose-go's combineVariable). */
void cmp_variables_extract(json_t *node, json_t *out);

#endif
