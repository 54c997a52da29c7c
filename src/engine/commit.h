/* `commit`: a container's changes (its upper directory, overlayfs whiteouts turned back into
 * the image spec's ".wh." entries) become one more layer on its image, with the container's
 * Config (and -c changes) as the new image's config. The same for any directory and config
 * (eng_image_derive): the builder's steps. */
#ifndef BERTH_ENGINE_COMMIT_H
#define BERTH_ENGINE_COMMIT_H

#include <jansson.h>
#include <stdbool.h>

struct berr;
struct eng_store;
struct img_store;

struct eng_commit {
	const char *name;     /* "repo[:tag]" or NULL */
	const char *message;  /* -m */
	const char *author;   /* -a */
	char *const *changes; /* -c Dockerfile instructions */
	bool pause;           /* freeze a running container while its files are read */
};

/* out_id (72 bytes) gets the new image's id. */
int eng_commit(const struct eng_store *s, struct img_store *is, const char *id,
	       const struct eng_commit *c, char *out_id, struct berr **err);

/* A new image from an old one, as commit and the builder's steps make them. */
struct eng_derive {
	const char *parent;    /* an image (id or name), or NULL: none (scratch) */
	json_t *config;        /* the new image config, but for the new layer's diff id */
	const char *upper;     /* a directory (an overlayfs upper) as one more layer, or NULL */
	const char *name;      /* normalised "repo:tag", or NULL */
	const char *build_key; /* a build step's cache key (img_install), or NULL */
	/* upper is the caller's to give away (mounted nowhere, on the store's filesystem): it
	 * becomes the new layer's snapshot instead of being unpacked again from the layer */
	bool give_upper;
};
/* The parent's layers, and upper's tree as one more (whiteouts as the image spec's), under
 * config (whose rootfs.diff_ids gets that layer's); out_id (72 bytes) gets the image's id. */
int eng_image_derive(struct img_store *is, const struct eng_derive *d, char *out_id,
		     struct berr **err);

#endif
