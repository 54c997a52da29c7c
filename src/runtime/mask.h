/* What the container must not see or change once its root is entered: masked paths, read-only
 * paths, a read-only root. */
#ifndef BERTH_RUNTIME_MASK_H
#define BERTH_RUNTIME_MASK_H

#include "runtime/spec.h"

struct berr;

/* After pivot_root, in the container's mount namespace: linux.maskedPaths (a file gets the
 * container's /dev/null bound over it, a directory an empty read-only tmpfs),
 * linux.readonlyPaths (a read-only copy of the mount tree there), root.readonly. */
int rt_mask_apply(const struct rt_spec *spec, struct berr **err);

#endif
