/* COPY and ADD's wildcards: Go's filepath.Match, one path component at a time, as BuildKit
 * matches sources. */
#ifndef BERTH_BUILD_GLOB_H
#define BERTH_BUILD_GLOB_H

#include <stdbool.h>

struct berr;

/* Go's filepath.Match for one name (no '/' in either); a malformed pattern is EINVAL. */
int bld_glob_match(const char *pattern, const char *name, bool *out_match, struct berr **err);
/* Whether a path component holds an unescaped * ? or [ (BuildKit's containsWildcards). */
bool bld_has_wildcards(const char *s);

#endif
