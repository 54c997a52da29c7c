/* An application: a Compose project's model (compose/project.h, the document `berth compose
 * config --format json` prints) made into a plan of the engine's objects, deciding only:
 * the networks and volumes it names, and per service, in dependency order, the options of
 * eng_create every one of its containers is made with, the replicas, the config hash that
 * says whether a container is current. Doing is up.c's and down.c's. Compose v2's names and
 * labels (com.docker.compose.*), so that its objects are found again by label, never by name. */
#ifndef BERTH_APP_PLAN_H
#define BERTH_APP_PLAN_H

#include <jansson.h>
#include <stdbool.h>

#include "app/plan_types.h"

struct berr;

struct app_plan_opts {
	const char *workdir;             /* the project directory (label) */
	const char *const *config_files; /* the files, for the label; may be NULL */
	json_t *environment; /* the project's variables (cmp_project's), which an environment:
			      * source of a secret or config reads; NULL: none */
};

/* model → plan. EINVAL naming the service and field for what cannot be done (an unknown
 * field, container_name with replicas, a driver other than bridge/local). */
int app_plan_make(json_t *model, const struct app_plan_opts *o, struct app_plan **out,
		  struct berr **err);
void app_plan_free(struct app_plan *p);

const struct app_service *app_plan_service(const struct app_plan *p, const char *name);
/* "<project>-<service>-<n>", or container_name (caller frees). */
char *app_container_name(const struct app_plan *p, const struct app_service *s, int number);
/* The service's labels plus container-number and oneoff (caller strv_free()s). */
char **app_container_labels(const struct app_service *s, int number, bool oneoff);

#endif
