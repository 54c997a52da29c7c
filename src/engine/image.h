/* The engine's side of the image store: what needs to know the containers. Prune, as Docker's
 * `image prune` and POST /images/prune do it: images no container was made from (untagged
 * ones only, unless all) that pass the caller's filters go, then the blobs and layers nothing
 * needs. Both front ends (`berth image prune`, the API service) call it; the report and the
 * filters' parsing are theirs. */
#ifndef BERTH_ENGINE_IMAGE_H
#define BERTH_ENGINE_IMAGE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

struct berr;
struct eng_store;
struct img_store;

struct eng_image_prune {
	bool all; /* every unused image (docker image prune -a, the API's dangling=false) */
	/* whether an image goes, given its record's created (RFC 3339) and its config's
	 * Labels (an object, or NULL); NULL: every one */
	bool (*match)(void *ctx, const char *created, json_t *labels);
	void *ctx;
};

/* Remove the images p picks (build cache only with all: `builder prune` has it otherwise);
 * each step is appended to out_report as img_image_remove says it ("Untagged: NAME",
 * "Deleted: ID"), and the bytes the collector freed go to *out_bytes. An image that cannot go
 * does not stop the others: the first such error is returned at the end, with the report and
 * the bytes of what did go filled all the same (a prune's partial work is still reported). */
int eng_image_prune(const struct eng_store *es, struct img_store *s,
		    const struct eng_image_prune *p, json_t *out_report, int64_t *out_bytes,
		    struct berr **err);

#endif
