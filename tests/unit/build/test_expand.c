/* Variable substitution (build/expand.c, build/shpattern.c) and which words each instruction
 * substitutes. The tables are BuildKit's shell lexer test data (moby/buildkit
 * frontend/dockerfile/shell/{envVarTest,wordsTest,lex_test.go}), taken verbatim; more cases
 * come from the examples of Docker's Dockerfile reference ("Environment replacement", ENV,
 * here-documents). */
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

#include "build/dockerfile.h"
#include "build/expand.h"
#include "build/shpattern.h"
#include "build/text.h"
#include "util/err.h"
#include "util/json.h"
#include "util/strbuf.h"

/* moby/buildkit frontend/dockerfile/shell/envVarTest (the lines for all platforms and Unix),
 * with PWD=/home SHELL=bash KOREAN=한국어 NULL= as TestShellParser4EnvVars sets them;
 * NULL: an error. */
static const struct {
	const char *in, *want;
} env_var_test[] = {
    {"hello", "hello"},
    {"he'll'o", "hello"},
    {"he'llo", NULL},
    {"he\\'llo", "he'llo"},
    {"he\\\\'llo", NULL},
    {"abc\\tdef", "abctdef"},
    {"\"abc\\tdef\"", "abc\\tdef"},
    {"\"abc\\\\tdef\"", "abc\\tdef"},
    {"'abc\\tdef'", "abc\\tdef"},
    {"hello\\", "hello"},
    {"hello\\\\", "hello\\"},
    {"\"hello", NULL},
    {"\"hello\\\"", NULL},
    {"\"hel'lo\"", "hel'lo"},
    {"'hello", NULL},
    {"'hello\\'", "hello\\"},
    {"'hello\\there'", "hello\\there"},
    {"'hello\\\\there'", "hello\\\\there"},
    {"\"''\"", "''"},
    {"$.", "$."},
    {"he$1x", "hex"},
    {"he$.x", "he$.x"},
    {"he$pwd.", "he."},
    {"he$PWD", "he/home"},
    {"he\\$PWD", "he$PWD"},
    {"he\\\\$PWD", "he\\/home"},
    {"\"he\\$PWD\"", "he$PWD"},
    {"\"he\\\\$PWD\"", "he\\/home"},
    {"\\${}", "${}"},
    {"\\${}aaa", "${}aaa"},
    {"he\\${}", "he${}"},
    {"he\\${}xx", "he${}xx"},
    {"${}", NULL},
    {"${}aaa", NULL},
    {"he${}", NULL},
    {"he${}xx", NULL},
    {"he${hi}", "he"},
    {"he${hi}xx", "hexx"},
    {"he${PWD}", "he/home"},
    {"he${.}", NULL},
    {"he${XXX:-000}xx", "he000xx"},
    {"he${PWD:-000}xx", "he/homexx"},
    {"he${XXX:-$PWD}xx", "he/homexx"},
    {"he${XXX:-${PWD:-yyy}}xx", "he/homexx"},
    {"he${XXX:-${YYY:-yyy}}xx", "heyyyxx"},
    {"he${XXX:YYY}", NULL},
    {"he${XXX?}", NULL},
    {"he${XXX:?}", NULL},
    {"he${PWD?}", "he/home"},
    {"he${PWD:?}", "he/home"},
    {"he${NULL?}", "he"},
    {"he${NULL:?}", NULL},
    {"he${XXX:+${PWD}}xx", "hexx"},
    {"he${PWD:+${XXX}}xx", "hexx"},
    {"he${PWD:+${SHELL}}xx", "hebashxx"},
    {"he${XXX:+000}xx", "hexx"},
    {"he${PWD:+000}xx", "he000xx"},
    {"'he${XX}'", "he${XX}"},
    {"\"he${PWD}\"", "he/home"},
    {"\"he'$PWD'\"", "he'/home'"},
    {"\"$PWD\"", "/home"},
    {"'$PWD'", "$PWD"},
    {"'\\$PWD'", "\\$PWD"},
    {"'\"hello\"'", "\"hello\""},
    {"he\\$PWD", "he$PWD"},
    {"\"he\\$PWD\"", "he$PWD"},
    {"'he\\$PWD'", "he\\$PWD"},
    {"he${PWD", NULL},
    {"he${PWD:=000}xx", NULL},
    {"he${PWD:+${PWD}:}xx", "he/home:xx"},
    {"he${XXX:-\\$PWD:}xx", "he$PWD:xx"},
    {"he${XXX:-\\${PWD}z}xx", "he${PWDz}xx"},
    {"안녕하세요", "안녕하세요"},
    {"안'녕'하세요", "안녕하세요"},
    {"안'녕하세요", NULL},
    {"안녕\\'하세요", "안녕'하세요"},
    {"안\\\\'녕하세요", NULL},
    {"안녕\\t하세요", "안녕t하세요"},
    {"\"안녕\\t하세요\"", "안녕\\t하세요"},
    {"'안녕\\t하세요", NULL},
    {"안녕하세요\\", "안녕하세요"},
    {"안녕하세요\\\\", "안녕하세요\\"},
    {"\"안녕하세요", NULL},
    {"\"안녕하세요\\\"", NULL},
    {"\"안녕'하세요\"", "안녕'하세요"},
    {"'안녕하세요", NULL},
    {"'안녕하세요\\'", "안녕하세요\\"},
    {"안녕$1x", "안녕x"},
    {"안녕$.x", "안녕$.x"},
    {"안녕$pwd.", "안녕."},
    {"안녕$PWD", "안녕/home"},
    {"안녕\\$PWD", "안녕$PWD"},
    {"안녕\\\\$PWD", "안녕\\/home"},
    {"안녕\\${}", "안녕${}"},
    {"안녕\\${}xx", "안녕${}xx"},
    {"안녕${}", NULL},
    {"안녕${}xx", NULL},
    {"안녕${hi}", "안녕"},
    {"안녕${hi}xx", "안녕xx"},
    {"안녕${PWD}", "안녕/home"},
    {"안녕${.}", NULL},
    {"안녕${XXX:-000}xx", "안녕000xx"},
    {"안녕${PWD:-000}xx", "안녕/homexx"},
    {"안녕${XXX:-$PWD}xx", "안녕/homexx"},
    {"안녕${XXX:-${PWD:-yyy}}xx", "안녕/homexx"},
    {"안녕${XXX:-${YYY:-yyy}}xx", "안녕yyyxx"},
    {"안녕${XXX:YYY}", NULL},
    {"안녕${XXX:+${PWD}}xx", "안녕xx"},
    {"안녕${PWD:+${XXX}}xx", "안녕xx"},
    {"안녕${PWD:+${SHELL}}xx", "안녕bashxx"},
    {"안녕${XXX:+000}xx", "안녕xx"},
    {"안녕${PWD:+000}xx", "안녕000xx"},
    {"'안녕${XX}'", "안녕${XX}"},
    {"\"안녕${PWD}\"", "안녕/home"},
    {"\"안녕'$PWD'\"", "안녕'/home'"},
    {"'\"안녕\"'", "\"안녕\""},
    {"안녕\\$PWD", "안녕$PWD"},
    {"\"안녕\\$PWD\"", "안녕$PWD"},
    {"'안녕\\$PWD'", "안녕\\$PWD"},
    {"안녕${PWD", NULL},
    {"안녕${PWD:=000}xx", NULL},
    {"안녕${PWD:+${PWD}:}xx", "안녕/home:xx"},
    {"안녕${XXX:-\\$PWD:}xx", "안녕$PWD:xx"},
    {"안녕${XXX:-\\${PWD}z}xx", "안녕${PWDz}xx"},
    {"$KOREAN", "한국어"},
    {"안녕$KOREAN", "안녕한국어"},
    {"${{aaa}", NULL},
    {"${aaa}}", "}"},
    {"${aaa", NULL},
    {"${{aaa:-bbb}", NULL},
    {"${aaa:-bbb}}", "bbb}"},
    {"${aaa:-bbb", NULL},
    {"${aaa:-bbb}", "bbb"},
    {"${aaa:-${bbb:-ccc}}", "ccc"},
    {"${aaa:-bbb ${foo}", NULL},
    {"${aaa:-bbb {foo}", "bbb {foo"},
    {"${:}", NULL},
    {"${:-bbb}", NULL},
    {"${:+bbb}", NULL},
    {"$1", ""},
    {"${1}", ""},
    {"${1:+bbb}", ""},
    {"${1:-bbb}", "bbb"},
    {"$2", ""},
    {"${2}", ""},
    {"${2:+bbb}", ""},
    {"${2:-bbb}", "bbb"},
    {"$3", ""},
    {"${3}", ""},
    {"${3:+bbb}", ""},
    {"${3:-bbb}", "bbb"},
    {"$4", ""},
    {"${4}", ""},
    {"${4:+bbb}", ""},
    {"${4:-bbb}", "bbb"},
    {"$5", ""},
    {"${5}", ""},
    {"${5:+bbb}", ""},
    {"${5:-bbb}", "bbb"},
    {"$6", ""},
    {"${6}", ""},
    {"${6:+bbb}", ""},
    {"${6:-bbb}", "bbb"},
    {"$7", ""},
    {"${7}", ""},
    {"${7:+bbb}", ""},
    {"${7:-bbb}", "bbb"},
    {"$8", ""},
    {"${8}", ""},
    {"${8:+bbb}", ""},
    {"${8:-bbb}", "bbb"},
    {"$9", ""},
    {"${9}", ""},
    {"${9:+bbb}", ""},
    {"${9:-bbb}", "bbb"},
    {"$999", ""},
    {"${999}", ""},
    {"${999:+bbb}", ""},
    {"${999:-bbb}", "bbb"},
    {"$999aaa", "aaa"},
    {"${999}aaa", "aaa"},
    {"${999:+bbb}aaa", "aaa"},
    {"${999:-bbb}aaa", "bbbaaa"},
    {"$001", ""},
    {"${001}", ""},
    {"${001:+bbb}", ""},
    {"${001:-bbb}", "bbb"},
    {"$001aaa", "aaa"},
    {"${001}aaa", "aaa"},
    {"${001:+bbb}aaa", "aaa"},
    {"${001:-bbb}aaa", "bbbaaa"},
    {"$@", ""},
    {"${@}", ""},
    {"${@:+bbb}", ""},
    {"${@:-bbb}", "bbb"},
    {"$@@@", "@@"},
    {"$@aaa", "aaa"},
    {"${@}aaa", "aaa"},
    {"${@:+bbb}aaa", "aaa"},
    {"${@:-bbb}aaa", "bbbaaa"},
    {"$*", ""},
    {"${*}", ""},
    {"${*:+bbb}", ""},
    {"${*:-bbb}", "bbb"},
    {"$#", ""},
    {"${#}", ""},
    {"${#:+bbb}", ""},
    {"${#:-bbb}", "bbb"},
    {"$?", ""},
    {"${?}", ""},
    {"${?:+bbb}", ""},
    {"${?:-bbb}", "bbb"},
    {"$-", ""},
    {"${-}", ""},
    {"${-:+bbb}", ""},
    {"${-:-bbb}", "bbb"},
    {"$$", ""},
    {"${$}", ""},
    {"${$:+bbb}", ""},
    {"${$:-bbb}", "bbb"},
    {"$!", ""},
    {"${!}", ""},
    {"${!:+bbb}", ""},
    {"${!:-bbb}", "bbb"},
    {"$0", ""},
    {"${0}", ""},
    {"${0:+bbb}", ""},
    {"${0:-bbb}", "bbb"},
};

/* moby/buildkit frontend/dockerfile/shell/wordsTest: "ENV k=v" rows add to the variables,
 * the others list the words, comma-separated ("error": an error). */
static const struct {
	const char *in, *want;
} words_test[] = {
    {"hello", "hello"},
    {"hello${hi}bye", "hellobye"},
    {"ENV hi=hi", NULL},
    {"hello${hi}bye", "hellohibye"},
    {"ENV space=abc  def", NULL},
    {"hello${space}bye", "helloabc,defbye"},
    {"hello\"${space}\"bye", "helloabc  defbye"},
    {"hello \"${space}\"bye", "hello,abc  defbye"},
    {"ENV leading=  ab c", NULL},
    {"hello${leading}def", "hello,ab,cdef"},
    {"hello\"${leading}\" def", "hello  ab c,def"},
    {"hello\"${leading}\"", "hello  ab c"},
    {"hello${leading}", "hello,ab,c"},
    {"ENV trailing=ab c   ", NULL},
    {"hello${trailing}", "helloab,c"},
    {"hello${trailing}d", "helloab,c,d"},
    {"hello\"${trailing}\"d", "helloab c   d"},
    {"hel\"lo${trailing}\"", "helloab c   "},
    {"hello\" there  \"", "hello there  "},
    {"hello there", "hello,there"},
    {"hello\\ there", "hello there"},
    {"hello\" there", "error"},
    {"hello\\\" there", "hello\",there"},
    {"hello\"\\\\there\"", "hello\\there"},
    {"hello\"\\there\"", "hello\\there"},
    {"hello'\\\\there'", "hello\\\\there"},
    {"hello'\\there'", "hello\\there"},
    {"hello'$there'", "hello$there"},
};

/* moby/buildkit frontend/dockerfile/shell/lex_test.go TestProcessWithMatches: input, variables
 * (name, value, ..., NULL), result (NULL: an error). */
static const struct {
	const char *in, *env[8], *want;
} matches_test[] = {
    {"x", {"DUMMY", "dummy", NULL}, "x"},
    {"x ${UNUSED}", {"DUMMY", "dummy", NULL}, "x "},
    {"x ${FOO}", {"FOO", "y", NULL}, "x y"},
    {"${FOO-aaa} ${BAR-bbb} ${BAZ-ccc}", {"FOO", "xxx", "BAR", "", NULL}, "xxx  ccc"},
    {"${FOO:-aaa} ${BAR:-bbb} ${BAZ:-ccc}", {"FOO", "xxx", "BAR", "", NULL}, "xxx bbb ccc"},
    {"${FOO:-}", {"FOO", "xxx", "BAR", "", NULL}, "xxx"},
    {"${FOO:-}", {NULL}, ""},
    {"${FOO+aaa} ${BAR+bbb} ${BAZ+ccc}", {"FOO", "xxx", "BAR", "", NULL}, "aaa bbb "},
    {"${FOO:+aaa} ${BAR:+bbb} ${BAZ:+ccc}", {"FOO", "xxx", "BAR", "", NULL}, "aaa  "},
    {"${FOO?aaa}", {"FOO", "xxx", "BAR", "", NULL}, "xxx"},
    {"${BAR?bbb}", {"FOO", "xxx", "BAR", "", NULL}, ""},
    {"${BAZ?ccc}", {"FOO", "xxx", "BAR", "", NULL}, NULL},
    {"${FOO:?aaa}", {"FOO", "xxx", "BAR", "", NULL}, "xxx"},
    {"${BAR:?bbb}", {"FOO", "xxx", "BAR", "", NULL}, NULL},
    {"${BAZ:?ccc}", {"FOO", "xxx", "BAR", "", NULL}, NULL},
    {"${BAZ:?}", {"FOO", "xxx", "BAR", "", NULL}, NULL},
    {"${FOO=aaa}", {"FOO", "xxx", "BAR", "", NULL}, NULL},
    {"${FOO=:aaa}", {"FOO", "xxx", "BAR", "", NULL}, NULL},
    {"${FOO=}", {NULL}, NULL},
    {"${FOO#()[]{\\}^$.\\*\\?|\\\\}", {"FOO", "()[]{}^$.*?|\\x", NULL}, "x"},
    {"${FOO%%\\**}", {"FOO", "xx**", NULL}, "xx"},
    {"${FOO#*x*y}", {"FOO", "xxyy", NULL}, "y"},
    {"${FOO#*}", {"FOO", "xxyy", NULL}, "xxyy"},
    {"${FOO#$BAR}", {"FOO", "xxyy", "BAR", "x", NULL}, "xyy"},
    {"${FOO#$BAR}", {"FOO", "xxyy", "BAR", "", NULL}, "xxyy"},
    {"${FOO#}", {"FOO", "xxyy", NULL}, "xxyy"},
    {"${FOO##*x}", {"FOO", "xxyy", NULL}, "yy"},
    {"${FOO##}", {"FOO", "xxyy", NULL}, "xxyy"},
    {"${FOO#?\\?}", {"FOO", "???y", NULL}, "?y"},
    {"${ABC:-.}${FOO%x}${ABC:-.}", {"FOO", "xxyy", NULL}, ".xxyy."},
    {"${FOO%%\\**\\*}", {"FOO", "a***yy*", NULL}, "a"},
    {"${FOO%}", {"FOO", "xxyy", NULL}, "xxyy"},
    {"${FOO%%$BAR}", {"FOO", "xxyy", "BAR", "", NULL}, "xxyy"},
    {"${FOO:#}", {NULL}, NULL},
    {"${FOO:##}", {NULL}, NULL},
    {"${FOO:%}", {NULL}, NULL},
    {"${FOO:%%}", {NULL}, NULL},
    {"${FOO/$NEEDLE/.} - ${FOO//$NEEDLE/.}",
     {"FOO", "/foo*/*/*.txt", "NEEDLE", "\\*/", NULL},
     "/foo.*/*.txt - /foo..*.txt"},
    {"${FOO/$NEEDLE/} - ${FOO//$NEEDLE/}",
     {"FOO", "/tmp/tmp/bar.txt", "NEEDLE", "/tmp", NULL},
     "/tmp/bar.txt - /bar.txt"},
    {"${FOO/$NEEDLE/$REPLACEMENT} - ${FOO//$NEEDLE/$REPLACEMENT}",
     {"FOO", "/a/foo/b/c.txt", "NEEDLE", "/?/", "REPLACEMENT", "/", NULL},
     "/foo/b/c.txt - /foo/c.txt"},
    {"${FOO/$NEEDLE/$REPLACEMENT}",
     {"FOO", "http://google.de", "NEEDLE", "http://", "REPLACEMENT", "https://", NULL},
     "https://google.de"},
    {"${FOO//\\//\\/}", {"FOO", "/tmp/foo.txt", NULL}, "\\/tmp\\/foo.txt"},
    {"${FOO/$BAR/ww}", {"FOO", "xxyy", "BAR", "", NULL}, "wwxxyy"},
    {"${FOO//ww}", {"FOO", "xxyy", NULL}, NULL},
    {"${FOO//}", {"FOO", "xxyy", NULL}, NULL},
    {"${FOO///}", {"FOO", "xxyy", NULL}, "xxyy"},
    {"${FOO///}", {NULL}, ""},
};

static struct bld_env env_of(const char *const *kv)
{
	struct bld_env env = {0};
	for (size_t i = 0; kv[i]; i += 2)
		bld_env_set(&env, kv[i], kv[i + 1]);
	return env;
}

/* want NULL: an error is expected. */
static void check_word(struct bld_env *env, char escape, const char *in, const char *want)
{
	struct bld_expand x = {.escape = escape, .lookup = bld_env_lookup, .ctx = env};
	char *got = NULL;
	struct berr *err = NULL;
	int r = bld_expand_word(&x, in, &got, &err);
	if (!want && r == 0)
		fail_msg("'%s' gave '%s', want an error", in, got);
	if (want && r < 0) {
		char *msg = berr_string(err);
		fail_msg("'%s': %s", in, msg);
	}
	if (want && strcmp(got, want))
		fail_msg("'%s' gave '%s', want '%s'", in, got, want);
	free(got);
	berr_free(err);
}

static char *joined(char **v)
{
	struct strbuf b = {0};
	for (size_t i = 0; v[i]; i++) {
		if (i)
			strbuf_addc(&b, ',');
		strbuf_add(&b, v[i], strlen(v[i]));
	}
	return strbuf_take(&b);
}

static void check_words(struct bld_env *env, const char *in, const char *want)
{
	struct bld_expand x = {.escape = '\\', .lookup = bld_env_lookup, .ctx = env};
	char **got = NULL;
	struct berr *err = NULL;
	char *s = bld_expand_words(&x, in, &got, &err) < 0 ? strdup("error") : joined(got);
	if (strcmp(s, want))
		fail_msg("'%s' gave '%s', want '%s'", in, s, want);
	free(s);
	strv_free(got);
	berr_free(err);
}

static void buildkit_env_var_test(void **state)
{
	(void)state;
	const char *kv[] = {"PWD", "/home", "SHELL", "bash", "KOREAN", "한국어", "NULL", "", NULL};
	struct bld_env env = env_of(kv);
	for (size_t i = 0; i < sizeof(env_var_test) / sizeof(env_var_test[0]); i++)
		check_word(&env, '\\', env_var_test[i].in, env_var_test[i].want);
	bld_env_clear(&env);
}

static void buildkit_words_test(void **state)
{
	(void)state;
	struct bld_env env = {0};
	for (size_t i = 0; i < sizeof(words_test) / sizeof(words_test[0]); i++) {
		const char *in = words_test[i].in;
		if (!words_test[i].want) {
			const char *eq = strchr(in + 4, '=');
			char *key = strndup(in + 4, (size_t)(eq - in - 4));
			bld_env_set(&env, key, eq + 1);
			free(key);
			continue;
		}
		check_words(&env, in, words_test[i].want);
	}
	bld_env_clear(&env);
}

static void buildkit_process_with_matches(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(matches_test) / sizeof(matches_test[0]); i++) {
		struct bld_env env = env_of(matches_test[i].env);
		check_word(&env, '\\', matches_test[i].in, matches_test[i].want);
		bld_env_clear(&env);
	}
}

/* lex_test.go TestShellParserMandatoryEnvVars and TestProcessWithMatchesPlatform */
static void buildkit_mandatory_and_platform(void **state)
{
	(void)state;
	const char *set[] = {"VAR", "plain", "ARG", "x", NULL};
	const char *empty[] = {"VAR", "", "ARG", "x", NULL};
	const char *unset[] = {"ARG", "x", NULL};
	struct bld_env e1 = env_of(set), e2 = env_of(empty), e3 = env_of(unset);
	check_word(&e1, '\\', "${VAR:?message here$ARG}", "plain");
	check_word(&e2, '\\', "${VAR:?message here$ARG}", NULL);
	check_word(&e3, '\\', "${VAR:?message here$ARG}", NULL);
	check_word(&e1, '\\', "${VAR?message here$ARG}", "plain");
	check_word(&e2, '\\', "${VAR?message here$ARG}", "");
	check_word(&e3, '\\', "${VAR?message here$ARG}", NULL);
	struct bld_expand x = {.escape = '\\', .lookup = bld_env_lookup, .ctx = &e3};
	char *out = NULL;
	struct berr *err = NULL;
	assert_true(bld_expand_word(&x, "${VAR:?message here$ARG}", &out, &err) < 0);
	char *msg = berr_string(err);
	assert_string_equal(msg,
			    "failed to process '${VAR:?message here$ARG}': VAR: message herex");
	free(msg);
	berr_clear(&err);
	assert_true(bld_expand_word(&x, "${VAR?}", &out, &err) < 0);
	msg = berr_string(err);
	assert_non_null(strstr(msg, "VAR: is not allowed to be unset"));
	free(msg);
	berr_clear(&err);
	x.ctx = &e2;
	assert_true(bld_expand_word(&x, "${VAR:?}", &out, &err) < 0);
	msg = berr_string(err);
	assert_non_null(strstr(msg, "VAR: is not allowed to be empty"));
	free(msg);
	berr_clear(&err);
	bld_env_clear(&e1);
	bld_env_clear(&e2);
	bld_env_clear(&e3);

	const char *release = "something-${VERSION}.${TARGETOS}-${TARGETARCH}"
			      "${TARGETVARIANT:+-${TARGETVARIANT}}.tar.gz";
	const char *arm[] = {"VERSION", "v1.2.3",        "TARGETOS", "linux", "TARGETARCH",
			     "arm",     "TARGETVARIANT", "v7",       NULL};
	const char *arm64[] = {"VERSION", "v1.2.3",        "TARGETOS", "linux", "TARGETARCH",
			       "arm64",   "TARGETVARIANT", "",         NULL};
	const char *arm64_unset[] = {"VERSION",    "v1.2.3", "TARGETOS", "linux",
				     "TARGETARCH", "arm64",  NULL};
	struct bld_env a = env_of(arm), b = env_of(arm64), c = env_of(arm64_unset);
	check_word(&a, '\\', release, "something-v1.2.3.linux-arm-v7.tar.gz");
	check_word(&b, '\\', release, "something-v1.2.3.linux-arm64.tar.gz");
	check_word(&c, '\\', release, "something-v1.2.3.linux-arm64.tar.gz");
	bld_env_clear(&a);
	bld_env_clear(&b);
	bld_env_clear(&c);
}

/* The pattern forms as the reference shows them (bash's own examples), then ours: leftmost
 * first, ? one rune, no newline for * or ?, templates in ${x//p/r} only from values (the lexer
 * takes every $ of the word itself). want NULL: an error. */
static const struct {
	const char *in, *want;
} pattern_cases[] = {
    {"${str#f*b}", "arbaz"},
    {"${str##f*b}", "az"},
    {"${string%b*}", "foobar"},
    {"${string%%b*}", "foo"},
    {"${string/ba/fo}", "fooforbaz"},
    {"${string//ba/fo}", "fooforfoz"},
    {"${u#a?b}", "☺c"},
    {"${u%?c}", "a☺b"},
    {"${u//☺/-}", "a-b-c"},
    {"${nl#*/}", "a\nb/c"},
    {"${nl#a?b}", "a\nb/c"},
    {"${nl//?/.}", ".\n..."},
    {"${path//\\//$R0}", "[/]usr[/]local[/]bin"},
    {"${path//o/$R1}", "/usr/l$cal/bin"},
    {"${path//o/$R2}", "/usr/lx$cal/bin"},
    {"${path/o/$R0}", "/usr/l[$0]cal/bin"},
    {"${path//o/$0}", "/usr/lcal/bin"},
    {"${path//*/x}", "x"},
    {"${path//?()/x}", "/usr/local/bin"},
    {"${path//s*/x}", "/ux"},
    {"${path##*/}", "bin"},
    {"${path%/*}", "/usr/local"},
    {"${path%%/*}", ""},
    {"${unset#*}", ""},
    {"${unset//x/y}", ""},
    {"${unset/*/y}", "y"},
    {"${path#\\x}", NULL},
    {"${path:/x/y}", NULL},
    {"${path/x", NULL},
};

static void reference_patterns(void **state)
{
	(void)state;
	const char *kv[] = {"str", "foobarbaz", "string", "foobarbaz",      "u",  "a☺b☺c",
			    "nl",  "a\nb/c",    "path",   "/usr/local/bin", "R0", "[$0]",
			    "R1",  "$$",        "R2",     "${1}x$",         NULL};
	struct bld_env env = env_of(kv);
	for (size_t i = 0; i < sizeof(pattern_cases) / sizeof(pattern_cases[0]); i++)
		check_word(&env, '\\', pattern_cases[i].in, pattern_cases[i].want);
	bld_env_clear(&env);
}

/* "Environment replacement" and ENV in the reference, through bld_instr_expand. */
static struct bld_file *parse(const char *text)
{
	struct berr *err = NULL;
	struct bld_file *f = bld_file_parse("Containerfile", text, strlen(text), &err);
	if (!f) {
		char *msg = berr_string(err);
		fail_msg("%s", msg);
	}
	return f;
}

static struct bld_instr expand(const struct bld_instr *in, struct bld_env *env, char escape)
{
	struct bld_expand x = {.escape = escape, .lookup = bld_env_lookup, .ctx = env};
	struct bld_instr out;
	struct berr *err = NULL;
	if (bld_instr_expand(in, &x, &out, &err) < 0) {
		char *msg = berr_string(err);
		fail_msg("%s: %s", in->original, msg);
	}
	return out;
}

static void expect_expand_error(const struct bld_instr *in, struct bld_env *env, const char *want)
{
	struct bld_expand x = {.escape = '\\', .lookup = bld_env_lookup, .ctx = env};
	struct bld_instr out;
	struct berr *err = NULL;
	if (bld_instr_expand(in, &x, &out, &err) == 0)
		fail_msg("%s: expanded", in->original);
	char *msg = berr_string(err);
	if (!strstr(msg, want))
		fail_msg("%s: '%s' lacks '%s'", in->original, msg, want);
	free(msg);
	berr_free(err);
}

static void reference_instructions(void **state)
{
	(void)state;
	struct bld_file *f = parse("FROM busybox\n"
				   "ENV FOO=/bar\n"
				   "WORKDIR ${FOO}   \n"
				   "ADD . $FOO\n"
				   "COPY \\$FOO /quux\n"
				   "ENV abc=hello\n"
				   "ENV abc=bye def=$abc\n"
				   "ENV ghi=$abc\n"
				   "ENV MY_NAME=\"John Doe\" MY_DOG=Rex\\ The\\ Dog \\\n"
				   "    MY_CAT=fluffy\n"
				   "LABEL \"com.example.vendor\"=\"ACME Incorporated\" $K=\"$V\"\n"
				   "ENV ONE TWO= THREE=world\n");
	struct bld_instr *in = f->stages[0].instrs;
	struct bld_env env = {0};
	bld_env_set(&env, "FOO", "/bar");
	struct bld_instr o = expand(&in[1], &env, '\\');
	assert_string_equal(o.args[0], "/bar");
	bld_instr_clear(&o);
	o = expand(&in[2], &env, '\\');
	assert_string_equal(o.args[0], ".");
	assert_string_equal(o.args[1], "/bar");
	bld_instr_clear(&o);
	o = expand(&in[3], &env, '\\');
	assert_string_equal(o.args[0], "$FOO");
	bld_instr_clear(&o);
	/* "the same value for each variable throughout the entire instruction" */
	bld_env_set(&env, "abc", "hello");
	o = expand(&in[5], &env, '\\');
	assert_string_equal(o.pairs[1].value, "hello");
	bld_instr_clear(&o);
	bld_env_set(&env, "abc", "bye");
	o = expand(&in[6], &env, '\\');
	assert_string_equal(o.pairs[0].value, "bye");
	bld_instr_clear(&o);
	o = expand(&in[7], &env, '\\');
	assert_string_equal(o.pairs[0].value, "John Doe");
	assert_string_equal(o.pairs[1].value, "Rex The Dog");
	assert_string_equal(o.pairs[2].value, "fluffy");
	bld_instr_clear(&o);
	bld_env_set(&env, "K", "version");
	bld_env_set(&env, "V", "1 0");
	o = expand(&in[8], &env, '\\');
	assert_string_equal(o.pairs[0].key, "com.example.vendor");
	assert_string_equal(o.pairs[0].value, "ACME Incorporated");
	assert_string_equal(o.pairs[1].key, "version");
	assert_string_equal(o.pairs[1].value, "1 0");
	bld_instr_clear(&o);
	o = expand(&in[9], &env, '\\');
	assert_string_equal(o.pairs[0].key, "ONE");
	assert_string_equal(o.pairs[0].value, "TWO= THREE=world");
	bld_instr_clear(&o);
	bld_env_clear(&env);
	bld_file_free(f);
}

static void instruction_words(void **state)
{
	(void)state;
	struct bld_file *f =
	    parse("ARG TAG=1 PLAT\n"
		  "FROM --platform=$PLAT img:$TAG AS b\n"
		  "EXPOSE $PORTS 53/udp \"$ONE\"\n"
		  "VOLUME $V \"/x\"\n"
		  "USER $U:$G\n"
		  "STOPSIGNAL SIG$S\n"
		  "ARG A=$U B\n"
		  "COPY --chown=$U:$G --chmod=$M --from=b --exclude=$U <<EOF <<'RAW' /src/$U /d/\n"
		  "hello \"$U\" \\$U ${U:-x}\n"
		  "EOF\n"
		  "no $U\n"
		  "RAW\n"
		  "ADD --checksum=sha256:$S --link $U /\n"
		  "RUN echo $U\n"
		  "CMD [\"$U\"]\n"
		  "ENTRYPOINT $U\n"
		  "SHELL [\"$U\"]\n"
		  "HEALTHCHECK CMD $U\n"
		  "MAINTAINER $U\n"
		  "ONBUILD RUN $U\n"
		  "COPY --from=$U a b\n");
	struct bld_env env = {0};
	bld_env_set(&env, "TAG", "3.19");
	bld_env_set(&env, "PLAT", "linux/amd64");
	bld_env_set(&env, "PORTS", "80  443/tcp");
	bld_env_set(&env, "ONE", "1 2");
	bld_env_set(&env, "V", "/a /b");
	bld_env_set(&env, "U", "me");
	bld_env_set(&env, "G", "staff");
	bld_env_set(&env, "S", "KILL");
	bld_env_set(&env, "M", "0755");
	struct bld_instr o = expand(&f->meta_args[0], &env, '\\');
	assert_string_equal(o.pairs[0].key, "TAG");
	assert_string_equal(o.pairs[0].value, "1");
	bld_instr_clear(&o);
	o = expand(&f->stages[0].from, &env, '\\');
	assert_string_equal(o.args[0], "img:3.19");
	assert_string_equal(o.args[2], "b");
	assert_string_equal(bld_instr_flag(&o, "platform"), "linux/amd64");
	bld_instr_clear(&o);
	struct bld_instr *in = f->stages[0].instrs;
	o = expand(&in[0], &env, '\\');
	assert_int_equal(o.n_args, 4);
	assert_string_equal(o.args[0], "80");
	assert_string_equal(o.args[1], "443/tcp");
	assert_string_equal(o.args[2], "53/udp");
	assert_string_equal(o.args[3], "1 2");
	bld_instr_clear(&o);
	o = expand(&in[1], &env, '\\');
	assert_int_equal(o.n_args, 2);
	assert_string_equal(o.args[0], "/a /b"); /* one word: VOLUME splits before expanding */
	assert_string_equal(o.args[1], "/x");
	bld_instr_clear(&o);
	o = expand(&in[2], &env, '\\');
	assert_string_equal(o.args[0], "me:staff");
	bld_instr_clear(&o);
	o = expand(&in[3], &env, '\\');
	assert_string_equal(o.args[0], "SIGKILL");
	bld_instr_clear(&o);
	o = expand(&in[4], &env, '\\');
	assert_string_equal(o.pairs[0].key, "A");
	assert_string_equal(o.pairs[0].value, "me");
	assert_null(o.pairs[1].value);
	bld_instr_clear(&o);
	o = expand(&in[5], &env, '\\');
	assert_string_equal(bld_instr_flag(&o, "chown"), "me:staff");
	assert_string_equal(bld_instr_flag(&o, "chmod"), "0755");
	assert_string_equal(bld_instr_flag(&o, "exclude"), "$U"); /* BuildKit leaves it */
	assert_string_equal(o.args[0], "<<EOF");
	assert_string_equal(o.args[2], "/src/me");
	/* bodies: quotes are text, \ escapes, ${U:-x} works */
	assert_string_equal(o.heredocs[0].content, "hello \"me\" $U me\n");
	assert_string_equal(o.heredocs[1].content, "no $U\n");
	bld_instr_clear(&o);
	o = expand(&in[6], &env, '\\');
	assert_string_equal(bld_instr_flag(&o, "checksum"), "sha256:KILL");
	assert_string_equal(o.args[0], "me");
	bld_instr_clear(&o);
	/* not the builder's: RUN CMD ENTRYPOINT SHELL HEALTHCHECK MAINTAINER ONBUILD */
	for (size_t i = 7; i < 14; i++) {
		o = expand(&in[i], &env, '\\');
		const char *w = o.trigger ? o.trigger->args[0] : o.args[0];
		if (!strstr(w, "$U"))
			fail_msg("%s was expanded: %s", in[i].original, w);
		bld_instr_clear(&o);
	}
	expect_expand_error(&in[14], &env, "variable expansion is not supported for --from");
	bld_env_clear(&env);
	bld_file_free(f);
}

static void escape_backtick(void **state)
{
	(void)state;
	struct bld_env env = {0};
	bld_env_set(&env, "FOO", "/bar");
	check_word(&env, '`', "`$FOO", "$FOO");
	check_word(&env, '`', "c:\\$FOO", "c:\\/bar");
	check_word(&env, '`', "\"a`\"b\"", "a\"b");
	check_word(&env, '`', "\"a\\\"", "a\\");
	check_word(&env, '`', "a` b", "a b");
	struct bld_file *f = parse("# escape=`\nFROM x\nWORKDIR c:\\$FOO\\`$FOO\n");
	struct bld_instr o = expand(&f->stages[0].instrs[0], &env, f->escape);
	assert_string_equal(o.args[0], "c:\\/bar\\$FOO");
	bld_instr_clear(&o);
	bld_file_free(f);
	bld_env_clear(&env);
}

static void flags_and_unset(void **state)
{
	(void)state;
	/* BLD_EXPAND_KEEP_UNSET and the raw modes, as the here-document detection uses them */
	struct bld_env env = {0};
	bld_env_set(&env, "SET", "v");
	struct bld_expand x = {.escape = '\\',
			       .flags = BLD_EXPAND_KEEP_UNSET | BLD_EXPAND_RAW_QUOTES |
					BLD_EXPAND_RAW_ESCAPES,
			       .lookup = bld_env_lookup,
			       .ctx = &env};
	char *out = NULL;
	struct berr *err = NULL;
	assert_int_equal(
	    bld_expand_word(&x, "$SET $A ${B} ${C:-w} ${D/p/r} 'q' \"\\$\" \\x", &out, &err), 0);
	assert_string_equal(out, "v $A ${B} ${C:-w} ${D/p/r} 'q' \"\\$\" \\x");
	free(out);
	x.flags = BLD_EXPAND_NO_QUOTES;
	assert_int_equal(bld_expand_word(&x, "'$SET' \"$SET\"", &out, &err), 0);
	assert_string_equal(out, "'v' \"v\"");
	free(out);
	/* no lookup at all: everything unset */
	struct bld_expand none = {.escape = '\\'};
	assert_int_equal(bld_expand_word(&none, "a$SET${SET:-d}", &out, &err), 0);
	assert_string_equal(out, "ad");
	free(out);
	char **w = NULL;
	assert_int_equal(bld_expand_words(&none, "\"\" '' a\"\"b  << EOF", &w, &err), 0);
	char *j = joined(w);
	assert_string_equal(j, "ab,<< EOF");
	free(j);
	strv_free(w);
	bld_env_clear(&env);
}

static void limits(void **state)
{
	(void)state;
	struct bld_env env = {0};
	char *big = malloc(BLD_EXPAND_MAX / 2 + 2);
	memset(big, 'a', BLD_EXPAND_MAX / 2 + 1);
	big[BLD_EXPAND_MAX / 2 + 1] = '\0';
	bld_env_set(&env, "BIG", big);
	free(big);
	check_word(&env, '\\', "$BIG$BIG", NULL);
	check_word(&env, '\\', "${BIG//a/aa}", NULL);
	check_word(&env, '\\', "${BIG##*a}", "");

	struct strbuf b = {0};
	for (size_t i = 0; i <= BLD_EXPAND_DEPTH; i++)
		strbuf_add(&b, "${x:-", 5);
	for (size_t i = 0; i <= BLD_EXPAND_DEPTH; i++)
		strbuf_addc(&b, '}');
	check_word(&env, '\\', b.s, NULL);
	strbuf_clear(&b);
	for (size_t i = 0; i < BLD_EXPAND_DEPTH - 1; i++)
		strbuf_add(&b, "${x:-", 5);
	strbuf_addc(&b, 'y');
	for (size_t i = 0; i < BLD_EXPAND_DEPTH - 1; i++)
		strbuf_addc(&b, '}');
	check_word(&env, '\\', b.s, "y");
	strbuf_clear(&b);

	/* a pattern too long, and one too costly for its value */
	strbuf_add(&b, "${BIG#", 6);
	for (size_t i = 0; i <= BLD_SHPAT_MAX; i++)
		strbuf_addc(&b, 'a');
	strbuf_addc(&b, '}');
	check_word(&env, '\\', b.s, NULL);
	strbuf_clear(&b);
	strbuf_add(&b, "${BIG//", 7);
	for (size_t i = 0; i < 200; i++)
		strbuf_add(&b, "*a", 2);
	strbuf_add(&b, "b/x}", 4);
	struct bld_expand x = {.escape = '\\', .lookup = bld_env_lookup, .ctx = &env};
	char *out = NULL;
	struct berr *err = NULL;
	assert_true(bld_expand_word(&x, b.s, &out, &err) < 0);
	char *msg = berr_string(err);
	assert_non_null(strstr(msg, "pattern substitution too costly"));
	free(msg);
	berr_free(err);
	strbuf_clear(&b);
	bld_env_clear(&env);
}

/* The pattern room on its own: greedy and lazy, prefix and suffix, escapes, errors. */
static void shpattern(void **state)
{
	(void)state;
	static const struct {
		const char *value, *pattern;
		bool greedy, suffix;
		const char *want;
	} cases[] = {
	    {"xxyy", "*x*y", false, false, "y"},   {"xxyy", "*x*y", true, false, ""},
	    {"abcabc", "b*", false, true, "abca"}, {"abcabc", "b*", true, true, "a"},
	    {"a*b", "\\*b", false, true, "a"},     {"a\\b", "\\\\b", false, true, "a"},
	    {"}x", "\\}", false, false, "x"},      {"", "*", true, false, ""},
	    {"abc", "", true, true, "abc"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *out = NULL;
		struct berr *err = NULL;
		int r = cases[i].suffix ? bld_shpat_trim_suffix(cases[i].value, cases[i].pattern,
								cases[i].greedy, &out, &err)
					: bld_shpat_trim_prefix(cases[i].value, cases[i].pattern,
								cases[i].greedy, &out, &err);
		assert_int_equal(r, 0);
		if (strcmp(out, cases[i].want))
			fail_msg("%s %s: '%s', want '%s'", cases[i].value, cases[i].pattern, out,
				 cases[i].want);
		free(out);
	}
	char *out = NULL;
	struct berr *err = NULL;
	assert_true(bld_shpat_trim_prefix("a", "\\", false, &out, &err) < 0);
	char *msg = berr_string(err);
	assert_non_null(strstr(msg, "invalid escape at the end"));
	free(msg);
	berr_clear(&err);
	assert_true(bld_shpat_replace("a", "\\q", "", true, &out, &err) < 0);
	msg = berr_string(err);
	assert_non_null(strstr(msg, "invalid pattern '\\q' in substitution: invalid escape '\\q'"));
	free(msg);
	berr_clear(&err);
	/* TestReversePattern's cases, through a suffix trim that needs the reversal right */
	assert_int_equal(bld_shpat_trim_suffix("xa*c", "a\\*c", false, &out, &err), 0);
	assert_string_equal(out, "x");
	free(out);
	assert_int_equal(bld_shpat_trim_suffix("x\\b", "\\\\b", false, &out, &err), 0);
	assert_string_equal(out, "x");
	free(out);
	/* "\\\ab" reverses to "b\a\\", whose "\a" BuildKit refuses too */
	assert_true(bld_shpat_trim_suffix("x\\ab", "\\\\\\ab", false, &out, &err) < 0);
	berr_clear(&err);
	assert_int_equal(bld_shpat_replace("aaa", "", "-", true, &out, &err), 0);
	assert_string_equal(out, "-a-a-a-");
	free(out);
	assert_int_equal(bld_shpat_replace("aaa", "a*", "-", true, &out, &err), 0);
	assert_string_equal(out, "-");
	free(out);
	assert_int_equal(bld_shpat_replace("baaac", "a*", "-", true, &out, &err), 0);
	assert_string_equal(out, "b-"); /* a* is 'a' then anything, as Go's a.* */
	free(out);
}

static void env_set(void **state)
{
	(void)state;
	struct bld_env env = {0};
	bld_env_set(&env, "car", "hat");
	bld_env_set(&env, "ca", "x");
	bld_env_set(&env, "car", "bike");
	assert_int_equal(env.n, 2);
	assert_string_equal(bld_env_lookup(&env, "car"), "bike");
	assert_string_equal(bld_env_lookup(&env, "ca"), "x");
	assert_null(bld_env_lookup(&env, "c"));
	bld_env_clear(&env);
	assert_null(bld_env_lookup(&env, "car"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(buildkit_env_var_test),
	    cmocka_unit_test(buildkit_words_test),
	    cmocka_unit_test(buildkit_process_with_matches),
	    cmocka_unit_test(buildkit_mandatory_and_platform),
	    cmocka_unit_test(reference_patterns),
	    cmocka_unit_test(reference_instructions),
	    cmocka_unit_test(instruction_words),
	    cmocka_unit_test(escape_backtick),
	    cmocka_unit_test(flags_and_unset),
	    cmocka_unit_test(limits),
	    cmocka_unit_test(shpattern),
	    cmocka_unit_test(env_set),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
