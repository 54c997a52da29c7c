/* Capabilities: names, and applying the five sets of process.capabilities. */
#ifndef BERTH_RUNTIME_CAPS_H
#define BERTH_RUNTIME_CAPS_H

#include <stdint.h>

#include "runtime/spec.h"

struct berr;

/* Runtime spec 1.1: capabilities this process cannot grant (not in its own bounding set:
 * CAP_SYS_RESOURCE where root lacks it) are logged as warnings and left out of every set;
 * the container still runs. (Names no kernel knows are an error: spec.c.) */
void rt_caps_check(struct rt_process *p);

/* Drop from the bounding set everything not in caps[RT_CAP_BOUNDING]. Needs CAP_SETPCAP. */
int rt_caps_drop_bounding(const uint64_t caps[RT_CAP_SET_COUNT], struct berr **err);
/* Set effective/permitted/inheritable, then raise ambient. Called after the uid change. */
int rt_caps_apply(const uint64_t caps[RT_CAP_SET_COUNT], struct berr **err);

#endif
