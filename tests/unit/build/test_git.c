/* Git references of ADD (build/git.c bld_git_ref_parse): dfgitutil.ParseGitRef's fragment
 * "#ref:subdir" (each part optional), and what berth refuses of it: a subdirectory that climbs
 * out of the checkout or holds a pattern character, a ref that git would take for an option.
 * Fetching is an integration matter (build_git.bats). */
/* cmocka.h needs setjmp.h, stdarg.h and stddef.h before it: keep this order. */
// clang-format off
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
// clang-format on

#include "build/git.h"
#include "util/err.h"

/* src as "remote|ref|subdir" ("-" for none), or "error: ..." */
static char *parsed(const char *src)
{
	struct bld_git_ref r;
	struct berr *err = NULL;
	char *out = NULL;
	if (bld_git_ref_parse(src, &r, &err) < 0) {
		char *m = berr_string(err);
		berr_free(err);
		assert_true(asprintf(&out, "error: %s", m) > 0);
		free(m);
		return out;
	}
	assert_true(asprintf(&out, "%s|%s|%s", r.remote, r.ref ? r.ref : "-",
			     r.subdir ? r.subdir : "-") > 0);
	bld_git_ref_clear(&r);
	return out;
}

static void check(const char *src, const char *want)
{
	char *got = parsed(src);
	assert_string_equal(got, want);
	free(got);
}

static void test_forms(void **state)
{
	(void)state;
	check("https://github.com/moby/buildkit.git", "https://github.com/moby/buildkit.git|-|-");
	check("https://github.com/moby/buildkit.git#v0.10.1",
	      "https://github.com/moby/buildkit.git|v0.10.1|-");
	check("https://github.com/moby/buildkit.git#v0.10.1:docs",
	      "https://github.com/moby/buildkit.git|v0.10.1|docs");
	check("https://github.com/moby/buildkit.git#:docs/x",
	      "https://github.com/moby/buildkit.git|-|docs/x");
	check("https://github.com/moby/buildkit.git#main:/docs",
	      "https://github.com/moby/buildkit.git|main|docs");
	check("git@github.com:moby/buildkit.git#main", "git@github.com:moby/buildkit.git|main|-");
	check("git://127.0.0.1:9418/repo.git#refs/pull/1/head",
	      "git://127.0.0.1:9418/repo.git|refs/pull/1/head|-");
	check("ssh://git@host/repo.git#", "ssh://git@host/repo.git|-|-");
	check("git://h/r.git#v1:a..b/c", "git://h/r.git|v1|a..b/c");
}

static void test_refused(void **state)
{
	(void)state;
	check("#v1", "error: invalid git reference '#v1'");
	check("git://h/r.git#v1:../x",
	      "error: invalid subdirectory '../x' of git reference 'git://h/r.git#v1:../x'");
	check("git://h/r.git#v1:a/../../x",
	      "error: invalid subdirectory 'a/../../x' of git reference "
	      "'git://h/r.git#v1:a/../../x'");
	check("git://h/r.git#:*", "error: invalid subdirectory '*' of git reference "
				  "'git://h/r.git#:*'");
	check("git://h/r.git#--upload-pack=x",
	      "error: invalid ref '--upload-pack=x' of git reference "
	      "'git://h/r.git#--upload-pack=x'");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_forms),
	    cmocka_unit_test(test_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
