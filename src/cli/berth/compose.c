/* berth compose: the project's options (-f, -p, --env-file, --profile), the project loaded
 * from them, and the command table. `config` is in compose_config.c, up and down in
 * compose_up.c, the commands on existing containers in compose_ops.c. Exit statuses as
 * Compose v2's: 14 when no compose file is found, 15 for a file that is not valid. */
#include "cli/berth/compose.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/project.h"
#include "compose/yaml.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/json.h"
#include "util/xalloc.h"

int compose_load_fail(struct berr *err)
{
	return cli_fail(err, berr_code(err) == ENOENT ? 14 : 15);
}

void compose_warnings(json_t *w)
{
	json_t *seen = json_object();
	size_t i;
	json_t *s;
	json_array_foreach(w, i, s)
	{
		if (json_object_get(seen, json_string_value(s)))
			continue;
		json_object_set_new(seen, json_string_value(s), json_true());
		fprintf(stderr, "WARN[0000] %s\n", json_string_value(s));
	}
	json_decref(seen);
}

void compose_progress(void *ctx, const char *kind, const char *name, const char *status)
{
	if (!strcmp(kind, "WARN"))
		fprintf(stderr, "WARN[0000] %s\n", name);
	else
		fprintf(stderr, " %s %s  %s\n", kind, name, status);
}

int compose_check_services(const struct app_plan *p, const char *const *services)
{
	for (size_t i = 0; services && services[i]; i++)
		if (!app_plan_service(p, services[i]))
			return cli_error(1, "no such service: %s", services[i]);
	return 0;
}

json_t *compose_containers(const struct eng_store *es, const struct app_plan *p,
			   const char *const *services, bool oneoff, struct berr **err)
{
	json_t *all = app_containers(es, p->project, err);
	if (!all)
		return NULL;
	json_t *sel = json_array();
	size_t i;
	json_t *c;
	json_array_foreach(all, i, c)
	{
		const char *svc = json_string_value(json_object_get(c, "Service"));
		bool named = !services || !services[0];
		for (size_t k = 0; services && services[k]; k++)
			named = named || !strcmp(services[k], svc ? svc : "");
		if (named && (oneoff || !json_is_true(json_object_get(c, "OneOff"))))
			json_array_append(sel, c);
	}
	json_decref(all);
	return sel;
}

/* The files, absolute, for the config_files label: those of -f, or the one found in the
 * project directory (with its override), as compose/project.c looks for them. */
static char **config_files(struct compose_opts *co, const char *dir)
{
	static const char *const names[] = {"compose.yaml", "compose.yml", "docker-compose.yml",
					    "docker-compose.yaml"};
	static const char *const over[] = {"compose.override.yaml", "compose.override.yml",
					   "docker-compose.override.yml",
					   "docker-compose.override.yaml"};
	char **v = xcalloc((size_t)co->files.n + 3, sizeof(*v));
	int n = 0;
	autofree char *cwd = getcwd(NULL, 0);
	for (int i = 0; i < co->files.n; i++)
		v[n++] = co->files.v[i][0] == '/' || !cwd ? xstrdup(co->files.v[i])
							  : xasprintf("%s/%s", cwd, co->files.v[i]);
	for (size_t i = 0; co->files.n == 0 && i < 4 && n == 0; i++) {
		char *p = xasprintf("%s/%s", dir, names[i]);
		if (access(p, F_OK) == 0)
			v[n++] = p;
		else
			free(p);
	}
	for (size_t i = 0; co->files.n == 0 && n == 1 && i < 4; i++) {
		char *p = xasprintf("%s/%s", dir, over[i]);
		if (access(p, F_OK) == 0)
			v[n++] = p;
		else
			free(p);
	}
	return v;
}

int compose_load(struct compose_opts *co, struct compose_project *out)
{
	struct cmp_options o = {
	    .files = co->files.v,
	    .project_name = co->project_name,
	    .env_files = co->env_files.v,
	    .profiles = co->profiles.v,
	};
	struct berr *err = NULL;
	*out = (struct compose_project){0};
	if (cmp_project_load(&o, &out->model, &err) < 0)
		return compose_load_fail(err);
	compose_warnings(out->model->warnings);
	char **files = config_files(co, out->model->dir);
	struct app_plan_opts po = {.workdir = out->model->dir,
				   .config_files = (const char *const *)files,
				   .environment = out->model->environment};
	int r = app_plan_make(out->model->model, &po, &out->plan, &err);
	strv_free(files);
	if (r < 0) {
		compose_project_clear(out);
		return cli_fail(err, 15);
	}
	compose_warnings(out->plan->warnings);
	return 0;
}

bool compose_open(struct compose_opts *co, const struct flag_cmd *cmd, const struct flag *flags,
		  int argc, char **argv, const char ***pos, struct compose_project *cp, int *status)
{
	int n = flags_parse(cmd, flags, argc, argv, pos);
	*status = n < 0 ? flags_status(n) : cp ? compose_load(co, cp) : 0;
	return n >= 0 && *status == 0;
}

void compose_project_clear(struct compose_project *p)
{
	app_plan_free(p->plan);
	cmp_project_free(p->model);
	*p = (struct compose_project){0};
}

static int compose_start(struct cli_opts *o, struct compose_opts *co, int argc, char **argv)
{
	return compose_simple(o, co, "start", argc, argv);
}
static int compose_stop(struct cli_opts *o, struct compose_opts *co, int argc, char **argv)
{
	return compose_simple(o, co, "stop", argc, argv);
}
static int compose_restart(struct cli_opts *o, struct compose_opts *co, int argc, char **argv)
{
	return compose_simple(o, co, "restart", argc, argv);
}
static int compose_kill(struct cli_opts *o, struct compose_opts *co, int argc, char **argv)
{
	return compose_simple(o, co, "kill", argc, argv);
}
static int compose_rm(struct cli_opts *o, struct compose_opts *co, int argc, char **argv)
{
	return compose_simple(o, co, "rm", argc, argv);
}
static int compose_pause(struct cli_opts *o, struct compose_opts *co, int argc, char **argv)
{
	return compose_simple(o, co, "pause", argc, argv);
}
static int compose_unpause(struct cli_opts *o, struct compose_opts *co, int argc, char **argv)
{
	return compose_simple(o, co, "unpause", argc, argv);
}
static int config_cmd(struct cli_opts *o, struct compose_opts *co, int argc, char **argv)
{
	return compose_config(co, argc, argv);
}

static const struct {
	const char *name, *summary;
	int (*run)(struct cli_opts *o, struct compose_opts *co, int argc, char **argv);
} commands[] = {
    {"build", "Build or rebuild services", compose_build},
    {"config", "Parse, resolve and render compose file in canonical format", config_cmd},
    {"down", "Stop and remove containers, networks", compose_down},
    {"exec", "Execute a command in a running container", compose_exec},
    {"images", "List images used by the created containers", compose_images},
    {"kill", "Force stop service containers", compose_kill},
    {"logs", "View output from containers", compose_logs},
    {"ls", "List running compose projects", compose_ls},
    {"pause", "Pause services", compose_pause},
    {"port", "Print the public port for a port binding", compose_port},
    {"ps", "List containers", compose_ps},
    {"pull", "Pull service images", compose_pull},
    {"push", "Push service images", compose_push},
    {"restart", "Restart service containers", compose_restart},
    {"rm", "Removes stopped service containers", compose_rm},
    {"run", "Run a one-off command on a service", compose_run},
    {"start", "Start services", compose_start},
    {"stop", "Stop services", compose_stop},
    {"top", "Display the running processes", compose_top},
    {"unpause", "Unpause services", compose_unpause},
    {"up", "Create and start containers", compose_up},
    {NULL, NULL, NULL}};

static void usage(FILE *f)
{
	fprintf(f, "\nUsage:  berth compose [OPTIONS] COMMAND\n\n"
		   "Define and run multi-container applications (the Compose Specification)\n\n"
		   "Options:\n"
		   "      --env-file stringArray  Specify an alternate environment file\n"
		   "  -f, --file stringArray      Compose configuration files\n"
		   "  -p, --project-name string   Project name\n"
		   "      --profile stringArray   Specify a profile to enable\n"
		   "\nCommands:\n");
	for (size_t i = 0; commands[i].name; i++)
		fprintf(f, "  %-10s  %s\n", commands[i].name, commands[i].summary);
}

int cmd_compose(struct cli_opts *o, int argc, char **argv)
{
	struct compose_opts co = {0};
	const struct flag flags[] = {
	    {"file", 'f', FLAG_LIST, &co.files, "Compose configuration files", "stringArray"},
	    {"project-name", 'p', FLAG_STRING, &co.project_name, "Project name", "string"},
	    {"env-file", 0, FLAG_LIST, &co.env_files, "Specify an alternate environment file",
	     "stringArray"},
	    {"profile", 0, FLAG_LIST, &co.profiles, "Specify a profile to enable", "stringArray"},
	    FLAG_END};
	const struct flag_cmd cmd = {
	    "berth compose", "[OPTIONS] COMMAND", "Define and run multi-container applications",
	    false,           FLAG_MIN_ARGS(0),    .cobra = true};
	autofree const char **pos = NULL;
	int n = flags_parse(&cmd, flags, argc, argv, &pos);
	int status;
	/* as Compose v2: no command is its help (exit 0), an unknown one the help and exit 1 */
	if (n < 0) {
		status = flags_status(n);
	} else if (n == 0) {
		usage(stdout);
		status = 0;
	} else {
		size_t i = 0;
		while (commands[i].name && strcmp(commands[i].name, pos[0]))
			i++;
		if (commands[i].name) {
			status = commands[i].run(o, &co, n - 1, (char **)pos + 1);
		} else {
			usage(stdout);
			status = cli_error(1, "unknown berth command: \"compose %s\"", pos[0]);
		}
	}
	flag_list_free(&co.files);
	flag_list_free(&co.env_files);
	flag_list_free(&co.profiles);
	return status;
}
