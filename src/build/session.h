/* A build's session: what one build makes outside the image store, in a directory of its own,
 * <store>/build/session-XXXXXX, with a `lock` file flocked for as long as the build (or one of
 * its stage jobs, which share the lock) lives. Step roots, image roots, here-documents,
 * scripts and secrets go in it; its RUN containers carry its name in a label
 * (org.berth.build.session). The cache mounts are not a session's: they outlive builds.
 *
 * A build that ends, even on an error or Ctrl-C, removes its session. A build killed (kill -9,
 * the machine's OOM killer) leaves it: the lock is then free, and bld_session_check finds the
 * session's mounts, directory and containers, and with repair removes them
 * (`berth system check --repair`). A session whose lock is held is a build under way, never
 * touched. */
#ifndef BERTH_BUILD_SESSION_H
#define BERTH_BUILD_SESSION_H

#include <jansson.h>
#include <stdbool.h>

#include "engine/container.h"

struct berr;

#define BLD_SESSION_LABEL "org.berth.build.session"

struct bld_session {
	char *dir;   /* <workdir>/session-XXXXXX */
	char *label; /* "org.berth.build.session=session-XXXXXX" */
	int lock_fd;
};

/* A new session under workdir (<store>/build), locked. */
int bld_session_open(const char *workdir, struct bld_session *out, struct berr **err);
/* Its directory removed (what was mounted in it must be unmounted by now), its lock let go.
 * Safe on a zeroed session. */
void bld_session_close(struct bld_session *s);

/* The sessions killed builds left under workdir, and the build containers (label
 * org.berth.build=1) of sessions that are gone: [{"what": text, "fixed": bool}, ...], each
 * removed when repair (mounts under a session detached first; a session that still has a
 * mount after that is not removed). */
json_t *bld_session_check(const struct eng_store *s, const char *workdir, bool repair);

#endif
