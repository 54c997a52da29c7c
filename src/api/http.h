/* One connection of the service (internal to src/api): HTTP through libmicrohttpd, each
 * request routed (by the context's route: routes.c's api_route) to its handler, which answers with
 * one of the replies below. Docker's conventions: JSON bodies, errors as {"message": "..."} with
 * 400 (bad input), 404 (no such object), 409 (a conflict), 500; every response carries Api-Version,
 * Docker-Experimental and Ostype, as dockerd's do. */
#ifndef BERTH_API_HTTP_H
#define BERTH_API_HTTP_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "engine/container.h"

struct api_tls;
struct berr;
struct MHD_Connection;
struct MHD_Response;

#define API_VERSION     "1.41"
#define API_MIN_VERSION "1.24"
#define API_BODY_MAX    (4u << 20) /* a JSON request body */
/* a longer body (an image archive, a root filesystem tar) is spilled to a file, up to this */
#define API_UPLOAD_MAX (64ull << 30)

struct api_req;

/* What every request of the connection shares. */
struct api_ctx {
	struct eng_store es;
	/* the request's handler (routes.c's api_route, given by server.c): this room serves
	 * HTTP and knows no handler, the handlers use its replies */
	void (*route)(struct api_req *r);
	const struct api_tls *tls; /* tcp://: TLS, clients' certificates checked (api/tls.h) */
};

struct api_req {
	const struct api_ctx *ctx;
	struct MHD_Connection *conn;
	const char *method;
	const char *path; /* without the version prefix */
	unsigned version; /* "/v1.41/...": 141; none: API_VERSION's */
	char *param;      /* the {} part of the route's path, or NULL */
	char *body;       /* the request body, NUL-terminated (or NULL) */
	size_t body_len;
	bool body_over; /* longer than API_UPLOAD_MAX: refused with 413 */
	int body_fd;    /* longer than API_BODY_MAX: in this unlinked file (body NULL), or -1 */
	int body_errno; /* writing it there failed: refused with 500 */
	/* the reply the handler chose */
	struct MHD_Response *resp;
	unsigned status;
};

/* Serve the connection on fd until the client closes it; then returns. */
void api_http_serve(const struct api_ctx *ctx, int fd);
/* In the listener, before any connection: libmicrohttpd loaded once (each connection's child
 * inherits it mapped: loading it and GnuTLS's nine libraries in every child cost 2 ms of CPU
 * a request, bench/api) and able to hand over a hijacked stream (ENOTSUP if not). */
int api_http_load(struct berr **err);

/* A query parameter (NULL: not given); a boolean as Docker reads one ("1", "true", "True":
 * true; "0", "false", "": false; absent: def); an integer (absent: def; bad: -1 and *bad). */
const char *api_query(struct api_req *r, const char *key);
bool api_query_bool(struct api_req *r, const char *key, bool def);
long long api_query_int(struct api_req *r, const char *key, long long def, bool *bad);
/* A time as Docker's since and until: "1700000000", "1700000000.123456789" or RFC 3339; in
 * nanoseconds, 0 when absent; *bad set when unreadable. */
int64_t api_query_time_ns(struct api_req *r, const char *key, bool *bad);
const char *api_header(struct api_req *r, const char *name);
/* Whether the client has gone (closed or half-closed its end): a waiting handler stops. */
bool api_client_gone(struct api_req *r);
/* The connection's socket (for a streamed body to see the client go), or -1. */
int api_client_fd(struct api_req *r);
/* The body as a JSON object (an empty body: an empty object); NULL with err (EINVAL; E2BIG
 * for one longer than API_BODY_MAX). */
json_t *api_body_json(struct api_req *r, struct berr **err);
/* The body as a new descriptor read from its start (a tar: load, import), whatever its size. */
int api_body_fd(struct api_req *r, struct berr **err);
/* Every value of a query parameter given several times (?names=a&names=b), NULL-terminated
 * (strv_free); an empty list when not given. */
char **api_query_all(struct api_req *r, const char *key);

/* The replies; each returns 0. */
int api_reply_json(struct api_req *r, unsigned status, json_t *doc); /* takes doc */
int api_reply_text(struct api_req *r, unsigned status, const char *type, const char *text,
		   size_t len);
int api_reply_empty(struct api_req *r, unsigned status);
int api_reply_error(struct api_req *r, unsigned status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* err (taken) as Docker's status: ENOENT 404, EEXIST/EBUSY/EALREADY 409, EINVAL/ERANGE/
 * E2BIG 400, EPERM/EACCES 403, else 500; its message as berr_string gives it. */
int api_reply_berr(struct api_req *r, struct berr *err);
/* A body of unknown length, chunked: read(cls, buf, max) gives the next bytes (0: wait
 * again is not allowed: block until there are some), -1 at the end. done(cls) afterwards. */
int api_reply_stream(struct api_req *r, unsigned status, const char *type,
		     ssize_t (*read)(void *cls, char *buf, size_t max), void (*done)(void *cls),
		     void *cls);
/* A body that a child process of this one writes into fd (a pipe's read end, taken), read
 * as it comes; first (taken, or NULL) is sent before it (what was read to choose the status).
 * At the end the child is told to stop (SIGTERM) and waited for. */
int api_reply_piped(struct api_req *r, unsigned status, const char *type, int fd, pid_t child,
		    char *first);
/* 101 UPGRADED (Docker's hijack: Upgrade: tcp, application/vnd.docker.raw-stream), then fn
 * with ctx (its own: the request may be gone by then), the raw socket and the bytes the client
 * sent after its request; the connection ends when fn returns. */
int api_reply_upgrade(struct api_req *r,
		      void (*fn)(void *ctx, int sock, const char *extra, size_t n), void *ctx);

#endif
