/* YAML to JSON and back for compose files. libyaml gives events; a stack of frames turns them
 * into jansson values, resolving anchors (an alias is a copy of what its anchor named, so a
 * later edit of one place never shows in another), merge keys (`<<: *base`, the YAML 1.1
 * merge type that Compose files use for their `x-` fragments: the mapping's own keys win, then
 * the merged mappings in their order) and plain scalars by YAML 1.2's core schema, as Go's
 * yaml.v3 does for Compose v2. Bounded: size, depth, alias count and the nodes aliases expand
 * to. Not here: what a compose file means (compose/schema.c, compose/normalize.c). */
#include "compose/yaml.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "util/cleanup.h"
#include "util/err.h"
#include "util/xalloc.h"

struct frame {
	json_t *node;   /* object or array being filled */
	char *key;      /* a mapping's pending key (NULL: the next scalar is a key) */
	bool merge_key; /* the pending key is `<<` */
	unsigned long key_line;
	json_t *merges; /* mappings from `<<`, applied when the mapping ends */
	char *path;
	char *anchor;
	size_t nodes_at_start;
};

struct parser {
	const char *file;
	json_t *pos;
	json_t *anchors; /* name → [node, size in nodes] */
	struct frame stack[CMP_YAML_MAX_DEPTH + 1];
	int depth;
	size_t nodes, aliases;
	json_t *root;
};

static int fail(struct parser *p, unsigned long line, struct berr **err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int fail(struct parser *p, unsigned long line, struct berr **err, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return berr_plain(err, EINVAL, "%s:%lu: %s", p->file, line, msg);
}

/* The path of the next value in the current collection ("" at the top). */
static char *child_path(struct parser *p)
{
	if (p->depth == 0)
		return xstrdup("");
	struct frame *f = &p->stack[p->depth - 1];
	if (json_is_array(f->node))
		return xasprintf("%s[%zu]", f->path, json_array_size(f->node));
	/* a merge key's value ("<<: {...}" or "<<: [...]") has no key of its own */
	const char *key = f->key ? f->key : "<<";
	return *f->path ? xasprintf("%s.%s", f->path, key) : xstrdup(key);
}

static unsigned long child_line(struct parser *p, unsigned long line)
{
	if (p->depth > 0 && json_is_object(p->stack[p->depth - 1].node))
		return p->stack[p->depth - 1].key_line;
	return line;
}

static void record(struct parser *p, const char *path, unsigned long line)
{
	if (p->pos && *path)
		json_object_set_new(p->pos, path, json_sprintf("%s:%lu", p->file, line));
}

/* Put v (a reference taken) where the current frame expects a value. */
static int add(struct parser *p, json_t *v, unsigned long line, struct berr **err)
{
	if (p->depth == 0) {
		if (p->root) {
			json_decref(v);
			return 0;
		}
		p->root = v;
		return 0;
	}
	struct frame *f = &p->stack[p->depth - 1];
	if (json_is_array(f->node)) {
		autofree char *path = child_path(p);
		record(p, path, line);
		json_array_append_new(f->node, v);
		return 0;
	}
	if (f->merge_key) {
		bool ok = json_is_object(v) || (json_is_array(v) && json_array_size(v) > 0);
		size_t i;
		json_t *m;
		json_array_foreach(v, i, m) if (!json_is_object(m)) ok = false;
		if (!ok) {
			json_decref(v);
			return fail(p, f->key_line, err,
				    "%s: a merge key needs a mapping or a "
				    "sequence of mappings",
				    "<<");
		}
		if (json_is_object(v))
			json_array_append(f->merges, v);
		else
			json_array_extend(f->merges, v);
		json_decref(v);
		f->merge_key = false;
		return 0;
	}
	autofree char *path = child_path(p);
	record(p, path, f->key_line);
	json_object_set_new(f->node, f->key, v);
	free(f->key);
	f->key = NULL;
	return 0;
}

static bool all_digits(const char *s, const char *set)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!strchr(set, *s))
			return false;
	return true;
}

static bool is_float(const char *s)
{
	if (*s == '-' || *s == '+')
		s++;
	bool digits = false;
	while (*s >= '0' && *s <= '9')
		s++, digits = true;
	if (*s == '.')
		for (s++; *s >= '0' && *s <= '9'; s++)
			digits = true;
	if (!digits)
		return false;
	if (*s == 'e' || *s == 'E') {
		s++;
		if (*s == '-' || *s == '+')
			s++;
		if (!(*s >= '0' && *s <= '9'))
			return false;
		while (*s >= '0' && *s <= '9')
			s++;
	}
	return *s == 0;
}

json_t *cmp_yaml_scalar(const char *s)
{
	static const char *const nulls[] = {"", "~", "null", "Null", "NULL"};
	static const char *const trues[] = {"true", "True", "TRUE"};
	static const char *const falses[] = {"false", "False", "FALSE"};
	for (size_t i = 0; i < 5; i++)
		if (!strcmp(s, nulls[i]))
			return json_null();
	for (size_t i = 0; i < 3; i++) {
		if (!strcmp(s, trues[i]))
			return json_true();
		if (!strcmp(s, falses[i]))
			return json_false();
	}
	const char *d = s + (*s == '-' || *s == '+');
	char *end;
	errno = 0;
	/* a leading 0 is octal, YAML 1.1's spelling that yaml.v3 still reads (its resolve():
	 * strconv.ParseInt(s, 0, 64)): a file's `mode: 0440` is 288, as Compose reads it */
	if (d[0] == '0' && d[1] && all_digits(d + 1, "01234567")) {
		long long v = strtoll(s, &end, 8);
		if (!errno && !*end)
			return json_integer(v);
	} else if (all_digits(d, "0123456789")) {
		long long v = strtoll(s, &end, 10);
		if (!errno && !*end)
			return json_integer(v);
	} else if (!strncmp(s, "0x", 2) && all_digits(s + 2, "0123456789abcdefABCDEF")) {
		long long v = strtoll(s + 2, &end, 16);
		if (!errno && !*end)
			return json_integer(v);
	} else if (!strncmp(s, "0o", 2) && all_digits(s + 2, "01234567")) {
		long long v = strtoll(s + 2, &end, 8);
		if (!errno && !*end)
			return json_integer(v);
	}
	if (is_float(s)) {
		double v = strtod(s, &end);
		if (!*end)
			return json_real(v);
	}
	return json_string(s);
}

static int on_scalar(struct parser *p, yaml_event_t *ev, struct berr **err)
{
	const char *text = (const char *)ev->data.scalar.value;
	unsigned long line = ev->start_mark.line + 1;
	if (strlen(text) != ev->data.scalar.length)
		return fail(p, line, err, "%s", "a NUL byte in a scalar");
	struct frame *f = p->depth ? &p->stack[p->depth - 1] : NULL;
	if (f && json_is_object(f->node) && !f->key && !f->merge_key) {
		bool plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
		if (plain && !strcmp(text, "<<")) {
			f->merge_key = true;
		} else {
			if (json_object_get(f->node, text))
				return fail(p, line, err, "mapping key '%s' already defined", text);
			f->key = xstrdup(text);
		}
		f->key_line = line;
		if (++p->nodes > CMP_YAML_MAX_NODES)
			return fail(p, line, err, "%s", "too many nodes");
		return 0;
	}
	const char *tag = (const char *)ev->data.scalar.tag;
	json_t *v;
	if (tag && !strcmp(tag, YAML_STR_TAG))
		v = json_string(text);
	else if (ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE)
		v = cmp_yaml_scalar(text);
	else
		v = json_string(text);
	if (!v)
		return fail(p, line, err, "%s", "a scalar that is not UTF-8");
	if (++p->nodes > CMP_YAML_MAX_NODES) {
		json_decref(v);
		return fail(p, line, err, "%s", "too many nodes");
	}
	const char *anchor = (const char *)ev->data.scalar.anchor;
	if (anchor)
		json_object_set_new(p->anchors, anchor, json_pack("[Oi]", v, 1));
	return add(p, v, line, err);
}

static int on_alias(struct parser *p, yaml_event_t *ev, struct berr **err)
{
	const char *name = (const char *)ev->data.alias.anchor;
	unsigned long line = ev->start_mark.line + 1;
	json_t *a = json_object_get(p->anchors, name);
	if (!a)
		return fail(p, line, err, "unknown anchor '%s'", name);
	size_t size = json_integer_value(json_array_get(a, 1));
	if (++p->aliases > CMP_YAML_MAX_ALIASES || size > CMP_YAML_MAX_NODES - p->nodes)
		return fail(p, line, err, "alias '%s' expands past the document's limits", name);
	p->nodes += size;
	struct frame *f = p->depth ? &p->stack[p->depth - 1] : NULL;
	json_t *v = json_array_get(a, 0);
	if (f && json_is_object(f->node) && !f->key && !f->merge_key) {
		if (!json_is_string(v))
			return fail(p, line, err, "alias '%s' as a mapping key is not a string",
				    name);
		f->key = xstrdup(json_string_value(v));
		f->key_line = line;
		return 0;
	}
	return add(p, json_deep_copy(v), line, err);
}

static int push(struct parser *p, json_t *node, const char *anchor, unsigned long line,
		struct berr **err)
{
	if (p->depth >= CMP_YAML_MAX_DEPTH) {
		json_decref(node);
		return fail(p, line, err, "nested deeper than %d levels", CMP_YAML_MAX_DEPTH);
	}
	struct frame *parent = p->depth ? &p->stack[p->depth - 1] : NULL;
	if (parent && json_is_object(parent->node) && !parent->key && !parent->merge_key) {
		json_decref(node);
		return fail(p, line, err, "%s", "a mapping key must be a string");
	}
	struct frame *f = &p->stack[p->depth];
	*f = (struct frame){.node = node,
			    .merges = json_array(),
			    .path = child_path(p),
			    .anchor = anchor ? xstrdup(anchor) : NULL,
			    .nodes_at_start = p->nodes};
	record(p, f->path, child_line(p, line));
	p->depth++;
	if (++p->nodes > CMP_YAML_MAX_NODES)
		return fail(p, line, err, "%s", "too many nodes");
	return 0;
}

static void frame_clear(struct frame *f)
{
	json_decref(f->node);
	json_decref(f->merges);
	free(f->key);
	free(f->path);
	free(f->anchor);
	*f = (struct frame){0};
}

static int pop(struct parser *p, unsigned long line, struct berr **err)
{
	struct frame *f = &p->stack[p->depth - 1];
	size_t i;
	json_t *m;
	json_array_foreach(f->merges, i, m) json_object_update_missing(f->node, m);
	if (f->anchor)
		json_object_set_new(
		    p->anchors, f->anchor,
		    json_pack("[OI]", f->node, (json_int_t)(p->nodes - f->nodes_at_start)));
	json_t *node = json_incref(f->node);
	frame_clear(f);
	p->depth--;
	return add(p, node, line, err);
}

static int on_event(struct parser *p, yaml_event_t *ev, struct berr **err)
{
	unsigned long line = ev->start_mark.line + 1;
	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		return on_scalar(p, ev, err);
	case YAML_ALIAS_EVENT:
		return on_alias(p, ev, err);
	case YAML_SEQUENCE_START_EVENT:
		return push(p, json_array(), (const char *)ev->data.sequence_start.anchor, line,
			    err);
	case YAML_MAPPING_START_EVENT:
		return push(p, json_object(), (const char *)ev->data.mapping_start.anchor, line,
			    err);
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		return pop(p, line, err);
	case YAML_DOCUMENT_START_EVENT:
		if (p->root)
			return fail(p, line, err, "%s", "more than one YAML document");
		return 0;
	default:
		return 0;
	}
}

json_t *cmp_yaml_parse(const char *text, size_t len, const char *file, json_t *pos,
		       struct berr **err)
{
	if (len > CMP_YAML_MAX_BYTES) {
		berr_plain(err, EFBIG, "%s: larger than %u bytes", file, CMP_YAML_MAX_BYTES);
		return NULL;
	}
	struct parser p = {.file = file, .pos = pos, .anchors = json_object()};
	yaml_parser_t yp;
	yaml_parser_initialize(&yp);
	yaml_parser_set_input_string(&yp, (const unsigned char *)text, len);
	int r = 0;
	for (bool done = false; !done && r == 0;) {
		yaml_event_t ev;
		if (!yaml_parser_parse(&yp, &ev)) {
			r = fail(&p, yp.problem_mark.line + 1, err, "%s%s%s",
				 yp.context ? yp.context : "", yp.context ? ": " : "",
				 yp.problem ? yp.problem : "invalid YAML");
			break;
		}
		done = ev.type == YAML_STREAM_END_EVENT;
		r = on_event(&p, &ev, err);
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&yp);
	while (p.depth > 0)
		frame_clear(&p.stack[--p.depth]);
	json_decref(p.anchors);
	if (r < 0) {
		json_decref(p.root);
		return NULL;
	}
	if (!p.root || json_is_null(p.root)) {
		json_decref(p.root);
		return json_object();
	}
	return p.root;
}
