/* pause, unpause, top and the terminal's size of a running container (container_proc.h).
 * Not here: stats (stats.c), exec (exec.c), the stream of attach (attach.c, monitor.c). */
#include "engine/container_proc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine/attach.h"
#include "engine/bundle.h"
#include "engine/event.h"
#include "engine/executor.h"
#include "engine/monitor.h"
#include "engine/pod_vm.h"
#include "runtime/cgroup.h"
#include "runtime/container.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/spawn.h"
#include "util/xalloc.h"
#include "vm/vm.h"

#define PS_OUT_MAX  (8u << 20) /* ps of a whole host (the retry without -q) stays below */
#define PS_ARGS_MAX 4096
#define PS_ARGV_MAX 64

/* The container's Status ("running", "paused", "restarting", "exited", ...), or EBUSY with
 * dockerd's text when it does not run. */
static int running_status(const struct eng_store *s, const char *id, char out[16],
			  struct berr **err)
{
	json_t *st = eng_state_load(s, id);
	bool up = json_is_true(json_object_get(st, "Running"));
	snprintf(out, 16, "%s", json_string_value(json_object_get(st, "Status")) ?: "");
	json_decref(st);
	if (!up)
		return berr_plain(err, EBUSY, "Container %s is not running", id);
	if (!strcmp(out, "restarting"))
		return berr_plain(err, EBUSY,
				  "Container %s is restarting, wait until the container is running",
				  id);
	return 0;
}

/* Pause: a VM's vCPUs stop (QMP), a container's cgroup freezes; a member of a pod of one VM
 * has neither of its own: only its marker (freeze false), the pod's VM being paused by
 * eng_pod_pause. */
static int pause_one(const struct eng_store *s, const char *id, bool pause, bool freeze,
		     struct berr **err)
{
	char status[16];
	int r = running_status(s, id, status, err);
	if (r < 0)
		return r;
	autofree char *marker = eng_container_path(s, id, "paused");
	bool paused = access(marker, F_OK) == 0;
	if (pause && paused)
		return berr_plain(err, EBUSY, "Container %s is already paused", id);
	if (!pause && !paused)
		return berr_plain(err, EBUSY, "Container %s is not paused", id);
	if (freeze && eng_container_is_vm(s, id)) {
		autofree char *vmdir = xasprintf("%s/%s/vm", s->runroot, id);
		r = vm_pause(vmdir, pause, err);
	} else if (freeze) {
		autofree char *rtroot = eng_runtime_root(s);
		r = rt_container_pause(rtroot, id, pause, err);
	}
	if (r < 0)
		return r;
	/* the marker is what eng_state_load reports as "paused" */
	if (pause)
		(void)close(open(marker, O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
	else
		(void)unlink(marker);
	eng_container_event(s, id, pause ? "pause" : "unpause", NULL);
	return 0;
}

/* A member of a pod of one VM: no VM or cgroup of its own to pause. */
static bool in_pod_vm(const struct eng_store *s, const char *id)
{
	json_t *rec = eng_container_load(s, id, NULL);
	bool member = rec && eng_pod_vm_executor(rec);
	json_decref(rec);
	return member;
}

int eng_container_pause(const struct eng_store *s, const char *id, bool pause, struct berr **err)
{
	if (in_pod_vm(s, id))
		return berr_plain(err, ENOTSUP,
				  "container %.12s runs in its pod's VM, which pauses as a whole: "
				  "berth pod %s",
				  id, pause ? "pause" : "unpause");
	return pause_one(s, id, pause, true, err);
}

int eng_container_pause_in_pod(const struct eng_store *s, const char *id, bool pause,
			       struct berr **err)
{
	return pause_one(s, id, pause, !in_pod_vm(s, id), err);
}

/* ---- top ---- */

/* Go's strings.Fields over ASCII space (dockerd's fieldsASCII). */
static json_t *fields(const char *line, size_t len)
{
	json_t *a = json_array();
	size_t i = 0;
	while (i < len) {
		while (i < len && strchr(" \t\v\f\r", line[i]))
			i++;
		size_t b = i;
		while (i < len && !strchr(" \t\v\f\r", line[i]))
			i++;
		if (i > b)
			json_array_append_new(a, json_stringn(line + b, i - b));
	}
	return a;
}

/* The row: the titles' count of fields, the last holding the rest joined by spaces (the
 * command line), as dockerd's appendProcess2ProcList. */
static void add_row(json_t *procs, json_t *f, size_t titles)
{
	json_t *row = json_array();
	size_t n = json_array_size(f);
	for (size_t i = 0; i + 1 < titles; i++)
		json_array_append(row, i < n ? json_array_get(f, i) : json_string(""));
	autofree char *rest = xstrdup("");
	for (size_t i = titles - 1; i < n; i++) {
		char *t = xasprintf("%s%s%s", rest, i > titles - 1 ? " " : "",
				    json_string_value(json_array_get(f, i)));
		free(rest);
		rest = t;
	}
	json_array_append_new(row, json_string(rest));
	json_array_append_new(procs, row);
}

static bool has_pid(const pid_t *pids, size_t n, long p)
{
	for (size_t i = 0; i < n; i++)
		if (pids[i] == p)
			return true;
	return false;
}

json_t *eng_top_parse(const char *text, const pid_t *pids, size_t n, struct berr **err)
{
	const char *nl = strchr(text, '\n');
	json_t *titles = fields(text, nl ? (size_t)(nl - text) : strlen(text));
	size_t pid_col = SIZE_MAX, nt = json_array_size(titles);
	for (size_t i = 0; i < nt && pid_col == SIZE_MAX; i++)
		if (!strcmp(json_string_value(json_array_get(titles, i)), "PID"))
			pid_col = i;
	if (pid_col == SIZE_MAX) {
		json_decref(titles);
		return berr_plain(err, EINVAL, "Couldn't find PID field in ps output"), NULL;
	}
	json_t *procs = json_array();
	/* a thread's row (ps -m) has "-" for its PID: kept when its process's row was */
	bool prev_in = false;
	for (const char *p = nl ? nl + 1 : ""; *p;) {
		const char *end = strchr(p, '\n');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		json_t *f = fields(p, len);
		const char *pid = json_string_value(json_array_get(f, pid_col));
		if (pid && !strcmp(pid, "-")) {
			if (prev_in)
				add_row(procs, f, nt);
		} else if (pid) {
			prev_in = has_pid(pids, n, strtol(pid, NULL, 10));
			if (prev_in)
				add_row(procs, f, nt);
		}
		json_decref(f);
		p = end ? end + 1 : p + len;
	}
	return json_pack("{s:o, s:o}", "Titles", titles, "Processes", procs);
}

/* dockerd's validatePSArgs: "k=PID..." output renames are refused unless k is "pid" (a
 * renamed PID column could not be found). */
static int ps_args_check(const char *a, struct berr **err)
{
	for (const char *eq = strchr(a, '='); eq; eq = strchr(eq + 1, '=')) {
		const char *v = eq + 1;
		while (*v == ' ' || *v == '\t')
			v++;
		if (strncmp(v, "PID", 3))
			continue;
		const char *k = eq;
		while (k > a && !strchr(" \t", k[-1]))
			k--;
		if (k == a || (size_t)(eq - k) == 0)
			continue; /* the pattern wants white space before the key */
		size_t vl = strcspn(v, " \t");
		if ((size_t)(eq - k) != 3 || strncmp(k, "pid", 3))
			return berr_plain(err, EINVAL, "specifying \"%.*s=%.*s\" is not allowed",
					  (int)(eq - k), k, (int)vl, v);
	}
	return 0;
}

/* Run ps with argv; its stdout (bounded) in *out_text, or its first line of stderr in err. */
static int ps_run(char **argv, char **out_text, struct berr **err)
{
	struct spawn_opts o = {
	    .argv = (const char *const *)argv, .out = SPAWN_OUT_CAPTURE, .out_max = PS_OUT_MAX};
	struct spawn_result res;
	int r = spawn_run(&o, &res, NULL);
	if (r < 0) {
		size_t n = strcspn(res.err, "\n");
		r = n ? berr_plain(err, EINVAL, "ps: %.*s", (int)n, res.err)
		      : berr_plain(
			    err, EINVAL, "ps: exit status %d",
			    res.status >= 0 && WIFEXITED(res.status) ? WEXITSTATUS(res.status) : 1);
		spawn_result_free(&res);
		return r;
	}
	*out_text = res.out;
	res.out = NULL;
	spawn_result_free(&res);
	return 0;
}

int eng_container_top(const struct eng_store *s, const char *id, const char *ps_args,
		      json_t **out_doc, struct berr **err)
{
	if (!ps_args || !*ps_args)
		ps_args = "-ef";
	if (strlen(ps_args) > PS_ARGS_MAX)
		return berr_plain(err, EINVAL, "ps arguments too long");
	int r = ps_args_check(ps_args, err);
	char status[16];
	if (r < 0 || (r = running_status(s, id, status, err)) < 0)
		return r;
	/* a member of a pod of one VM: its processes are the guest's */
	json_auto_t *rec = eng_container_load(s, id, NULL);
	if (rec && eng_pod_vm_executor(rec)) {
		r = eng_pod_vm_top(s, rec, id, ps_args, out_doc, err);
		if (r == 0)
			eng_container_event(s, id, "top", NULL);
		return r;
	}
	pid_t *pids = NULL;
	size_t n = 0;
	autofree char *cgroup = eng_container_cgroup(s, id);
	if ((r = rt_cgroup_pids(cgroup, &pids, &n, err)) < 0)
		return r;
	/* argv: ps, the arguments split at each space (empty pieces left out), -q<pids> */
	autofree char *args = xstrdup(ps_args);
	autofree char *q = xzalloc(n * 12 + 3);
	char *argv[PS_ARGV_MAX + 3] = {"ps"};
	size_t k = 1, len = (size_t)sprintf(q, "-q");
	for (char *save = NULL, *t = strtok_r(args, " ", &save); t && k <= PS_ARGV_MAX;
	     t = strtok_r(NULL, " ", &save))
		argv[k++] = t;
	for (size_t i = 0; i < n; i++)
		len += (size_t)sprintf(q + len, "%s%d", i ? "," : "", (int)pids[i]);
	argv[k] = q;
	autofree char *text = NULL;
	/* some options (f) cannot go with -q: then ps of everything, filtered below */
	if (ps_run(argv, &text, NULL) < 0) {
		argv[k] = NULL;
		r = ps_run(argv, &text, err);
	}
	json_t *doc = r < 0 ? NULL : eng_top_parse(text, pids, n, err);
	free(pids);
	if (!doc)
		return r < 0 ? r : berr_ret(err);
	eng_container_event(s, id, "top", NULL);
	*out_doc = doc;
	return 0;
}

/* ---- the terminal's size ---- */

int eng_container_resize(const struct eng_store *s, const char *id, unsigned rows, unsigned cols,
			 struct berr **err)
{
	char status[16];
	int r = running_status(s, id, status, err);
	if (r < 0)
		return r;
	autoclose int sock = eng_attach_connect(s, id, err);
	if (sock < 0)
		return sock;
	/* the monitor's FRAME_RESIZE, as an attached client sends it on SIGWINCH: it sets the
	 * size on its pty master (a VM: the guest's console); without a terminal it drops it */
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%u %u", rows, cols);
	r = frame_write(sock, FRAME_RESIZE, buf, (size_t)n);
	if (r < 0)
		return berr_set(err, -r, "resize container %.12s", id);
	/* our end of input; then the monitor's output to us drained until it drops us (it
	 * has read the frame then): were we gone first, a write of output to us could fail
	 * and drop us before the frame is read */
	(void)shutdown(sock, SHUT_WR);
	struct pollfd p = {.fd = sock, .events = POLLIN};
	static char drain[4096];
	while (poll(&p, 1, 2000) > 0 && read(sock, drain, sizeof(drain)) > 0)
		;
	json_t *more = json_pack("{s:o, s:o}", "height", json_sprintf("%u", rows), "width",
				 json_sprintf("%u", cols));
	eng_container_event(s, id, "resize", more);
	json_decref(more);
	return 0;
}
