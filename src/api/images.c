/* /images/...: Docker's image endpoints on the image store, as the command line's `images` and
 * `image inspect` read it (image/image_view.h). */
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "api/routes.h"
#include "engine/container.h"
#include "image/image.h"
#include "image/image_view.h"
#include "image/pull.h"
#include "image/reference.h"
#include "image/store.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/filter.h"
#include "util/fs.h"
#include "util/xalloc.h"

/* The store, with the engine's containers keeping their layers (as the command line's). */
static struct img_store *store(struct api_req *r, struct berr **err)
{
	struct img_store *s = NULL;
	if (img_store_open(r->ctx->es.root, &s, err) < 0)
		return NULL;
	s->roots = eng_image_roots;
	s->roots_ctx = (void *)&r->ctx->es;
	return s;
}

int api_images_list(struct api_req *r)
{
	struct berr *err = NULL;
	json_t *filters = filter_parse_json(api_query(r, "filters"), &err);
	static const char *const keys[] = {"dangling", "label", "reference", NULL};
	if (!filters || filter_check(filters, keys, &err) < 0) {
		json_decref(filters);
		return api_reply_berr(r, err);
	}
	autoptr(img_store) s = store(r, &err);
	json_t *all = s ? img_store_images_view(s, &err) : NULL;
	if (!all) {
		json_decref(filters);
		return api_reply_berr(r, err);
	}
	bool every = api_query_bool(r, "all", false);
	json_t *dangling = filter_values(filters, "dangling");
	const char *want_dangling = json_string_value(json_array_get(dangling, 0));
	json_t *list = json_array();
	size_t i;
	json_t *rec;
	json_array_foreach(json_object_get(all, "images"), i, rec)
	{
		bool named = json_array_size(json_object_get(rec, "names")) > 0;
		if (!every && img_image_is_build_cache(rec))
			continue;
		if (want_dangling &&
		    (!strcmp(want_dangling, "true") || !strcmp(want_dangling, "1")) == named)
			continue;
		json_t *sum = img_image_summary(s, rec);
		if (!filter_labels(filters, "label", json_object_get(sum, "Labels"))) {
			json_decref(sum);
			continue;
		}
		json_array_append_new(list, sum);
	}
	json_decref(all);
	json_decref(filters);
	return api_reply_json(r, 200, list);
}

int api_image_inspect(struct api_req *r)
{
	struct berr *err = NULL;
	autoptr(img_store) s = store(r, &err);
	json_t *doc = s ? img_image_inspect(s, r->param, &err) : NULL;
	if (!doc && berr_code(err) == ENOENT) {
		berr_free(err);
		return api_reply_error(r, 404, "No such image: %s", r->param);
	}
	return doc ? api_reply_json(r, 200, doc) : api_reply_berr(r, err);
}

/* ---- tag, remove ---- */

int api_image_tag(struct api_req *r)
{
	const char *repo = api_query(r, "repo"), *tag = api_query(r, "tag");
	if (!repo || !*repo)
		return api_reply_error(r, 400, "repository name must have at least one component");
	autofree char *target = tag && *tag ? xasprintf("%s:%s", repo, tag) : xstrdup(repo);
	struct berr *err = NULL;
	autoptr(img_store) s = store(r, &err);
	if (!s || img_image_tag(s, r->param, target, &err) < 0) {
		if (berr_code(err) == ENOENT) {
			berr_free(err);
			return api_reply_error(r, 404, "No such image: %s", r->param);
		}
		return api_reply_berr(r, err);
	}
	return api_reply_empty(r, 201);
}

int api_image_delete(struct api_req *r)
{
	struct berr *err = NULL;
	autoptr(img_store) s = store(r, &err);
	if (!s)
		return api_reply_berr(r, err);
	json_t *report = json_array();
	struct eng_store es = r->ctx->es;
	if (img_image_remove(s, r->param, api_query_bool(r, "force", false), eng_image_in_use, &es,
			     report, &err) < 0) {
		json_decref(report);
		if (berr_code(err) == ENOENT) {
			berr_free(err);
			return api_reply_error(r, 404, "No such image: %s", r->param);
		}
		return api_reply_berr(r, err);
	}
	/* "Untagged: x" / "Deleted: sha256:..." as Docker's [{"Untagged": x}, {"Deleted": id}] */
	json_t *out = json_array();
	size_t i;
	json_t *line;
	json_array_foreach(report, i, line)
	{
		const char *t = json_string_value(line);
		const char *colon = t ? strstr(t, ": ") : NULL;
		if (!colon)
			continue;
		autofree char *key = xstrndup(t, (size_t)(colon - t));
		/* names as dockerd gives them: familiar ("mine:v2", not docker.io/library/...) */
		autofree char *v =
		    strcmp(key, "Untagged") ? xstrdup(colon + 2) : img_name_familiar(colon + 2);
		json_array_append_new(out, json_pack("{s:s}", key, v));
	}
	json_decref(report);
	return api_reply_json(r, 200, out);
}

/* ---- pull: POST /images/create?fromImage= ---- */

/* dockerd's insecure default: registries on the loopback speak plain HTTP when they must. */
static bool loopback_registry(const char *name)
{
	return !strncmp(name, "127.", 4) || !strncmp(name, "localhost:", 10) ||
	       !strcmp(name, "localhost") || !strncmp(name, "[::1]", 5);
}

/* X-Registry-Auth: base64url of {"username", "password", ...}; user and pass into o. */
static void registry_auth(const char *header, struct img_http_opts *o, char **user, char **pass)
{
	if (!header || !*header)
		return;
	size_t n = strlen(header);
	if (n > 64 << 10)
		return;
	autofree char *b = xmalloc(n + 4);
	for (size_t i = 0; i < n; i++)
		b[i] = header[i] == '-' ? '+' : header[i] == '_' ? '/' : header[i];
	while (n % 4)
		b[n++] = '=';
	b[n] = '\0';
	autofree unsigned char *raw = xmalloc(n);
	int len = EVP_DecodeBlock(raw, (unsigned char *)b, (int)n);
	if (len <= 0)
		return;
	while (len > 0 && !raw[len - 1]) /* EVP_DecodeBlock counts the padding as zeros */
		len--;
	json_t *j = json_loadb((char *)raw, (size_t)len, 0, NULL);
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

struct pull_writer {
	int fd;
	bool wrote;
};

static void emit(struct pull_writer *w, json_t *msg)
{
	autofree char *text = json_dumps(msg, JSON_COMPACT);
	json_decref(msg);
	if (!text)
		return;
	(void)fs_write_all(w->fd, text, strlen(text));
	(void)fs_write_all(w->fd, "\r\n", 2);
	w->wrote = true;
}

/* The pull's events as Docker's JSON messages. */
static void on_pull(enum img_pull_event ev, const char *id, const char *text, int64_t done,
		    int64_t total, void *ctx)
{
	struct pull_writer *w = ctx;
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

/* In the child: the pull, its messages into fd; an error before any message as a marked line
 * that the parent turns into the reply's status, else as Docker's errorDetail message. */
__attribute__((noreturn)) static void pull_child(struct api_req *r, const char *name, int fd)
{
	struct pull_writer w = {.fd = fd};
	struct img_pull_opts po = {.event = on_pull, .ctx = &w};
	img_http_opts_default(&po.http);
	struct img_ref ref;
	struct berr *err = NULL;
	if (img_ref_parse(name, &ref, NULL) == 0) {
		po.http.tls_verify = !loopback_registry(ref.domain);
		img_ref_clear(&ref);
	}
	autofree char *user = NULL, *pass = NULL;
	registry_auth(api_header(r, "X-Registry-Auth"), &po.http, &user, &pass);
	autoptr(img_store) s = store(r, &err);
	int rr = s ? img_pull(s, name, &po, NULL, NULL, &err) : -EIO;
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

/* The pipe's first line (up to "\r\n"), or NULL at its end. */
static char *first_line(int fd)
{
	size_t n = 0, cap = 256;
	char *line = xmalloc(cap);
	for (;;) {
		char c;
		ssize_t k = read(fd, &c, 1);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			free(line);
			return NULL;
		}
		if (n + 2 >= cap)
			line = xrealloc(line, cap *= 2);
		line[n++] = c;
		if (c == '\n' || n > (1u << 20)) {
			line[n] = '\0';
			return line;
		}
	}
}

int api_image_create(struct api_req *r)
{
	const char *from = api_query(r, "fromImage"), *tag = api_query(r, "tag");
	if (api_query(r, "fromSrc"))
		return api_reply_error(r, 501, "import (fromSrc) is not served yet");
	if (!from || !*from)
		return api_reply_error(r, 400, "fromImage is required");
	autofree char *name =
	    tag && *tag ? xasprintf("%s%s%s", from, !strncmp(tag, "sha256:", 7) ? "@" : ":", tag)
			: xstrdup(from);
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return api_reply_error(r, 500, "pipe: %s", strerror(errno));
	pid_t pid = fork();
	if (pid == 0) {
		(void)close(p[0]);
		pull_child(r, name, p[1]);
	}
	(void)close(p[1]);
	if (pid < 0) {
		(void)close(p[0]);
		return api_reply_error(r, 500, "fork: %s", strerror(errno));
	}
	char *first = first_line(p[0]);
	json_t *j = first ? json_loads(first, 0, NULL) : NULL;
	json_t *st = json_object_get(j, "berth-status");
	if (first && !st) {
		json_decref(j);
		return api_reply_piped(r, 200, "application/json", p[0], pid, first);
	}
	/* the pull failed before it said anything: the reply's status says so */
	int status = st ? (int)json_integer_value(st) : 500;
	const char *msg = json_string_value(json_object_get(j, "message"));
	int rr = api_reply_error(r, (unsigned)status, "%s", msg ? msg : "pull failed");
	json_decref(j);
	free(first);
	(void)close(p[0]);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	return rr;
}
