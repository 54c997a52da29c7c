/* berth pod logs: podman 4.3's `pod logs` — the logs of a pod's containers (the infra's left
 * out: it writes nothing), each line prefixed with its container's short id, or its name with
 * --names, and no prefix for the one container of --container. Without --follow the
 * containers' logs come one after the other, oldest container first (podman reads them at
 * once, in no fixed order); with --follow one child per container reads that container's log
 * (eng_container_logs) and writes each line whole, in one write, so lines of two containers
 * never mix, until every container has stopped. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/berth/flags.h"
#include "cli/berth/output.h"
#include "cli/berth/pod.h"
#include "engine/logs.h"
#include "engine/pod.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/json.h"
#include "util/xalloc.h"

/* The pod's containers to read (ids; only ref's with --container); 125 after an error. */
static int which(struct eng_store *es, const char *pod_ref, const char *ctr, char ***out)
{
	char pod[ENG_ID_LEN + 1], want[ENG_ID_LEN + 1];
	struct berr *err = NULL;
	if (eng_pod_resolve(es, pod_ref, pod, &err) < 0)
		return cli_fail(err, 125);
	char **ids = eng_pod_containers(es, pod, false);
	if (!ctr) {
		*out = ids;
		return 0;
	}
	bool in = eng_container_resolve(es, ctr, want, NULL) == 0;
	size_t n = 0;
	for (size_t i = 0; ids[i]; i++) {
		if (in && !strcmp(ids[i], want))
			ids[n++] = ids[i];
		else
			free(ids[i]);
	}
	ids[n] = NULL;
	if (!n) {
		strv_free(ids);
		return cli_error(125, "container %s is not in pod %s: no such container", ctr,
				 pod_ref);
	}
	*out = ids;
	return 0;
}

static char *prefix_of(struct eng_store *es, const char *id, bool names, bool none)
{
	if (none)
		return xstrdup("");
	if (!names)
		return xasprintf("%.12s ", id);
	json_t *rec = eng_container_load(es, id, NULL);
	const char *name = json_string_value(json_object_get(rec, "Name")) ?: "";
	char *p = xasprintf("%s ", name + (*name == '/'));
	json_decref(rec);
	return p;
}

/* --follow: a child per container; waits for all (or SIGINT, which ends them all). */
static int follow_all(struct eng_store *es, char **ids, const struct eng_logs_opts *lo, bool names,
		      bool none, bool ts)
{
	size_t n = 0;
	while (ids[n])
		n++;
	pid_t *pids = xcalloc(n + 1, sizeof(*pids));
	fflush(stdout);
	fflush(stderr);
	for (size_t i = 0; i < n; i++) {
		autofree char *prefix = prefix_of(es, ids[i], names, none);
		pids[i] = fork();
		if (pids[i] == 0) {
			struct out_log_prefix p = {prefix, ts};
			struct berr *err = NULL;
			_exit(eng_container_logs(es, ids[i], lo, out_log_line, &p, &err) < 0
				  ? cli_fail(err, 125)
				  : 0);
		}
	}
	int st = 0, code;
	for (size_t i = 0; i < n; i++)
		if (pids[i] > 0 && waitpid(pids[i], &code, 0) > 0 && WIFEXITED(code) &&
		    WEXITSTATUS(code))
			st = WEXITSTATUS(code);
	free(pids);
	return st;
}

int cmd_pod_logs(struct cli_opts *o, int argc, char **argv)
{
	bool follow = false, ts = false, names = false;
	const char *tail = NULL, *since = NULL, *until = NULL, *ctr = NULL;
	const struct flag flags[] = {
	    {"container", 'c', FLAG_STRING, &ctr,
	     "Filter logs by container name or id which belongs to pod", "string"},
	    {"follow", 'f', FLAG_BOOL, &follow, "Follow log output"},
	    {"names", 'n', FLAG_BOOL, &names,
	     "Output container names instead of container IDs in the log"},
	    {"since", 0, FLAG_STRING, &since, "Show logs since TIMESTAMP", "string"},
	    {"until", 0, FLAG_STRING, &until, "Show logs until TIMESTAMP", "string"},
	    {"tail", 0, FLAG_STRING, &tail,
	     "Output the specified number of LINES at the end of the logs (default -1)", "int"},
	    {"timestamps", 't', FLAG_BOOL, &ts, "Output the timestamps in the log"},
	    FLAG_END};
	const struct flag_cmd cmd = {"berth pod logs", "[OPTIONS] POD",
				     "Fetch logs for pod with one or more containers", true,
				     FLAG_EXACT_ARGS(1)};
	autofree const char **pos = NULL;
	int n = flags_parse(&cmd, flags, argc, argv, &pos);
	if (n < 0)
		return flags_status(n);
	struct eng_logs_opts lo = {.tail = -1, .follow = follow};
	char *end = NULL;
	if (tail && ((lo.tail = strtol(tail, &end, 10)) < -1 || *end || !*tail))
		return cli_error(125, "invalid argument \"%s\" for \"--tail\" flag", tail);
	lo.since_ns = out_when_ns(since);
	lo.until_ns = out_when_ns(until);
	if (lo.since_ns < 0 || lo.until_ns < 0)
		return cli_error(125, "invalid time '%s'", lo.since_ns < 0 ? since : until);
	struct eng_store es = cli_engine(o);
	char **ids = NULL;
	int st = which(&es, pos[0], ctr, &ids);
	if (st)
		return st;
	if (follow) {
		st = follow_all(&es, ids, &lo, names, ctr != NULL, ts);
		strv_free(ids);
		return st;
	}
	for (size_t i = 0; ids[i] && !st; i++) {
		autofree char *prefix = prefix_of(&es, ids[i], names, ctr != NULL);
		struct out_log_prefix p = {prefix, ts};
		struct berr *err = NULL;
		if (eng_container_logs(&es, ids[i], &lo, out_log_line, &p, &err) < 0)
			st = cli_fail(err, 125);
	}
	strv_free(ids);
	return st;
}
