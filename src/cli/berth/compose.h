/* berth compose's shared pieces: the project options every subcommand takes and the project
 * loaded from them, as a model and as a plan (app/plan.h). */
#ifndef BERTH_CLI_BERTH_COMPOSE_H
#define BERTH_CLI_BERTH_COMPOSE_H

#include "app/plan.h"
#include "cli/berth/berth.h"
#include "cli/berth/flags.h"
#include "compose/project.h"

struct compose_opts {
	struct flag_list files, env_files, profiles;
	const char *project_name;
};

struct compose_project {
	struct cmp_project *model;
	struct app_plan *plan;
};

/* Load the model and its plan; 0, or the exit status after printing why (14 no file, 15 a
 * file that is not valid or cannot be run). */
int compose_load(struct compose_opts *co, struct compose_project *out);
void compose_project_clear(struct compose_project *p);
/* A compose command's start: its flags parsed (the positionals, NULL-terminated, in *pos for
 * the caller to free) and the project loaded into cp; true to go on (*status 0), or false with
 * *status the exit status (0 after --help, or compose_load's) and nothing to clear. cp NULL:
 * the flags only (down, whose --rmi Compose v2 checks before the project, and whose -p alone
 * needs no file). A command checks its flags' values after this. */
bool compose_open(struct compose_opts *co, const struct flag_cmd *cmd, const struct flag *flags,
		  int argc, char **argv, const char ***pos, struct compose_project *cp,
		  int *status);
/* Progress lines as Compose v2 prints them without a terminal: " Container x  Started". */
void compose_progress(void *ctx, const char *kind, const char *name, const char *status);
/* 0, or 1 after printing "no such service: x" for the first of services (NULL-terminated)
 * that is not a service of the plan. */
int compose_check_services(const struct app_plan *p, const char *const *services);
/* The project's containers (app_containers) of the services named (NULL-terminated; none or
 * NULL: all of them), one-off containers left out unless oneoff; NULL on failure. */
json_t *compose_containers(const struct eng_store *es, const struct app_plan *p,
			   const char *const *services, bool oneoff, struct berr **err);

/* The loader's failure printed: exit 14 when no compose file is found, else 15. */
int compose_load_fail(struct berr *err);
/* Warnings printed to stderr as Compose's "WARN[0000] ...", each text once. */
void compose_warnings(json_t *w);
/* compose_config.c */
int compose_config(struct compose_opts *co, int argc, char **argv);
/* compose_up.c */
int compose_up(struct cli_opts *o, struct compose_opts *co, int argc, char **argv);
int compose_down(struct cli_opts *o, struct compose_opts *co, int argc, char **argv);
int compose_build(struct cli_opts *o, struct compose_opts *co, int argc, char **argv);
/* compose_ops.c */
int compose_ps(struct cli_opts *o, struct compose_opts *co, int argc, char **argv);
int compose_logs(struct cli_opts *o, struct compose_opts *co, int argc, char **argv);
int compose_ls(struct cli_opts *o, struct compose_opts *co, int argc, char **argv);
int compose_simple(struct cli_opts *o, struct compose_opts *co, const char *what, int argc,
		   char **argv);
/* compose_run.c */
int compose_exec(struct cli_opts *o, struct compose_opts *co, int argc, char **argv);
int compose_run(struct cli_opts *o, struct compose_opts *co, int argc, char **argv);
int compose_top(struct cli_opts *o, struct compose_opts *co, int argc, char **argv);
int compose_port(struct cli_opts *o, struct compose_opts *co, int argc, char **argv);
int compose_pull(struct cli_opts *o, struct compose_opts *co, int argc, char **argv);
int compose_push(struct cli_opts *o, struct compose_opts *co, int argc, char **argv);
int compose_images(struct cli_opts *o, struct compose_opts *co, int argc, char **argv);
/* How compose_follow shows the logs. */
struct compose_follow_opts {
	bool follow, timestamps;
	bool prefix;        /* "web-1  | " before each line */
	bool color;         /* the prefixes coloured, a colour per container (compose_color()) */
	long tail;          /* -1: all */
	volatile int *stop; /* set by a signal handler, asked between reads; or NULL */
};
/* Follow the containers' logs, each line prefixed "web-1  | " (compose_logs.c). */
int compose_follow(struct cli_opts *o, json_t *containers, const struct compose_follow_opts *fo);
/* Whether the prefixes are coloured, as Compose v2 decides: stdout a terminal, no --no-color,
 * NO_COLOR unset or empty. */
bool compose_color(bool no_color);

#endif
