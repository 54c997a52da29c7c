/* What a compose file may hold: the known keys of each level of the Compose Specification and
 * the type of each, checked on one file's model right after interpolation so that an error
 * names that file's line. Values a type admits in two forms are converted here: a number or
 * a bool that interpolation left as a string ("${REPLICAS}") becomes one, as compose-go casts
 * them. Short syntax (ports, volumes, depends_on, ...) is compose/normalize.c's. */
#ifndef BERTH_COMPOSE_SCHEMA_H
#define BERTH_COMPOSE_SCHEMA_H

#include <jansson.h>

struct berr;

/* Check a whole file (its top level and everything under services, networks, volumes,
 * secrets, configs); pos maps paths to "file:line". Keys starting with "x-" are extensions:
 * allowed anywhere, never checked. */
int cmp_schema_check(json_t *file, json_t *pos, struct berr **err);

/* A service's secret or config in the long syntax (at path): source, target, uid, gid (a
 * number becomes its text) and mode (an octal string becomes its number). */
int cmp_schema_file_ref(json_t *ref, const char *path, json_t *pos, struct berr **err);

/* "file:line: path: message" as an error (EINVAL). */
int cmp_errf(struct berr **err, json_t *pos, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
