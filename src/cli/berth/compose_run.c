/* berth compose exec, run, top, port, pull, push and images. exec, top and port find the
 * service's container by its labels and hand it to the command line's own `berth exec|top|port`, so
 * what they print and how they exit is theirs; run makes a one-off container of the service
 * (app_container_create, `.oneoff=True`, named <project>-<service>-run-<12 hex>) and starts it
 * attached as `berth start -a` does. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/build.h"
#include "app/up.h"
#include "cli/berth/compose.h"
#include "engine/monitor.h"
#include "image/image.h"
#include "image/store.h"
#include "util/cleanup.h"
#include "util/digest.h"
#include "util/err.h"
#include "util/json.h"
#include "util/xalloc.h"

static const char *str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "";
}

/* The id of the service's container number index (running unless any); 0 or an exit status. */
static int service_container(struct cli_opts *o, struct compose_project *cp, const char *service,
			     long index, bool any, char out_id[65])
{
	const char *const one[] = {service, NULL};
	int st = compose_check_services(cp->plan, one);
	if (st)
		return st;
	struct eng_store es = cli_engine(o);
	struct berr *err = NULL;
	json_t *all = compose_containers(&es, cp->plan, one, false, &err);
	if (!all)
		return cli_fail(err, 1);
	bool found = false;
	size_t i;
	json_t *c;
	json_array_foreach(all, i, c)
	{
		if (json_integer_value(json_object_get(c, "Number")) != index ||
		    (!any && strcmp(str(c, "State"), "running")))
			continue;
		snprintf(out_id, 65, "%s", str(c, "Id"));
		found = true;
	}
	json_decref(all);
	return found ? 0 : cli_error(1, "service \"%s\" is not running", service);
}

/* argv for a command of the command line: appended one by one. */
struct args {
	char **v;
	int n;
};

static void add(struct args *a, const char *s)
{
	a->v = xrealloc(a->v, (size_t)(a->n + 2) * sizeof(*a->v));
	a->v[a->n++] = xstrdup(s);
	a->v[a->n] = NULL;
}

int compose_exec(struct cli_opts *o, struct compose_opts *co, int argc, char **argv)
{
	bool no_tty = false, detach = false, privileged = false, interactive = true;
	const char *user = NULL, *workdir = NULL;
	long index = 1;
	struct flag_list env = {0};
	const struct flag flags[] = {
	    {"detach", 'd', FLAG_BOOL, &detach, "Detached mode: Run command in the background"},
	    {"env", 'e', FLAG_LIST, &env, "Set environment variables", "stringArray"},
	    {"index", 0, FLAG_INT, &index,
	     "index of the container if service has multiple replicas", "int"},
	    {"no-TTY", 'T', FLAG_BOOL, &no_tty,
	     "Disable pseudo-TTY allocation. By default `compose exec` allocates a TTY"},
	    {"privileged", 0, FLAG_BOOL, &privileged, "Give extended privileges to the process"},
	    {"user", 'u', FLAG_STRING, &user, "Run the command as this user", "string"},
	    {"workdir", 'w', FLAG_STRING, &workdir, "Path to workdir directory for this command",
	     "string"},
	    {"interactive", 'i', FLAG_BOOL, &interactive, "Keep STDIN open even if not attached"},
	    FLAG_END};
	const struct flag_cmd cmd = {"berth compose exec",
				     "[OPTIONS] SERVICE COMMAND [ARGS...]",
				     "Execute a command in a running container",
				     false,
				     FLAG_MIN_ARGS(2),
				     .cobra = true};
	autofree const char **pos = NULL;
	struct compose_project cp;
	int st;
	char id[65];
	bool go = compose_open(co, &cmd, flags, argc, argv, &pos, &cp, &st);
	if (go) {
		st = service_container(o, &cp, pos[0], index, false, id);
		compose_project_clear(&cp);
		go = !st;
	}
	if (!go) {
		flag_list_free(&env);
		return st;
	}
	struct args a = {0};
	add(&a, "exec");
	if (interactive && !detach)
		add(&a, "-i");
	/* a terminal by default when ours is one, as Compose's */
	if (!no_tty && !detach && isatty(STDIN_FILENO))
		add(&a, "-t");
	if (detach)
		add(&a, "-d");
	if (privileged)
		add(&a, "--privileged");
	for (int i = 0; i < env.n; i++) {
		add(&a, "-e");
		add(&a, env.v[i]);
	}
	const char *opt[][2] = {{"-u", user}, {"-w", workdir}};
	for (size_t i = 0; i < 2; i++)
		if (opt[i][1]) {
			add(&a, opt[i][0]);
			add(&a, opt[i][1]);
		}
	add(&a, id);
	for (int i = 1; pos[i]; i++)
		add(&a, pos[i]);
	flag_list_free(&env);
	st = cmd_exec(o, a.n - 1, a.v + 1);
	strv_free(a.v);
	return st;
}

/* run's container: the service's options with the command line's changes. */
struct run_over {
	bool no_tty, rm, detach, service_ports;
	const char *entrypoint, *user, *workdir, *name;
	struct flag_list env, labels, publish;
};

static void run_over_clear(struct run_over *r)
{
	flag_list_free(&r->env);
	flag_list_free(&r->labels);
	flag_list_free(&r->publish);
}

static int run_create(struct cli_opts *o, struct compose_project *cp, const struct app_service *svc,
		      const struct run_over *r, char *const *cmd, char out_id[65])
{
	struct eng_create c = svc->c;
	json_t *env = json_array();
	for (size_t i = 0; c.run.env && c.run.env[i]; i++)
		json_array_append_new(env, json_string(c.run.env[i]));
	for (int i = 0; i < r->env.n; i++)
		json_array_append_new(env, json_string(r->env.v[i]));
	char **envv = xcalloc(json_array_size(env) + 1, sizeof(*envv));
	for (size_t i = 0; i < json_array_size(env); i++)
		envv[i] = (char *)json_string_value(json_array_get(env, i));
	c.run.env = envv;
	if (cmd && cmd[0])
		c.run.cmd = cmd;
	if (r->entrypoint) {
		c.run.entrypoint = r->entrypoint;
		c.run.entrypoint_rest = NULL;
	}
	c.run.user = r->user ? r->user : c.run.user;
	c.run.workdir = r->workdir ? r->workdir : c.run.workdir;
	c.run.tty = !r->no_tty && !r->detach && isatty(STDIN_FILENO);
	c.run.interactive = !r->detach;
	c.attach_stdin = !r->detach;
	c.attach_stdout = c.attach_stderr = !r->detach;
	c.auto_remove = r->rm;
	/* Compose's run publishes the service's ports only with --service-ports; -p's always */
	json_t *pub = json_array();
	for (size_t i = 0; r->service_ports && svc->c.publish && svc->c.publish[i]; i++)
		json_array_append_new(pub, json_string(svc->c.publish[i]));
	for (int i = 0; i < r->publish.n; i++)
		json_array_append_new(pub, json_string(r->publish.v[i]));
	char **pubv = xcalloc(json_array_size(pub) + 1, sizeof(*pubv));
	for (size_t i = 0; i < json_array_size(pub); i++)
		pubv[i] = (char *)json_string_value(json_array_get(pub, i));
	c.publish = pubv;
	c.run.labels = (char **)r->labels.v;
	c.restart = NULL;
	uint8_t rnd[6];
	char hex[13];
	autofree char *name = NULL;
	if (!r->name) {
		FILE *f = fopen("/dev/urandom", "re");
		if (!f || fread(rnd, 1, sizeof(rnd), f) != sizeof(rnd))
			memset(rnd, 0, sizeof(rnd));
		if (f)
			fclose(f);
		digest_to_hex(rnd, sizeof(rnd), hex);
		name = xasprintf("%s-%s-run-%s", cp->plan->project, svc->name, hex);
	}
	struct eng_store es = cli_engine(o);
	autoptr(img_store) is = cli_store(o);
	struct berr *err = NULL;
	int st = is ? 0 : 125;
	/* the service's image pulled when missing and the project's networks and volumes made,
	 * as up would (Compose's run does) */
	json_t *one = json_pack("{s:b}", svc->name, 1);
	struct app_progress pr = {compose_progress, NULL};
	if (!st && (app_pull(is, cp->plan, one, NULL, &pr, &err) < 0 ||
		    app_resources(&es, cp->plan, &pr, &err) < 0))
		st = cli_fail(err, 1);
	json_decref(one);
	if (!st && app_container_create(&es, is, cp->plan, svc, &c, r->name ? r->name : name, 1,
					true, out_id, &err) < 0)
		st = cli_fail(err, 1);
	free(envv);
	json_decref(env);
	free(pubv);
	json_decref(pub);
	return st;
}

/* The service's dependencies up (as `compose up -d` of them), unless --no-deps. */
static int run_deps(struct cli_opts *o, struct compose_project *cp, const char *service)
{
	const struct app_service *svc = app_plan_service(cp->plan, service);
	json_t *sel = app_selected(cp->plan, (char *[]){(char *)service, NULL}, false, NULL);
	json_object_del(sel, service);
	const char **names = xcalloc(json_object_size(sel) + 1, sizeof(*names));
	size_t k = 0;
	const char *key;
	json_t *v;
	json_object_foreach(sel, key, v) names[k++] = key;
	struct app_up_opts uo = {.services = (char *const *)names,
				 .no_recreate = true,
				 .progress = {compose_progress, NULL}};
	struct eng_store es = cli_engine(o);
	autoptr(img_store) is = cli_store(o);
	struct berr *err = NULL;
	int st = is ? 0 : 125;
	if (!st && k && app_up(&es, is, cp->plan, &uo, &err) < 0)
		st = cli_fail(err, 1);
	if (!st && app_wait_deps(&es, cp->plan, svc, sel, &uo.progress, &err) < 0)
		st = cli_fail(err, 1);
	free(names);
	json_decref(sel);
	return st;
}

int compose_run(struct cli_opts *o, struct compose_opts *co, int argc, char **argv)
{
	struct run_over r = {0};
	bool no_deps = false;
	const struct flag flags[] = {
	    {"detach", 'd', FLAG_BOOL, &r.detach,
	     "Run container in background and print container ID"},
	    {"rm", 0, FLAG_BOOL, &r.rm, "Automatically remove the container when it exits"},
	    {"env", 'e', FLAG_LIST, &r.env, "Set environment variables", "stringArray"},
	    {"label", 'l', FLAG_LIST, &r.labels, "Add or override a label", "stringArray"},
	    {"publish", 'p', FLAG_LIST, &r.publish, "Publish a container's port(s) to the host",
	     "stringArray"},
	    {"entrypoint", 0, FLAG_STRING, &r.entrypoint, "Override the entrypoint of the image",
	     "string"},
	    {"name", 0, FLAG_STRING, &r.name, "Assign a name to the container", "string"},
	    {"no-deps", 0, FLAG_BOOL, &no_deps, "Don't start linked services"},
	    {"service-ports", 'P', FLAG_BOOL, &r.service_ports,
	     "Run command with all service's ports enabled and mapped to the host"},
	    {"no-TTY", 'T', FLAG_BOOL, &r.no_tty, "Disable pseudo-TTY allocation"},
	    {"user", 'u', FLAG_STRING, &r.user, "Run as specified username or uid", "string"},
	    {"workdir", 'w', FLAG_STRING, &r.workdir, "Working directory inside the container",
	     "string"},
	    {"interactive", 'i', FLAG_BOOL, &(bool){true}, "Keep STDIN open even if not attached"},
	    FLAG_END};
	const struct flag_cmd cmd = {"berth compose run",
				     "[OPTIONS] SERVICE [COMMAND] [ARGS...]",
				     "Run a one-off command on a service",
				     false,
				     FLAG_MIN_ARGS(1),
				     .cobra = true};
	autofree const char **pos = NULL;
	struct compose_project cp = {0};
	int st;
	if (!compose_open(co, &cmd, flags, argc, argv, &pos, &cp, &st)) {
		run_over_clear(&r);
		return st;
	}
	const struct app_service *svc = app_plan_service(cp.plan, pos[0]);
	if (!svc)
		st = cli_error(1, "no such service: %s", pos[0]);
	if (!st && !no_deps)
		st = run_deps(o, &cp, pos[0]);
	char id[65];
	if (!st)
		st = run_create(o, &cp, svc, &r, (char *const *)pos + 1, id);
	if (!st && r.detach) {
		struct eng_store es = cli_engine(o);
		struct berr *err = NULL;
		int sock = -1, status = 1;
		if (eng_monitor_start(&es, id, false, &sock, &status, &err) < 0)
			st = cli_fail(err, status);
		else
			printf("%s\n", id);
	} else if (!st) {
		st = cmd_start(o, 3, (char *[]){"-a", "-i", id, NULL});
	}
	compose_project_clear(&cp);
	run_over_clear(&r);
	return st;
}

int compose_top(struct cli_opts *o, struct compose_opts *co, int argc, char **argv)
{
	const struct flag flags[] = {FLAG_END};
	const struct flag_cmd cmd = {
	    "berth compose top", "[SERVICES...]", "Display the running processes", true,
	    FLAG_MIN_ARGS(0),    .cobra = true};
	autofree const char **pos = NULL;
	struct compose_project cp;
	int st;
	if (!compose_open(co, &cmd, flags, argc, argv, &pos, &cp, &st))
		return st;
	struct eng_store es = cli_engine(o);
	struct berr *err = NULL;
	json_t *all = compose_containers(&es, cp.plan, pos, true, &err);
	if (!all)
		st = cli_fail(err, 1);
	size_t i;
	json_t *c;
	json_array_foreach(all, i, c)
	{
		if (strcmp(str(c, "State"), "running"))
			continue;
		printf("%s\n", str(c, "Name"));
		fflush(stdout);
		int r = cmd_top(o, 1, (char *[]){(char *)str(c, "Id"), NULL});
		printf("\n");
		st = st ? st : r;
	}
	json_decref(all);
	compose_project_clear(&cp);
	return st;
}

int compose_port(struct cli_opts *o, struct compose_opts *co, int argc, char **argv)
{
	const char *proto = "tcp";
	long index = 1;
	const struct flag flags[] = {{"protocol", 0, FLAG_STRING, &proto, "tcp or udp", "string"},
				     {"index", 0, FLAG_INT, &index,
				      "Index of the container if service has multiple replicas",
				      "int"},
				     FLAG_END};
	const struct flag_cmd cmd = {"berth compose port",
				     "[OPTIONS] SERVICE PRIVATE_PORT",
				     "Print the public port for a port binding",
				     true,
				     FLAG_MIN_ARGS(2),
				     .cobra = true};
	autofree const char **pos = NULL;
	struct compose_project cp;
	int st;
	if (!compose_open(co, &cmd, flags, argc, argv, &pos, &cp, &st))
		return st;
	char id[65];
	st = service_container(o, &cp, pos[0], index, false, id);
	compose_project_clear(&cp);
	if (st)
		return st;
	autofree char *port = xasprintf("%s/%s", pos[1], proto);
	return cmd_port(o, 2, (char *[]){id, port, NULL});
}

int compose_pull(struct cli_opts *o, struct compose_opts *co, int argc, char **argv)
{
	bool quiet = false;
	const struct flag flags[] = {
	    {"quiet", 'q', FLAG_BOOL, &quiet, "Pull without printing progress information"},
	    {"ignore-pull-failures", 0, FLAG_BOOL, &(bool){0}, NULL},
	    FLAG_END};
	const struct flag_cmd cmd = {"berth compose pull",  "[OPTIONS] [SERVICE...]",
				     "Pull service images", true,
				     FLAG_MIN_ARGS(0),      .cobra = true};
	autofree const char **pos = NULL;
	struct compose_project cp;
	int st;
	if (!compose_open(co, &cmd, flags, argc, argv, &pos, &cp, &st))
		return st;
	struct berr *err = NULL;
	json_t *sel = app_selected(cp.plan, (char *const *)pos, true, &err);
	autoptr(img_store) is = sel ? cli_store(o) : NULL;
	struct app_progress pr = {quiet ? NULL : compose_progress, NULL};
	if (!sel)
		st = cli_fail(err, 1);
	else if (!is)
		st = 125;
	else if (app_pull(is, cp.plan, sel, "always", &pr, &err) < 0)
		st = cli_fail(err, 1);
	json_decref(sel);
	compose_project_clear(&cp);
	return st;
}

int compose_push(struct cli_opts *o, struct compose_opts *co, int argc, char **argv)
{
	bool quiet = false, ignore = false, deps = false;
	const struct flag flags[] = {
	    {"ignore-push-failures", 0, FLAG_BOOL, &ignore,
	     "Push what it can and ignores images with push failures"},
	    {"include-deps", 0, FLAG_BOOL, &deps,
	     "Also push images of services declared as dependencies"},
	    {"quiet", 'q', FLAG_BOOL, &quiet, "Push without printing progress information"},
	    FLAG_END};
	const struct flag_cmd cmd = {"berth compose push",  "[OPTIONS] [SERVICE...]",
				     "Push service images", true,
				     FLAG_MIN_ARGS(0),      .cobra = true};
	autofree const char **pos = NULL;
	struct compose_project cp;
	int st;
	if (!compose_open(co, &cmd, flags, argc, argv, &pos, &cp, &st))
		return st;
	struct berr *err = NULL;
	json_t *sel = app_selected(cp.plan, (char *const *)pos, !deps, &err);
	autoptr(img_store) is = sel ? cli_store(o) : NULL;
	struct app_progress pr = {quiet ? NULL : compose_progress, NULL};
	if (!sel)
		st = cli_fail(err, 1);
	else if (!is)
		st = 125;
	else if (app_push(is, cp.plan, sel, ignore, &pr, &err) < 0)
		st = cli_fail(err, 1);
	json_decref(sel);
	compose_project_clear(&cp);
	return st;
}

int compose_images(struct cli_opts *o, struct compose_opts *co, int argc, char **argv)
{
	bool quiet = false;
	const struct flag flags[] = {{"quiet", 'q', FLAG_BOOL, &quiet, "Only display IDs"},
				     FLAG_END};
	const struct flag_cmd cmd = {"berth compose images",
				     "[OPTIONS] [SERVICE...]",
				     "List images used by the created containers",
				     true,
				     FLAG_MIN_ARGS(0),
				     .cobra = true};
	autofree const char **pos = NULL;
	struct compose_project cp;
	int st;
	if (!compose_open(co, &cmd, flags, argc, argv, &pos, &cp, &st))
		return st;
	struct eng_store es = cli_engine(o);
	struct berr *err = NULL;
	json_t *all = compose_containers(&es, cp.plan, pos, true, &err);
	if (!all)
		st = cli_fail(err, 1);
	if (!quiet && all)
		printf("%-20s  %-20s  %-10s  %-12s\n", "CONTAINER", "REPOSITORY", "TAG",
		       "IMAGE ID");
	size_t i;
	json_t *c;
	json_array_foreach(all, i, c)
	{
		json_t *rec = json_object_get(c, "Record");
		const char *image = str(rec, "ImageName"), *iid = str(rec, "Image");
		if (!strncmp(iid, "sha256:", 7))
			iid += 7;
		autofree char *repo = xstrdup(image);
		char *colon = strrchr(repo, ':');
		const char *tag = "latest";
		if (colon && !strchr(colon, '/')) {
			*colon = 0;
			tag = colon + 1;
		}
		if (quiet)
			printf("%s\n", iid);
		else
			printf("%-20s  %-20s  %-10s  %.12s\n", str(c, "Name"), repo, tag, iid);
	}
	json_decref(all);
	compose_project_clear(&cp);
	return st;
}
