/* The copies of image layers with their owners shifted (image/layer_chown.h) that containers
 * with a user namespace use where the store's file system takes no idmapped mount: the mapping
 * a container's record gives, and which copies no container uses any more (removed then: at a
 * container's removal, --rm's too, and by system prune). */
#ifndef BERTH_ENGINE_LAYER_COPIES_H
#define BERTH_ENGINE_LAYER_COPIES_H

#include <jansson.h>

struct berr;
struct eng_store;
struct idshift;

/* The record's HostConfig.IDMappings as the container's → host shift, in one allocation (the
 * caller frees it); NULL when there are none or they do not parse. */
struct idshift *eng_layer_copies_shift(json_t *maps);
/* Remove the copies whose layer and mapping no container's record names (at rm, at the end of
 * a --rm container, at each idmapped mount and at system prune). */
int eng_layer_copies_prune(const struct eng_store *s, struct berr **err);
/* Hold the copies (a shared flock on <root>/layers-chown.lock, which a prune takes exclusive)
 * while a container whose record is saved mounts its root from them: a prune that listed the
 * records before the container was created cannot remove a copy it is mounting. Returns the
 * fd to close once the overlay is mounted. */
int eng_layer_copies_hold(const struct eng_store *s, struct berr **err);

#endif
