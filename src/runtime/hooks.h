/* OCI hooks: each runs with the container state JSON on stdin (runtime spec, "POSIX-platform
 * Hooks"), its own args and env, and an optional timeout. */
#ifndef BERTH_RUNTIME_HOOKS_H
#define BERTH_RUNTIME_HOOKS_H

#include "runtime/spec.h"

struct berr;

/* Run every hook of one kind in order; the first failure stops and is returned. */
int rt_hooks_run(const struct rt_hooks *hooks, const char *kind_name, const char *state_json,
		 struct berr **err);

/* Run every hook of one kind; each failure is logged as a warning and the rest still run
 * (poststart and poststop, runtime spec "Lifecycle"). */
void rt_hooks_run_warn(const struct rt_hooks *hooks, const char *kind_name, const char *state_json);

#endif
