/* Running OCI hooks. A hook is a host program; it gets the state on stdin and must finish
 * within its timeout, after which it is killed (SIGKILL) and counts as failed. */
#include "runtime/hooks.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/log.h"

static int run_one(const struct rt_hook *h, const char *state_json, struct berr **err)
{
	int in[2];
	if (pipe2(in, O_CLOEXEC) < 0)
		return berr_set(err, errno, "pipe");
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		(void)close(in[0]);
		(void)close(in[1]);
		return berr_set(err, e, "fork");
	}
	if (pid == 0) {
		if (dup2(in[0], 0) < 0)
			_exit(127);
		char *default_args[] = {h->path, NULL};
		/* A hook without "env" inherits the runtime's environment (as with crun). */
		extern char **environ;
		execve(h->path, h->args ? h->args : default_args, h->env ? h->env : environ);
		_exit(127);
	}
	(void)close(in[0]);
	/* The hook may not read stdin at all: ignore EPIPE. */
	signal(SIGPIPE, SIG_IGN);
	(void)fs_write_all(in[1], state_json, strlen(state_json));
	(void)close(in[1]);

	int status = 0;
	if (h->timeout_s > 0) {
		int pfd = (int)syscall(SYS_pidfd_open, pid, 0);
		struct pollfd p = {.fd = pfd, .events = POLLIN};
		int r = pfd >= 0 ? poll(&p, 1, h->timeout_s * 1000) : 1;
		if (pfd >= 0)
			(void)close(pfd);
		if (r == 0) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			return berr_set(err, ETIMEDOUT, "hook '%s' timed out after %d s", h->path,
					h->timeout_s);
		}
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return berr_set(err, errno, "wait for hook '%s'", h->path);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFEXITED(status))
		return berr_set(err, EIO, "hook '%s' exited with status %d", h->path,
				WEXITSTATUS(status));
	return berr_set(err, EIO, "hook '%s' killed by signal %d", h->path, WTERMSIG(status));
}

int rt_hooks_run(const struct rt_hooks *hooks, const char *kind_name, const char *state_json,
		 struct berr **err)
{
	for (size_t i = 0; i < hooks->n; i++)
		if (run_one(&hooks->list[i], state_json, err) < 0)
			return berr_wrap(err, "%s hook", kind_name);
	return 0;
}

void rt_hooks_run_warn(const struct rt_hooks *hooks, const char *kind_name, const char *state_json)
{
	for (size_t i = 0; i < hooks->n; i++) {
		struct berr *err = NULL;
		if (run_one(&hooks->list[i], state_json, &err) < 0) {
			berr_wrap(&err, "%s hook %zu (%s)", kind_name, i, hooks->list[i].path);
			autofree char *msg = berr_string(err);
			log_warn("%s", msg);
			berr_free(err);
		}
	}
}
