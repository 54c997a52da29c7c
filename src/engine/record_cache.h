/* Parsed container records remembered by the identity of the file they came from, so a reader
 * that finds container.json unchanged takes the record it parsed before instead of reading and
 * parsing it again (jansson's parse was most of a `GET /containers/json`).
 *
 * The API's listener keeps one warm between connections (eng_record_cache_refresh) and each
 * connection's process inherits it with fork; the CLI has none (one command reads a record
 * once). A process owns its cache alone: no locks, no threads. Records in it are shared by
 * every reader: eng_container_peek's callers must not change them. */
#ifndef BERTH_ENGINE_RECORD_CACHE_H
#define BERTH_ENGINE_RECORD_CACHE_H

#include <jansson.h>
#include <stddef.h>
#include <sys/stat.h>

struct eng_record_cache;

struct eng_record_cache *eng_record_cache_new(void);
void eng_record_cache_free(struct eng_record_cache *c);

/* The record parsed from a file with this identity (a new reference), or NULL. */
json_t *eng_record_cache_get(struct eng_record_cache *c, const char *id, const struct stat *st);

/* Remember rec (a reference is taken) as the record of id parsed from a file like st. */
void eng_record_cache_put(struct eng_record_cache *c, const char *id, const struct stat *st,
			  json_t *rec);

/* A text made from the record rec (the very parse this cache holds for id) and from what key
 * names (the rest it depends on): Docker's list item of the container. NULL when none was made
 * for this key, or rec is not the cache's. */
const char *eng_record_cache_view(struct eng_record_cache *c, const char *id, json_t *rec,
				  const char *key);
void eng_record_cache_set_view(struct eng_record_cache *c, const char *id, json_t *rec,
			       const char *key, const char *text);

/* A settled state of id (see eng_state_peek) read from a state.json like st (NULL: made for
 * none), a new reference; or NULL. */
json_t *eng_record_cache_state(struct eng_record_cache *c, const char *id, const struct stat *st);
/* Remember state (a reference is taken) for id, whose record must be here already. */
void eng_record_cache_set_state(struct eng_record_cache *c, const char *id, const struct stat *st,
				json_t *state);

/* Keep only the entries of these n ids that hold the very record recs[i] (a container's record
 * just read through the cache, or NULL); forget the rest (engine/container.h's
 * eng_record_cache_refresh, which reads them). */
void eng_record_cache_keep(struct eng_record_cache *c, char *const *ids, json_t *const *recs,
			   size_t n);

#endif
