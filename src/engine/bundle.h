/* From an image config and `run`/`create` options to the container's OCI config.json, with
 * the defaults a Docker user relies on: Docker's capability set, masked and read-only /proc
 * paths, /dev, /dev/shm, /dev/mqueue, a private /sys, /etc/hosts, /etc/hostname and
 * /etc/resolv.conf made for the container, the image's Env/Cmd/Entrypoint/WorkingDir/User.
 * Deciding (eng_bundle_spec: options + image → JSON) is kept apart from doing (writing the
 * files), so the decisions are unit-tested. */
#ifndef BERTH_ENGINE_BUNDLE_H
#define BERTH_ENGINE_BUNDLE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

struct berr;
struct img_config;
struct eng_user;

struct eng_run_opts {
	char *const *cmd;             /* the command after the image, or NULL for the image's Cmd */
	const char *entrypoint;       /* --entrypoint: "" clears the image's; NULL keeps it */
	char *const *entrypoint_rest; /* the API's Entrypoint: its words after the first */
	char *const *env; /* -e and --env-file, "K=V" (a bare "K" takes the caller's value) */
	const char *workdir, *user, *hostname;
	bool tty, interactive, read_only, privileged, no_new_privileges;
	unsigned console_rows, console_cols; /* -t: the terminal's size at create, or 0 */
	const char *network;                 /* "none" (the default until networks land), "host" */
	int64_t memory, memory_swap, pids_limit, cpu_shares, shm_size;
	double cpus;
	const char *cpuset_cpus;
	char *const *cap_add, *const *cap_drop;
	char *const *ulimits;  /* "nofile=1024:2048" */
	char *const *sysctls;  /* "net.ipv4.ip_forward=1" */
	char *const *labels;   /* "k=v" */
	bool init;             /* --init: a reaper as PID 1 */
	const char *init_path; /* the reaper inside the container (a bind of ours) */
	const char *stop_signal;
	const char *seccomp;  /* NULL: berth's default; "unconfined"; or a profile file */
	char *const *devices; /* --device HOST[:CONTAINER][:PERMISSIONS] */
	json_t *idmappings;   /* HostConfig.IDMappings (userns.h), or NULL: no user namespace */
	bool systemd;         /* systemd mode (engine/systemd.h: Config.SystemdMode) */
	bool vm;              /* --isolation vm (HostConfig.Isolation): systemd mode is a VM's */
};

/* The process args: (--entrypoint or the image's Entrypoint) + (cmd or the image's Cmd, which
 * --entrypoint drops). EINVAL "no command specified" when empty. */
json_t *eng_bundle_args(const struct eng_run_opts *o, const struct img_config *c,
			struct berr **err);

/* The process's environment: PATH, TERM with a tty, the image's, then -e (HOSTNAME and HOME
 * are added when the container starts). */
json_t *eng_bundle_env(const struct eng_run_opts *o, const struct img_config *c);
/* Config.Env as dockerd stores it: -e's first (a bare NAME takes the caller's value, or is
 * left out), then the image's that -e does not set. */
json_t *eng_config_env(const struct eng_run_opts *o, const struct img_config *c);

/* config.json for the container: root at rootfs, the files of dir (hosts, hostname,
 * resolv.conf) bound in, user already resolved. */
json_t *eng_bundle_spec(const struct eng_run_opts *o, const struct img_config *c,
			const struct eng_user *u, const char *id, const char *rootfs,
			const char *dir, struct berr **err);

/* Docker's default capabilities (CAP_ names without the prefix), NULL-terminated. */
extern const char *const eng_default_caps[];

/* "512m", "1g", "1024" (bytes), as Docker's --memory and --shm-size read them; -1 on error. */
/* A container's cgroupsPath: /berth/<id> in every hierarchy. */
char *eng_bundle_cgroup(const char *id);
/* The cgroup a container of the store has: "<HostConfig.CgroupParent>/<id>" for a pod's
 * member (engine/pod.h), else eng_bundle_cgroup's. */
struct eng_store;
char *eng_container_cgroup(const struct eng_store *s, const char *id);
int64_t eng_parse_bytes(const char *s);

#endif
