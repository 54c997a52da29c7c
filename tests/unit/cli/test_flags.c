/* flags_parse's argument bounds: Docker's cli/required.go checks, messages and exit statuses. */
/* cmocka.h needs setjmp.h, stdarg.h and stddef.h before it: keep this order. */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
// clang-format on

#include "cli/berth/flags.h"

/* What fn wrote to stderr (fd 2), and its result in *r. */
static char *captured(int (*fn)(const struct flag_cmd *, int, char **), const struct flag_cmd *cmd,
		      int argc, char **argv, int *r)
{
	FILE *tmp = tmpfile();
	assert_non_null(tmp);
	fflush(stderr);
	int saved = dup(STDERR_FILENO);
	assert_true(saved >= 0);
	assert_true(dup2(fileno(tmp), STDERR_FILENO) >= 0);
	*r = fn(cmd, argc, argv);
	fflush(stderr);
	assert_true(dup2(saved, STDERR_FILENO) >= 0);
	close(saved);
	long len = ftell(tmp);
	rewind(tmp);
	char *buf = calloc(1, (size_t)len + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)len, tmp), (size_t)len);
	fclose(tmp);
	return buf;
}

static int parse(const struct flag_cmd *cmd, int argc, char **argv)
{
	bool quiet = false;
	const struct flag flags[] = {{"quiet", 'q', FLAG_BOOL, &quiet, "Quiet"}, FLAG_END};
	const char **pos = NULL;
	int n = flags_parse(cmd, flags, argc, argv, &pos);
	if (n >= 0)
		free(pos);
	return n;
}

/* argv given as a string of words ("-q a b"), split on spaces. */
static int run(const struct flag_cmd *cmd, const char *args, char **msg)
{
	char *copy = strdup(args), *argv[16];
	int argc = 0;
	for (char *w = strtok(copy, " "); w && argc < 15; w = strtok(NULL, " "))
		argv[argc++] = w;
	argv[argc] = NULL;
	int r;
	*msg = captured(parse, cmd, argc, argv, &r);
	free(copy);
	return r;
}

static void expect_ok(const struct flag_cmd *cmd, const char *args, int n)
{
	char *msg = NULL;
	int r = run(cmd, args, &msg);
	if (r != n || *msg)
		fail_msg("%s '%s': %d '%s', not %d and no message", cmd->name, args, r, msg, n);
	free(msg);
}

/* Refused with Docker's message: the first line, then See, Usage and the summary. */
static void expect_refused(const struct flag_cmd *cmd, const char *args, const char *first)
{
	char *msg = NULL;
	int r = run(cmd, args, &msg);
	char want[512];
	snprintf(want, sizeof(want), "%s\nSee '%s --help'.\n\nUsage:  %s %s\n\n%s\n", first,
		 cmd->name, cmd->name, cmd->usage, cmd->summary);
	if (r != FLAGS_NARGS || strcmp(msg, want))
		fail_msg("%s '%s': %d\n%s\nnot %d\n%s", cmd->name, args, r, msg, FLAGS_NARGS, want);
	free(msg);
}

static void no_args(void **state)
{
	const struct flag_cmd ps = {"berth ps", "[OPTIONS]", "List containers", true, FLAG_NO_ARGS};
	expect_ok(&ps, "", 0);
	expect_ok(&ps, "-q", 0);
	expect_refused(&ps, "x", "\"berth ps\" accepts no arguments.");
	expect_refused(&ps, "-q x y", "\"berth ps\" accepts no arguments.");
}

static void exact(void **state)
{
	const struct flag_cmd rename = {"berth rename", "CONTAINER NEW_NAME", "Rename a container",
					true, FLAG_EXACT_ARGS(2)};
	expect_ok(&rename, "a b", 2);
	expect_ok(&rename, "a -q b", 2);
	expect_refused(&rename, "a", "\"berth rename\" requires exactly 2 arguments.");
	expect_refused(&rename, "a b c", "\"berth rename\" requires exactly 2 arguments.");
	const struct flag_cmd logs = {"berth logs", "[OPTIONS] CONTAINER",
				      "Fetch the logs of a container", true, FLAG_EXACT_ARGS(1)};
	expect_ok(&logs, "c", 1);
	expect_refused(&logs, "", "\"berth logs\" requires exactly 1 argument.");
}

static void min(void **state)
{
	const struct flag_cmd exec = {"berth exec", "[OPTIONS] CONTAINER COMMAND [ARG...]",
				      "Execute a command in a running container", false,
				      FLAG_MIN_ARGS(2)};
	expect_ok(&exec, "c ls", 2);
	expect_ok(&exec, "-q c ls -q -l", 4); /* not interspersed: the command's own flags */
	expect_refused(&exec, "c", "\"berth exec\" requires at least 2 arguments.");
	expect_refused(&exec, "-q c", "\"berth exec\" requires at least 2 arguments.");
	const struct flag_cmd rm = {"berth rm", "[OPTIONS] CONTAINER [CONTAINER...]",
				    "Remove one or more containers", true, FLAG_MIN_ARGS(1)};
	expect_ok(&rm, "a b c d e f", 6);
	expect_refused(&rm, "-q", "\"berth rm\" requires at least 1 argument.");
}

static void max(void **state)
{
	const struct flag_cmd images = {"berth images", "[OPTIONS] [REPOSITORY[:TAG]]",
					"List images", true, FLAG_MAX_ARGS(1)};
	expect_ok(&images, "", 0);
	expect_ok(&images, "busybox", 1);
	expect_refused(&images, "a b", "\"berth images\" requires at most 1 argument.");
	const struct flag_cmd two = {"berth x", "[A] [B]", "Two at most", true, FLAG_MAX_ARGS(2)};
	expect_refused(&two, "a b c", "\"berth x\" requires at most 2 arguments.");
}

static void range(void **state)
{
	const struct flag_cmd port = {"berth port", "CONTAINER [PRIVATE_PORT[/PROTO]]",
				      "List port mappings or a specific mapping for the container",
				      true, FLAG_RANGE_ARGS(1, 2)};
	expect_ok(&port, "c", 1);
	expect_ok(&port, "c 80/tcp", 2);
	/* plural after the maximum, as Docker's pluralize(max) */
	expect_refused(&port, "", "\"berth port\" requires at least 1 and at most 2 arguments.");
	expect_refused(&port, "a b c",
		       "\"berth port\" requires at least 1 and at most 2 arguments.");
}

/* Zero bounds (a command that has not stated them) check nothing. */
static void unstated(void **state)
{
	const struct flag_cmd any = {"berth compose x", "[OPTIONS]", "Anything", true};
	expect_ok(&any, "", 0);
	expect_ok(&any, "a b c d", 4);
}

/* A bad flag (125) and --help (0) come before the count, as cobra checks them first. */
static void order_and_status(void **state)
{
	const struct flag_cmd rename = {"berth rename", "CONTAINER NEW_NAME", "Rename a container",
					true, FLAG_EXACT_ARGS(2)};
	char *msg = NULL;
	assert_int_equal(run(&rename, "a --bogus", &msg), FLAGS_ERROR);
	assert_non_null(strstr(msg, "unknown flag: --bogus"));
	free(msg);
	/* help goes to stdout: nothing on stderr */
	fflush(stdout);
	int saved = dup(STDOUT_FILENO);
	FILE *null = fopen("/dev/null", "w");
	dup2(fileno(null), STDOUT_FILENO);
	int r = run(&rename, "a --help", &msg);
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	fclose(null);
	assert_int_equal(r, FLAGS_HELP);
	assert_string_equal(msg, "");
	free(msg);
	assert_int_equal(flags_status(FLAGS_HELP), 0);
	assert_int_equal(flags_status(FLAGS_ERROR), 125);
	assert_int_equal(flags_status(FLAGS_NARGS), 1);
}

static int check(const struct flag_cmd *cmd, int n, char **argv)
{
	return flags_check_args(cmd, n);
}

/* A bound that depends on a flag (start --all): the strict copy checked after parsing. */
static void check_args(void **state)
{
	const struct flag_cmd start = {"berth start", "[OPTIONS] CONTAINER [CONTAINER...]",
				       "Start one or more stopped containers", true,
				       FLAG_MIN_ARGS(0)};
	struct flag_cmd one = start;
	one.min_args = 1;
	int r;
	char *msg = captured(check, &one, 3, NULL, &r);
	assert_int_equal(r, 3);
	assert_string_equal(msg, "");
	free(msg);
	msg = captured(check, &one, 0, NULL, &r);
	assert_int_equal(r, FLAGS_NARGS);
	assert_string_equal(msg, "\"berth start\" requires at least 1 argument.\n"
				 "See 'berth start --help'.\n\n"
				 "Usage:  berth start [OPTIONS] CONTAINER [CONTAINER...]\n\n"
				 "Start one or more stopped containers\n");
	free(msg);
	/* an empty usage leaves no space after the name */
	const struct flag_cmd boot = {"berth system boot", "", "Start them", true, FLAG_NO_ARGS};
	msg = captured(check, &boot, 1, NULL, &r);
	assert_int_equal(r, FLAGS_NARGS);
	assert_string_equal(msg, "\"berth system boot\" accepts no arguments.\n"
				 "See 'berth system boot --help'.\n\n"
				 "Usage:  berth system boot\n\nStart them\n");
	free(msg);
}

/* Compose v2's commands (cobra in a CLI plugin): cobra's messages alone, and a bad flag
 * exits 1 as a bad count does. */
static void cobra(void **state)
{
	const struct flag_cmd exec = {"berth compose exec", "SERVICE COMMAND", "Execute", false,
				      FLAG_MIN_ARGS(2),     .cobra = true};
	const struct flag_cmd ls = {"berth compose ls", "[OPTIONS]",  "List", true,
				    FLAG_NO_ARGS,       .cobra = true};
	const struct flag_cmd pair = {"berth compose x",     "A [B]",      "X", true,
				      FLAG_RANGE_ARGS(1, 2), .cobra = true};
	const struct flag_cmd one = {"berth compose y",  "A",          "Y", true,
				     FLAG_EXACT_ARGS(1), .cobra = true};
	const struct flag_cmd most = {"berth compose z", "[A]",        "Z", true,
				      FLAG_MAX_ARGS(1),  .cobra = true};
	const struct {
		const struct flag_cmd *cmd;
		const char *args, *msg;
		int r;
	} cases[] = {
	    {&exec, "web", "berth: requires at least 2 arg(s), only received 1\n", FLAGS_NARGS},
	    {&ls, "a b", "berth: unknown command \"a\" for \"berth compose ls\"\n", FLAGS_NARGS},
	    {&pair, "a b c", "berth: accepts between 1 and 2 arg(s), received 3\n", FLAGS_NARGS},
	    {&one, "", "berth: accepts 1 arg(s), received 0\n", FLAGS_NARGS},
	    {&most, "a b", "berth: accepts at most 1 arg(s), received 2\n", FLAGS_NARGS},
	    {&ls, "--bogus", "berth: unknown flag: --bogus\n", FLAGS_USAGE},
	    {&ls, "-Z", "berth: unknown shorthand flag: 'Z' in -Z\n", FLAGS_USAGE},
	    {&exec, "web sh", "", 2},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *msg = NULL;
		int r = run(cases[i].cmd, cases[i].args, &msg);
		if (r != cases[i].r || strcmp(msg, cases[i].msg))
			fail_msg("%s '%s': %d '%s', not %d '%s'", cases[i].cmd->name, cases[i].args,
				 r, msg, cases[i].r, cases[i].msg);
		free(msg);
	}
	assert_int_equal(flags_status(FLAGS_USAGE), 1);
}

/* FLAG_TRISTATE: untouched when not given, 1 bare or =true, -1 =false, a bad value refused. */
static void tristate(void **state)
{
	const struct flag_cmd cmd = {"berth run", "IMAGE", "Run", false, FLAG_MIN_ARGS(1)};
	const struct {
		const char *args[3];
		int r, want;
	} cases[] = {
	    {{"img"}, 1, 0},
	    {{"--tpl", "img"}, 1, 1},
	    {{"--tpl=true", "img"}, 1, 1},
	    {{"--tpl=false", "img"}, 1, -1},
	    {{"--tpl=0", "img"}, 1, -1},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int tpl = 0, argc = 0;
		char *argv[4] = {NULL};
		while (argc < 3 && cases[i].args[argc]) {
			argv[argc] = (char *)cases[i].args[argc];
			argc++;
		}
		const struct flag flags[] = {{"tpl", 0, FLAG_TRISTATE, &tpl, "T"}, FLAG_END};
		const char **pos = NULL;
		assert_int_equal(flags_parse(&cmd, flags, argc, argv, &pos), cases[i].r);
		free(pos);
		assert_int_equal(tpl, cases[i].want);
	}
	int tpl = 0;
	char *bad[] = {"--tpl=maybe", "img", NULL};
	const struct flag flags[] = {{"tpl", 0, FLAG_TRISTATE, &tpl, "T"}, FLAG_END};
	const char **pos = NULL;
	assert_int_equal(flags_parse(&cmd, flags, 2, bad, &pos), FLAGS_ERROR);
	assert_int_equal(tpl, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(no_args),
	    cmocka_unit_test(exact),
	    cmocka_unit_test(min),
	    cmocka_unit_test(max),
	    cmocka_unit_test(range),
	    cmocka_unit_test(unstated),
	    cmocka_unit_test(order_and_status),
	    cmocka_unit_test(check_args),
	    cmocka_unit_test(cobra),
	    cmocka_unit_test(tristate),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
