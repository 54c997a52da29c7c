/* ps, inspect, logs and wait: what containers are and did. */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
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
#include "engine/logfile.h"
#include "engine/monitor.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/xalloc.h"

static const char *str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "";
}

/* "Up 5 seconds", "Exited (0) 3 seconds ago", "Created", "Restarting (1) ...". */
static char *status_text(json_t *st)
{
	const char *status = str(st, "Status");
	char d[48];
	if (!strcmp(status, "running") || !strcmp(status, "paused")) {
		time_t t = out_parse_time(str(st, "StartedAt"));
		const char *health = str(json_object_get(st, "Health"), "Status");
		return xasprintf("Up %s%s%s%s", out_duration((long)difftime(time(NULL), t), d),
				 !strcmp(status, "paused") ? " (Paused)" : "",
				 !*health                      ? ""
				 : !strcmp(health, "starting") ? " (health: "
							       : " (",
				 !*health                      ? ""
				 : !strcmp(health, "starting") ? "starting)"
				 : !strcmp(health, "healthy")  ? "healthy)"
							       : "unhealthy)");
	}
	if (!strcmp(status, "exited") || !strcmp(status, "restarting")) {
		time_t t = out_parse_time(str(st, "FinishedAt"));
		return xasprintf("%s (%lld) %s",
				 !strcmp(status, "exited") ? "Exited" : "Restarting",
				 (long long)json_integer_value(json_object_get(st, "ExitCode")),
				 out_since(t, d));
	}
	return xstrdup("Created");
}

/* The command as `docker ps` quotes it. */
static char *command_text(json_t *rec, bool trunc)
{
	size_t cap = 64, len = 0;
	char *out = xzalloc(cap);
	const char *parts[2] = {str(rec, "Path"), NULL};
	json_t *args = json_object_get(rec, "Args");
	for (size_t i = 0; i <= json_array_size(args); i++) {
		const char *p = i == 0 ? parts[0] : json_string_value(json_array_get(args, i - 1));
		size_t n = strlen(p ? p : "");
		if (len + n + 2 >= cap) {
			cap = (len + n + 2) * 2;
			out = xrealloc(out, cap);
		}
		len += (size_t)snprintf(out + len, cap - len, "%s%s", i ? " " : "", p ? p : "");
	}
	char *quoted;
	if (trunc && strlen(out) > 20)
		quoted = xasprintf("\"%.19s…\"", out);
	else
		quoted = xasprintf("\"%s\"", out);
	free(out);
	return quoted;
}

struct ps_opts {
	bool all, quiet, no_trunc, latest, size;
	long last;
	const char *format;
	struct flag_list filters;
};

static bool ps_keep(const struct ps_opts *p, json_t *rec, json_t *st, const char *id)
{
	const char *status = str(st, "Status");
	bool running = !strcmp(status, "running") || !strcmp(status, "restarting") ||
		       !strcmp(status, "paused");
	if (!p->all && !p->latest && p->last <= 0 && !p->filters.n && !running)
		return false;
	return cli_container_match(&p->filters, rec, st, id);
}

bool cli_container_match(const struct flag_list *filters, json_t *rec, json_t *st, const char *id)
{
	const char *status = str(st, "Status");
	for (int i = 0; i < filters->n; i++) {
		const char *f = filters->v[i];
		const char *eq = strchr(f, '=');
		if (!eq)
			continue;
		const char *v = eq + 1;
		size_t k = (size_t)(eq - f);
		const char *name = str(rec, "Name") + 1;
		if (!strncmp(f, "status", k) && strcmp(status, v))
			return false;
		if (!strncmp(f, "name", k) && !strstr(name, v))
			return false;
		if (!strncmp(f, "id", k) && strncmp(id, v, strlen(v)))
			return false;
		json_t *policy =
		    json_object_get(json_object_get(rec, "HostConfig"), "RestartPolicy");
		const char *pname = json_string_value(json_object_get(policy, "Name")) ?: "";
		if (!strncmp(f, "restart-policy", k) && strcmp(*pname ? pname : "no", v))
			return false;
		if (!strncmp(f, "exited", k) &&
		    (strcmp(status, "exited") ||
		     json_integer_value(json_object_get(st, "ExitCode")) != atoi(v)))
			return false;
		if (!strncmp(f, "ancestor", k) && fnmatch(v, str(rec, "ImageName"), 0) &&
		    strncmp(str(rec, "Image") + 7, v, strlen(v)))
			return false;
		if (!strncmp(f, "label", k)) {
			json_t *labels = json_object_get(json_object_get(rec, "Config"), "Labels");
			autofree char *key = xstrdup(v);
			char *veq = strchr(key, '=');
			if (veq)
				*veq = '\0';
			json_t *lv = json_object_get(labels, key);
			if (!lv || (veq && strcmp(json_string_value(lv), veq + 1)))
				return false;
		}
	}
	return true;
}

/* "0.0.0.0:8080->80/tcp, :::8080->80/tcp, 443/tcp" as docker ps shows a running one's */
static char *ports_text(json_t *ports)
{
	char *out = xstrdup("");
	const char *k;
	json_t *v;
	json_object_foreach(ports, k, v)
	{
		size_t n = json_array_size(v);
		for (size_t i = 0; i < (n ? n : 1); i++) {
			json_t *b = json_array_get(v, i);
			const char *ip = str(b, "HostIp") ?: "";
			char *part = n ? xasprintf("%s%s:%s->%s", strchr(ip, ':') ? "" : "", ip,
						   str(b, "HostPort") ?: "", k)
				       : xstrdup(k);
			char *next = xasprintf("%s%s%s", out, *out ? ", " : "", part);
			free(part);
			free(out);
			out = next;
		}
	}
	return out;
}

/* Docker's NetworkSettings: the record's networks, the running one's ports, and the legacy
 * top-level fields of the default network. */
static json_t *network_settings(json_t *rec, json_t *st, const char *id)
{
	json_t *nets = json_object_get(json_object_get(rec, "NetworkSettings"), "Networks");
	bool running = json_is_true(json_object_get(st, "Running"));
	json_t *ports = running && json_is_object(json_object_get(st, "Ports"))
			    ? json_incref(json_object_get(st, "Ports"))
			    : json_object();
	json_t *def = json_object_get(nets, "bridge");
	pid_t pid = (pid_t)json_integer_value(json_object_get(st, "Pid"));
	json_t *out =
	    json_pack("{s:s, s:s, s:o, s:s, s:s, s:s, s:i, s:s, s:s, s:i, s:s, s:s, s:O}", "Bridge",
		      "", "SandboxID", running ? id : "", "Ports", ports, "SandboxKey",
		      running && pid > 0 ? "" : "", "Gateway", str(def, "Gateway") ?: "",
		      "IPAddress", str(def, "IPAddress") ?: "", "IPPrefixLen",
		      (int)json_integer_value(json_object_get(def, "IPPrefixLen")), "IPv6Gateway",
		      str(def, "IPv6Gateway") ?: "", "GlobalIPv6Address",
		      str(def, "GlobalIPv6Address") ?: "", "GlobalIPv6PrefixLen",
		      (int)json_integer_value(json_object_get(def, "GlobalIPv6PrefixLen")),
		      "MacAddress", str(def, "MacAddress") ?: "", "EndpointID", "", "Networks",
		      nets ? nets : json_object());
	if (running && pid > 0)
		json_object_set_new(out, "SandboxKey", json_sprintf("/proc/%d/ns/net", (int)pid));
	return out;
}

static json_t *ps_row(json_t *rec, json_t *st, const char *id, bool no_trunc)
{
	char since[48], at[48];
	time_t created = out_parse_time(str(rec, "Created"));
	autofree char *status = status_text(st);
	autofree char *cmdline = command_text(rec, !no_trunc);
	autofree char *short_id = xasprintf("%.12s", id);
	json_t *labels = json_object_get(json_object_get(rec, "Config"), "Labels");
	autofree char *label_text = xstrdup("");
	const char *k;
	json_t *v;
	json_object_foreach(labels, k, v)
	{
		char *next = xasprintf("%s%s%s=%s", label_text, *label_text ? "," : "", k,
				       json_string_value(v));
		free(label_text);
		label_text = next;
	}
	autofree char *ports = ports_text(
	    json_is_true(json_object_get(st, "Running")) ? json_object_get(st, "Ports") : NULL);
	autofree char *nets = xstrdup("");
	json_object_foreach(json_object_get(json_object_get(rec, "NetworkSettings"), "Networks"), k,
			    v)
	{
		char *next = xasprintf("%s%s%s", nets, *nets ? "," : "", k);
		free(nets);
		nets = next;
	}
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "ID",
			 no_trunc ? id : short_id, "Image", str(rec, "ImageName"), "Command",
			 cmdline, "CreatedAt", out_go_time(created, at), "RunningFor",
			 out_since(created, since), "Ports", ports, "Status", status, "State",
			 str(st, "Status"), "Names", str(rec, "Name") + 1, "Labels", label_text,
			 "Mounts", "", "Networks",
			 *nets ? nets : str(json_object_get(rec, "HostConfig"), "NetworkMode"));
}

/* Docker's "2B (virtual 2.8MB)": the container's own changes, and with its image. */
static json_t *ps_size(struct eng_store *es, const char *root, json_t *rec, const char *id)
{
	autofree char *diff = eng_container_path(es, id, "diff");
	int64_t own = fs_disk_usage(AT_FDCWD, diff), layers = 0;
	size_t k;
	json_t *v;
	json_array_foreach(json_object_get(rec, "Layers"), k, v)
	{
		autofree char *dir = xasprintf("%s/layers/%s/diff", root, json_string_value(v) + 7);
		layers += fs_disk_usage(AT_FDCWD, dir);
	}
	char a[32], b[32];
	return json_sprintf("%s (virtual %s)", out_size(own, a), out_size(own + layers, b));
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
	int status =
	    fmt_rows(p->format,
		     p->size ? "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{."
			       "Status}}\t{{.Ports}}\t{{.Names}}\t{{.Size}}"
			     : "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{."
			       "Status}}\t{{.Ports}}\t{{.Names}}",
		     headers, rows);
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
	    FLAG_END};
	const struct flag_cmd cmd = {"berth ps", "[OPTIONS]", "List containers", true};
	autofree const char **pos = NULL;
	int n = flags_parse(&cmd, flags, argc, argv, &pos);
	if (n < 0)
		return n == -2 ? 0 : 125;
	struct eng_store es = cli_engine(o);
	char **ids = NULL;
	struct berr *err = NULL;
	if (eng_container_list(&es, &ids, &err) < 0)
		return cli_fail(err, 1);
	json_t *rows = json_array();
	long limit = p.latest ? 1 : p.last;
	for (size_t i = 0; ids[i] && (limit <= 0 || (long)i < limit); i++) {
		json_t *rec = eng_container_load(&es, ids[i], NULL);
		json_t *st = eng_state_load(&es, ids[i]);
		if (rec && ps_keep(&p, rec, st, ids[i])) {
			json_t *row = ps_row(rec, st, ids[i], p.no_trunc);
			if (p.size)
				json_object_set_new(row, "Size",
						    ps_size(&es, o->root, rec, ids[i]));
			json_array_append_new(rows, row);
		}
		json_decref(rec);
		json_decref(st);
	}
	strv_free(ids);
	int status = ps_print(&p, rows);
	json_decref(rows);
	flag_list_free(&p.filters);
	return status;
}

/* Docker's container inspect: the record, its State, and where its files are. */
static json_t *container_json(struct eng_store *es, const char *id)
{
	json_t *rec = eng_container_load(es, id, NULL);
	if (!rec)
		return NULL;
	json_t *st = eng_state_load(es, id);
	json_t *state = json_pack(
	    "{s:s, s:b, s:b, s:b, s:b, s:b, s:I, s:I, s:s, s:s, s:s}", "Status", str(st, "Status"),
	    "Running", json_is_true(json_object_get(st, "Running")), "Paused",
	    !strcmp(str(st, "Status"), "paused"), "Restarting",
	    !strcmp(str(st, "Status"), "restarting"), "OOMKilled", 0, "Dead", 0, "Pid",
	    (json_int_t)json_integer_value(json_object_get(st, "Pid")), "ExitCode",
	    (json_int_t)json_integer_value(json_object_get(st, "ExitCode")), "Error",
	    str(st, "Error"), "StartedAt",
	    *str(st, "StartedAt") ? str(st, "StartedAt") : "0001-01-01T00:00:00Z", "FinishedAt",
	    *str(st, "FinishedAt") ? str(st, "FinishedAt") : "0001-01-01T00:00:00Z");
	json_t *out = json_object();
	const char *order[] = {"Id", "Created", "Path", "Args"};
	for (size_t i = 0; i < 4; i++)
		json_object_set(out, order[i], json_object_get(rec, order[i]));
	if (json_object_get(st, "Health"))
		json_object_set(state, "Health", json_object_get(st, "Health"));
	json_object_set_new(out, "State", state);
	autofree char *dir = eng_container_path(es, id, NULL);
	autofree char *log = xasprintf("%s/%s-json.log", dir, id);
	autofree char *resolv = xasprintf("%s/resolv.conf", dir);
	autofree char *hostname = xasprintf("%s/hostname", dir);
	autofree char *hosts = xasprintf("%s/hosts", dir);
	json_object_set(out, "Image", json_object_get(rec, "Image"));
	json_object_set_new(out, "ResolvConfPath", json_string(resolv));
	json_object_set_new(out, "HostnamePath", json_string(hostname));
	json_object_set_new(out, "HostsPath", json_string(hosts));
	json_object_set_new(out, "LogPath", json_string(log));
	const char *rest[] = {"Name", "Driver", "Platform", "MountLabel"};
	for (size_t i = 0; i < 4; i++)
		json_object_set(out, rest[i], json_object_get(rec, rest[i]));
	json_object_set_new(out, "RestartCount",
			    json_integer(json_integer_value(json_object_get(st, "RestartCount"))));
	json_object_set(out, "HostConfig", json_object_get(rec, "HostConfig"));
	autofree char *upper = xasprintf("%s/diff", dir);
	autofree char *merged = xasprintf("%s/rootfs", dir);
	autofree char *work = xasprintf("%s/work", dir);
	json_object_set_new(out, "GraphDriver",
			    json_pack("{s:{s:s, s:s, s:s}, s:s}", "Data", "UpperDir", upper,
				      "MergedDir", merged, "WorkDir", work, "Name", "overlay"));
	json_object_set_new(out, "Mounts", json_array());
	json_object_set(out, "Config", json_object_get(rec, "Config"));
	json_object_set_new(out, "NetworkSettings", network_settings(rec, st, id));
	json_decref(st);
	json_decref(rec);
	return out;
}

int cmd_inspect(struct cli_opts *o, int argc, char **argv)
{
	const char *format = NULL, *type = NULL;
	const struct flag flags[] = {
	    {"format", 'f', FLAG_STRING, &format, "Format output using a Go template", "string"},
	    {"type", 0, FLAG_STRING, &type, "Return JSON for specified type (container|image)",
	     "string"},
	    {"size", 's', FLAG_BOOL, &(bool){0}, NULL},
	    FLAG_END};
	const struct flag_cmd cmd = {"berth inspect", "[OPTIONS] NAME|ID [NAME|ID...]",
				     "Return low-level information on containers or images", true};
	autofree const char **pos = NULL;
	int n = flags_parse(&cmd, flags, argc, argv, &pos);
	if (n < 0)
		return n == -2 ? 0 : 125;
	if (n < 1)
		return cli_error(125, "\"berth inspect\" requires at least 1 argument");
	if (type && strcmp(type, "container") && strcmp(type, "image"))
		return cli_error(125, "\"%s\" is not a valid value for --type", type);
	if (type && !strcmp(type, "image"))
		return cmd_image_inspect(o, argc, argv);
	struct eng_store es = cli_engine(o);
	json_t *out = json_array();
	int status = 0;
	for (int i = 0; i < n; i++) {
		char id[ENG_ID_LEN + 1];
		struct berr *err = NULL;
		if (eng_container_resolve(&es, pos[i], id, &err) < 0) {
			berr_free(err);
			if (!type) {
				/* Docker falls back to an image of that name */
				char *args[] = {format ? "--format" : (char *)pos[i],
						format ? (char *)format : NULL, (char *)pos[i],
						NULL};
				int r = format ? cmd_image_inspect(o, 3, args)
					       : cmd_image_inspect(o, 1, args);
				if (r)
					status = r;
				continue;
			}
			status = cli_error(1, "no such container: %s", pos[i]);
			continue;
		}
		json_t *j = container_json(&es, id);
		if (j)
			json_array_append_new(out, j);
	}
	if (json_array_size(out)) {
		if (format) {
			if (fmt_each(format, out))
				status = 1;
		} else {
			char *text = json_dumps(out, JSON_INDENT(4));
			puts(text);
			free(text);
		}
	}
	json_decref(out);
	return status;
}

struct logs_ctx {
	bool timestamps;
	int64_t since_ns, until_ns;
	long tail;
	json_t *kept; /* with --tail: the last entries, printed at the end */
};

static void print_entry(const struct eng_log_entry *e, bool ts)
{
	FILE *f = e->stream == 2 ? stderr : stdout;
	if (ts)
		fprintf(f, "%s ", e->time ? e->time : "");
	fputs(e->text, f);
	fflush(f);
}

static void on_entry(const struct eng_log_entry *e, void *arg)
{
	struct logs_ctx *c = arg;
	if ((c->since_ns && e->time_ns < c->since_ns) || (c->until_ns && e->time_ns > c->until_ns))
		return;
	if (c->tail >= 0) {
		json_array_append_new(c->kept, json_pack("{s:i, s:s, s:s}", "s", e->stream, "t",
							 e->text, "w", e->time ? e->time : ""));
		while ((long)json_array_size(c->kept) > c->tail)
			json_array_remove(c->kept, 0);
		return;
	}
	print_entry(e, c->timestamps);
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
				     "Fetch the logs of a container", true};
	autofree const char **pos = NULL;
	int n = flags_parse(&cmd, flags, argc, argv, &pos);
	if (n < 0)
		return n == -2 ? 0 : 125;
	if (n != 1)
		return cli_error(125, "\"berth logs\" requires exactly 1 argument");
	struct logs_ctx c = {.timestamps = ts, .tail = -1};
	if (strcmp(tail, "all")) {
		char *end = NULL;
		c.tail = strtol(tail, &end, 10);
		if (*end || c.tail < 0)
			return cli_error(125, "invalid --tail '%s'", tail);
	}
	c.since_ns = out_when_ns(since);
	c.until_ns = out_when_ns(until);
	if (c.since_ns < 0 || c.until_ns < 0)
		return cli_error(125, "invalid time '%s'", c.since_ns < 0 ? since : until);
	struct eng_store es = cli_engine(o);
	char id[ENG_ID_LEN + 1];
	struct berr *err = NULL;
	if (eng_container_resolve(&es, pos[0], id, &err) < 0)
		return cli_fail(err, 1);
	autofree char *dir = eng_container_path(&es, id, NULL);
	autofree char *path = xasprintf("%s/%s-json.log", dir, id);
	autoclose int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno != ENOENT)
		return cli_error(1, "open '%s': %s", path, strerror(errno));
	c.kept = json_array();
	int64_t off = 0;
	if (fd >= 0)
		eng_log_read(fd, &off, on_entry, &c);
	size_t i;
	json_t *e;
	json_array_foreach(c.kept, i, e)
	{
		struct eng_log_entry le = {(int)json_integer_value(json_object_get(e, "s")),
					   (char *)str(e, "t"), (char *)str(e, "w"), 0};
		print_entry(&le, ts);
	}
	json_decref(c.kept);
	c.tail = -1;
	while (follow) {
		json_t *st = eng_state_load(&es, id);
		bool running = json_is_true(json_object_get(st, "Running")) ||
			       !strcmp(str(st, "Status"), "restarting");
		json_decref(st);
		if (fd < 0)
			fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd >= 0)
			eng_log_read(fd, &off, on_entry, &c);
		if (!running)
			break;
		struct timespec t = {0, 100 * 1000000L};
		nanosleep(&t, NULL);
	}
	return 0;
}

int cmd_wait(struct cli_opts *o, int argc, char **argv)
{
	const struct flag flags[] = {FLAG_END};
	const struct flag_cmd cmd = {"berth wait", "CONTAINER [CONTAINER...]",
				     "Block until one or more containers stop, then print their "
				     "exit codes",
				     true};
	autofree const char **pos = NULL;
	int n = flags_parse(&cmd, flags, argc, argv, &pos);
	if (n < 0)
		return n == -2 ? 0 : 125;
	if (n < 1)
		return cli_error(125, "\"berth wait\" requires at least 1 argument");
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
