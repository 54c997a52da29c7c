/* berth pod: podman 4's pod commands (issue #19) on the engine's pods (engine/pod.h): create,
 * ls (ps, list), inspect, exists, start, stop, restart, kill, rm, pause, unpause, logs
 * (pod_logs.c), top, stats, prune. Errors exit 125, as podman's do. */
#include "engine/pod.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/berth/berth.h"
#include "cli/berth/flags.h"
#include "cli/berth/format.h"
#include "cli/berth/output.h"
#include "cli/berth/pod.h"
#include "cli/berth/prune.h"
#include "engine/bundle.h"
#include "engine/container_proc.h"
#include "engine/pod_vm.h"
#include "image/builtin.h"
#include "image/store.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/filter.h"
#include "util/json.h"
#include "util/signal.h"
#include "util/xalloc.h"

/* podman's `pod ps` row of the inspect document. */
static json_t *ls_row(json_t *doc, bool no_trunc)
{
	const char *id = json_string_value(json_object_get(doc, "Id"));
	const char *infra = json_string_value(json_object_get(doc, "InfraContainerID")) ?: "";
	char since[48];
	time_t created = out_parse_time(json_string_value(json_object_get(doc, "Created")) ?: "");
	return json_pack(
	    "{s:s%, s:O, s:O, s:s, s:s%, s:I, s:O}", "ID", id, no_trunc ? strlen(id) : (size_t)12,
	    "Name", json_object_get(doc, "Name"), "Status", json_object_get(doc, "State"),
	    "Created", out_since(created, since), "InfraID", infra,
	    no_trunc             ? strlen(infra)
	    : strlen(infra) < 12 ? strlen(infra)
				 : (size_t)12,
	    "NumberOfContainers", json_integer_value(json_object_get(doc, "NumContainers")),
	    "Labels", json_object_get(doc, "Labels"));
}

static int pod_ls(struct cli_opts *o, int argc, char **argv)
{
	bool quiet = false, no_trunc = false;
	const char *format = NULL;
	struct flag_list fl = {0};
	const struct flag flags[] = {
	    {"quiet", 'q', FLAG_BOOL, &quiet, "Print the IDs of the pods only"},
	    {"no-trunc", 0, FLAG_BOOL, &no_trunc, "Do not truncate pod and container IDs"},
	    {"format", 0, FLAG_STRING, &format, "Pretty-print pods using a Go template", "string"},
	    {"filter", 'f', FLAG_LIST, &fl, "Filter output (name, id, label, status)", "filter"},
	    FLAG_END};
	const struct flag_cmd cmd = {"berth pod ps", "[OPTIONS]", "List pods", true, FLAG_NO_ARGS};
	autofree const char **pos = NULL;
	int n = flags_parse(&cmd, flags, argc, argv, &pos);
	if (n < 0) {
		flag_list_free(&fl);
		return flags_status(n);
	}
	struct berr *err = NULL;
	json_auto_t *filters = filter_parse_args((char *const *)fl.v, fl.n, &err);
	flag_list_free(&fl);
	if (!filters || eng_pod_filter_check(filters, &err) < 0)
		return cli_fail(err, 125);
	struct eng_store es = cli_engine(o);
	char **ids = NULL;
	if (eng_pod_list(&es, &ids, &err) < 0)
		return cli_fail(err, 125);
	json_auto_t *rows = json_array();
	for (size_t i = 0; ids[i]; i++) {
		json_t *doc = eng_pod_inspect(&es, ids[i], NULL);
		if (doc && eng_pod_filter(filters, doc)) {
			if (quiet) /* podman's -q prints whole ids */
				puts(ids[i]);
			json_array_append_new(rows, ls_row(doc, no_trunc));
		}
		json_decref(doc);
	}
	strv_free(ids);
	json_auto_t *headers =
	    json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "ID", "POD ID", "Name", "NAME",
		      "Status", "STATUS", "Created", "CREATED", "InfraID", "INFRA ID",
		      "NumberOfContainers", "# OF CONTAINERS", "Labels", "LABELS");
	int st = quiet
		     ? 0
		     : fmt_rows(format,
				"table {{.ID}}\t{{.Name}}\t{{.Status}}\t{{.Created}}\t{{.InfraID}}"
				"\t{{.NumberOfContainers}}",
				headers, rows);
	return st;
}

static int pod_inspect(struct cli_opts *o, int argc, char **argv)
{
	const char *format = NULL;
	const struct flag flags[] = {{"format", 'f', FLAG_STRING, &format,
				      "Format the output using a Go template", "string"},
				     FLAG_END};
	const struct flag_cmd cmd = {"berth pod inspect", "[OPTIONS] POD [POD...]",
				     "Display a pod configuration", true, FLAG_MIN_ARGS(1)};
	autofree const char **pos = NULL;
	int n = flags_parse(&cmd, flags, argc, argv, &pos);
	if (n < 0)
		return flags_status(n);
	struct eng_store es = cli_engine(o);
	json_t *docs = json_array();
	int st = 0;
	for (int i = 0; i < n; i++) {
		char id[ENG_ID_LEN + 1];
		struct berr *err = NULL;
		json_t *doc = eng_pod_resolve(&es, pos[i], id, &err) < 0
				  ? NULL
				  : eng_pod_inspect(&es, id, &err);
		if (!doc)
			st = cli_fail(err, 125);
		else
			json_array_append_new(docs, doc);
	}
	if (format) {
		int f = fmt_each(format, docs);
		st = st ? st : f;
	} else if (json_array_size(docs)) {
		/* podman 4.3 prints the one pod's document, not a list */
		json_t *out = n == 1 ? json_array_get(docs, 0) : docs;
		char *text = json_dumps(out, JSON_INDENT(4) | JSON_PRESERVE_ORDER);
		printf("%s\n", text);
		free(text);
	}
	json_decref(docs);
	return st;
}

/* start, stop, restart, kill, rm: an action on each pod named (or every pod with --all),
 * its full id printed when it succeeds. */
struct pod_action {
	const char *name, *summary;
	int (*act)(const struct eng_store *s, const char *id, void *ctx, struct berr **err);
};

static int each_pod(struct cli_opts *o, const struct pod_action *a, int n, const char **pos,
		    bool all, void *ctx)
{
	if (n > 0 && all)
		return cli_error(125, "--all and pods cannot be given together");
	struct eng_store es = cli_engine(o);
	char **ids = NULL;
	struct berr *err = NULL;
	if (all && eng_pod_list(&es, &ids, &err) < 0)
		return cli_fail(err, 125);
	int st = 0;
	for (int i = 0; all ? ids[i] != NULL : i < n; i++) {
		char id[ENG_ID_LEN + 1];
		if (eng_pod_resolve(&es, all ? ids[i] : pos[i], id, &err) < 0 ||
		    a->act(&es, id, ctx, &err) < 0) {
			st = cli_fail(err, 125);
			err = NULL;
			continue;
		}
		printf("%s\n", id);
	}
	strv_free(ids);
	return st;
}

static int act_start(const struct eng_store *s, const char *id, void *ctx, struct berr **err)
{
	return eng_pod_start(s, id, err);
}

static int act_stop(const struct eng_store *s, const char *id, void *ctx, struct berr **err)
{
	return eng_pod_stop(s, id, (int)*(long *)ctx, err);
}

static int act_restart(const struct eng_store *s, const char *id, void *ctx, struct berr **err)
{
	return eng_pod_restart(s, id, err);
}

static int act_kill(const struct eng_store *s, const char *id, void *ctx, struct berr **err)
{
	return eng_pod_kill(s, id, *(int *)ctx, err);
}

static int act_rm(const struct eng_store *s, const char *id, void *ctx, struct berr **err)
{
	return eng_pod_remove(s, id, *(bool *)ctx, err);
}

static int act_pause(const struct eng_store *s, const char *id, void *ctx, struct berr **err)
{
	return eng_pod_pause(s, id, true, err);
}

static int act_unpause(const struct eng_store *s, const char *id, void *ctx, struct berr **err)
{
	return eng_pod_pause(s, id, false, err);
}

static const struct pod_action actions[] = {
    {"start", "Start one or more pods", act_start},
    {"stop", "Stop one or more pods", act_stop},
    {"restart", "Restart one or more pods", act_restart},
    {"kill", "Send the specified signal or SIGKILL to containers in pod", act_kill},
    {"rm", "Remove one or more stopped pods and containers", act_rm},
    {"pause", "Pause one or more pods", act_pause},
    {"unpause", "Unpause one or more pods", act_unpause},
};

/* The flags of each action: --all, and stop's -t, kill's -s, rm's -f. */
static int pod_act(struct cli_opts *o, int argc, char **argv, const struct pod_action *a)
{
	bool all = false, force = false;
	long timeout = -1;
	const char *signal = "KILL";
	struct flag flags[] = {
	    {"all", 'a', FLAG_BOOL, &all, "Act on every pod"}, FLAG_END, FLAG_END};
	if (!strcmp(a->name, "stop"))
		flags[1] = (struct flag){"time",
					 't',
					 FLAG_INT,
					 &timeout,
					 "Seconds to wait before killing the containers",
					 "int"};
	if (!strcmp(a->name, "kill"))
		flags[1] = (struct flag){
		    "signal", 's', FLAG_STRING, &signal, "Signal to send to the containers",
		    "string"};
	if (!strcmp(a->name, "rm"))
		flags[1] = (struct flag){"force", 'f', FLAG_BOOL, &force,
					 "Stop and remove the pod's running containers too"};
	autofree char *name = xasprintf("berth pod %s", a->name);
	const struct flag_cmd cmd = {name, "[OPTIONS] POD [POD...]", a->summary, true,
				     FLAG_MIN_ARGS(0)};
	autofree const char **pos = NULL;
	int n = flags_parse(&cmd, flags, argc, argv, &pos);
	struct flag_cmd one = cmd; /* at least one pod, unless --all */
	one.min_args = 1;
	if (n >= 0 && !all)
		n = flags_check_args(&one, n);
	if (n < 0)
		return flags_status(n);
	int sig = sig_parse(signal);
	if (sig <= 0)
		return cli_error(125, "invalid signal: %s", signal);
	void *ctx = !strcmp(a->name, "stop")   ? (void *)&timeout
		    : !strcmp(a->name, "kill") ? (void *)&sig
					       : (void *)&force;
	return each_pod(o, a, n, pos, all, ctx);
}

static int pod_start(struct cli_opts *o, int argc, char **argv)
{
	return pod_act(o, argc, argv, &actions[0]);
}

static int pod_stop(struct cli_opts *o, int argc, char **argv)
{
	return pod_act(o, argc, argv, &actions[1]);
}

static int pod_restart(struct cli_opts *o, int argc, char **argv)
{
	return pod_act(o, argc, argv, &actions[2]);
}

static int pod_kill(struct cli_opts *o, int argc, char **argv)
{
	return pod_act(o, argc, argv, &actions[3]);
}

static int pod_rm(struct cli_opts *o, int argc, char **argv)
{
	return pod_act(o, argc, argv, &actions[4]);
}

static int pod_pause(struct cli_opts *o, int argc, char **argv)
{
	return pod_act(o, argc, argv, &actions[5]);
}

static int pod_unpause(struct cli_opts *o, int argc, char **argv)
{
	return pod_act(o, argc, argv, &actions[6]);
}

/* The running containers of the pod named by ref (the infra's too); 125 after an error. */
static int running_of(struct eng_store *es, const char *ref, char ***out)
{
	char id[ENG_ID_LEN + 1];
	struct berr *err = NULL;
	if (eng_pod_resolve(es, ref, id, &err) < 0)
		return cli_fail(err, 125);
	char **all = eng_pod_containers(es, id, true);
	size_t n = 0;
	for (size_t i = 0; all[i]; i++) {
		json_t *st = eng_state_load(es, all[i]);
		if (json_is_true(json_object_get(st, "Running")))
			all[n++] = all[i];
		else
			free(all[i]);
		json_decref(st);
	}
	all[n] = NULL;
	*out = all;
	return n ? 0 : cli_error(125, "no containers in pod %s are running", ref);
}

/* The processes of every running container of the pod, as `top` lists one's. */
static int pod_top(struct cli_opts *o, int argc, char **argv)
{
	const struct flag flags[] = {FLAG_END};
	const struct flag_cmd cmd = {"berth pod top", "POD [ps OPTIONS]",
				     "Display the running processes of the containers in a pod",
				     false, FLAG_MIN_ARGS(1)};
	autofree const char **pos = NULL;
	argc = flags_parse(&cmd, flags, argc, argv, &pos); /* the ps options follow POD */
	if (argc < 0)
		return flags_status(argc);
	argv = (char **)pos;
	struct eng_store es = cli_engine(o);
	char **ids = NULL;
	int st = running_of(&es, argv[0], &ids);
	autofree char *args = xstrdup("");
	for (int i = 1; i < argc; i++) {
		char *t = xasprintf("%s%s%s", args, i > 1 ? " " : "", argv[i]);
		free(args);
		args = t;
	}
	struct table *t = st ? NULL : table_new();
	bool titled = false;
	for (size_t i = 0; !st && ids[i]; i++) {
		json_t *doc = NULL;
		struct berr *err = NULL;
		if (eng_pod_vm_infra(&es, ids[i]))
			continue; /* the pod's VM: its QEMU's, not the pod's processes */
		if (eng_container_top(&es, ids[i], args, &doc, &err) < 0) {
			st = cli_fail(err, 125);
			break;
		}
		size_t r, c;
		json_t *row, *cell, *rows = json_array();
		if (!titled)
			json_array_append(rows, json_object_get(doc, "Titles"));
		titled = true;
		json_array_foreach(json_object_get(doc, "Processes"), r, row)
		    json_array_append(rows, row);
		json_array_foreach(rows, r, row)
		{
			autofree char *line = xstrdup("");
			json_array_foreach(row, c, cell)
			{
				char *l = xasprintf("%s%s%s", line, c ? "\t" : "",
						    json_string_value(cell));
				free(line);
				line = l;
			}
			table_row(t, line);
		}
		json_decref(rows);
		json_decref(doc);
	}
	if (t)
		table_flush(t, stdout);
	strv_free(ids);
	return st;
}

/* `stats` over the pods' running containers (every pod's without arguments). */
static int pod_stats(struct cli_opts *o, int argc, char **argv)
{
	bool no_stream = false;
	const char *format = NULL;
	const struct flag flags[] = {
	    {"no-stream", 0, FLAG_BOOL, &no_stream, "Print the first result only"},
	    {"format", 0, FLAG_STRING, &format, "Pretty-print using a Go template", "string"},
	    FLAG_END};
	const struct flag_cmd cmd = {"berth pod stats", "[OPTIONS] [POD...]",
				     "Display a live stream of resource usage of pods", true,
				     FLAG_MIN_ARGS(0)};
	autofree const char **pos = NULL;
	int n = flags_parse(&cmd, flags, argc, argv, &pos);
	if (n < 0)
		return flags_status(n);
	struct eng_store es = cli_engine(o);
	char **pods = NULL;
	struct berr *err = NULL;
	if (n == 0 && eng_pod_list(&es, &pods, &err) < 0)
		return cli_fail(err, 125);
	json_t *args = json_array();
	if (no_stream)
		json_array_append_new(args, json_string("--no-stream"));
	if (format)
		json_array_append_new(args, json_pack("s", "--format"));
	if (format)
		json_array_append_new(args, json_string(format));
	int st = 0;
	for (int i = 0; !st && (n ? i < n : pods[i] != NULL); i++) {
		char **ids = NULL;
		/* without names, pods that do not run are left out */
		st = running_of(&es, n ? pos[i] : pods[i], &ids);
		for (size_t k = 0; !st && ids[k]; k++)
			json_array_append_new(args, json_string(ids[k]));
		if (st && !n)
			st = 0;
		strv_free(ids);
	}
	strv_free(pods);
	size_t count = json_array_size(args);
	char **v = xcalloc(count + 1, sizeof(char *));
	for (size_t i = 0; i < count; i++)
		v[i] = (char *)json_string_value(json_array_get(args, i));
	if (!st)
		st = cmd_stats(o, (int)count, v);
	free(v);
	json_decref(args);
	return st;
}

static int pod_prune(struct cli_opts *o, int argc, char **argv)
{
	bool force = false;
	const struct flag flags[] = {
	    {"force", 'f', FLAG_BOOL, &force, "Do not prompt for confirmation"}, FLAG_END};
	const struct flag_cmd cmd = {"berth pod prune", "[OPTIONS]",
				     "Remove all stopped pods and their containers", true,
				     FLAG_NO_ARGS};
	autofree const char **pos = NULL;
	int n = flags_parse(&cmd, flags, argc, argv, &pos);
	if (n < 0)
		return flags_status(n);
	if (!force && !prune_confirm("WARNING! This will remove all stopped/exited pods.."))
		return 0;
	struct eng_store es = cli_engine(o);
	json_t *removed = json_array();
	struct berr *err = NULL;
	int st = eng_pod_prune(&es, removed, &err) < 0 ? cli_fail(err, 125) : 0;
	size_t i;
	json_t *v;
	json_array_foreach(removed, i, v) puts(json_string_value(v));
	json_decref(removed);
	return st;
}

/* podman's: exit 0 when the pod exists, 1 when not. */
static int pod_exists(struct cli_opts *o, int argc, char **argv)
{
	const struct flag flags[] = {FLAG_END};
	const struct flag_cmd cmd = {"berth pod exists", "POD",
				     "Check if a pod exists in local storage", true,
				     FLAG_EXACT_ARGS(1)};
	autofree const char **pos = NULL;
	int n = flags_parse(&cmd, flags, argc, argv, &pos);
	if (n < 0)
		return flags_status(n);
	struct eng_store es = cli_engine(o);
	char id[ENG_ID_LEN + 1];
	return eng_pod_resolve(&es, pos[0], id, NULL) == 0 ? 0 : 1;
}

int cli_pod_prune_all(struct cli_opts *o)
{
	struct eng_store es = cli_engine(o);
	json_t *removed = json_array();
	struct berr *err = NULL;
	int st = eng_pod_prune(&es, removed, &err) < 0 ? cli_fail(err, 125) : 0;
	if (json_array_size(removed))
		puts("Deleted Pods");
	size_t i;
	json_t *v;
	json_array_foreach(removed, i, v) puts(json_string_value(v));
	json_decref(removed);
	return st;
}

int cmd_pod(struct cli_opts *o, int argc, char **argv)
{
	static const struct cli_command sub[] = {
	    {"create", "Create a new empty pod", cmd_pod_create},
	    {"ls", "List pods", pod_ls},
	    {"ps", NULL, pod_ls},
	    {"list", NULL, pod_ls},
	    {"inspect", "Display a pod configuration", pod_inspect},
	    {"exists", "Check if a pod exists in local storage", pod_exists},
	    {"start", "Start one or more pods", pod_start},
	    {"stop", "Stop one or more pods", pod_stop},
	    {"restart", "Restart one or more pods", pod_restart},
	    {"kill", "Send a signal to the containers of one or more pods", pod_kill},
	    {"rm", "Remove one or more pods", pod_rm},
	    {"pause", "Pause one or more pods", pod_pause},
	    {"unpause", "Unpause one or more pods", pod_unpause},
	    {"logs", "Fetch logs for pod with one or more containers", cmd_pod_logs},
	    {"top", "Display the running processes of the containers in a pod", pod_top},
	    {"stats", "Display resource usage of the containers of pods", pod_stats},
	    {"prune", "Remove all stopped pods and their containers", pod_prune},
	    {NULL, NULL, NULL},
	};
	return cli_group(o, "pod", "Manage pods", sub, argc, argv);
}
