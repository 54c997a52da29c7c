/* A container's processes and limits through the API (issue #18), on the engine's functions
 * that `berth top|stats|pause|unpause|rename|update|container prune` call too:
 * GET /containers/{id}/top and /stats, POST /containers/{id}/pause, /unpause, /rename,
 * /update, /resize, and POST /containers/prune. Statuses and texts as dockerd 20.10's. */
#include "engine/container_proc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "api/containers.h"
#include "api/routes.h"
#include "engine/container_prune.h"
#include "engine/stats.h"
#include "engine/update.h"
#include "util/child.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/filter.h"
#include "util/fs.h"
#include "util/xalloc.h"

#define STATS_INTERVAL_MS 1000 /* dockerd's collector ticks once a second */

int api_container_top(struct api_req *r)
{
	char id[ENG_ID_LEN + 1];
	if (api_container_target(r, id) < 0)
		return 0;
	json_t *doc = NULL;
	struct berr *err = NULL;
	if (eng_container_top(&r->ctx->es, id, api_query(r, "ps_args"), &doc, &err) < 0)
		return api_reply_berr(r, err);
	return api_reply_json(r, 200, doc);
}

static void pause_ms(long ms)
{
	struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
	while (nanosleep(&t, &t) < 0 && errno == EINTR)
		;
}

/* One document as a line (json.Encoder's), to fd; -1 when the reader has gone. */
static int send_doc(int fd, json_t *doc)
{
	autofree char *text = json_dumps(doc, JSON_COMPACT);
	json_decref(doc);
	if (!text)
		return -1;
	size_t n = strlen(text);
	text[n] = '\n';
	return fs_write_all(fd, text, n + 1);
}

/* A tick of the stream: false when the client has left (its socket, inherited: hung up or
 * half-closed) or the connection's process has (the pipe's reader), so that the writer ends
 * at once rather than at its next write. */
static bool tick(int client, int fd)
{
	struct pollfd p[2] = {{.fd = client, .events = POLLRDHUP}, {.fd = fd, .events = 0}};
	int n = poll(p, 2, STATS_INTERVAL_MS);
	if (n < 0 && errno == EINTR)
		return true;
	return n == 0 || !((p[0].revents & (POLLRDHUP | POLLHUP | POLLERR)) ||
			   (p[1].revents & (POLLHUP | POLLERR)));
}

/* The stream's writer (a child of the connection's process): a document a second, each with
 * the one before as its precpu_stats, until the reader goes. */
static void stats_stream(const struct eng_store *s, const char *id, const char *name, int fd,
			 int client)
{
	struct eng_stats_sample prev = {0}, cur = {0};
	(void)signal(SIGPIPE, SIG_IGN);
	for (bool first = true;; first = false) {
		if (!first && !tick(client, fd))
			break;
		if (eng_stats_sample(s, id, &cur, NULL) < 0)
			break;
		if (send_doc(fd, eng_stats_document(name, id, &cur, first ? NULL : &prev)) < 0)
			break;
		eng_stats_sample_clear(&prev);
		prev = cur;
		cur = (struct eng_stats_sample){0};
	}
	eng_stats_sample_clear(&prev);
	eng_stats_sample_clear(&cur);
}

int api_container_stats(struct api_req *r)
{
	char id[ENG_ID_LEN + 1];
	if (api_container_target(r, id) < 0)
		return 0;
	bool stream = api_query_bool(r, "stream", true);
	bool one_shot = api_query_bool(r, "one-shot", false);
	if (stream && one_shot)
		return api_reply_error(r, 400, "cannot have stream=true and one-shot=true");
	const struct eng_store *s = &r->ctx->es;
	json_t *rec = eng_container_load(s, id, NULL);
	autofree char *name = xstrdup(json_string_value(json_object_get(rec, "Name")) ?: "");
	json_decref(rec);
	if (!stream) {
		/* without one-shot, dockerd primes the CPU figures with a sample a tick before */
		struct eng_stats_sample a = {0}, b = {0};
		struct berr *err = NULL;
		if (eng_stats_sample(s, id, &a, &err) < 0)
			return api_reply_berr(r, err);
		if (a.running && !one_shot) {
			pause_ms(STATS_INTERVAL_MS);
			if (eng_stats_sample(s, id, &b, &err) < 0) {
				eng_stats_sample_clear(&a);
				return api_reply_berr(r, err);
			}
		}
		bool two = a.running && !one_shot;
		json_t *doc = eng_stats_document(name, id, two ? &b : &a, two ? &a : NULL);
		eng_stats_sample_clear(&a);
		eng_stats_sample_clear(&b);
		return api_reply_json(r, 200, doc);
	}
	int fd;
	pid_t pid = child_fork_piped(&fd);
	if (pid == 0) {
		stats_stream(s, id, name, fd, api_client_fd(r));
		_exit(0);
	}
	if (pid < 0)
		return api_reply_error(r, 500, "fork: %s", strerror((int)-pid));
	return api_reply_piped(r, 200, "application/json", fd, pid, NULL);
}

static int pause_or_resume(struct api_req *r, bool pause)
{
	char id[ENG_ID_LEN + 1];
	if (api_container_target(r, id) < 0)
		return 0;
	struct berr *err = NULL;
	if (eng_container_pause(&r->ctx->es, id, pause, &err) < 0)
		return api_reply_berr(r, err);
	return api_reply_empty(r, 204);
}

int api_container_pause(struct api_req *r)
{
	return pause_or_resume(r, true);
}

int api_container_unpause(struct api_req *r)
{
	return pause_or_resume(r, false);
}

/* dockerd's rename: the new name with or without its '/', refused when it is the old one,
 * not valid (400) or taken (409), the texts its errors wrap as. */
int api_container_rename(struct api_req *r)
{
	char id[ENG_ID_LEN + 1];
	if (api_container_target(r, id) < 0)
		return 0;
	const char *name = api_query(r, "name");
	if (!name || !*name)
		return api_reply_error(r, 400, "Neither old nor new names may be empty");
	if (*name == '/')
		name++;
	json_t *rec = eng_container_load(&r->ctx->es, id, NULL);
	const char *old = json_string_value(json_object_get(rec, "Name"));
	bool same = old && !strcmp(old + (*old == '/'), name);
	json_decref(rec);
	if (same)
		return api_reply_error(
		    r, 400, "Renaming a container with the same name as its current name");
	struct berr *err = NULL;
	if (eng_container_rename(&r->ctx->es, id, name, &err) == 0)
		return api_reply_empty(r, 204);
	int code = berr_code(err);
	berr_free(err);
	char owner[ENG_ID_LEN + 1] = "";
	if (code == EEXIST) {
		struct berr *e2 = NULL;
		if (eng_container_resolve(&r->ctx->es, name, owner, &e2) < 0)
			berr_free(e2);
		return api_reply_error(
		    r, 409,
		    "Error when allocating new name: Conflict. The container name "
		    "\"/%s\" is already in use by container \"%s\". You have to "
		    "remove (or rename) that container to be able to reuse that "
		    "name.",
		    name, owner);
	}
	if (code == EINVAL)
		return api_reply_error(
		    r, 400,
		    "Error when allocating new name: Invalid container name (%s), "
		    "only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed",
		    name);
	return api_reply_error(r, 500, "rename %s: %s", r->param, strerror(code ? code : EIO));
}

int api_container_update(struct api_req *r)
{
	char id[ENG_ID_LEN + 1];
	if (api_container_target(r, id) < 0)
		return 0;
	struct berr *err = NULL;
	json_t *body = api_body_json(r, &err);
	if (!body)
		return api_reply_berr(r, err);
	int rr = eng_container_update(&r->ctx->es, id, body, &err);
	json_decref(body);
	if (rr < 0)
		return api_reply_berr(r, err);
	return api_reply_json(r, 200, json_pack("{s:[]}", "Warnings"));
}

int api_container_resize(struct api_req *r)
{
	char id[ENG_ID_LEN + 1];
	if (api_container_target(r, id) < 0)
		return 0;
	bool bad = false;
	long long h = api_query_int(r, "h", 0, &bad), w = api_query_int(r, "w", 0, &bad);
	if (bad || h < 0 || w < 0 || h > 65535 || w > 65535)
		return api_reply_error(r, 400, "invalid resize: h=%s w=%s", api_query(r, "h") ?: "",
				       api_query(r, "w") ?: "");
	struct berr *err = NULL;
	if (eng_container_resize(&r->ctx->es, id, (unsigned)h, (unsigned)w, &err) < 0)
		return api_reply_berr(r, err);
	return api_reply_empty(r, 200);
}

int api_containers_prune(struct api_req *r)
{
	struct berr *err = NULL;
	json_auto_t *filters = filter_parse_json(api_query(r, "filters"), &err);
	if (!filters || eng_container_prune_check(filters, &err) < 0)
		return api_reply_berr(r, err);
	json_t *gone = json_array();
	uint64_t bytes = 0;
	/* one that cannot go is left, as dockerd's prune leaves it (and logs it) */
	if (eng_container_prune(&r->ctx->es, filters, gone, &bytes, &err) < 0)
		berr_free(err);
	return api_reply_json(r, 200,
			      json_pack("{s:o, s:I}", "ContainersDeleted", gone, "SpaceReclaimed",
					(json_int_t)bytes));
}
