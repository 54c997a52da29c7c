/* JSON to YAML with libyaml's emitter, for `berth compose config`: block style, keys in the
 * value's order; a string that a plain scalar would read back as a null, bool or number (or
 * that is empty) is double-quoted, as Go's yaml.v3 quotes "8080". */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <yaml.h>

#include "compose/yaml.h"
#include "util/err.h"

static int emit(yaml_emitter_t *e, yaml_event_t *ev)
{
	return yaml_emitter_emit(e, ev) ? 0 : -EIO;
}

static int scalar(yaml_emitter_t *e, const char *s, bool quote)
{
	yaml_event_t ev;
	yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)s, (int)strlen(s), 1, 1,
				     quote ? YAML_DOUBLE_QUOTED_SCALAR_STYLE
					   : YAML_ANY_SCALAR_STYLE);
	return emit(e, &ev);
}

/* YAML 1.1's booleans, which yaml.v3 quotes too (its isOldBool), so that a YAML 1.1 reader
 * (docker-compose 1.x, PyYAML) reads a string back */
static bool old_bool(const char *s)
{
	static const char *const words[] = {"y", "Y", "yes", "Yes", "YES", "on",  "On",  "ON",
					    "n", "N", "no",  "No",  "NO",  "off", "Off", "OFF"};
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (!strcmp(s, words[i]))
			return true;
	return false;
}

static int string(yaml_emitter_t *e, const char *s)
{
	json_t *as = cmp_yaml_scalar(s);
	bool quote = !json_is_string(as) || old_bool(s);
	json_decref(as);
	return scalar(e, s, quote);
}

static int node(yaml_emitter_t *e, json_t *j, int depth)
{
	yaml_event_t ev;
	char buf[64];
	int r = 0;
	if (depth > CMP_YAML_MAX_DEPTH * 4)
		return -ELOOP;
	switch (json_typeof(j)) {
	case JSON_OBJECT: {
		yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_MAPPING_STYLE);
		if ((r = emit(e, &ev)) < 0)
			return r;
		const char *k;
		json_t *v;
		json_object_foreach(j, k, v)
		{
			if ((r = string(e, k)) < 0 || (r = node(e, v, depth + 1)) < 0)
				return r;
		}
		yaml_mapping_end_event_initialize(&ev);
		return emit(e, &ev);
	}
	case JSON_ARRAY: {
		yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_SEQUENCE_STYLE);
		if ((r = emit(e, &ev)) < 0)
			return r;
		size_t i;
		json_t *v;
		json_array_foreach(j, i, v) if ((r = node(e, v, depth + 1)) < 0) return r;
		yaml_sequence_end_event_initialize(&ev);
		return emit(e, &ev);
	}
	case JSON_STRING:
		return string(e, json_string_value(j));
	case JSON_INTEGER:
		snprintf(buf, sizeof buf, "%" JSON_INTEGER_FORMAT, json_integer_value(j));
		return scalar(e, buf, false);
	case JSON_REAL:
		snprintf(buf, sizeof buf, "%.17g", json_real_value(j));
		return scalar(e, buf, false);
	case JSON_TRUE:
		return scalar(e, "true", false);
	case JSON_FALSE:
		return scalar(e, "false", false);
	default:
		return scalar(e, "null", false);
	}
}

int cmp_yaml_emit(json_t *j, FILE *f, struct berr **err)
{
	return cmp_yaml_emit_indent(j, f, 2, err);
}

int cmp_yaml_emit_indent(json_t *j, FILE *f, int indent, struct berr **err)
{
	yaml_emitter_t e;
	yaml_event_t ev;
	if (!yaml_emitter_initialize(&e))
		return berr_set(err, ENOMEM, "yaml emitter");
	yaml_emitter_set_output_file(&e, f);
	yaml_emitter_set_indent(&e, indent);
	yaml_emitter_set_unicode(&e, 1);
	yaml_emitter_set_width(&e, -1);
	yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING);
	int r = emit(&e, &ev);
	if (r == 0) {
		yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1);
		r = emit(&e, &ev);
	}
	if (r == 0)
		r = node(&e, j, 0);
	if (r == 0) {
		yaml_document_end_event_initialize(&ev, 1);
		r = emit(&e, &ev);
	}
	if (r == 0) {
		yaml_stream_end_event_initialize(&ev);
		r = emit(&e, &ev);
	}
	if (r < 0 && e.problem)
		r = berr_plain(err, EIO, "write YAML: %s", e.problem);
	else if (r < 0)
		r = berr_set(err, -r, "write YAML");
	yaml_emitter_delete(&e);
	return r;
}
