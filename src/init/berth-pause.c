/* berth-pause: the process of a pod's infra container (podman's catatonit -P, Kubernetes'
 * pause). It holds the pod's namespaces open while the pod's containers come and go: it sleeps
 * in pause(), reaps any child that ends up with it, and exits 0 on SIGTERM or SIGINT (the
 * infra's stop signal), 2 on bad arguments. Static, no library of ours: it runs inside the
 * infra container, from a read-only bind of this file. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void on_stop(int sig)
{
	(void)sig;
	stop = 1;
}

static void on_child(int sig)
{
	(void)sig;
	int saved = errno;
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	errno = saved;
}

int main(int argc, char **argv)
{
	if (argc > 1) {
		fprintf(stderr, "berth-pause: takes no arguments (got '%s')\n", argv[1]);
		return 2;
	}
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_stop;
	/* as PID 1 of its namespace, only signals with a handler reach it */
	if (sigaction(SIGTERM, &sa, NULL) < 0 || sigaction(SIGINT, &sa, NULL) < 0)
		return 1;
	sa.sa_handler = on_child;
	sa.sa_flags = SA_NOCLDSTOP | SA_RESTART;
	if (sigaction(SIGCHLD, &sa, NULL) < 0)
		return 1;
	while (!stop)
		pause();
	return 0;
}
