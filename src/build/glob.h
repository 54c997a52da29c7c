/* COPY and ADD's wildcards: Go's filepath.Match, one path component at a time, as BuildKit
 * matches sources. */
#ifndef BERTH_BUILD_GLOB_H
#define BERTH_BUILD_GLOB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct berr;

/* Go's filepath.Match for one name (no '/' in either); a malformed pattern is EINVAL. */
int bld_glob_match(const char *pattern, const char *name, bool *out_match, struct berr **err);
/* filepath.Match's getEsc: one character of a [class] at p[*i] ('\' escapes it) into *out,
 * *i moved past it; false for a malformed pattern (also shared by ignore.c). */
bool bld_glob_class_char(const char *p, size_t n, size_t *i, uint32_t *out);
/* Whether a path component holds an unescaped * ? or [ (BuildKit's containsWildcards). */
bool bld_has_wildcards(const char *s);

#endif
