/* /containers/...: Docker's container endpoints on the engine's functions, as the command line
 * calls them. Create maps Docker's ContainerConfig, HostConfig and NetworkingConfig onto
 * struct eng_create, which is what `run`'s flags become. */
#include "api/containers.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "api/create.h"
#include "api/routes.h"
#include "engine/attach.h"
#include "engine/container_view.h"
#include "engine/create.h"
#include "engine/event.h"
#include "engine/logs.h"
#include "engine/monitor.h"
#include "image/builtin.h"
#include "image/store.h"
#include "util/child.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/filter.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/xalloc.h"

int api_container_create(struct api_req *r)
{
	struct berr *err = NULL;
	json_auto_t *cfg = api_body_json(r, &err); /* c.image is its: released on return */
	if (!cfg)
		return api_reply_berr(r, err);
	struct eng_create c = {.stop_timeout = -1};
	struct api_create_owned own = {0};
	autofree char *name = NULL;
	const char *qname = api_query(r, "name");
	if (qname && *qname)
		name = xstrdup(qname[0] == '/' ? qname + 1 : qname);
	c.name = name;
	int rr = api_create_decode(cfg, &c, &own, &err);
	/* dockerd's default IPC mode for an empty IpcMode: "private" (its default-ipc-mode), or
	 * "shareable" for a client older than API 1.40, which expects that (moby's
	 * postContainersCreate); so a donor is joinable as it would be on dockerd */
	bool vm = c.isolation && !strcmp(c.isolation, "vm");
	if (rr == 0 && !c.ipc && !vm)
		c.ipc = r->version < 140 ? "shareable" : "private";
	/* the files of ours --init and --isolation vm put in the container */
	autofree char *init = NULL, *vm_init = NULL;
	if (rr == 0 && c.run.init &&
	    !(c.run.init_path = init = img_builtin_file("berth-init", &err)))
		rr = berr_ret(&err);
	if (rr == 0 && vm && !(c.vm_init_path = vm_init = img_builtin_file("berth-vm-init", &err)))
		rr = berr_ret(&err);
	autoptr(img_store) is = NULL;
	if (rr == 0)
		rr = img_store_open(r->ctx->es.root, &is, &err);
	if (rr == 0 && img_builtin_is(c.image))
		rr = img_builtin_ensure(is, &err);
	char id[ENG_ID_LEN + 1];
	if (rr == 0)
		rr = eng_create(&r->ctx->es, is, &c, id, &err);
	api_create_owned_free(&own);
	if (rr < 0) {
		/* the docker CLI pulls when it reads this 404 */
		autofree char *msg = berr_string(err);
		if (berr_code(err) == ENOENT && strstr(msg, "no such image")) {
			berr_free(err);
			rr = api_reply_error(r, 404, "No such image: %s", c.image);
		} else {
			rr = api_reply_berr(r, err);
		}
		return rr;
	}
	return api_reply_json(r, 201, json_pack("{s:s, s:[]}", "Id", id, "Warnings"));
}

/* ---- one container ---- */

static void await_mark(const struct eng_store *s, const char *id, bool on);
static unsigned awaited_count(const struct eng_store *s, const char *id);

int api_container_target(struct api_req *r, char out_id[ENG_ID_LEN + 1])
{
	struct berr *err = NULL;
	if (eng_container_resolve(&r->ctx->es, r->param, out_id, &err) == 0)
		return 0;
	berr_free(err);
	api_reply_error(r, 404, "No such container: %s", r->param);
	return -ENOENT;
}

static bool running(struct api_req *r, const char *id)
{
	json_t *st = eng_state_load(&r->ctx->es, id);
	bool run = json_is_true(json_object_get(st, "Running"));
	json_decref(st);
	return run;
}

int api_container_inspect(struct api_req *r)
{
	char id[ENG_ID_LEN + 1];
	if (api_container_target(r, id) < 0)
		return 0;
	struct berr *err = NULL;
	json_t *doc =
	    eng_container_inspect(&r->ctx->es, id, api_query_bool(r, "size", false), &err);
	return doc ? api_reply_json(r, 200, doc) : api_reply_berr(r, err);
}

int api_container_start(struct api_req *r)
{
	char id[ENG_ID_LEN + 1];
	if (api_container_target(r, id) < 0)
		return 0;
	if (running(r, id))
		return api_reply_empty(r, 304);
	struct berr *err = NULL;
	int sock = -1, status = 125;
	/* attaches and waits that came first get the whole output and the exit: the monitor
	 * waits for them before it starts the process */
	unsigned awaited = awaited_count(&r->ctx->es, id);
	int rr = awaited ? eng_monitor_start_awaited(&r->ctx->es, id, awaited, &status, &err)
			 : eng_monitor_start(&r->ctx->es, id, false, &sock, &status, &err);
	if (rr < 0)
		return api_reply_berr(r, err);
	return api_reply_empty(r, 204);
}

static int stop_timeout(struct api_req *r, int *out)
{
	bool bad = false;
	long long t = api_query_int(r, "t", -1, &bad);
	if (bad || t < -1 || t > 24 * 3600)
		return api_reply_error(r, 400, "invalid value for t: %s", api_query(r, "t")), -1;
	*out = (int)t;
	return 0;
}

int api_container_stop(struct api_req *r)
{
	char id[ENG_ID_LEN + 1];
	int t = -1;
	if (api_container_target(r, id) < 0 || stop_timeout(r, &t) < 0)
		return 0;
	if (!running(r, id))
		return api_reply_empty(r, 304);
	struct berr *err = NULL;
	if (eng_container_stop(&r->ctx->es, id, t, &err) < 0)
		return api_reply_berr(r, err);
	return api_reply_empty(r, 204);
}

int api_container_restart(struct api_req *r)
{
	char id[ENG_ID_LEN + 1];
	int t = -1;
	if (api_container_target(r, id) < 0 || stop_timeout(r, &t) < 0)
		return 0;
	struct berr *err = NULL;
	if (eng_container_restart(&r->ctx->es, id, t, &err) < 0)
		return api_reply_berr(r, err);
	return api_reply_empty(r, 204);
}

int api_container_kill(struct api_req *r)
{
	char id[ENG_ID_LEN + 1];
	if (api_container_target(r, id) < 0)
		return 0;
	const char *s = api_query(r, "signal");
	int sig = SIGKILL;
	if (s && *s) {
		const char *name = strncmp(s, "SIG", 3) ? s : s + 3;
		char *end = NULL;
		long n = strtol(name, &end, 10);
		sig = *end ? 0 : (int)n;
		for (int i = 1; !sig && i < NSIG; i++)
			if (sigabbrev_np(i) && !strcmp(sigabbrev_np(i), name))
				sig = i;
		if (sig <= 0 || sig >= NSIG)
			return api_reply_error(r, 400, "Invalid signal: %s", s);
	}
	if (!running(r, id))
		return api_reply_error(r, 409, "Container %s is not running", r->param);
	struct berr *err = NULL;
	if (eng_container_kill(&r->ctx->es, id, sig, &err) < 0)
		return api_reply_berr(r, err);
	return api_reply_empty(r, 204);
}

/* What the state says of the container's last run: StartedAt/FinishedAt as a pair, to see a
 * run that began and ended between two looks. */
static char *run_mark(json_t *st)
{
	const char *a = json_string_value(json_object_get(st, "StartedAt"));
	const char *b = json_string_value(json_object_get(st, "FinishedAt"));
	return xasprintf("%s|%s", a ? a : "", b ? b : "");
}

/* The client closed the connection (a half-close is not leaving: `docker run` without -i
 * closes its side of an attach at once, and reads on). */
static bool gone(int fd)
{
	struct pollfd pf = {.fd = fd, .events = 0};
	return fd >= 0 && poll(&pf, 1, 0) > 0 && (pf.revents & (POLLHUP | POLLERR));
}

/* The clients waiting for a container's start (an attach, a wait: files named by their
 * process in the container's "awaiting" directory), which its start makes the monitor wait
 * for (eng_monitor_start_awaited): they then have its output from the first byte and its
 * exit, even a process that ends at once. */
static void await_mark(const struct eng_store *s, const char *id, bool on)
{
	autofree char *dir = eng_container_path(s, id, "awaiting");
	autofree char *me = xasprintf("%s/%d", dir, (int)getpid());
	if (!on) {
		(void)unlink(me);
		return;
	}
	(void)mkdir(dir, 0700);
	autoclose int fd = open(me, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
}

static unsigned awaited_count(const struct eng_store *s, const char *id)
{
	autofree char *dir = eng_container_path(s, id, "awaiting");
	autoclosedir DIR *d = opendir(dir);
	unsigned n = 0;
	struct dirent *de;
	while (d && (de = readdir(d))) {
		char *end = NULL;
		long pid = strtol(de->d_name, &end, 10);
		if (de->d_name[0] == '.' || *end || pid <= 0)
			continue;
		if (kill((pid_t)pid, 0) < 0 && errno == ESRCH) { /* gone without a word */
			(void)unlinkat(dirfd(d), de->d_name, 0);
			continue;
		}
		n++;
	}
	return n;
}

/* The monitor's attach socket, once the container's start made it; -1 when the client left
 * first. */
static int connect_monitor_fd(const struct eng_store *s, const char *id, int client)
{
	for (;;) {
		struct berr *e = NULL;
		autofree char *path = eng_attach_path(s, id);
		if (access(path, F_OK) == 0) {
			int fd = eng_attach_connect(s, id, &e);
			if (fd >= 0)
				return fd;
			berr_free(e);
		}
		if (gone(client))
			return -1;
		struct timespec t = {0, 10 * 1000000L};
		nanosleep(&t, NULL);
	}
}

struct waiter {
	struct eng_store es;
	char id[ENG_ID_LEN + 1];
	bool next, removed, was_running, done;
	bool awaiting; /* the start to come waits for this wait (await_mark) */
	char *first;   /* run_mark when asked */
	int client;    /* the connection, to see the client go */
};

/* The body of a wait: written when the condition holds (the headers went before, as dockerd
 * flushes them: `docker run` starts the container only once its wait is answered so far). */
/* The exit frame of the monitor: its code (-1 when it went away without one, or the client
 * did). */
static int read_exit(int mon, int client)
{
	autofree char *buf = xmalloc(FRAME_MAX + 1);
	for (;;) {
		struct pollfd pf[2] = {{.fd = mon, .events = POLLIN}, {.fd = client, .events = 0}};
		if (poll(pf, 2, -1) < 0 && errno != EINTR)
			return -1;
		if (pf[1].revents & (POLLHUP | POLLERR))
			return -1;
		if (!pf[0].revents)
			continue;
		enum frame_stream st;
		size_t len = 0;
		if (frame_read(mon, &st, buf, &len) <= 0)
			return -1;
		if (st == FRAME_EXIT)
			return (int)strtol(buf, NULL, 10);
	}
}

static ssize_t wait_read(void *cls, char *buf, size_t max)
{
	struct waiter *w = cls;
	if (w->done)
		return -1;
	int code = 0, exited = -1;
	if (w->awaiting) { /* its start waits for us: the exit comes from its monitor */
		int mon = connect_monitor_fd(&w->es, w->id, w->client);
		await_mark(&w->es, w->id, false);
		if (mon < 0)
			return -1;
		exited = read_exit(mon, w->client);
		(void)close(mon);
	}
	for (bool seen_run = w->was_running || exited >= 0;;) {
		if (gone(w->client))
			return -1;
		json_t *st = eng_state_load(&w->es, w->id);
		bool run = json_is_true(json_object_get(st, "Running"));
		autofree char *mark = run_mark(st);
		if (st) /* a removed container keeps the code it was last seen with */
			code = (int)json_integer_value(json_object_get(st, "ExitCode"));
		json_decref(st);
		seen_run |= run || strcmp(mark, w->first);
		bool ended = !run && (!w->next || seen_run);
		if (ended && w->removed) {
			char still[ENG_ID_LEN + 1];
			struct berr *e = NULL;
			ended = eng_container_resolve(&w->es, w->id, still, &e) < 0;
			berr_free(e);
		}
		if (ended)
			break;
		struct timespec t = {0, 20 * 1000000L};
		nanosleep(&t, NULL);
	}
	if (exited >= 0)
		code = exited;
	w->done = true;
	int n = snprintf(buf, max, "{\"Error\":null,\"StatusCode\":%d}\n", code);
	return n > 0 && (size_t)n < max ? n : -1;
}

static void wait_done(void *cls)
{
	struct waiter *w = cls;
	if (w->awaiting)
		await_mark(&w->es, w->id, false);
	free(w->first);
	free(w);
}

/* Docker's conditions: not-running (the default: now if it is not running), next-exit (the
 * end of a run after this moment: `docker run` asks before it starts the container),
 * removed (the record gone too: --rm). Waits as long as the client does. */
int api_container_wait(struct api_req *r)
{
	char id[ENG_ID_LEN + 1];
	if (api_container_target(r, id) < 0)
		return 0;
	const char *cond = api_query(r, "condition");
	bool next = cond && !strcmp(cond, "next-exit"), removed = cond && !strcmp(cond, "removed");
	if (cond && *cond && strcmp(cond, "not-running") && !next && !removed)
		return api_reply_error(r, 400, "invalid condition: \"%s\"", cond);
	struct waiter *w = xzalloc(sizeof(*w));
	w->es = r->ctx->es;
	memcpy(w->id, id, sizeof(id));
	w->next = next;
	w->removed = removed;
	json_t *st = eng_state_load(&r->ctx->es, id);
	w->first = run_mark(st);
	w->was_running = json_is_true(json_object_get(st, "Running"));
	json_decref(st);
	w->client = api_client_fd(r);
	if (!w->was_running && (next || removed)) { /* `docker run`: the start comes next */
		w->awaiting = true;
		await_mark(&r->ctx->es, id, true);
	}
	return api_reply_stream(r, 200, "application/json", wait_read, wait_done, w);
}

int api_container_delete(struct api_req *r)
{
	char id[ENG_ID_LEN + 1];
	if (api_container_target(r, id) < 0)
		return 0;
	bool force = api_query_bool(r, "force", false), volumes = api_query_bool(r, "v", false);
	if (!force && running(r, id))
		return api_reply_error(r, 409,
				       "You cannot remove a running container %s. Stop the "
				       "container before attempting removal or force remove",
				       id);
	struct berr *err = NULL;
	if (eng_container_destroy(&r->ctx->es, id, force, volumes, &err) < 0)
		return api_reply_berr(r, err);
	return api_reply_empty(r, 204);
}

/* ---- the list ---- */

static char *item_text(const struct eng_store *s, json_t *rec, json_t *st, const char *id,
		       bool size)
{
	if (!size)
		return eng_container_summary_text(s, rec, st, id);
	json_t *sum = eng_container_summary(s, rec, st, id, true);
	char *text = json_dumps(sum, JSON_COMPACT);
	json_decref(sum);
	if (!text)
		abort(); /* jansson fails only for want of memory */
	return text;
}

int api_containers_list(struct api_req *r)
{
	struct berr *err = NULL;
	json_auto_t *filters = filter_parse_json(api_query(r, "filters"), &err);
	if (!filters || eng_container_filter_check(&r->ctx->es, filters, &err) < 0)
		return api_reply_berr(r, err);
	bool bad = false;
	bool all = api_query_bool(r, "all", false), size = api_query_bool(r, "size", false);
	long long limit = api_query_int(r, "limit", -1, &bad);
	if (bad)
		return api_reply_error(r, 400, "invalid limit: %s", api_query(r, "limit"));
	/* as dockerd: without all, the running ones, unless a status filter says otherwise */
	bool every = all || filter_values(filters, "status") || filter_values(filters, "exited") ||
		     limit > 0;
	char **ids = NULL;
	if (eng_container_list(&r->ctx->es, &ids, &err) < 0)
		return api_reply_berr(r, err);
	/* the items as text, most of them made before (eng_container_summary_text) */
	char *text = NULL;
	size_t len = 0, n = 0;
	FILE *out = open_memstream(&text, &len);
	if (!out)
		abort();
	fputc('[', out);
	for (size_t i = 0; ids[i] && (limit <= 0 || (long long)n < limit); i++) {
		json_auto_t *rec = eng_container_peek(&r->ctx->es, ids[i], NULL);
		json_auto_t *st = rec ? eng_state_peek(&r->ctx->es, ids[i]) : NULL;
		if (rec && (every || json_is_true(json_object_get(st, "Running"))) &&
		    eng_container_filter(filters, rec, st, ids[i])) {
			autofree char *item = item_text(&r->ctx->es, rec, st, ids[i], size);
			fprintf(out, "%s%s", n++ ? "," : "", item);
		}
	}
	fputs("]\n", out);
	if (fclose(out) != 0)
		abort();
	strv_free(ids);
	int ret = api_reply_text(r, 200, "application/json", text, len);
	free(text);
	return ret;
}

/* ---- logs ---- */

struct log_writer {
	int fd;
	bool stdout_, stderr_, timestamps, tty;
};

/* Docker's stream frames without a terminal: [stream, 0, 0, 0, size (big-endian u32)]. */
static void write_frame(int fd, int stream, const char *a, size_t an, const char *b, size_t bn)
{
	uint32_t n = (uint32_t)(an + bn);
	unsigned char h[8] = {(unsigned char)stream,
			      0,
			      0,
			      0,
			      (unsigned char)(n >> 24),
			      (unsigned char)(n >> 16),
			      (unsigned char)(n >> 8),
			      (unsigned char)n};
	(void)fs_write_all(fd, h, sizeof(h));
	(void)fs_write_all(fd, a, an);
	(void)fs_write_all(fd, b, bn);
}

static void log_entry(const struct eng_log_entry *e, void *ctx)
{
	struct log_writer *w = ctx;
	if ((e->stream == 2 && !w->stderr_) || (e->stream != 2 && !w->stdout_))
		return;
	autofree char *ts = w->timestamps ? xasprintf("%s ", e->time ? e->time : "") : NULL;
	size_t tn = ts ? strlen(ts) : 0;
	if (w->tty) {
		(void)fs_write_all(w->fd, ts ? ts : "", tn);
		(void)fs_write_all(w->fd, e->text, strlen(e->text));
	} else {
		write_frame(w->fd, e->stream == 2 ? 2 : 1, ts ? ts : "", tn, e->text,
			    strlen(e->text));
	}
}

/* The reader is gone when the pipe's other end is. */
static bool reader_gone(void *ctx)
{
	struct pollfd pf = {.fd = ((struct log_writer *)ctx)->fd, .events = 0};
	return poll(&pf, 1, 0) > 0 && (pf.revents & (POLLERR | POLLHUP));
}

/* "1700000000" or "1700000000.123456789" (Docker's since/until); 0 for none, -1 bad. */
static int64_t unix_ns(const char *v)
{
	if (!v || !*v)
		return 0;
	char *end = NULL;
	double t = strtod(v, &end);
	return *end || t < 0 ? -1 : (int64_t)(t * 1e9);
}

int api_container_logs(struct api_req *r)
{
	char id[ENG_ID_LEN + 1];
	if (api_container_target(r, id) < 0)
		return 0;
	struct log_writer w = {.stdout_ = api_query_bool(r, "stdout", false),
			       .stderr_ = api_query_bool(r, "stderr", false),
			       .timestamps = api_query_bool(r, "timestamps", false)};
	if (!w.stdout_ && !w.stderr_)
		return api_reply_error(r, 400,
				       "Bad parameters: you must choose at least one stream");
	struct eng_logs_opts o = {
	    .tail = -1, .follow = api_query_bool(r, "follow", false), .stop = reader_gone};
	const char *tail = api_query(r, "tail");
	if (tail && *tail && strcmp(tail, "all")) {
		char *end = NULL;
		o.tail = strtol(tail, &end, 10);
		if (*end || o.tail < 0)
			return api_reply_error(r, 400, "invalid tail: %s", tail);
	}
	o.since_ns = unix_ns(api_query(r, "since"));
	o.until_ns = unix_ns(api_query(r, "until"));
	if (o.since_ns < 0 || o.until_ns < 0)
		return api_reply_error(r, 400, "invalid since or until");
	json_t *rec = eng_container_load(&r->ctx->es, id, NULL);
	w.tty = json_is_true(json_object_get(json_object_get(rec, "Config"), "Tty"));
	json_decref(rec);
	int fd;
	pid_t pid = child_fork_piped(&fd);
	if (pid == 0) {
		w.fd = fd;
		(void)eng_container_logs(&r->ctx->es, id, &o, log_entry, &w, NULL);
		_exit(0);
	}
	if (pid < 0)
		return api_reply_error(r, 500, "fork: %s", strerror((int)-pid));
	return api_reply_piped(r, 200, "application/vnd.docker.raw-stream", fd, pid, NULL);
}

/* ---- attach: the hijacked stream ---- */

struct attach {
	struct eng_store es;
	char id[ENG_ID_LEN + 1];
	bool in, out, err, tty, logs, stream;
};

/* Docker's stream to the client: a frame (stdout 1, stderr 2) without a terminal, raw with
 * one. */
static int to_client(int sock, const struct attach *a, int stream, const char *data, size_t n)
{
	if ((stream == 2 && !a->err) || (stream != 2 && !a->out))
		return 0;
	if (a->tty)
		return fs_write_all(sock, data, n);
	uint32_t len = (uint32_t)n;
	unsigned char h[8] = {(unsigned char)(stream == 2 ? 2 : 1),
			      0,
			      0,
			      0,
			      (unsigned char)(len >> 24),
			      (unsigned char)(len >> 16),
			      (unsigned char)(len >> 8),
			      (unsigned char)len};
	return fs_write_all(sock, h, sizeof(h)) < 0 ? -1 : fs_write_all(sock, data, n);
}

static void relay(struct attach *a, int sock, int mon, const char *extra, size_t n)
{
	autofree char *buf = xmalloc(FRAME_MAX + 1);
	if (a->in && n)
		(void)frame_write(mon, FRAME_STDIN, extra, n);
	bool input = a->in;
	for (;;) {
		struct pollfd pf[2] = {{.fd = mon, .events = POLLIN},
				       {.fd = sock, .events = input ? POLLIN : 0}};
		if (poll(pf, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		if (pf[0].revents) {
			enum frame_stream st;
			size_t len = 0;
			if (frame_read(mon, &st, buf, &len) <= 0 || st == FRAME_EXIT)
				return;
			if ((st == FRAME_STDOUT || st == FRAME_STDERR) &&
			    to_client(sock, a, st == FRAME_STDERR ? 2 : 1, buf, len) < 0)
				return;
		}
		if (input && (pf[1].revents & POLLIN)) {
			ssize_t k = read(sock, buf, FRAME_MAX);
			if (k > 0) {
				(void)frame_write(mon, FRAME_STDIN, buf, (size_t)k);
			} else { /* the client closed its input: the process's stdin ends */
				(void)frame_write(mon, FRAME_STDIN_EOF, NULL, 0);
				input = false;
			}
		} else if (!input && (pf[1].revents & (POLLHUP | POLLERR))) {
			return; /* the client left */
		}
	}
}

struct replay {
	int sock;
	const struct attach *a;
};

static void replay_entry(const struct eng_log_entry *e, void *ctx)
{
	struct replay *r = ctx;
	(void)to_client(r->sock, r->a, e->stream, e->text, strlen(e->text));
}

static void attached(void *ctx, int sock, const char *extra, size_t n)
{
	struct attach *a = ctx;
	if (a->logs) {
		struct eng_logs_opts o = {.tail = -1};
		struct replay rp = {sock, a};
		(void)eng_container_logs(&a->es, a->id, &o, replay_entry, &rp, NULL);
	}
	if (a->stream) {
		int mon = connect_monitor_fd(&a->es, a->id, sock);
		await_mark(&a->es, a->id, false);
		if (mon >= 0) {
			relay(a, sock, mon, extra, n);
			(void)close(mon);
		}
	}
	await_mark(&a->es, a->id, false);
	(void)shutdown(sock, SHUT_WR);
	free(a);
}

int api_container_attach(struct api_req *r)
{
	char id[ENG_ID_LEN + 1];
	if (api_container_target(r, id) < 0)
		return 0;
	struct attach *a = xzalloc(sizeof(*a));
	a->es = r->ctx->es;
	memcpy(a->id, id, sizeof(id));
	a->in = api_query_bool(r, "stdin", false);
	a->out = api_query_bool(r, "stdout", false);
	a->err = api_query_bool(r, "stderr", false);
	a->logs = api_query_bool(r, "logs", false);
	a->stream = api_query_bool(r, "stream", false);
	json_t *rec = eng_container_load(&r->ctx->es, id, NULL);
	a->tty = json_is_true(json_object_get(json_object_get(rec, "Config"), "Tty"));
	json_decref(rec);
	if (a->stream && !running(r, id)) /* its start will wait for us */
		await_mark(&r->ctx->es, id, true);
	if (a->stream)
		eng_container_event(&r->ctx->es, id, "attach", NULL);
	return api_reply_upgrade(r, attached, a);
}
