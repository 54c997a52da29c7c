/* `berth exec` into a member of a pod of one VM (see pod_vm.h). The member's monitor relays
 * execs to an exec channel (vm/proto.h), as for a VM of its own; here the member's relay holds
 * its other end and turns each session into an exec session of the infra's monitor, its
 * records given the member's root ("root="), and the frames back. */
#include "engine/pod_vm_exec.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/attach.h"
#include "util/cleanup.h"
#include "util/frame.h"
#include "util/fs.h"
#include "util/xalloc.h"
#include "vm/proto.h"

static int read_full(int fd, unsigned char *buf, size_t len)
{
	while (len) {
		ssize_t k = read(fd, buf, len);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		buf += k;
		len -= (size_t)k;
	}
	return 0;
}

static void send_vm(struct pod_vm_execs *x, enum vm_frame t, unsigned id, const void *data,
		    size_t len)
{
	unsigned char h[VM_FRAME_HEADER];
	do {
		size_t n = len > VM_FRAME_MAX ? VM_FRAME_MAX : len;
		vm_frame_header(h, t, id, n);
		if (x->chan < 0 || fs_write_all(x->chan, h, sizeof(h)) < 0 ||
		    (n && fs_write_all(x->chan, data, n) < 0))
			return;
		data = (const char *)data + n;
		len -= n;
	} while (len);
}

static void drop(struct pod_vm_execs *x, size_t i)
{
	(void)close(x->fd[i]);
	x->n--;
	x->fd[i] = x->fd[x->n];
	x->id[i] = x->id[x->n];
	x->started[i] = x->started[x->n];
}

static void open_session(struct pod_vm_execs *x, unsigned id, const unsigned char *data, size_t len)
{
	static const char full[] = "125 too many execs at once";
	static const char gone[] = "125 the pod's VM is not running";
	if (x->n == POD_VM_EXECS_MAX) {
		send_vm(x, VM_X_ERROR, id, full, sizeof(full) - 1);
		return;
	}
	/* its root, for a guest that cannot join the member (its process gone) */
	autofree char *join = xasprintf("join=%s", x->member);
	size_t rl = strlen(x->root_rec) + 1, jl = strlen(join) + 1;
	autofree char *recs = xmalloc(len + rl + jl);
	memcpy(recs, data, len);
	memcpy(recs + len, x->root_rec, rl);
	memcpy(recs + len + rl, join, jl);
	rl += jl;
	int fd = eng_attach_connect(x->s, x->infra, NULL);
	if (fd < 0 || frame_write(fd, FRAME_EXEC, recs, len + rl) < 0) {
		if (fd >= 0)
			(void)close(fd);
		send_vm(x, VM_X_ERROR, id, gone, sizeof(gone) - 1);
		return;
	}
	x->fd[x->n] = fd;
	x->started[x->n] = false;
	x->id[x->n++] = id;
}

/* A frame of the member's monitor for a session. false: the channel ended. */
static bool from_monitor(struct pod_vm_execs *x, unsigned char *buf)
{
	enum vm_frame t;
	unsigned id;
	size_t len;
	if (read_full(x->chan, buf, VM_FRAME_HEADER) < 0 ||
	    vm_frame_parse(buf, VM_FRAME_HEADER, &t, &id, &len) < 0 ||
	    read_full(x->chan, buf + VM_FRAME_HEADER, len) < 0)
		return false;
	const unsigned char *data = buf + VM_FRAME_HEADER;
	if (t == VM_X_OPEN) {
		open_session(x, id, data, len);
		return true;
	}
	static const enum frame_stream to[] = {[VM_X_STDIN] = FRAME_STDIN,
					       [VM_X_STDIN_EOF] = FRAME_STDIN_EOF,
					       [VM_X_SIGNAL] = FRAME_SIGNAL,
					       [VM_X_RESIZE] = FRAME_RESIZE};
	for (size_t i = 0; i < x->n; i++)
		if (x->id[i] == id && t >= VM_X_STDIN && t <= VM_X_RESIZE)
			(void)frame_write(x->fd[i], to[t], data, len);
	return true;
}

/* A frame of the infra's monitor for session i: passed on; the session ends with its last. */
static void from_infra(struct pod_vm_execs *x, size_t i, char *buf)
{
	enum frame_stream s;
	size_t len;
	unsigned id = x->id[i];
	if (frame_read(x->fd[i], &s, buf, &len) <= 0) {
		static const char gone[] = "137";
		send_vm(x, VM_X_EXIT, id, gone, sizeof(gone) - 1);
		drop(x, i);
		return;
	}
	if (frame_exec_early(&x->started[i], &s, buf, &len))
		return;
	if (s == FRAME_STARTED)
		send_vm(x, VM_X_STARTED, id, NULL, 0);
	else if (s == FRAME_STDOUT || s == FRAME_STDERR)
		send_vm(x, s == FRAME_STDOUT ? VM_X_STDOUT : VM_X_STDERR, id, buf, len);
	else if (s == FRAME_EXIT || s == FRAME_ERROR) {
		send_vm(x, s == FRAME_EXIT ? VM_X_EXIT : VM_X_ERROR, id, buf, len);
		drop(x, i);
	}
}

size_t pod_vm_execs_poll(const struct pod_vm_execs *x, struct pollfd *p)
{
	p[0] = (struct pollfd){.fd = x->chan, .events = POLLIN};
	for (size_t i = 0; i < x->n; i++)
		p[1 + i] = (struct pollfd){.fd = x->fd[i], .events = POLLIN};
	return 1 + x->n;
}

void pod_vm_execs_handle(struct pod_vm_execs *x, const struct pollfd *p, size_t n, char *buf)
{
	/* the sessions first: drop() reorders them, so from the last */
	for (size_t i = n - 1; i >= 1; i--)
		if (i - 1 < x->n && (p[i].revents & (POLLIN | POLLHUP | POLLERR)))
			from_infra(x, i - 1, buf);
	if (x->chan >= 0 && (p[0].revents & (POLLIN | POLLHUP | POLLERR)) &&
	    !from_monitor(x, (unsigned char *)buf)) {
		(void)close(x->chan);
		x->chan = -1;
		while (x->n)
			drop(x, x->n - 1);
	}
}
