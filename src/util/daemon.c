/* A daemon child of berth's own (see daemon.h). */
#include "util/daemon.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

int daemon_detach(void)
{
	(void)setsid();
	if (chdir("/") < 0)
		return -errno;
	int null = open("/dev/null", O_RDWR);
	if (null < 0)
		return -errno;
	for (int fd = 0; fd < 3; fd++)
		if (null != fd)
			(void)dup2(null, fd);
	(void)syscall(SYS_close_range, 3, ~0U, 0);
	return 0;
}

_Noreturn void daemon_sleep(const char *name)
{
	(void)prctl(PR_SET_NAME, name, 0, 0, 0);
	sigset_t none;
	sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);
	struct sigaction ign = {.sa_handler = SIG_IGN};
	int ignored[] = {SIGHUP, SIGINT, SIGPIPE, SIGUSR1, SIGUSR2, SIGQUIT};
	for (size_t i = 0; i < sizeof(ignored) / sizeof(ignored[0]); i++)
		(void)sigaction(ignored[i], &ign, NULL);
	for (;;)
		pause();
}
