/* The copies of image layers with their owners shifted (image/layer_chown.h) that containers
 * with a user namespace use where the store's file system takes no idmapped mount: the mapping
 * a container's record gives, and which copies no container uses any more (removed then: at a
 * container's removal and by system prune). */
#ifndef BERTH_ENGINE_LAYER_COPIES_H
#define BERTH_ENGINE_LAYER_COPIES_H

#include <jansson.h>

struct berr;
struct eng_store;
struct idshift;

/* The record's HostConfig.IDMappings as the container's → host shift, in one allocation (the
 * caller frees it); NULL when there are none or they do not parse. */
struct idshift *eng_layer_copies_shift(json_t *maps);
/* Remove the copies whose layer and mapping no container's record names. */
int eng_layer_copies_prune(const struct eng_store *s, struct berr **err);

#endif
