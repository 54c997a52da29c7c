/* HTTP to one registry, on libcurl: the scheme (https; with tls_verify off, unverified https
 * and then plain http, as Docker treats an insecure registry), CA certificates (the system's
 * plus the .crt files in certs.d/<host> as Docker and Podman read them, or --cert-dir),
 * authentication
 * (a 401's WWW-Authenticate challenge answered with Basic credentials or a Bearer token from
 * the realm it names, credentials from the options or the auth file), retries with doubling
 * back-off for network errors, 5xx and 429, a downloaded body resumed with Range where it broke
 * off, and a stall timeout. One struct img_http may be used by several threads at once
 * (pull's parallel layers): `lock` guards `token`, `basic` and `base`. */
#ifndef BERTH_IMAGE_HTTP_H
#define BERTH_IMAGE_HTTP_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct berr;

struct img_http_opts {
	bool tls_verify;         /* false: no verification, and plain http when https fails */
	const char *cert_dir;    /* extra CA certificates (*.crt), or NULL for certs.d/<host> */
	const char *user, *pass; /* or NULL: the auth file's for this registry */
	int retries;             /* attempts after the first (network errors, 5xx, 429) */
	long retry_delay_ms;     /* the first back-off; doubled each time */
	long timeout_s;          /* a connection or a transfer stalled this long fails */
};

void img_http_opts_default(struct img_http_opts *o);

struct img_http {
	char *domain;
	char *host; /* where requests go: registry-1.docker.io for docker.io */
	struct img_http_opts o;
	char *user, *pass;
	char *scope;   /* "repository:library/busybox:pull" for tokens */
	char *ca_blob; /* system and extra CAs, PEM, or NULL for libcurl's default */
	size_t ca_len;
	pthread_mutex_t lock;
	char *base;  /* "https://host" or "http://host" (lock) */
	char *token; /* bearer token (lock) */
	bool basic;  /* the registry asked for Basic credentials (lock) */
};

struct img_http_req {
	const char *method; /* GET, HEAD, PUT, POST, PATCH, DELETE */
	const char *url;    /* "/v2/..." under the registry, or an absolute URL */
	const char *accept;
	const char *content_type;
	const void *body; /* request body in memory ... */
	size_t body_len;
	int body_fd; /* ... or body_len bytes of this fd from body_off (-1: none) */
	int64_t body_off;
	const char *content_range;
	size_t max_body; /* keep at most this much of the response body (more: EFBIG) */
	/* or stream it here; a resumed download continues where the sink stopped */
	int (*sink)(const void *data, size_t n, void *ctx);
	void *sink_ctx;
	int64_t resume_from; /* the sink has this much already (a partial blob): ask for the rest */
	void (*progress)(int64_t done, int64_t total, void *ctx);
	void *progress_ctx;
	bool no_retry; /* a request that must not be sent twice (a chunk upload) */
};

struct img_http_resp {
	long status;
	char *content_type, *location, *digest, *range;
	int64_t length; /* Content-Length, or -1 */
	char *body;     /* NUL-terminated */
	size_t body_len;
};

int img_http_open(const char *domain, const struct img_http_opts *o, struct img_http **out,
		  struct berr **err);
void img_http_free(struct img_http *h);
/* The token scope for what follows ("repository:NAME:pull" or ":pull,push"). */
void img_http_set_scope(struct img_http *h, const char *scope);

/* One request, with authentication, retries and resume. A response status is not an error
 * here: the caller reads it (img_http_status_error makes the message). */
int img_http_do(struct img_http *h, const struct img_http_req *rq, struct img_http_resp *out,
		struct berr **err);
void img_http_resp_clear(struct img_http_resp *r);
/* An error for an unexpected status, with the registry's own message ("manifest unknown");
 * what (or NULL) goes in front. */
int img_http_status_error(const struct img_http_resp *r, const char *what, struct berr **err);

#endif
