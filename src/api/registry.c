/* The service's image endpoints that talk to registries: pull (POST /images/create?fromImage=),
 * push (POST /images/{name}/push), POST /auth and GET /images/search, on the image layer's
 * img_pull, img_push, img_login and img_search, which `berth pull`, `push` and `login`
 * call too. Pull and push answer with Docker's JSON progress messages, written by a child of
 * the connection's process into a pipe the response reads. As dockerd's default, registries
 * on the loopback may speak plain HTTP (or unverified TLS); the client's credentials come in
 * X-Registry-Auth. */
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "api/images.h"
#include "api/jsonstream.h"
#include "api/routes.h"
#include "image/auth.h"
#include "image/builtin.h"
#include "image/image.h"
#include "image/login.h"
#include "image/pull.h"
#include "image/push.h"
#include "image/reference.h"
#include "image/search.h"
#include "image/store.h"
#include "util/child.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/filter.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/xalloc.h"

bool api_registry_loopback(const char *domain)
{
	return !strncmp(domain, "127.", 4) || !strncmp(domain, "localhost:", 10) ||
	       !strcmp(domain, "localhost") || !strncmp(domain, "[::1]", 5);
}

json_t *api_registry_header(struct api_req *r, const char *name)
{
	const char *header = api_header(r, name);
	size_t n = header ? strlen(header) : 0;
	if (!n || n > (256u << 10))
		return NULL;
	autofree char *b = xmalloc(n + 4);
	for (size_t i = 0; i < n; i++)
		b[i] = header[i] == '-' ? '+' : header[i] == '_' ? '/' : header[i];
	while (n % 4)
		b[n++] = '=';
	b[n] = '\0';
	autofree unsigned char *raw = xmalloc(n);
	int len = EVP_DecodeBlock(raw, (unsigned char *)b, (int)n);
	while (len > 0 && !raw[len - 1]) /* EVP_DecodeBlock counts the padding as zeros */
		len--;
	json_t *j = len > 0 ? json_loadb((char *)raw, (size_t)len, 0, NULL) : NULL;
	if (j && !json_is_object(j)) {
		json_decref(j);
		j = NULL;
	}
	return j;
}

/* X-Registry-Auth's username and password into o. */
static void registry_auth(struct api_req *r, struct img_http_opts *o, char **user, char **pass)
{
	json_t *j = api_registry_header(r, "X-Registry-Auth");
	const char *u = json_string_value(json_object_get(j, "username"));
	const char *p = json_string_value(json_object_get(j, "password"));
	if (u && *u && p) {
		*user = xstrdup(u);
		*pass = xstrdup(p);
		o->user = *user;
		o->pass = *pass;
	}
	json_decref(j);
}

/* ---- Docker's JSON progress stream, written by a child ---- */

struct stream_out {
	int fd;
	bool wrote;
	int64_t size; /* push: the manifest's size, for the aux message */
};

static void emit(struct stream_out *w, json_t *msg)
{
	autofree char *text = json_dumps(msg, JSON_COMPACT);
	json_decref(msg);
	if (!text)
		return;
	/* one write, one chunk (see events.c) */
	autofree char *line = xasprintf("%s\r\n", text);
	(void)fs_write_all(w->fd, line, strlen(line));
	w->wrote = true;
}

/* The work a stream reports on, run in the child. */
typedef int (*stream_job)(struct api_req *r, struct stream_out *w, void *ctx, struct berr **err);

/* In the child: the job, its messages into fd; an error before any message as a marked line
 * that the parent turns into the reply's status, else as Docker's errorDetail message. */
__attribute__((noreturn)) static void job_child(struct api_req *r, stream_job job, void *ctx,
						int fd)
{
	struct stream_out w = {.fd = fd};
	struct berr *err = NULL;
	int rr = job(r, &w, ctx, &err);
	if (rr < 0) {
		autofree char *msg = berr_string(err);
		int code = berr_code(err);
		emit(&w,
		     w.wrote
			 ? json_pack("{s:{s:s}, s:s}", "errorDetail", "message", msg, "error", msg)
			 : json_pack("{s:i, s:s}", "berth-status",
				     code == ENOENT || code == EACCES ? 404 : 500, "message", msg));
	}
	berr_free(err);
	_exit(rr < 0);
}

/* Run job in a child and answer with what it writes: 200 and the stream once it said
 * something, else its error's status. */
static int reply_streamed(struct api_req *r, stream_job job, void *ctx)
{
	int fd;
	pid_t pid = child_fork_piped(&fd);
	if (pid == 0)
		job_child(r, job, ctx, fd);
	if (pid < 0)
		return api_reply_error(r, 500, "fork: %s", strerror((int)-pid));
	return api_reply_jsonstream(r, fd, pid);
}

/* The options for a registry of name's domain, with the client's credentials. */
static void http_opts(struct api_req *r, const char *name, struct img_http_opts *o, char **user,
		      char **pass)
{
	img_http_opts_default(o);
	struct img_ref ref;
	if (img_ref_parse(name, &ref, NULL) == 0) {
		o->tls_verify = !api_registry_loopback(ref.domain);
		img_ref_clear(&ref);
	}
	registry_auth(r, o, user, pass);
}

/* ---- pull: POST /images/create?fromImage= ---- */

/* The pull's events as Docker's JSON messages. */
static void on_pull(enum img_pull_event ev, const char *id, const char *text, int64_t done,
		    int64_t total, void *ctx)
{
	struct stream_out *w = ctx;
	static const char *const status[] = {[IMG_PULL_LAYER_WAIT] = "Pulling fs layer",
					     [IMG_PULL_LAYER_HAVE] = "Already exists",
					     [IMG_PULL_DOWNLOADED] = "Download complete",
					     [IMG_PULL_EXTRACTED] = "Pull complete"};
	switch (ev) {
	case IMG_PULL_START: {
		struct img_ref ref;
		autofree char *repo = xasprintf("%s:x", text);
		const char *path = img_ref_parse(repo, &ref, NULL) == 0 ? ref.path : text;
		emit(w, json_pack("{s:s+, s:s}", "status", "Pulling from ", path, "id", id));
		if (path != text)
			img_ref_clear(&ref);
		break;
	}
	case IMG_PULL_DOWNLOADING:
		emit(w, json_pack("{s:s, s:{s:I, s:I}, s:s}", "status", "Downloading",
				  "progressDetail", "current", (json_int_t)done, "total",
				  (json_int_t)total, "id", id));
		break;
	case IMG_PULL_DONE: {
		autofree char *fam = img_name_familiar(id);
		emit(w, json_pack("{s:s+}", "status", "Digest: ", text));
		emit(w, json_pack("{s:s+++}", "status", "Status: ",
				  done ? "Image is up to date" : "Downloaded newer image", " for ",
				  fam));
		break;
	}
	default:
		emit(w, json_pack("{s:s, s:{}, s:s}", "status", status[ev], "progressDetail", "id",
				  id));
		break;
	}
}

static int pull_job(struct api_req *r, struct stream_out *w, void *ctx, struct berr **err)
{
	const char *name = ctx;
	struct img_pull_opts po = {.event = on_pull, .ctx = w};
	autofree char *user = NULL, *pass = NULL;
	http_opts(r, name, &po.http, &user, &pass);
	autoptr(img_store) s = api_image_store(r, err);
	return s ? img_pull(s, name, &po, NULL, NULL, err) : -EIO;
}

int api_image_pull(struct api_req *r)
{
	const char *from = api_query(r, "fromImage"), *tag = api_query(r, "tag");
	if (!from || !*from)
		return api_reply_error(r, 400, "fromImage is required");
	autofree char *name =
	    tag && *tag ? xasprintf("%s%s%s", from, !strncmp(tag, "sha256:", 7) ? "@" : ":", tag)
			: xstrdup(from);
	return reply_streamed(r, pull_job, name);
}

/* ---- push: POST /images/{name}/push?tag= ---- */

/* The push's events as Docker's JSON messages (its start is said before the registry is
 * asked anything, as dockerd says it). */
static void on_push(enum img_push_event ev, const char *id, const char *text, int64_t done,
		    int64_t total, void *ctx)
{
	struct stream_out *w = ctx;
	switch (ev) {
	case IMG_PUSH_START:
		break;
	case IMG_PUSH_SENDING:
		emit(w,
		     json_pack("{s:s, s:{s:I, s:I}, s:s}", "status", "Pushing", "progressDetail",
			       "current", (json_int_t)done, "total", (json_int_t)total, "id", id));
		break;
	case IMG_PUSH_MOUNTED:
		emit(w, json_pack("{s:s+, s:{}, s:s}", "status", "Mounted from ", text,
				  "progressDetail", "id", id));
		break;
	case IMG_PUSH_DONE: {
		autofree char *line =
		    xasprintf("%s: digest: %s size: %lld", id, text, (long long)total);
		emit(w, json_pack("{s:s}", "status", line));
		w->size = total;
		break;
	}
	default:
		emit(w, json_pack("{s:s, s:{}, s:s}", "status",
				  ev == IMG_PUSH_WAIT     ? "Preparing"
				  : ev == IMG_PUSH_EXISTS ? "Layer already exists"
							  : "Pushed",
				  "progressDetail", "id", id));
		break;
	}
}

static int push_job(struct api_req *r, struct stream_out *w, void *ctx, struct berr **err)
{
	char **names = ctx;
	struct img_push_opts po = {.event = on_push, .ctx = w};
	autofree char *user = NULL, *pass = NULL;
	http_opts(r, names[0], &po.http, &user, &pass);
	struct img_ref ref;
	int rr = img_ref_parse(names[0], &ref, err);
	if (rr < 0)
		return rr;
	autofree char *repo = img_ref_repository(&ref);
	img_ref_clear(&ref);
	emit(w, json_pack("{s:s++}", "status", "The push refers to repository [", repo, "]"));
	autoptr(img_store) s = api_image_store(r, err);
	if (!s)
		return berr_ret(err);
	for (size_t i = 0; names[i]; i++) {
		char digest[80];
		rr = img_push(s, names[i], NULL, &po, digest, err);
		if (rr < 0)
			return rr;
		struct img_ref one;
		if (img_ref_parse(names[i], &one, NULL) < 0)
			continue;
		emit(w, json_pack("{s:{}, s:{s:s, s:s, s:I}}", "progressDetail", "aux", "Tag",
				  one.tag ? one.tag : "", "Digest", digest, "Size",
				  (json_int_t)w->size));
		img_ref_clear(&one);
	}
	return 0;
}

/* The store's names in repo's repository ("host:5000/a/app"), NULL-terminated. */
static char **repository_tags(json_t *images, const char *repo)
{
	char **out = xcalloc(1, sizeof(char *));
	size_t n = 0, i, k;
	json_t *rec, *v;
	json_array_foreach(images, i, rec) json_array_foreach(json_object_get(rec, "names"), k, v)
	{
		struct img_ref ref;
		if (img_ref_parse(json_string_value(v), &ref, NULL) < 0)
			continue;
		autofree char *rr = img_ref_repository(&ref);
		img_ref_clear(&ref);
		if (strcmp(rr, repo))
			continue;
		out = xrealloc(out, (n + 2) * sizeof(char *));
		out[n++] = xstrdup(json_string_value(v));
		out[n] = NULL;
	}
	return out;
}

/* What a push of name with tag (empty: every tag of its repository) sends, NULL-terminated;
 * ENOENT when the store has none of it (said before the stream starts). */
static char **push_names(struct api_req *r, const char *name, const char *tag, struct berr **err)
{
	autofree char *full = tag && *tag ? xasprintf("%s:%s", name, tag) : xstrdup(name);
	struct img_ref ref;
	if (img_ref_parse(full, &ref, err) < 0)
		return NULL;
	autofree char *repo = img_ref_repository(&ref);
	img_ref_clear(&ref);
	autoptr(img_store) s = api_image_store(r, err);
	if (!s || (img_builtin_is(full) && img_builtin_ensure(s, err) < 0))
		return NULL;
	json_t *all = img_store_images_view(s, err);
	if (!all)
		return NULL;
	const char *last = strrchr(full, '/');
	char **names = NULL;
	if (strchr(last ? last : full, ':')) {
		names = xcalloc(2, sizeof(char *));
		if (img_image_find(json_object_get(all, "images"), full, NULL))
			names[0] = xstrdup(full);
	} else {
		names = repository_tags(json_object_get(all, "images"), repo);
	}
	json_decref(all);
	if (!names[0]) {
		strv_free(names);
		berr_plain(err, ENOENT, "An image does not exist locally with the tag: %s", name);
		return NULL;
	}
	return names;
}

int api_image_push(struct api_req *r)
{
	struct berr *err = NULL;
	char **names = push_names(r, r->param, api_query(r, "tag"), &err);
	if (!names)
		return api_reply_berr(r, err);
	int rr = reply_streamed(r, push_job, names);
	strv_free(names);
	return rr;
}

/* ---- POST /auth, GET /images/search ---- */

int api_auth(struct api_req *r)
{
	struct berr *err = NULL;
	json_t *body = api_body_json(r, &err);
	if (!body)
		return api_reply_berr(r, err);
	const char *user = json_string_value(json_object_get(body, "username"));
	const char *pass = json_string_value(json_object_get(body, "password"));
	const char *server = json_string_value(json_object_get(body, "serveraddress"));
	autofree char *domain = img_auth_domain(server && *server ? server : "docker.io");
	struct img_http_opts o;
	img_http_opts_default(&o);
	o.tls_verify = !api_registry_loopback(domain);
	o.user = user ? user : "";
	o.pass = pass ? pass : "";
	int rr = img_login(domain, &o, &err);
	json_decref(body);
	if (rr < 0 && berr_code(err) == EACCES) { /* bad credentials: 401, as dockerd's */
		autofree char *msg = berr_string(err);
		berr_free(err);
		return api_reply_error(r, 401, "%s", msg);
	}
	if (rr < 0)
		return api_reply_berr(r, err);
	/* dockerd checks, the client stores: nothing is written here */
	return api_reply_json(
	    r, 200, json_pack("{s:s, s:s}", "Status", "Login Succeeded", "IdentityToken", ""));
}

int api_images_search(struct api_req *r)
{
	struct berr *err = NULL;
	bool bad = false;
	long long limit = api_query_int(r, "limit", IMG_SEARCH_LIMIT, &bad);
	if (bad)
		return api_reply_error(r, 400, "invalid limit '%s'", api_query(r, "limit"));
	json_auto_t *filters = filter_parse_json(api_query(r, "filters"), &err);
	if (!filters || img_search_filter_check(filters, &err) < 0)
		return api_reply_berr(r, err);
	const char *term = api_query(r, "term");
	struct img_http_opts o;
	img_http_opts_default(&o);
	o.tls_verify = !api_registry_loopback(term ? term : "");
	o.retries = 0; /* dockerd asks once */
	autofree char *user = NULL, *pass = NULL;
	registry_auth(r, &o, &user, &pass);
	json_auto_t *results = NULL;
	if (img_search(term ? term : "", (long)limit, &o, &results, &err) < 0)
		return api_reply_berr(r, err);
	json_t *list = json_array();
	size_t i;
	json_t *v;
	json_array_foreach(results, i, v) if (img_search_filter(filters, v))
	    json_array_append(list, v);
	return api_reply_json(r, 200, list);
}
