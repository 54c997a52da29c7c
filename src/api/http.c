/* One connection of the service (see http.h). libmicrohttpd runs without threads of its own
 * and without a listening socket: this process has the one connection, added to the daemon,
 * and drives it with select() until the client closes it. A handler may block (wait, follow
 * logs): nothing else waits on this process. */
#include "api/http.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "api/tls.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/timefmt.h"
#include "util/xalloc.h"

/* One connection's state. */
struct conn {
	const struct api_ctx *ctx;
	bool closed;
	/* TLS, in the relay of an upgraded connection (upgraded_tls): the session's process
	 * (a pidfd), MHD's handle, the session's end of the socketpair, the TCP socket */
	int session;
	struct MHD_UpgradeResponseHandle *urh;
	int app, tcp;
	bool input_ended; /* the client's input ended: passed on to the session */
};

/* ---- replies ---- */

static int reply(struct api_req *r, unsigned status, struct MHD_Response *resp)
{
	if (r->resp)
		MHD_destroy_response(r->resp);
	r->resp = resp;
	r->status = status;
	return 0;
}

int api_reply_text(struct api_req *r, unsigned status, const char *type, const char *text,
		   size_t len)
{
	char *copy = xmalloc(len + 1);
	memcpy(copy, text, len);
	struct MHD_Response *resp =
	    MHD_create_response_from_buffer(len, copy, MHD_RESPMEM_MUST_FREE);
	if (!resp)
		abort(); /* out of memory */
	if (type)
		MHD_add_response_header(resp, "Content-Type", type);
	return reply(r, status, resp);
}

int api_reply_json(struct api_req *r, unsigned status, json_t *doc)
{
	autofree char *text = json_dumps(doc, JSON_COMPACT);
	json_decref(doc);
	autofree char *line = xasprintf("%s\n", text ? text : "null");
	return api_reply_text(r, status, "application/json", line, strlen(line));
}

int api_reply_empty(struct api_req *r, unsigned status)
{
	return api_reply_text(r, status, NULL, "", 0);
}

int api_reply_error(struct api_req *r, unsigned status, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = NULL;
	if (vasprintf(&msg, fmt, ap) < 0)
		abort();
	va_end(ap);
	json_t *doc = json_pack("{s:s}", "message", msg);
	free(msg);
	return api_reply_json(r, status, doc);
}

/* Go spells errno texts in lower case ("no such file or directory"), and clients match on
 * them: the docker CLI exits 127 for a start that failed so, 126 for "permission denied". */
static void go_errno_text(char *msg)
{
	for (int code = 1; code < 134; code++) {
		const char *t = strerror(code);
		size_t n = strlen(t);
		for (char *p = strstr(msg, t); p; p = strstr(p + n, t))
			*p = (char)tolower((unsigned char)*p);
	}
}

int api_reply_berr(struct api_req *r, struct berr *err)
{
	int code = berr_code(err);
	unsigned status = 500;
	switch (code) {
	case ENOENT:
		status = 404;
		break;
	case EEXIST:
	case EBUSY:
	case EALREADY:
		status = 409;
		break;
	case EINVAL:
	case ERANGE:
	case E2BIG:
	case ENAMETOOLONG:
		status = 400;
		break;
	case EPERM:
	case EACCES:
		status = 403;
		break;
	}
	autofree char *msg = berr_string(err);
	berr_free(err);
	go_errno_text(msg);
	return api_reply_error(r, status, "%s", msg);
}

struct stream {
	ssize_t (*read)(void *cls, char *buf, size_t max);
	void (*done)(void *cls);
	void *cls;
};

static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	(void)pos;
	struct stream *s = cls;
	ssize_t n = s->read(s->cls, buf, max);
	return n < 0 ? MHD_CONTENT_READER_END_OF_STREAM : n;
}

static void stream_done(void *cls)
{
	struct stream *s = cls;
	if (s->done)
		s->done(s->cls);
	free(s);
}

int api_reply_stream(struct api_req *r, unsigned status, const char *type,
		     ssize_t (*read)(void *cls, char *buf, size_t max), void (*done)(void *cls),
		     void *cls)
{
	struct stream *s = xmalloc(sizeof(*s));
	*s = (struct stream){read, done, cls};
	struct MHD_Response *resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 32 << 10,
								      stream_read, s, stream_done);
	if (!resp)
		abort();
	if (type)
		MHD_add_response_header(resp, "Content-Type", type);
	return reply(r, status, resp);
}

struct piped {
	int fd;
	pid_t pid;
	char *first;
	size_t first_len, first_off;
};

static ssize_t piped_read(void *cls, char *buf, size_t max)
{
	struct piped *p = cls;
	if (p->first_off < p->first_len) {
		size_t n = p->first_len - p->first_off < max ? p->first_len - p->first_off : max;
		memcpy(buf, p->first + p->first_off, n);
		p->first_off += n;
		return (ssize_t)n;
	}
	for (;;) {
		ssize_t n = read(p->fd, buf, max);
		if (n < 0 && errno == EINTR)
			continue;
		return n > 0 ? n : -1;
	}
}

static void piped_done(void *cls)
{
	struct piped *p = cls;
	(void)close(p->fd);
	(void)kill(p->pid, SIGTERM);
	while (waitpid(p->pid, NULL, 0) < 0 && errno == EINTR)
		;
	free(p->first);
	free(p);
}

int api_reply_piped(struct api_req *r, unsigned status, const char *type, int fd, pid_t child,
		    char *first)
{
	struct piped *p = xmalloc(sizeof(*p));
	*p = (struct piped){
	    .fd = fd, .pid = child, .first = first, .first_len = first ? strlen(first) : 0};
	return api_reply_stream(r, status, type, piped_read, piped_done, p);
}

struct upgrade {
	void (*fn)(void *ctx, int sock, const char *extra, size_t n);
	void *ctx;
};

/* With TLS, sock is one end of a socketpair whose other end MHD relays to and from the TLS
 * connection, inside MHD_run: a session that blocks here would stop the relay. So the session
 * keeps this process (its pid is what an attach's await mark names, exec's runner is its
 * child) and ends with it, and a child takes MHD's loop over, relaying until the session's
 * process is gone (api_http_serve watches its pidfd) and then closing the upgrade. */
static void upgraded_tls(struct conn *cn, struct upgrade *u, struct MHD_Connection *c,
			 const char *extra, size_t n, int sock,
			 struct MHD_UpgradeResponseHandle *urh)
{
	int pidfd = (int)syscall(SYS_pidfd_open, getpid(), 0);
	fflush(NULL);
	pid_t pid = pidfd >= 0 ? fork() : -1;
	if (pid == 0) { /* the relay: back to MHD's loop (the session's ctx is the session's) */
		const union MHD_ConnectionInfo *ci =
		    MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
		cn->session = pidfd;
		cn->urh = urh;
		cn->app = sock;
		cn->tcp = ci ? ci->connect_fd : -1;
		free(u);
		return;
	}
	if (pidfd >= 0)
		(void)close(pidfd);
	if (pid < 0) { /* no relay, no session: the client sees the stream end */
		free(u);
		MHD_upgrade_action(urh, MHD_UPGRADE_ACTION_CLOSE);
		return;
	}
	/* the session: blocking I/O on its end, as on a unix socket */
	int fl = fcntl(sock, F_GETFL);
	if (fl >= 0)
		(void)fcntl(sock, F_SETFL, fl & ~O_NONBLOCK);
	u->fn(u->ctx, sock, extra, n);
	_exit(0);
}

static void upgraded(void *cls, struct MHD_Connection *c, void *con_cls, const char *extra,
		     size_t n, MHD_socket sock, struct MHD_UpgradeResponseHandle *urh)
{
	(void)con_cls;
	struct upgrade *u = cls;
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	struct conn *cn = ci ? ci->socket_context : NULL;
	if (cn && cn->ctx->tls) {
		upgraded_tls(cn, u, c, extra, n, sock, urh);
		return;
	}
	u->fn(u->ctx, sock, extra, n);
	free(u);
	MHD_upgrade_action(urh, MHD_UPGRADE_ACTION_CLOSE);
}

int api_reply_upgrade(struct api_req *r,
		      void (*fn)(void *ctx, int sock, const char *extra, size_t n), void *ctx)
{
	struct upgrade *u = xmalloc(sizeof(*u));
	*u = (struct upgrade){fn, ctx};
	struct MHD_Response *resp = MHD_create_response_for_upgrade(upgraded, u);
	if (!resp)
		abort();
	MHD_add_response_header(resp, "Content-Type", "application/vnd.docker.raw-stream");
	MHD_add_response_header(resp, "Upgrade", "tcp");
	return reply(r, 101, resp);
}

/* ---- what the request says ---- */

const char *api_query(struct api_req *r, const char *key)
{
	return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, key);
}

bool api_query_bool(struct api_req *r, const char *key, bool def)
{
	const char *v = api_query(r, key);
	if (!v)
		return def;
	return !strcmp(v, "1") || !strcasecmp(v, "true");
}

long long api_query_int(struct api_req *r, const char *key, long long def, bool *bad)
{
	const char *v = api_query(r, key);
	if (!v || !*v)
		return def;
	char *end = NULL;
	errno = 0;
	long long n = strtoll(v, &end, 10);
	if (errno || *end) {
		*bad = true;
		return -1;
	}
	return n;
}

int64_t api_query_time_ns(struct api_req *r, const char *key, bool *bad)
{
	const char *v = api_query(r, key);
	if (!v || !*v)
		return 0;
	char *end = NULL;
	errno = 0;
	long long secs = strtoll(v, &end, 10);
	int64_t ns = 0;
	if (!errno && *end == '.' && end[1]) { /* nine digits at most, as Go's */
		const char *f = end + 1;
		int64_t scale = 100000000LL;
		for (; *f >= '0' && *f <= '9' && scale; f++, scale /= 10)
			ns += (*f - '0') * scale;
		end = (char *)f;
	}
	if (!errno && !*end && secs >= 0)
		return (int64_t)secs * 1000000000LL + ns;
	time_t t = timefmt_parse(v);
	if (t > 0)
		return (int64_t)t * 1000000000LL;
	*bad = true;
	return 0;
}

int api_client_fd(struct api_req *r)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	return ci ? ci->connect_fd : -1;
}

bool api_client_gone(struct api_req *r)
{
	int fd = api_client_fd(r);
	struct pollfd pf = {.fd = fd, .events = POLLRDHUP};
	return fd >= 0 && poll(&pf, 1, 0) > 0 && (pf.revents & (POLLRDHUP | POLLHUP | POLLERR));
}

const char *api_header(struct api_req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

json_t *api_body_json(struct api_req *r, struct berr **err)
{
	if (r->body_fd >= 0) {
		berr_plain(err, E2BIG, "request body larger than %u bytes", API_BODY_MAX);
		return NULL;
	}
	if (!r->body || !r->body_len)
		return json_object();
	json_error_t e;
	json_t *doc = json_loadb(r->body, r->body_len, JSON_DECODE_ANY, &e);
	if (!doc) {
		berr_plain(err, EINVAL, "invalid JSON: %s", e.text);
		return NULL;
	}
	/* Go's decoder takes null into a struct as nothing: the docker CLI 20.10 sends a commit
	 * without changes so (its nil *container.Config) */
	if (json_is_null(doc)) {
		json_decref(doc);
		return json_object();
	}
	if (!json_is_object(doc)) {
		json_decref(doc);
		berr_plain(err, EINVAL, "invalid JSON: not an object");
		return NULL;
	}
	return doc;
}

int api_body_fd(struct api_req *r, struct berr **err)
{
	if (r->body_fd >= 0) {
		int fd = fcntl(r->body_fd, F_DUPFD_CLOEXEC, 0);
		if (fd < 0 || lseek(fd, 0, SEEK_SET) < 0) {
			int e = errno;
			if (fd >= 0)
				(void)close(fd);
			return berr_set(err, e, "request body");
		}
		return fd;
	}
	int fd = memfd_create("berth-body", MFD_CLOEXEC);
	if (fd < 0)
		return berr_set(err, errno, "memfd_create");
	if ((r->body_len && fs_write_all(fd, r->body, r->body_len) < 0) ||
	    lseek(fd, 0, SEEK_SET) < 0) {
		int e = errno;
		(void)close(fd);
		return berr_set(err, e, "request body");
	}
	return fd;
}

struct query_all {
	const char *key;
	char **v;
	size_t n;
};

static enum MHD_Result query_one(void *cls, enum MHD_ValueKind kind, const char *key,
				 const char *value)
{
	(void)kind;
	struct query_all *q = cls;
	if (key && !strcmp(key, q->key) && q->n < 4096) { /* bounded: names of a save */
		q->v = xrealloc(q->v, (q->n + 2) * sizeof(char *));
		q->v[q->n++] = xstrdup(value ? value : "");
		q->v[q->n] = NULL;
	}
	return MHD_YES;
}

char **api_query_all(struct api_req *r, const char *key)
{
	struct query_all q = {.key = key, .v = xcalloc(1, sizeof(char *))};
	MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, query_one, &q);
	return q.v;
}

/* ---- the connection ---- */

/* "/v1.41/x" -> 141 and "/x"; none: 0 and the url. -1: a prefix that is not a version. */
static int split_version(const char *url, const char **out_path)
{
	*out_path = url;
	if (url[0] != '/' || url[1] != 'v')
		return 0;
	char *end = NULL;
	long major = strtol(url + 2, &end, 10);
	if (end == url + 2 || *end != '.')
		return 0; /* "/volumes": not a version */
	const char *minor_at = end + 1;
	long minor = strtol(minor_at, &end, 10);
	if (end == minor_at || (*end && *end != '/') || major < 0 || major > 9 || minor < 0 ||
	    minor > 99)
		return -1;
	*out_path = *end ? end : "/";
	return (int)(major * 100 + minor);
}

static void common_headers(struct MHD_Response *resp)
{
	MHD_add_response_header(resp, "Api-Version", API_VERSION);
	MHD_add_response_header(resp, "Docker-Experimental", "false");
	MHD_add_response_header(resp, "Ostype", "linux");
	MHD_add_response_header(resp, "Server", "berth (linux)");
}

static void dispatch(struct api_req *r, const char *url)
{
	int v = split_version(url, &r->path);
	if (v < 0) {
		api_reply_error(r, 400, "malformed version in path: %s", url);
		return;
	}
	r->version = v ? (unsigned)v : 141;
	if (v > 141) {
		api_reply_error(r, 400,
				"client version %d.%02d is too new. Maximum supported API version "
				"is " API_VERSION,
				v / 100, v % 100);
		return;
	}
	if (v && v < 124) {
		api_reply_error(r, 400,
				"client version %d.%d is too old. Minimum supported API version "
				"is " API_MIN_VERSION
				", please upgrade your client to a newer version",
				v / 100, v % 100);
		return;
	}
	if (r->body_over) {
		api_reply_error(r, 413, "request body larger than %llu bytes", API_UPLOAD_MAX);
		return;
	}
	if (r->body_errno) {
		api_reply_error(r, 500, "request body: %s", strerror(r->body_errno));
		return;
	}
	r->ctx->route(r);
	if (!r->resp)
		api_reply_error(r, 500, "no reply for %s %s", r->method, r->path);
}

/* A body past API_BODY_MAX moves to an unlinked file under the engine's root (its tmp/, on
 * the disk the store is on: an image archive may be larger than memory). */
static void spill(struct api_req *r, const char *data, size_t n)
{
	if (r->body_fd < 0) {
		autofree char *dir = xasprintf("%s/tmp", r->ctx->es.root);
		(void)mkdir(dir, 0700);
		r->body_fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
		if (r->body_fd < 0 && errno == EOPNOTSUPP) { /* a file system without O_TMPFILE */
			autofree char *tmp = xasprintf("%s/body-XXXXXX", dir);
			r->body_fd = mkostemp(tmp, O_CLOEXEC);
			if (r->body_fd >= 0)
				(void)unlink(tmp);
		}
		if (r->body_fd < 0 ||
		    (r->body_len && fs_write_all(r->body_fd, r->body, r->body_len) < 0)) {
			r->body_errno = errno;
			return;
		}
		free(r->body);
		r->body = NULL;
	}
	if (fs_write_all(r->body_fd, data, n) < 0)
		r->body_errno = errno;
}

/* dockerd's --tlsverify refuses a client without a trusted certificate in the handshake; MHD
 * only asks for one, so the refusal is the first answer instead, and nothing else is served:
 * true and *out when c's client is refused. */
static bool refused(struct conn *cn, struct MHD_Connection *c, enum MHD_Result *out)
{
	struct berr *err = NULL;
	if (!cn->ctx->tls || api_tls_check_peer(c, &err) == 0)
		return false;
	struct api_req tmp = {.ctx = cn->ctx, .conn = c, .body_fd = -1};
	unsigned status = berr_code(err) == EACCES ? 401 : 403;
	api_reply_berr(&tmp, err);
	tmp.status = status;
	common_headers(tmp.resp);
	MHD_add_response_header(tmp.resp, "Connection", "close");
	*out = MHD_queue_response(c, status, tmp.resp);
	MHD_destroy_response(tmp.resp);
	return true;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **con_cls)
{
	(void)version;
	struct conn *cn = cls;
	struct api_req *r = *con_cls;
	if (!r) { /* the headers: the body, if any, comes next */
		enum MHD_Result no;
		if (refused(cn, c, &no))
			return no;
		r = xzalloc(sizeof(*r));
		r->ctx = cn->ctx;
		r->conn = c;
		r->method = method;
		r->body_fd = -1;
		*con_cls = r;
		return MHD_YES;
	}
	if (*upload_size) {
		size_t n = *upload_size;
		*upload_size = 0;
		if (r->body_over || r->body_errno)
			return MHD_YES; /* refused when it has all come */
		if (r->body_len + n > API_UPLOAD_MAX) {
			r->body_over = true;
			return MHD_YES;
		}
		if (r->body_fd >= 0 || r->body_len + n > API_BODY_MAX) {
			spill(r, upload, n);
			r->body_len += n;
			return MHD_YES;
		}
		r->body = xrealloc(r->body, r->body_len + n + 1);
		memcpy(r->body + r->body_len, upload, n);
		r->body_len += n;
		r->body[r->body_len] = '\0';
		return MHD_YES;
	}
	dispatch(r, url);
	common_headers(r->resp);
	enum MHD_Result ok = MHD_queue_response(c, r->status, r->resp);
	MHD_destroy_response(r->resp);
	r->resp = NULL;
	return ok;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)c;
	(void)toe;
	struct api_req *r = *con_cls;
	if (!r)
		return;
	free(r->body);
	free(r->param);
	if (r->body_fd >= 0)
		(void)close(r->body_fd);
	free(r);
	*con_cls = NULL;
}

static void on_connection(void *cls, struct MHD_Connection *c, void **socket_ctx,
			  enum MHD_ConnectionNotificationCode toe)
{
	(void)c;
	if (toe == MHD_CONNECTION_NOTIFY_STARTED)
		*socket_ctx = cls; /* for upgraded() */
	if (toe == MHD_CONNECTION_NOTIFY_CLOSED)
		((struct conn *)cls)->closed = true;
}

static struct MHD_Daemon *start_daemon(struct conn *cn)
{
	const unsigned flags = MHD_USE_NO_LISTEN_SOCKET | MHD_ALLOW_UPGRADE;
	const struct api_tls *t = cn->ctx->tls;
	if (!t)
		return MHD_start_daemon(
		    flags, 0, NULL, NULL, on_request, cn, MHD_OPTION_NOTIFY_COMPLETED, on_completed,
		    NULL, MHD_OPTION_NOTIFY_CONNECTION, on_connection, cn,
		    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)0, MHD_OPTION_END);
	/* HTTPS_MEM_TRUST: MHD asks the client for a certificate; refused() checks it */
	return MHD_start_daemon(
	    flags | MHD_USE_TLS, 0, NULL, NULL, on_request, cn, MHD_OPTION_NOTIFY_COMPLETED,
	    on_completed, NULL, MHD_OPTION_NOTIFY_CONNECTION, on_connection, cn,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)0, MHD_OPTION_HTTPS_MEM_KEY, t->key,
	    MHD_OPTION_HTTPS_MEM_CERT, t->cert, MHD_OPTION_HTTPS_MEM_TRUST, t->ca, MHD_OPTION_END);
}

/* In the relay of a TLS upgrade (upgraded_tls), whether the client's input has ended (a
 * half-close, or close_notify) and MHD has passed all of it on: MHD then no longer reads the
 * TLS socket (it watches it for reading while its input buffer has room and the input goes
 * on) and writes nothing more to the socketpair (it watches that for writing while it holds
 * input), i.e. the TCP socket is not in rs and nothing else is in ws (daemon.c's
 * urh_to_fdset, 0.9.75). */
static bool relay_input_done(const struct conn *cn, const fd_set *rs, const fd_set *ws, int max)
{
	if (FD_ISSET(cn->tcp, rs))
		return false;
	for (int fd = 0; fd <= max; fd++)
		if (fd != cn->tcp && FD_ISSET(fd, ws))
			return false;
	return true;
}

/* In the relay, after each round of MHD's: the session's end closes the upgrade; a client
 * whose input ended, or who is gone, is passed on to the session as a unix socket would show
 * it (a read that returns 0; a hang-up). MHD passes neither: it stops reading the client and
 * keeps the socketpair open. */
static void relay_round(struct conn *cn, const fd_set *rs)
{
	if (cn->session >= 0 && FD_ISSET(cn->session, rs)) {
		(void)close(cn->session);
		cn->session = -1;
		MHD_upgrade_action(cn->urh, MHD_UPGRADE_ACTION_CLOSE);
		return;
	}
	if (cn->session < 0 || cn->tcp < 0)
		return;
	struct pollfd pf = {.fd = cn->tcp, .events = 0};
	if (poll(&pf, 1, 0) > 0 && (pf.revents & (POLLHUP | POLLERR)))
		(void)shutdown(cn->app, SHUT_RDWR);
}

int api_http_load(struct berr **err)
{
	if (MHD_is_feature_supported(MHD_FEATURE_UPGRADE) != MHD_YES)
		return berr_plain(err, ENOTSUP,
				  "libmicrohttpd has no upgrade support: attach and exec need it");
	return 0;
}

void api_http_serve(const struct api_ctx *ctx, int fd)
{
	struct conn cn = {.ctx = ctx, .session = -1, .app = -1, .tcp = -1};
	struct MHD_Daemon *d = start_daemon(&cn);
	if (!d) {
		(void)close(fd);
		return;
	}
	struct sockaddr_storage addr = {.ss_family = AF_UNIX};
	socklen_t alen = sizeof(addr);
	if (getpeername(fd, (struct sockaddr *)&addr, &alen) < 0 || addr.ss_family == AF_UNIX)
		alen = sizeof(struct sockaddr_un);
	if (MHD_add_connection(d, fd, (struct sockaddr *)&addr, alen) != MHD_YES) {
		MHD_stop_daemon(d);
		return;
	}
	while (!cn.closed) {
		fd_set rs, ws, es;
		FD_ZERO(&rs);
		FD_ZERO(&ws);
		FD_ZERO(&es);
		MHD_socket max = -1;
		if (MHD_get_fdset(d, &rs, &ws, &es, &max) != MHD_YES)
			break;
		MHD_UNSIGNED_LONG_LONG ms = 0;
		struct timeval tv, *tvp = NULL;
		if (MHD_get_timeout(d, &ms) == MHD_YES) {
			tv = (struct timeval){.tv_sec = (time_t)(ms / 1000),
					      .tv_usec = (suseconds_t)(ms % 1000) * 1000};
			tvp = &tv;
		}
		if (cn.session >= 0) {
			if (cn.tcp >= 0 && !cn.input_ended &&
			    relay_input_done(&cn, &rs, &ws, max)) {
				cn.input_ended = true;
				(void)shutdown(cn.app, SHUT_RD);
			}
			FD_SET(cn.session, &rs);
			max = cn.session > max ? cn.session : max;
		}
		if (max < 0 && !tvp) { /* nothing left to watch: an upgraded connection closed */
			MHD_run_from_select(d, &rs, &ws, &es);
			break;
		}
		if (select(max + 1, &rs, &ws, &es, tvp) < 0) {
			if (errno != EINTR)
				break;
			FD_ZERO(&rs);
			FD_ZERO(&ws);
			FD_ZERO(&es);
		}
		MHD_run_from_select(d, &rs, &ws, &es);
		relay_round(&cn, &rs);
	}
	MHD_stop_daemon(d);
}
