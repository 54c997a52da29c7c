/* Image references: Docker's normalisation, and clear errors for malformed ones. */
/* cmocka.h needs setjmp.h, stdarg.h and stddef.h before it: keep this order. */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
// clang-format on

#include "image/reference.h"
#include "util/err.h"

static void expect(const char *in, const char *full, const char *familiar)
{
	struct img_ref r;
	struct berr *err = NULL;
	if (img_ref_parse(in, &r, &err) < 0) {
		char *msg = berr_string(err);
		fail_msg("'%s': %s", in, msg);
	}
	char *s = img_ref_string(&r);
	char *f = img_ref_familiar(&r);
	if (strcmp(s, full) || strcmp(f, familiar))
		fail_msg("'%s' gave '%s' (%s), want '%s' (%s)", in, s, f, full, familiar);
	free(s);
	free(f);
	img_ref_clear(&r);
}

static void expect_error(const char *in, const char *want)
{
	struct img_ref r;
	struct berr *err = NULL;
	if (img_ref_parse(in, &r, &err) == 0) {
		char *s = img_ref_string(&r);
		fail_msg("'%s' parsed as '%s'", in, s);
	}
	char *msg = berr_string(err);
	if (!strstr(msg, "invalid reference format") || !strstr(msg, want))
		fail_msg("'%s': error '%s' lacks '%s'", in, msg, want);
	free(msg);
	berr_free(err);
	assert_null(r.domain);
}

#define D "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

static void normalised(void **state)
{
	(void)state;
	expect("busybox", "docker.io/library/busybox:latest", "busybox");
	expect("busybox:1.36", "docker.io/library/busybox:1.36", "busybox");
	expect("user/app", "docker.io/user/app:latest", "user/app");
	expect("docker.io/busybox", "docker.io/library/busybox:latest", "busybox");
	expect("index.docker.io/library/busybox", "docker.io/library/busybox:latest", "busybox");
	expect("localhost/x", "localhost/x:latest", "localhost/x");
	expect("localhost:5000/a/b:v1", "localhost:5000/a/b:v1", "localhost:5000/a/b");
	expect("127.0.0.1:5000/a", "127.0.0.1:5000/a:latest", "127.0.0.1:5000/a");
	expect("[::1]:5000/a", "[::1]:5000/a:latest", "[::1]:5000/a");
	expect("quay.io/org/app", "quay.io/org/app:latest", "quay.io/org/app");
	expect("Registry.Example/app", "Registry.Example/app:latest", "Registry.Example/app");
	expect("a/b-c__d.e_f", "docker.io/a/b-c__d.e_f:latest", "a/b-c__d.e_f");
	expect("foo:5000", "docker.io/library/foo:5000", "foo");
}

static void digests(void **state)
{
	(void)state;
	expect("busybox@" D, "docker.io/library/busybox@" D, "busybox");
	expect("host:5000/a/b:tag@" D, "host:5000/a/b:tag@" D, "host:5000/a/b");
}

static void malformed(void **state)
{
	(void)state;
	expect_error("", "empty");
	expect_error("Busybox", "must be lowercase");
	expect_error("docker.io/Library/busybox", "must be lowercase");
	expect_error("busybox:", "bad tag");
	expect_error("busybox:-x", "bad tag");
	expect_error("busybox@sha256:abc", "bad digest");
	expect_error("busybox@md5:" D, "bad digest");
	expect_error("a//b", "bad repository name");
	expect_error("a/b_", "bad repository name");
	expect_error("a/b___c", "bad repository name");
	expect_error("-host.io/a", "bad registry name");
	expect_error("host.io:/a", "bad registry name");
	expect_error("host.io:50x0/a", "bad registry name");
	expect_error("busy box", "white space");
	expect_error(":tag", "no repository name");
	char longname[300];
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	expect_error(longname, "longer than 255");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(normalised),
	    cmocka_unit_test(digests),
	    cmocka_unit_test(malformed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
