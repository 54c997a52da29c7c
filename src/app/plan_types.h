/* What a plan (plan.h) is made of: the project's networks and volumes, per service the
 * eng_create options and what goes with them, and Compose v2's label names. In a header of its
 * own so that the rooms that fill a plan's parts (service.c, files.c) need not include
 * plan.h, whose plan.c calls them. */
#ifndef BERTH_APP_PLAN_TYPES_H
#define BERTH_APP_PLAN_TYPES_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/create.h"
#include "engine/network.h"

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

#endif
