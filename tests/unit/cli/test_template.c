/* --format templates (Go's text/template subset), Docker's flag syntax, and the output helpers
 * that make berth print what docker prints. */
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

#include "cli/berth/flags.h"
#include "cli/berth/output.h"
#include "cli/berth/prune.h"
#include "cli/berth/template.h"
#include "util/err.h"

static json_t *data(void)
{
	return json_pack("{s:s, s:i, s:b, s:[s, s], s:{s:s, s:s}, s:n, s:[{s:s}, {s:s}]}", "Name",
			 "web", "Size", 42, "On", 1, "List", "a", "b", "Map", "k", "v", "a", "z",
			 "Null", "Mounts", "Source", "/x", "Source", "/y");
}

static void expect(const char *tmpl, const char *want)
{
	struct berr *err = NULL;
	struct tmpl *t = tmpl_parse(tmpl, &err);
	if (!t)
		fail_msg("parse '%s': %s", tmpl, berr_string(err));
	json_t *d = data();
	char *out = tmpl_exec(t, d, &err);
	if (!out)
		fail_msg("exec '%s': %s", tmpl, berr_string(err));
	if (strcmp(out, want))
		fail_msg("'%s' gave '%s', not '%s'", tmpl, out, want);
	free(out);
	json_decref(d);
	tmpl_free(t);
}

static void expect_fail(const char *tmpl, const char *what)
{
	struct berr *err = NULL;
	struct tmpl *t = tmpl_parse(tmpl, &err);
	char *out = NULL;
	if (t) {
		json_t *d = data();
		out = tmpl_exec(t, d, &err);
		json_decref(d);
		tmpl_free(t);
	}
	assert_null(out);
	char *msg = berr_string(err);
	if (!strstr(msg, what))
		fail_msg("'%s': error '%s' does not say '%s'", tmpl, msg, what);
	free(msg);
	berr_free(err);
}

static void values(void **state)
{
	expect("{{.Name}}", "web");
	expect("name={{ .Name }} size={{.Size}}", "name=web size=42");
	expect("{{.On}} {{.List}} {{.Map}} {{.Null}} {{.Nope}}",
	       "true [a b] map[a:z k:v] <nil> <no value>");
	expect("{{.Map.k}}", "v");
	expect("{{json .List}}|{{json .Map}}|{{json .Name}}",
	       "[\"a\",\"b\"]|{\"k\":\"v\",\"a\":\"z\"}|\"web\"");
	expect("{{index .List 1}} {{index .Map \"k\"}}", "b v");
	/* a parenthesized pipeline, and fields of its value */
	expect("{{(index .Mounts 1).Source}} {{(index .Mounts 0)}}", "/y map[Source:/x]");
	expect("{{upper (index .List 0)}} {{(.Map).k}}", "A v");
	expect("{{join .List \",\"}} {{len .List}} {{upper .Name}} {{.Name | upper}}",
	       "a,b 2 WEB WEB");
	expect("{{printf \"%s-%d\" .Name .Size}}", "web-42");
	expect("{{split \"a:b\" \":\"}}", "[a b]");
	expect("a\\tb\\n", "a\tb\n");
}

static void control(void **state)
{
	expect("{{if .On}}yes{{else}}no{{end}}", "yes");
	expect("{{if .Null}}yes{{else}}no{{end}}", "no");
	expect("{{range .Mounts}}{{.Source}};{{end}}", "/x;/y;");
	expect("{{range .List}}[{{.}}]{{end}}", "[a][b]");
	expect("{{range .Null}}x{{else}}empty{{end}}", "empty");
	expect("a  {{- .Name -}}  b", "awebb");
	expect("{{/* a comment */}}ok", "ok");
	/* the else of an empty range sees the outer dot */
	expect("{{range .Null}}x{{else}}{{.Name}}{{end}}", "web");
	/* with: the body's dot is the value */
	expect("{{with .Map}}{{.k}}{{else}}none{{end}}", "v");
	expect("{{with .Null}}{{.k}}{{else}}none{{end}}", "none");
}

static void variables(void **state)
{
	/* Docker's inspect example: range with a key and a value */
	expect("{{range $k, $v := .Map}}{{$k}}={{$v}};{{end}}", "a=z;k=v;");
	expect("{{range $i, $m := .Mounts}}{{$i}}:{{$m.Source}} {{end}}", "0:/x 1:/y ");
	expect("{{range $m := .Mounts}}{{(index $.List 0)}}{{$m.Source}}{{end}}", "a/xa/y");
	expect("{{$n := .Name}}{{range .List}}{{$n}}-{{.}} {{end}}", "web-a web-b ");
	expect("{{with $m := .Map}}{{$m.k}}{{.a}}{{end}}", "vz");
	expect("{{if $x := .Size}}{{$x}}{{end}}", "42");
	expect("{{$.Name}} {{$}}", "web map[List:[a b] Map:map[a:z k:v] Mounts:[map[Source:/x] "
				   "map[Source:/y]] Name:web Null:<nil> On:true Size:42]");
	/* a block's variables go at its end */
	expect_fail("{{range .List}}{{$x := .}}{{end}}{{$x}}", "undefined variable: $x");
	expect_fail("{{$nope}}", "undefined variable: $nope");
	expect_fail("{{$a, $b := .Name}}", "too many declarations");
}

static void errors(void **state)
{
	expect_fail("{{.Name", "unclosed action");
	expect_fail("{{if .On}}x", "missing {{end}}");
	expect_fail("{{end}}", "unexpected {{end}}");
	expect_fail("{{nosuch .Name}}", "function \"nosuch\" not defined");
	expect_fail("{{index .List 5}}", "out of range");
	expect_fail("{{(index .List 0}}", "unclosed left paren");
	expect_fail("{{.Name.Deeper}}", "can't evaluate field Deeper");
	expect_fail("{{.Name 1}}", "non-function");
}

/* Go rejects at parse what a branch never taken holds (issue #23): nothing is printed */
static void expect_parse_fail(const char *tmpl, const char *what)
{
	struct berr *err = NULL;
	assert_null(tmpl_parse(tmpl, &err));
	char *msg = berr_string(err);
	if (!strstr(msg, what))
		fail_msg("'%s': error '%s' does not say '%s'", tmpl, msg, what);
	free(msg);
	berr_free(err);
}

static void parse_checks_every_branch(void **state)
{
	expect_parse_fail("{{if false}}{{nosuch .Name}}{{end}}", "function \"nosuch\" not defined");
	expect_parse_fail("{{.Name}}{{if false}}{{.Name | }}{{end}}", "missing value for command");
	expect_parse_fail("{{range .List}}{{else}}{{\"open}}{{end}}", "unterminated string");
	expect_parse_fail("{{with .Name}}{{len (nosuch)}}{{end}}",
			  "function \"nosuch\" not defined");
	expect_parse_fail("{{$x := }}", "missing value for command");
	expect_parse_fail("{{if}}x{{end}}", "missing value for command");
	/* and what is fine stays fine */
	expect("{{if false}}{{json .Name | upper}}{{else}}ok{{end}}", "ok");
}

static void flags(void **state)
{
	bool d = false, i = false, t = false, rm = true;
	const char *name = NULL;
	long n = 0;
	struct flag_list env = {0};
	const struct flag f[] = {
	    {"detach", 'd', FLAG_BOOL, &d, "x"},  {"interactive", 'i', FLAG_BOOL, &i, "x"},
	    {"tty", 't', FLAG_BOOL, &t, "x"},     {"rm", 0, FLAG_BOOL, &rm, "x"},
	    {"name", 0, FLAG_STRING, &name, "x"}, {"env", 'e', FLAG_LIST, &env, "x"},
	    {"count", 'n', FLAG_INT, &n, "x"},    FLAG_END};
	const struct flag_cmd cmd = {"berth run", "", "", false};
	char *argv[] = {"-it",        "--name=web", "-eA=1", "-e",           "B=2",
			"--rm=false", "-n7",        "image", "--not-a-flag", "-d"};
	const char **pos = NULL;
	int np = flags_parse(&cmd, f, 10, argv, &pos);
	assert_int_equal(np, 3);
	assert_true(i && t && !d && !rm);
	assert_string_equal(name, "web");
	assert_int_equal(env.n, 2);
	assert_string_equal(env.v[1], "B=2");
	assert_int_equal(n, 7);
	assert_string_equal(pos[0], "image");
	assert_string_equal(pos[1], "--not-a-flag"); /* the command's own arguments */
	free(pos);
	flag_list_free(&env);
	const struct flag_cmd inter = {"berth images", "", "", true};
	char *argv2[] = {"x", "-d", "--", "-y"};
	np = flags_parse(&inter, f, 4, argv2, &pos);
	assert_int_equal(np, 2);
	assert_true(d);
	assert_string_equal(pos[1], "-y");
	free(pos);
	char *bad[] = {"--bogus"};
	assert_int_equal(flags_parse(&inter, f, 1, bad, &pos), -1);
	char *bad2[] = {"-iz"};
	assert_int_equal(flags_parse(&inter, f, 1, bad2, &pos), -1);
	char *bad3[] = {"--name"};
	assert_int_equal(flags_parse(&inter, f, 1, bad3, &pos), -1);
	char *bad4[] = {"-n", "seven"};
	assert_int_equal(flags_parse(&inter, f, 2, bad4, &pos), -1);
}

static void sizes_and_ages(void **state)
{
	char b[48];
	assert_string_equal(out_size(0, b), "0B");
	assert_string_equal(out_size(999, b), "999B");
	assert_string_equal(out_size(4261345, b), "4.26MB");
	assert_string_equal(out_size(100000000, b), "100MB");
	assert_string_equal(out_size(1500000000, b), "1.5GB");
	time_t now = time(NULL);
	assert_string_equal(out_since(now, b), "Less than a second ago");
	assert_string_equal(out_since(now - 45, b), "45 seconds ago");
	assert_string_equal(out_since(now - 90, b), "About a minute ago");
	assert_string_equal(out_since(now - 3 * 3600, b), "3 hours ago");
	assert_string_equal(out_since(now - 10 * 86400, b), "10 days ago");
	assert_string_equal(out_since(now - 90 * 86400, b), "3 months ago");
	assert_int_equal(out_parse_time("2026-01-01T00:00:00Z"), 1767225600);
	assert_int_equal(out_parse_time("2026-01-01T01:00:00.123456789+01:00"), 1767225600);
	assert_int_equal(out_parse_time("garbage"), 0);
}

static void prune_filters(void **state)
{
	const char *v[] = {"label=a", "label!=b=2", "until=2026-01-01T00:00:00Z"};
	struct flag_list l = {.v = v, .n = 3};
	struct prune_filter f;
	assert_int_equal(prune_filter_parse(&l, true, &f), 0);
	json_t *lab = json_pack("{s:s, s:s}", "a", "x", "b", "1");
	assert_true(prune_filter_match(&f, "2025-06-01T10:00:00.5Z", lab));
	assert_false(prune_filter_match(&f, "2026-06-01T10:00:00Z", lab)); /* after until */
	assert_false(prune_filter_match(&f, NULL, lab));                   /* no time: kept */
	json_object_set_new(lab, "b", json_string("2"));
	assert_false(prune_filter_match(&f, "2025-06-01T10:00:00Z", lab)); /* has b=2 */
	json_object_del(lab, "a");
	json_object_set_new(lab, "b", json_string("1"));
	assert_false(prune_filter_match(&f, "2025-06-01T10:00:00Z", lab)); /* lacks a */
	prune_filter_free(&f);
	json_decref(lab);
	const char *bad[][1] = {{"nosuch=1"}, {"label="}, {"until=later"}, {"until=1h"}};
	for (int i = 0; i < 4; i++) {
		struct flag_list b = {.v = bad[i], .n = 1};
		assert_int_equal(prune_filter_parse(&b, i != 3, &f), 125);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(values),    cmocka_unit_test(control),
	    cmocka_unit_test(variables), cmocka_unit_test(prune_filters),
	    cmocka_unit_test(errors),    cmocka_unit_test(parse_checks_every_branch),
	    cmocka_unit_test(flags),     cmocka_unit_test(sizes_and_ages),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
