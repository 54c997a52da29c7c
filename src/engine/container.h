/* The engine's containers on disk (docs/DESIGN.md "Containers"):
 *   <root>/containers/<id>/container.json  what the container is: Docker's inspect fields
 *                                          (Id, Name, Created, Image, Path, Args, Config,
 *                                          HostConfig) and ours (ImageName, Layers)
 *   <root>/containers/<id>/state.json      what it is doing, written by its monitor:
 *                                          Status, Pid, MonitorPid, ExitCode, StartedAt, ...
 *   <root>/containers/<id>/config.json     the OCI bundle's config; rootfs/ the overlay of
 *                                          the image's layers with diff/ and work/ its upper
 *   <root>/containers/<id>/<id>-json.log   stdout and stderr, as Docker's json-file driver
 * Records are rewritten atomically; creating and removing take <root>/containers.lock, which
 * keeps names unique. */
#ifndef BERTH_ENGINE_CONTAINER_H
#define BERTH_ENGINE_CONTAINER_H

#include <jansson.h>
#include <stdbool.h>
#include <sys/types.h>

#include "engine/store.h"
#include "image/image.h"

struct berr;

/* Under the containers lock, before a new record is written: takes what must be unique
 * among containers (a range of host ids, an address) and notes it in the record. */
typedef int (*eng_claim_fn)(const struct eng_store *s, json_t *record, void *ctx,
			    struct berr **err);

/* A new id (64 hex) and, when name is NULL, a Docker-style name ("brave_turing"). Both are
 * unique in the store; claim (or NULL) runs under the lock with the record's Id set, then
 * the record is written as container.json. out_id gets the id. */
int eng_container_add(const struct eng_store *s, json_t *record, const char *name,
		      eng_claim_fn claim, void *ctx, char out_id[ENG_ID_LEN + 1],
		      struct berr **err);
/* The id for a name, a full id or a unique id prefix; ENOENT "no such container". */
int eng_container_resolve(const struct eng_store *s, const char *ref, char out_id[ENG_ID_LEN + 1],
			  struct berr **err);
json_t *eng_container_load(const struct eng_store *s, const char *id, struct berr **err);
/* The record as eng_container_load reads it, shared with s->records when there is a cache
 * (read-only: a caller that changes it changes every later reader's): for lists and lookups. */
json_t *eng_container_peek(const struct eng_store *s, const char *id, struct berr **err);
int eng_container_save(const struct eng_store *s, const char *id, json_t *record,
		       struct berr **err);
/* Every container id, newest first. */
int eng_container_list(const struct eng_store *s, char ***out_ids, struct berr **err);
/* Remove the directory (the caller has stopped it and unmounted its root). */
int eng_container_remove(const struct eng_store *s, const char *id, struct berr **err);
/* containers.lock (the fd holds it): around a change of a record that must not race
 * another, e.g. network connect. */
int eng_container_lock(const struct eng_store *s, struct berr **err);
/* A container event (engine/event.h) with the attributes of its record as it is now (the id
 * only when the container is gone); more as eng_event_container's. */
void eng_container_event(const struct eng_store *s, const char *id, const char *action,
			 json_t *more);
/* Bring the store's record cache (s->records, engine/record_cache.h) up to the store: every
 * container's record read again where its file changed, the removed ones forgotten. */
void eng_record_cache_refresh(const struct eng_store *s);
/* Rename: the new name must be free. */
int eng_container_rename(const struct eng_store *s, const char *id, const char *name,
			 struct berr **err);

/* The state as its monitor wrote it, corrected by what is true now: a "running" container
 * whose monitor or process is gone is reported "exited" with Error saying so. Never NULL:
 * a container without a state file is "created". */
json_t *eng_state_load(const struct eng_store *s, const char *id);
/* eng_state_load's answer, shared with s->records (read-only) when it is settled: created
 * (no state.json), exited or dead, which nothing alive can change until the file does. A
 * running, paused or restarting one is loaded each time (its monitor's and process's lives
 * decide it). */
json_t *eng_state_peek(const struct eng_store *s, const char *id);
/* Whether eng_state_load found the container "running" with its monitor gone (killed, or
 * the host went down): what system check and system boot reap. */
bool eng_state_monitor_lost(json_t *state);
/* /proc/<Pid>/<what> (say "ns/net", "root") of the container's process as state records it,
 * opened with flags and kept only if that pid is still the process that started at PidStart:
 * a pid from a state file may have been reused since by another process, the host's own, whose
 * namespaces or root we would otherwise join or write into. ESRCH when it is not. */
int eng_state_proc_open(json_t *state, const char *what, int flags, struct berr **err);
int eng_state_save(const struct eng_store *s, const char *id, json_t *state, struct berr **err);

/* For the image store's collector (img_store.roots): every container's layers. */
void eng_image_roots(json_t *keep, void *ctx);
/* For rmi (img_in_use_fn; ctx the eng_store): whether containers were made from the image,
 * a running (or paused, restarting) one first, its id in who (65 bytes). */
enum img_use eng_image_use(const char *image_id, void *ctx, char *who);
/* For prune and the build cache: whether any container (running or not) uses it. */
bool eng_image_in_use(const char *image_id, void *ctx);

/* Docker's generated name, "brave_turing" (caller frees; not checked for being free). */
char *eng_name_random(void);

#endif
