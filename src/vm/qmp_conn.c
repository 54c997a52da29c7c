/* A QMP connection for a sequence of commands (see qmp_conn.h). */
#include "vm/qmp_conn.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/xalloc.h"

#define LINE_MAX_ (64 << 10)

static long ms_left(const struct timespec *deadline)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (deadline->tv_sec - now.tv_sec) * 1000 + (deadline->tv_nsec - now.tv_nsec) / 1000000;
}

/* One line into buf (cut at cap), or -ETIMEDOUT, -EPIPE. */
static int read_line(struct vm_qmp *q, char *buf, size_t cap)
{
	size_t n = 0;
	for (;;) {
		long left = ms_left(&q->deadline);
		if (left <= 0)
			return -ETIMEDOUT;
		struct pollfd p = {.fd = q->fd, .events = POLLIN};
		if (poll(&p, 1, (int)left) <= 0)
			continue;
		char c;
		ssize_t k = read(q->fd, &c, 1);
		if (k <= 0)
			return -EPIPE;
		if (c == '\n') {
			buf[n] = '\0';
			return 0;
		}
		if (n + 1 < cap)
			buf[n++] = c;
	}
}

int vm_qmp_open(const char *socket_path, int timeout_ms, struct vm_qmp *out, struct berr **err)
{
	struct vm_qmp q = {.fd = -1};
	clock_gettime(CLOCK_MONOTONIC, &q.deadline);
	q.deadline.tv_sec += timeout_ms / 1000;
	q.deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
	if (q.deadline.tv_nsec >= 1000000000) {
		q.deadline.tv_sec++;
		q.deadline.tv_nsec -= 1000000000;
	}
	struct sockaddr_un a;
	autoclose int dirfd = -1;
	int r = fs_unix_addr(socket_path, &a, &dirfd, err);
	if (r < 0)
		return r;
	/* QEMU makes its socket a moment after it starts */
	for (;;) {
		q.fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (q.fd < 0)
			return berr_set(err, errno, "QMP socket");
		if (connect(q.fd, (struct sockaddr *)&a, sizeof(a)) == 0)
			break;
		int e = errno;
		(void)close(q.fd);
		q.fd = -1;
		if ((e != ENOENT && e != ECONNREFUSED) || ms_left(&q.deadline) <= 0)
			return berr_set(err, e, "connect to QMP '%s'", socket_path);
		(void)poll(NULL, 0, 5);
	}
	autofree char *line = xmalloc(LINE_MAX_);
	r = read_line(&q, line, LINE_MAX_);
	if (r < 0 || !strstr(line, "\"QMP\"")) {
		vm_qmp_close(&q);
		return berr_plain(err, EPROTO, "QMP '%s': no greeting", socket_path);
	}
	r = vm_qmp_run(&q, "qmp_capabilities", NULL, -1, NULL, err);
	if (r < 0) {
		vm_qmp_close(&q);
		return r;
	}
	*out = q;
	return 0;
}

static int send_cmd(struct vm_qmp *q, const char *text, int pass_fd)
{
	if (pass_fd < 0)
		return fs_write_all(q->fd, text, strlen(text));
	struct iovec iov = {.iov_base = (void *)text, .iov_len = strlen(text)};
	char cbuf[CMSG_SPACE(sizeof(int))] = {0};
	struct msghdr m = {
	    .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf)};
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &pass_fd, sizeof(int));
	ssize_t k = sendmsg(q->fd, &m, MSG_NOSIGNAL);
	if (k < 0)
		return -errno;
	/* the rest, if the socket took part of it: the fd went with the first byte */
	return (size_t)k == iov.iov_len ? 0
					: fs_write_all(q->fd, text + k, iov.iov_len - (size_t)k);
}

int vm_qmp_run(struct vm_qmp *q, const char *command, json_t *args, int pass_fd, json_t **out_ret,
	       struct berr **err)
{
	json_t *cmd = json_pack("{s:s}", "execute", command);
	if (args)
		json_object_set_new(cmd, "arguments", args);
	autofree char *text = json_dumps(cmd, JSON_COMPACT);
	json_decref(cmd);
	autofree char *line = xasprintf("%s\n", text);
	int r = send_cmd(q, line, pass_fd);
	if (r < 0)
		return berr_set(err, -r, "QMP %s", command);
	autofree char *buf = xmalloc(LINE_MAX_);
	for (;;) {
		r = read_line(q, buf, LINE_MAX_);
		if (r < 0)
			return berr_set(err, -r, "QMP %s", command);
		json_auto_t *j = json_loads(buf, 0, NULL); /* else an event, skipped */
		json_t *e = json_object_get(j, "error");
		if (e) {
			const char *d = json_string_value(json_object_get(e, "desc"));
			return berr_plain(err, EIO, "QMP %s: %s", command, d ? d : "error");
		}
		json_t *ret = json_object_get(j, "return");
		if (ret) {
			if (out_ret)
				*out_ret = json_incref(ret);
			return 0;
		}
	}
}

void vm_qmp_close(struct vm_qmp *q)
{
	if (q->fd >= 0)
		(void)close(q->fd);
	q->fd = -1;
}
