/* child_fork_piped: in the child, its end is close-on-exec and the pipe's read end is not
 * open there; the parent reads what the child wrote, then EOF once the child has ended (no
 * write end left with the parent), and reaps the child's status. */
/* cmocka.h needs setjmp.h, stdarg.h and stddef.h before it: keep this order. */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
// clang-format on

#include "util/child.h"

/* The child says one byte per fact, '1' true: its fd is close-on-exec, is a pipe, and no
 * other fd below 64 in the child is that pipe (the read end closed). */
static void forks_with_a_pipe(void **state)
{
	(void)state;
	int fd = -1;
	pid_t pid = child_fork_piped(&fd);
	assert_true(pid >= 0);
	if (pid == 0) {
		struct stat me, other;
		char facts[3] = {'0', '0', '1'};
		facts[0] = fcntl(fd, F_GETFD) == FD_CLOEXEC ? '1' : '0';
		facts[1] = fstat(fd, &me) == 0 && S_ISFIFO(me.st_mode) ? '1' : '0';
		for (int i = 0; i < 64; i++)
			if (i != fd && fstat(i, &other) == 0 && other.st_dev == me.st_dev &&
			    other.st_ino == me.st_ino)
				facts[2] = '0'; /* the read end is still open here */
		(void)!write(fd, facts, sizeof(facts));
		_exit(7);
	}
	assert_true(fd >= 0);
	assert_int_equal(fcntl(fd, F_GETFD), FD_CLOEXEC);
	char got[8];
	ssize_t n = read(fd, got, sizeof(got));
	assert_int_equal(n, 3);
	assert_memory_equal(got, "111", 3);
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 7);
	/* EOF, not EAGAIN: no write end left with us */
	assert_int_equal(fcntl(fd, F_SETFL, O_NONBLOCK), 0);
	assert_int_equal(read(fd, got, sizeof(got)), 0);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(forks_with_a_pipe),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
