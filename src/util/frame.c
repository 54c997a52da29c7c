/* Attach frames (see frame.h). */
#include "util/frame.h"

#include <errno.h>
#include <unistd.h>

#include "util/fs.h"

int frame_write(int fd, enum frame_stream s, const void *data, size_t len)
{
	if (len > FRAME_MAX)
		return -EMSGSIZE;
	unsigned char h[8] = {(unsigned char)s,
			      0,
			      0,
			      0,
			      (unsigned char)(len >> 24),
			      (unsigned char)(len >> 16),
			      (unsigned char)(len >> 8),
			      (unsigned char)len};
	int r = fs_write_all(fd, h, sizeof(h));
	if (r == 0 && len)
		r = fs_write_all(fd, data, len);
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
