/* Image references as Docker parses them (distribution/reference): [domain/]path[:tag][@digest].
 * "busybox" is normalised to docker.io/library/busybox:latest; a first component with a "." or
 * ":" or that is "localhost" is a registry; "index.docker.io" is docker.io. */
#ifndef BERTH_IMAGE_REFERENCE_H
#define BERTH_IMAGE_REFERENCE_H

#include <stdbool.h>

#include "util/cleanup.h"

struct berr;

#define IMG_REF_DEFAULT_DOMAIN "docker.io"
#define IMG_REF_NAME_MAX       255

struct img_ref {
	char *domain; /* "docker.io", "localhost:5000", "[::1]:5000" */
	char *path;   /* "library/busybox", "a/b/c" */
	char *tag;    /* NULL when a digest is given without a tag */
	char *digest; /* "sha256:<64 hex>" or NULL */
};

/* Parse and normalise s. Errors say what is wrong ("invalid reference format: ..."). */
int img_ref_parse(const char *s, struct img_ref *out, struct berr **err);
void img_ref_clear(struct img_ref *r);
/* "docker.io/library/busybox:latest", "host:5000/a/b@sha256:..." (tag and digest when both). */
char *img_ref_string(const struct img_ref *r);
/* "domain/path": the repository, as a registry calls it with the domain in front. */
char *img_ref_repository(const struct img_ref *r);
/* The short form Docker shows: "busybox" for docker.io/library/busybox, "user/x" for
 * docker.io/user/x, the full repository otherwise (no tag, no digest). */
char *img_ref_familiar(const struct img_ref *r);

#endif
