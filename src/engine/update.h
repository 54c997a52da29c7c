/* Changing a container's limits and restart policy after its create, for both front ends
 * (`berth update`, the API's POST /containers/{id}/update): the request is Docker's
 * UpdateConfig, whose names are HostConfig's (Memory, MemorySwap, CpuShares, CpuQuota,
 * CpuPeriod, NanoCpus, CpusetCpus, CpusetMems, PidsLimit, RestartPolicy), checked as dockerd
 * checks them, written into the record (a restart keeps them) and, when the container runs,
 * into its cgroup. */
#ifndef BERTH_ENGINE_UPDATE_H
#define BERTH_ENGINE_UPDATE_H

#include <jansson.h>

#include "engine/container.h"

struct berr;

/* Apply changes (an UpdateConfig object: a number 0, an empty string, a null or missing key,
 * a RestartPolicy without Name leave that setting as it is; PidsLimit <= 0 is unlimited) to
 * container id (resolved). EINVAL with dockerd's text for a bad value (nothing changed),
 * EBUSY for one that conflicts with what is set (NanoCpus against CpuQuota/CpuPeriod, a
 * Memory above the swap limit, a restart policy with AutoRemove). */
int eng_container_update(const struct eng_store *s, const char *id, json_t *changes,
			 struct berr **err);

#endif
