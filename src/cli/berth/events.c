/* `berth events` (also `system events`): the store's event log (util/eventlog.h) as `docker
 * events` prints it, live, or over a window with --since and --until. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli/berth/berth.h"
#include "cli/berth/flags.h"
#include "cli/berth/output.h"
#include "cli/berth/template.h"
#include "engine/event.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/eventlog.h"
#include "util/filter.h"

struct printer {
	json_t *filters;
	struct tmpl *t; /* --format, or NULL */
	bool json;      /* --format json */
};

/* docker's default line: "TIME TYPE ACTION ID (k=v, ...)", the attributes sorted */
static void print_line(json_t *ev)
{
	int64_t ns = json_integer_value(json_object_get(ev, "timeNano"));
	time_t secs = (time_t)(ns / 1000000000LL);
	struct tm tm;
	char when[32];
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", gmtime_r(&secs, &tm));
	json_t *actor = json_object_get(ev, "Actor");
	printf("%s.%09lldZ %s %s %s", when, (long long)(ns % 1000000000LL),
	       json_string_value(json_object_get(ev, "Type")),
	       json_string_value(json_object_get(ev, "Action")),
	       json_string_value(json_object_get(actor, "ID")));
	json_t *attrs = json_object_get(actor, "Attributes");
	if (json_object_size(attrs)) {
		autofree char *keys_text = json_dumps(attrs, JSON_SORT_KEYS | JSON_COMPACT);
		json_t *sorted = json_loads(keys_text, JSON_PRESERVE_ORDER, NULL);
		const char *k;
		json_t *v;
		const char *sep = " (";
		json_object_foreach(sorted, k, v)
		{
			printf("%s%s=%s", sep, k, json_string_value(v) ?: "");
			sep = ", ";
		}
		json_decref(sorted);
		putchar(')');
	}
	putchar('\n');
}

static int print_event(json_t *ev, void *ctx)
{
	struct printer *p = ctx;
	if (!eng_event_match(p->filters, ev))
		return 0;
	if (p->json) {
		autofree char *text = json_dumps(ev, JSON_COMPACT);
		puts(text);
	} else if (p->t) {
		struct berr *err = NULL;
		autofree char *text = tmpl_exec(p->t, ev, &err);
		if (!text)
			return cli_fail(err, 1);
		puts(text);
	} else {
		print_line(ev);
	}
	return fflush(stdout) == EOF ? 1 : 0;
}

int cmd_events(struct cli_opts *o, int argc, char **argv)
{
	const char *since = NULL, *until = NULL, *format = NULL;
	struct flag_list filters = {0};
	const struct flag flags[] = {
	    {"filter", 'f', FLAG_LIST, &filters, "Filter output based on conditions provided",
	     "filter"},
	    {"format", 0, FLAG_STRING, &format, "Format the output using the given Go template",
	     "string"},
	    {"since", 0, FLAG_STRING, &since, "Show all events created since timestamp", "string"},
	    {"until", 0, FLAG_STRING, &until, "Stream events until this timestamp", "string"},
	    FLAG_END};
	const struct flag_cmd cmd = {"berth events", "[OPTIONS]",
				     "Get real time events from the server", true, FLAG_NO_ARGS};
	autofree const char **pos = NULL;
	int n = flags_parse(&cmd, flags, argc, argv, &pos);
	if (n < 0) {
		flag_list_free(&filters);
		return flags_status(n);
	}
	struct berr *err = NULL;
	json_auto_t *fm = filter_parse_args((char *const *)filters.v, filters.n, &err);
	flag_list_free(&filters);
	if (!fm || eng_event_filter_check(fm, &err) < 0)
		return cli_fail(err, 125);
	struct printer p = {.filters = fm};
	struct eventlog_read r = {
	    .since_ns = out_when_ns(since), .until_ns = out_when_ns(until), .stop_fd = -1};
	int status = 0;
	if (r.since_ns < 0 || r.until_ns < 0)
		status = cli_error(125, "invalid time '%s'", r.since_ns < 0 ? since : until);
	p.json = format && !strcmp(format, "json");
	if (!status && format && !p.json && !(p.t = tmpl_parse(format, &err)))
		status = cli_fail(err, 125);
	if (!status) {
		struct timespec now;
		clock_gettime(CLOCK_REALTIME, &now);
		r.follow = !r.until_ns || r.until_ns > (int64_t)now.tv_sec * 1000000000LL;
		struct eng_store es = cli_engine(o);
		int rr = eventlog_read(es.root, &r, print_event, &p, &err);
		if (rr < 0)
			status = cli_fail(err, 1);
		else if (rr > 0)
			status = 1;
	}
	tmpl_free(p.t);
	return status;
}
