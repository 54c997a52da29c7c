/* `compose down` and the commands on a project's existing containers: what the project made,
 * found by its labels, stopped and removed; its networks, and with volumes its named volumes
 * (never external ones). Works without a plan too (the project's name alone), from labels. */
#ifndef BERTH_APP_DOWN_H
#define BERTH_APP_DOWN_H

#include <stdbool.h>

#include "app/plan.h"
#include "app/project.h"

struct berr;
struct eng_store;

struct img_store;

struct app_down_opts {
	bool volumes, remove_orphans;
	int timeout_s; /* -1: each container's own */
	/* NULL-terminated; NULL or empty: all. Named: those services and what depends on them
	 * (as Compose v2), networks and volumes a container still uses kept with a warning. */
	char *const *services;
	/* --rmi: NULL, "local" (the images built for services without image:) or "all" (every
	 * service's image); images needs it */
	const char *rmi;
	struct img_store *images;
	struct app_progress progress;
};

/* p may be NULL (no compose file): then everything labelled with project goes (and --rmi
 * has no services to look at: it removes nothing). */
int app_down(const struct eng_store *s, const struct app_plan *p, const char *project,
	     const struct app_down_opts *o, struct berr **err);

#endif
