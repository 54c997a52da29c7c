/* berth: shared state of the command line (the one struct cli_opts STYLE.md allows) and the
 * command table. Each command file holds the commands of one noun (image.c: images, rmi, tag,
 * ...). */
#ifndef BERTH_CLI_BERTH_H
#define BERTH_CLI_BERTH_H

#include <jansson.h>
#include <stdbool.h>

#include "engine/container.h"

struct berr;
struct img_store;

struct cli_opts {
	const char *root;    /* --root, BERTH_ROOT, /var/lib/berth */
	const char *runroot; /* --runroot, BERTH_RUNROOT, /run/berth */
	bool debug;
};

struct cli_command {
	const char *name;
	const char *summary;
	int (*run)(struct cli_opts *o, int argc, char **argv);
};

/* Print "berth: <err>" once and return status (1 for most commands, 125 for run/create). */
int cli_fail(struct berr *err, int status);
/* "berth: <message>" and status. */
int cli_error(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A command group (`image`, `container`, ...): run the subcommand argv[0] names, or print
 * the group's usage (125 for an unknown one). */
int cli_group(struct cli_opts *o, const char *group, const char *what,
	      const struct cli_command *sub, int argc, char **argv);
/* An rm of name done with r (its error in err): the name printed (Docker's output), or the
 * error printed, none with force for one that does not exist; 0, or 1 when it failed. */
int cli_rm_result(int r, struct berr *err, bool force, const char *name);
/* The engine's store for the command line's --root and --runroot. */
struct eng_store cli_engine(struct cli_opts *o);
/* The image store under the root (exit status 125 printed on failure: NULL). */
struct img_store *cli_store(struct cli_opts *o);

/* image.c */
int cmd_images(struct cli_opts *o, int argc, char **argv);
int cmd_rmi(struct cli_opts *o, int argc, char **argv);
int cmd_tag(struct cli_opts *o, int argc, char **argv);
int cmd_history(struct cli_opts *o, int argc, char **argv);
int cmd_image_inspect(struct cli_opts *o, int argc, char **argv);
int cmd_image_prune(struct cli_opts *o, int argc, char **argv);
int cmd_image_mount(struct cli_opts *o, int argc, char **argv);
int cmd_image_unmount(struct cli_opts *o, int argc, char **argv);
/* archive.c */
int cmd_save(struct cli_opts *o, int argc, char **argv);
int cmd_load(struct cli_opts *o, int argc, char **argv);
int cmd_import(struct cli_opts *o, int argc, char **argv);
/* registry.c */
int cmd_pull(struct cli_opts *o, int argc, char **argv);
int cmd_push(struct cli_opts *o, int argc, char **argv);
int cmd_login(struct cli_opts *o, int argc, char **argv);
int cmd_logout(struct cli_opts *o, int argc, char **argv);
/* container.c */
/* The image name names in the store, pulled by the policy pull ("missing", NULL; "always";
 * "never"); berth/default loaded from the built-in archive. */
int cli_image_present(struct img_store *is, const char *name, const char *pull, struct berr **err);
/* The container id's state says it runs. */
bool cli_running(struct eng_store *es, const char *id);
int cmd_run(struct cli_opts *o, int argc, char **argv);
int cmd_create(struct cli_opts *o, int argc, char **argv);
int cmd_start(struct cli_opts *o, int argc, char **argv);
int cmd_container_monitor(struct cli_opts *o, int argc, char **argv);
/* system.c */
int cmd_version(struct cli_opts *o, int argc, char **argv);
/* unshare.c */
int cmd_unshare(struct cli_opts *o, int argc, char **argv);
/* container_show.c */
int cmd_ps(struct cli_opts *o, int argc, char **argv);
/* The --filter KEY=VALUE list of ps and start --all as the engine's checked filter map
 * (eng_container_filter); 0, or the exit status after printing why not. */
struct flag_list;
int cli_container_filters(struct eng_store *es, const struct flag_list *list, json_t **out);
/* "0.0.0.0:8080->80/tcp, 443/tcp": a container summary's Ports as ps prints them, for berth ps
 * and compose ps (container_show.c). */
char *cli_ports_text(json_t *ports);
int cmd_inspect(struct cli_opts *o, int argc, char **argv);
int cmd_logs(struct cli_opts *o, int argc, char **argv);
int cmd_events(struct cli_opts *o, int argc, char **argv);
int cmd_wait(struct cli_opts *o, int argc, char **argv);
/* container_ops.c */
/* Each named container resolved and acted on (ctx passed on), its name as given printed when
 * print is set (Docker's output); a failure is printed and the others still run: 0, or 1 when
 * any failed. */
int cli_each_container(struct cli_opts *o, int n, const char **pos,
		       int (*act)(struct eng_store *es, const char *id, void *ctx,
				  struct berr **err),
		       void *ctx, bool print);
int cmd_stop(struct cli_opts *o, int argc, char **argv);
int cmd_restart(struct cli_opts *o, int argc, char **argv);
int cmd_kill(struct cli_opts *o, int argc, char **argv);
int cmd_rm(struct cli_opts *o, int argc, char **argv);
int cmd_rename(struct cli_opts *o, int argc, char **argv);
int cmd_exec(struct cli_opts *o, int argc, char **argv);
/* container_proc.c */
int cmd_attach(struct cli_opts *o, int argc, char **argv);
int cmd_pause(struct cli_opts *o, int argc, char **argv);
int cmd_unpause(struct cli_opts *o, int argc, char **argv);
int cmd_top(struct cli_opts *o, int argc, char **argv);
int cmd_stats(struct cli_opts *o, int argc, char **argv);
int cmd_port(struct cli_opts *o, int argc, char **argv);
int cmd_update(struct cli_opts *o, int argc, char **argv);
/* container_files.c */
int cmd_cp(struct cli_opts *o, int argc, char **argv);
int cmd_diff(struct cli_opts *o, int argc, char **argv);
int cmd_export(struct cli_opts *o, int argc, char **argv);
int cmd_commit(struct cli_opts *o, int argc, char **argv);
int cmd_container_prune(struct cli_opts *o, int argc, char **argv);
int cmd_container(struct cli_opts *o, int argc, char **argv);
/* system.c */
int cmd_info(struct cli_opts *o, int argc, char **argv);
int cmd_system(struct cli_opts *o, int argc, char **argv);
int cmd_system_service(struct cli_opts *o, int argc, char **argv);
/* volume.c */
int cmd_volume(struct cli_opts *o, int argc, char **argv);
int cmd_network(struct cli_opts *o, int argc, char **argv);
/* the `image` group */
int cmd_image(struct cli_opts *o, int argc, char **argv);
/* pod.c */
int cmd_pod(struct cli_opts *o, int argc, char **argv);
/* kube.c */
int cmd_kube(struct cli_opts *o, int argc, char **argv);
/* build.c */
int cmd_build(struct cli_opts *o, int argc, char **argv);
int cmd_builder(struct cli_opts *o, int argc, char **argv);
/* compose.c */
int cmd_compose(struct cli_opts *o, int argc, char **argv);

#endif
