/* attach, pause, unpause, top, stats, port, update: a running container's processes and streams,
 * on the engine's functions (engine/container_proc.h, stats.h, update.h); the tables are ours. */
#include "engine/container_proc.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli/berth/attach.h"
#include "cli/berth/berth.h"
#include "cli/berth/flags.h"
#include "cli/berth/format.h"
#include "cli/berth/output.h"
#include "engine/attach.h"
#include "engine/bundle.h"
#include "engine/container.h"
#include "engine/stats.h"
#include "engine/update.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/json.h"
#include "util/xalloc.h"

/* The id of a running container, or an exit status after printing why not. */
static int running(struct eng_store *es, const char *ref, char id[ENG_ID_LEN + 1])
{
	struct berr *err = NULL;
	if (eng_container_resolve(es, ref, id, &err) < 0)
		return cli_fail(err, 1);
	if (!cli_running(es, id))
		return cli_error(1, "container %s is not running", ref);
	return 0;
}

int cmd_attach(struct cli_opts *o, int argc, char **argv)
{
	bool no_stdin = false, sig_proxy = true;
	const struct flag flags[] = {
	    {"no-stdin", 0, FLAG_BOOL, &no_stdin, "Do not attach STDIN"},
	    {"sig-proxy", 0, FLAG_BOOL, &sig_proxy, "Proxy all received signals to the process"},
	    FLAG_END};
	const struct flag_cmd cmd = {"berth attach", "[OPTIONS] CONTAINER",
				     "Attach local standard input, output, and error streams to a "
				     "running container",
				     true, FLAG_EXACT_ARGS(1)};
	autofree const char **pos = NULL;
	int n = flags_parse(&cmd, flags, argc, argv, &pos);
	if (n < 0)
		return flags_status(n);
	struct eng_store es = cli_engine(o);
	char id[ENG_ID_LEN + 1];
	int st = running(&es, pos[0], id);
	if (st)
		return st;
	json_t *rec = eng_container_load(&es, id, NULL);
	json_t *cfg = json_object_get(rec, "Config");
	struct cli_attach a = {.stdin_ =
				   !no_stdin && json_is_true(json_object_get(cfg, "OpenStdin")),
			       .stdout_ = true,
			       .stderr_ = true,
			       .tty_raw = json_is_true(json_object_get(cfg, "Tty")),
			       .sig_proxy = sig_proxy};
	a.sig_proxy &= !a.tty_raw;
	json_decref(rec);
	struct berr *err = NULL;
	int sock = eng_attach_connect(&es, id, &err);
	if (sock < 0)
		return cli_fail(err, 1);
	int code = cli_attach_run(&es, id, sock, &a);
	(void)close(sock);
	return code < 0 ? 0 : code;
}

static int pause_or_resume(struct cli_opts *o, int argc, char **argv, bool pause)
{
	const struct flag flags[] = {FLAG_END};
	const struct flag_cmd cmd = {pause ? "berth pause" : "berth unpause",
				     "CONTAINER [CONTAINER...]",
				     pause ? "Pause all processes within one or more containers"
					   : "Unpause all processes within one or more containers",
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
		int st = running(&es, pos[i], id);
		if (st) {
			status = st;
			continue;
		}
		if (eng_container_pause(&es, id, pause, &err) < 0) {
			status = cli_fail(err, 1);
			continue;
		}
		printf("%s\n", pos[i]);
	}
	return status;
}

int cmd_pause(struct cli_opts *o, int argc, char **argv)
{
	return pause_or_resume(o, argc, argv, true);
}

int cmd_unpause(struct cli_opts *o, int argc, char **argv)
{
	return pause_or_resume(o, argc, argv, false);
}

/* docker top: the engine's ps of the container's processes ("-ef" unless options given), as
 * the docker CLI prints it. */
int cmd_top(struct cli_opts *o, int argc, char **argv)
{
	const struct flag flags[] = {FLAG_END};
	const struct flag_cmd cmd = {"berth top", "CONTAINER [ps OPTIONS]",
				     "Display the running processes of a container", false,
				     FLAG_MIN_ARGS(1)};
	autofree const char **pos = NULL;
	argc = flags_parse(&cmd, flags, argc, argv, &pos); /* the ps options follow CONTAINER */
	if (argc < 0)
		return flags_status(argc);
	argv = (char **)pos;
	struct eng_store es = cli_engine(o);
	char id[ENG_ID_LEN + 1];
	int st = running(&es, argv[0], id);
	if (st)
		return st;
	/* the docker CLI's ps_args: the options joined by spaces */
	autofree char *args = xstrdup("");
	for (int i = 1; i < argc; i++) {
		char *t = xasprintf("%s%s%s", args, i > 1 ? " " : "", argv[i]);
		free(args);
		args = t;
	}
	json_t *doc = NULL;
	struct berr *err = NULL;
	if (eng_container_top(&es, id, args, &doc, &err) < 0)
		return cli_fail(err, 1);
	struct table *t = table_new();
	json_t *rows = json_array();
	json_array_append(rows, json_object_get(doc, "Titles"));
	size_t i, j;
	json_t *row, *cell;
	json_array_foreach(json_object_get(doc, "Processes"), i, row) json_array_append(rows, row);
	json_array_foreach(rows, i, row)
	{
		autofree char *line = xstrdup("");
		json_array_foreach(row, j, cell)
		{
			char *l = xasprintf("%s%s%s", line, j ? "\t" : "", json_string_value(cell));
			free(line);
			line = l;
		}
		table_row(t, line);
	}
	table_flush(t, stdout);
	json_decref(rows);
	json_decref(doc);
	return 0;
}

/* Docker's MiB/GiB for stats (binary units, unlike images' sizes). */
static const char *bin_size(int64_t b, char buf[32])
{
	static const char *const u[] = {"B", "KiB", "MiB", "GiB", "TiB"};
	double v = (double)b;
	int i = 0;
	while (v >= 1024 && i < 4) {
		v /= 1024;
		i++;
	}
	snprintf(buf, 32, "%.4g%s", v, u[i]);
	return buf;
}

/* "1.2kB / 648B": Docker's NET I/O and BLOCK I/O (decimal units). */
static void io_pair(uint64_t a, uint64_t b, char out[80])
{
	char x[32], y[32];
	snprintf(out, 80, "%s / %s", out_size((int64_t)a, x), out_size((int64_t)b, y));
}

static json_t *stats_row(struct eng_store *es, const char *id, const struct eng_stats_sample *a,
			 const struct eng_stats_sample *b)
{
	double secs = (double)(b->mono.tv_sec - a->mono.tv_sec) +
		      (double)(b->mono.tv_nsec - a->mono.tv_nsec) / 1e9;
	double cpu =
	    secs > 0 && a->running
		? ((double)b->cg.cpu_total_ns - (double)a->cg.cpu_total_ns) / 1e9 / secs * 100
		: 0;
	int64_t mem = (int64_t)b->cg.mem_usage, limit = (int64_t)b->mem_limit;
	char cpu_s[32], mem_s[80], pct[32], x[32], y[32], pids[32], net[80], blk[80];
	snprintf(cpu_s, sizeof(cpu_s), "%.2f%%", cpu < 0 ? 0 : cpu);
	snprintf(mem_s, sizeof(mem_s), "%s / %s", bin_size(mem, x), bin_size(limit, y));
	snprintf(pct, sizeof(pct), "%.2f%%", limit ? 100.0 * (double)mem / (double)limit : 0);
	snprintf(pids, sizeof(pids), "%llu", (unsigned long long)b->cg.pids);
	io_pair(b->net_rx_bytes, b->net_tx_bytes, net);
	io_pair(b->cg.io_read_bytes, b->cg.io_write_bytes, blk);
	json_t *rec = eng_container_load(es, id, NULL);
	autofree char *short_id = xasprintf("%.12s", id);
	const char *name = json_string_value(json_object_get(rec, "Name"));
	json_t *row = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "ID", short_id, "Name",
				name ? name + 1 : "", "CPUPerc", cpu_s, "MemUsage", mem_s,
				"MemPerc", pct, "NetIO", net, "BlockIO", blk, "PIDs", pids);
	json_decref(rec);
	return row;
}

/* The containers to show: those named (each running), or every one. */
static int stats_ids(struct eng_store *es, int n, const char **pos, char ***out_ids)
{
	struct berr *err = NULL;
	if (n == 0)
		return eng_container_list(es, out_ids, &err) < 0 ? cli_fail(err, 1) : 0;
	char **ids = xcalloc((size_t)n + 1, sizeof(char *));
	for (int i = 0; i < n; i++) {
		char id[ENG_ID_LEN + 1];
		if (running(es, pos[i], id)) {
			strv_free(ids);
			return 1;
		}
		ids[i] = xstrdup(id);
	}
	*out_ids = ids;
	return 0;
}

/* A sample of each container, its row against its previous sample, which it replaces. */
static json_t *stats_rows(struct eng_store *es, char **ids, struct eng_stats_sample *prev, bool all)
{
	json_t *rows = json_array();
	for (size_t i = 0; ids[i]; i++) {
		struct eng_stats_sample cur = {0};
		/* a container that does not run: a row of zeros with -a only */
		if (eng_stats_sample(es, ids[i], &cur, NULL) < 0 || (!cur.running && !all)) {
			eng_stats_sample_clear(&cur);
			continue;
		}
		json_array_append_new(rows, stats_row(es, ids[i], &prev[i], &cur));
		eng_stats_sample_clear(&prev[i]);
		prev[i] = cur;
	}
	return rows;
}

int cmd_stats(struct cli_opts *o, int argc, char **argv)
{
	bool no_stream = false, all = false;
	const char *format = NULL;
	const struct flag flags[] = {
	    {"no-stream", 0, FLAG_BOOL, &no_stream,
	     "Disable streaming stats and only pull the first result"},
	    {"all", 'a', FLAG_BOOL, &all, "Show all containers (default shows just running)"},
	    {"format", 0, FLAG_STRING, &format, "Format output using a Go template", "string"},
	    {"no-trunc", 0, FLAG_BOOL, &(bool){0}, NULL},
	    FLAG_END};
	const struct flag_cmd cmd = {
	    "berth stats", "[OPTIONS] [CONTAINER...]",
	    "Display a live stream of container(s) resource usage statistics", true,
	    FLAG_MIN_ARGS(0)};
	autofree const char **pos = NULL;
	int n = flags_parse(&cmd, flags, argc, argv, &pos);
	if (n < 0)
		return flags_status(n);
	struct eng_store es = cli_engine(o);
	char **ids = NULL;
	int status = stats_ids(&es, n, pos, &ids);
	if (status)
		return status;
	json_t *headers =
	    json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "ID", "CONTAINER ID", "Name",
		      "NAME", "CPUPerc", "CPU %", "MemUsage", "MEM USAGE / LIMIT", "MemPerc",
		      "MEM %", "NetIO", "NET I/O", "BlockIO", "BLOCK I/O", "PIDs", "PIDS");
	size_t count = strv_len(ids);
	struct eng_stats_sample *prev = xcalloc(count + 1, sizeof(*prev));
	for (size_t i = 0; i < count; i++)
		(void)eng_stats_sample(&es, ids[i], &prev[i], NULL);
	for (;;) {
		struct timespec t = {0, 500 * 1000000L};
		nanosleep(&t, NULL);
		json_t *rows = stats_rows(&es, ids, prev, all);
		if (!no_stream)
			printf("\033[2J\033[H");
		status =
		    fmt_rows(format,
			     "table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}"
			     "\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDs}}",
			     headers, rows);
		json_decref(rows);
		fflush(stdout);
		if (no_stream || status)
			break;
	}
	for (size_t i = 0; i < count; i++)
		eng_stats_sample_clear(&prev[i]);
	free(prev);
	json_decref(headers);
	strv_free(ids);
	return status;
}

int cmd_port(struct cli_opts *o, int argc, char **argv)
{
	const struct flag flags[] = {FLAG_END};
	const struct flag_cmd cmd = {"berth port", "CONTAINER [PRIVATE_PORT[/PROTO]]",
				     "List port mappings or a specific mapping for the container",
				     true, FLAG_RANGE_ARGS(1, 2)};
	autofree const char **pos = NULL;
	int n = flags_parse(&cmd, flags, argc, argv, &pos);
	if (n < 0)
		return flags_status(n);
	struct eng_store es = cli_engine(o);
	char id[ENG_ID_LEN + 1];
	struct berr *err = NULL;
	if (eng_container_resolve(&es, pos[0], id, &err) < 0)
		return cli_fail(err, 1);
	json_t *st = eng_state_load(&es, id);
	json_t *ports =
	    json_is_true(json_object_get(st, "Running")) ? json_object_get(st, "Ports") : NULL;
	autofree char *want =
	    n == 2 ? (strchr(pos[1], '/') ? xstrdup(pos[1]) : xasprintf("%s/tcp", pos[1])) : NULL;
	bool any = false;
	const char *k;
	json_t *v;
	json_object_foreach(ports, k, v)
	{
		if (want && strcmp(k, want))
			continue;
		size_t i;
		json_t *b;
		json_array_foreach(v, i, b)
		{
			const char *ip = json_string_value(json_object_get(b, "HostIp")) ?: "";
			const char *hp = json_string_value(json_object_get(b, "HostPort")) ?: "";
			bool v6 = strchr(ip, ':') != NULL;
			if (want)
				printf("%s%s%s:%s\n", v6 ? "[" : "", ip, v6 ? "]" : "", hp);
			else
				printf("%s -> %s%s%s:%s\n", k, v6 ? "[" : "", ip, v6 ? "]" : "",
				       hp);
			any = true;
		}
	}
	json_decref(st);
	if (want && !any)
		return cli_error(1, "no public port '%s' published for %s", want, pos[0]);
	return 0;
}

/* update's --restart ("name[:N]") as Docker's RestartPolicy, or NULL after saying why not. */
static json_t *restart_policy(const char *restart)
{
	const char *colon = strchr(restart, ':');
	autofree char *name =
	    colon ? xstrndup(restart, (size_t)(colon - restart)) : xstrdup(restart);
	if (strcmp(name, "no") && strcmp(name, "always") && strcmp(name, "on-failure") &&
	    strcmp(name, "unless-stopped")) {
		cli_error(125, "invalid restart policy '%s'", restart);
		return NULL;
	}
	return json_pack("{s:s, s:i}", "Name", name, "MaximumRetryCount",
			 colon ? atoi(colon + 1) : 0);
}

static int do_update(struct eng_store *es, const char *id, void *changes, struct berr **err)
{
	return eng_container_update(es, id, changes, err);
}

int cmd_update(struct cli_opts *o, int argc, char **argv)
{
	const char *memory = NULL, *swap = NULL, *cpus = NULL, *cpuset = NULL, *restart = NULL;
	long shares = -1, pids = 0, quota = 0, period = 0;
	const struct flag flags[] = {
	    {"memory", 'm', FLAG_STRING, &memory, "Memory limit", "bytes"},
	    {"memory-swap", 0, FLAG_STRING, &swap, "Swap limit equal to memory plus swap", "bytes"},
	    {"cpus", 0, FLAG_STRING, &cpus, "Number of CPUs", "decimal"},
	    {"cpu-shares", 'c', FLAG_INT, &shares, "CPU shares (relative weight)", "int"},
	    {"cpu-period", 0, FLAG_INT, &period, "Limit CPU CFS (Completely Fair Scheduler) period",
	     "int"},
	    {"cpu-quota", 0, FLAG_INT, &quota, "Limit CPU CFS (Completely Fair Scheduler) quota",
	     "int"},
	    {"cpuset-cpus", 0, FLAG_STRING, &cpuset, "CPUs in which to allow execution", "string"},
	    {"pids-limit", 0, FLAG_INT, &pids, "Tune container pids limit (-1 for unlimited)",
	     "int"},
	    {"restart", 0, FLAG_STRING, &restart, "Restart policy to apply when a container exits",
	     "string"},
	    FLAG_END};
	const struct flag_cmd cmd = {"berth update", "[OPTIONS] CONTAINER [CONTAINER...]",
				     "Update configuration of one or more containers", true,
				     FLAG_MIN_ARGS(1)};
	autofree const char **pos = NULL;
	int n = flags_parse(&cmd, flags, argc, argv, &pos);
	if (n < 0)
		return flags_status(n);
	int64_t mem = memory ? eng_parse_bytes(memory) : 0;
	int64_t sw = swap ? (!strcmp(swap, "-1") ? -1 : eng_parse_bytes(swap)) : 0;
	double c = cpus ? strtod(cpus, NULL) : 0;
	if ((memory && mem < 0) || (swap && sw < -1) || (cpus && c <= 0))
		return cli_error(125, "invalid value for --memory, --memory-swap or --cpus");
	/* Docker's UpdateConfig, as the docker CLI sends it */
	json_auto_t *changes = json_pack("{s:I, s:I, s:I}", "Memory", (json_int_t)mem, "MemorySwap",
					 (json_int_t)sw, "NanoCpus", (json_int_t)(c * 1e9));
	if (shares >= 0)
		json_object_set_new(changes, "CpuShares", json_integer(shares));
	if (quota)
		json_object_set_new(changes, "CpuQuota", json_integer(quota));
	if (period)
		json_object_set_new(changes, "CpuPeriod", json_integer(period));
	if (cpuset)
		json_object_set_new(changes, "CpusetCpus", json_string(cpuset));
	if (pids)
		json_object_set_new(changes, "PidsLimit", json_integer(pids));
	json_t *policy = restart ? restart_policy(restart) : NULL;
	if (restart && !policy)
		return 125;
	if (policy)
		json_object_set_new(changes, "RestartPolicy", policy);
	return cli_each_container(o, n, pos, do_update, changes, true);
}
