/* YAML to JSON for compose files (libyaml's event parser into jansson), and JSON back to YAML
 * (libyaml's emitter) for `berth compose config`. What a compose file may contain is the
 * loader's business (compose/schema.c); this room knows only YAML: anchors, aliases, merge
 * keys, scalars typed by YAML 1.2's core schema (as Go's yaml.v3, which Compose v2 uses: `yes`
 * and `80:80` stay strings), and the limits below. */
#ifndef BERTH_COMPOSE_YAML_H
#define BERTH_COMPOSE_YAML_H

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

struct berr;

/* Limits on a document from a user: its size, its nesting, and what aliases may expand to
 * (a "billion laughs" document is a few hundred bytes whose aliases name aliases). */
#define CMP_YAML_MAX_BYTES   (8u << 20)
#define CMP_YAML_MAX_DEPTH   64
#define CMP_YAML_MAX_NODES   1000000 /* after every alias is expanded */
#define CMP_YAML_MAX_ALIASES 10000

/* Parse one YAML document (an empty one is an empty mapping). file names the document in
 * errors ("compose.yaml:3: ..."). When pos is not NULL it receives, for each mapping value and
 * sequence item, its dotted path ("services.web.ports[0]") → "file:line". Mapping keys must
 * be strings; a key given twice is an error, as in yaml.v3. */
json_t *cmp_yaml_parse(const char *text, size_t len, const char *file, json_t *pos,
		       struct berr **err);

/* A plain scalar by YAML 1.2's core schema: null, a bool, an integer, a float, else a string. */
json_t *cmp_yaml_scalar(const char *s);

/* Write j as a YAML document (block style, keys in j's order, strings quoted only where a
 * plain scalar would read as something else). */
int cmp_yaml_emit(json_t *j, FILE *f, struct berr **err);
/* The same with indent spaces a level (2 above; yaml.v3's Marshal indents 4). */
int cmp_yaml_emit_indent(json_t *j, FILE *f, int indent, struct berr **err);

#endif
