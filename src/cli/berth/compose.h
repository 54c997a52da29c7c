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
/* Progress lines as Compose v2 prints them without a terminal: " Container x  Started". */
void compose_progress(void *ctx, const char *kind, const char *name, const char *status);

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
int compose_images(struct cli_opts *o, struct compose_opts *co, int argc, char **argv);
/* Follow the containers' logs, each line prefixed "name  | " (compose_logs.c). stop: set by a
 * signal handler, asked between reads. */
int compose_follow(struct cli_opts *o, json_t *containers, bool follow, long tail, bool timestamps,
		   bool prefix, volatile int *stop);

#endif
