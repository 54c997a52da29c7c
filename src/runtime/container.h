/* Container lifecycle as the runtime spec's operations: create, start, state, kill, delete,
 * plus exec, pause/resume, update, ps. The runc command line (cli/runtime) and the engine call
 * these. */
#ifndef BERTH_RUNTIME_CONTAINER_H
#define BERTH_RUNTIME_CONTAINER_H

#include <jansson.h>
#include <stdbool.h>
#include <sys/types.h>

#include "runtime/spec.h"

struct berr;

struct rt_create_opts {
	const char *root; /* state root, e.g. /run/berth-runtime */
	const char *id;
	const char *bundle; /* absolute */
	const char *config; /* config.json path; default <bundle>/config.json */
	const char *pid_file;
	const char *console_socket;
	/* Instead of console_socket: an already connected socket (see terminal.h); the
	 * caller keeps ownership. */
	bool has_console_fd;
	int console_fd;
	int preserve_fds;
	/* Socket activation: the caller's LISTEN_FDS. Those fds (from 3) are passed on too and
	 * the process gets LISTEN_FDS=n and LISTEN_PID=1, as runc does. */
	int listen_fds;
	bool no_pivot;
	bool no_new_keyring; /* keep the caller's session keyring (runc's --no-new-keyring) */
	bool systemd_cgroup;
	/* runc's --rootless: a cgroup the caller may not make is skipped when no limit needs it
	 * (rootless.h). */
	bool rootless;
	/* No cgroup at all, and no warning: the caller (the rootless engine without delegated
	 * cgroups, engine/rootless.h) has refused limits itself. Limits asked for all the same
	 * are tried, and fail as rootless does. */
	bool no_cgroup;
};

int rt_container_create(const struct rt_create_opts *o, pid_t *out_pid, struct berr **err);
int rt_container_start(const char *root, const char *id, struct berr **err);
int rt_container_kill(const char *root, const char *id, int sig, bool all, struct berr **err);
int rt_container_delete(const char *root, const char *id, bool force, struct berr **err);
/* runc's state JSON (ociVersion, id, pid, status, bundle, rootfs, created, owner, annotations). */
json_t *rt_container_state(const char *root, const char *id, struct berr **err);
/* All containers under root as state objects (runc list --format json). */
json_t *rt_container_list(const char *root, struct berr **err);
int rt_container_pause(const char *root, const char *id, bool pause, struct berr **err);
int rt_container_update(const char *root, const char *id, json_t *resources, struct berr **err);
int rt_container_pids(const char *root, const char *id, pid_t **out_pids, size_t *out_n,
		      struct berr **err);
json_t *rt_container_stats(const char *root, const char *id, struct berr **err);
/* The config.json the container was created with. */
struct rt_spec *rt_container_spec(const char *root, const char *id, struct berr **err);

struct rt_exec_opts {
	const char *root;
	const char *id;
	struct rt_process *process; /* complete process to run */
	const char *console_socket;
	bool has_console_fd; /* as in rt_create_opts */
	int console_fd;
	const char *pid_file;
	int preserve_fds;
	bool detach;
};

/* Run a process in the container. Without detach, waits and returns its exit status in
 * *out_status (as a shell reports it: 128+signal for a signal). */
int rt_container_exec(const struct rt_exec_opts *o, int *out_status, struct berr **err);
/* Wait for a pid we are subreaper of, forwarding signals; returns its shell-style status. */
int rt_wait_forward(pid_t pid);

#endif
