/* A QMP client for what berth asks of QEMU: the greeting, capabilities negotiation, one
 * command at a time, replies read in bounded lines with a deadline (QEMU's JSON is trusted
 * no more than needed: only "return" or "error" is looked at). */
#include "vm/qmp.h"

#include <errno.h>
#include <jansson.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/err.h"
#include "util/fs.h"

#define QMP_LINE_MAX (64 << 10)

static long ms_left(const struct timespec *deadline)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (deadline->tv_sec - now.tv_sec) * 1000 + (deadline->tv_nsec - now.tv_nsec) / 1000000;
}

/* One line (a JSON object) or -ETIMEDOUT. */
static int read_line(int fd, char *buf, size_t cap, const struct timespec *deadline)
{
	size_t n = 0;
	for (;;) {
		long left = ms_left(deadline);
		if (left <= 0)
			return -ETIMEDOUT;
		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (poll(&p, 1, (int)left) <= 0)
			continue;
		char c;
		ssize_t k = read(fd, &c, 1);
		if (k <= 0)
			return -EPIPE;
		if (c == '\n') {
			buf[n] = '\0';
			return (int)n;
		}
		if (n + 1 < cap)
			buf[n++] = c;
	}
}

/* The reply to what was sent: events on the way are skipped. */
static int reply(int fd, const struct timespec *deadline, struct berr **err)
{
	static char buf[QMP_LINE_MAX];
	for (;;) {
		int r = read_line(fd, buf, sizeof(buf), deadline);
		if (r < 0)
			return berr_set(err, -r, "QMP");
		json_auto_t *j = json_loads(buf, 0, NULL);
		json_t *e = json_object_get(j, "error");
		if (e) {
			const char *d = json_string_value(json_object_get(e, "desc"));
			return berr_plain(err, EIO, "QMP: %s", d ? d : "error");
		}
		if (json_object_get(j, "return"))
			return 0;
	}
}

int vm_qmp_command(const char *socket_path, const char *command, int timeout_ms, struct berr **err)
{
	struct sockaddr_un a;
	autoclose int dirfd = -1;
	int r = fs_unix_addr(socket_path, &a, &dirfd, err);
	if (r < 0)
		return r;
	autoclose int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
		return berr_set(err, errno, "connect to QMP '%s'", socket_path);
	struct timespec deadline;
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += timeout_ms / 1000;
	deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
	if (deadline.tv_nsec >= 1000000000) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000;
	}
	char greeting[4096];
	if (read_line(fd, greeting, sizeof(greeting), &deadline) < 0 ||
	    !strstr(greeting, "\"QMP\""))
		return berr_plain(err, EPROTO, "QMP '%s': no greeting", socket_path);
	static const char caps[] = "{\"execute\": \"qmp_capabilities\"}\n";
	r = fs_write_all(fd, caps, sizeof(caps) - 1);
	if (r < 0)
		return berr_set(err, -r, "QMP send");
	r = reply(fd, &deadline, err);
	if (r < 0)
		return r;
	char cmd[256];
	int n = snprintf(cmd, sizeof(cmd), "{\"execute\": \"%s\"}\n", command);
	if (fs_write_all(fd, cmd, (size_t)n) < 0)
		return berr_set(err, errno, "QMP send");
	/* after "quit" QEMU may close before it answers */
	r = reply(fd, &deadline, err);
	if (r < 0 && !strcmp(command, "quit")) {
		berr_clear(err);
		return 0;
	}
	return r;
}
