/* A build context that comes as a tar: `berth build -` (a tar on stdin) and the API's
 * POST /build (the request's body). The tar — plain, or compressed with gzip, bzip2, xz or
 * zstd, as dockerd takes it — is unpacked with the layer applier's rules for a tar that is not
 * a layer (image/layer.h: no absolute names, no "..", no entry or hard link through a link;
 * links themselves may point anywhere: the build resolves them with the context as the root)
 * into the directory `context` of a build session of its own (session.h). While the build
 * lives the session's lock is held; a build killed leaves a session that `berth system
 * check --repair` finds and removes, as the rest of what a killed build leaves. */
#ifndef BERTH_BUILD_CONTEXT_TAR_H
#define BERTH_BUILD_CONTEXT_TAR_H

#include <stdbool.h>
#include <stddef.h>

#include "build/session.h"

struct berr;

#define BLD_CONTAINERFILE_MAX (8u << 20)

struct bld_context_tar {
	struct bld_session session;
	char *dir; /* <session>/context */
};

/* Whether the first bytes of a stream (n of them, 262 or more when there are) are a tar or a
 * compressed stream (gzip, bzip2, xz, zstd), not a Containerfile. */
bool bld_context_tar_is(const void *head, size_t n);
/* The tar read from tar_fd to its end, unpacked into a new session under workdir
 * (<store>/build). */
int bld_context_tar_open(const char *workdir, int tar_fd, struct bld_context_tar *out,
			 struct berr **err);
/* The directory and the session removed; safe on a zeroed one. */
void bld_context_tar_close(struct bld_context_tar *t);
/* The file name names inside the context (resolved with the context as the root: a link or
 * ".." cannot lead out of it; a regular file only), at most BLD_CONTAINERFILE_MAX bytes;
 * out_path its path as resolved (for the ignore file beside it). ENOENT: not there. */
int bld_context_tar_file(const struct bld_context_tar *t, const char *name, char **out_text,
			 size_t *out_len, char **out_path, struct berr **err);

#endif
