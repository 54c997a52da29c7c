/* linux.seccomp → a libseccomp filter (built before clone so errors surface at create), loaded
 * in the container's init; SCMP_ACT_NOTIFY's listener fd goes to listenerPath. */
#ifndef BERTH_RUNTIME_SECCOMP_H
#define BERTH_RUNTIME_SECCOMP_H

#include <jansson.h>
#include <stdbool.h>
#include <sys/types.h>

struct berr;

struct rt_seccomp {
	void *ctx; /* scmp_filter_ctx */
	char *listener_path;
	char *listener_metadata;
	bool notify;         /* some rule (or the default) is SCMP_ACT_NOTIFY */
	unsigned int kflags; /* the config's flags as the kernel spells them */
};

struct rt_seccomp *rt_seccomp_build(json_t *seccomp, struct berr **err);
/* Load the filter. With a listenerPath, *notify_fd gets the notify fd (also when no rule
 * notifies, as crun does: the agent learns of the container either way), else -1. */
int rt_seccomp_load(struct rt_seccomp *sc, int *notify_fd, struct berr **err);
/* Runtime side: connect to listenerPath (a path of the runtime's mount namespace) and send
 * the notify fd with the container process state (runtime spec "containerProcessState");
 * pid is the process the filter is on, as the runtime sees it. */
int rt_seccomp_send_listener(const struct rt_seccomp *sc, int notify_fd, pid_t pid,
			     const char *state_json, struct berr **err);
void rt_seccomp_free(struct rt_seccomp *sc);

#endif
