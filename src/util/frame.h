/* The frames of the stream between a container's monitor and the commands attached to it
 * (engine/attach.h), which a VM's exec sessions (vm/session.h) carry too: as Docker's attach
 * stream has them, 8 bytes (stream, 0, 0, 0, length big-endian) then the payload, with
 * streams of berth's own for the exit status, window sizes and the end of stdin. */
#ifndef BERTH_UTIL_FRAME_H
#define BERTH_UTIL_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FRAME_MAX (64 << 10)

enum frame_stream {
	FRAME_STDIN = 0,
	FRAME_STDOUT = 1,
	FRAME_STDERR = 2,
	FRAME_EXIT = 3,      /* monitor → client: the exit status, as decimal text */
	FRAME_RESIZE = 4,    /* client → monitor: "rows cols" */
	FRAME_STDIN_EOF = 5, /* client → monitor: no more input */
	FRAME_DETACH = 6,    /* monitor → client: stdin said the detach keys */
	FRAME_SIGNAL = 7,    /* client → monitor: a signal for the process, as decimal text */
	/* `berth exec` into a container whose executor runs execs itself (a VM): the client's
	 * first frame, then its frames are its own process's (vm/session.h) */
	FRAME_EXEC = 8,     /* client → monitor: the process, as the guest's records */
	FRAME_ERROR = 9,    /* monitor → client: "CODE message": it could not be run; the end */
	FRAME_STARTED = 10, /* monitor → client: it runs */
	FRAME_STREAM_LAST = FRAME_STARTED,
};

/* The whole frame, or -errno. */
int frame_write(int fd, enum frame_stream s, const void *data, size_t len);
/* A frame without payload (FRAME_STDIN_EOF, say) on a socket, without SIGPIPE when the peer
 * has gone: 0 or -errno. */
int frame_send_empty(int sock, enum frame_stream s);
/* One frame into buf (cap >= FRAME_MAX + 1, NUL-terminated); 0 at a clean end, 1 with a
 * frame, -errno on error or a malformed frame. */
int frame_read(int fd, enum frame_stream *out_stream, char *buf, size_t *out_len);
/* An exec's first frames on a connection to a container's monitor: FRAME_EXEC with the
 * process's records, then FRAME_STDIN_EOF unless input follows. 0 once FRAME_EXEC is
 * written, or -errno. The end of input is sent without SIGPIPE and its failure ignored: the
 * monitor may answer (a FRAME_ERROR, a quick process's FRAME_EXIT) and close the connection
 * between the two writes, and that answer is still there to be read. */
int frame_exec_send(int sock, const void *records, size_t len, bool input);
/* What frame_exec_early makes of the container's exit status sent to an exec's connection. */
#define FRAME_EXEC_STOPPED "125 the container stopped before the exec started"
/* For a frame *s (payload buf, *len) read on a connection whose first frame was FRAME_EXEC:
 * true for output that came before the exec's FRAME_STARTED, to be dropped. Until the
 * monitor read FRAME_EXEC the connection was an attach client and may have got the
 * container's output (a console's "\r\n"); the exec's own comes after FRAME_STARTED, which
 * the monitor sends first (or FRAME_ERROR, and no output). *started, false at first, is set
 * at FRAME_STARTED. A FRAME_EXIT before it is the container's end (its monitor tells its
 * attach clients), not the exec's: it becomes FRAME_ERROR FRAME_EXEC_STOPPED (buf has room
 * for FRAME_MAX + 1), an error as Docker's and podman's exec into a stopped container. */
bool frame_exec_early(bool *started, enum frame_stream *s, char *buf, size_t *len);

#endif
