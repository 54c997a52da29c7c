/* attach, pause, unpause, top, stats, port: a running container's processes and streams. */
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
#include "engine/executor.h"
#include "engine/monitor.h"
#include "runtime/container.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/json.h"
#include "util/xalloc.h"
#include "vm/vm.h"

/* The id of a running container, or an exit status after printing why not. */
static int running(struct eng_store *es, const char *ref, char id[ENG_ID_LEN + 1])
{
	struct berr *err = NULL;
	if (eng_container_resolve(es, ref, id, &err) < 0)
		return cli_fail(err, 1);
	json_t *st = eng_state_load(es, id);
	bool up = json_is_true(json_object_get(st, "Running"));
	json_decref(st);
	if (!up)
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
				     true};
	autofree const char **pos = NULL;
	int n = flags_parse(&cmd, flags, argc, argv, &pos);
	if (n < 0)
		return n == -2 ? 0 : 125;
	if (n != 1)
		return cli_error(125, "\"berth attach\" requires exactly 1 argument");
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
				     true};
	autofree const char **pos = NULL;
	int n = flags_parse(&cmd, flags, argc, argv, &pos);
	if (n < 0)
		return n == -2 ? 0 : 125;
	if (n < 1)
		return cli_error(125, "\"%s\" requires at least 1 argument", cmd.name);
	struct eng_store es = cli_engine(o);
	autofree char *rtroot = eng_runtime_root(&es);
	int status = 0;
	for (int i = 0; i < n; i++) {
		char id[ENG_ID_LEN + 1];
		struct berr *err = NULL;
		int st = running(&es, pos[i], id);
		if (st) {
			status = st;
			continue;
		}
		autofree char *marker = eng_container_path(&es, id, "paused");
		bool vm = eng_container_is_vm(&es, id), paused = access(marker, F_OK) == 0;
		if (vm && paused == pause) {
			status = cli_error(1, "container %s is %s paused", pos[i],
					   pause ? "already" : "not");
			continue;
		}
		/* a VM: its vCPUs stop (QMP); a container: its cgroup freezes */
		autofree char *vmdir = xasprintf("%s/%s/vm", es.runroot, id);
		if (vm ? vm_pause(vmdir, pause, &err) < 0
		       : rt_container_pause(rtroot, id, pause, &err) < 0) {
			status = cli_fail(err, 1);
			continue;
		}
		if (pause)
			(void)close(open(marker, O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
		else
			(void)unlink(marker);
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

/* docker top: the host's ps over the container's processes ("-ef" unless options given). */
int cmd_top(struct cli_opts *o, int argc, char **argv)
{
	if (argc < 1 || !strcmp(argv[0], "--help"))
		return argc < 1 ? cli_error(125, "\"berth top\" requires at least 1 argument")
				: (printf("\nUsage:  berth top CONTAINER [ps OPTIONS]\n\nDisplay "
					  "the running processes of a container\n"),
				   0);
	struct eng_store es = cli_engine(o);
	char id[ENG_ID_LEN + 1];
	int st = running(&es, argv[0], id);
	if (st)
		return st;
	autofree char *rtroot = eng_runtime_root(&es);
	pid_t *pids = NULL;
	size_t n = 0;
	struct berr *err = NULL;
	if (rt_container_pids(rtroot, id, &pids, &n, &err) < 0)
		return cli_fail(err, 1);
	size_t cap = n * 12 + 16, len = 0;
	autofree char *list = xzalloc(cap);
	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(list + len, cap - len, "%s%d", i ? "," : "", (int)pids[i]);
	free(pids);
	fflush(stdout);
	pid_t child = fork();
	if (child == 0) {
		char *args[64] = {"ps"};
		int k = 1;
		if (argc > 1)
			for (int i = 1; i < argc && k < 60; i++)
				args[k++] = argv[i];
		else
			args[k++] = "-f";
		args[k++] = "-p";
		args[k++] = list;
		args[k] = NULL;
		execvp("ps", args);
		_exit(127);
	}
	int ws = 0;
	while (child > 0 && waitpid(child, &ws, 0) < 0 && errno == EINTR)
		;
	return child > 0 && WIFEXITED(ws) ? WEXITSTATUS(ws) : 1;
}

struct sample {
	int64_t cpu_ns, mem, mem_limit, pids;
	struct timespec at;
};

static bool take(const char *rtroot, const char *id, struct sample *s)
{
	json_t *j = rt_container_stats(rtroot, id, NULL);
	if (!j)
		return false;
	s->cpu_ns = json_integer_value(
	    json_object_get(json_object_get(json_object_get(j, "cpu"), "usage"), "total"));
	json_t *mem = json_object_get(json_object_get(j, "memory"), "usage");
	s->mem = json_integer_value(json_object_get(mem, "usage"));
	s->mem_limit = json_integer_value(json_object_get(mem, "limit"));
	s->pids = json_integer_value(json_object_get(json_object_get(j, "pids"), "current"));
	clock_gettime(CLOCK_MONOTONIC, &s->at);
	json_decref(j);
	return true;
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

static json_t *stats_row(struct eng_store *es, const char *id, const struct sample *a,
			 const struct sample *b)
{
	double secs =
	    (double)(b->at.tv_sec - a->at.tv_sec) + (double)(b->at.tv_nsec - a->at.tv_nsec) / 1e9;
	double cpu = secs > 0 ? (double)(b->cpu_ns - a->cpu_ns) / 1e9 / secs * 100 : 0;
	int64_t limit = b->mem_limit > 0 && b->mem_limit < (1LL << 62) ? b->mem_limit : 0;
	if (!limit) {
		long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);
		limit = (int64_t)pages * size;
	}
	char cpu_s[32], mem_s[80], pct[32], x[32], y[32], pids[32];
	snprintf(cpu_s, sizeof(cpu_s), "%.2f%%", cpu < 0 ? 0 : cpu);
	snprintf(mem_s, sizeof(mem_s), "%s / %s", bin_size(b->mem, x), bin_size(limit, y));
	snprintf(pct, sizeof(pct), "%.2f%%", limit ? 100.0 * (double)b->mem / (double)limit : 0);
	snprintf(pids, sizeof(pids), "%lld", (long long)b->pids);
	json_t *rec = eng_container_load(es, id, NULL);
	autofree char *short_id = xasprintf("%.12s", id);
	json_t *row = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "ID", short_id, "Name",
				json_string_value(json_object_get(rec, "Name")) + 1, "CPUPerc",
				cpu_s, "MemUsage", mem_s, "MemPerc", pct, "NetIO", "0B / 0B",
				"BlockIO", "0B / 0B", "PIDs", pids);
	json_decref(rec);
	return row;
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
	    "Display a live stream of container(s) resource usage statistics", true};
	autofree const char **pos = NULL;
	int n = flags_parse(&cmd, flags, argc, argv, &pos);
	if (n < 0)
		return n == -2 ? 0 : 125;
	struct eng_store es = cli_engine(o);
	autofree char *rtroot = eng_runtime_root(&es);
	char **ids = NULL;
	struct berr *err = NULL;
	if (n == 0) {
		if (eng_container_list(&es, &ids, &err) < 0)
			return cli_fail(err, 1);
	} else {
		ids = xcalloc((size_t)n + 1, sizeof(char *));
		for (int i = 0; i < n; i++) {
			char id[ENG_ID_LEN + 1];
			if (running(&es, pos[i], id)) {
				strv_free(ids);
				return 1;
			}
			ids[i] = xstrdup(id);
		}
	}
	json_t *headers =
	    json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "ID", "CONTAINER ID", "Name",
		      "NAME", "CPUPerc", "CPU %", "MemUsage", "MEM USAGE / LIMIT", "MemPerc",
		      "MEM %", "NetIO", "NET I/O", "BlockIO", "BLOCK I/O", "PIDs", "PIDS");
	size_t count = strv_len(ids);
	struct sample *prev = xcalloc(count + 1, sizeof(*prev)), cur;
	for (size_t i = 0; i < count; i++)
		take(rtroot, ids[i], &prev[i]);
	int status = 0;
	for (;;) {
		struct timespec t = {0, 500 * 1000000L};
		nanosleep(&t, NULL);
		json_t *rows = json_array();
		for (size_t i = 0; i < count; i++)
			if (take(rtroot, ids[i], &cur)) {
				json_array_append_new(rows, stats_row(&es, ids[i], &prev[i], &cur));
				prev[i] = cur;
			}
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
				     true};
	autofree const char **pos = NULL;
	int n = flags_parse(&cmd, flags, argc, argv, &pos);
	if (n < 0)
		return n == -2 ? 0 : 125;
	if (n < 1 || n > 2)
		return cli_error(125, "\"berth port\" requires 1 or 2 arguments");
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

/* update: new limits in the record (so restarts keep them) and, if it runs, in its cgroup. */
static int update_one(struct eng_store *es, const char *ref, json_t *hc_changes, json_t *res,
		      json_t *restart)
{
	char id[ENG_ID_LEN + 1];
	struct berr *err = NULL;
	if (eng_container_resolve(es, ref, id, &err) < 0)
		return cli_fail(err, 1);
	json_t *rec = eng_container_load(es, id, &err);
	if (!rec)
		return cli_fail(err, 1);
	json_t *hc = json_object_get(rec, "HostConfig");
	json_object_update(hc, hc_changes);
	if (restart)
		json_object_set(hc, "RestartPolicy", restart);
	int status = 0;
	json_t *st = eng_state_load(es, id);
	bool up = json_is_true(json_object_get(st, "Running"));
	json_decref(st);
	autofree char *rtroot = eng_runtime_root(es);
	if (up && json_object_size(res) && rt_container_update(rtroot, id, res, &err) < 0)
		status = cli_fail(err, 1);
	if (!status && eng_container_save(es, id, rec, &err) < 0)
		status = cli_fail(err, 1);
	json_decref(rec);
	if (!status)
		printf("%s\n", ref);
	return status;
}

/* update's CPU flags (cpus 0, shares < 0, cpuset NULL: not given) into the OCI resources
 * and the record's HostConfig. */
static void update_cpu(double cpus, long shares, const char *cpuset, json_t *res, json_t *hc)
{
	json_t *cpu = json_object();
	if (cpus > 0) {
		json_object_set_new(cpu, "period", json_integer(100000));
		json_object_set_new(cpu, "quota", json_integer((json_int_t)(cpus * 100000)));
		json_object_set_new(hc, "NanoCpus", json_integer((json_int_t)(cpus * 1e9)));
	}
	if (shares >= 0) {
		json_object_set_new(cpu, "shares", json_integer(shares));
		json_object_set_new(hc, "CpuShares", json_integer(shares));
	}
	if (cpuset) {
		json_object_set_new(cpu, "cpus", json_string(cpuset));
		json_object_set_new(hc, "CpusetCpus", json_string(cpuset));
	}
	if (json_object_size(cpu))
		json_object_set_new(res, "cpu", cpu);
	else
		json_decref(cpu);
}

int cmd_update(struct cli_opts *o, int argc, char **argv)
{
	const char *memory = NULL, *swap = NULL, *cpus = NULL, *cpuset = NULL, *restart = NULL;
	long shares = -1, pids = 0;
	const struct flag flags[] = {
	    {"memory", 'm', FLAG_STRING, &memory, "Memory limit", "bytes"},
	    {"memory-swap", 0, FLAG_STRING, &swap, "Swap limit equal to memory plus swap", "bytes"},
	    {"cpus", 0, FLAG_STRING, &cpus, "Number of CPUs", "decimal"},
	    {"cpu-shares", 'c', FLAG_INT, &shares, "CPU shares (relative weight)", "int"},
	    {"cpuset-cpus", 0, FLAG_STRING, &cpuset, "CPUs in which to allow execution", "string"},
	    {"pids-limit", 0, FLAG_INT, &pids, "Tune container pids limit (-1 for unlimited)",
	     "int"},
	    {"restart", 0, FLAG_STRING, &restart, "Restart policy to apply when a container exits",
	     "string"},
	    FLAG_END};
	const struct flag_cmd cmd = {"berth update", "[OPTIONS] CONTAINER [CONTAINER...]",
				     "Update configuration of one or more containers", true};
	autofree const char **pos = NULL;
	int n = flags_parse(&cmd, flags, argc, argv, &pos);
	if (n < 0)
		return n == -2 ? 0 : 125;
	if (n < 1)
		return cli_error(125, "\"berth update\" requires at least 1 argument");
	json_t *hc = json_object(), *res = json_object(), *policy = NULL;
	int status = 0;
	int64_t mem = memory ? eng_parse_bytes(memory) : 0;
	int64_t sw = swap ? (!strcmp(swap, "-1") ? -1 : eng_parse_bytes(swap)) : 0;
	double c = cpus ? strtod(cpus, NULL) : 0;
	if ((memory && mem < 0) || (swap && sw < -1) || (cpus && c <= 0))
		status = cli_error(125, "invalid value for --memory, --memory-swap or --cpus");
	if (memory || swap) {
		json_t *m = json_object();
		if (memory)
			json_object_set_new(m, "limit", json_integer(mem));
		if (swap)
			json_object_set_new(m, "swap", json_integer(sw));
		json_object_set_new(res, "memory", m);
		if (memory)
			json_object_set_new(hc, "Memory", json_integer(mem));
		if (swap)
			json_object_set_new(hc, "MemorySwap", json_integer(sw));
	}
	update_cpu(cpus ? c : 0, shares, cpuset, res, hc);
	if (pids) {
		json_object_set_new(res, "pids", json_pack("{s:I}", "limit", (json_int_t)pids));
		json_object_set_new(hc, "PidsLimit", json_integer(pids));
	}
	if (restart) {
		const char *colon = strchr(restart, ':');
		autofree char *name =
		    colon ? xstrndup(restart, (size_t)(colon - restart)) : xstrdup(restart);
		if (strcmp(name, "no") && strcmp(name, "always") && strcmp(name, "on-failure") &&
		    strcmp(name, "unless-stopped"))
			status = cli_error(125, "invalid restart policy '%s'", restart);
		else
			policy = json_pack("{s:s, s:i}", "Name", name, "MaximumRetryCount",
					   colon ? atoi(colon + 1) : 0);
	}
	struct eng_store es = cli_engine(o);
	for (int i = 0; !status && i < n; i++)
		if (update_one(&es, pos[i], hc, res, policy))
			status = 1;
	json_decref(hc);
	json_decref(res);
	json_decref(policy);
	return status;
}
