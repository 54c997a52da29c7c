/* Merging compose files (the Compose Specification's "Merge and override"), on models that
 * compose/normalize.c has already put in long form. Also how `extends` lays a service over
 * its base. */
#ifndef BERTH_COMPOSE_MERGE_H
#define BERTH_COMPOSE_MERGE_H

#include <jansson.h>

/* Lay over onto base (both mappings), in place. key is base's name in its parent ("" at the
 * top): it picks a sequence's rule. Mappings merge key by key; scalars are replaced; command,
 * entrypoint and healthcheck's test are replaced; ports, volumes, secrets, configs, devices
 * and env_file are merged by what makes them unique (a volume's target, a port's host ip,
 * published port, target and protocol, ...), the overriding entry in its base's place; other
 * sequences are appended to without duplicates. */
void cmp_merge(json_t *base, json_t *over, const char *key);

#endif
