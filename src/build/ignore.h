/* .dockerignore / .containerignore: which paths of a build context the build sees, as
 * moby/patternmatcher (ignorefile.ReadAll, New, MatchesUsingParentResults) and the context
 * walker of tonistiigi/fsutil (filter.go) decide it. Also serves COPY --exclude, which BuildKit
 * matches the same way.
 *
 * A file holds one pattern per line; a line starting with '#' is a comment; blanks around a
 * pattern go; patterns are cleaned like Go's filepath.Clean and lose a leading '/'. Pattern
 * syntax is Go's filepath.Match (* ? [a-z] [^a-z] \x, neither * nor ? matching '/') plus
 * "**" for any number of directories. "!pattern" is an exception that keeps what earlier
 * lines left out; the last pattern that matches decides. A pattern matching a directory also
 * matches everything below it.
 *
 * Deliberate differences from patternmatcher, all in patterns it turns into broken regular
 * expressions: * ? and ** inside brackets are plain characters there, '^' outside brackets is a
 * plain character, "\d" is 'd'; a class range running backwards ("[z-a]") is refused when read
 * (patternmatcher fails on it at the first match). */
#ifndef BERTH_BUILD_IGNORE_H
#define BERTH_BUILD_IGNORE_H

#include <stdbool.h>
#include <stddef.h>

struct berr;
struct bld_ignore;

#define BLD_IGNORE_FILE_MAX     (1u << 20) /* bytes of an ignore file */
#define BLD_IGNORE_PATTERNS_MAX 10000      /* patterns */
#define BLD_IGNORE_PATTERN_MAX  4096       /* bytes of one pattern */

enum bld_ignore_verdict {
	BLD_IGNORE_KEEP,    /* the path is part of the context */
	BLD_IGNORE_EXCLUDE, /* left out; for a directory, an exception may keep something below */
	BLD_IGNORE_PRUNE,   /* a directory left out with all below it: no need to walk it */
};

/* Read an ignore file. Messages name the line ("line 3: illegal exclusion pattern: '!'"). */
int bld_ignore_parse(const char *text, size_t len, struct bld_ignore **out, struct berr **err);
/* The same from a list of patterns (COPY --exclude). */
int bld_ignore_compile(char *const *patterns, size_t n, struct bld_ignore **out, struct berr **err);
void bld_ignore_free(struct bld_ignore *ign);

/* The verdict for relpath, a slash-separated path relative to the context root ("src/a.c").
 * Directories above relpath are matched first, as the walker meets them. "." is kept. */
enum bld_ignore_verdict bld_ignore_match(const struct bld_ignore *ign, const char *relpath,
					 bool is_dir);

/* The i-th pattern as cleaned, without its '!'; NULL past the end. */
const char *bld_ignore_pattern(const struct bld_ignore *ign, size_t i, bool *out_exception);

#endif
