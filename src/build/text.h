/* Text helpers the build front end shares (internal to src/build/; its growing string is
 * util/strbuf): Go's idea of white space (unicode.IsSpace) and of a rune's width in UTF-8, and
 * a growing string vector.
 * BuildKit is written in Go and decodes runes where it splits words; these keep our splitting
 * on the same characters. Byte-oriented otherwise: invalid UTF-8 is carried through untouched. */
#ifndef BERTH_BUILD_TEXT_H
#define BERTH_BUILD_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Bytes of the UTF-8 rune at s[0..n) (1 for an invalid or truncated sequence, 0 when n == 0). */
size_t bld_rune_len(const char *s, size_t n);
/* The code point of that rune into *out (U+FFFD for an invalid sequence, one byte wide, as Go
 * decodes) and its width; 0 (and *out 0) when n == 0. */
size_t bld_rune_at(const char *s, size_t n, uint32_t *out);
/* Bytes of the white space rune at s[0..n) as Go's unicode.IsSpace sees it, 0 if none. */
size_t bld_space_len(const char *s, size_t n);
/* Go's strings.TrimSpace on s[0..*n): moves *s and shrinks *n. */
void bld_trim_space(const char **s, size_t *n);

/* src lower-cased (ASCII) into dst of size bytes (src may be dst), cut to fit. */
void bld_text_lower(char *dst, size_t size, const char *src);
/* Whether s is one of list's n strings. */
bool bld_text_in_list(const char *s, const char *const *list, size_t n);

/* Append s (taken) to the NULL-terminated vector *v of *n strings. */
void bld_strv_push(char ***v, size_t *n, char *s);

#endif
