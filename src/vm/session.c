/* Exec sessions on an executor's channel (see session.h). */
#include "vm/session.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/xalloc.h"
#include "vm/proto.h"

void vm_sessions_init(struct vm_sessions *x, int fd)
{
	memset(x, 0, sizeof(*x));
	x->fd = fd;
}

void vm_sessions_clear(struct vm_sessions *x)
{
	free(x->buf);
	x->buf = NULL;
	x->len = x->cap = 0;
	x->fd = -1; /* the channel is the executor's */
}

static int send_frame(struct vm_sessions *x, enum vm_frame t, unsigned id, const void *data,
		      size_t len)
{
	unsigned char h[VM_FRAME_HEADER];
	vm_frame_header(h, t, id, len);
	if (fs_write_all(x->fd, h, sizeof(h)) < 0 || (len && fs_write_all(x->fd, data, len) < 0))
		return -errno;
	return 0;
}

unsigned vm_session_open(struct vm_sessions *x, const char *records, size_t len,
			 bool (*in_use)(void *ctx, unsigned id), void *ctx)
{
	if (x->fd < 0 || len > VM_FRAME_MAX)
		return 0;
	unsigned id = 0;
	for (unsigned tries = 0; tries < 0xffff && !id; tries++) {
		x->next = x->next % 0xffff + 1;
		if (!in_use(ctx, x->next))
			id = x->next;
	}
	if (!id || send_frame(x, VM_X_OPEN, id, records, len) < 0)
		return 0;
	return id;
}

void vm_session_input(struct vm_sessions *x, unsigned id, enum frame_stream s, const char *data,
		      size_t len)
{
	static const enum vm_frame to[] = {
	    [FRAME_STDIN] = VM_X_STDIN,
	    [FRAME_STDIN_EOF] = VM_X_STDIN_EOF,
	    [FRAME_RESIZE] = VM_X_RESIZE,
	    [FRAME_SIGNAL] = VM_X_SIGNAL,
	};
	if (x->fd < 0 || (size_t)s >= sizeof(to) / sizeof(to[0]) || !to[s])
		return;
	/* a frame of ours is at most FRAME_MAX, the guest's VM_FRAME_MAX: in pieces */
	do {
		size_t n = len > VM_FRAME_MAX ? VM_FRAME_MAX : len;
		if (send_frame(x, to[s], id, data, n) < 0)
			return;
		data += n;
		len -= n;
	} while (len);
}

bool vm_sessions_read(struct vm_sessions *x, vm_session_deliver deliver, void *ctx)
{
	if (x->fd < 0)
		return false;
	if (!x->buf) {
		x->cap = 2 * (VM_FRAME_HEADER + VM_FRAME_MAX);
		x->buf = xmalloc(x->cap);
	}
	ssize_t k = read(x->fd, x->buf + x->len, x->cap - x->len);
	if (k < 0 && (errno == EINTR || errno == EAGAIN))
		return true;
	if (k <= 0) {
		x->fd = -1;
		return false;
	}
	x->len += (size_t)k;
	size_t off = 0;
	bool ok = true;
	for (;;) {
		enum vm_frame t;
		unsigned id;
		size_t len;
		long n = vm_frame_parse(x->buf + off, x->len - off, &t, &id, &len);
		if (n < 0)
			ok = false;
		if (n <= 0)
			break;
		const char *data = (const char *)x->buf + off + VM_FRAME_HEADER;
		if (t == VM_X_STARTED)
			deliver(ctx, id, FRAME_STARTED, data, len, false);
		else if (t == VM_X_STDOUT || t == VM_X_STDERR)
			deliver(ctx, id, t == VM_X_STDOUT ? FRAME_STDOUT : FRAME_STDERR, data, len,
				false);
		else if (t == VM_X_EXIT || t == VM_X_ERROR)
			deliver(ctx, id, t == VM_X_EXIT ? FRAME_EXIT : FRAME_ERROR, data, len,
				true);
		else
			ok = false; /* a frame only the host sends */
		off += (size_t)n;
		if (!ok)
			break;
	}
	memmove(x->buf, x->buf + off, x->len - off);
	x->len -= off;
	if (!ok)
		x->fd = -1;
	return ok;
}

/* ---- the clients ---- */

void vm_session_clients_init(struct vm_session_clients *c, int channel)
{
	memset(c, 0, sizeof(*c));
	vm_sessions_init(&c->x, channel);
}

static void drop(struct vm_session_clients *c, size_t i, bool eof)
{
	if (eof && c->id[i])
		vm_session_input(&c->x, c->id[i], FRAME_STDIN_EOF, NULL, 0);
	(void)close(c->fd[i]);
	c->n--;
	c->fd[i] = c->fd[c->n];
	c->id[i] = c->id[c->n];
}

void vm_session_clients_clear(struct vm_session_clients *c)
{
	/* the executor's end (the VM's) ended every process it ran: each client hears so, as a
	 * docker or podman exec whose container stops under it fails (podman: 137), without
	 * waiting on one that reads nothing */
	static const char msg[] = "137 the container stopped during the exec";
	while (c->n) {
		int fl = fcntl(c->fd[c->n - 1], F_GETFL);
		if (fl >= 0)
			(void)fcntl(c->fd[c->n - 1], F_SETFL, fl | O_NONBLOCK);
		(void)frame_write(c->fd[c->n - 1], FRAME_ERROR, msg, sizeof(msg) - 1);
		drop(c, c->n - 1, false);
	}
	vm_sessions_clear(&c->x);
}

static bool in_use(void *ctx, unsigned id)
{
	const struct vm_session_clients *c = ctx;
	for (size_t i = 0; i < c->n; i++)
		if (c->id[i] == id)
			return true;
	return false;
}

void vm_session_clients_add(struct vm_session_clients *c, int fd, const char *records, size_t len)
{
	unsigned id =
	    c->n < VM_SESSION_CLIENTS ? vm_session_open(&c->x, records, len, in_use, c) : 0;
	if (!id) {
		static const char msg[] = "125 no exec is possible here now";
		(void)frame_write(fd, FRAME_ERROR, msg, sizeof(msg) - 1);
		(void)close(fd);
		return;
	}
	c->fd[c->n] = fd;
	c->id[c->n++] = id;
}

size_t vm_session_clients_poll(const struct vm_session_clients *c, struct pollfd *p)
{
	p[0] = (struct pollfd){.fd = c->x.fd, .events = POLLIN};
	for (size_t i = 0; i < c->n; i++)
		p[1 + i] = (struct pollfd){.fd = c->fd[i], .events = POLLIN};
	return 1 + c->n;
}

static void deliver(void *ctx, unsigned id, enum frame_stream s, const char *data, size_t len,
		    bool end)
{
	struct vm_session_clients *c = ctx;
	for (size_t i = 0; i < c->n; i++) {
		if (c->id[i] != id)
			continue;
		bool gone = frame_write(c->fd[i], s, data, len) < 0;
		/* at its end there is nothing more to tell the guest */
		if (gone || end)
			drop(c, i, !end);
		return;
	}
}

void vm_session_clients_handle(struct vm_session_clients *c, const struct pollfd *p, size_t n)
{
	/* the clients first, by fd: the guest's frames may drop one and reorder the list */
	static char buf[FRAME_MAX + 1];
	for (size_t k = n; k-- > 1;) {
		if (!(p[k].revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		size_t i = 0;
		while (i < c->n && c->fd[i] != p[k].fd)
			i++;
		if (i == c->n)
			continue;
		enum frame_stream s;
		size_t len;
		if (frame_read(c->fd[i], &s, buf, &len) <= 0)
			drop(c, i, true);
		else
			vm_session_input(&c->x, c->id[i], s, buf, len);
	}
	if (n && p[0].revents & (POLLIN | POLLHUP | POLLERR))
		(void)vm_sessions_read(&c->x, deliver, c);
}

/* ---- the client's side ---- */

static int64_t mono_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

int vm_session_run(const char *attach_path, const char *records, size_t len, int out,
		   int timeout_ms)
{
	struct sockaddr_un a;
	autoclose int dirfd = -1;
	autoclose int sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (sock < 0 || fs_unix_addr(attach_path, &a, &dirfd, NULL) < 0 ||
	    connect(sock, (struct sockaddr *)&a, sizeof(a)) < 0) {
		dprintf(out, "connect to the container's monitor: %s\n", strerror(errno));
		return 126;
	}
	/* a process that fails at once is answered and dropped before our end of stdin is
	 * sent: the answer is read all the same (the caller ignores SIGPIPE) */
	if (frame_exec_send(sock, records, len, false) < 0) {
		dprintf(out, "the container's monitor went away\n");
		return 126;
	}
	int64_t deadline = mono_ms() + timeout_ms;
	char *buf = xmalloc(FRAME_MAX + 1);
	int code = -1;
	bool started = false;
	while (code < 0) {
		int64_t left = deadline - mono_ms();
		struct pollfd p = {.fd = sock, .events = POLLIN};
		if (left <= 0 || poll(&p, 1, (int)left) == 0) {
			(void)frame_write(sock, FRAME_SIGNAL, "9", 1);
			code = 137;
			break;
		}
		enum frame_stream st;
		size_t n;
		if (frame_read(sock, &st, buf, &n) <= 0) {
			dprintf(out, "the container's monitor went away\n");
			code = 126;
		} else if (frame_exec_early(&started, &st, buf, &n)) {
			continue;
		} else if (st == FRAME_STDOUT || st == FRAME_STDERR) {
			(void)fs_write_all(out, buf, n);
		} else if (st == FRAME_EXIT) {
			code = atoi(buf);
		} else if (st == FRAME_ERROR) {
			const char *sp = strchr(buf, ' '), *text = sp ? sp + 1 : buf;
			(void)fs_write_all(out, text, strlen(text));
			(void)fs_write_all(out, "\n", 1);
			code = atoi(buf) > 0 ? atoi(buf) : 126;
		}
	}
	free(buf);
	return code;
}
