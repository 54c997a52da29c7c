/* Error values that travel up the stack, printed once by cli/ (STYLE.md "Errors").
 * A failing function sets exactly one error with berr_set() and returns -errno (or NULL);
 * callers add context with berr_wrap(). The chain reads outermost first:
 *   "create container 'web': mount '/proc': Permission denied". */
#ifndef BERTH_UTIL_ERR_H
#define BERTH_UTIL_ERR_H

#include <stdarg.h>
#include <stdbool.h>

struct berr {
	int code;           /* errno value (positive), 0 if none applies */
	char *msg;          /* message for this level */
	struct berr *cause; /* inner cause, or NULL */
	bool plain;         /* the message says it all: no strerror(code) after it */
};

/* Set *err (which must be NULL) to a new error; returns -code (or -EINVAL when code is 0). */
int berr_set(struct berr **err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int berr_setv(struct berr **err, int code, const char *fmt, va_list ap);
/* The same for an error of our own finding (bad input, a check that failed) whose message is
 * complete: berr_string() does not add strerror(code) ("no such image: x", not "no such image:
 * x: No such file or directory"). The code still travels up for callers to act on. */
int berr_plain(struct berr **err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Wrap *err in an outer level of context; keeps the code; returns -code. */
int berr_wrap(struct berr **err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The code of the innermost cause that has one. */
int berr_code(const struct berr *err);
/* What to return after a callee that returns a pointer (NULL on failure) set *err: -its code,
 * -EINVAL when it holds none or err is NULL (never 0: that would read as success). */
int berr_ret(struct berr *const *err);
/* "outer: inner: strerror(code)" — caller frees. */
char *berr_string(const struct berr *err);
void berr_free(struct berr *err);
/* Free and reset to NULL, for callers that handle an error and carry on. */
void berr_clear(struct berr **err);

#endif
