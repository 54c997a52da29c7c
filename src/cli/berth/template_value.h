/* The values of berth's templates (template.h): a growing text, Go's way of printing a
 * value and of judging it true, and the functions a pipeline calls. */
#ifndef BERTH_CLI_BERTH_TEMPLATE_VALUE_H
#define BERTH_CLI_BERTH_TEMPLATE_VALUE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

struct berr;
struct strbuf;

/* For qsort of object keys: Go prints and ranges over a map in key order. */
int tmpl_cmp_keys(const void *a, const void *b);
/* As Go's fmt prints a value with %v. NULL is a missing key ("<no value>"). */
void tmpl_print(struct strbuf *b, json_t *v);
/* Go's truth: not nil, false, 0, "" or empty. */
bool tmpl_truthy(json_t *v);
/* The function fn (json, index, join, len, upper, lower, title, split, print, println,
 * printf) of n arguments: a new reference, or NULL with err. */
json_t *tmpl_call(const char *fn, json_t **a, size_t n, struct berr **err);
/* Whether fn is one of the functions tmpl_call knows. */
bool tmpl_func_defined(const char *fn);

#endif
