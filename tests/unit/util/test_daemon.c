/* A daemon child detached: a session of its own, "/" as its directory, stdio on /dev/null,
 * no other descriptor of its parent's; asleep, named, until SIGTERM ends it. */
/* cmocka.h needs setjmp.h, stdarg.h and stddef.h before it: keep this order. */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
// clang-format on

#include "util/daemon.h"

/* stdio fd is /dev/null */
static bool is_null(int fd)
{
	struct stat a, b;
	return fstat(fd, &a) == 0 && stat("/dev/null", &b) == 0 && S_ISCHR(a.st_mode) &&
	       a.st_rdev == b.st_rdev;
}

static void detached(void **state)
{
	int kept = open("/dev/zero", O_RDONLY); /* no close-on-exec: detach closes it */
	assert_true(kept > 2);
	assert_int_equal(chdir("/tmp"), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (daemon_detach() < 0)
			_exit(10);
		char cwd[8];
		int bad = 0;
		bad |= getsid(0) != getpid() ? 1 : 0;
		bad |= !getcwd(cwd, sizeof(cwd)) || strcmp(cwd, "/") ? 2 : 0;
		for (int fd = 0; fd < 3; fd++)
			bad |= is_null(fd) ? 0 : 4;
		bad |= fcntl(kept, F_GETFD) < 0 && errno == EBADF ? 0 : 8;
		_exit(bad);
	}
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	close(kept);
}

static void asleep_until_sigterm(void **state)
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		sigset_t all;
		sigfillset(&all);
		sigprocmask(SIG_SETMASK, &all, NULL); /* daemon_sleep unblocks them */
		daemon_sleep("berth-test-dmn");
	}
	char path[64], comm[32] = "";
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	for (int i = 0; i < 200 && strcmp(comm, "berth-test-dmn\n"); i++) {
		FILE *f = fopen(path, "r");
		if (f) {
			if (!fgets(comm, sizeof(comm), f))
				comm[0] = '\0';
			fclose(f);
		}
		nanosleep(&(struct timespec){.tv_nsec = 10000000}, NULL);
	}
	assert_string_equal(comm, "berth-test-dmn\n");
	/* ignored: it sleeps on */
	assert_int_equal(kill(pid, SIGHUP), 0);
	assert_int_equal(kill(pid, SIGTERM), 0);
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFSIGNALED(st));
	assert_int_equal(WTERMSIG(st), SIGTERM);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(detached),
	    cmocka_unit_test(asleep_until_sigterm),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
