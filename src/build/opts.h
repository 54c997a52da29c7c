/* What a build is asked to do and what it tells while it runs (internal to src/build/ below
 * builder.h, which includes it): struct bld_opts, its secrets and SSH agents, and the events
 * given to its callback. builder.h holds the entry points; the rooms that walk a build
 * (step.h) need only these. */
#ifndef BERTH_BUILD_OPTS_H
#define BERTH_BUILD_OPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "build/instr.h"
#include "build/plan.h"

struct berr;

enum bld_event_kind {
	BLD_EV_STEP,     /* a step begins: step, name ("[build 2/5] RUN make") */
	BLD_EV_OUTPUT,   /* step's output: stream (1, 2), data, len */
	BLD_EV_CACHED,   /* step was taken from the cache */
	BLD_EV_DONE,     /* step ended: seconds */
	BLD_EV_ERROR,    /* step failed: seconds, name (the message) */
	BLD_EV_CANCELED, /* step stopped: the build was interrupted, or another job failed */
	BLD_EV_WARNING,  /* name: a warning not tied to a step */
};

struct bld_event {
	enum bld_event_kind kind;
	unsigned step; /* 1-based, as "#N" */
	const char *name;
	int stream;
	const char *data;
	size_t len;
	double seconds;
	unsigned line;     /* STEP: the instruction's line in the Containerfile (0: an ONBUILD
			      trigger of the base image) */
	const char *image; /* DONE, CACHED: the step's image id (NULL: none, scratch) */
};

/* --secret id=ID,src=FILE|env=VAR */
struct bld_secret {
	char *id;
	char *src; /* a file on the host, or NULL */
	char *env; /* a variable of berth's environment, or NULL */
};

/* --ssh ID[=SOCKET|KEY[,KEY...]] (build/ssh.h): paths NULL-terminated, never empty (the
 * parser puts $SSH_AUTH_SOCK there when none is given) */
struct bld_ssh {
	char *id;
	char **paths;
};

struct bld_opts {
	const char *file_name; /* for messages: "Containerfile" */
	const char *text;      /* the Containerfile */
	size_t len;
	const char *context;    /* the context directory, or NULL: none (a Containerfile on
				   stdin with no context: COPY has nothing to read) */
	const char *dockerfile; /* the Containerfile's path (its ignore file), or NULL */
	const struct bld_kv *build_args;
	size_t n_build_args;
	const char *target;
	const struct bld_named_context *contexts; /* --build-context */
	size_t n_contexts;
	bool no_cache;
	char *const *labels;   /* --label K=V */
	const char *network;   /* RUN's network: "bridge" (default), "none", "host" */
	const char *isolation; /* NULL, or "vm": RUN steps in VMs */
	/* RUN's containers: --add-host "host:ip", --ulimit "nofile=1024:2048", --shm-size bytes
	 * (0: the engine's default) */
	char *const *add_hosts, *const *ulimits;
	int64_t shm_size;
	const char *vm_init_path;
	const struct bld_secret *secrets;
	size_t n_secrets;
	const struct bld_ssh *ssh; /* --ssh: the agents RUN --mount=type=ssh may use */
	size_t n_ssh;
	/* --allow security.insecure: RUN --security=insecure runs privileged (else refused) */
	bool allow_insecure;
	/* The image ref names, made present by the --pull policy: its id into out_id (72 bytes). */
	int (*image)(void *image_ctx, const char *ref, char *out_id, struct berr **err);
	void *image_ctx;
	void (*event)(void *ctx, const struct bld_event *e);
	void *ctx;
	volatile int *interrupted; /* set by a signal handler: the build stops between steps */
	unsigned jobs;             /* stages built at the same time (0, 1: one after another) */
};

#endif
