/* One file's short syntax turned into the Compose Specification's long forms, before files
 * are merged (so that an override's `ports: ["80"]` meets its base's ports as the same kind of
 * record): ports, expose, volumes, depends_on, environment/labels/sysctls/args lists, env_file,
 * networks, secrets, configs, devices, command/entrypoint strings, build strings, healthcheck
 * test strings; relative paths made absolute against dir (the directory the file's paths are
 * relative to: the project's, or an extended or included file's own). Defaults that depend on
 * the whole project (the default network, project-scoped names) are compose/project.c's. */
#ifndef BERTH_COMPOSE_NORMALIZE_H
#define BERTH_COMPOSE_NORMALIZE_H

#include <jansson.h>
#include <stdbool.h>

struct berr;

/* The services, networks, volumes, secrets and configs of one file, in place (dir NULL:
 * relative paths left as written; raw: the file is not interpolated, and a port or volume
 * that holds a variable is left as written). */
int cmp_normalize_file(json_t *file, const char *dir, bool raw, json_t *pos, struct berr **err);

/* dir/path cleaned ("." and ".." resolved lexically, as Go's filepath.Join), or path itself
 * cleaned when absolute; "~" is $HOME. dir NULL: path as written (no resolution). */
char *cmp_abs_path(const char *dir, const char *path);

/* Words of a command string as compose-go's shellwords splits them (quotes, backslashes). */
int cmp_shell_split(const char *s, json_t **out, struct berr **err);

#endif
