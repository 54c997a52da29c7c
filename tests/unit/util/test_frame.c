/* Attach frames: a frame written reads back as written (stream, length, payload, NUL after
 * it); an empty frame sent to a socket whose peer has gone gives -EPIPE and no SIGPIPE (the
 * default action would end this test: the run shows it), and reads back when the peer is
 * there; a malformed header (an unknown stream, a length past FRAME_MAX) is -EPROTO. */
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

/* An exec's connection: output before FRAME_STARTED is the container's, dropped; what
 * follows is the exec's, and an attach's frames (started from the first) are all kept. */
static void test_exec_early(void **state)
{
	(void)state;
	bool started = false;
	assert_true(frame_exec_early(&started, FRAME_STDOUT));
	assert_true(frame_exec_early(&started, FRAME_STDERR));
	assert_false(frame_exec_early(&started, FRAME_ERROR));
	assert_false(started);
	assert_false(frame_exec_early(&started, FRAME_STARTED));
	assert_true(started);
	assert_false(frame_exec_early(&started, FRAME_STDOUT));
	assert_false(frame_exec_early(&started, FRAME_STDERR));
	assert_false(frame_exec_early(&started, FRAME_EXIT));
	bool attach = true;
	assert_false(frame_exec_early(&attach, FRAME_STDOUT));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_round_trip),
	    cmocka_unit_test(test_peer_gone),
	    cmocka_unit_test(test_malformed),
	    cmocka_unit_test(test_exec_early),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
