/* HTTP to a registry on libcurl (see http.h). Threads: several may call img_http_do on one
 * struct img_http; h->lock guards base, token and basic; each call has its own CURL handle. */
#include "image/http.h"

#include <ctype.h>
#include <curl/curl.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "image/auth.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/xalloc.h"

#define USER_AGENT "berth/0.1.0"
#define CA_MAX     (4 << 20)
#define TOKEN_MAX  (1 << 20)

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void curl_init(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

void img_http_opts_default(struct img_http_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->tls_verify = true;
	o->retries = 3;
	o->retry_delay_ms = 250;
	/* BERTH_REGISTRY_TIMEOUT (seconds) shortens the stall timeout, for tests of a registry
	 * that hangs */
	const char *t = getenv("BERTH_REGISTRY_TIMEOUT");
	o->timeout_s = t && atol(t) > 0 ? atol(t) : 60;
}

/* The system's CAs plus every *.crt of dir, as one PEM blob; NULL when dir has none. */
static int load_cas(struct img_http *h, const char *dir, struct berr **err)
{
	autoclosedir DIR *d = opendir(dir);
	if (!d)
		return errno == ENOENT && !h->o.cert_dir ? 0 : berr_set(err, errno, "'%s'", dir);
	char *blob = NULL;
	size_t len = 0;
	if (fs_read_file(AT_FDCWD, "/etc/ssl/certs/ca-certificates.crt", CA_MAX, &blob, &len,
			 NULL) < 0) {
		blob = xstrdup("");
		len = 0;
	}
	struct dirent *de;
	bool any = false;
	int r;
	while ((de = readdir(d))) {
		size_t n = strlen(de->d_name);
		if (n < 5 || strcmp(de->d_name + n - 4, ".crt"))
			continue;
		autofree char *path = xasprintf("%s/%s", dir, de->d_name);
		autofree char *pem = NULL;
		size_t plen = 0;
		if ((r = fs_read_file(AT_FDCWD, path, CA_MAX, &pem, &plen, err)) < 0) {
			free(blob);
			return r;
		}
		blob = xrealloc(blob, len + plen + 2);
		memcpy(blob + len, pem, plen);
		len += plen;
		blob[len++] = '\n';
		blob[len] = '\0';
		any = true;
	}
	if (!any) {
		free(blob);
		return 0;
	}
	h->ca_blob = blob;
	h->ca_len = len;
	return 0;
}

int img_http_open(const char *domain, const struct img_http_opts *o, struct img_http **out,
		  struct berr **err)
{
	pthread_once(&curl_once, curl_init);
	struct img_http *h = xzalloc(sizeof(*h));
	pthread_mutex_init(&h->lock, NULL);
	h->domain = xstrdup(domain);
	h->host = xstrdup(!strcmp(domain, "docker.io") ? "registry-1.docker.io" : domain);
	h->o = *o;
	h->base = xasprintf("https://%s", h->host);
	int r = 0;
	if (o->user) {
		h->user = xstrdup(o->user);
		h->pass = xstrdup(o->pass ? o->pass : "");
	} else {
		r = img_auth_get(domain, &h->user, &h->pass, err);
	}
	if (r == 0) {
		autofree char *certs = o->cert_dir
					   ? xstrdup(o->cert_dir)
					   : xasprintf("/etc/containers/certs.d/%s", domain);
		r = load_cas(h, certs, err);
		if (r == 0 && !h->ca_blob && !o->cert_dir) {
			autofree char *dcerts = xasprintf("/etc/docker/certs.d/%s", domain);
			r = load_cas(h, dcerts, err);
		}
	}
	if (r < 0) {
		img_http_free(h);
		return r;
	}
	*out = h;
	return 0;
}

void img_http_free(struct img_http *h)
{
	if (!h)
		return;
	pthread_mutex_destroy(&h->lock);
	free(h->domain);
	free(h->host);
	free(h->user);
	free(h->pass);
	free(h->scope);
	free(h->ca_blob);
	free(h->base);
	free(h->token);
	free(h);
}

void img_http_set_scope(struct img_http *h, const char *scope)
{
	pthread_mutex_lock(&h->lock);
	free(h->scope);
	h->scope = xstrdup(scope);
	/* a token is for one scope */
	free(h->token);
	h->token = NULL;
	pthread_mutex_unlock(&h->lock);
}

void img_http_resp_clear(struct img_http_resp *r)
{
	free(r->content_type);
	free(r->location);
	free(r->digest);
	free(r->range);
	free(r->body);
	memset(r, 0, sizeof(*r));
	r->length = -1;
}

/* ---- one attempt ---- */

struct xfer {
	const struct img_http_req *rq;
	struct img_http_resp *resp;
	int64_t done;       /* body bytes handed on, over every attempt */
	int64_t range_from; /* this attempt asked for the body from here on */
	int64_t skip;       /* bytes of this response already handed on in an earlier attempt */
	int64_t total;      /* the whole body's size when known */
	bool too_big;
	struct berr *sink_err;
	size_t cap;
	int64_t upload_left;
	int64_t upload_off;
};

static void set_header(char **field, const char *v, size_t n)
{
	while (n && isspace((unsigned char)*v))
		v++, n--;
	while (n && isspace((unsigned char)v[n - 1]))
		n--;
	free(*field);
	*field = xstrndup(v, n);
}

static size_t on_header(char *data, size_t size, size_t n, void *ctx)
{
	struct xfer *x = ctx;
	size_t len = size * n;
	struct img_http_resp *r = x->resp;
	if (len >= 5 && !strncmp(data, "HTTP/", 5)) {
		const char *sp = memchr(data, ' ', len);
		r->status = sp ? strtol(sp + 1, NULL, 10) : 0;
		/* a server that ignored our Range sends it all again: skip what we have */
		x->skip = x->range_from > 0 && r->status == 200 ? x->range_from : 0;
		/* a new response (after a redirect or a 100): forget the last one's headers */
		free(r->content_type);
		free(r->location);
		free(r->digest);
		free(r->range);
		r->content_type = r->location = r->digest = r->range = NULL;
		r->length = -1;
		return len;
	}
	const char *colon = memchr(data, ':', len);
	if (!colon)
		return len;
	size_t klen = (size_t)(colon - data);
	const char *v = colon + 1;
	size_t vlen = len - klen - 1;
	if (klen == 12 && !strncasecmp(data, "Content-Type", 12))
		set_header(&r->content_type, v, vlen);
	else if (klen == 8 && !strncasecmp(data, "Location", 8))
		set_header(&r->location, v, vlen);
	else if (klen == 21 && !strncasecmp(data, "Docker-Content-Digest", 21))
		set_header(&r->digest, v, vlen);
	else if (klen == 16 && !strncasecmp(data, "WWW-Authenticate", 16))
		set_header(&r->range, v, vlen); /* reused: the challenge (see challenge()) */
	else if (klen == 14 && !strncasecmp(data, "Content-Length", 14)) {
		r->length = strtoll(v, NULL, 10);
		/* the whole body, counting what a resumed download has already */
		if (r->status == 200)
			x->total = r->length;
		else if (r->status == 206)
			x->total = x->range_from + r->length;
	}
	return len;
}

static size_t on_body(char *data, size_t size, size_t n, void *ctx)
{
	struct xfer *x = ctx;
	size_t len = size * n;
	const char *p = data;
	size_t keep = len;
	if (x->skip > 0) {
		size_t drop = (int64_t)keep < x->skip ? keep : (size_t)x->skip;
		x->skip -= (int64_t)drop;
		p += drop;
		keep -= drop;
	}
	if (!keep)
		return len;
	const struct img_http_req *rq = x->rq;
	struct img_http_resp *r = x->resp;
	if (rq->sink && r->status >= 200 && r->status < 300) {
		if (rq->sink(p, keep, rq->sink_ctx) < 0)
			return 0;
		x->done += (int64_t)keep;
		if (rq->progress)
			rq->progress(x->done, x->total, rq->progress_ctx);
		return len;
	}
	/* error bodies are small; keep up to max_body (or 64 KiB of an error) */
	size_t max = rq->max_body && r->status < 300 ? rq->max_body : 65536;
	if (r->body_len + keep > max) {
		x->too_big = true;
		return 0;
	}
	if (r->body_len + keep + 1 > x->cap) {
		x->cap = (r->body_len + keep + 1) * 2;
		r->body = xrealloc(r->body, x->cap);
	}
	memcpy(r->body + r->body_len, p, keep);
	r->body_len += keep;
	r->body[r->body_len] = '\0';
	return len;
}

static size_t on_upload(char *buf, size_t size, size_t n, void *ctx)
{
	struct xfer *x = ctx;
	size_t want = size * n;
	if ((int64_t)want > x->upload_left)
		want = (size_t)x->upload_left;
	if (!want)
		return 0;
	const struct img_http_req *rq = x->rq;
	ssize_t got;
	if (rq->body_fd >= 0) {
		got = pread(rq->body_fd, buf, want, x->upload_off);
		if (got <= 0)
			return CURL_READFUNC_ABORT;
	} else {
		memcpy(buf, (const char *)rq->body + x->upload_off, want);
		got = (ssize_t)want;
	}
	x->upload_off += got;
	x->upload_left -= got;
	if (rq->progress && rq->body_fd >= 0)
		rq->progress(x->upload_off - rq->body_off, (int64_t)rq->body_len, rq->progress_ctx);
	return (size_t)got;
}

static char *full_url(struct img_http *h, const char *url)
{
	if (!strncmp(url, "http://", 7) || !strncmp(url, "https://", 8))
		return xstrdup(url);
	pthread_mutex_lock(&h->lock);
	char *u = xasprintf("%s%s", h->base, url);
	pthread_mutex_unlock(&h->lock);
	return u;
}

static struct curl_slist *headers(struct img_http *h, const struct img_http_req *rq,
				  int64_t range_from)
{
	struct curl_slist *l = NULL;
	char line[512];
	if (rq->accept) {
		autofree char *a = xasprintf("Accept: %s", rq->accept);
		l = curl_slist_append(l, a);
	}
	if (rq->content_type) {
		snprintf(line, sizeof(line), "Content-Type: %s", rq->content_type);
		l = curl_slist_append(l, line);
	}
	if (rq->content_range) {
		snprintf(line, sizeof(line), "Content-Range: %s", rq->content_range);
		l = curl_slist_append(l, line);
	}
	if (range_from > 0) {
		snprintf(line, sizeof(line), "Range: bytes=%lld-", (long long)range_from);
		l = curl_slist_append(l, line);
	}
	pthread_mutex_lock(&h->lock);
	if (h->token) {
		autofree char *a = xasprintf("Authorization: Bearer %s", h->token);
		l = curl_slist_append(l, a);
	} else if (h->basic && h->user) {
		autofree char *pair = xasprintf("%s:%s", h->user, h->pass);
		autofree char *b64 = img_base64(pair, strlen(pair));
		autofree char *a = xasprintf("Authorization: Basic %s", b64);
		l = curl_slist_append(l, a);
	}
	pthread_mutex_unlock(&h->lock);
	/* libcurl's default "Expect: 100-continue" costs a round trip per upload */
	l = curl_slist_append(l, "Expect:");
	return l;
}

static void common_opts(struct img_http *h, CURL *c)
{
	curl_easy_setopt(c, CURLOPT_USERAGENT, USER_AGENT);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, h->o.timeout_s);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, h->o.timeout_s);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	if (!h->o.tls_verify) {
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
	} else if (h->ca_blob) {
		struct curl_blob b = {h->ca_blob, h->ca_len, CURL_BLOB_NOCOPY};
		curl_easy_setopt(c, CURLOPT_CAINFO_BLOB, &b);
	}
}

/* One attempt. Returns the CURLcode; errbuf gets libcurl's words for it. */
static CURLcode attempt(struct img_http *h, const struct img_http_req *rq, struct xfer *x,
			int64_t range_from, char errbuf[CURL_ERROR_SIZE])
{
	CURL *c = curl_easy_init();
	if (!c)
		return CURLE_OUT_OF_MEMORY;
	autofree char *url = full_url(h, rq->url);
	struct curl_slist *hdrs = headers(h, rq, range_from);
	common_opts(h, c);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, x);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, x);
	bool get = !strcmp(rq->method, "GET") || !strcmp(rq->method, "HEAD");
	/* blobs are redirected to storage; an upload's Location is data, not a redirect */
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, get ? 1L : 0L);
	curl_easy_setopt(c, CURLOPT_MAXREDIRS, 10L);
	if (!strcmp(rq->method, "HEAD"))
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	else if (!get)
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, rq->method);
	if (rq->body || rq->body_fd >= 0 || (!get && strcmp(rq->method, "DELETE"))) {
		x->upload_off = rq->body_fd >= 0 ? rq->body_off : 0;
		x->upload_left = (int64_t)rq->body_len;
		curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(c, CURLOPT_READFUNCTION, on_upload);
		curl_easy_setopt(c, CURLOPT_READDATA, x);
		curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)rq->body_len);
	}
	errbuf[0] = '\0';
	CURLcode rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &x->resp->status);
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(c);
	return rc;
}

/* ---- authentication ---- */

/* The value of param in a challenge (`Bearer realm="x",service="y"`); caller frees. */
static char *challenge_param(const char *ch, const char *param)
{
	size_t n = strlen(param);
	for (const char *p = ch; (p = strcasestr(p, param)); p += n) {
		if (p > ch && p[-1] != ' ' && p[-1] != ',')
			continue;
		const char *v = p + n;
		if (*v != '=')
			continue;
		v++;
		if (*v == '"') {
			const char *end = strchr(v + 1, '"');
			return end ? xstrndup(v + 1, (size_t)(end - v - 1)) : NULL;
		}
		return xstrndup(v, strcspn(v, ", "));
	}
	return NULL;
}

static int fetch_token(struct img_http *h, const char *ch, struct berr **err)
{
	autofree char *realm = challenge_param(ch, "realm");
	autofree char *service = challenge_param(ch, "service");
	autofree char *ch_scope = challenge_param(ch, "scope");
	if (!realm)
		return berr_plain(err, EPROTO, "%s: a Bearer challenge without a realm", h->domain);
	CURL *c = curl_easy_init();
	pthread_mutex_lock(&h->lock);
	autofree char *scope = xstrdup(h->scope ? h->scope : ch_scope ? ch_scope : "");
	pthread_mutex_unlock(&h->lock);
	char *es = curl_easy_escape(c, service ? service : "", 0);
	char *esc = curl_easy_escape(c, scope, 0);
	autofree char *url = xasprintf("%s%sservice=%s%s%s", realm, strchr(realm, '?') ? "&" : "?",
				       es, *scope ? "&scope=" : "", *scope ? esc : "");
	curl_free(es);
	curl_free(esc);
	struct img_http_resp resp = {.length = -1};
	struct img_http_req rq = {
	    .method = "GET", .url = url, .body_fd = -1, .max_body = TOKEN_MAX};
	struct xfer x = {.rq = &rq, .resp = &resp};
	char errbuf[CURL_ERROR_SIZE];
	common_opts(h, c);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &x);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &x);
	if (h->user) {
		curl_easy_setopt(c, CURLOPT_USERNAME, h->user);
		curl_easy_setopt(c, CURLOPT_PASSWORD, h->pass);
	}
	errbuf[0] = '\0';
	CURLcode rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp.status);
	curl_easy_cleanup(c);
	int r = 0;
	if (rc != CURLE_OK)
		r = berr_plain(err, EIO, "get a token from %s: %s", realm,
			       *errbuf ? errbuf : curl_easy_strerror(rc));
	else if (resp.status == 401 || resp.status == 403)
		r = berr_plain(err, EACCES, "%s: unauthorized: %s", h->domain,
			       h->user ? "incorrect username or password"
				       : "authentication required");
	else if (resp.status != 200)
		r = berr_plain(err, EIO, "get a token from %s: HTTP %ld", realm, resp.status);
	json_auto_t *j =
	    r == 0 ? json_load_text(resp.body ? resp.body : "", resp.body_len, err) : NULL;
	const char *tok = json_string_value(json_object_get(j, "token"));
	if (!tok)
		tok = json_string_value(json_object_get(j, "access_token"));
	if (r == 0 && !tok)
		r = berr_plain(err, EPROTO, "%s: the token server sent no token", h->domain);
	if (r == 0) {
		pthread_mutex_lock(&h->lock);
		free(h->token);
		h->token = xstrdup(tok);
		pthread_mutex_unlock(&h->lock);
	}
	img_http_resp_clear(&resp);
	return r;
}

/* Answer a 401: Basic credentials, or a Bearer token. */
static int challenge(struct img_http *h, const char *ch, struct berr **err)
{
	if (ch && !strncasecmp(ch, "Bearer", 6))
		return fetch_token(h, ch, err);
	if (ch && !strncasecmp(ch, "Basic", 5)) {
		if (!h->user)
			return berr_plain(err, EACCES,
					  "%s: authentication required (log in with 'berth login "
					  "%s')",
					  h->domain, h->domain);
		pthread_mutex_lock(&h->lock);
		bool had = h->basic;
		h->basic = true;
		pthread_mutex_unlock(&h->lock);
		if (had)
			return berr_plain(err, EACCES,
					  "%s: unauthorized: incorrect username or "
					  "password",
					  h->domain);
		return 0;
	}
	return berr_plain(err, EACCES, "%s: unauthorized (challenge '%s')", h->domain,
			  ch ? ch : "none");
}

/* ---- the request ---- */

static bool retryable(CURLcode rc)
{
	switch (rc) {
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_PARTIAL_FILE:
	case CURLE_GOT_NOTHING:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
	case CURLE_COULDNT_RESOLVE_HOST:
		return true;
	default:
		return false;
	}
}

static void back_off(const struct img_http *h, int attempt)
{
	long ms = h->o.retry_delay_ms << (attempt < 10 ? attempt : 10);
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* With tls_verify off, a registry that speaks plain HTTP fails the TLS handshake: use http. */
static bool fall_back_to_http(struct img_http *h, CURLcode rc)
{
	if (h->o.tls_verify ||
	    (rc != CURLE_SSL_CONNECT_ERROR && rc != CURLE_RECV_ERROR && rc != CURLE_GOT_NOTHING))
		return false;
	pthread_mutex_lock(&h->lock);
	bool was_https = !strncmp(h->base, "https://", 8);
	if (was_https) {
		free(h->base);
		h->base = xasprintf("http://%s", h->host);
	}
	pthread_mutex_unlock(&h->lock);
	return was_https;
}

int img_http_do(struct img_http *h, const struct img_http_req *rq, struct img_http_resp *out,
		struct berr **err)
{
	struct img_http_resp resp = {.length = -1};
	struct xfer x = {.rq = rq, .resp = &resp, .done = rq->resume_from};
	bool auth_tried = false;
	int attempt_no = 0;
	int r;
	for (;;) {
		img_http_resp_clear(&resp);
		x.cap = 0;
		x.too_big = false;
		char errbuf[CURL_ERROR_SIZE];
		x.range_from = rq->sink ? x.done : 0;
		x.skip = 0;
		CURLcode rc = attempt(h, rq, &x, x.range_from, errbuf);
		if (rc == CURLE_WRITE_ERROR && x.too_big) {
			img_http_resp_clear(&resp);
			return berr_plain(err, EFBIG,
					  "%s %s: the response is larger than %zu bytes",
					  rq->method, rq->url, rq->max_body);
		}
		if (rc == CURLE_WRITE_ERROR && rq->sink) {
			img_http_resp_clear(&resp);
			return berr_plain(err, EIO, "%s %s: the download was refused by its writer",
					  rq->method, rq->url);
		}
		if (rc != CURLE_OK) {
			if (fall_back_to_http(h, rc))
				continue;
			if (retryable(rc) && !rq->no_retry && attempt_no < h->o.retries) {
				back_off(h, attempt_no++);
				continue;
			}
			img_http_resp_clear(&resp);
			if (rc == CURLE_OPERATION_TIMEDOUT)
				return berr_plain(err, ETIMEDOUT,
						  "%s %s%s: timed out: nothing received for %ld s",
						  rq->method, h->host,
						  rq->url[0] == '/' ? rq->url : "", h->o.timeout_s);
			return berr_plain(err, EIO, "%s %s%s: %s", rq->method, h->host,
					  rq->url[0] == '/' ? rq->url : "",
					  *errbuf ? errbuf : curl_easy_strerror(rc));
		}
		if (resp.status == 401 && !auth_tried) {
			auth_tried = true;
			autofree char *ch = resp.range ? xstrdup(resp.range) : NULL;
			if ((r = challenge(h, ch, err)) < 0) {
				img_http_resp_clear(&resp);
				return r;
			}
			continue;
		}
		if ((resp.status >= 500 || resp.status == 429) && !rq->no_retry &&
		    attempt_no < h->o.retries) {
			back_off(h, attempt_no++);
			continue;
		}
		free(resp.range);
		resp.range = NULL;
		*out = resp;
		return 0;
	}
}

/* The registry's error body: {"errors": [{"code": "...", "message": "..."}]}. */
int img_http_status_error(const struct img_http_resp *r, const char *what, struct berr **err)
{
	json_auto_t *j = r->body ? json_loads(r->body, 0, NULL) : NULL;
	json_t *e0 = json_array_get(json_object_get(j, "errors"), 0);
	const char *msg = json_string_value(json_object_get(e0, "message"));
	const char *code = json_string_value(json_object_get(e0, "code"));
	int e = r->status == 404                       ? ENOENT
		: r->status == 401 || r->status == 403 ? EACCES
		: r->status == 429                     ? EAGAIN
						       : EIO;
	const char *text = msg ? msg : code;
	if (text)
		return berr_plain(err, e, "%s%s%s (HTTP %ld)", what ? what : "", what ? ": " : "",
				  text, r->status);
	return berr_plain(err, e, "%s%sHTTP %ld", what ? what : "", what ? ": " : "", r->status);
}
