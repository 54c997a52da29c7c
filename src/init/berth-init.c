/* berth-init: the tiny init `run --init` puts at PID 1 (/sbin/berth-init -- CMD...), as
 * Docker's tini: it starts the command, passes on every signal it can, reaps every zombie
 * (orphans are re-parented to PID 1), and exits with the command's status (128+signal when a
 * signal ended it). Static, no library of ours: it runs inside the container. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int first = 1;
	if (argc > 1 && !strcmp(argv[1], "--"))
		first = 2;
	if (first >= argc) {
		fprintf(stderr, "berth-init: no command\n");
		return 125;
	}
	sigset_t all, old;
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	pid_t child = fork();
	if (child < 0) {
		perror("berth-init: fork");
		return 125;
	}
	if (child == 0) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		/* a process group of its own, in the foreground of the terminal if there is one */
		setpgid(0, 0);
		tcsetpgrp(0, getpid());
		execvp(argv[first], argv + first);
		fprintf(stderr, "berth-init: exec '%s': %s\n", argv[first], strerror(errno));
		_exit(errno == ENOENT ? 127 : 126);
	}
	setpgid(child, child);
	for (;;) {
		siginfo_t si;
		struct timespec t = {1, 0};
		int sig = sigtimedwait(&all, &si, &t);
		if (sig > 0 && sig != SIGCHLD)
			kill(child, sig);
		int status;
		pid_t p;
		while ((p = waitpid(-1, &status, WNOHANG)) > 0)
			if (p == child)
				return WIFEXITED(status) ? WEXITSTATUS(status)
							 : 128 + WTERMSIG(status);
	}
}
