/* fuse-overlayfs (Debian's package of that name) where the kernel's overlayfs cannot be
 * mounted by the rootless engine: a user namespace before Linux 5.11, or a file system
 * under the store that overlayfs will not take there (see fuse_overlay.h). */
#include "image/fuse_overlay.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/err.h"
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
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return berr_set(err, errno, "pipe");
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		(void)close(p[0]);
		(void)close(p[1]);
		return berr_set(err, e, "fork fuse-overlayfs");
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (null < 0 || fchdir(dirfd) < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 ||
		    dup2(p[1], 2) < 0)
			_exit(126);
		/* the daemon outlives us: nothing of ours but stdio (a test's pipe would stay) */
		(void)syscall(SYS_close_range, 3, ~0U, 0);
		execlp("fuse-overlayfs", "fuse-overlayfs", "-o", all, target, (char *)NULL);
		dprintf(2, "%s", errno == ENOENT ? "not found" : strerror(errno));
		_exit(127);
	}
	(void)close(p[1]);
	char msg[512];
	size_t len = 0;
	ssize_t got;
	/* the daemon keeps stderr: read only what the first process said before it ended */
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	(void)fcntl(p[0], F_SETFL, O_NONBLOCK);
	while (len < sizeof(msg) - 1 && (got = read(p[0], msg + len, sizeof(msg) - 1 - len)) > 0)
		len += (size_t)got;
	(void)close(p[0]);
	while (len && (msg[len - 1] == '\n' || msg[len - 1] == ' '))
		len--;
	msg[len] = '\0';
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127 && !strcmp(msg, "not found"))
		return berr_plain(
		    err, ENOENT,
		    "mount overlay at '%s': overlayfs is not allowed here and "
		    "fuse-overlayfs is not installed (Debian's package fuse-overlayfs)",
		    target);
	return berr_plain(err, EIO, "mount overlay at '%s' with fuse-overlayfs: %s", target,
			  *msg ? msg : "failed");
}
