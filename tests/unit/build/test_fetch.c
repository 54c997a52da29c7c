/* ADD <URL> (build/fetch.c): what is a URL and what kind, the name its file gets (BuildKit's
 * dockerfile2llb: path.Base of the unescaped path, then pathutil.SafeFileName), --checksum as
 * go-digest parses it, and credentials kept out of messages. The download itself is tested
 * by tests/integration/build_add_url.bats against a local server. */
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

#include <errno.h>

#include "build/fetch.h"
#include "util/err.h"

static void test_kind(void **state)
{
	(void)state;
	struct {
		const char *src;
		enum bld_source_kind want;
	} cases[] = {
	    {"http://example.com/a.tar.gz", BLD_SOURCE_HTTP},
	    {"https://example.com/a", BLD_SOURCE_HTTP},
	    {"https://example.com/", BLD_SOURCE_HTTP},
	    /* dfgitutil: a path ending in .git is a repository, query and fragment aside */
	    {"https://github.com/moby/buildkit.git", BLD_SOURCE_GIT},
	    {"https://github.com/moby/buildkit.git#v0.10.1:docs", BLD_SOURCE_GIT},
	    {"http://example.com/r.git?ref=main", BLD_SOURCE_GIT},
	    {"https://example.com/r.git/file", BLD_SOURCE_HTTP},
	    {"git@github.com:moby/buildkit.git", BLD_SOURCE_GIT},
	    {"git://example.com/r", BLD_SOURCE_GIT},
	    {"SSH://git@example.com/r", BLD_SOURCE_GIT},
	    /* isHTTPSource is case-sensitive: BuildKit takes this one as a path */
	    {"HTTP://example.com/x", BLD_SOURCE_URL},
	    {"ftp://example.com/x", BLD_SOURCE_URL},
	    {"file.txt", BLD_SOURCE_LOCAL},
	    {"src/*.c", BLD_SOURCE_LOCAL},
	    {"user@host", BLD_SOURCE_LOCAL},
	    {"http:/one-slash", BLD_SOURCE_LOCAL},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum bld_source_kind got = bld_fetch_kind(cases[i].src);
		if (got != cases[i].want)
			fail_msg("%s: got %d, want %d", cases[i].src, got, cases[i].want);
	}
}

static void test_name(void **state)
{
	(void)state;
	const char *cases[][2] = {
	    {"http://h/a/b.tar.gz", "b.tar.gz"},
	    {"http://h:8080/dir/", "dir"},
	    {"http://h/dir//", "dir"},
	    {"http://h/x?name=y.txt#frag/z", "x"},
	    {"http://user:pw@h/f", "f"},
	    /* no path: the frontend's "__unnamed__" */
	    {"http://h", "__unnamed__"},
	    {"http://h/", "__unnamed__"},
	    {"http://h?q/a", "__unnamed__"},
	    {"http://h/.", "__unnamed__"},
	    /* unescaped as url.Parse does; a bad escape fails the parse */
	    {"http://h/a%20b", "a b"},
	    {"http://h/a%2Fb", "b"},
	    {"http://h/a%5B1%5D", "a[1]"},
	    {"http://h/%zz", "__unnamed__"},
	    {"http://h/a%2", "__unnamed__"},
	    /* SafeFileName: spaces trimmed (Unicode ones too), "download" for what is no name */
	    {"http://h/%20x%20", "x"},
	    {"http://h/x%C2%85", "x"},
	    {"http://h/%E3%80%80", "download"},
	    {"http://h/..", "download"},
	    {"http://h/%20", "download"},
	    {"http://h/%09", "download"},
	    {"http://h/a%01b", "download"},
	    {"http://h/a%00b", "download"},
	    {"http://h/a%7Fb", "download"},
	    {"http://h/x%C2%85y", "download"},
	    /* not valid UTF-8: no control character, the bytes are kept */
	    {"http://h/a%85b", "a\x85"
			       "b"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = bld_fetch_name(cases[i][0]);
		if (strcmp(got, cases[i][1]))
			fail_msg("%s: got '%s', want '%s'", cases[i][0], got, cases[i][1]);
		free(got);
	}
}

static void expect_checksum_error(const char *value, int code, const char *part)
{
	char out[BLD_FETCH_DIGEST_LEN + 1] = "untouched";
	struct berr *err = NULL;
	assert_int_equal(bld_fetch_checksum_parse(value, out, &err), -code);
	char *msg = berr_string(err);
	if (!strstr(msg, part))
		fail_msg("%s: '%s' does not say '%s'", value, msg, part);
	assert_string_equal(out, "untouched");
	free(msg);
	berr_free(err);
}

static void test_checksum(void **state)
{
	(void)state;
	const char *good =
	    "sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d";
	char out[BLD_FETCH_DIGEST_LEN + 1];
	struct berr *err = NULL;
	assert_int_equal(bld_fetch_checksum_parse(good, out, &err), 0);
	assert_string_equal(out, good);
	assert_null(err);
	expect_checksum_error("24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d",
			      EINVAL, "invalid checksum digest format");
	expect_checksum_error("sha256:", EINVAL, "invalid checksum digest format");
	expect_checksum_error(":abc", EINVAL, "invalid checksum digest format");
	expect_checksum_error("sha256:abc", EINVAL, "invalid checksum digest length");
	expect_checksum_error(
	    "sha256:24454F830CDB571E2C4AD15481119C43B3CAFD48DD869A9B2945D1036D1DC68D", EINVAL,
	    "invalid checksum digest format");
	expect_checksum_error("md5:d41d8cd98f00b204e9800998ecf8427e", ENOTSUP,
			      "unsupported digest algorithm: 'md5'");
	/* go-digest parses these, but the download is only ever digested with SHA-256 */
	expect_checksum_error("sha512:abc", ENOTSUP, "only sha256");
	expect_checksum_error("sha384:abc", ENOTSUP, "only sha256");
}

static void test_redact(void **state)
{
	(void)state;
	const char *cases[][2] = {
	    {"http://user:secret@h/x", "http://user:xxxxx@h/x"},
	    {"https://u:p:q@h:1/x?y", "https://u:xxxxx@h:1/x?y"},
	    {"http://user@h/x", "http://user@h/x"},
	    {"http://h/x@y:z", "http://h/x@y:z"},
	    {"http://h/x", "http://h/x"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = bld_fetch_redact(cases[i][0]);
		assert_string_equal(got, cases[i][1]);
		free(got);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_kind),
	    cmocka_unit_test(test_name),
	    cmocka_unit_test(test_checksum),
	    cmocka_unit_test(test_redact),
	};
	return cmocka_run_group_tests_name("build/fetch", tests, NULL, NULL);
}
