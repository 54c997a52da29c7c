/* The engine's store: its roots, and where a container's files are in it. Below container,
 * event, network and record_cache, which all name a store (docs/DESIGN.md "Containers"). */
#ifndef BERTH_ENGINE_STORE_H
#define BERTH_ENGINE_STORE_H

#include <stdbool.h>

#define ENG_ID_LEN 64

struct eng_record_cache;

struct eng_store {
	char *root;                       /* the engine's root (also the image store's) */
	char *runroot;                    /* runtime state, attach sockets: /run/berth */
	struct eng_record_cache *records; /* parsed records (engine/record_cache.h), or NULL */
};

/* <root>/containers/<id>/<file>, or the directory when file is NULL (caller frees). */
char *eng_container_path(const struct eng_store *s, const char *id, const char *file);

/* Docker's name rule for containers, networks and volumes: [a-zA-Z0-9][a-zA-Z0-9_.-]+ */
bool eng_name_valid(const char *name);

#endif
