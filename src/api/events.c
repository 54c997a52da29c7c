/* GET /events: the store's event log (util/eventlog.h) as dockerd streams it, one JSON
 * document per line, filtered as `docker events --filter` asks (engine/event.h). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "api/routes.h"
#include "engine/event.h"
#include "util/child.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/eventlog.h"
#include "util/filter.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/xalloc.h"

struct sink {
	int fd;
	json_t *filters;
};

static int send_event(json_t *ev, void *ctx)
{
	struct sink *k = ctx;
	if (!eng_event_match(k->filters, ev))
		return 0;
	autofree char *text = json_dumps(ev, JSON_COMPACT);
	/* the document and its newline in one write, so in one chunk: docker-py's decoder takes
	 * a chunk of only "\n" at the end of the stream for a document that does not parse */
	autofree char *line = text ? xasprintf("%s\n", text) : NULL;
	if (!line || fs_write_all(k->fd, line, strlen(line)) < 0)
		return 1; /* the reader left */
	return 0;
}

int api_events(struct api_req *r)
{
	struct berr *err = NULL;
	bool bad = false;
	int64_t since = api_query_time_ns(r, "since", &bad),
		until = api_query_time_ns(r, "until", &bad);
	if (bad)
		return api_reply_error(r, 400, "invalid since or until: %s, %s",
				       api_query(r, "since") ?: "", api_query(r, "until") ?: "");
	json_auto_t *filters = filter_parse_json(api_query(r, "filters"), &err);
	if (!filters || eng_event_filter_check(filters, &err) < 0)
		return api_reply_berr(r, err);
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	int64_t now_ns = (int64_t)now.tv_sec * 1000000000LL + now.tv_nsec;
	int fd;
	pid_t pid = child_fork_piped(&fd);
	if (pid == 0) {
		signal(SIGPIPE, SIG_IGN);
		struct sink k = {.fd = fd, .filters = filters};
		/* dockerd: until in the past ends the stream at once; otherwise it follows */
		struct eventlog_read o = {.since_ns = since,
					  .until_ns = until,
					  .follow = !until || until > now_ns,
					  .stop_fd = api_client_fd(r)};
		struct berr *rerr = NULL;
		if (eventlog_read(r->ctx->es.root, &o, send_event, &k, &rerr) < 0) {
			autofree char *msg = berr_string(rerr);
			log_warn("events: %s", msg);
		}
		_exit(0);
	}
	if (pid < 0)
		return api_reply_error(r, 500, "fork: %s", strerror((int)-pid));
	return api_reply_piped(r, 200, "application/json", fd, pid, NULL);
}
