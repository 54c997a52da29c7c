/* `push`: an image of the store to a registry, as `docker push` does it: each layer and the
 * config uploaded unless the repository has it (or mounted from another repository of the same
 * registry the image came from), then the manifest, exactly as stored, under the tag. Progress
 * goes to a callback as events. */
#ifndef BERTH_IMAGE_PUSH_H
#define BERTH_IMAGE_PUSH_H

#include <stdint.h>

#include "image/http.h"

struct berr;
struct img_store;

enum img_push_event {
	IMG_PUSH_START,   /* text: the repository */
	IMG_PUSH_WAIT,    /* id: a layer's short digest ("Preparing") */
	IMG_PUSH_EXISTS,  /* "Layer already exists" */
	IMG_PUSH_SENDING, /* done/total bytes */
	IMG_PUSH_PUSHED,  /* "Pushed" */
	IMG_PUSH_MOUNTED, /* text: the repository it came from */
	IMG_PUSH_DONE,    /* id: the tag, text: the manifest digest, total: its size */
};

struct img_push_opts {
	struct img_http_opts http;
	void (*event)(enum img_push_event ev, const char *id, const char *text, int64_t done,
		      int64_t total, void *ctx);
	void *ctx;
};

/* Push the image `name` to `dest` (NULL: to name itself). out_digest (72 bytes, or NULL) gets
 * the manifest's digest. */
int img_push(struct img_store *s, const char *name, const char *dest, const struct img_push_opts *o,
	     char *out_digest, struct berr **err);

#endif
