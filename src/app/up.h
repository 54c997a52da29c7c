/* `compose up` and its pieces: a plan (plan.h) made real in the engine. Images first (so a
 * missing one fails before anything exists), then networks and volumes, then each service's
 * containers in dependency order (independent services at once, as Compose v2 starts
 * them), each service after its dependencies' conditions hold
 * (service_started, service_healthy, service_completed_successfully). A container whose
 * config hash is the plan's is kept; one whose hash differs is made again. A failure names
 * its service and leaves what was made before it, as Compose does. */
#ifndef BERTH_APP_UP_H
#define BERTH_APP_UP_H

#include <jansson.h>
#include <stdbool.h>

#include "app/plan.h"
#include "app/project.h"

struct berr;
struct eng_store;
struct img_store;

struct app_up_opts {
	char *const *services; /* NULL or empty: all */
	bool no_deps, force_recreate, no_recreate, remove_orphans, no_start, wait;
	json_t *scale;    /* {service: n} (--scale), or NULL */
	const char *pull; /* "missing" (NULL), "always", "never" */
	struct app_progress progress;
};

/* The services up acts on: those named and (unless no_deps) what they depend on, or all;
 * {name: true}. EINVAL "no such service: x". */
json_t *app_selected(const struct app_plan *p, char *const *services, bool no_deps,
		     struct berr **err);
int app_up(const struct eng_store *s, struct img_store *is, const struct app_plan *p,
	   const struct app_up_opts *o, struct berr **err);
/* The selected services in the levels up makes them in, [["db", "cache"], ["web"], ...]: a
 * service one level past the deepest of its selected dependencies (depends_on, network_mode
 * service:), the services of a level at once (a child process each). */
json_t *app_up_levels(const struct app_plan *p, json_t *selected);
/* The image of every selected service present (pulled by policy). */
int app_pull(struct img_store *is, const struct app_plan *p, json_t *selected, const char *pull,
	     const struct app_progress *progress, struct berr **err);
/* The plan's networks and volumes that are not there yet made (external ones: ENOENT). */
int app_resources(const struct eng_store *s, const struct app_plan *p,
		  const struct app_progress *pr, struct berr **err);
/* Create (not start) container number of service svc, named name, from c (NULL: the
 * service's options; `run` passes a changed copy, whose run.labels are added to the
 * service's, replacing those of the same key), and connect its further networks; out_id gets
 * it. oneoff: `run`'s container. */
int app_container_create(const struct eng_store *s, struct img_store *is, const struct app_plan *p,
			 const struct app_service *svc, const struct eng_create *c,
			 const char *name, int number, bool oneoff, char out_id[65],
			 struct berr **err);
/* Wait for the conditions svc's depends_on names on the dependencies that exist. */
int app_wait_deps(const struct eng_store *s, const struct app_plan *p,
		  const struct app_service *svc, json_t *selected,
		  const struct app_progress *progress, struct berr **err);

#endif
