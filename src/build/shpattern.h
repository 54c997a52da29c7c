/* The glob patterns of ${x#p} ${x##p} ${x%p} ${x%%p} ${x/p/r} ${x//p/r} (internal to
 * src/build/). BuildKit turns such a pattern into a Go regular expression
 * (convertShellPatternToRegex in frontend/dockerfile/shell/lex.go): ? is `.`, * is `.*?` or
 * `.*`, \* \? \\ are literal, \} and \/ are } and /, any other escape is an error. Go's regexp
 * picks the leftmost match and, among those, the one a backtracking matcher finds first; we run
 * the same program in a Pike VM (Thompson's construction with thread priorities, as Go's own
 * matcher does), so the same text is removed or replaced in linear time and memory. */
#ifndef BERTH_BUILD_SHPATTERN_H
#define BERTH_BUILD_SHPATTERN_H

#include <stdbool.h>

struct berr;

#define BLD_SHPAT_MAX    65536      /* bytes of a pattern */
#define BLD_SHPAT_BUDGET (1u << 24) /* matcher steps for one substitution */
/* bytes of a replacement's result: an expanded word's limit (BLD_EXPAND_MAX, asserted equal in
 * expand.c) */
#define BLD_SHPAT_RESULT_MAX (1u << 20)

/* ${x#p} (greedy false) and ${x##p} (greedy true): value without its matching prefix. */
int bld_shpat_trim_prefix(const char *value, const char *pattern, bool greedy, char **out,
			  struct berr **err);
/* ${x%p} and ${x%%p}: value without its matching suffix (BuildKit reverses both and trims a
 * prefix, and so do we). */
int bld_shpat_trim_suffix(const char *value, const char *pattern, bool greedy, char **out,
			  struct berr **err);
/* ${x/p/r} (all false): the first match replaced by repl as it is; ${x//p/r}: every match, repl
 * read as a Go replacement template ($0 the match, $$ a dollar, other $names empty). */
int bld_shpat_replace(const char *value, const char *pattern, const char *repl, bool all,
		      char **out, struct berr **err);

#endif
