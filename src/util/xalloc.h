/* Allocation that aborts on out-of-memory (STYLE.md: OOM is not an error value). */
#ifndef BERTH_UTIL_XALLOC_H
#define BERTH_UTIL_XALLOC_H

#include <stddef.h>

void *xmalloc(size_t n);
void *xzalloc(size_t n);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
