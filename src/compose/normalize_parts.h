/* The pieces of one service's normalization (normalize.h) that have files of their own, and
 * the helpers they share with normalize.c: ports and expose (normalize_ports.c), volumes
 * (normalize_volumes.c). For compose/ only. Each works on svc in place; path is the service's
 * ("services.web"), for the messages that name file, line and key (pos). */
#ifndef BERTH_COMPOSE_NORMALIZE_PARTS_H
#define BERTH_COMPOSE_NORMALIZE_PARTS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

struct berr;

/* "path.key" and "path[i]" (caller frees). */
char *cmp_norm_sub(const char *path, const char *key);
char *cmp_norm_item(const char *path, size_t i);
/* EINVAL naming the first key of obj that is not in keys (NULL-terminated) nor an x- one. */
int cmp_norm_unknown_keys(json_t *obj, const char *const *keys, const char *path, json_t *pos,
			  struct berr **err);
/* raw (not interpolated) and e a string that holds a variable: left as written. */
bool cmp_norm_uninterpolated(bool raw, json_t *e);

/* svc[key], a sequence, replaced by its entries each normalized by one: e's long form appended
 * to out, path naming the entry, ctx passed on. An entry cmp_norm_uninterpolated keeps is kept
 * as written. Absent or null: nothing to do. */
int cmp_norm_each(json_t *svc, const char *key, bool raw, const char *path, json_t *pos,
		  int (*one)(json_t *e, json_t *out, const char *path, json_t *pos, const void *ctx,
			     struct berr **err),
		  const void *ctx, struct berr **err);

/* ports: integers, short strings and mappings → long entries; expose: integers → strings. */
int cmp_norm_ports(json_t *svc, bool raw, const char *path, json_t *pos, struct berr **err);
int cmp_norm_expose(json_t *svc, const char *path, json_t *pos, struct berr **err);
/* volumes: short strings and mappings → long entries, relative paths against dir. */
int cmp_norm_volumes(json_t *svc, const char *dir, bool raw, const char *path, json_t *pos,
		     struct berr **err);

#endif
