/* .dockerignore matching (build/ignore.c). The tables are moby/patternmatcher's own tests
 * (patternmatcher_test.go, ignorefile/ignorefile_test.go), taken verbatim; the examples of the
 * build-context documentation (.dockerignore section) follow; the directory verdicts are those
 * of tonistiigi/fsutil filter.go's walk. */
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

#include "build/ignore.h"
#include "build/text.h"
#include "util/err.h"
#include "util/strbuf.h"

/* moby/patternmatcher patternmatcher_test.go TestMatches: pattern, path, excluded. */
static const struct {
	const char *pattern, *path;
	bool excluded;
} matches_test[] = {
    {"**", "file", true},
    {"**", "file/", true},
    {"**/", "file", true},
    {"**/", "file/", true},
    {"**", "/", true},
    {"**/", "/", true},
    {"**", "dir/file", true},
    {"**/", "dir/file", true},
    {"**", "dir/file/", true},
    {"**/", "dir/file/", true},
    {"**/**", "dir/file", true},
    {"**/**", "dir/file/", true},
    {"dir/**", "dir/file", true},
    {"dir/**", "dir/file/", true},
    {"dir/**", "dir/dir2/file", true},
    {"dir/**", "dir/dir2/file/", true},
    {"**/dir", "dir", true},
    {"**/dir", "dir/file", true},
    {"**/dir2/*", "dir/dir2/file", true},
    {"**/dir2/*", "dir/dir2/file/", true},
    {"**/dir2/**", "dir/dir2/dir3/file", true},
    {"**/dir2/**", "dir/dir2/dir3/file/", true},
    {"**file", "file", true},
    {"**file", "dir/file", true},
    {"**/file", "dir/file", true},
    {"**file", "dir/dir/file", true},
    {"**/file", "dir/dir/file", true},
    {"**/file*", "dir/dir/file", true},
    {"**/file*", "dir/dir/file.txt", true},
    {"**/file*txt", "dir/dir/file.txt", true},
    {"**/file*.txt", "dir/dir/file.txt", true},
    {"**/file*.txt*", "dir/dir/file.txt", true},
    {"**/**/*.txt", "dir/dir/file.txt", true},
    {"**/**/*.txt2", "dir/dir/file.txt", false},
    {"**/*.txt", "file.txt", true},
    {"**/**/*.txt", "file.txt", true},
    {"a**/*.txt", "a/file.txt", true},
    {"a**/*.txt", "a/dir/file.txt", true},
    {"a**/*.txt", "a/dir/dir/file.txt", true},
    {"a/*.txt", "a/dir/file.txt", false},
    {"a/*.txt", "a/file.txt", true},
    {"a/*.txt**", "a/file.txt", true},
    {"a[b-d]e", "ae", false},
    {"a[b-d]e", "ace", true},
    {"a[b-d]e", "aae", false},
    {"a[^b-d]e", "aze", true},
    {".*", ".foo", true},
    {".*", "foo", false},
    {"abc.def", "abcdef", false},
    {"abc.def", "abc.def", true},
    {"abc.def", "abcZdef", false},
    {"abc?def", "abcZdef", true},
    {"abc?def", "abcdef", false},
    {"a\\\\", "a\\", true},
    {"**/foo/bar", "foo/bar", true},
    {"**/foo/bar", "dir/foo/bar", true},
    {"**/foo/bar", "dir/dir2/foo/bar", true},
    {"abc/**", "abc", false},
    {"abc/**", "abc/def", true},
    {"abc/**", "abc/def/ghi", true},
    {"**/.foo", ".foo", true},
    {"**/.foo", "bar.foo", false},
    {"a(b)c/def", "a(b)c/def", true},
    {"a(b)c/def", "a(b)c/xyz", false},
    {"a.|)$(}+{bc", "a.|)$(}+{bc", true},
    {"dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl",
     "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", true},
    {"dist/*.whl", "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", true},
    {"a\\*b", "a*b", true},
};

/* ... and its multiPatternTests: patterns (NULL-terminated), path, excluded. */
static const struct {
	const char *patterns[4], *path;
	bool excluded;
} multi_test[] = {
    {{"**", "!util/docker/web", NULL}, "util/docker/web/foo", false},
    {{"**", "!util/docker/web", "util/docker/web/foo", NULL}, "util/docker/web/foo", true},
    {{"**", "!dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", NULL},
     "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl",
     false},
    {{"**", "!dist/*.whl", NULL}, "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", false},
};

/* ... and matchTests, Go's own filepath.Match tests: pattern, path, excluded, bad pattern. */
static const struct {
	const char *pattern, *path;
	bool excluded, bad;
} match_test[] = {
    {"abc", "abc", true, false},
    {"*", "abc", true, false},
    {"*c", "abc", true, false},
    {"a*", "a", true, false},
    {"a*", "abc", true, false},
    {"a*", "ab/c", true, false},
    {"a*/b", "abc/b", true, false},
    {"a*/b", "a/c/b", false, false},
    {"a*b*c*d*e*/f", "axbxcxdxe/f", true, false},
    {"a*b*c*d*e*/f", "axbxcxdxexxx/f", true, false},
    {"a*b*c*d*e*/f", "axbxcxdxe/xxx/f", false, false},
    {"a*b*c*d*e*/f", "axbxcxdxexxx/fff", false, false},
    {"a*b?c*x", "abxbbxdbxebxczzx", true, false},
    {"a*b?c*x", "abxbbxdbxebxczzy", false, false},
    {"ab[c]", "abc", true, false},
    {"ab[b-d]", "abc", true, false},
    {"ab[e-g]", "abc", false, false},
    {"ab[^c]", "abc", false, false},
    {"ab[^b-d]", "abc", false, false},
    {"ab[^e-g]", "abc", true, false},
    {"a\\*b", "a*b", true, false},
    {"a\\*b", "ab", false, false},
    {"a?b", "a☺b", true, false},
    {"a[^a]b", "a☺b", true, false},
    {"a???b", "a☺b", false, false},
    {"a[^a][^a][^a]b", "a☺b", false, false},
    {"[a-ζ]*", "α", true, false},
    {"*[a-ζ]", "A", false, false},
    {"a?b", "a/b", false, false},
    {"a*b", "a/b", false, false},
    {"[\\]a]", "]", true, false},
    {"[\\-]", "-", true, false},
    {"[x\\-]", "x", true, false},
    {"[x\\-]", "-", true, false},
    {"[x\\-]", "z", false, false},
    {"[\\-x]", "x", true, false},
    {"[\\-x]", "-", true, false},
    {"[\\-x]", "a", false, false},
    {"[]a]", "]", false, true},
    {"[-]", "-", false, true},
    {"[x-]", "x", false, true},
    {"[x-]", "-", false, true},
    {"[x-]", "z", false, true},
    {"[-x]", "x", false, true},
    {"[-x]", "-", false, true},
    {"[-x]", "a", false, true},
    {"\\", "a", false, true},
    {"[a-b-c]", "a", false, true},
    {"[", "a", false, true},
    {"[^", "a", false, true},
    {"[^bc", "a", false, true},
    {"a[", "a", false, true},
    {"a[", "ab", false, true},
    {"*x", "xxx", true, false},
};

static struct bld_ignore *compile(const char *const *patterns)
{
	size_t n = 0;
	while (patterns[n])
		n++;
	struct bld_ignore *ign = NULL;
	struct berr *err = NULL;
	if (bld_ignore_compile((char *const *)patterns, n, &ign, &err) < 0) {
		char *msg = berr_string(err);
		fail_msg("'%s'...: %s", patterns[0], msg);
	}
	return ign;
}

static struct bld_ignore *parse(const char *text)
{
	struct bld_ignore *ign = NULL;
	struct berr *err = NULL;
	if (bld_ignore_parse(text, strlen(text), &ign, &err) < 0) {
		char *msg = berr_string(err);
		fail_msg("%s", msg);
	}
	return ign;
}

static bool excluded(const struct bld_ignore *ign, const char *path)
{
	return bld_ignore_match(ign, path, false) != BLD_IGNORE_KEEP;
}

static void patternmatcher_matches(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(matches_test) / sizeof(matches_test[0]); i++) {
		/* A context path is never "/" itself; patternmatcher's answer for it is moot. */
		if (!strcmp(matches_test[i].path, "/"))
			continue;
		const char *p[] = {matches_test[i].pattern, NULL};
		struct bld_ignore *ign = compile(p);
		if (excluded(ign, matches_test[i].path) != matches_test[i].excluded)
			fail_msg("pattern '%s' path '%s': want %d", matches_test[i].pattern,
				 matches_test[i].path, matches_test[i].excluded);
		bld_ignore_free(ign);
	}
	for (size_t i = 0; i < sizeof(multi_test) / sizeof(multi_test[0]); i++) {
		struct bld_ignore *ign = compile(multi_test[i].patterns);
		if (excluded(ign, multi_test[i].path) != multi_test[i].excluded)
			fail_msg("patterns '%s'... path '%s': want %d", multi_test[i].patterns[0],
				 multi_test[i].path, multi_test[i].excluded);
		bld_ignore_free(ign);
	}
}

static void go_filepath_match(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(match_test) / sizeof(match_test[0]); i++) {
		const char *p[] = {match_test[i].pattern, NULL};
		struct bld_ignore *ign = NULL;
		struct berr *err = NULL;
		int r = bld_ignore_compile((char *const *)p, 1, &ign, &err);
		if (match_test[i].bad) {
			if (r == 0)
				fail_msg("bad pattern '%s' accepted", match_test[i].pattern);
			char *msg = berr_string(err);
			assert_non_null(strstr(msg, "pattern 1: syntax error in pattern"));
			free(msg);
			berr_free(err);
			continue;
		}
		assert_int_equal(r, 0);
		if (excluded(ign, match_test[i].path) != match_test[i].excluded)
			fail_msg("pattern '%s' path '%s': want %d", match_test[i].pattern,
				 match_test[i].path, match_test[i].excluded);
		bld_ignore_free(ign);
	}
}

/* TestWildcardMatches ... TestSingleExclamationError, TestMatchesWithMalformedPatterns */
static void patternmatcher_small(void **state)
{
	(void)state;
	static const struct {
		const char *patterns[3], *path;
		bool excluded;
	} cases[] = {
	    {{"*"}, "fileutils.go", true},
	    {{"*.go"}, "fileutils.go", true},
	    {{"!fileutils.go", "*.go"}, "fileutils.go", true},
	    {{"docs", "!docs/README.md"}, "docs/README.md", false},
	    {{"docs/", "!docs/README.md"}, "docs/README.md", false},
	    {{"docs/*", "!docs/README.md"}, "docs/README.md", false},
	    {{"*.go", "!fileutils.go"}, "fileutils.go", false},
	    {{"*.go"}, ".", false},
	    {{NULL}, "any/path/there", false},
	    {{"  !docs/README.md", "docs"}, "docs/README.md", true},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct bld_ignore *ign = compile(cases[i].patterns);
		if (excluded(ign, cases[i].path) != cases[i].excluded)
			fail_msg("case %zu: want %d", i, cases[i].excluded);
		bld_ignore_free(ign);
	}
	const char *bang[] = {"!", NULL};
	const char *bracket[] = {"[", NULL};
	const char *backwards[] = {"[Local-Only]/", NULL};
	const char *const *bad[] = {bang, bracket, backwards};
	const char *want[] = {"pattern 1: illegal exclusion pattern: '!'",
			      "pattern 1: syntax error in pattern '['",
			      "pattern 1: syntax error in pattern '[Local-Only]'"};
	for (size_t i = 0; i < 3; i++) {
		struct bld_ignore *ign = NULL;
		struct berr *err = NULL;
		assert_true(bld_ignore_compile((char *const *)bad[i], 1, &ign, &err) < 0);
		char *msg = berr_string(err);
		assert_string_equal(msg, want[i]);
		free(msg);
		berr_free(err);
	}
	/* TestCleanPatterns*: empty patterns go, the exception flag is kept */
	const char *clean[] = {"docs", "config", "", "!docs/README.md  ", NULL};
	struct bld_ignore *ign = compile(clean);
	bool exc = true;
	assert_string_equal(bld_ignore_pattern(ign, 0, &exc), "docs");
	assert_false(exc);
	assert_string_equal(bld_ignore_pattern(ign, 2, &exc), "docs/README.md");
	assert_true(exc);
	assert_null(bld_ignore_pattern(ign, 3, &exc));
	bld_ignore_free(ign);
}

/* ignorefile_test.go TestReadAll, less the "!" lines that New refuses (tested below). */
static void ignorefile_read_all(void **state)
{
	(void)state;
	struct bld_ignore *ign =
	    parse("test1\n/test2\n/a/file/here\n\nlastfile\n# this is a comment\n"
		  "! /inverted/abs/path\n");
	const char *want[] = {"test1", "test2", "a/file/here", "lastfile", "inverted/abs/path"};
	for (size_t i = 0; i < 5; i++) {
		bool exc;
		assert_string_equal(bld_ignore_pattern(ign, i, &exc), want[i]);
		assert_int_equal(exc, i == 4);
	}
	assert_null(bld_ignore_pattern(ign, 5, NULL));
	bld_ignore_free(ign);

	/* BOM, CRLF, blanks around, "." and ".." cleaned, # only in column 1 */
	ign = parse("\xef\xbb\xbf"
		    "a/./b/../c\r\n  d/  \r\n #e\n./\n../up\n/\n");
	assert_string_equal(bld_ignore_pattern(ign, 0, NULL), "a/c");
	assert_string_equal(bld_ignore_pattern(ign, 1, NULL), "d");
	assert_string_equal(bld_ignore_pattern(ign, 2, NULL), "#e");
	assert_string_equal(bld_ignore_pattern(ign, 3, NULL), ".");
	assert_string_equal(bld_ignore_pattern(ign, 4, NULL), "../up");
	assert_string_equal(bld_ignore_pattern(ign, 5, NULL), "/");
	assert_true(excluded(ign, "a/c/x"));
	assert_true(excluded(ign, "#e"));
	assert_false(excluded(ign, "a/b"));
	bld_ignore_free(ign);

	static const struct {
		const char *text, *want;
	} errs[] = {
	    {"a\n!\n", "line 2: illegal exclusion pattern: '!'"},
	    {"a\n\n! \n", "line 3: illegal exclusion pattern: '!'"},
	    {"! /\n", "line 1: illegal exclusion pattern: '!'"},
	    {"a[\n", "line 1: syntax error in pattern 'a['"},
	    {"a\\\n", "line 1: syntax error in pattern 'a\\'"},
	    {"[z-a]\n", "line 1: syntax error in pattern '[z-a]'"},
	    {"[a-b-c]\n", "line 1: syntax error in pattern '[a-b-c]'"},
	    {"x\0y", "NUL byte in the file"},
	};
	for (size_t i = 0; i < sizeof(errs) / sizeof(errs[0]); i++) {
		struct berr *err = NULL;
		size_t len = i == 7 ? 3 : strlen(errs[i].text);
		assert_true(bld_ignore_parse(errs[i].text, len, &ign, &err) < 0);
		char *msg = berr_string(err);
		if (strcmp(msg, errs[i].want))
			fail_msg("'%s': '%s', want '%s'", errs[i].text, msg, errs[i].want);
		free(msg);
		berr_free(err);
	}
}

/* The build-context documentation's .dockerignore examples. */
static const struct ignore_case {
	const char *file, *excluded[6], *kept[6];
} docs_cases[] = {
    {"# comment\n*/temp*\n*/*/temp*\ntemp?\n",
     {"somedir/temporary.txt", "somedir/temp", "somedir/subdir/temporary.txt", "tempa", "tempb"},
     {"temp", "temporary.txt", "a/b/c/temp", "# comment"}},
    {"**/*.go\n", {"main.go", "a/b/c.go"}, {"a/b/c.goo"}},
    {"*.md\n!README.md\n", {"CHANGES.md"}, {"README.md"}},
    {"*.md\n!README*.md\nREADME-secret.md\n",
     {"CHANGES.md", "README-secret.md"},
     {"README-public.md"}},
    {"*.md\nREADME-secret.md\n!README*.md\n", {"CHANGES.md"}, {"README-secret.md"}},
    /* "/foo/bar and foo/bar both exclude a file or directory named bar in the foo
     * subdirectory ... Neither excludes anything else." */
    {"/foo/bar\n", {"foo/bar", "foo/bar/baz"}, {"foo", "x/foo/bar", "foo/barn"}},
    /* Only what is listed: "*" first, then exceptions. */
    {"*\n!src\n!Containerfile\n", {"node_modules/x"}, {"src/main.c", "Containerfile"}},
};

/* Where we part from patternmatcher on purpose (see ignore.h), and ** against newlines. */
static const struct ignore_case deliberate_cases[] = {
    {"a[*]b\nc^d*\ne\\d\n", {"a*b", "c^dx", "ed"}, {"axb"}},
    {"x/**/y\nz*\n", {"x/a/b/y", "z\nq"}, {"x/a\nb/y"}},
};

static void check_cases(const struct ignore_case *c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct bld_ignore *ign = parse(c[i].file);
		for (size_t j = 0; j < 6 && c[i].excluded[j]; j++)
			if (!excluded(ign, c[i].excluded[j]))
				fail_msg("'%s' keeps '%s'", c[i].file, c[i].excluded[j]);
		for (size_t j = 0; j < 6 && c[i].kept[j]; j++)
			if (excluded(ign, c[i].kept[j]))
				fail_msg("'%s' excludes '%s'", c[i].file, c[i].kept[j]);
		bld_ignore_free(ign);
	}
}

static void docs_examples(void **state)
{
	(void)state;
	check_cases(docs_cases, sizeof(docs_cases) / sizeof(docs_cases[0]));
}

static void deliberate(void **state)
{
	(void)state;
	check_cases(deliberate_cases, sizeof(deliberate_cases) / sizeof(deliberate_cases[0]));
}

/* What the walker does with a directory (fsutil filter.go). */
static void directories(void **state)
{
	(void)state;
	struct bld_ignore *ign = parse("docs\n");
	assert_int_equal(bld_ignore_match(ign, "docs", true), BLD_IGNORE_PRUNE);
	assert_int_equal(bld_ignore_match(ign, "docs", false), BLD_IGNORE_EXCLUDE);
	assert_int_equal(bld_ignore_match(ign, "src", true), BLD_IGNORE_KEEP);
	bld_ignore_free(ign);

	ign = parse("docs\n!docs/README.md\nbuild\n");
	assert_int_equal(bld_ignore_match(ign, "docs", true), BLD_IGNORE_EXCLUDE);
	assert_int_equal(bld_ignore_match(ign, "docs/README.md", false), BLD_IGNORE_KEEP);
	assert_int_equal(bld_ignore_match(ign, "docs/other.md", false), BLD_IGNORE_EXCLUDE);
	assert_int_equal(bld_ignore_match(ign, "docs/sub", true), BLD_IGNORE_PRUNE);
	assert_int_equal(bld_ignore_match(ign, "build", true), BLD_IGNORE_PRUNE);
	bld_ignore_free(ign);

	/* an exception ending in a trailing glob counts as a prefix */
	ign = parse("a\n!a/b/**\n");
	assert_int_equal(bld_ignore_match(ign, "a", true), BLD_IGNORE_EXCLUDE);
	assert_int_equal(bld_ignore_match(ign, "a/b", true), BLD_IGNORE_EXCLUDE); /* not "a/b/" */
	assert_int_equal(bld_ignore_match(ign, "a/b/c", false), BLD_IGNORE_KEEP);
	assert_int_equal(bld_ignore_match(ign, "a/c", true), BLD_IGNORE_PRUNE);
	bld_ignore_free(ign);

	/* wildcards in an exception: every excluded directory is walked */
	ign = parse("*\n!*/keep\n");
	assert_int_equal(bld_ignore_match(ign, "x", true), BLD_IGNORE_EXCLUDE);
	assert_int_equal(bld_ignore_match(ign, "x/keep", false), BLD_IGNORE_KEEP);
	assert_int_equal(bld_ignore_match(ign, "x/other", false), BLD_IGNORE_EXCLUDE);
	bld_ignore_free(ign);

	/* the parent's results carry down (MatchesUsingParentResults): "a" matched pattern 1, so
	 * pattern 1 still counts for a/b although pattern 2 had made the path kept */
	ign = parse("a\n!a/b\na/b/c\n");
	assert_int_equal(bld_ignore_match(ign, "a/b", false), BLD_IGNORE_KEEP);
	assert_int_equal(bld_ignore_match(ign, "a/b/c", false), BLD_IGNORE_EXCLUDE);
	assert_int_equal(bld_ignore_match(ign, "a/b/d", false), BLD_IGNORE_KEEP);
	bld_ignore_free(ign);

	/* paths are cleaned; "." and "" are the root, always kept */
	ign = parse("**\n");
	assert_int_equal(bld_ignore_match(ign, ".", true), BLD_IGNORE_KEEP);
	assert_int_equal(bld_ignore_match(ign, "", true), BLD_IGNORE_KEEP);
	assert_int_equal(bld_ignore_match(ign, "./x/../y", false), BLD_IGNORE_EXCLUDE);
	assert_int_equal(bld_ignore_match(ign, "/y", true), BLD_IGNORE_PRUNE);
	bld_ignore_free(ign);
}

static void limits(void **state)
{
	(void)state;
	struct strbuf b = {0};
	for (size_t i = 0; i <= BLD_IGNORE_PATTERNS_MAX; i++)
		strbuf_add(&b, "a\n", 2);
	struct bld_ignore *ign = NULL;
	struct berr *err = NULL;
	assert_true(bld_ignore_parse(b.s, b.len, &ign, &err) < 0);
	char *msg = berr_string(err);
	assert_string_equal(msg, "more than 10000 patterns");
	free(msg);
	berr_clear(&err);
	strbuf_clear(&b);
	for (size_t i = 0; i <= BLD_IGNORE_PATTERN_MAX; i++)
		strbuf_addc(&b, 'a');
	assert_true(bld_ignore_parse(b.s, b.len, &ign, &err) < 0);
	msg = berr_string(err);
	assert_string_equal(msg, "line 1: pattern longer than 4096 bytes");
	free(msg);
	berr_clear(&err);
	strbuf_clear(&b);
	char *big = calloc(1, BLD_IGNORE_FILE_MAX + 1);
	assert_true(bld_ignore_parse(big, BLD_IGNORE_FILE_MAX + 1, &ign, &err) < 0);
	msg = berr_string(err);
	assert_string_equal(msg, "larger than 1048576 bytes");
	free(msg);
	berr_clear(&err);
	free(big);
	assert_int_equal(bld_ignore_parse("", 0, &ign, &err), 0);
	assert_int_equal(bld_ignore_match(ign, "x", true), BLD_IGNORE_KEEP);
	bld_ignore_free(ign);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(patternmatcher_matches),
	    cmocka_unit_test(go_filepath_match),
	    cmocka_unit_test(patternmatcher_small),
	    cmocka_unit_test(ignorefile_read_all),
	    cmocka_unit_test(docs_examples),
	    cmocka_unit_test(directories),
	    cmocka_unit_test(deliberate),
	    cmocka_unit_test(limits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
