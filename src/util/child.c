/* fork() with a pipe home (see child.h). */
#include "util/child.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

pid_t child_fork_piped(int *out_fd)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	pid_t pid = fork();
	int e = errno;
	(void)close(pid == 0 ? p[0] : p[1]);
	if (pid < 0) {
		(void)close(p[0]);
		return -e;
	}
	*out_fd = pid == 0 ? p[1] : p[0];
	return pid;
}
