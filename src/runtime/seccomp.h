/* linux.seccomp → a libseccomp filter (built before clone so errors surface at create), loaded
 * in the container's init; SCMP_ACT_NOTIFY's listener fd goes to listenerPath. */
#ifndef BERTH_RUNTIME_SECCOMP_H
#define BERTH_RUNTIME_SECCOMP_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct berr;
struct sock_filter;

#define RT_SECCOMP_INSNS_MAX 4096 /* BPF_MAXINSNS */

struct rt_seccomp {
	void *ctx;                 /* scmp_filter_ctx while compiling, then NULL */
	struct sock_filter *insns; /* the program the child loads */
	size_t n_insns;
	char *listener_path;
	char *listener_metadata;
	bool notify;         /* some rule (or the default) is SCMP_ACT_NOTIFY */
	unsigned int kflags; /* the config's flags as the kernel spells them */
};

/* Compiled by libseccomp, or taken from cache_dir (NULL: no cache) where the same config was
 * compiled before: libseccomp takes 8 ms for Docker-sized allowlists, a tenth of a container
 * start (seccomp_cache.c). */
struct rt_seccomp *rt_seccomp_build(json_t *seccomp, const char *cache_dir, struct berr **err);
/* Load the filter. With a listenerPath, *notify_fd gets the notify fd (also when no rule
 * notifies, as crun does: the agent learns of the container either way), else -1. */
int rt_seccomp_load(struct rt_seccomp *sc, int *notify_fd, struct berr **err);
/* Runtime side: connect to listenerPath (a path of the runtime's mount namespace) and send
 * the notify fd with the container process state (runtime spec "containerProcessState");
 * pid is the process the filter is on, as the runtime sees it. */
int rt_seccomp_send_listener(const struct rt_seccomp *sc, int notify_fd, pid_t pid,
			     const char *state_json, struct berr **err);
void rt_seccomp_free(struct rt_seccomp *sc);

/* The cache (seccomp_cache.c): key is the SHA-256 of build_id and the config (without its
 * listener fields); get fills a new *out (program, notify, kflags) or fails; put is best
 * effort. */
void rt_seccomp_cache_key(json_t *seccomp, const char *build_id, char out_hex[65]);
int rt_seccomp_cache_get(const char *dir, const char *key, struct rt_seccomp **out);
void rt_seccomp_cache_put(const char *dir, const char *key, const struct rt_seccomp *sc);

#endif
