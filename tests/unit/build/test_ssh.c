/* --ssh values (build/ssh.c bld_ssh_parse): docker's parseSSH (ID, then paths split at ',')
 * with sshprovider's defaults (no ID: "default"; no path: $SSH_AUTH_SOCK, and its error when
 * that is unset). Sockets, keys and agents are integration matters (build_ssh.bats). */
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

#include "build/builder.h"
#include "build/ssh.h"
#include "util/err.h"

/* value's id and paths as "id: p1 p2". */
static char *parsed(const char *value)
{
	struct bld_ssh s = {0};
	struct berr *err = NULL;
	if (bld_ssh_parse(value, &s, &err) < 0) {
		char *m = berr_string(err);
		berr_free(err);
		char *out = NULL;
		assert_true(asprintf(&out, "error: %s", m) > 0);
		free(m);
		return out;
	}
	size_t len = strlen(s.id) + 2;
	for (char **p = s.paths; *p; p++)
		len += strlen(*p) + 1;
	char *out = calloc(1, len + 1);
	strcat(strcat(out, s.id), ":");
	for (char **p = s.paths; *p; p++)
		strcat(strcat(out, " "), *p);
	bld_ssh_clear(&s);
	return out;
}

static void check(const char *value, const char *want)
{
	char *got = parsed(value);
	assert_string_equal(got, want);
	free(got);
}

static void test_forms(void **state)
{
	(void)state;
	setenv("SSH_AUTH_SOCK", "/run/user/0/agent", 1);
	check("default", "default: /run/user/0/agent");
	check("  default", "default: /run/user/0/agent");
	check("github", "github: /run/user/0/agent");
	check("github=", "github: /run/user/0/agent");
	check("=/k", "default: /k");
	check("id=/s", "id: /s");
	check("id=/k1,/k2", "id: /k1 /k2");
	check("id=/k1,,/k2", "id: /k1 /k2");
	check("a=b=c", "a: b=c");
}

static void test_no_agent(void **state)
{
	(void)state;
	unsetenv("SSH_AUTH_SOCK");
	check("default", "error: invalid empty ssh agent socket: make sure SSH_AUTH_SOCK is set");
	check("", "error: invalid empty ssh agent socket: make sure SSH_AUTH_SOCK is set");
	setenv("SSH_AUTH_SOCK", "", 1);
	check("x", "error: invalid empty ssh agent socket: make sure SSH_AUTH_SOCK is set");
	check("x=/given", "x: /given");
}

static void test_bounded(void **state)
{
	(void)state;
	char value[1024] = "id=";
	for (int i = 0; i < 65; i++)
		strcat(value, "/k,");
	char *got = parsed(value);
	assert_non_null(strstr(got, "more than 64 paths"));
	free(got);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_forms),
	    cmocka_unit_test(test_no_agent),
	    cmocka_unit_test(test_bounded),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
