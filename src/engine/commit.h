/* `commit`: a container's changes (its upper directory, overlayfs whiteouts turned back into
 * the image spec's ".wh." entries) become one more layer on its image, with the container's
 * Config (and -c changes) as the new image's config. */
#ifndef BERTH_ENGINE_COMMIT_H
#define BERTH_ENGINE_COMMIT_H

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

#endif
