/* One service of the model → the eng_create options of its containers (plan.h). Every field of
 * the Compose Specification's service is either mapped, carried on with a warning (it changes
 * nothing berth does: logging with the json-file driver, platform), or refused naming it. */
#ifndef BERTH_APP_SERVICE_H
#define BERTH_APP_SERVICE_H

#include <jansson.h>

struct app_plan;
struct app_service;
struct berr;

/* Fill out (zeroed by the caller, out->name set) from svc; p's networks and volumes are
 * known. */
int app_service_map(const struct app_plan *p, json_t *svc, struct app_service *out,
		    struct berr **err);
void app_service_clear(struct app_service *s);
/* arr (a new reference, of strings) kept with the service: a NULL-terminated vector of its
 * strings, freed with it. */
char *const *app_service_vec(struct app_service *s, json_t *arr);
/* str (a new reference, a string) kept with the service: its text. */
const char *app_service_keep(struct app_service *s, json_t *str);
/* ipc:, pid: and volumes_from: into out->c (service_share.c), after isolation: (a VM's service
 * gets no IPC mode of Docker's). EINVAL naming service and field for a bad mode, or an ipc:
 * service:x whose x is not shareable (dockerd's words). */
int app_service_shared(const struct app_plan *p, struct app_service *out, json_t *svc,
		       struct berr **err);

#endif
