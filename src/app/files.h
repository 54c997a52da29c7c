/* A service's secrets and configs, as Compose v2 gives them to a container of a local engine:
 * a `file:` source bound read-only, an `environment:` or `content:` source copied in as a file
 * after the container is made; a secret at /run/secrets/<target or name>, a config at /<name>
 * or its target. */
#ifndef BERTH_APP_FILES_H
#define BERTH_APP_FILES_H

#include <jansson.h>
#include <stdbool.h>
#include <time.h>

#include "app/plan_types.h"

struct berr;
struct eng_store;

/* svc's secrets and configs: the --mount specs of file sources appended to mounts
 * ("type=bind,source=F,target=T,readonly"; uid, gid or mode warned about in p->warnings with
 * v2's words: a bind keeps the file's own), the others into s->files (their content read now: a
 * variable that is not set is an error before anything is made). ENOTSUP naming the service for an
 * external one, a driver or template_driver, or one without a source. */
int app_service_files(const struct app_plan *p, struct app_service *s, json_t *svc, json_t *mounts,
		      struct berr **err);
/* Where a secret's (or config's) file goes: a relative target (or the source's name) under
 * /run/secrets (config: under /), cleaned as Go's path.Join cleans it (no "." or "..", none
 * above "/"). Caller frees. */
char *app_file_target(bool secret, const char *source, const char *target);
/* f as a one-entry ustar tar (its target without the leading '/', f's mode, uid, gid and
 * mtime), two zero blocks after it; *out_len its size. */
char *app_file_tar(const struct app_file *f, time_t mtime, size_t *out_len);
/* s's files copied into the container id (made, not started): each extracted at its "/" by
 * the engine's cp (engine/container_files.h). */
int app_files_copy(const struct eng_store *es, const struct app_service *s, const char *id,
		   struct berr **err);

#endif
