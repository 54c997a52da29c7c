/* berth-runtime update, events and ps: resources and processes of a running container. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/runtime/args.h"
#include "cli/runtime/cli.h"
#include "runtime/cgroup.h"
#include "runtime/container.h"
#include "runtime/state.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/xalloc.h"
#include "vm/shim.h"

int cmd_update(struct cli_opts *o, int argc, char **argv);
int cmd_events(struct cli_opts *o, int argc, char **argv);
int cmd_ps(struct cli_opts *o, int argc, char **argv);

static const struct cli_flag update_flags[] = {
    {"resources", 'r', true, false}, {"memory", 'm', true, false},
    {"memory-swap", 0, true, false}, {"memory-reservation", 0, true, false},
    {"pids-limit", 0, true, false},  {"cpu-shares", 0, true, false},
    {"cpu-quota", 0, true, false},   {"cpu-period", 0, true, false},
    {"cpuset-cpus", 0, true, false}, {"cpuset-mems", 0, true, false},
    {NULL, 0, false, false}};

/* "512m", "1g", "1024" → bytes; "-1" stays -1. */
static int parse_size(const char *s, int64_t *out)
{
	char *end;
	double v = strtod(s, &end);
	if (end == s)
		return -1;
	int64_t mult = 1;
	switch (*end) {
	case 'k':
	case 'K':
		mult = 1024;
		end++;
		break;
	case 'm':
	case 'M':
		mult = 1024 * 1024;
		end++;
		break;
	case 'g':
	case 'G':
		mult = 1024 * 1024 * 1024;
		end++;
		break;
	default:
		break;
	}
	if (*end == 'b' || *end == 'B')
		end++;
	if (*end)
		return -1;
	*out = (int64_t)(v * (double)mult);
	return 0;
}

static int set_num(json_t *res, const char *section, const char *key, const char *value, bool size)
{
	int64_t v;
	if (size) {
		if (parse_size(value, &v) < 0)
			return -1;
	} else {
		char *end;
		v = strtoll(value, &end, 10);
		if (*end)
			return -1;
	}
	json_t *sec = json_object_get(res, section);
	if (!sec) {
		sec = json_object();
		json_object_set_new(res, section, sec);
	}
	json_object_set_new(sec, key, json_integer(v));
	return 0;
}

int cmd_update(struct cli_opts *o, int argc, char **argv)
{
	struct cli_parsed p;
	struct berr *err = NULL;
	if (cli_parse("update", update_flags, argc, argv, &p) < 0)
		return 1;
	if (p.npos != 1)
		return cli_usage_error("update", "expects exactly one container id");
	json_auto_t *res = NULL;
	const char *file = cli_get(update_flags, &p, "resources");
	if (file) {
		res = json_load_path(AT_FDCWD, !strcmp(file, "-") ? "/dev/stdin" : file, 1 << 20,
				     &err);
		if (!res)
			return cli_fail(err);
	} else {
		res = json_object();
	}
	static const struct {
		const char *flag, *section, *key;
		bool size;
	} map[] = {{"memory", "memory", "limit", true},
		   {"memory-swap", "memory", "swap", true},
		   {"memory-reservation", "memory", "reservation", true},
		   {"pids-limit", "pids", "limit", false},
		   {"cpu-shares", "cpu", "shares", false},
		   {"cpu-quota", "cpu", "quota", false},
		   {"cpu-period", "cpu", "period", false}};
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		const char *v = cli_get(update_flags, &p, map[i].flag);
		if (v && set_num(res, map[i].section, map[i].key, v, map[i].size) < 0)
			return cli_usage_error("update", "--%s: invalid value '%s'", map[i].flag,
					       v);
	}
	const char *cpus = cli_get(update_flags, &p, "cpuset-cpus");
	const char *mems = cli_get(update_flags, &p, "cpuset-mems");
	if (cpus || mems) {
		json_t *cpu = json_object_get(res, "cpu");
		if (!cpu)
			json_object_set_new(res, "cpu", cpu = json_object());
		if (cpus)
			json_object_set_new(cpu, "cpus", json_string(cpus));
		if (mems)
			json_object_set_new(cpu, "mems", json_string(mems));
	}
	int r = vm_rt_exists(o->root, p.pos[0]) ? vm_rt_update(o->root, p.pos[0], res, &err)
						: rt_container_update(o->root, p.pos[0], res, &err);
	return r < 0 ? cli_fail(err) : 0;
}

static const struct cli_flag events_flags[] = {
    {"stats", 0, false, false}, {"interval", 0, true, false}, {NULL, 0, false, false}};

/* Go's duration syntax as runc takes it ("5s", "500ms", "1m30s"); a bare number is
 * seconds. */
static int parse_duration(const char *s, double *out)
{
	static const struct {
		const char *unit;
		double secs;
	} units[] = {{"ns", 1e-9}, {"us", 1e-6}, {"ms", 1e-3}, {"s", 1}, {"m", 60}, {"h", 3600}};
	double total = 0;
	char *end;
	if (!*s)
		return -1;
	while (*s) {
		double v = strtod(s, &end);
		if (end == s)
			return -1;
		s = end;
		double mult = 0;
		for (size_t i = 0; i < sizeof(units) / sizeof(units[0]) && !mult; i++) {
			size_t n = strlen(units[i].unit);
			if (!strncmp(s, units[i].unit, n) && !(n == 1 && s[1] == 's')) {
				mult = units[i].secs;
				s += n;
			}
		}
		if (!mult && *s)
			return -1;
		total += v * (mult ? mult : 1);
	}
	*out = total;
	return 0;
}

static void print_event(const char *type, const char *id, json_t *data)
{
	json_t *ev = json_pack("{s:s,s:s}", "type", type, "id", id);
	if (data)
		json_object_set_new(ev, "data", data);
	char *text = json_dumps(ev, JSON_COMPACT);
	printf("%s\n", text);
	fflush(stdout);
	free(text);
	json_decref(ev);
}

static double now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* runc's events: stats now (--stats) or every --interval, and an "oom" event as soon as the
 * OOM killer strikes in the container's cgroup; ends when the container has stopped. */
int cmd_events(struct cli_opts *o, int argc, char **argv)
{
	struct cli_parsed p;
	struct berr *err = NULL;
	if (cli_parse("events", events_flags, argc, argv, &p) < 0)
		return 1;
	if (p.npos != 1)
		return cli_usage_error("events", "expects exactly one container id");
	const char *iv = cli_get(events_flags, &p, "interval");
	double interval = 5.0;
	if (iv && (parse_duration(iv, &interval) < 0 || interval <= 0))
		return cli_usage_error("events", "invalid --interval '%s'", iv);
	const char *id = p.pos[0];
	autoptr(rt_state) st = rt_state_load(o->root, id, &err);
	if (!st)
		return cli_fail(err);
	/* a rootless container without a cgroup: its stats below say so */
	int64_t ooms = st->cgroup_path ? rt_cgroup_oom_kills(st->cgroup_path) : -1;
	double next = 0;
	for (;;) {
		double t = now_seconds();
		if (t >= next) {
			json_t *data = rt_container_stats(o->root, id, &err);
			if (!data)
				return cli_fail(err);
			print_event("stats", id, data);
			if (cli_has(events_flags, &p, "stats"))
				return 0;
			next = t + interval;
		}
		int64_t k = st->cgroup_path ? rt_cgroup_oom_kills(st->cgroup_path) : -1;
		if (ooms >= 0 && k > ooms)
			print_event("oom", id, NULL);
		ooms = k;
		if (rt_state_status(st) == RT_STATUS_STOPPED)
			return 0;
		double wait = next - now_seconds();
		wait = wait > 0.1 ? 0.1 : wait > 0 ? wait : 0;
		struct timespec ts = {0, (long)(wait * 1e9)};
		nanosleep(&ts, NULL);
	}
}

static const struct cli_flag ps_flags[] = {{"format", 'f', true, false}, {NULL, 0, false, false}};

int cmd_ps(struct cli_opts *o, int argc, char **argv)
{
	struct cli_parsed p;
	struct berr *err = NULL;
	if (cli_parse("ps", ps_flags, argc, argv, &p) < 0)
		return 1;
	if (p.npos < 1)
		return cli_usage_error("ps", "expects a container id");
	pid_t *pids = NULL;
	size_t n = 0;
	if ((vm_rt_exists(o->root, p.pos[0])
		 ? vm_rt_pids(o->root, p.pos[0], &pids, &n, &err)
		 : rt_container_pids(o->root, p.pos[0], &pids, &n, &err)) < 0)
		return cli_fail(err);
	const char *format = cli_get(ps_flags, &p, "format");
	if (format && !strcmp(format, "json")) {
		printf("[");
		for (size_t i = 0; i < n; i++)
			printf("%s%d", i ? "," : "", (int)pids[i]);
		printf("]\n");
	} else {
		printf("%-8s %s\n", "PID", "CMD");
		for (size_t i = 0; i < n; i++) {
			char path[64];
			snprintf(path, sizeof(path), "/proc/%d/comm", (int)pids[i]);
			autofree char *comm = NULL;
			if (fs_read_file(AT_FDCWD, path, 256, &comm, NULL, NULL) < 0)
				comm = xstrdup("?\n");
			printf("%-8d %s", (int)pids[i], comm);
		}
	}
	free(pids);
	return 0;
}
