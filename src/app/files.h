/* A service's secrets and configs with file sources, as Compose v2 gives them to a container
 * of a local engine: the file bound read-only, a secret at /run/secrets/<target or name>, a
 * config at /<name> or its target. */
#ifndef BERTH_APP_FILES_H
#define BERTH_APP_FILES_H

#include <jansson.h>

#include "app/plan.h"

struct berr;

/* The --mount specs for svc's secrets and configs appended to mounts ("type=bind,source=F,
 * target=T,readonly"); ENOTSUP naming the service for a source other than a file
 * (environment:, content:, external:). uid, gid and mode are warned about (p->warnings): a
 * bind keeps the file's own, as Compose's does. */
int app_service_files(const struct app_plan *p, const char *service, json_t *svc, json_t *mounts,
		      struct berr **err);

#endif
