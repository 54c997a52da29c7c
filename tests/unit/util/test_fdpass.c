/* One descriptor with a message over a Unix socket: it arrives working and close-on-exec, a
 * message without one gives -1, a closed peer gives 0. */
/* cmocka.h needs setjmp.h, stdarg.h and stddef.h before it: keep this order. */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>
// clang-format on

#include "util/fdpass.h"

static void passes_a_working_descriptor(void **state)
{
	int sp[2], pp[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp), 0);
	assert_int_equal(pipe2(pp, O_CLOEXEC), 0);
	assert_int_equal(fdpass_send(sp[0], "tty", 3, pp[1]), 0);
	(void)close(pp[1]);
	char buf[16] = {0};
	int fd = -2;
	assert_int_equal(fdpass_recv(sp[1], buf, sizeof(buf), 0, &fd), 3);
	assert_string_equal(buf, "tty");
	assert_true(fd >= 0);
	assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	assert_int_equal(write(fd, "x", 1), 1); /* the pipe's write end, passed */
	char c = 0;
	assert_int_equal(read(pp[0], &c, 1), 1);
	assert_int_equal(c, 'x');
	(void)close(fd);
	(void)close(pp[0]);
	/* a message without a descriptor */
	assert_int_equal(write(sp[0], "plain", 5), 5);
	assert_int_equal(fdpass_recv(sp[1], buf, sizeof(buf), 0, &fd), 5);
	assert_int_equal(fd, -1);
	/* nothing waiting, without blocking; then the peer's end */
	assert_int_equal(fdpass_recv(sp[1], buf, sizeof(buf), MSG_DONTWAIT, &fd), -EAGAIN);
	(void)close(sp[0]);
	assert_int_equal(fdpass_recv(sp[1], buf, sizeof(buf), 0, &fd), 0);
	assert_int_equal(fd, -1);
	(void)close(sp[1]);
}

static void a_closed_socket_is_an_error(void **state)
{
	int sp[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp), 0);
	(void)close(sp[1]);
	assert_int_equal(fdpass_send(sp[0], "x", 1, 0), -EPIPE);
	(void)close(sp[0]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(passes_a_working_descriptor),
	    cmocka_unit_test(a_closed_socket_is_an_error),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
