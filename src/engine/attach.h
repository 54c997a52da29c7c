/* The stream between a container's monitor and the commands attached to it (`run` in the
 * foreground, `start -a`, `attach`), over the Unix socket <runroot>/<id>/attach. Frames as
 * Docker's attach stream has them: 8 bytes (stream, 0, 0, 0, length big-endian) then the
 * payload, with streams of our own for the exit status, window sizes and the end of stdin. */
#ifndef BERTH_ENGINE_ATTACH_H
#define BERTH_ENGINE_ATTACH_H

#include <stddef.h>
#include <stdint.h>

#define ENG_FRAME_MAX (64 << 10)

enum eng_stream {
	ENG_STDIN = 0,
	ENG_STDOUT = 1,
	ENG_STDERR = 2,
	ENG_EXIT = 3,      /* monitor → client: the exit status, as decimal text */
	ENG_RESIZE = 4,    /* client → monitor: "rows cols" */
	ENG_STDIN_EOF = 5, /* client → monitor: no more input */
	ENG_DETACH = 6,    /* monitor → client: stdin said the detach keys */
	ENG_SIGNAL = 7,    /* client → monitor: a signal for the process, as decimal text */
	/* `berth exec` into a container whose executor runs execs itself (a VM): the client's
	 * first frame, then its frames are its own process's (engine/session.h) */
	ENG_EXEC = 8,     /* client → monitor: the process, as the guest's records */
	ENG_ERROR = 9,    /* monitor → client: "CODE message": it could not be run; the end */
	ENG_STARTED = 10, /* monitor → client: it runs */
	ENG_STREAM_LAST = ENG_STARTED,
};

struct berr;
struct eng_store;

/* Connect to the container's attach socket (waiting a little for the monitor to make it). */
int eng_attach_connect(const struct eng_store *s, const char *id, struct berr **err);

/* The whole frame, or -errno. */
int eng_frame_write(int fd, enum eng_stream s, const void *data, size_t len);
/* One frame into buf (cap >= ENG_FRAME_MAX + 1, NUL-terminated); 0 at a clean end, 1 with a
 * frame, -errno on error or a malformed frame. */
int eng_frame_read(int fd, enum eng_stream *out_stream, char *buf, size_t *out_len);

#endif
