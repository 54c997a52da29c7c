/* linux.seccomp → a libseccomp filter (built before clone so errors surface at create), loaded
 * in the container's init; SCMP_ACT_NOTIFY's listener fd goes to listenerPath. */
#ifndef BERTH_RUNTIME_SECCOMP_H
#define BERTH_RUNTIME_SECCOMP_H

#include <jansson.h>
#include <stdbool.h>

struct berr;

struct rt_seccomp {
	void *ctx; /* scmp_filter_ctx */
	char *listener_path;
	char *listener_metadata;
	bool notify;
};

struct rt_seccomp *rt_seccomp_build(json_t *seccomp, struct berr **err);
/* Load the filter; with a listener, send its fd and state_json to listener_path. */
int rt_seccomp_load(struct rt_seccomp *sc, const char *state_json, struct berr **err);
void rt_seccomp_free(struct rt_seccomp *sc);

#endif
