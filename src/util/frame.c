/* Attach frames (see frame.h). */
#include "util/frame.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util/fs.h"

/* The 8 bytes before a frame's payload. */
static void header(unsigned char h[8], enum frame_stream s, size_t len)
{
	h[0] = (unsigned char)s;
	h[1] = h[2] = h[3] = 0;
	for (int i = 0; i < 4; i++)
		h[4 + i] = (unsigned char)(len >> (24 - 8 * i));
}

int frame_write(int fd, enum frame_stream s, const void *data, size_t len)
{
	if (len > FRAME_MAX)
		return -EMSGSIZE;
	unsigned char h[8];
	header(h, s, len);
	int r = fs_write_all(fd, h, sizeof(h));
	if (r == 0 && len)
		r = fs_write_all(fd, data, len);
	return r;
}

int frame_send_empty(int sock, enum frame_stream s)
{
	unsigned char h[8];
	header(h, s, 0);
	ssize_t k;
	do
		k = send(sock, h, sizeof(h), MSG_NOSIGNAL);
	while (k < 0 && errno == EINTR);
	return k == (ssize_t)sizeof(h) ? 0 : k < 0 ? -errno : -EPIPE;
}

int frame_exec_send(int sock, const void *records, size_t len, bool input)
{
	int r = frame_write(sock, FRAME_EXEC, records, len);
	if (r == 0 && !input)
		(void)frame_send_empty(sock, FRAME_STDIN_EOF);
	return r;
}

static int read_full(int fd, void *buf, size_t n)
{
	size_t done = 0;
	while (done < n) {
		ssize_t k = read(fd, (char *)buf + done, n - done);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -errno;
		if (k == 0)
			return done ? -EPROTO : 0;
		done += (size_t)k;
	}
	return 1;
}

int frame_read(int fd, enum frame_stream *out_stream, char *buf, size_t *out_len)
{
	unsigned char h[8];
	int r = read_full(fd, h, sizeof(h));
	if (r <= 0)
		return r;
	size_t len = (size_t)h[4] << 24 | (size_t)h[5] << 16 | (size_t)h[6] << 8 | h[7];
	if (len > FRAME_MAX || h[0] > FRAME_STREAM_LAST)
		return -EPROTO;
	if (len && (r = read_full(fd, buf, len)) <= 0)
		return r < 0 ? r : -EPROTO;
	buf[len] = '\0';
	*out_stream = (enum frame_stream)h[0];
	*out_len = len;
	return 1;
}

bool frame_exec_early(bool *started, enum frame_stream *s, char *buf, size_t *len)
{
	static const char stopped[] = FRAME_EXEC_STOPPED;
	if (*s == FRAME_STARTED)
		*started = true;
	if (!*started && *s == FRAME_EXIT) { /* the container's status, not the exec's */
		*s = FRAME_ERROR;
		memcpy(buf, stopped, sizeof(stopped));
		*len = sizeof(stopped) - 1;
	}
	return !*started && (*s == FRAME_STDOUT || *s == FRAME_STDERR);
}
