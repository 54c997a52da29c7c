/* POST /build: the classic builder's API (`DOCKER_BUILDKIT=0 docker build`, docker-compose's and
 * docker-py's builds) on berth's builder (src/build/), called as `berth build` calls it. The
 * body is the context as a tar (plain or compressed), unpacked into a build session
 * (build/context_tar.h); the query's options become the build's (bld_opts); the reply is
 * Docker's JSON message stream (build_stream.h).
 *
 * The build runs in a child of the connection's process, which writes the stream into a pipe
 * the reply reads (api_reply_piped). Until the child says something, the status is open: an
 * error before any message (a missing Dockerfile, a parse error) is a marked first line that
 * becomes the reply's status, as dockerd answers those with a status; after it, an error is
 * Docker's errorDetail message in the stream (the 200 is sent). A client that leaves cancels
 * the build as Ctrl-C does `berth build`'s: a watcher process sees the socket hang up and
 * sends the child SIGTERM, the builder stops (its RUN container killed and removed) and its
 * sessions go.
 *
 * BuildKit's API (version=2, a session on /session) is not served: the docker CLI 20.10 uses
 * the classic one unless DOCKER_BUILDKIT=1 is set, since _ping names no Builder-Version. */
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "api/build_stream.h"
#include "api/images.h"
#include "api/jsonstream.h"
#include "api/routes.h"
#include "build/context_tar.h"
#include "build/request.h"
#include "image/builtin.h"
#include "image/image.h"
#include "image/pull.h"
#include "image/reference.h"
#include "image/store.h"
#include "util/child.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/json.h"
#include "util/xalloc.h"

#define QUERY_JSON_MAX (1u << 20) /* buildargs, labels, ulimits, cachefrom */

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

/* What the query asks, checked before anything runs. */
struct build_query {
	char **tags; /* full names */
	const char *dockerfile, *target, *network;
	bool no_cache, pull, quiet;
	struct bld_kv *args;
	size_t n_args;
	char **labels, **extra_hosts, **ulimits; /* "k=v", "host:ip", "name=soft:hard" */
	int64_t shm_size;
	bool cache_from;
};

static void query_free(struct build_query *q)
{
	strv_free(q->tags);
	for (size_t i = 0; i < q->n_args; i++) {
		free(q->args[i].key);
		free(q->args[i].value);
	}
	free(q->args);
	strv_free(q->labels);
	strv_free(q->extra_hosts);
	strv_free(q->ulimits);
}

/* A query parameter holding JSON (NULL when absent), bounded. */
static json_t *query_json(struct api_req *r, const char *key, const char *what, struct berr **err)
{
	const char *v = api_query(r, key);
	if (!v || !*v)
		return NULL;
	json_error_t e;
	json_t *j = strlen(v) > QUERY_JSON_MAX ? NULL : json_loads(v, JSON_DECODE_ANY, &e);
	if (!j)
		berr_plain(err, EINVAL, "error reading %s: %s", what,
			   strlen(v) > QUERY_JSON_MAX ? "too long" : e.text);
	if (json_is_null(j)) { /* a Go client's nil map or slice */
		json_decref(j);
		return NULL;
	}
	return j;
}

/* buildargs {"K": "V", "K2": null} (null: named, not set: left out) and labels {"k": "v"}. */
static int read_maps(struct api_req *r, struct build_query *q, struct berr **err)
{
	json_auto_t *args = query_json(r, "buildargs", "build args", err);
	if (!args && *err)
		return berr_ret(err);
	if (args && !json_is_object(args))
		return berr_plain(err, EINVAL, "error reading build args: not an object");
	const char *k;
	json_t *v;
	q->args = xcalloc(json_object_size(args) + 1, sizeof(*q->args));
	json_object_foreach(args, k, v)
	{
		if (!json_is_string(v) && !json_is_null(v))
			return berr_plain(err, EINVAL,
					  "error reading build args: '%s' is not a string", k);
		if (json_is_null(v))
			continue;
		q->args[q->n_args++] =
		    (struct bld_kv){xstrdup(k), xstrdup(json_string_value(v)), true};
	}
	json_auto_t *labels = query_json(r, "labels", "labels", err);
	if (!labels && *err)
		return berr_ret(err);
	if (labels && !json_is_object(labels))
		return berr_plain(err, EINVAL, "error reading labels: not an object");
	q->labels = xcalloc(json_object_size(labels) + 1, sizeof(char *));
	size_t n = 0;
	json_object_foreach(labels, k, v)
	{
		q->labels[n++] = xasprintf("%s=%s", k, json_string_value(v) ?: "");
	}
	return 0;
}

/* ulimits [{"Name": "nofile", "Soft": 1024, "Hard": 2048}], cachefrom ["img"] */
static int read_lists(struct api_req *r, struct build_query *q, struct berr **err)
{
	json_auto_t *ul = query_json(r, "ulimits", "ulimit settings", err);
	if (!ul && *err)
		return berr_ret(err);
	if (ul && !json_is_array(ul))
		return berr_plain(err, EINVAL, "error reading ulimit settings: not an array");
	q->ulimits = xcalloc(json_array_size(ul) + 1, sizeof(char *));
	size_t i;
	json_t *u;
	json_array_foreach(ul, i, u)
	{
		const char *name = json_string_value(json_object_get(u, "Name"));
		json_t *soft = json_object_get(u, "Soft"), *hard = json_object_get(u, "Hard");
		if (!name || !json_is_integer(soft) || !json_is_integer(hard))
			return berr_plain(err, EINVAL,
					  "error reading ulimit settings: Name, Soft and Hard");
		q->ulimits[i] = xasprintf("%s=%lld:%lld", name, (long long)json_integer_value(soft),
					  (long long)json_integer_value(hard));
	}
	json_auto_t *cf = query_json(r, "cachefrom", "cache from", err);
	if (!cf && *err)
		return berr_ret(err);
	q->cache_from = json_array_size(cf) > 0;
	return 0;
}

/* What the builder cannot do, refused before the build as dockerd refuses it. */
static int refused(struct api_req *r, struct berr **err)
{
	const char *outputs = api_query(r, "outputs");
	if (outputs && *outputs && strcmp(outputs, "[]") && strcmp(outputs, "null"))
		return berr_plain(err, EINVAL,
				  "outputs: the classic builder's API makes an image only (outputs "
				  "are BuildKit's; berth build -o writes files)");
	if (api_query_bool(r, "squash", false))
		return berr_plain(err, EINVAL, "squash is only supported with experimental mode");
	const char *iso = api_query(r, "isolation");
	if (iso && *iso && strcmp(iso, "default") && strcmp(iso, "process"))
		return berr_plain(err, EINVAL, "Unsupported isolation: \"%s\"", iso);
	const char *sec = api_query(r, "securityopt");
	if (sec)
		return berr_plain(err, EINVAL,
				  "The daemon on this platform does not support setting security "
				  "options on build");
	return 0;
}

static int read_query(struct api_req *r, struct build_query *q, struct berr **err)
{
	int rr = refused(r, err);
	if (rr == 0)
		rr = bld_platform_check(api_query(r, "platform"), err);
	if (rr == 0)
		rr = bld_network_mode(api_query(r, "networkmode"), &q->network, err);
	if (rr < 0)
		return rr;
	bool bad = false;
	long long shm = api_query_int(r, "shmsize", 0, &bad);
	if (bad || shm < 0)
		return berr_plain(err, EINVAL, "invalid shmsize '%s'", api_query(r, "shmsize"));
	q->shm_size = shm;
	q->dockerfile = api_query(r, "dockerfile");
	q->target = api_query(r, "target");
	q->no_cache = api_query_bool(r, "nocache", false);
	q->pull = api_query_bool(r, "pull", false);
	q->quiet = api_query_bool(r, "q", false);
	q->extra_hosts = api_query_all(r, "extrahosts");
	rr = read_maps(r, q, err);
	return rr < 0 ? rr : read_lists(r, q, err);
}

/* ---- the build, in a child ---- */

struct build_job {
	struct api_req *r;
	const struct build_query *q;
	struct build_stream out;
	struct img_store *is;
	json_t *auths; /* X-Registry-Config: {"registry": {"username", "password"}} */
};

/* The credentials X-Registry-Config has for domain ("docker.io", "localhost:5000"): its keys
 * are server addresses ("https://index.docker.io/v1/", "localhost:5000"). */
static void registry_login(json_t *auths, const char *domain, struct img_http_opts *o)
{
	const char *key;
	json_t *v;
	json_object_foreach(auths, key, v)
	{
		const char *host = strstr(key, "://") ? strstr(key, "://") + 3 : key;
		size_t n = strcspn(host, "/");
		bool hub = !strcmp(domain, "docker.io") &&
			   (!strncmp(host, "index.docker.io", n) || !strncmp(host, "docker.io", n));
		if (!hub && (strlen(domain) != n || strncmp(host, domain, n)))
			continue;
		const char *u = json_string_value(json_object_get(v, "username"));
		const char *p = json_string_value(json_object_get(v, "password"));
		if (u && *u && p) {
			o->user = u;
			o->pass = p;
		}
	}
}

/* The builder's base images: present, or pulled (pull=1: always), with docker pull's
 * messages in the stream. */
static int base_image(void *ctx, const char *ref, char *out_id, struct berr **err)
{
	struct build_job *j = ctx;
	int r = 0;
	if (img_builtin_is(ref)) {
		r = img_builtin_ensure(j->is, err);
	} else {
		json_t *rec = img_image_lookup(j->is, ref, NULL);
		json_decref(rec);
		if (!rec || j->q->pull) {
			struct img_pull_opts po = {.event = build_stream_pull, .ctx = &j->out};
			img_http_opts_default(&po.http);
			struct img_ref parsed;
			if (img_ref_parse(ref, &parsed, NULL) == 0) {
				po.http.tls_verify = !api_registry_loopback(parsed.domain);
				registry_login(j->auths, parsed.domain, &po.http);
				img_ref_clear(&parsed);
			}
			r = img_pull(j->is, ref, &po, NULL, NULL, err);
		}
	}
	if (r < 0)
		return r;
	json_t *rec = img_image_lookup(j->is, ref, err);
	if (!rec)
		return berr_ret(err);
	snprintf(out_id, IMG_DIGEST_LEN + 1, "%s", json_string_value(json_object_get(rec, "id")));
	json_decref(rec);
	return 0;
}

/* A watcher of the client's socket: when it hangs up, the build is told to stop (SIGTERM).
 * It dies with the builder. */
static pid_t watch_client(int client_fd)
{
	pid_t builder = getpid();
	pid_t pid = fork();
	if (pid != 0)
		return pid;
	(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != builder)
		_exit(0);
	for (;;) {
		struct pollfd pf = {.fd = client_fd, .events = POLLRDHUP};
		int n = poll(&pf, 1, 1000);
		if (n < 0 && errno != EINTR)
			break;
		if (n > 0 && (pf.revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL)))
			break;
		if (n > 0) /* bytes the client sent early: not a hang-up, look again later */
			(void)poll(NULL, 0, 200);
	}
	(void)kill(builder, SIGTERM);
	_exit(0);
}

/* The Dockerfile: the name asked, else Dockerfile, dockerfile (dockerd's fallback) or
 * Containerfile (berth's). */
static int read_dockerfile(const struct bld_context_tar *t, const char *asked, char **out_text,
			   size_t *out_len, char **out_path, struct berr **err)
{
	static const char *const defaults[] = {"Dockerfile", "dockerfile", "Containerfile"};
	bool dflt = !asked || !*asked || !strcmp(asked, "Dockerfile");
	int r = -ENOENT;
	for (size_t i = 0; i < (dflt ? 3u : 1u) && r == -ENOENT; i++) {
		struct berr *e = NULL;
		r = bld_context_tar_file(t, dflt ? defaults[i] : asked, out_text, out_len, out_path,
					 &e);
		if (r == -ENOENT)
			berr_free(e);
		else if (r < 0)
			*err = e;
	}
	if (r == -ENOENT)
		return berr_plain(err, ENOENT, "Cannot locate specified Dockerfile: %s",
				  dflt ? "Dockerfile" : asked);
	return r;
}

/* The build proper; its image id into out_id. */
static int build(struct build_job *j, const struct bld_context_tar *t, char *out_id,
		 struct berr **err)
{
	autofree char *text = NULL, *path = NULL;
	size_t len = 0;
	int r = read_dockerfile(t, j->q->dockerfile, &text, &len, &path, err);
	if (r < 0)
		return r;
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	struct bld_file *f = bld_file_parse(base, text, len, NULL);
	if (f)
		build_stream_plan(&j->out, f, j->q->target);
	if (j->q->cache_from)
		build_stream_text(&j->out, "[Warning] cachefrom is not used: berth's build "
					   "cache is the store's own step images\n");
	struct eng_store es = j->r->ctx->es;
	/* the guest init beside the binary first, as a container's (api/containers.c) */
	autofree char *vm_init = img_builtin_file("berth-vm-init", NULL);
	struct bld_opts bo = {
	    .file_name = base,
	    .text = text,
	    .len = len,
	    .context = t->dir,
	    .dockerfile = path,
	    .build_args = j->q->args,
	    .n_build_args = j->q->n_args,
	    .target = j->q->target && *j->q->target ? j->q->target : NULL,
	    .no_cache = j->q->no_cache,
	    .labels = j->q->labels,
	    .network = j->q->network,
	    .vm_init_path = vm_init ? vm_init : BERTH_DATADIR "/berth-vm-init",
	    .image = base_image,
	    .image_ctx = j,
	    .event = build_stream_event,
	    .ctx = &j->out,
	    .interrupted = (volatile int *)&interrupted,
	    .jobs = 1, /* the classic builder's output: one stage after another */
	    .add_hosts = j->q->extra_hosts,
	    .ulimits = j->q->ulimits,
	    .shm_size = j->q->shm_size,
	};
	r = bld_build(&es, j->is, &bo, out_id, err);
	for (char **n = j->q->tags; r == 0 && *n; n++)
		r = img_image_tag(j->is, out_id, *n, err);
	bld_file_free(f);
	return r;
}

static unsigned status_of(int code)
{
	return code == EINVAL || code == E2BIG || code == ENAMETOOLONG ? 400 : 500;
}

__attribute__((noreturn)) static void build_child(struct api_req *r, const struct build_query *q,
						  int fd)
{
	struct sigaction sa = {.sa_handler = on_signal};
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	pid_t watcher = watch_client(api_client_fd(r));
	struct build_job j = {.r = r, .q = q, .out = {.fd = fd, .quiet = q->quiet}};
	j.auths = api_registry_header(r, "X-Registry-Config");
	struct berr *err = NULL;
	struct bld_context_tar t = {.session = {.lock_fd = -1}};
	char id[IMG_DIGEST_LEN + 1];
	int rr = img_store_open(r->ctx->es.root, &j.is, &err);
	if (rr == 0) {
		j.is->roots = eng_image_roots;
		j.is->roots_ctx = (void *)&r->ctx->es;
		autoclose int body = api_body_fd(r, &err);
		autofree char *workdir = xasprintf("%s/build", r->ctx->es.root);
		rr = body < 0 ? body : bld_context_tar_open(workdir, body, &t, &err);
	}
	if (rr == 0)
		rr = build(&j, &t, id, &err);
	if (rr == 0) {
		build_stream_done(&j.out, id, q->tags);
	} else {
		autofree char *msg = berr_string(err);
		if (j.out.wrote)
			build_stream_error(&j.out, msg);
		else /* nothing said yet: the reply's status tells */
			build_stream_emit(&j.out,
					  json_pack("{s:i, s:s}", "berth-status",
						    status_of(berr_code(err)), "message", msg));
	}
	build_stream_flush(&j.out);
	berr_free(err);
	bld_context_tar_close(&t);
	img_store_free(j.is);
	json_decref(j.auths);
	build_stream_free(&j.out);
	if (watcher > 0) {
		(void)kill(watcher, SIGKILL);
		(void)waitpid(watcher, NULL, 0);
	}
	_exit(rr < 0);
}

int api_build(struct api_req *r)
{
	const char *version = api_query(r, "version");
	if (version && !strcmp(version, "2"))
		return api_reply_error(r, 501,
				       "BuildKit's build API (version=2, a session on /session) is "
				       "not served by berth: build with DOCKER_BUILDKIT=0 (the "
				       "classic builder's API), or with berth build");
	if (version && *version && strcmp(version, "1"))
		return api_reply_error(r, 400, "invalid version %s", version);
	const char *remote = api_query(r, "remote");
	if (remote && *remote)
		return api_reply_error(
		    r, 501,
		    "remote contexts (remote=%s) are not served: send the context "
		    "as the request's body",
		    remote);
	struct build_query q = {0};
	struct berr *err = NULL;
	if (read_query(r, &q, &err) < 0) {
		query_free(&q);
		return api_reply_berr(r, err);
	}
	char **t = api_query_all(r, "t");
	q.tags = bld_tag_names(t, strv_len(t), &err);
	strv_free(t);
	if (!q.tags) { /* dockerd's tagger refuses a name with 500 */
		query_free(&q);
		autofree char *msg = berr_string(err);
		berr_free(err);
		return api_reply_error(r, 500, "%s", msg);
	}
	int fd;
	pid_t pid = child_fork_piped(&fd);
	if (pid == 0)
		build_child(r, &q, fd);
	query_free(&q);
	if (pid < 0)
		return api_reply_error(r, 500, "fork: %s", strerror((int)-pid));
	return api_reply_jsonstream(r, fd, pid);
}

int api_build_session(struct api_req *r)
{
	return api_reply_error(
	    r, 501,
	    "BuildKit's session (/session) is not served by berth: build with "
	    "DOCKER_BUILDKIT=0 (the classic builder's API), or with berth build");
}
