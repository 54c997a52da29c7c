/* compose build, and up's builds: a service's `build:` section (context, dockerfile or
 * dockerfile_inline, args, target, labels, no_cache, network, extra_hosts, shm_size, secrets)
 * made into its image by berth's builder (build/builder.h) and named as the service's image
 * (image:, else "<project>-<service>", Compose v2's name) and its build.tags; compose push
 * of those images. */
#ifndef BERTH_APP_BUILD_H
#define BERTH_APP_BUILD_H

#include <jansson.h>
#include <stdbool.h>

#include "app/plan.h"
#include "app/project.h"
#include "build/builder.h"

struct berr;
struct eng_store;
struct img_store;

struct app_build_opts {
	bool no_cache;
	const char *pull; /* base images: "missing" (NULL) or "always" */
	void (*event)(void *ctx, const struct bld_event *e);
	void *ctx;
	volatile int *interrupted;
	struct app_progress progress;
};

/* Build the selected services that have a build section; only_missing: those whose image is
 * not in the store yet (what up does without --build). */
int app_build(const struct eng_store *s, struct img_store *is, const struct app_plan *p,
	      json_t *selected, bool only_missing, const struct app_build_opts *o,
	      struct berr **err);

/* compose push: the image of each selected service that is built and named (image:), and
 * its build.tags, as Compose v2 pushes them ("Skipped" for the others); ignore_failures: a
 * failed push reported and passed over. A registry on the loopback (127.0.0.0/8, localhost)
 * is spoken to over plain HTTP when it does not do TLS, as dockerd takes 127.0.0.0/8 for an
 * insecure registry by default. */
int app_push(struct img_store *is, const struct app_plan *p, json_t *selected, bool ignore_failures,
	     const struct app_progress *progress, struct berr **err);
/* Whether image's registry is on the loopback: dockerd's default insecure registry,
 * 127.0.0.0/8 (and localhost, which resolves there). */
bool app_image_loopback(const char *image);

#endif
