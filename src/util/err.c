/* Error values with a cause chain. */
#include "util/err.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/strbuf.h"
#include "util/xalloc.h"

int berr_setv(struct berr **err, int code, const char *fmt, va_list ap)
{
	if (code < 0)
		code = -code;
	if (err) {
		struct berr *e = xzalloc(sizeof(*e));
		e->code = code;
		if (vasprintf(&e->msg, fmt, ap) < 0)
			e->msg = xstrdup("(no message)");
#ifdef BERTH_DEBUG
		/* One error a slot (DESIGN "Errors"): a second set is a caller that set its own
		 * error over a callee's instead of wrapping it (berr_wrap) or returning it. */
		if (*err) {
			fprintf(stderr, "berth: bug: an error set over another: '%s' over '%s'\n",
				e->msg, (*err)->msg);
			abort();
		}
#endif
		/* A second error on the same slot would hide the first: keep the chain. */
		e->cause = *err;
		*err = e;
	}
	return code ? -code : -EINVAL;
}

int berr_set(struct berr **err, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = berr_setv(err, code, fmt, ap);
	va_end(ap);
	return r;
}

int berr_plain(struct berr **err, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = berr_setv(err, code, fmt, ap);
	va_end(ap);
	if (err && *err)
		(*err)->plain = true;
	return r;
}

int berr_wrap(struct berr **err, const char *fmt, ...)
{
	if (!err || !*err)
		return -EINVAL;
	int code = berr_code(*err);
	struct berr *e = xzalloc(sizeof(*e));
	va_list ap;
	va_start(ap, fmt);
	if (vasprintf(&e->msg, fmt, ap) < 0)
		e->msg = xstrdup("(no message)");
	va_end(ap);
	e->code = 0;
	e->cause = *err;
	*err = e;
	return code ? -code : -EINVAL;
}

int berr_code(const struct berr *err)
{
	int code = 0;
	for (; err; err = err->cause)
		if (err->code)
			code = err->code;
	return code;
}

int berr_ret(struct berr *const *err)
{
	int code = err ? berr_code(*err) : 0;
	return code > 0 ? -code : -EINVAL;
}

char *berr_string(const struct berr *err)
{
	struct strbuf out = {0};
	int last_code = 0;
	bool plain = false;
	for (const struct berr *e = err; e; e = e->cause) {
		if (out.len)
			strbuf_adds(&out, ": ");
		strbuf_adds(&out, e->msg ? e->msg : "");
		if (!e->cause) {
			last_code = e->code;
			plain = e->plain;
		}
	}
	if (last_code && !plain) {
		if (out.len)
			strbuf_adds(&out, ": ");
		strbuf_adds(&out, strerror(last_code));
	}
	return strbuf_take(&out);
}

void berr_free(struct berr *err)
{
	int saved = errno;
	while (err) {
		struct berr *next = err->cause;
		free(err->msg);
		free(err);
		err = next;
	}
	errno = saved;
}

void berr_clear(struct berr **err)
{
	if (err) {
		berr_free(*err);
		*err = NULL;
	}
}
