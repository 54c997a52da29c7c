/* What a volume is, as Docker's documents show it: the Volume document (volume inspect,
 * /volumes/{name}, the items of /volumes), the list's filters and prune. Both front ends (the
 * command line's volume inspect, ls and prune, the API service) use these; only the printing
 * (tables, the prune report) is theirs. */
#ifndef BERTH_ENGINE_VOLUME_VIEW_H
#define BERTH_ENGINE_VOLUME_VIEW_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

struct berr;
struct eng_store;

/* Docker's Volume: Name, Driver, Mountpoint, CreatedAt, Labels, Scope, Options (the record
 * without berth's Anonymous mark); usage adds UsageData {Size, RefCount} (/system/df's).
 * ENOENT "no such volume: NAME". */
json_t *eng_volume_inspect(const struct eng_store *s, const char *name, bool usage,
			   struct berr **err);

/* The filters of /volumes and `volume ls --filter` (util/filter.h's map): dangling
 * (true|false|1|0), name (a part of it), label (all required), driver. EINVAL "invalid
 * filter 'KEY'" or "invalid filter 'dangling=V'". Call once before matching. */
int eng_volume_filter_check(json_t *filters, struct berr **err);
/* Whether the volume (its Volume document) passes every key of the checked filters. */
bool eng_volume_filter(const struct eng_store *s, json_t *filters, json_t *vol);

/* Remove the volumes no container uses (only anonymous ones unless all) for which match
 * (NULL: every one) says yes, given the Volume document; their names are appended to
 * out_deleted, the bytes their data held added to *out_bytes. A volume that cannot go is
 * left (as Docker's prune does). */
void eng_volume_prune(const struct eng_store *s, bool all, bool (*match)(void *ctx, json_t *vol),
		      void *ctx, json_t *out_deleted, uint64_t *out_bytes);

#endif
