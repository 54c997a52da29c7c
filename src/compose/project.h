/* A Compose project: compose files turned into one checked, normalized model (the Compose
 * Specification, behaving as Docker Compose v2), which `berth compose config` prints and which
 * up/down/ps/logs will execute. Deciding, not doing: nothing here touches containers, images,
 * networks or volumes, and nothing under engine/ depends on this room. */
#ifndef BERTH_COMPOSE_PROJECT_H
#define BERTH_COMPOSE_PROJECT_H

#include <jansson.h>
#include <stdbool.h>

struct berr;

struct cmp_options {
	const char *const *files;     /* -f, NULL-terminated; NULL or empty: COMPOSE_FILE, then
					 compose.yaml, compose.yml, docker-compose.yml,
					 docker-compose.yaml in workdir (+ its override file) */
	const char *project_name;     /* -p */
	const char *const *env_files; /* --env-file (instead of the project directory's .env) */
	const char *const *profiles;  /* --profile */
	const char *workdir;          /* NULL: the current directory */
	char *const *environ;         /* NULL: the process's */
	const char *const *services;  /* named on the command line (config SERVICE...): their
					 profiles active too, as compose-go's WithServicesEnabled */
	/* config's switches, as compose-go's loader options of the same names */
	bool no_interpolate;     /* values as written (WithInterpolation(false)) */
	bool no_normalize;       /* no implicit depends_on, default network, resource names */
	bool no_path_resolution; /* relative paths as written (WithResolvedPaths(false)) */
	bool no_consistency;     /* references, cycles, container names not checked */
	bool no_env_resolution;  /* env_file kept, not read into environment */
	json_t *variables;       /* config --variables: only the files' variables into it (the
				    files read as written, with their includes; name, profiles
				    and the checks left out) */
};

struct cmp_project {
	char *name;          /* "myapp" */
	char *dir;           /* the project directory (absolute) */
	json_t *model;       /* {name, services, networks, volumes, secrets, configs, x-...} */
	json_t *profiles;    /* every profile any service names, sorted */
	json_t *warnings;    /* strings to show the user ("The "X" variable is not set...") */
	json_t *pos;         /* dotted path → "file:line" */
	json_t *environment; /* the project's variables (the process's, over .env or --env-file):
			      * what interpolation saw, and what secrets and configs with an
			      * `environment:` source read, as Compose v2's project.Environment */
};

/* Load, merge, interpolate, normalize and check. Errors: ENOENT when no compose file is found
 * or one named cannot be read; EINVAL (messages "file:line: path: what") for a file that is
 * not valid. */
int cmp_project_load(const struct cmp_options *o, struct cmp_project **out, struct berr **err);
void cmp_project_free(struct cmp_project *p);

/* Only the services named and those they depend on, with what they use (compose-go's
 * WithSelectedServices, then WithoutUnnecessaryResources): `config SERVICE...`. ENOENT "no
 * such service: x", p unchanged. */
int cmp_project_select(struct cmp_project *p, const char *const *services, struct berr **err);
/* The services' names, each after those it depends on (a walk in name order, compose-go's
 * ForEachService), as `config --services` lists them. */
json_t *cmp_project_service_order(const struct cmp_project *p);

/* "My App" → "myapp": lower case, only [a-z0-9_-], as Compose names a project after its
 * directory (caller frees). */
char *cmp_project_name_normalize(const char *s);

#endif
