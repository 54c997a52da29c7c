/* ps, inspect, logs and wait: what containers are and did. The documents are the engine's
 * (engine/container_view.h); here they become tables and text. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/berth/berth.h"
#include "cli/berth/flags.h"
#include "cli/berth/format.h"
#include "cli/berth/output.h"
#include "engine/container.h"
#include "engine/container_view.h"
#include "engine/logfile.h"
#include "engine/logs.h"
#include "engine/monitor.h"
#include "engine/pod.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/filter.h"
#include "util/json.h"
#include "util/xalloc.h"

static const char *str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "";
}

/* The command as `docker ps` quotes it. */
static char *command_text(const char *command, bool trunc)
{
	if (trunc && strlen(command) > 20)
		return xasprintf("\"%.19s…\"", command);
	return xasprintf("\"%s\"", command);
}

struct ps_opts {
	bool all, quiet, no_trunc, latest, size, pod;
	long last;
	const char *format;
	struct flag_list filters;
	json_t *pods; /* --filter pod=: the pods' ids (podman's filter), or NULL */
};

/* podman's --filter pod=NAME|ID, taken out of the list before Docker's filters see it: the
 * pods' ids into p->pods (an unknown pod matches nothing). */
static void ps_pod_filter(struct eng_store *es, struct ps_opts *p)
{
	int kept = 0;
	for (int i = 0; i < p->filters.n; i++) {
		const char *f = p->filters.v[i];
		if (strncmp(f, "pod=", 4)) {
			p->filters.v[kept++] = f;
			continue;
		}
		char id[ENG_ID_LEN + 1];
		if (!p->pods)
			p->pods = json_array();
		if (eng_pod_resolve(es, f + 4, id, NULL) == 0)
			json_array_append_new(p->pods, json_string(id));
	}
	if (p->filters.v)
		p->filters.v[kept] = NULL;
	p->filters.n = kept;
}

static bool ps_in_pod(const struct ps_opts *p, json_t *rec)
{
	const char *pod = json_string_value(json_object_get(rec, "Pod"));
	size_t i;
	json_t *v;
	json_array_foreach(p->pods, i, v)
	{
		if (pod && !strcmp(pod, json_string_value(v)))
			return true;
	}
	return !p->pods;
}

/* ps --pod: podman's POD ID and PODNAME columns. */
static void ps_pod_columns(struct eng_store *es, json_t *rec, json_t *row, bool no_trunc)
{
	const char *pod = json_string_value(json_object_get(rec, "Pod"));
	json_t *prec = pod ? eng_pod_load(es, pod, NULL) : NULL;
	json_object_set_new(row, "Pod",
			    json_sprintf("%.*s", no_trunc ? ENG_ID_LEN : 12, pod ?: ""));
	json_object_set_new(row, "PodName",
			    json_string(json_string_value(json_object_get(prec, "Name")) ?: ""));
	json_decref(prec);
}

static bool ps_keep(const struct ps_opts *p, json_t *filters, json_t *rec, json_t *st,
		    const char *id)
{
	const char *status = str(st, "Status");
	bool running = !strcmp(status, "running") || !strcmp(status, "restarting") ||
		       !strcmp(status, "paused");
	if (!p->all && !p->latest && p->last <= 0 && !p->filters.n && !p->pods && !running)
		return false;
	if (!ps_in_pod(p, rec))
		return false;
	return eng_container_filter(filters, rec, st, id);
}

int cli_container_filters(struct eng_store *es, const struct flag_list *list, json_t **out)
{
	struct berr *err = NULL;
	json_t *filters = filter_parse_args((char *const *)list->v, list->n, &err);
	if (!filters)
		return cli_fail(err, 125);
	if (eng_container_filter_check(es, filters, &err) < 0) {
		json_decref(filters);
		return cli_fail(err, 1);
	}
	*out = filters;
	return 0;
}

char *cli_ports_text(json_t *ports)
{
	char *out = xstrdup("");
	size_t i;
	json_t *p;
	json_array_foreach(ports, i, p)
	{
		json_int_t priv = json_integer_value(json_object_get(p, "PrivatePort"));
		char *part =
		    json_object_get(p, "PublicPort")
			? xasprintf("%s:%lld->%lld/%s", str(p, "IP"),
				    (long long)json_integer_value(json_object_get(p, "PublicPort")),
				    (long long)priv, str(p, "Type"))
			: xasprintf("%lld/%s", (long long)priv, str(p, "Type"));
		char *next = xasprintf("%s%s%s", out, *out ? ", " : "", part);
		free(part);
		free(out);
		out = next;
	}
	return out;
}

/* "a,b": an object's keys, or "k=v,..." with values */
static char *joined_keys(json_t *obj, bool values)
{
	char *out = xstrdup("");
	const char *k;
	json_t *v;
	json_object_foreach(obj, k, v)
	{
		char *next = values ? xasprintf("%s%s%s=%s", out, *out ? "," : "", k,
						json_string_value(v) ?: "")
				    : xasprintf("%s%s%s", out, *out ? "," : "", k);
		free(out);
		out = next;
	}
	return out;
}

/* docker ps's row of the engine's ContainerSummary: short id, quoted command, ages, and the
 * lists as text. */
static json_t *ps_row(json_t *sum, bool no_trunc)
{
	char since[48], at[48];
	time_t created = (time_t)json_integer_value(json_object_get(sum, "Created"));
	const char *id = str(sum, "Id");
	autofree char *cmdline = command_text(str(sum, "Command"), !no_trunc);
	autofree char *short_id = xasprintf("%.12s", id);
	autofree char *labels = joined_keys(json_object_get(sum, "Labels"), true);
	autofree char *ports = cli_ports_text(json_object_get(sum, "Ports"));
	autofree char *nets = joined_keys(
	    json_object_get(json_object_get(sum, "NetworkSettings"), "Networks"), false);
	const char *name = json_string_value(json_array_get(json_object_get(sum, "Names"), 0));
	json_t *row = json_pack(
	    "{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "ID",
	    no_trunc ? id : short_id, "Image", str(sum, "Image"), "Command", cmdline, "CreatedAt",
	    out_go_time(created, at), "RunningFor", out_since(created, since), "Ports", ports,
	    "Status", str(sum, "Status"), "State", str(sum, "State"), "Names",
	    name && *name == '/' ? name + 1 : (name ?: ""), "Labels", labels, "Mounts", "",
	    "Networks", *nets ? nets : str(json_object_get(sum, "HostConfig"), "NetworkMode"));
	if (json_object_get(sum, "SizeRw")) {
		/* Docker's "2B (virtual 2.8MB)": the container's own changes, and with its
		 * image */
		char a[32], b[32];
		json_object_set_new(
		    row, "Size",
		    json_sprintf(
			"%s (virtual %s)",
			out_size(json_integer_value(json_object_get(sum, "SizeRw")), a),
			out_size(json_integer_value(json_object_get(sum, "SizeRootFs")), b)));
	}
	return row;
}

/* The rows as -q, --format or Docker's table has them; the exit status. */
static int ps_print(const struct ps_opts *p, json_t *rows)
{
	if (p->quiet) {
		size_t i;
		json_t *row;
		json_array_foreach(rows, i, row) puts(str(row, "ID"));
		return 0;
	}
	json_t *headers =
	    json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "ID",
		      "CONTAINER ID", "Image", "IMAGE", "Command", "COMMAND", "CreatedAt",
		      "CREATED AT", "RunningFor", "CREATED", "Ports", "PORTS", "Status", "STATUS",
		      "State", "STATE", "Names", "NAMES", "Labels", "LABELS", "Mounts", "MOUNTS",
		      "Networks", "NETWORKS", "Size", "SIZE");
	json_object_set_new(headers, "Pod", json_string("POD ID"));
	json_object_set_new(headers, "PodName", json_string("PODNAME"));
	autofree char *table =
	    xasprintf("table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{."
		      "Ports}}\t{{.Names}}%s%s",
		      p->size ? "\t{{.Size}}" : "", p->pod ? "\t{{.Pod}}\t{{.PodName}}" : "");
	int status = fmt_rows(p->format, table, headers, rows);
	json_decref(headers);
	return status;
}

int cmd_ps(struct cli_opts *o, int argc, char **argv)
{
	struct ps_opts p = {0};
	const struct flag flags[] = {
	    {"all", 'a', FLAG_BOOL, &p.all, "Show all containers (default shows just running)"},
	    {"quiet", 'q', FLAG_BOOL, &p.quiet, "Only display container IDs"},
	    {"no-trunc", 0, FLAG_BOOL, &p.no_trunc, "Don't truncate output"},
	    {"latest", 'l', FLAG_BOOL, &p.latest, "Show the latest created container"},
	    {"last", 'n', FLAG_INT, &p.last, "Show n last created containers", "int"},
	    {"format", 0, FLAG_STRING, &p.format, "Format output using a Go template", "string"},
	    {"filter", 'f', FLAG_LIST, &p.filters, "Filter output based on conditions provided",
	     "filter"},
	    {"size", 's', FLAG_BOOL, &p.size, "Display total file sizes"},
	    {"pod", 'p', FLAG_BOOL, &p.pod, "Show the pod of each container (podman's)"},
	    FLAG_END};
	const struct flag_cmd cmd = {"berth ps", "[OPTIONS]", "List containers", true,
				     FLAG_NO_ARGS};
	autofree const char **pos = NULL;
	int n = flags_parse(&cmd, flags, argc, argv, &pos);
	if (n < 0) {
		flag_list_free(&p.filters);
		return flags_status(n);
	}
	struct eng_store es = cli_engine(o);
	json_auto_t *filters = NULL;
	ps_pod_filter(&es, &p);
	int status = cli_container_filters(&es, &p.filters, &filters);
	if (status) {
		flag_list_free(&p.filters);
		json_decref(p.pods);
		return status;
	}
	char **ids = NULL;
	struct berr *err = NULL;
	if (eng_container_list(&es, &ids, &err) < 0) {
		flag_list_free(&p.filters);
		json_decref(p.pods);
		return cli_fail(err, 1);
	}
	json_auto_t *rows = json_array();
	long limit = p.latest ? 1 : p.last;
	for (size_t i = 0; ids[i] && (limit <= 0 || (long)i < limit); i++) {
		json_t *rec = eng_container_load(&es, ids[i], NULL);
		json_t *st = eng_state_load(&es, ids[i]);
		if (rec && ps_keep(&p, filters, rec, st, ids[i])) {
			json_t *sum = eng_container_summary(&es, rec, st, ids[i], p.size);
			json_t *row = ps_row(sum, p.no_trunc);
			ps_pod_columns(&es, rec, row, p.no_trunc);
			json_array_append_new(rows, row);
			json_decref(sum);
		}
		json_decref(rec);
		json_decref(st);
	}
	strv_free(ids);
	status = ps_print(&p, rows);
	json_decref(p.pods);
	flag_list_free(&p.filters);
	return status;
}

/* name's document appended to out; without --type, an image of that name inspected (printed)
 * when no container has it, as Docker falls back. 0 or the exit status. */
static int inspect_one(struct cli_opts *o, struct eng_store *es, const char *name, const char *type,
		       const char *format, bool size, json_t *out)
{
	char id[ENG_ID_LEN + 1];
	struct berr *err = NULL;
	if (eng_container_resolve(es, name, id, &err) < 0) {
		berr_free(err);
		if (type)
			return cli_error(1, "no such container: %s", name);
		char *args[] = {format ? "--format" : (char *)name, format ? (char *)format : NULL,
				(char *)name, NULL};
		return format ? cmd_image_inspect(o, 3, args) : cmd_image_inspect(o, 1, args);
	}
	json_t *j = eng_container_inspect(es, id, size, &err);
	if (!j)
		return cli_fail(err, 1);
	json_array_append_new(out, j);
	return 0;
}

int cmd_inspect(struct cli_opts *o, int argc, char **argv)
{
	const char *format = NULL, *type = NULL;
	bool size = false;
	const struct flag flags[] = {
	    {"format", 'f', FLAG_STRING, &format, "Format output using a Go template", "string"},
	    {"type", 0, FLAG_STRING, &type, "Return JSON for specified type (container|image)",
	     "string"},
	    {"size", 's', FLAG_BOOL, &size, "Display total file sizes if the type is container"},
	    FLAG_END};
	const struct flag_cmd cmd = {"berth inspect", "[OPTIONS] NAME|ID [NAME|ID...]",
				     "Return low-level information on containers or images", true,
				     FLAG_MIN_ARGS(1)};
	autofree const char **pos = NULL;
	int n = flags_parse(&cmd, flags, argc, argv, &pos);
	if (n < 0)
		return flags_status(n);
	if (type && strcmp(type, "container") && strcmp(type, "image"))
		return cli_error(125, "\"%s\" is not a valid value for --type", type);
	if (type && !strcmp(type, "image"))
		return cmd_image_inspect(o, argc, argv);
	struct eng_store es = cli_engine(o);
	json_t *out = json_array();
	int status = 0;
	for (int i = 0; i < n; i++) {
		int r = inspect_one(o, &es, pos[i], type, format, size, out);
		if (r)
			status = r;
	}
	if (fmt_inspect(format, out))
		status = 1;
	json_decref(out);
	return status;
}

/* An entry of the log on our stdout or stderr, as it was written (ctx: --timestamps). */
static void print_entry(const struct eng_log_entry *e, void *ctx)
{
	FILE *f = e->stream == 2 ? stderr : stdout;
	if (*(bool *)ctx)
		fprintf(f, "%s ", e->time ? e->time : "");
	fputs(e->text, f);
	fflush(f);
}

int cmd_logs(struct cli_opts *o, int argc, char **argv)
{
	bool follow = false, ts = false;
	const char *tail = "all", *since = NULL, *until = NULL;
	const struct flag flags[] = {
	    {"follow", 'f', FLAG_BOOL, &follow, "Follow log output"},
	    {"timestamps", 't', FLAG_BOOL, &ts, "Show timestamps"},
	    {"tail", 'n', FLAG_STRING, &tail, "Number of lines to show from the end of the logs",
	     "string"},
	    {"since", 0, FLAG_STRING, &since,
	     "Show logs since timestamp or relative (e.g. 42m for 42 minutes)", "string"},
	    {"until", 0, FLAG_STRING, &until,
	     "Show logs before a timestamp or relative (e.g. 42m for 42 minutes)", "string"},
	    {"details", 0, FLAG_BOOL, &(bool){0}, NULL},
	    FLAG_END};
	const struct flag_cmd cmd = {"berth logs", "[OPTIONS] CONTAINER",
				     "Fetch the logs of a container", true, FLAG_EXACT_ARGS(1)};
	autofree const char **pos = NULL;
	int n = flags_parse(&cmd, flags, argc, argv, &pos);
	if (n < 0)
		return flags_status(n);
	struct eng_logs_opts lo = {.tail = -1, .follow = follow};
	if (strcmp(tail, "all")) {
		char *end = NULL;
		lo.tail = strtol(tail, &end, 10);
		if (*end || lo.tail < 0)
			return cli_error(125, "invalid --tail '%s'", tail);
	}
	lo.since_ns = out_when_ns(since);
	lo.until_ns = out_when_ns(until);
	if (lo.since_ns < 0 || lo.until_ns < 0)
		return cli_error(125, "invalid time '%s'", lo.since_ns < 0 ? since : until);
	struct eng_store es = cli_engine(o);
	char id[ENG_ID_LEN + 1];
	struct berr *err = NULL;
	if (eng_container_resolve(&es, pos[0], id, &err) < 0 ||
	    eng_container_logs(&es, id, &lo, print_entry, &ts, &err) < 0)
		return cli_fail(err, 1);
	return 0;
}

int cmd_wait(struct cli_opts *o, int argc, char **argv)
{
	const struct flag flags[] = {FLAG_END};
	const struct flag_cmd cmd = {"berth wait", "CONTAINER [CONTAINER...]",
				     "Block until one or more containers stop, then print their "
				     "exit codes",
				     true, FLAG_MIN_ARGS(1)};
	autofree const char **pos = NULL;
	int n = flags_parse(&cmd, flags, argc, argv, &pos);
	if (n < 0)
		return flags_status(n);
	struct eng_store es = cli_engine(o);
	int status = 0;
	for (int i = 0; i < n; i++) {
		char id[ENG_ID_LEN + 1];
		struct berr *err = NULL;
		int code = 0;
		if (eng_container_resolve(&es, pos[i], id, &err) < 0 ||
		    eng_container_wait(&es, id, &code, &err) < 0) {
			status = cli_fail(err, 1);
			continue;
		}
		printf("%d\n", code);
	}
	return status;
}
