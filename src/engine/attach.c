/* Attach frames (see attach.h). */
#include "engine/attach.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "engine/monitor.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/fs.h"

int eng_frame_write(int fd, enum eng_stream s, const void *data, size_t len)
{
	if (len > ENG_FRAME_MAX)
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

int eng_frame_read(int fd, enum eng_stream *out_stream, char *buf, size_t *out_len)
{
	unsigned char h[8];
	int r = read_full(fd, h, sizeof(h));
	if (r <= 0)
		return r;
	size_t len = (size_t)h[4] << 24 | (size_t)h[5] << 16 | (size_t)h[6] << 8 | h[7];
	if (len > ENG_FRAME_MAX || h[0] > ENG_STREAM_LAST)
		return -EPROTO;
	if (len && (r = read_full(fd, buf, len)) <= 0)
		return r < 0 ? r : -EPROTO;
	buf[len] = '\0';
	*out_stream = (enum eng_stream)h[0];
	*out_len = len;
	return 1;
}

int eng_attach_connect(const struct eng_store *s, const char *id, struct berr **err)
{
	autofree char *path = eng_attach_path(s, id);
	struct sockaddr_un a;
	autoclose int dirfd = -1;
	if (fs_unix_addr(path, &a, &dirfd, err) < 0)
		return -ENAMETOOLONG;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return berr_set(err, errno, "socket");
	/* the monitor may still be making it */
	for (int i = 0; i < 100; i++) {
		if (connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0)
			return fd;
		if (errno != ENOENT && errno != ECONNREFUSED)
			break;
		struct timespec ts = {0, 20 * 1000000L};
		nanosleep(&ts, NULL);
	}
	int e = errno;
	(void)close(fd);
	return berr_set(err, e, "attach to container %.12s", id);
}
