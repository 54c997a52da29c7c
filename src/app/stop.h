/* Stopping a project's containers as Compose does: dependents before what they depend on,
 * and the containers of one level at the same time (each stop may wait its whole grace period
 * for a process that ignores its stop signal: one after the other, five services would take
 * five times that). */
#ifndef BERTH_APP_STOP_H
#define BERTH_APP_STOP_H

#include <jansson.h>

#include "app/plan.h"
#include "app/project.h"

struct berr;
struct eng_store;

/* The containers (app_containers entries) in levels to stop one after the other: [[c, ...],
 * ...], those nothing depends on first; containers of services the plan does not have (or
 * with p NULL, all) in the first level. */
json_t *app_stop_levels(const struct app_plan *p, json_t *containers);
/* Stop the running ones of containers at once (a child each, the engine's stop in it); the
 * first failure is returned once all have ended. timeout_s < 0: each container's own. */
int app_stop_all(const struct eng_store *s, json_t *containers, int timeout_s,
		 const struct app_progress *pr, struct berr **err);

#endif
