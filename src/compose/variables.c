/* Variables a compose model uses (variables.h), found as compose-go's extractVariable finds
 * them: `$$` skipped, `$NAME` ([A-Za-z_][A-Za-z0-9_]*), `${...}` up to its matching brace
 * (getFirstBraceClosingIndex: nested braces counted), its name the leading word characters and
 * its operator the first of `:?`, `?`, `:-`, `-`, `:+`, `+` after it. A `$` that starts
 * nothing, or a brace that is not closed, names no variable (interpolation reports those). */
#include "compose/variables.h"

#include <ctype.h>
#include <stdbool.h>
#include <string.h>

#include "util/cleanup.h"
#include "util/xalloc.h"

#define NESTING_MAX 32 /* ${A:-${B:-${C}}}: values are bounded by the file's size too */

static bool word(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

static void combine(json_t *out, const char *name, const char *def, const char *alt, bool required)
{
	json_t *v = json_object_get(out, name);
	if (!v) {
		json_object_set_new(out, name,
				    json_pack("{ss ss ss sb}", "Name", name, "DefaultValue", def,
					      "PresenceValue", alt, "Required", required));
		return;
	}
	if (required)
		json_object_set_new(v, "Required", json_true());
	if (!*json_string_value(json_object_get(v, "DefaultValue")))
		json_object_set_new(v, "DefaultValue", json_string(def));
	if (!*json_string_value(json_object_get(v, "PresenceValue")))
		json_object_set_new(v, "PresenceValue", json_string(alt));
}

static void scan(const char *s, size_t len, json_t *out, int depth);

/* body: what lies between ${ and its closing brace. */
static void braced(const char *body, size_t len, json_t *out, int depth)
{
	size_t n = 0;
	while (n < len && word(body[n]))
		n++;
	if (n == 0 || isdigit((unsigned char)body[0]))
		return;
	autofree char *name = xstrndup(body, n);
	const char *rest = body + n;
	size_t rlen = len - n;
	static const struct {
		const char *op;
		int kind; /* 0 required, 1 default, 2 alternative */
	} ops[] = {{":?", 0}, {"?", 0}, {":-", 1}, {"-", 1}, {":+", 2}, {"+", 2}};
	int kind = -1;
	size_t skip = 0;
	for (size_t i = 0; i < 6 && kind < 0; i++)
		if (rlen >= strlen(ops[i].op) && !strncmp(rest, ops[i].op, strlen(ops[i].op))) {
			kind = ops[i].kind;
			skip = strlen(ops[i].op);
		}
	autofree char *operand = kind >= 0 ? xstrndup(rest + skip, rlen - skip) : xstrdup("");
	combine(out, name, kind == 1 ? operand : "", kind == 2 ? operand : "", kind == 0);
	if (*operand)
		scan(operand, strlen(operand), out, depth + 1);
}

static void scan(const char *s, size_t len, json_t *out, int depth)
{
	if (depth > NESTING_MAX)
		return;
	for (size_t i = 0; i < len; i++) {
		if (s[i] != '$' || i + 1 >= len)
			continue;
		char c = s[i + 1];
		if (c == '$') {
			i++;
			continue;
		}
		if (word(c) && !isdigit((unsigned char)c)) {
			size_t n = i + 1;
			while (n < len && word(s[n]))
				n++;
			autofree char *name = xstrndup(s + i + 1, n - i - 1);
			combine(out, name, "", "", false);
			i = n - 1;
			continue;
		}
		if (c != '{')
			continue;
		int open = 0;
		size_t j = i + 1;
		for (; j < len; j++) {
			if (s[j] == '{')
				open++;
			else if (s[j] == '}' && --open == 0)
				break;
		}
		if (j >= len)
			return; /* not closed: nothing after it is a variable either */
		braced(s + i + 2, j - i - 2, out, depth);
		i = j;
	}
}

void cmp_variables_extract(json_t *node, json_t *out)
{
	if (json_is_string(node)) {
		scan(json_string_value(node), json_string_length(node), out, 0);
		return;
	}
	const char *k;
	size_t i;
	json_t *v;
	if (json_is_object(node))
		json_object_foreach(node, k, v) cmp_variables_extract(v, out);
	else if (json_is_array(node))
		json_array_foreach(node, i, v) cmp_variables_extract(v, out);
}
