/* fuse-overlayfs (Debian's package of that name) where the kernel's overlayfs cannot be
 * mounted by the rootless engine: a user namespace before Linux 5.11, or a file system
 * under the store that overlayfs will not take there (see fuse_overlay.h). */
#include "image/fuse_overlay.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util/cleanup.h"
#include "util/err.h"
#include "util/spawn.h"
#include "util/xalloc.h"

bool img_fuse_overlay_forced(void)
{
	const char *v = getenv("BERTH_OVERLAY");
	return v && !strcmp(v, "fuse-overlayfs");
}

/* fuse-overlayfs -o OPTS TARGET, run from dirfd (the options name the layers relative to it);
 * it forks its daemon and returns once the file system is mounted. Its complaint goes into
 * the error. */
int img_fuse_overlay_mount(int dirfd, const char *opts, bool rdonly, const char *target,
			   struct berr **err)
{
	autofree char *all = xasprintf("%s%s", opts, rdonly ? ",ro" : "");
	const char *argv[] = {"fuse-overlayfs", "-o", all, target, NULL};
	/* the daemon outlives us: nothing of ours but stdio (a test's pipe would stay) */
	struct spawn_opts o = {
	    .argv = argv, .dirfd = dirfd, .has_dirfd = true, .err_max = 511, .close_others = true};
	struct spawn_result res;
	int r = spawn_run(&o, &res, err);
	bool not_found = res.not_found;
	spawn_result_free(&res);
	if (r == 0)
		return 0;
	if (not_found) {
		berr_clear(err);
		return berr_plain(
		    err, ENOENT,
		    "mount overlay at '%s': overlayfs is not allowed here and "
		    "fuse-overlayfs is not installed (Debian's package fuse-overlayfs)",
		    target);
	}
	return berr_wrap(err, "mount overlay at '%s' with fuse-overlayfs", target);
}
