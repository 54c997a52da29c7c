/* Pid files read back only while the number names the program: the running process by its
 * name, another name refused, a process gone refused, a kill that reaches the named one and
 * removes the file, and one that spares a process of another name. */
/* cmocka.h needs setjmp.h, stdarg.h and stddef.h before it: keep this order. */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
// clang-format on

#include "util/pidfile.h"

static char path[64];

static void write_pid(pid_t pid)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "%d\n", (int)pid);
	fclose(f);
}

/* A child named name that waits for a signal. */
static pid_t named_child(const char *name)
{
	int p[2];
	assert_int_equal(pipe(p), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		prctl(PR_SET_NAME, name);
		close(p[0]);
		close(p[1]); /* named now */
		for (;;)
			pause();
	}
	close(p[1]);
	char c;
	assert_int_equal(read(p[0], &c, 1), 0); /* EOF once the child closed its end */
	close(p[0]);
	return pid;
}

static int setup(void **state)
{
	snprintf(path, sizeof(path), "/tmp/berth-test-pidfile.%d", (int)getpid());
	return 0;
}

static int teardown(void **state)
{
	unlink(path);
	return 0;
}

static void test_named(void **state)
{
	pid_t pid = named_child("berthdaemonx");
	write_pid(pid);
	static const char *const mine[] = {"other", "berthdaemon", NULL};
	static const char *const theirs[] = {"other", NULL};
	assert_int_equal(pidfile_read_named(path, mine), pid);
	assert_int_equal(pidfile_read_named(path, theirs), 0);
	/* a process of another name is spared, the file goes */
	pidfile_kill(path, theirs, SIGKILL, false);
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(kill(pid, 0), 0);
	/* the named one gets the signal */
	write_pid(pid);
	pidfile_kill(path, mine, SIGTERM, false);
	int st = 0;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM);
	assert_int_equal(access(path, F_OK), -1);
	/* gone: its number names nothing (or, reused, not this name) */
	write_pid(pid);
	assert_int_equal(pidfile_read_named(path, mine), 0);
}

static void test_malformed(void **state)
{
	static const char *const any[] = {"", NULL};
	assert_int_equal(pidfile_read_named(path, any), 0); /* no file */
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("1\n", f); /* init is never ours */
	fclose(f);
	assert_int_equal(pidfile_read_named(path, any), 0);
	f = fopen(path, "w");
	fputs("junk\n", f);
	fclose(f);
	assert_int_equal(pidfile_read_named(path, any), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_named, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_malformed, setup, teardown),
	};
	return cmocka_run_group_tests_name("util/pidfile", tests, NULL, NULL);
}
