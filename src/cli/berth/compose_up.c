/* berth compose up and down: flags as Compose v2's, the doing in app/up.c and app/down.c.
 * Without -d, up follows the services' logs (compose_logs.c) until they end or a signal
 * comes; then, as Compose, it stops them. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/build.h"
#include "app/down.h"
#include "app/stop.h"
#include "app/up.h"
#include "cli/berth/build_progress.h"
#include "cli/berth/compose.h"
#include "engine/monitor.h"
#include "image/store.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/json.h"

static volatile int interrupted;

static void on_signal(int sig)
{
	interrupted = 1;
}

/* The selected services' builds (only_missing: the images not there yet), progress as berth
 * build's plain one; 0 or the exit status after printing why. */
static int build_images(struct eng_store *es, struct img_store *is, const struct app_plan *p,
			json_t *sel, bool only_missing, bool no_cache, const char *pull, bool quiet)
{
	struct build_progress *bp =
	    build_progress_new(quiet ? BUILD_PROGRESS_QUIET : BUILD_PROGRESS_PLAIN);
	struct app_build_opts bo = {.no_cache = no_cache,
				    .pull = pull,
				    .event = build_progress_event,
				    .ctx = bp,
				    .interrupted = &interrupted,
				    .progress = {quiet ? NULL : compose_progress, NULL}};
	struct berr *err = NULL;
	int r = app_build(es, is, p, sel, only_missing, &bo, &err);
	build_progress_end(bp, r == 0);
	build_progress_free(bp);
	return r < 0 ? cli_fail(err, 1) : 0;
}

int compose_build(struct cli_opts *o, struct compose_opts *co, int argc, char **argv)
{
	bool no_cache = false, pull = false, quiet = false;
	const struct flag flags[] = {
	    {"no-cache", 0, FLAG_BOOL, &no_cache, "Do not use cache when building the image"},
	    {"pull", 0, FLAG_BOOL, &pull, "Always attempt to pull a newer version of the image"},
	    {"quiet", 'q', FLAG_BOOL, &quiet, "Don't print anything to STDOUT"},
	    FLAG_END};
	const struct flag_cmd cmd = {"berth compose build",
				     "[OPTIONS] [SERVICE...]",
				     "Build or rebuild services",
				     true,
				     FLAG_MIN_ARGS(0),
				     .cobra = true};
	autofree const char **pos = NULL;
	struct compose_project cp;
	int st;
	if (!compose_open(co, &cmd, flags, argc, argv, &pos, &cp, &st))
		return st;
	struct berr *err = NULL;
	json_t *sel = app_selected(cp.plan, (char *const *)pos, true, &err);
	struct eng_store es = cli_engine(o);
	autoptr(img_store) is = sel ? cli_store(o) : NULL;
	if (!sel)
		st = cli_fail(err, 1);
	else if (!is)
		st = 125;
	else
		st = build_images(&es, is, cp.plan, sel, false, no_cache, pull ? "always" : NULL,
				  quiet);
	json_decref(sel);
	compose_project_clear(&cp);
	return st;
}

/* --scale svc=N into {svc: N}; NULL after printing why not. */
static json_t *scale_map(const struct flag_list *l, const struct app_plan *p)
{
	json_t *m = json_object();
	for (int i = 0; i < l->n; i++) {
		const char *eq = strchr(l->v[i], '=');
		char *end = NULL;
		long n = eq ? strtol(eq + 1, &end, 10) : -1;
		autofree char *name = eq ? strndup(l->v[i], (size_t)(eq - l->v[i])) : NULL;
		if (!eq || *end || n < 0 || n > 1000 || !app_plan_service(p, name)) {
			cli_error(125,
				  "invalid --scale '%s': SERVICE=NUM, a service of the project",
				  l->v[i]);
			json_decref(m);
			return NULL;
		}
		json_object_set_new(m, name, json_integer(n));
	}
	return m;
}

/* The containers up made for the selected services, for the attached logs. */
static json_t *selected_containers(struct eng_store *es, const struct app_plan *p, json_t *sel)
{
	json_t *all = app_containers(es, p->project, NULL), *out = json_array();
	size_t i;
	json_t *c;
	json_array_foreach(all, i, c)
	{
		if (json_object_get(sel, json_string_value(json_object_get(c, "Service"))) &&
		    !json_is_true(json_object_get(c, "OneOff")))
			json_array_append(out, c);
	}
	json_decref(all);
	return out;
}

static int attached(struct cli_opts *o, struct eng_store *es, const struct app_plan *p, json_t *sel,
		    long timeout, struct compose_follow_opts *fo)
{
	json_t *cs = selected_containers(es, p, sel);
	struct sigaction sa = {.sa_handler = on_signal}, old_int, old_term;
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	fo->follow = true;
	fo->tail = -1;
	fo->stop = &interrupted;
	compose_follow(o, cs, fo);
	int status = 0;
	if (interrupted) {
		fprintf(stderr, "Gracefully stopping... (press Ctrl+C again to force)\n");
		sigaction(SIGINT, &old_int, NULL);
		sigaction(SIGTERM, &old_term, NULL);
		struct app_progress pr = {compose_progress, NULL};
		json_t *levels = app_stop_levels(p, cs);
		size_t i;
		json_t *level;
		json_array_foreach(levels, i, level)
		{
			struct berr *err = NULL;
			if (app_stop_all(es, level, (int)timeout, &pr, &err) < 0)
				status = cli_fail(err, 1);
		}
		json_decref(levels);
		status = status ? status : 130;
	}
	json_decref(cs);
	return status;
}

int compose_up(struct cli_opts *o, struct compose_opts *co, int argc, char **argv)
{
	bool detach = false, build = false, no_color = false, no_prefix = false;
	long timeout = -1;
	const char *pull = NULL;
	struct flag_list scale = {0};
	struct app_up_opts uo = {.progress = {compose_progress, NULL}};
	const struct flag flags[] = {
	    {"detach", 'd', FLAG_BOOL, &detach, "Detached mode: Run containers in the background"},
	    {"no-deps", 0, FLAG_BOOL, &uo.no_deps, "Don't start linked services"},
	    {"force-recreate", 0, FLAG_BOOL, &uo.force_recreate,
	     "Recreate containers even if their configuration hasn't changed"},
	    {"no-recreate", 0, FLAG_BOOL, &uo.no_recreate,
	     "If containers already exist, don't recreate them"},
	    {"remove-orphans", 0, FLAG_BOOL, &uo.remove_orphans,
	     "Remove containers for services not defined in the Compose file"},
	    {"no-start", 0, FLAG_BOOL, &uo.no_start,
	     "Don't start the services after creating them"},
	    {"wait", 0, FLAG_BOOL, &uo.wait, "Wait for services to be running|healthy"},
	    {"scale", 0, FLAG_LIST, &scale, "Scale SERVICE to NUM instances", "scale"},
	    {"pull", 0, FLAG_STRING, &pull,
	     "Pull image before running (\"always\"|\"missing\"|\"never\")", "string"},
	    {"timeout", 't', FLAG_INT, &timeout, "Shutdown timeout in seconds", "int"},
	    {"build", 0, FLAG_BOOL, &build, "Build images before starting containers"},
	    {"no-color", 0, FLAG_BOOL, &no_color, "Produce monochrome output"},
	    {"no-log-prefix", 0, FLAG_BOOL, &no_prefix, "Don't print prefix in logs"},
	    FLAG_END};
	const struct flag_cmd cmd = {"berth compose up",
				     "[OPTIONS] [SERVICE...]",
				     "Create and start containers",
				     true,
				     FLAG_MIN_ARGS(0),
				     .cobra = true};
	autofree const char **pos = NULL;
	struct compose_project cp;
	int st;
	if (!compose_open(co, &cmd, flags, argc, argv, &pos, &cp, &st)) {
		flag_list_free(&scale);
		return st;
	}
	uo.services = (char *const *)pos;
	uo.pull = pull;
	uo.scale = scale_map(&scale, cp.plan);
	flag_list_free(&scale);
	if (!uo.scale) {
		compose_project_clear(&cp);
		return 125;
	}
	if (uo.wait)
		detach = true;
	struct eng_store es = cli_engine(o);
	autoptr(img_store) is = cli_store(o);
	struct berr *err = NULL;
	json_t *sel = is ? app_selected(cp.plan, uo.services, uo.no_deps, &err) : NULL;
	if (!is)
		st = 125;
	else if (!sel)
		st = cli_fail(err, 1);
	else
		st = build_images(&es, is, cp.plan, sel, !build, false, NULL, false);
	if (!st && app_up(&es, is, cp.plan, &uo, &err) < 0)
		st = cli_fail(err, 1);
	if (!st && !detach)
		st = attached(o, &es, cp.plan, sel, timeout,
			      &(struct compose_follow_opts){.prefix = !no_prefix,
							    .color = compose_color(no_color)});
	json_decref(sel);
	json_decref(uo.scale);
	compose_project_clear(&cp);
	return st;
}

int compose_down(struct cli_opts *o, struct compose_opts *co, int argc, char **argv)
{
	long timeout = -1;
	const char *rmi = NULL;
	struct app_down_opts d = {.progress = {compose_progress, NULL}};
	const struct flag flags[] = {
	    {"volumes", 'v', FLAG_BOOL, &d.volumes,
	     "Remove named volumes declared in the \"volumes\" section of the Compose file and "
	     "anonymous volumes attached to containers"},
	    {"remove-orphans", 0, FLAG_BOOL, &d.remove_orphans,
	     "Remove containers for services not defined in the Compose file"},
	    {"timeout", 't', FLAG_INT, &timeout, "Specify a shutdown timeout in seconds", "int"},
	    {"rmi", 0, FLAG_STRING, &rmi,
	     "Remove images used by services. \"local\" remove only images that don't have a "
	     "custom tag (\"local\"|\"all\")",
	     "string"},
	    FLAG_END};
	const struct flag_cmd cmd = {"berth compose down",
				     "[OPTIONS] [SERVICES]",
				     "Stop and remove containers, networks",
				     true,
				     FLAG_MIN_ARGS(0),
				     .cobra = true};
	autofree const char **pos = NULL;
	int st;
	if (!compose_open(co, &cmd, flags, argc, argv, &pos, NULL, &st))
		return st;
	/* before the project, as Compose v2's PreRunE */
	if (rmi && strcmp(rmi, "local") && strcmp(rmi, "all"))
		return cli_error(1, "invalid value for --rmi: \"%s\"", rmi);
	d.timeout_s = (int)timeout;
	d.services = (char *const *)pos;
	d.rmi = rmi;
	struct eng_store es = cli_engine(o);
	struct berr *err = NULL;
	if (co->project_name && !co->files.n) {
		/* -p alone: the project's objects by their labels, with or without a file */
		autofree char *name = cmp_project_name_normalize(co->project_name);
		if (app_down(&es, NULL, name, &d, &err) < 0)
			st = cli_fail(err, 1);
		return st;
	}
	struct compose_project cp;
	st = compose_load(co, &cp);
	if (st)
		return st;
	st = compose_check_services(cp.plan, pos);
	autoptr(img_store) is = !st && rmi ? cli_store(o) : NULL;
	if (!st && rmi && !is)
		st = 125;
	d.images = is;
	if (!st && app_down(&es, cp.plan, cp.plan->project, &d, &err) < 0)
		st = cli_fail(err, 1);
	compose_project_clear(&cp);
	return st;
}
