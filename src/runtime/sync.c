/* Parent/child messages for container creation. */
#include "runtime/sync.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util/err.h"
#include "util/fdpass.h"

int rt_sync_send(int fd, enum rt_msg_type type, int64_t value)
{
	struct rt_msg m = {.type = type, .value = value};
	/* Send only the header when there is no text: cheaper and the same on receive. */
	ssize_t n;
	do
		n = send(fd, &m, offsetof(struct rt_msg, text), MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : 0;
}

int rt_sync_send_fd(int fd, enum rt_msg_type type, int passed_fd)
{
	struct rt_msg m = {.type = type, .value = -1};
	return fdpass_send(fd, &m, offsetof(struct rt_msg, text), passed_fd);
}

int rt_sync_recv(int fd, struct rt_msg *out, struct berr **err)
{
	memset(out, 0, sizeof(*out));
	int passed = -1;
	ssize_t n = fdpass_recv(fd, out, sizeof(*out), 0, &passed);
	if (passed >= 0)
		out->value = passed;
	if (n < 0)
		return berr_set(err, (int)-n, "read from container process");
	if (n == 0)
		return berr_set(err, EPIPE, "container process exited during setup");
	if ((size_t)n < offsetof(struct rt_msg, text))
		return berr_set(err, EPROTO, "short message from container process");
	out->text[sizeof(out->text) - 1] = '\0';
	if (out->type == RT_MSG_ERROR)
		return out->value == 1 ? berr_plain(err, out->code, "%s", out->text)
				       : berr_set(err, out->code, "%s", out->text);
	return 0;
}

int rt_sync_expect(int fd, enum rt_msg_type want, struct rt_msg *out, struct berr **err)
{
	int r = rt_sync_recv(fd, out, err);
	if (r < 0)
		return r;
	if (out->type != (int32_t)want)
		return berr_set(err, EPROTO, "unexpected message %d (wanted %d)", out->type, want);
	return 0;
}

void rt_sync_fail(int fd, struct berr *err)
{
	struct rt_msg m = {.type = RT_MSG_ERROR, .code = berr_code(err)};
	/* The code travels separately; the text is the chain without the strerror tail, which
	 * the parent adds again unless the innermost message says it all (plain) */
	for (struct berr *e = err; e; e = e->cause)
		if (!e->cause)
			m.value = e->plain;
	size_t len = 0;
	for (struct berr *e = err; e && len < sizeof(m.text) - 1; e = e->cause) {
		int w = snprintf(m.text + len, sizeof(m.text) - len, "%s%s", len ? ": " : "",
				 e->msg ? e->msg : "");
		if (w < 0)
			break;
		len += (size_t)w;
	}
	(void)send(fd, &m, sizeof(m), MSG_NOSIGNAL);
	_exit(1);
}
