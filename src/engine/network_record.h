/* Network records and their leases on disk (engine/network.h says where), for the network
 * files only: network.c (records, create), network_lease.c (addresses), network_remove.c. The
 * networks lock (eng_network_lock) is the caller's to hold for a change. */
#ifndef BERTH_ENGINE_NETWORK_RECORD_H
#define BERTH_ENGINE_NETWORK_RECORD_H

#include <jansson.h>

#include "engine/store.h"

struct berr;

/* <root>/networks/<id>/<file>, or the directory when file is NULL (caller frees). */
char *eng_network_path(const struct eng_store *s, const char *id, const char *file);
/* network.json of id, or NULL. */
json_t *eng_network_read(const struct eng_store *s, const char *id);
/* Every record, in no order (an array, caller frees). */
json_t *eng_network_all(const struct eng_store *s);
/* By name, full id or unique id prefix, or NULL. */
json_t *eng_network_find(const struct eng_store *s, const char *ref);
int eng_network_write(const struct eng_store *s, json_t *net, struct berr **err);
/* leases.json of id ({} when there is none). */
json_t *eng_network_leases(const struct eng_store *s, const char *id);
int eng_network_leases_write(const struct eng_store *s, const char *id, json_t *leases,
			     struct berr **err);

#endif
