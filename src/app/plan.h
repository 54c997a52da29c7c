/* An application: a Compose project's model (compose/project.h, the document `berth compose
 * config --format json` prints) made into a plan of the engine's objects, deciding only:
 * the networks and volumes it names, and per service, in dependency order, the options of
 * eng_create every one of its containers is made with, the replicas, the config hash that
 * says whether a container is current. Doing is up.c's and down.c's. Compose v2's names and
 * labels (com.docker.compose.*), so that its objects are found again by label, never by name. */
#ifndef BERTH_APP_PLAN_H
#define BERTH_APP_PLAN_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/create.h"
#include "engine/network.h"

struct berr;

#define APP_LABEL_PROJECT    "com.docker.compose.project"
#define APP_LABEL_SERVICE    "com.docker.compose.service"
#define APP_LABEL_NUMBER     "com.docker.compose.container-number"
#define APP_LABEL_ONEOFF     "com.docker.compose.oneoff"
#define APP_LABEL_HASH       "com.docker.compose.config-hash"
#define APP_LABEL_WORKDIR    "com.docker.compose.project.working_dir"
#define APP_LABEL_FILES      "com.docker.compose.project.config_files"
#define APP_LABEL_NETWORK    "com.docker.compose.network"
#define APP_LABEL_VOLUME     "com.docker.compose.volume"
#define APP_LABEL_DEPENDS_ON "com.docker.compose.depends_on"

/* A network or a volume of the project. */
struct app_resource {
	const char *key;  /* its key in the model ("default", "data") */
	const char *name; /* the engine's name ("myapp_default") */
	bool external;    /* never created nor removed by us */
	struct eng_network_opts net;
	char *const *labels; /* "k=v", with the project's */
};

/* A network the container joins after the first (connected before it starts). */
struct app_attach {
	const char *name;
	const char *ip;
	char *const *aliases;
};

/* A secret's or config's file that is copied into each container after it is made (a source
 * of environment: or content:, as Compose v2's injectSecrets/injectConfigs); a file: source is
 * a bind among c.mounts instead. */
struct app_file {
	const char *kind;    /* "secret" or "config" */
	const char *source;  /* its key in the model */
	const char *target;  /* absolute, clean ("/run/secrets/token") */
	const char *content; /* len bytes */
	size_t len;
	uint32_t mode, uid, gid;
};

struct app_service {
	const char *name;
	const char *image; /* image:, else "<project>-<service>" when it is built */
	json_t *build;     /* the build section, or NULL */
	char hash[65];     /* sha256 of the service's config, replicas left out */
	int replicas;      /* deploy.replicas / scale (1) */
	const char *container_name;
	const char *pull_policy;     /* "missing", "always", "never" */
	const char *network_service; /* network_mode "service:x": x */
	json_t *depends_on;          /* {svc: {condition, required, restart}} */
	bool init, vm;               /* up fills init_path, vm_init_path */
	struct eng_create c;         /* all but the name and the per-container labels */
	struct app_attach *attach;   /* further networks */
	size_t n_attach;
	struct app_file *files; /* copied in after create (files.h) */
	size_t n_files;
	char *const *labels; /* the user's and the project's, not the number */
	/* what the pointers above point into */
	json_t *keep;
	char ***vecs;
	size_t n_vecs;
};

struct app_plan {
	const char *project;
	char *workdir, *config_files;
	json_t *model;
	struct app_resource *networks, *volumes;
	size_t n_networks, n_volumes;
	struct app_service *services; /* dependencies first */
	size_t n_services;
	json_t *warnings;    /* strings: fields carried on without effect */
	json_t *keep;        /* what the resources point into */
	json_t *environment; /* the project's variables ({name: value}) */
};

struct app_plan_opts {
	const char *workdir;             /* the project directory (label) */
	const char *const *config_files; /* the files, for the label; may be NULL */
	json_t *environment; /* the project's variables (cmp_project's), which an environment:
			      * source of a secret or config reads; NULL: none */
};

/* model → plan. EINVAL naming the service and field for what cannot be done (an unknown
 * field, container_name with replicas, a driver other than bridge/local). */
int app_plan_make(json_t *model, const struct app_plan_opts *o, struct app_plan **out,
		  struct berr **err);
void app_plan_free(struct app_plan *p);

const struct app_service *app_plan_service(const struct app_plan *p, const char *name);
/* "<project>-<service>-<n>", or container_name (caller frees). */
char *app_container_name(const struct app_plan *p, const struct app_service *s, int number);
/* The service's labels plus container-number and oneoff (caller strv_free()s). */
char **app_container_labels(const struct app_service *s, int number, bool oneoff);

#endif
