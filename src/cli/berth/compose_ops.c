/* berth compose ps, ls, logs and the commands on a project's existing containers (start,
 * stop, restart, kill, rm, pause, unpause): the containers found by their labels
 * (app/project.h), the engine's functions called on each, lines as Compose v2 prints them. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "app/project.h"
#include "cli/berth/compose.h"
#include "cli/berth/output.h"
#include "engine/container_proc.h"
#include "engine/container_view.h"
#include "engine/monitor.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/json.h"
#include "util/signal.h"
#include "util/xalloc.h"

static const char *str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "";
}

/* The loaded project's containers of the services named (all when none), one-offs left out
 * unless oneoff; 0, or an exit status after clearing cp. */
static int project_containers(struct cli_opts *o, const char **services, bool oneoff,
			      struct compose_project *cp, json_t **out)
{
	int st = compose_check_services(cp->plan, services);
	if (st) {
		compose_project_clear(cp);
		return st;
	}
	struct eng_store es = cli_engine(o);
	struct berr *err = NULL;
	json_t *sel = compose_containers(&es, cp->plan, services, oneoff, &err);
	if (!sel) {
		compose_project_clear(cp);
		return cli_fail(err, 1);
	}
	*out = sel;
	return 0;
}

static void ps_row(struct eng_store *es, json_t *c, bool json, struct table *t)
{
	json_t *sum = eng_container_summary(es, json_object_get(c, "Record"),
					    json_object_get(c, "Stateful"), str(c, "Id"), false);
	autofree char *ports = cli_ports_text(json_object_get(sum, "Ports"));
	char ago[48];
	time_t created = (time_t)json_integer_value(json_object_get(sum, "Created"));
	out_since(created, ago);
	if (json) {
		json_t *doc = json_pack(
		    "{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:s, s:s, s:s, s:I, s:s, s:O}", "ID",
		    str(c, "Id"), "Name", str(c, "Name"), "Names", str(c, "Name"), "Image",
		    str(sum, "Image"), "Command", str(sum, "Command"), "Project",
		    str(json_object_get(json_object_get(json_object_get(c, "Record"), "Config"),
					"Labels"),
			APP_LABEL_PROJECT),
		    "Service", str(c, "Service"), "Created", (json_int_t)created, "State",
		    str(c, "State"), "Status", str(sum, "Status"), "Health", str(c, "Health"),
		    "ExitCode", json_integer_value(json_object_get(c, "ExitCode")), "Ports", ports,
		    "Publishers", json_object_get(sum, "Ports"));
		autofree char *text = json_dumps(doc, JSON_COMPACT);
		printf("%s\n", text);
		json_decref(doc);
	} else {
		autofree char *cmd = xasprintf("\"%.20s\"", str(sum, "Command"));
		autofree char *row =
		    xasprintf("%s\t%s\t%s\t%s\t%s\t%s\t%s", str(c, "Name"), str(sum, "Image"), cmd,
			      str(c, "Service"), ago, str(sum, "Status"), ports);
		table_row(t, row);
	}
	json_decref(sum);
}

int compose_ps(struct cli_opts *o, struct compose_opts *co, int argc, char **argv)
{
	bool all = false, quiet = false, services = false;
	const char *format = "table";
	const struct flag flags[] = {{"all", 'a', FLAG_BOOL, &all, "Show all stopped containers"},
				     {"quiet", 'q', FLAG_BOOL, &quiet, "Only display IDs"},
				     {"services", 0, FLAG_BOOL, &services, "Display services"},
				     {"format", 0, FLAG_STRING, &format,
				      "Format the output. Values: [table | json]", "string"},
				     FLAG_END};
	const struct flag_cmd cmd = {"berth compose ps", "[OPTIONS] [SERVICE...]",
				     "List containers",  true,
				     FLAG_MIN_ARGS(0),   .cobra = true};
	autofree const char **pos = NULL;
	struct compose_project cp;
	int st;
	if (!compose_open(co, &cmd, flags, argc, argv, &pos, &cp, &st))
		return st;
	if (strcmp(format, "table") && strcmp(format, "json")) {
		compose_project_clear(&cp);
		return cli_error(1, "unsupported format '%s': table or json", format);
	}
	json_t *cs = NULL;
	st = project_containers(o, pos, true, &cp, &cs);
	if (st)
		return st;
	struct eng_store es = cli_engine(o);
	bool table = !quiet && !services && strcmp(format, "json");
	struct table *t = table ? table_new() : NULL;
	if (t)
		table_row(t, "NAME\tIMAGE\tCOMMAND\tSERVICE\tCREATED\tSTATUS\tPORTS");
	json_t *seen = json_object();
	size_t i;
	json_t *c;
	json_array_foreach(cs, i, c)
	{
		if (!all && strcmp(str(c, "State"), "running") &&
		    strcmp(str(c, "State"), "paused") && strcmp(str(c, "State"), "restarting"))
			continue;
		if (services) {
			if (!json_object_get(seen, str(c, "Service")))
				printf("%s\n", str(c, "Service"));
			json_object_set_new(seen, str(c, "Service"), json_true());
		} else if (quiet) {
			printf("%s\n", str(c, "Id"));
		} else {
			ps_row(&es, c, !strcmp(format, "json"), t);
		}
	}
	if (t)
		table_flush(t, stdout);
	json_decref(seen);
	json_decref(cs);
	compose_project_clear(&cp);
	return 0;
}

int compose_logs(struct cli_opts *o, struct compose_opts *co, int argc, char **argv)
{
	bool follow = false, ts = false, no_prefix = false, no_color = false;
	const char *tail = "all";
	const struct flag flags[] = {
	    {"follow", 'f', FLAG_BOOL, &follow, "Follow log output"},
	    {"timestamps", 't', FLAG_BOOL, &ts, "Show timestamps"},
	    {"tail", 'n', FLAG_STRING, &tail, "Number of lines to show from the end of the logs",
	     "string"},
	    {"no-log-prefix", 0, FLAG_BOOL, &no_prefix, "Don't print prefix in logs"},
	    {"no-color", 0, FLAG_BOOL, &no_color, "Produce monochrome output"},
	    FLAG_END};
	const struct flag_cmd cmd = {"berth compose logs",
				     "[OPTIONS] [SERVICE...]",
				     "View output from containers",
				     true,
				     FLAG_MIN_ARGS(0),
				     .cobra = true};
	autofree const char **pos = NULL;
	struct compose_project cp;
	int st;
	if (!compose_open(co, &cmd, flags, argc, argv, &pos, &cp, &st))
		return st;
	char *end = NULL;
	long t = strcmp(tail, "all") ? strtol(tail, &end, 10) : -1;
	if (end && (*end || t < 0)) {
		compose_project_clear(&cp);
		return cli_error(1, "invalid --tail '%s'", tail);
	}
	json_t *cs = NULL;
	st = project_containers(o, pos, false, &cp, &cs);
	if (st)
		return st;
	struct compose_follow_opts fo = {.follow = follow,
					 .timestamps = ts,
					 .prefix = !no_prefix,
					 .color = compose_color(no_color),
					 .tail = t};
	compose_follow(o, cs, &fo);
	json_decref(cs);
	compose_project_clear(&cp);
	return 0;
}

int compose_ls(struct cli_opts *o, struct compose_opts *co, int argc, char **argv)
{
	bool all = false, quiet = false;
	const char *format = "table";
	const struct flag flags[] = {
	    {"all", 'a', FLAG_BOOL, &all, "Show all stopped Compose projects"},
	    {"quiet", 'q', FLAG_BOOL, &quiet, "Only display IDs"},
	    {"format", 0, FLAG_STRING, &format, "Format the output. Values: [table | json]",
	     "string"},
	    FLAG_END};
	const struct flag_cmd cmd = {
	    "berth compose ls", "[OPTIONS]",  "List running compose projects", true,
	    FLAG_NO_ARGS,       .cobra = true};
	autofree const char **pos = NULL;
	int n = flags_parse(&cmd, flags, argc, argv, &pos);
	if (n < 0)
		return flags_status(n);
	struct eng_store es = cli_engine(o);
	struct berr *err = NULL;
	json_t *ps = app_projects(&es, &err);
	if (!ps)
		return cli_fail(err, 1);
	bool table = !quiet && strcmp(format, "json");
	struct table *t = table ? table_new() : NULL;
	if (t)
		table_row(t, "NAME\tSTATUS\tCONFIG FILES");
	json_t *docs = json_array();
	const char *k;
	json_t *v;
	json_object_foreach(ps, k, v)
	{
		json_int_t running = json_integer_value(json_object_get(v, "running"));
		json_int_t total = json_integer_value(json_object_get(v, "total"));
		if (!all && !running)
			continue;
		autofree char *status =
		    running == total ? xasprintf("running(%lld)", (long long)running)
		    : running        ? xasprintf("exited(%lld), running(%lld)",
						 (long long)(total - running), (long long)running)
				     : xasprintf("exited(%lld)", (long long)total);
		autofree char *row = xasprintf("%s\t%s\t%s", k, status, str(v, "files"));
		if (quiet)
			printf("%s\n", k);
		else if (t)
			table_row(t, row);
		json_array_append_new(docs, json_pack("{s:s, s:s, s:s}", "Name", k, "Status",
						      status, "ConfigFiles", str(v, "files")));
	}
	if (!quiet && !strcmp(format, "json")) {
		autofree char *text = json_dumps(docs, JSON_COMPACT);
		printf("%s\n", text);
	}
	if (t)
		table_flush(t, stdout);
	json_decref(docs);
	json_decref(ps);
	return 0;
}

struct simple {
	const char *what;
	long timeout;
	int sig;
	bool force, stop_first, volumes;
};

static bool running(json_t *c)
{
	const char *s = str(c, "State");
	return !strcmp(s, "running") || !strcmp(s, "paused") || !strcmp(s, "restarting");
}

/* One container; 0, or -1 after printing why. */
static int simple_one(struct eng_store *es, const struct simple *sp, json_t *c)
{
	const struct app_progress pr = {compose_progress, NULL};
	const char *id = str(c, "Id"), *name = str(c, "Name"), *w = sp->what;
	struct berr *err = NULL;
	int r = 0, status = 0, sock = -1;
	if (!strcmp(w, "start") && !running(c)) {
		app_report(&pr, "Container", name, "Starting");
		r = eng_monitor_start(es, id, false, &sock, &status, &err);
		if (r == 0)
			app_report(&pr, "Container", name, "Started");
	} else if ((!strcmp(w, "stop") || (!strcmp(w, "rm") && sp->stop_first)) && running(c)) {
		app_report(&pr, "Container", name, "Stopping");
		r = eng_container_stop(es, id, (int)sp->timeout, &err);
		if (r == 0)
			app_report(&pr, "Container", name, "Stopped");
	} else if (!strcmp(w, "restart")) {
		app_report(&pr, "Container", name, "Restarting");
		r = eng_container_restart(es, id, (int)sp->timeout, &err);
		if (r == 0)
			app_report(&pr, "Container", name, "Started");
	} else if (!strcmp(w, "kill") && running(c)) {
		app_report(&pr, "Container", name, "Killing");
		r = eng_container_kill(es, id, sp->sig, &err);
		if (r == 0)
			app_report(&pr, "Container", name, "Killed");
	} else if (!strcmp(w, "pause") || !strcmp(w, "unpause")) {
		bool pause = !strcmp(w, "pause");
		app_report(&pr, "Container", name, pause ? "Pausing" : "Unpausing");
		r = eng_container_pause(es, id, pause, &err);
		if (r == 0)
			app_report(&pr, "Container", name, pause ? "Paused" : "Unpaused");
	}
	if (r == 0 && !strcmp(w, "rm")) {
		json_t *st = eng_state_load(es, id);
		const char *now = json_string_value(json_object_get(st, "Status"));
		bool up = now && (!strcmp(now, "running") || !strcmp(now, "paused"));
		json_decref(st);
		if (!up) {
			app_report(&pr, "Container", name, "Removing");
			r = eng_container_destroy(es, id, false, sp->volumes, &err);
			if (r == 0)
				app_report(&pr, "Container", name, "Removed");
		}
	}
	return r < 0 ? (cli_fail(err, 1), -1) : 0;
}

/* rm without -f asks, as Compose does. */
static bool confirm(json_t *cs)
{
	size_t i;
	json_t *c;
	bool any = false;
	json_array_foreach(cs, i, c)
	{
		if (!running(c)) {
			fprintf(stderr, "%s%s", any ? ", " : "Going to remove ", str(c, "Name"));
			any = true;
		}
	}
	if (!any) {
		fprintf(stderr, "No stopped containers\n");
		return false;
	}
	fprintf(stderr, "\nAre you sure? [yN] ");
	char buf[16] = "";
	return fgets(buf, sizeof(buf), stdin) && (buf[0] == 'y' || buf[0] == 'Y');
}

int compose_simple(struct cli_opts *o, struct compose_opts *co, const char *what, int argc,
		   char **argv)
{
	struct simple sp = {.what = what, .timeout = -1};
	const char *signal = "SIGKILL";
	bool timed = !strcmp(what, "stop") || !strcmp(what, "restart");
	const struct flag timeout_flags[] = {
	    {"timeout", 't', FLAG_INT, &sp.timeout, "Specify a shutdown timeout in seconds", "int"},
	    FLAG_END};
	const struct flag kill_flags[] = {
	    {"signal", 's', FLAG_STRING, &signal, "SIGNAL to send to the container", "string"},
	    {"remove-orphans", 0, FLAG_BOOL, &(bool){0}, NULL},
	    FLAG_END};
	const struct flag rm_flags[] = {
	    {"force", 'f', FLAG_BOOL, &sp.force, "Don't ask to confirm removal"},
	    {"stop", 's', FLAG_BOOL, &sp.stop_first,
	     "Stop the containers, if required, before removing"},
	    {"volumes", 'v', FLAG_BOOL, &sp.volumes,
	     "Remove any anonymous volumes attached to containers"},
	    FLAG_END};
	const struct flag none[] = {FLAG_END};
	const struct flag *flags = timed                   ? timeout_flags
				   : !strcmp(what, "kill") ? kill_flags
				   : !strcmp(what, "rm")   ? rm_flags
							   : none;
	autofree char *name = xasprintf("berth compose %s", what);
	const struct flag_cmd cmd = {name, "[OPTIONS] [SERVICE...]", what,
				     true, FLAG_MIN_ARGS(0),         .cobra = true};
	autofree const char **pos = NULL;
	struct compose_project cp;
	int st;
	if (!compose_open(co, &cmd, flags, argc, argv, &pos, &cp, &st))
		return st;
	sp.sig = sig_parse(signal);
	if (sp.sig <= 0) {
		compose_project_clear(&cp);
		return cli_error(1, "invalid signal: %s", signal);
	}
	json_t *cs = NULL;
	st = project_containers(o, pos, !strcmp(what, "rm"), &cp, &cs);
	if (st)
		return st;
	struct eng_store es = cli_engine(o);
	/* start in dependency order, the others dependents first */
	bool forward = !strcmp(what, "start");
	size_t total = json_array_size(cs);
	if (!strcmp(what, "rm") && !sp.force && !sp.stop_first && !confirm(cs))
		total = 0;
	for (size_t k = 0; k < cp.plan->n_services && total; k++) {
		size_t idx = forward ? k : cp.plan->n_services - 1 - k;
		const char *svc = cp.plan->services[idx].name;
		size_t i;
		json_t *c;
		json_array_foreach(cs, i, c)
		{
			if (!strcmp(str(c, "Service"), svc) && simple_one(&es, &sp, c) < 0)
				st = 1;
		}
	}
	json_decref(cs);
	compose_project_clear(&cp);
	return st;
}
