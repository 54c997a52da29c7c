/* A COPY/ADD source name resolved in its root (the build context or a stage's root, see
 * context.h): the one place that follows a source's links, beneath the context by hand and
 * in a stage with path_open_in_root. For context.c's selection and walk; others go through
 * context.h (which includes this room: this room includes none of context's). */
#ifndef BERTH_BUILD_SOURCE_H
#define BERTH_BUILD_SOURCE_H

#include <stdbool.h>

#include "build/ignore.h"

struct berr;

#define BLD_SYMLINKS_MAX 40 /* symbolic links followed for one source */

/* Where COPY and ADD read from: the build context (its ignore rules apply, see context.h) or a
 * stage's root. */
struct bld_root {
	int fd;                          /* a directory fd of the root (not owned) */
	const struct bld_ignore *ignore; /* the context's ignore rules, or NULL */
	bool context;                    /* the build context's rules, else a stage's */
};

/* src cleaned as Go's path.Join("/", src) cleans it, without the leading '/'; with refuse_up
 * (the context) a ".." that would climb above the root is refused instead of clamped. */
int bld_source_clean(const char *src, bool refuse_up, char **out, struct berr **err);

struct bld_resolved {
	int fd;       /* O_PATH, links followed */
	char *path;   /* context: where it is, relative to the root ("" the root); else NULL */
	bool ignored; /* context: a directory the ignore file excludes (exceptions may keep some
			 of what it holds) */
};

/* src (clean, relative: bld_source_clean) in root, links followed; a missing one (or one the
 * ignore file leaves out of the context) is BuildKit's "\"/src\": not found". */
int bld_resolve(const struct bld_root *root, const char *src, struct bld_resolved *out,
		struct berr **err);
void bld_resolved_clear(struct bld_resolved *r);

/* The ignore rules' verdict on path (ign NULL: kept). */
enum bld_ignore_verdict bld_source_verdict(const struct bld_ignore *ign, const char *path,
					   bool dir);
/* "a/b" ("b" when a is ""), allocated. */
char *bld_source_join(const char *a, const char *b);
/* BuildKit's error for a source that is not there. */
int bld_source_not_found(const char *name, struct berr **err);

#endif
