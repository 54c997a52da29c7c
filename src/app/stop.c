/* Stopping in levels, each level at once (stop.h). The engine is single-threaded: each stop
 * runs in a child process of its own (as separate `berth stop` commands would), and tells its
 * error, if any, through a pipe. */
#include "app/stop.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine/monitor.h"
#include "util/child.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/xalloc.h"

#define APP_STOP_MSG_MAX 4096

static const char *str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "";
}

static int level_of(const struct app_plan *p, const char *service, json_t *memo, int depth)
{
	json_t *m = json_object_get(memo, service);
	if (m)
		return (int)json_integer_value(m);
	int level = 0;
	for (size_t i = 0; depth < 64 && i < p->n_services; i++) {
		const struct app_service *d = &p->services[i];
		if (json_object_get(d->depends_on, service)) {
			int l = level_of(p, d->name, memo, depth + 1) + 1;
			level = l > level ? l : level;
		}
	}
	json_object_set_new(memo, service, json_integer(level));
	return level;
}

json_t *app_stop_levels(const struct app_plan *p, json_t *containers)
{
	json_t *levels = json_array(), *memo = json_object();
	size_t i;
	json_t *c;
	json_array_foreach(containers, i, c)
	{
		const char *svc = str(c, "Service");
		int l = p && app_plan_service(p, svc) ? level_of(p, svc, memo, 0) : 0;
		while ((int)json_array_size(levels) <= l)
			json_array_append_new(levels, json_array());
		json_array_append(json_array_get(levels, (size_t)l), c);
	}
	json_decref(memo);
	return levels;
}

static bool running(json_t *c)
{
	const char *s = str(c, "State");
	return !strcmp(s, "running") || !strcmp(s, "paused") || !strcmp(s, "restarting");
}

static void child(const struct eng_store *s, json_t *c, int timeout_s, int fd)
{
	struct berr *err = NULL;
	if (eng_container_stop(s, str(c, "Id"), timeout_s, &err) == 0)
		_exit(0);
	autofree char *msg = berr_string(err);
	size_t n = strnlen(msg, APP_STOP_MSG_MAX);
	(void)!write(fd, msg, n);
	_exit(1);
}

/* The child's word: its error, if it failed. */
static int reap(pid_t pid, int fd, json_t *c, const struct app_progress *pr, int r,
		struct berr **err)
{
	char msg[APP_STOP_MSG_MAX + 1];
	ssize_t n, got = 0;
	while (got < APP_STOP_MSG_MAX &&
	       ((n = read(fd, msg + got, (size_t)(APP_STOP_MSG_MAX - got))) > 0 ||
		(n < 0 && errno == EINTR)))
		got += n > 0 ? n : 0;
	msg[got] = 0;
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
	if (ok)
		app_report(pr, "Container", str(c, "Name"), "Stopped");
	else if (r == 0)
		r = berr_plain(err, EIO, "stop container %s: %s", str(c, "Name"),
			       got ? msg : "the stop ended abnormally");
	return r;
}

int app_stop_all(const struct eng_store *s, json_t *containers, int timeout_s,
		 const struct app_progress *pr, struct berr **err)
{
	size_t n = json_array_size(containers);
	pid_t *pids = xcalloc(n + 1, sizeof(*pids));
	int *fds = xcalloc(n + 1, sizeof(*fds));
	int r = 0;
	for (size_t i = 0; i < n; i++) {
		json_t *c = json_array_get(containers, i);
		fds[i] = -1;
		if (!running(c))
			continue;
		app_report(pr, "Container", str(c, "Name"), "Stopping");
		pids[i] = child_fork_piped(&fds[i]);
		if (pids[i] == 0)
			child(s, c, timeout_s, fds[i]);
		if (pids[i] < 0)
			r = r ? r : berr_set(err, (int)-pids[i], "fork");
	}
	for (size_t i = 0; i < n; i++) {
		if (pids[i] > 0)
			r = reap(pids[i], fds[i], json_array_get(containers, i), pr, r, err);
		if (fds[i] >= 0)
			close(fds[i]);
	}
	free(pids);
	free(fds);
	return r;
}
