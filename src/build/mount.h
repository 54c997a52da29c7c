/* RUN's own flags: `--mount=` values parsed as BuildKit's instructions/commands_runmount.go does,
 * with the defaults its dockerfile2llb/convert_runmount.go, convert_secrets.go and
 * convert_ssh.go then fill in, and `--network` / `--security`
 * (instructions/commands_run{network,security}.go). Deciding only: nothing here mounts, reads a
 * secret or opens a socket; the executor (run.c) does: type=ssh through build/ssh.h, and
 * --security=insecure only with the build's entitlement (--allow security.insecure, as
 * BuildKit's), else refused.
 *
 * A --mount value is read twice, as BuildKit does:
 *   - when the plan is made (bld_mount_from): only the CSV syntax and `from`, which names a stage
 *     or an image and so must be known before any stage runs; it may not use variables;
 *   - when the RUN is about to run (bld_mount_parse): every field, each value after '=' expanded
 *     with the stage's variables first (type, target, id, source, mode, ... all of them; the
 *     keys and the bare words ro/rw/required are not). The CSV split comes before expansion,
 *     so a comma from a variable does not start a field. */
#ifndef BERTH_BUILD_MOUNT_H
#define BERTH_BUILD_MOUNT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct berr;
struct bld_expand;
struct bld_instr;

/* BuildKit's default paths: an ssh agent socket (a printf format of the ssh mount's index among
 * the RUN's ssh mounts), and the directory of secrets mounted as files. */
#define BLD_MOUNT_SSH_TARGET "/run/buildkit/ssh_agent.%zu"
#define BLD_MOUNT_SECRETS    "/run/secrets/"

enum bld_mount_type {
	BLD_MOUNT_BIND, /* the default */
	BLD_MOUNT_CACHE,
	BLD_MOUNT_TMPFS,
	BLD_MOUNT_SECRET,
	BLD_MOUNT_SSH,
};

enum bld_mount_sharing {
	BLD_SHARING_SHARED,  /* the default: writers at the same time */
	BLD_SHARING_PRIVATE, /* a second writer gets a new directory */
	BLD_SHARING_LOCKED,  /* a second writer waits */
};

/* One --mount, defaults filled in. Strings are owned; bld_mount_clear releases them. */
struct bld_mount {
	enum bld_mount_type type;
	/* As given, possibly relative (bld_mount_dest puts it under WORKDIR); NULL when not given.
	 * secret: BLD_MOUNT_SECRETS + base name of id when neither target nor env was given;
	 * ssh: BLD_MOUNT_SSH_TARGET when not given (filled by bld_run_flags_parse, which knows N).
	 */
	char *target;
	char *source; /* a path in `from` (or the context), NULL: its root; secret: the id */
	/* A stage name or an image, as written; NULL: the build context for bind, a new empty
	 * directory for cache. The plan resolved it before any variable was known
	 * (bld_plan_step.mount_from), so it is not expanded here either (BuildKit expands it
	 * again at dispatch, to no effect on what it resolved). tmpfs and ssh ignore it, but as
	 * in BuildKit the stage it names is still built first. */
	char *from;
	/* cache: the id, else the target cleaned (BuildKit: path.Clean(target), before WORKDIR);
	 * secret: source, else id, else the target's base name; ssh: the id, else "default";
	 * NULL for bind and tmpfs. */
	char *id;
	char *env; /* secret: also (or only, without target) put it in this variable; else NULL */
	enum bld_mount_sharing sharing; /* cache only */
	bool readonly; /* default: bind, secret, ssh read-only; cache, tmpfs writable */
	bool required; /* secret, ssh: fail when it is not provided (default: mount nothing) */
	int64_t size;  /* tmpfs: bytes (size=64m is 64 MiB, as docker's RAMInBytes); 0: no limit */
	uint32_t mode; /* cache: a new directory's (0755); secret file 0400; ssh socket 0600 */
	uint32_t uid, gid; /* owner of that directory, file or socket; 0 */
	/* mode, uid or gid was given: for cache, BuildKit then makes a fresh directory with them
	 * (unless source is set) rather than using the cache's root as it is. */
	bool owner_set;
};

enum bld_run_network {
	BLD_RUN_NET_DEFAULT, /* what the build was given (berth build --network) */
	BLD_RUN_NET_NONE,
	BLD_RUN_NET_HOST,
};

enum bld_run_security {
	BLD_RUN_SANDBOX,  /* the default */
	BLD_RUN_INSECURE, /* privileged; refused without the build's entitlement */
};

/* Every --mount of a RUN, and its --network and --security. */
struct bld_run_flags {
	struct bld_mount *mounts; /* in the order written */
	size_t n_mounts;
	enum bld_run_network network;
	enum bld_run_security security;
};

/* Plan time: the `from` of a --mount value, as written, into *out_from (NULL when none). Errors:
 * the CSV syntax, and a `$` in from anywhere but at its end ("'from' doesn't support variable
 * expansion, define alias stage instead"). Other fields are left for bld_mount_parse. */
int bld_mount_from(const char *value, char **out_from, struct berr **err);

/* Run time: the whole value, each field's value expanded with x (its lookup may be NULL: then
 * every variable is unset) except `from`, checked as above and kept as written. Messages are
 * BuildKit's, with "(did you mean ...?)" where it gives one; the caller adds file and line. */
int bld_mount_parse(const char *value, const struct bld_expand *x, struct bld_mount *out,
		    struct berr **err);
void bld_mount_clear(struct bld_mount *m);

/* Where m goes in the container: target made absolute under workdir (the stage's WORKDIR, "/"
 * when unset) and cleaned. "invalid mount target '/'" when that is the root, which BuildKit
 * refuses too (an empty target under WORKDIR / ends there). Caller frees *out. */
int bld_mount_dest(const struct bld_mount *m, const char *workdir, char **out, struct berr **err);

/* All of run's flags (a RUN, or an ONBUILD trigger that is one): its --mount values through
 * bld_mount_parse with x, --network, --security (never expanded). */
int bld_run_flags_parse(const struct bld_instr *run, const struct bld_expand *x,
			struct bld_run_flags *out, struct berr **err);
void bld_run_flags_clear(struct bld_run_flags *f);

#endif
