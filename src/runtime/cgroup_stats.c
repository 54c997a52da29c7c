/* A cgroup's usage from its files (see cgroup_stats.h): the v1 hierarchies by controller, or
 * the one v2 directory. Only reads; which files exist depends on the kernel and its config, so
 * a file that is missing leaves its numbers at 0 rather than failing the whole read. */
#include "runtime/cgroup_stats.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runtime/cgroup.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/xalloc.h"

#define CG_ROOT  "/sys/fs/cgroup"
#define FILE_MAX (1u << 20) /* a stat file: a few KiB; io.stat grows with devices */

/* The file's text (NULL when there is none): ctl is the v1 hierarchy, or NULL on v2. */
static char *slurp(const char *path, const char *ctl, const char *file)
{
	autofree char *f = ctl ? xasprintf(CG_ROOT "/%s%s/%s", ctl, path, file)
			       : xasprintf(CG_ROOT "%s/%s", path, file);
	char *data = NULL;
	if (fs_read_file(AT_FDCWD, f, FILE_MAX, &data, NULL, NULL) < 0)
		return NULL;
	return data;
}

/* A file's text holding one number; "max" (v2's none) and a missing file (NULL) are 0. */
static uint64_t text_number(const char *text)
{
	return text ? strtoull(text, NULL, 10) : 0;
}

static uint64_t number(const char *path, const char *ctl, const char *file)
{
	autofree char *t = slurp(path, ctl, file);
	return text_number(t);
}

uint64_t rt_cgroup_keyed(const char *text, const char *key)
{
	size_t n = strlen(key);
	for (const char *p = text; p && *p;) {
		if (!strncmp(p, key, n) && p[n] == ' ')
			return strtoull(p + n + 1, NULL, 10);
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return 0;
}

/* Every "key N" line as an object. */
static json_t *keyed_all(const char *text)
{
	json_t *o = json_object();
	for (const char *p = text; p && *p;) {
		const char *sp = strchr(p, ' '), *nl = strchr(p, '\n');
		if (sp && (!nl || sp < nl)) {
			autofree char *k = xstrndup(p, (size_t)(sp - p));
			json_object_set_new(o, k,
					    json_integer((json_int_t)strtoull(sp + 1, NULL, 10)));
		}
		p = nl ? nl + 1 : NULL;
	}
	return o;
}

static void io_add(struct rt_cgroup_usage *u, unsigned major, unsigned minor, const char *op,
		   uint64_t value)
{
	if (!u->io_bytes)
		u->io_bytes = json_array();
	json_array_append_new(u->io_bytes,
			      json_pack("{s:I, s:I, s:s, s:I}", "major", (json_int_t)major, "minor",
					(json_int_t)minor, "op", op, "value", (json_int_t)value));
	if (!strcasecmp(op, "read"))
		u->io_read_bytes += value;
	else if (!strcasecmp(op, "write"))
		u->io_write_bytes += value;
}

void rt_cgroup_parse_blkio_v1(const char *text, struct rt_cgroup_usage *u)
{
	for (const char *p = text; p && *p;) {
		unsigned major, minor;
		char op[16];
		unsigned long long v;
		/* "8:0 Read 4096"; the last line, "Total N", has two fields and is left out */
		if (sscanf(p, "%u:%u %15s %llu", &major, &minor, op, &v) == 4)
			io_add(u, major, minor, op, v);
		p = strchr(p, '\n');
		if (p)
			p++;
	}
}

void rt_cgroup_parse_io_v2(const char *text, struct rt_cgroup_usage *u)
{
	for (const char *p = text; p && *p;) {
		unsigned major, minor;
		const char *nl = strchr(p, '\n');
		if (sscanf(p, "%u:%u", &major, &minor) == 2) {
			autofree char *line = nl ? xstrndup(p, (size_t)(nl - p)) : xstrdup(p);
			const char *r = strstr(line, " rbytes="), *w = strstr(line, " wbytes=");
			io_add(u, major, minor, "read", r ? strtoull(r + 8, NULL, 10) : 0);
			io_add(u, major, minor, "write", w ? strtoull(w + 8, NULL, 10) : 0);
		}
		p = nl ? nl + 1 : NULL;
	}
}

/* USER_HZ ticks (cpuacct.stat) to ns. */
static uint64_t ticks_ns(uint64_t ticks)
{
	long hz = sysconf(_SC_CLK_TCK);
	return hz > 0 ? ticks * (1000000000ULL / (uint64_t)hz) : 0;
}

static void read_v1(const char *path, struct rt_cgroup_usage *u)
{
	u->cpu_total_ns = number(path, "cpuacct", "cpuacct.usage");
	autofree char *percpu = slurp(path, "cpuacct", "cpuacct.usage_percpu");
	if (percpu) {
		u->cpu_percpu_ns = json_array();
		char *p = percpu, *end;
		for (unsigned long long v; (v = strtoull(p, &end, 10)), end != p; p = end)
			json_array_append_new(u->cpu_percpu_ns, json_integer((json_int_t)v));
	}
	autofree char *st = slurp(path, "cpuacct", "cpuacct.stat");
	u->cpu_user_ns = ticks_ns(rt_cgroup_keyed(st, "user"));
	autofree char *cpu = slurp(path, "cpu", "cpu.stat");
	u->cpu_kernel_ns = ticks_ns(rt_cgroup_keyed(st, "system"));
	u->throttle_periods = rt_cgroup_keyed(cpu, "nr_periods");
	u->throttled_periods = rt_cgroup_keyed(cpu, "nr_throttled");
	u->throttled_ns = rt_cgroup_keyed(cpu, "throttled_time");
	u->mem_usage = number(path, "memory", "memory.usage_in_bytes");
	u->mem_max_usage = number(path, "memory", "memory.max_usage_in_bytes");
	u->mem_limit = number(path, "memory", "memory.limit_in_bytes");
	u->mem_failcnt = number(path, "memory", "memory.failcnt");
	autofree char *mem = slurp(path, "memory", "memory.stat");
	u->mem_stat = keyed_all(mem);
	u->pids = number(path, "pids", "pids.current");
	u->pids_limit = number(path, "pids", "pids.max");
	/* the CFQ/BFQ scheduler's counters, else the throttle layer's, which every device
	 * has (runc reads them in that order too) */
	autofree char *io = slurp(path, "blkio", "blkio.io_service_bytes_recursive");
	if (!io || !strchr(io, ':')) {
		free(io);
		io = slurp(path, "blkio", "blkio.throttle.io_service_bytes_recursive");
	}
	rt_cgroup_parse_blkio_v1(io, u);
}

void rt_cgroup_v2_usage_parse(const struct rt_cgroup_v2_files *f, struct rt_cgroup_usage *u)
{
	u->v2 = true;
	u->cpu_total_ns = rt_cgroup_keyed(f->cpu_stat, "usage_usec") * 1000;
	u->cpu_user_ns = rt_cgroup_keyed(f->cpu_stat, "user_usec") * 1000;
	u->cpu_kernel_ns = rt_cgroup_keyed(f->cpu_stat, "system_usec") * 1000;
	u->throttle_periods = rt_cgroup_keyed(f->cpu_stat, "nr_periods");
	u->throttled_periods = rt_cgroup_keyed(f->cpu_stat, "nr_throttled");
	u->throttled_ns = rt_cgroup_keyed(f->cpu_stat, "throttled_usec") * 1000;
	u->mem_usage = text_number(f->memory_current);
	u->mem_limit = text_number(f->memory_max);
	u->mem_failcnt = rt_cgroup_keyed(f->memory_events, "oom");
	u->mem_stat = keyed_all(f->memory_stat);
	u->pids = text_number(f->pids_current);
	u->pids_limit = text_number(f->pids_max);
	rt_cgroup_parse_io_v2(f->io_stat, u);
}

static void read_v2(const char *path, struct rt_cgroup_usage *u)
{
	autofree char *cpu = slurp(path, NULL, "cpu.stat");
	autofree char *cur = slurp(path, NULL, "memory.current");
	autofree char *max = slurp(path, NULL, "memory.max");
	autofree char *events = slurp(path, NULL, "memory.events");
	autofree char *mem = slurp(path, NULL, "memory.stat");
	autofree char *pids = slurp(path, NULL, "pids.current");
	autofree char *pids_max = slurp(path, NULL, "pids.max");
	autofree char *io = slurp(path, NULL, "io.stat");
	const struct rt_cgroup_v2_files f = {cpu, cur, max, events, mem, pids, pids_max, io};
	rt_cgroup_v2_usage_parse(&f, u);
}

int rt_cgroup_usage_read(const char *path, struct rt_cgroup_usage *out, struct berr **err)
{
	if (!rt_cgroup_exists(path))
		return berr_set(err, ENOENT, "cgroup '%s'", path);
	*out = (struct rt_cgroup_usage){0};
	if (rt_cgroup_mode() == RT_CGROUP_V2)
		read_v2(path, out);
	else
		read_v1(path, out);
	return 0;
}

void rt_cgroup_usage_clear(struct rt_cgroup_usage *u)
{
	if (!u)
		return;
	json_decref(u->cpu_percpu_ns);
	json_decref(u->mem_stat);
	json_decref(u->io_bytes);
	*u = (struct rt_cgroup_usage){0};
}
