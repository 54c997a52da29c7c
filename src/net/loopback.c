/* Loopback up in a container's network namespace (see loopback.h). */
#include "net/loopback.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/err.h"

int net_loopback_up(pid_t pid, struct berr **err)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	autoclose int ns = open(path, O_RDONLY | O_CLOEXEC);
	if (ns < 0)
		return berr_set(err, errno, "open '%s'", path);
	/* setns changes the calling thread's namespace: a child does it and is gone */
	pid_t child = fork();
	if (child < 0)
		return berr_set(err, errno, "fork");
	if (child == 0) {
		if (setns(ns, CLONE_NEWNET) < 0)
			_exit(1);
		int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		struct ifreq ifr;
		memset(&ifr, 0, sizeof(ifr));
		strcpy(ifr.ifr_name, "lo");
		if (s < 0 || ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
			_exit(2);
		ifr.ifr_flags |= IFF_UP;
		_exit(ioctl(s, SIOCSIFFLAGS, &ifr) < 0 ? 3 : 0);
	}
	int st;
	while (waitpid(child, &st, 0) < 0)
		if (errno != EINTR)
			return berr_set(err, errno, "wait");
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		return berr_plain(err, EIO, "bring up lo in the network namespace of %d (step %d)",
				  (int)pid, WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	return 0;
}
