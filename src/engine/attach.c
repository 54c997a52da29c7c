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

int eng_attach_connect(const struct eng_store *s, const char *id, struct berr **err)
{
	autofree char *path = eng_attach_path(s, id);
	struct sockaddr_un a;
	autoclose int dirfd = -1;
	int r = fs_unix_addr(path, &a, &dirfd, err);
	if (r < 0)
		return r;
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
