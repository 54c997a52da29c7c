/* Attach frames: a frame written reads back as written (stream, length, payload, NUL after
 * it); an empty frame sent to a socket whose peer has gone gives -EPIPE and no SIGPIPE (the
 * default action would end this test: the run shows it), and reads back when the peer is
 * there; a malformed header (an unknown stream, a length past FRAME_MAX) is -EPROTO. An
 * exec's first frames: the end of its input is sent unless input follows, and a monitor
 * that answers and closes the connection between the two writes (send(2) is ours here, to
 * close it right then) leaves it a success, the answer to be read, no SIGPIPE. On an exec's
 * connection, output before FRAME_STARTED is dropped, and an EXIT before it (the
 * container's) becomes an ERROR. */
/* cmocka.h needs setjmp.h, stdarg.h and stddef.h before it: keep this order. */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>
// clang-format on

#include "util/frame.h"

static char buf[FRAME_MAX + 1];

/* frame_send_empty's send(2): when set, this fd reads the frame sent before and is closed
 * first, as a monitor that read an exec, answered and ended its connection */
static int close_first = -1;

ssize_t send(int fd, const void *data, size_t n, int flags)
{
	static char other[FRAME_MAX + 1];
	if (close_first >= 0) {
		enum frame_stream s;
		size_t len;
		assert_int_equal(frame_read(close_first, &s, other, &len), 1);
		assert_int_equal(s, FRAME_EXEC);
		(void)close(close_first);
		close_first = -1;
	}
	return sendto(fd, data, n, flags, NULL, 0);
}

static void test_round_trip(void **state)
{
	(void)state;
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(frame_write(sv[0], FRAME_STDERR, "hello", 5), 0);
	assert_int_equal(frame_send_empty(sv[0], FRAME_STDIN_EOF), 0);
	enum frame_stream s;
	size_t len;
	assert_int_equal(frame_read(sv[1], &s, buf, &len), 1);
	assert_int_equal(s, FRAME_STDERR);
	assert_int_equal(len, 5);
	assert_string_equal(buf, "hello");
	assert_int_equal(frame_read(sv[1], &s, buf, &len), 1);
	assert_int_equal(s, FRAME_STDIN_EOF);
	assert_int_equal(len, 0);
	(void)close(sv[0]);
	assert_int_equal(frame_read(sv[1], &s, buf, &len), 0); /* a clean end */
	(void)close(sv[1]);
}

static void test_peer_gone(void **state)
{
	(void)state;
	signal(SIGPIPE, SIG_DFL);
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	(void)close(sv[1]);
	assert_int_equal(frame_send_empty(sv[0], FRAME_STDIN_EOF), -EPIPE);
	(void)close(sv[0]);
}

static void test_malformed(void **state)
{
	(void)state;
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	const unsigned char unknown[8] = {FRAME_STREAM_LAST + 1, 0, 0, 0, 0, 0, 0, 0};
	const unsigned char huge[8] = {FRAME_STDOUT, 0, 0, 0, 0, 1, 0, 1}; /* 64 KiB + 1 */
	enum frame_stream s;
	size_t len;
	assert_int_equal(write(sv[0], unknown, sizeof(unknown)), sizeof(unknown));
	assert_int_equal(frame_read(sv[1], &s, buf, &len), -EPROTO);
	assert_int_equal(write(sv[0], huge, sizeof(huge)), sizeof(huge));
	assert_int_equal(frame_read(sv[1], &s, buf, &len), -EPROTO);
	assert_int_equal(frame_write(sv[0], FRAME_STDOUT, buf, FRAME_MAX + 1), -EMSGSIZE);
	(void)close(sv[0]);
	(void)close(sv[1]);
}

/* frame_exec_early on a frame s whose payload is "42": whether it is dropped */
static bool early(bool *started, enum frame_stream s)
{
	size_t len = 2;
	strcpy(buf, "42");
	bool drop = frame_exec_early(started, &s, buf, &len);
	assert_true(drop || (s != FRAME_ERROR && len == 2 && !strcmp(buf, "42")));
	return drop;
}

/* An exec's connection: output before FRAME_STARTED is the container's, dropped, and an EXIT
 * before it the container's end, an ERROR; what follows is the exec's, and an attach's
 * frames (started from the first) are all kept as they are. */
static void test_exec_early(void **state)
{
	(void)state;
	bool started = false;
	assert_true(early(&started, FRAME_STDOUT));
	assert_true(early(&started, FRAME_STDERR));
	enum frame_stream s = FRAME_EXIT;
	size_t len = 2;
	strcpy(buf, "42");
	assert_false(frame_exec_early(&started, &s, buf, &len));
	assert_int_equal(s, FRAME_ERROR);
	assert_string_equal(buf, FRAME_EXEC_STOPPED);
	assert_int_equal(len, strlen(FRAME_EXEC_STOPPED));
	assert_false(started);
	assert_false(early(&started, FRAME_STARTED));
	assert_true(started);
	assert_false(early(&started, FRAME_STDOUT));
	assert_false(early(&started, FRAME_STDERR));
	assert_false(early(&started, FRAME_EXIT));
	bool attach = true;
	assert_false(early(&attach, FRAME_STDOUT));
	assert_false(early(&attach, FRAME_EXIT));
}

static void test_exec_send(void **state)
{
	(void)state;
	int sv[2];
	enum frame_stream s;
	size_t len;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(frame_exec_send(sv[0], "a=b", 3, true), 0); /* input follows */
	assert_int_equal(frame_exec_send(sv[0], "c=d", 3, false), 0);
	(void)close(sv[0]);
	assert_int_equal(frame_read(sv[1], &s, buf, &len), 1);
	assert_true(s == FRAME_EXEC && len == 3 && !strcmp(buf, "a=b"));
	assert_int_equal(frame_read(sv[1], &s, buf, &len), 1);
	assert_true(s == FRAME_EXEC && len == 3 && !strcmp(buf, "c=d"));
	assert_int_equal(frame_read(sv[1], &s, buf, &len), 1);
	assert_true(s == FRAME_STDIN_EOF && len == 0);
	assert_int_equal(frame_read(sv[1], &s, buf, &len), 0);
	(void)close(sv[1]);
}

static void test_exec_answered_first(void **state)
{
	(void)state;
	signal(SIGPIPE, SIG_DFL);
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	/* the monitor's answer, then its end, both before the end of input is sent */
	assert_int_equal(frame_write(sv[1], FRAME_ERROR, "125 busy", 8), 0);
	close_first = sv[1];
	assert_int_equal(frame_exec_send(sv[0], "a=b", 3, false), 0);
	assert_int_equal(close_first, -1);
	enum frame_stream s;
	size_t len;
	assert_int_equal(frame_read(sv[0], &s, buf, &len), 1);
	assert_true(s == FRAME_ERROR && !strcmp(buf, "125 busy"));
	(void)close(sv[0]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_round_trip),          cmocka_unit_test(test_peer_gone),
	    cmocka_unit_test(test_malformed),           cmocka_unit_test(test_exec_send),
	    cmocka_unit_test(test_exec_answered_first), cmocka_unit_test(test_exec_early),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
