/* compose/yaml.c (anchors, aliases, merge keys, scalar types, limits, positions) and
 * compose/interp.c (every interpolation form, .env files). */
/* cmocka.h needs setjmp.h, stdarg.h and stddef.h before it: keep this order. */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
// clang-format on

#include "compose/interp.h"
#include "compose/yaml.h"
#include "util/err.h"

static json_t *parse(const char *text, json_t *pos, char **out_err)
{
	struct berr *err = NULL;
	json_t *j = cmp_yaml_parse(text, strlen(text), "c.yaml", pos, &err);
	if (out_err)
		*out_err = err ? berr_string(err) : NULL;
	berr_free(err);
	return j;
}

static void assert_json(json_t *j, const char *want)
{
	json_t *w = json_loads(want, 0, NULL);
	assert_non_null(w);
	char *got = json_dumps(j, JSON_SORT_KEYS | JSON_COMPACT);
	char *exp = json_dumps(w, JSON_SORT_KEYS | JSON_COMPACT);
	if (strcmp(got, exp))
		fail_msg("got %s, want %s", got, exp);
	free(got);
	free(exp);
	json_decref(w);
}

static void test_scalars(void **state)
{
	json_t *j =
	    parse("a: yes\nb: true\nc: 80:80\nd: 0x1f\ne: 1.5\nf: ~\ng: '1'\nh: 010\ni: -3\n"
		  "j: !!str 5\nk: False\nl:\nm: 0440\nn: 0o17\no: 0\np: -010\n",
		  NULL, NULL);
	/* a leading 0 is octal, as yaml.v3 reads it (a secret's `mode: 0440`) */
	assert_json(j, "{\"a\":\"yes\",\"b\":true,\"c\":\"80:80\",\"d\":31,\"e\":1.5,\"f\":null,"
		       "\"g\":\"1\",\"h\":8,\"i\":-3,\"j\":\"5\",\"k\":false,\"l\":null,"
		       "\"m\":288,\"n\":15,\"o\":0,\"p\":-8}");
	json_decref(j);
}

static void test_anchors_merge_keys(void **state)
{
	json_t *j = parse("x: &base {a: 1, b: 2}\n"
			  "y:\n  <<: *base\n  b: 3\n"
			  "z:\n  c: 4\n  <<: [{a: 5}, {a: 6, d: 7}]\n"
			  "l: &l [1, 2]\nm: *l\n",
			  NULL, NULL);
	assert_json(j, "{\"x\":{\"a\":1,\"b\":2},\"y\":{\"a\":1,\"b\":3},"
		       "\"z\":{\"c\":4,\"a\":5,\"d\":7},\"l\":[1,2],\"m\":[1,2]}");
	/* an alias is a copy: changing one leaves the other */
	json_array_append_new(json_object_get(j, "m"), json_integer(3));
	assert_int_equal(json_array_size(json_object_get(j, "l")), 2);
	json_decref(j);
	/* a merge key's own mapping or sequence written in place, at the top too (fuzz_compose
	 * found the top one crashing: its value had no key to name its path) */
	j = parse("<<: {a: {b: 1}}\nc: 2\nd:\n  <<: [{e: 3}]\n", NULL, NULL);
	assert_json(j, "{\"a\":{\"b\":1},\"c\":2,\"d\":{\"e\":3}}");
	json_decref(j);
}

static void test_errors(void **state)
{
	char *msg = NULL;
	assert_null(parse("a: 1\nb: [1\n", NULL, &msg));
	assert_non_null(strstr(msg, "c.yaml:"));
	free(msg);
	assert_null(parse("a: 1\na: 2\n", NULL, &msg));
	assert_string_equal(msg, "c.yaml:2: mapping key 'a' already defined");
	free(msg);
	assert_null(parse("a: *nope\n", NULL, &msg));
	assert_string_equal(msg, "c.yaml:1: unknown anchor 'nope'");
	free(msg);
	assert_null(parse("a:\n  <<: 5\n", NULL, &msg));
	assert_non_null(strstr(msg, "merge key"));
	free(msg);
	assert_null(parse("? [a]\n: 1\n", NULL, &msg));
	assert_non_null(strstr(msg, "must be a string"));
	free(msg);
}

/* nine levels of ten aliases each: a billion nodes from a few hundred bytes */
static void test_billion_laughs(void **state)
{
	char doc[2048] = "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\","
			 "\"lol\",\"lol\"]\n";
	for (char c = 'b'; c <= 'i'; c++) {
		char line[128];
		snprintf(line, sizeof line, "%c: &%c [*%c,*%c,*%c,*%c,*%c,*%c,*%c,*%c,*%c,*%c]\n",
			 c, c, c - 1, c - 1, c - 1, c - 1, c - 1, c - 1, c - 1, c - 1, c - 1,
			 c - 1);
		strcat(doc, line);
	}
	char *msg = NULL;
	assert_null(parse(doc, NULL, &msg));
	assert_non_null(strstr(msg, "limits"));
	free(msg);
	/* depth */
	char deep[400] = "";
	for (int i = 0; i < 100; i++)
		strcat(deep, "[");
	assert_null(parse(deep, NULL, &msg));
	assert_non_null(strstr(msg, "nested deeper"));
	free(msg);
}

static void test_positions(void **state)
{
	json_t *pos = json_object();
	json_t *j = parse("services:\n  web:\n    image: x\n    ports:\n      - 80\n", pos, NULL);
	assert_string_equal(json_string_value(json_object_get(pos, "services.web.image")),
			    "c.yaml:3");
	assert_string_equal(json_string_value(json_object_get(pos, "services.web.ports[0]")),
			    "c.yaml:5");
	assert_string_equal(cmp_where(pos, "services.web.ports[0].target"), "c.yaml:5");
	json_decref(j);
	json_decref(pos);
}

static char *interp(const char *s, char **out_err)
{
	json_t *vars = json_pack("{ssssss}", "A", "a", "E", "", "B", "b");
	struct berr *err = NULL;
	char *out = NULL;
	if (cmp_interpolate(s, vars, NULL, &out, &err) < 0) {
		*out_err = berr_string(err);
		berr_free(err);
	}
	json_decref(vars);
	return out;
}

static void test_interpolation(void **state)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
	    {"$A", "a"},      {"${A}", "a"},        {"x${A}y$B", "xayb"},  {"$$A", "$A"},
	    {"${U:-d}", "d"}, {"${E:-d}", "d"},     {"${E-d}", ""},        {"${A:-d}", "a"},
	    {"${U-d}", "d"},  {"${A:+alt}", "alt"}, {"${E:+alt}", ""},     {"${E+alt}", "alt"},
	    {"${U+alt}", ""}, {"${U}", ""},         {"${U:-${A}x}", "ax"}, {"${A?e}", "a"},
	    {"${E?e}", ""},   {"a$$$$b", "a$$b"},   {"${U:-$$}", "$"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *msg = NULL;
		char *got = interp(cases[i].in, &msg);
		if (!got)
			fail_msg("%s: %s", cases[i].in, msg);
		if (strcmp(got, cases[i].want))
			fail_msg("%s: got '%s', want '%s'", cases[i].in, got, cases[i].want);
		free(got);
	}
	static const struct {
		const char *in, *msg;
	} bad[] = {
	    {"${U:?set it}", "required variable U is missing a value: set it"},
	    {"${E:?}", "required variable E is missing a value"},
	    {"${U?no}", "required variable U is missing a value: no"},
	    {"${A", "invalid interpolation format: '${A' has no closing brace"},
	    {"$ x", "invalid interpolation format: you may need to escape any $ with another $"},
	    {"${1}", "invalid interpolation format for '${1}'"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char *msg = NULL;
		char *got = interp(bad[i].in, &msg);
		if (got)
			fail_msg("%s: no error, got '%s'", bad[i].in, got);
		assert_string_equal(msg, bad[i].msg);
		free(msg);
	}
}

static void test_env_file(void **state)
{
	const char *text = "# comment\nexport A=1\nB = 'lit $A'\nC=\"q\\n$A\"\nD=x #c\nE=${A}2\n"
			   "F\n\n";
	json_t *vars = json_pack("{ss}", "F", "env");
	json_t *out = json_object();
	struct berr *err = NULL;
	assert_int_equal(cmp_env_parse(text, strlen(text), ".env", vars, out, &err), 0);
	assert_json(out, "{\"A\":\"1\",\"B\":\"lit $A\",\"C\":\"q\\n1\",\"D\":\"x\",\"E\":\"12\","
			 "\"F\":\"env\"}");
	json_decref(out);
	out = json_object();
	assert_true(cmp_env_parse("1X=2\n", 5, ".env", vars, out, &err) < 0);
	char *msg = berr_string(err);
	assert_string_equal(msg, ".env:1: invalid variable name '1X'");
	free(msg);
	berr_free(err);
	json_decref(out);
	json_decref(vars);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_scalars),   cmocka_unit_test(test_anchors_merge_keys),
	    cmocka_unit_test(test_errors),    cmocka_unit_test(test_billion_laughs),
	    cmocka_unit_test(test_positions), cmocka_unit_test(test_interpolation),
	    cmocka_unit_test(test_env_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
