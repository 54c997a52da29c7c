/* What a cgroup has used, read from its files on either layout: CPU time (v1 cpuacct.usage,
 * usage_percpu and stat, cpu.stat's throttling; v2 cpu.stat), memory (v1 memory.usage_in_bytes,
 * max_usage_in_bytes, limit_in_bytes, failcnt, memory.stat; v2 memory.current, memory.max,
 * memory.events' oom, memory.stat), pids, and block I/O bytes (v1 blkio's
 * io_service_bytes_recursive, or the throttle one when the scheduler keeps none; v2 io.stat).
 * `berth stats` and the API's stats document (engine/stats.h) read these; rt_cgroup_stats
 * (cgroup.h) stays the runtime's `events --stats` summary. */
#ifndef BERTH_RUNTIME_CGROUP_STATS_H
#define BERTH_RUNTIME_CGROUP_STATS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

struct berr;

struct rt_cgroup_usage {
	bool v2;
	uint64_t cpu_total_ns, cpu_user_ns, cpu_kernel_ns;
	json_t *cpu_percpu_ns; /* array of ns (v1 only; NULL on v2, as the kernel has none) */
	uint64_t throttle_periods, throttled_periods, throttled_ns;
	uint64_t mem_usage, mem_max_usage, mem_limit, mem_failcnt; /* limit 0: none */
	json_t *mem_stat;          /* memory.stat as {key: number} */
	uint64_t pids, pids_limit; /* limit 0: none */
	/* block I/O bytes by device: [{major, minor, op, value}], op as the kernel names it
	 * (v1 "Read", "Write", ...; v2 "read", "write", as Docker reports them) */
	json_t *io_bytes;
	uint64_t io_read_bytes, io_write_bytes;
};

/* Read the cgroup at path (as rt_cgroup_path gives it); what a file does not say stays 0.
 * ENOENT when the cgroup is not there. Release with rt_cgroup_usage_clear. */
int rt_cgroup_usage_read(const char *path, struct rt_cgroup_usage *out, struct berr **err);
void rt_cgroup_usage_clear(struct rt_cgroup_usage *u);

/* A v2 cgroup's files as text, each NULL when it is not there: read from the host's cgroupfs
 * (rt_cgroup_usage_read) or a VM guest's answer (engine/pod_vm_query.c). */
struct rt_cgroup_v2_files {
	const char *cpu_stat, *memory_current, *memory_max, *memory_events, *memory_stat;
	const char *pids_current, *pids_max, *io_stat;
};
/* u (zeroed by the caller) filled from the v2 files; what a file does not say stays 0. */
void rt_cgroup_v2_usage_parse(const struct rt_cgroup_v2_files *f, struct rt_cgroup_usage *u);

/* The value of "key N" in a flat-keyed text (cpu.stat, memory.stat, memory.events), or 0
 * (absent, or "max"). */
uint64_t rt_cgroup_keyed(const char *text, const char *key);
/* Parsers of the files (for tests): "8:0 Read 4096" lines (v1) and "8:0 rbytes=1 wbytes=2"
 * lines (v2) appended to u->io_bytes with the read and write sums. */
void rt_cgroup_parse_blkio_v1(const char *text, struct rt_cgroup_usage *u);
void rt_cgroup_parse_io_v2(const char *text, struct rt_cgroup_usage *u);

#endif
