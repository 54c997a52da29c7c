/* Docker's filter map, the one shape both front ends hand the engine: {"status": ["running"],
 * "label": ["a=b", "c"]}. Values of one key are alternatives (any may match), keys must all
 * match; label (and the like) are the exception, each value required (the caller decides:
 * filter_labels). The command line's `--filter k=v` list and the API's `filters` query (both
 * Docker encodings: {"k": ["v"]} and the older {"k": {"v": true}}) become this map. */
#ifndef BERTH_UTIL_FILTER_H
#define BERTH_UTIL_FILTER_H

#include <jansson.h>
#include <stdbool.h>

struct berr;

/* "key=value" arguments (Docker's filters.ParseFlag: the key lower-cased, both trimmed);
 * EINVAL "bad format of filter (expected name=value)". */
json_t *filter_parse_args(char *const *args, int n, struct berr **err);
/* The API's filters parameter; NULL or "" is an empty map. EINVAL when it is not JSON of
 * either shape. */
json_t *filter_parse_json(const char *text, struct berr **err);
/* EINVAL "invalid filter 'KEY'" for a key not in keys (NULL-terminated). */
int filter_check(json_t *filters, const char *const *keys, struct berr **err);
/* The values of key (an array of strings), or NULL when the key is not filtered on. */
json_t *filter_values(json_t *filters, const char *key);
/* Whether labels (an object of strings) has every "k" and "k=v" of the key's values. */
bool filter_labels(json_t *filters, const char *key, json_t *labels);

#endif
