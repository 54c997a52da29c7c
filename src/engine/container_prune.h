/* Docker's container prune for both front ends (`berth container prune`, the API's POST
 * /containers/prune): every container that does not run, chosen by the filters dockerd's
 * prune takes (util/filter.h's map): until (a time, unix seconds or a Go duration back from
 * now: what was created before it), label (all required) and label! (left when it has
 * them). */
#ifndef BERTH_ENGINE_CONTAINER_PRUNE_H
#define BERTH_ENGINE_CONTAINER_PRUNE_H

#include <jansson.h>
#include <stdint.h>

#include "engine/container.h"

struct berr;

/* Check the filters before anything goes: EINVAL "invalid filter 'KEY'" for another key,
 * "failed to parse value as time or duration: \"V\"" for a bad until. */
int eng_container_prune_check(json_t *filters, struct berr **err);
/* Remove the containers that do not run and pass the (checked) filters: their ids appended
 * to out_deleted, their own bytes (SizeRw) added to *out_bytes. One that cannot be removed
 * is left and the others still go; the first such error is returned at the end. */
int eng_container_prune(const struct eng_store *s, json_t *filters, json_t *out_deleted,
			uint64_t *out_bytes, struct berr **err);

/* Docker's GetTimestamp as prune's until reads it, in seconds since the epoch: RFC 3339 (or a
 * date), unix seconds ("1700000000.5"), or a Go duration ("90m", "1h30m") back from now.
 * -1 when unreadable (for tests). */
double eng_prune_until(const char *value, time_t now);

#endif
