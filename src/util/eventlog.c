/* The store's event log (see eventlog.h). */
#include "util/eventlog.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/xalloc.h"

#define LOG_NAME       "events.log"
#define OLD_NAME       "events.log.1"
#define LINE_MAX_BYTES (64 << 10) /* a longer line is skipped: no event is that large */

static int64_t now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_REALTIME, &t);
	return (int64_t)t.tv_sec * 1000000000LL + t.tv_nsec;
}

static json_t *message(const char *type, const char *action, const char *id, json_t *attrs)
{
	int64_t ns = now_ns();
	json_t *a = attrs ? json_deep_copy(attrs) : json_object();
	json_t *ev = json_object();
	if (!strcmp(type, "container") || !strcmp(type, "image")) { /* Docker's old fields */
		json_object_set_new(ev, "status", json_string(action));
		json_object_set_new(ev, "id", json_string(id));
		json_t *from = json_object_get(a, "image");
		if (!strcmp(type, "container") && json_is_string(from))
			json_object_set(ev, "from", from);
	}
	json_object_set_new(ev, "Type", json_string(type));
	json_object_set_new(ev, "Action", json_string(action));
	json_object_set_new(ev, "Actor", json_pack("{s:s, s:o}", "ID", id, "Attributes", a));
	json_object_set_new(ev, "scope", json_string("local"));
	json_object_set_new(ev, "time", json_integer(ns / 1000000000LL));
	json_object_set_new(ev, "timeNano", json_integer(ns));
	return ev;
}

/* The log is past its bound: the first writer to see it (under the lock) moves it aside. */
static void rotate(const char *root, int fd)
{
	struct stat fst, pst;
	autofree char *path = xasprintf("%s/%s", root, LOG_NAME);
	autofree char *old = xasprintf("%s/%s", root, OLD_NAME);
	autofree char *lock = xasprintf("%s/events.lock", root);
	autoclose int lfd = fs_lock(lock, NULL);
	if (lfd < 0 || fstat(fd, &fst) < 0 || stat(path, &pst) < 0)
		return;
	if (fst.st_ino == pst.st_ino && fst.st_dev == pst.st_dev &&
	    pst.st_size >= EVENTLOG_MAX_BYTES)
		(void)rename(path, old);
}

void eventlog_append(const char *root, const char *type, const char *action, const char *id,
		     json_t *attrs)
{
	if (!root || !type || !action || !id)
		return;
	json_t *ev = message(type, action, id, attrs);
	autofree char *text = json_dumps(ev, JSON_COMPACT);
	json_decref(ev);
	autofree char *path = xasprintf("%s/%s", root, LOG_NAME);
	autofree char *line = xasprintf("%s\n", text);
	for (int tries = 0; tries < 2; tries++) {
		autoclose int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
		struct stat st;
		if (fd < 0 || fstat(fd, &st) < 0) {
			log_debug("event %s %s: %s: %s", type, action, path, strerror(errno));
			return;
		}
		if (st.st_size >= EVENTLOG_MAX_BYTES && tries == 0) {
			rotate(root, fd);
			continue;
		}
		if (fs_write_all(fd, line, strlen(line)) < 0)
			log_debug("event %s %s: %s: %s", type, action, path, strerror(errno));
		return;
	}
}

/* ---- reading ---- */

struct reader {
	const struct eventlog_read *o;
	eventlog_fn fn;
	void *ctx;
	char *buf; /* a partial line carried to the next read */
	size_t len;
};

/* One complete line: the event if it is in the window (a line that is not JSON is skipped:
 * a torn write after a crash must not end everyone's reading). */
static int line(struct reader *rd, const char *s, size_t n)
{
	json_t *ev = json_loadb(s, n, 0, NULL);
	if (!ev)
		return 0;
	int64_t t = json_integer_value(json_object_get(ev, "timeNano"));
	int r = 0;
	if ((!rd->o->since_ns || t >= rd->o->since_ns) &&
	    (!rd->o->until_ns || t <= rd->o->until_ns))
		r = rd->fn(ev, rd->ctx);
	json_decref(ev);
	return r;
}

/* Everything fd has now; a trailing partial line waits in rd->buf. */
static int drain(struct reader *rd, int fd, struct berr **err)
{
	char chunk[16384];
	for (;;) {
		ssize_t k = read(fd, chunk, sizeof(chunk));
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return berr_set(err, errno, "read the event log");
		if (k == 0)
			return 0;
		rd->buf = xrealloc(rd->buf, rd->len + (size_t)k + 1);
		memcpy(rd->buf + rd->len, chunk, (size_t)k);
		rd->len += (size_t)k;
		char *start = rd->buf, *nl;
		while ((nl = memchr(start, '\n', rd->len - (size_t)(start - rd->buf)))) {
			int r = line(rd, start, (size_t)(nl - start));
			start = nl + 1;
			if (r)
				return r;
		}
		rd->len -= (size_t)(start - rd->buf);
		memmove(rd->buf, start, rd->len);
		if (rd->len > LINE_MAX_BYTES)
			rd->len = 0;
	}
}

static int open_log(const char *root, const char *name, bool create)
{
	autofree char *path = xasprintf("%s/%s", root, name);
	return open(path, O_RDONLY | O_CLOEXEC | (create ? O_CREAT : 0), 0600);
}

/* Whether the log at its path is no longer the file fd reads (it was rotated). */
static bool rotated(const char *root, int fd)
{
	autofree char *path = xasprintf("%s/%s", root, LOG_NAME);
	struct stat a, b;
	return fstat(fd, &a) == 0 && (stat(path, &b) < 0 || a.st_ino != b.st_ino);
}

/* Milliseconds until the window's end (-1 for none; 0 once it has passed). */
static int wait_ms(const struct eventlog_read *o)
{
	if (!o->until_ns)
		return -1;
	int64_t left = (o->until_ns - now_ns()) / 1000000LL + 1;
	return left <= 0 ? 0 : left > INT_MAX ? INT_MAX : (int)left;
}

static int follow(struct reader *rd, const char *root, int *fd, struct berr **err)
{
	autoclose int in = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	if (in < 0 || inotify_add_watch(in, root, IN_MODIFY | IN_CREATE | IN_MOVED_TO) < 0)
		return berr_set(err, errno, "watch the event log in %s", root);
	for (;;) {
		int r = drain(rd, *fd, err);
		if (r)
			return r;
		if (rotated(root, *fd)) { /* the rest of the old file was read: on to the new */
			int nfd = open_log(root, LOG_NAME, true);
			if (nfd < 0)
				return berr_set(err, errno, "open the event log in %s", root);
			(void)close(*fd);
			*fd = nfd;
			rd->len = 0;
			continue;
		}
		int ms = wait_ms(rd->o);
		if (ms == 0)
			return 0;
		struct pollfd pf[2] = {{.fd = in, .events = POLLIN},
				       {.fd = rd->o->stop_fd, .events = POLLIN | POLLRDHUP}};
		int n = poll(pf, 2, ms);
		if (n < 0 && errno != EINTR)
			return berr_set(err, errno, "wait for events");
		if (n > 0 && pf[1].revents)
			return 0;
		char ibuf[4096];
		while (read(in, ibuf, sizeof(ibuf)) > 0)
			;
	}
}

int eventlog_read(const char *root, const struct eventlog_read *o, eventlog_fn fn, void *ctx,
		  struct berr **err)
{
	struct reader rd = {.o = o, .fn = fn, .ctx = ctx};
	bool history = o->since_ns || o->until_ns; /* Docker: no bounds, only what comes next */
	int r = 0;
	if (history) {
		autoclose int old = open_log(root, OLD_NAME, false);
		if (old >= 0)
			r = drain(&rd, old, err);
		rd.len = 0;
	}
	if (!r)
		r = fs_mkdir_p(root, 0700, err); /* a store no one has used yet */
	autoclose int fd = r ? -1 : open_log(root, LOG_NAME, true);
	if (!r && fd < 0)
		r = berr_set(err, errno, "open the event log in %s", root);
	if (!r && !history && lseek(fd, 0, SEEK_END) < 0)
		r = berr_set(err, errno, "read the event log in %s", root);
	if (!r)
		r = o->follow ? follow(&rd, root, &fd, err) : drain(&rd, fd, err);
	free(rd.buf);
	return r;
}
