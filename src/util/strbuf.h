/* One growing string for the whole tree: appended to in pieces (bytes, a C string, a
 * character, a printf format), NUL-terminated once anything was added, taken whole at the
 * end. Allocation failure aborts, as xalloc's does. Binary data may be added with
 * strbuf_add: len counts every byte, the NUL after them is not counted. */
#ifndef BERTH_UTIL_STRBUF_H
#define BERTH_UTIL_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

struct strbuf {
	char *s; /* NULL while empty, else s[len] == '\0' */
	size_t len, cap;
};

void strbuf_add(struct strbuf *b, const void *data, size_t n);
void strbuf_adds(struct strbuf *b, const char *s);
void strbuf_addc(struct strbuf *b, char c);
void strbuf_addf(struct strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void strbuf_vaddf(struct strbuf *b, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
/* The text so far, never NULL ("" when nothing was added): the caller frees it; b is empty. */
char *strbuf_take(struct strbuf *b);
/* The text so far without taking it: "" when empty. */
const char *strbuf_str(const struct strbuf *b);
/* Frees the text; b is empty and may be used again. */
void strbuf_clear(struct strbuf *b);

#endif
