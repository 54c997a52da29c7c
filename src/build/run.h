/* A RUN step: its command in a container of the step's image, through the engine as any
 * container runs (the defaults of `berth run`: capabilities, seccomp, masked paths, networks,
 * --isolation vm), so that what it changes is that container's upper directory. */
#ifndef BERTH_BUILD_RUN_H
#define BERTH_BUILD_RUN_H

#include <stddef.h>
#include <stdint.h>

#include "engine/container.h"

struct berr;
struct img_store;

struct bld_run {
	const char *image;     /* the step's image (id) */
	char *const *argv;     /* the command (the shell form already put through the shell) */
	char *const *env;      /* "K=V" beyond the image's Env: the stage's ARGs */
	const char *network;   /* "bridge" (RUN --network=default), "none", "host" */
	char *const *mounts;   /* --mount specs (engine/volume.h), or NULL */
	const char *isolation; /* NULL, or "vm" */
	bool privileged;       /* RUN --security=insecure, allowed by --allow security.insecure */
	char *const *add_hosts, *const *ulimits; /* --add-host, --ulimit, or NULL */
	int64_t shm_size;                        /* 0: the engine's default */
	const char *vm_init_path;
	const char *session; /* its build's session label, "org.berth.build.session=..." */
	/* each piece of output, stream 1 or 2, as it comes */
	void (*output)(void *ctx, int stream, const char *data, size_t len);
	void *ctx;
	/* set by a signal handler: the RUN is stopped (its container killed), EINTR */
	volatile int *interrupted;
};

/* Create the container, run it to its end, relaying its output: out_id gets it (the caller
 * takes its upper directory and removes it: eng_container_destroy), out_status its exit
 * status. A container that could not be made or started is an error (none is left then). */
int bld_run_step(const struct eng_store *s, struct img_store *is, const struct bld_run *r,
		 char out_id[ENG_ID_LEN + 1], int *out_status, struct berr **err);

#endif
