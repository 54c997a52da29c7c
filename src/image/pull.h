/* `pull`: a reference resolved at its registry (an index narrowed to one platform), the
 * manifest, config and missing layer blobs fetched into the store (layers in parallel, each
 * verified and resumable), unpacked and recorded under the name. Progress goes to a callback
 * as events, one at a time, for the command line to draw. The built-in image is loaded from
 * its archive instead. */
#ifndef BERTH_IMAGE_PULL_H
#define BERTH_IMAGE_PULL_H

#include <stdbool.h>
#include <stdint.h>

#include "image/http.h"

struct berr;
struct img_store;
struct img_platform;

enum img_pull_event {
	IMG_PULL_START,       /* id: the tag or digest, text: the repository */
	IMG_PULL_LAYER_WAIT,  /* id: the layer's short digest ("Pulling fs layer") */
	IMG_PULL_LAYER_HAVE,  /* "Already exists" */
	IMG_PULL_DOWNLOADING, /* done/total bytes */
	IMG_PULL_DOWNLOADED,  /* "Download complete" */
	IMG_PULL_EXTRACTED,   /* "Pull complete" */
	IMG_PULL_DONE,        /* text: the digest; done: 1 when the image was already there */
};

struct img_pull_opts {
	struct img_http_opts http;
	const struct img_platform *platform; /* NULL: this host's */
	int parallel;                        /* layers fetched at once (0: 3, as Docker) */
	void (*event)(enum img_pull_event ev, const char *id, const char *text, int64_t done,
		      int64_t total, void *ctx);
	void *ctx;
};

/* Pull name; out_id (72 bytes, or NULL) gets the image id and out_name (or NULL) the
 * normalised name it was recorded under (caller frees). */
int img_pull(struct img_store *s, const char *name, const struct img_pull_opts *o, char *out_id,
	     char **out_name, struct berr **err);

/* pull --all-tags: the tags of name's repository (name has none), as "repository:tag" names.
 * *out NULL-terminated, caller frees (strv_free). */
int img_pull_tags(const char *name, const struct img_pull_opts *o, char ***out, struct berr **err);

#endif
