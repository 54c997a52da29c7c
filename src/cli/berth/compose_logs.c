/* The logs of a project's containers, each line prefixed with its service and number
 * ("web-1  | "), as Compose prints them: one child per container reads that container's log
 * (eng_container_logs) and writes each line whole, in one write, so lines of two containers
 * never mix. compose up without -d and compose logs -f use it. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/berth/compose.h"
#include "engine/logs.h"
#include "engine/monitor.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/xalloc.h"

struct follower {
	const char *prefix;
	bool timestamps;
};

static void write_all(int fd, const char *s, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, s, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		s += w;
		n -= (size_t)w;
	}
}

static void line(const struct eng_log_entry *e, void *ctx)
{
	const struct follower *f = ctx;
	size_t len = strlen(e->text);
	bool nl = len && e->text[len - 1] == '\n';
	autofree char *out =
	    xasprintf("%s%s%s%s%s", f->prefix, f->timestamps && e->time ? e->time : "",
		      f->timestamps && e->time ? " " : "", e->text, nl ? "" : "\n");
	write_all(e->stream == 2 ? STDERR_FILENO : STDOUT_FILENO, out, strlen(out));
}

static int width(json_t *containers)
{
	int w = 0;
	size_t i;
	json_t *c;
	json_array_foreach(containers, i, c)
	{
		int n = (int)strlen(json_string_value(json_object_get(c, "Service"))) + 2; /* -1 */
		for (json_int_t k = json_integer_value(json_object_get(c, "Number")); k >= 10;
		     k /= 10)
			n++;
		if (n > w)
			w = n;
	}
	return w;
}

static void child(struct cli_opts *o, json_t *c, const char *prefix, bool follow, long tail,
		  bool timestamps)
{
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	struct eng_store es = cli_engine(o);
	struct follower f = {prefix, timestamps};
	struct eng_logs_opts lo = {.tail = tail, .follow = follow};
	const char *id = json_string_value(json_object_get(c, "Id"));
	struct berr *err = NULL;
	if (eng_container_logs(&es, id, &lo, line, &f, &err) < 0)
		_exit(cli_fail(err, 1));
	int code = 0;
	if (follow && eng_container_wait(&es, id, &code, NULL) == 0) {
		autofree char *msg = xasprintf("%s exited with code %d\n",
					       json_string_value(json_object_get(c, "Name")), code);
		write_all(STDOUT_FILENO, msg, strlen(msg));
	}
	_exit(0);
}

int compose_follow(struct cli_opts *o, json_t *containers, bool follow, long tail, bool timestamps,
		   bool prefix, volatile int *stop)
{
	size_t n = json_array_size(containers);
	pid_t *pids = xcalloc(n + 1, sizeof(*pids));
	int w = width(containers);
	fflush(stdout);
	fflush(stderr);
	for (size_t i = 0; i < n; i++) {
		json_t *c = json_array_get(containers, i);
		autofree char *name =
		    xasprintf("%s-%d", json_string_value(json_object_get(c, "Service")),
			      (int)json_integer_value(json_object_get(c, "Number")));
		autofree char *pre = prefix ? xasprintf("%-*s  | ", w, name) : xstrdup("");
		pids[i] = fork();
		if (pids[i] == 0)
			child(o, c, pre, follow, tail, timestamps);
	}
	size_t left = 0;
	for (size_t i = 0; i < n; i++)
		left += pids[i] > 0;
	while (left > 0 && !(stop && *stop)) {
		pid_t p = waitpid(-1, NULL, 0);
		if (p > 0)
			left--;
		else if (errno != EINTR)
			break;
	}
	for (size_t i = 0; left > 0 && i < n; i++)
		if (pids[i] > 0)
			(void)kill(pids[i], SIGTERM);
	while (left > 0 && (waitpid(-1, NULL, 0) > 0 || errno == EINTR))
		left--;
	free(pids);
	return 0;
}
