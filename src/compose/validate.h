/* What needs the whole merged project (see compose/project.c's header): defaults, references
 * checked, names scoped, resources no service uses left out, keys in Compose's order. */
#ifndef BERTH_COMPOSE_VALIDATE_H
#define BERTH_COMPOSE_VALIDATE_H

#include <jansson.h>

struct berr;

/* config's switches (compose-go's loader options) */
enum {
	CMP_NO_NORMALIZE = 1 << 0,      /* no implicit depends_on, default network, names */
	CMP_NO_CONSISTENCY = 1 << 1,    /* no reference, cycle or container_name checks */
	CMP_NO_ENV_RESOLUTION = 1 << 2, /* env_file kept, environment's bare names kept */
};

/* model: the merged files with the active profiles' services; name: the project's; vars:
 * the variables (process environment over .env) that fill `environment: [NAME]`; flags:
 * CMP_NO_*. model is replaced in place by the normalized project. */
int cmp_finalize(json_t *model, const char *name, json_t *vars, json_t *pos, unsigned flags,
		 struct berr **err);
/* The networks, volumes, secrets and configs no service of model uses left out (compose-go's
 * WithoutUnnecessaryResources), an emptied section with them. */
void cmp_drop_unused(json_t *model);

#endif
