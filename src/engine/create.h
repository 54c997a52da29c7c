/* `create` (and the first half of `run`): an image and the options become a container record
 * whose Config holds the effective settings (the image's Cmd, Entrypoint, Env, WorkingDir,
 * User merged with the flags, as Docker stores them) and whose HostConfig holds the rest.
 * Everything is checked here (a bad --ulimit, no command) so that nothing is created for bad
 * input; the bundle is written from the record each time the container starts
 * (eng_bundle_write), when its root is mounted and users can be looked up in it. */
#ifndef BERTH_ENGINE_CREATE_H
#define BERTH_ENGINE_CREATE_H

#include <jansson.h>
#include <stdbool.h>

#include "engine/bundle.h"
#include "engine/container.h"
#include "engine/userns.h"

struct berr;
struct img_store;

struct eng_create {
	const char *image; /* as the user named it */
	const char *name;  /* --name, or NULL */
	const char *pod;   /* --pod: a pod's name or id (engine/pod.h), or NULL */
	struct eng_run_opts run;
	bool auto_remove;
	const char *restart; /* "no", "always", "unless-stopped", "on-failure[:N]" */
	int stop_timeout;    /* -1: unset */
	bool attach_stdin, attach_stdout, attach_stderr;
	char *const *volumes, *const *mounts, *const *tmpfs; /* -v, --mount, --tmpfs */
	json_t *healthcheck; /* --health-*: Docker's Config.Healthcheck, or NULL: the image's */
	struct eng_userns_opts userns;
	/* networks (run.network is the mode: "bridge", "none", "host", "container:X", a name) */
	char *const *publish;       /* -p */
	bool publish_all;           /* -P */
	char *const *expose;        /* --expose */
	char *const *more_networks; /* further --network NETs, each connected after the first */
	const char *ip;             /* --ip (or --ip6) on the first network */
	const char *mac;            /* --mac-address on the first network */
	char *const *aliases, *const *dns, *const *dns_search, *const *dns_options,
								   *const *add_hosts;
	/* --isolation vm: the guest init (a file of ours), --vm-accel, --vm-kernel */
	const char *isolation, *vm_accel, *vm_kernel, *vm_init_path;
	/* --vm-template: 1 from a pre-booted template of its shape (vm/template.h), -1 a cold
	 * boot, 0 unsaid: eng_vm_template_default() (the record says true or false) */
	int vm_template;
	const char *systemd; /* --systemd: "true" (NULL), "false" or "always" (engine/systemd.h) */
	/* --ipc, --pid and --volumes-from (engine/share.h): NULL, or "host", "container:X", ...;
	 * "X[:ro|:rw]" */
	const char *ipc, *pid;
	char *const *volumes_from;
};

/* The fields of a Docker HostConfig that the record keeps as Docker names them (read-only
 * root, privileged, memory, swap, pids, CPU shares and count, cpuset, /dev/shm size) into o:
 * the record's reader at start and the API's create read them alike. */
void eng_host_config_limits(json_t *hc, struct eng_run_opts *o);

/* Remove the container's anonymous volumes (rm -v, --rm). */
void eng_remove_anonymous_volumes(const struct eng_store *s, json_t *rec);

int eng_create(const struct eng_store *s, struct img_store *is, const struct eng_create *c,
	       char out_id[ENG_ID_LEN + 1], struct berr **err);

/* Write <dir>/config.json, hosts, hostname and resolv.conf from the record, the root being
 * mounted at rootfs. */
int eng_bundle_write(const struct eng_store *s, const char *id, json_t *rec, const char *rootfs,
		     struct berr **err);

#endif
