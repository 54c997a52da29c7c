/* The logs of a project's containers, each line prefixed with its service and number
 * ("web-1  | "), as Compose prints them: one child per container reads that container's log
 * (eng_container_logs) and writes each line whole, in one write, so lines of two containers
 * never mix. compose up without -d and compose logs -f use it. On a terminal each
 * container's prefix has a colour of Compose v2's rainbow (cmd/formatter/colors.go), given
 * in the order the containers come. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/berth/compose.h"
#include "cli/berth/output.h"
#include "engine/logs.h"
#include "engine/monitor.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/xalloc.h"

/* Compose v2's rainbow: cyan, yellow, green, magenta, blue, then the same bold. */
static const char *const rainbow[] = {"36",   "33",   "32",   "35",   "34",
				      "36;1", "33;1", "32;1", "35;1", "34;1"};

bool compose_color(bool no_color)
{
	const char *nc = getenv("NO_COLOR");
	return !no_color && !(nc && *nc) && isatty(STDOUT_FILENO);
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

/* name "exited with code N", as Compose's Status line (coloured as the prefix). */
static void exited(const char *name, int code, const char *color)
{
	autofree char *msg =
	    color ? xasprintf("\033[%sm%s exited with code %d\n\033[0m", color, name, code)
		  : xasprintf("%s exited with code %d\n", name, code);
	(void)fs_write_all(STDOUT_FILENO, msg, strlen(msg));
}

static void child(struct cli_opts *o, json_t *c, const char *name, const char *prefix,
		  const char *color, const struct compose_follow_opts *fo)
{
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	struct eng_store es = cli_engine(o);
	struct out_log_prefix f = {prefix, fo->timestamps};
	struct eng_logs_opts lo = {.tail = fo->tail, .follow = fo->follow};
	const char *id = json_string_value(json_object_get(c, "Id"));
	struct berr *err = NULL;
	if (eng_container_logs(&es, id, &lo, out_log_line, &f, &err) < 0)
		_exit(cli_fail(err, 1));
	int code = 0;
	if (fo->follow && eng_container_wait(&es, id, &code, NULL) == 0)
		exited(name, code, color);
	_exit(0);
}

int compose_follow(struct cli_opts *o, json_t *containers, const struct compose_follow_opts *fo)
{
	size_t n = json_array_size(containers);
	pid_t *pids = xcalloc(n + 1, sizeof(*pids));
	int w = width(containers);
	volatile int *stop = fo->stop;
	fflush(stdout);
	fflush(stderr);
	for (size_t i = 0; i < n; i++) {
		json_t *c = json_array_get(containers, i);
		autofree char *name =
		    xasprintf("%s-%d", json_string_value(json_object_get(c, "Service")),
			      (int)json_integer_value(json_object_get(c, "Number")));
		const char *color =
		    fo->color ? rainbow[i % (sizeof(rainbow) / sizeof(*rainbow))] : NULL;
		autofree char *pre = !fo->prefix ? xstrdup("")
				     : color ? xasprintf("\033[%sm%-*s  | \033[0m", color, w, name)
					     : xasprintf("%-*s  | ", w, name);
		pids[i] = fork();
		if (pids[i] == 0)
			child(o, c, name, pre, color, fo);
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
