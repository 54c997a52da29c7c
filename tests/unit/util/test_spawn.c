/* A helper program run to its end: its exit status, its stderr kept up to the bound, killed at
 * its timeout, a failed exec told apart from a program's own failure, the directory, umask and
 * descriptors it starts with, and a daemon it leaves behind not waited for. */
/* cmocka.h needs setjmp.h, stdarg.h and stddef.h before it: keep this order. */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
// clang-format on

#include "util/err.h"
#include "util/json.h"
#include "util/spawn.h"

/* sh -c SCRIPT with o's other settings */
static int sh(struct spawn_opts o, const char *script, struct spawn_result *res, struct berr **err)
{
	const char *argv[] = {"sh", "-c", script, NULL};
	o.argv = argv;
	return spawn_run(&o, res, err);
}

static void exit_status_and_stderr(void **state)
{
	struct spawn_result res;
	struct berr *err = NULL;
	assert_int_equal(sh((struct spawn_opts){}, "exit 3", &res, &err), -EIO);
	assert_true(WIFEXITED(res.status));
	assert_int_equal(WEXITSTATUS(res.status), 3);
	assert_false(res.not_found);
	assert_string_equal(err->msg, "'sh' exited with status 3");
	assert_int_equal(berr_code(err), EIO);
	berr_clear(&err);
	spawn_result_free(&res);

	/* its complaint is the message, trailing newlines gone */
	assert_int_equal(sh((struct spawn_opts){},
			    "echo out; printf 'first\\nbad thing\\n\\n' >&2; "
			    "exit 1",
			    &res, &err),
			 -EIO);
	assert_string_equal(res.err, "first\nbad thing");
	assert_string_equal(spawn_last_line(res.err), "bad thing");
	assert_string_equal(res.out, ""); /* stdout not asked for: /dev/null */
	assert_string_equal(err->msg, "first\nbad thing");
	assert_true(err->plain);
	berr_clear(&err);
	spawn_result_free(&res);

	/* success leaves err alone; stdout kept when asked, stdin is /dev/null */
	assert_int_equal(sh((struct spawn_opts){.out = SPAWN_OUT_CAPTURE},
			    "cat; echo hi; echo warn >&2", &res, &err),
			 0);
	assert_null(err);
	assert_string_equal(res.out, "hi\n");
	assert_string_equal(res.err, "warn");
	spawn_result_free(&res);

	/* stdout into stderr's pipe */
	assert_int_equal(
	    sh((struct spawn_opts){.out = SPAWN_OUT_STDERR}, "echo one; exit 2", &res, &err), -EIO);
	assert_string_equal(res.err, "one");
	berr_clear(&err);
	spawn_result_free(&res);

	/* killed by a signal */
	assert_int_equal(sh((struct spawn_opts){}, "kill -9 $$", &res, &err), -EIO);
	assert_true(WIFSIGNALED(res.status));
	assert_string_equal(err->msg, "'sh' was killed by signal 9");
	berr_clear(&err);
	spawn_result_free(&res);
}

/* More than the bound is read (the program does not block on a full pipe) and dropped. */
static void stderr_truncated_at_the_bound(void **state)
{
	struct spawn_result res;
	struct berr *err = NULL;
	assert_int_equal(
	    sh((struct spawn_opts){.err_max = 100, .out = SPAWN_OUT_CAPTURE, .out_max = 10},
	       "head -c 200000 /dev/zero | tr '\\0' x >&2; "
	       "head -c 200000 /dev/zero | tr '\\0' y; exit 1",
	       &res, &err),
	    -EIO);
	assert_int_equal(strlen(res.err), 100);
	assert_int_equal(strspn(res.err, "x"), 100);
	assert_string_equal(res.out, "yyyyyyyyyy");
	assert_int_equal(WEXITSTATUS(res.status), 1);
	berr_clear(&err);
	spawn_result_free(&res);

	/* the default bound */
	assert_int_equal(
	    sh((struct spawn_opts){}, "head -c 10000 /dev/zero | tr '\\0' z >&2", &res, &err), 0);
	assert_int_equal(strlen(res.err), SPAWN_TEXT_MAX);
	spawn_result_free(&res);
}

static void timeout_kills(void **state)
{
	struct spawn_result res;
	struct berr *err = NULL;
	time_t t0 = time(NULL);
	assert_int_equal(sh((struct spawn_opts){.timeout_ms = 200},
			    "echo started >&2; exec sleep 60", &res, &err),
			 -ETIMEDOUT);
	assert_true(time(NULL) - t0 < 30);
	assert_true(WIFSIGNALED(res.status));
	assert_int_equal(WTERMSIG(res.status), SIGKILL);
	assert_string_equal(res.err, "started");
	assert_string_equal(err->msg, "'sh' did not finish in 200 ms: started");
	assert_int_equal(berr_code(err), ETIMEDOUT);
	berr_clear(&err);
	spawn_result_free(&res);

	/* a program quicker than its limit */
	assert_int_equal(sh((struct spawn_opts){.timeout_ms = 60000}, "exit 0", &res, &err), 0);
	spawn_result_free(&res);
}

static void exec_failure_reported(void **state)
{
	struct spawn_result res;
	struct berr *err = NULL;
	const char *missing[] = {"berth-test-no-such-program", NULL};
	assert_int_equal(spawn_run(&(struct spawn_opts){.argv = missing}, &res, &err), -ENOENT);
	assert_true(res.not_found);
	assert_int_equal(res.status, -1);
	assert_string_equal(res.err, "");
	assert_string_equal(err->msg, "run 'berth-test-no-such-program'");
	assert_int_equal(berr_code(err), ENOENT);
	berr_clear(&err);
	spawn_result_free(&res);

	/* found but not executable: the exec's own errno, not "not installed" */
	char path[] = "/tmp/berth-test-spawn-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	(void)close(fd);
	const char *noexec[] = {path, NULL};
	assert_int_equal(spawn_run(&(struct spawn_opts){.argv = noexec}, &res, &err), -EACCES);
	assert_false(res.not_found);
	(void)unlink(path);
	berr_clear(&err);
	spawn_result_free(&res);

	/* a directory it cannot start in */
	assert_int_equal(
	    sh((struct spawn_opts){.dir = "/nonexistent-berth-test"}, "exit 0", &res, &err),
	    -ENOENT);
	berr_clear(&err);
	spawn_result_free(&res);
}

static void directory_umask_and_descriptors(void **state)
{
	struct spawn_result res;
	struct berr *err = NULL;
	assert_int_equal(
	    sh((struct spawn_opts){.out = SPAWN_OUT_CAPTURE, .dir = "/proc", .umask = 027},
	       "pwd; umask", &res, &err),
	    0);
	assert_string_equal(res.out, "/proc\n0027\n");
	spawn_result_free(&res);
	mode_t ours = umask(0);
	(void)umask(ours);
	assert_int_not_equal(ours, 027); /* ours was set back */

	int dfd = open("/sys", O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(dfd >= 0);
	assert_int_equal(sh((struct spawn_opts){.out = SPAWN_OUT_CAPTURE,
						.dirfd = dfd,
						.has_dirfd = true,
						.close_others = true},
			    "pwd", &res, &err),
			 0);
	assert_string_equal(res.out, "/sys\n");
	spawn_result_free(&res);
	(void)close(dfd);

	/* a descriptor not close-on-exec: inherited, unless close_others */
	int keep = open("/dev/null", O_RDONLY);
	assert_true(keep > 2);
	char script[64];
	snprintf(script, sizeof(script), "[ -e /proc/self/fd/%d ]", keep);
	assert_int_equal(sh((struct spawn_opts){}, script, &res, &err), 0);
	spawn_result_free(&res);
	assert_int_equal(sh((struct spawn_opts){.close_others = true}, script, &res, &err), -EIO);
	berr_clear(&err);
	spawn_result_free(&res);
	(void)close(keep);
}

/* A descriptor handed over as fd 3 (passt's socket), the others closed: from a number of
 * its own, and from 3 itself (a dup2 onto itself would have kept close-on-exec). */
static void a_descriptor_as_fd3(void **state)
{
	struct spawn_result res;
	struct berr *err = NULL;
	for (int round = 0; round < 2; round++) {
		int p[2];
		assert_int_equal(pipe2(p, O_CLOEXEC), 0);
		assert_int_equal(write(p[1], "via3", 4), 4);
		(void)close(p[1]);
		int fd = round == 0 ? fcntl(p[0], F_DUPFD_CLOEXEC, 20) : p[0];
		if (round == 1 && fd != 3 && fcntl(3, F_GETFD) < 0)
			fd = dup3(p[0], 3, O_CLOEXEC);
		assert_true(fd >= 0);
		if (fd != p[0])
			(void)close(p[0]);
		assert_int_equal(sh((struct spawn_opts){.out = SPAWN_OUT_CAPTURE,
							.fd3 = fd,
							.has_fd3 = true,
							.close_others = true},
				    "cat <&3; [ ! -e /proc/self/fd/4 ] && echo :closed", &res,
				    &err),
				 0);
		assert_string_equal(res.out, "via3:closed\n");
		spawn_result_free(&res);
		(void)close(fd);
	}
}

/* A program that leaves a daemon holding its stderr: the first process's end is the end. */
static void a_daemon_is_not_waited_for(void **state)
{
	struct spawn_result res;
	struct berr *err = NULL;
	time_t t0 = time(NULL);
	assert_int_equal(sh((struct spawn_opts){.out = SPAWN_OUT_CAPTURE},
			    "sleep 60 >/dev/null & echo $!; echo mounted >&2", &res, &err),
			 0);
	assert_true(time(NULL) - t0 < 30);
	assert_string_equal(res.err, "mounted");
	pid_t daemon = (pid_t)atoi(res.out);
	assert_true(daemon > 0);
	assert_int_equal(kill(daemon, SIGKILL), 0);
	spawn_result_free(&res);
}

static void environment_changed(void **state)
{
	assert_int_equal(setenv("BERTH_TEST_GONE", "1", 1), 0);
	assert_int_equal(setenv("BERTH_TEST_SET", "old", 1), 0);
	char **env = spawn_env((const char *const[]){"BERTH_TEST_GONE", "BERTH_TEST_SET=new",
						     "BERTH_TEST_ADD=x", NULL});
	struct spawn_result res;
	struct berr *err = NULL;
	assert_int_equal(sh((struct spawn_opts){.out = SPAWN_OUT_CAPTURE, .envp = env},
			    "echo \"${BERTH_TEST_GONE-unset} $BERTH_TEST_SET $BERTH_TEST_ADD\"",
			    &res, &err),
			 0);
	assert_string_equal(res.out, "unset new x\n");
	spawn_result_free(&res);
	strv_free(env);
	assert_string_equal(getenv("BERTH_TEST_SET"), "old"); /* ours unchanged */
}

/* In two steps: the caller works while it runs (here: reads what it wrote on fd 3), then
 * hears its end as spawn_run says it; one that could not start is told at the finish. */
static void started_then_finished(void **state)
{
	int p[2];
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	const char *argv[] = {"sh", "-c", "echo ready >&3; echo bad thing >&2; exit 2", NULL};
	struct spawn_proc proc;
	spawn_start(&(struct spawn_opts){.argv = argv, .fd3 = p[1], .has_fd3 = true}, &proc);
	assert_int_equal(proc.r, 0);
	assert_true(proc.pid > 0);
	assert_true(proc.pidfd >= 0);
	close(p[1]);
	char buf[16] = "";
	assert_int_equal(read(p[0], buf, sizeof(buf) - 1), 6);
	assert_string_equal(buf, "ready\n");
	close(p[0]);
	struct spawn_result res;
	struct berr *err = NULL;
	assert_int_equal(spawn_finish(&proc, &res, &err), -EIO);
	assert_string_equal(err->msg, "bad thing");
	assert_int_equal(WEXITSTATUS(res.status), 2);
	assert_int_equal(proc.pidfd, -1); /* closed */
	berr_clear(&err);
	spawn_result_free(&res);

	const char *none[] = {"berth-test-no-such-program", NULL};
	spawn_start(&(struct spawn_opts){.argv = none}, &proc);
	assert_int_equal(proc.r, -ENOENT);
	assert_int_equal(spawn_finish(&proc, &res, &err), -ENOENT);
	assert_true(res.not_found);
	berr_clear(&err);
	spawn_result_free(&res);

	/* one not waited for: closed, and reaped by the caller */
	const char *t[] = {"true", NULL};
	spawn_start(&(struct spawn_opts){.argv = t}, &proc);
	pid_t pid = proc.pid;
	spawn_proc_close(&proc);
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(exit_status_and_stderr),
	    cmocka_unit_test(stderr_truncated_at_the_bound),
	    cmocka_unit_test(timeout_kills),
	    cmocka_unit_test(exec_failure_reported),
	    cmocka_unit_test(directory_umask_and_descriptors),
	    cmocka_unit_test(a_descriptor_as_fd3),
	    cmocka_unit_test(a_daemon_is_not_waited_for),
	    cmocka_unit_test(environment_changed),
	    cmocka_unit_test(started_then_finished),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
