/* A container's usage samples and Docker's stats document (see stats.h). The document's
 * shape is moby's api/types/stats.go (20.10): on cgroup v1 blkio's entries keep the kernel's
 * op names and percpu_usage is there; on v2 the ops are "read"/"write", max_usage and
 * percpu_usage are absent and failcnt is memory.events' oom count, as dockerd's statsV2
 * gives them. The network counters are the container's namespace's own, read through its
 * process (/proc/<pid>/net/dev shows the reader's namespace of that pid), lo left out as
 * libnetwork's sandbox statistics leave it. */
#include "engine/stats.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/bundle.h"
#include "engine/pod_vm.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/xalloc.h"

#define PROC_TEXT_MAX (1u << 20) /* /proc/stat or net/dev: a few KiB on a big host */

/* The host's CPU time in ns as dockerd counts it (user through steal of /proc/stat's "cpu"
 * line, in USER_HZ), and the "cpuN" lines: its online CPUs. */
static void system_cpu(uint64_t *out_ns, unsigned *out_cpus)
{
	autofree char *text = NULL;
	*out_ns = 0;
	*out_cpus = 0;
	if (fs_read_file(AT_FDCWD, "/proc/stat", PROC_TEXT_MAX, &text, NULL, NULL) < 0)
		return;
	long hz = sysconf(_SC_CLK_TCK);
	for (const char *p = text; p && *p;) {
		if (!strncmp(p, "cpu ", 4)) {
			unsigned long long v[7] = {0}, ticks = 0;
			sscanf(p + 4, "%llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2],
			       &v[3], &v[4], &v[5], &v[6]);
			for (int i = 0; i < 7; i++)
				ticks += v[i];
			*out_ns = hz > 0 ? ticks * (1000000000ULL / (uint64_t)hz) : 0;
		} else if (!strncmp(p, "cpu", 3) && p[3] >= '0' && p[3] <= '9') {
			(*out_cpus)++;
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
}

json_t *eng_stats_parse_netdev(const char *text, uint64_t *out_rx, uint64_t *out_tx)
{
	json_t *nets = json_object();
	*out_rx = *out_tx = 0;
	for (const char *p = text; p && *p;) {
		const char *nl = strchr(p, '\n'), *colon = strchr(p, ':');
		if (colon && (!nl || colon < nl)) {
			while (*p == ' ')
				p++;
			autofree char *name = xstrndup(p, (size_t)(colon - p));
			/* rx: bytes packets errs drop fifo frame compressed multicast; tx: bytes
			 * packets errs drop ... */
			unsigned long long f[12] = {0};
			int n = sscanf(colon + 1,
				       "%llu %llu %llu %llu %*u %*u %*u %*u %llu %llu %llu %llu",
				       &f[0], &f[1], &f[2], &f[3], &f[4], &f[5], &f[6], &f[7]);
			if (n == 8 && strcmp(name, "lo")) {
				json_object_set_new(
				    nets, name,
				    json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
					      "rx_bytes", (json_int_t)f[0], "rx_packets",
					      (json_int_t)f[1], "rx_errors", (json_int_t)f[2],
					      "rx_dropped", (json_int_t)f[3], "tx_bytes",
					      (json_int_t)f[4], "tx_packets", (json_int_t)f[5],
					      "tx_errors", (json_int_t)f[6], "tx_dropped",
					      (json_int_t)f[7]));
				*out_rx += f[0];
				*out_tx += f[4];
			}
		}
		p = nl ? nl + 1 : NULL;
	}
	return nets;
}

/* The interfaces of the namespace the container's process is in (host networking: none of
 * its own, as Docker shows none). */
static void networks(json_t *rec, json_t *state, struct eng_stats_sample *x)
{
	const char *mode =
	    json_string_value(json_object_get(json_object_get(rec, "HostConfig"), "NetworkMode"));
	if (mode && !strcmp(mode, "host"))
		return;
	autoclose int fd = eng_state_proc_open(state, "net/dev", O_RDONLY | O_CLOEXEC, NULL);
	autofree char *text = NULL;
	if (fd < 0 || fs_read_fd(fd, PROC_TEXT_MAX, &text, NULL, NULL) < 0)
		return;
	x->networks = eng_stats_parse_netdev(text, &x->net_rx_bytes, &x->net_tx_bytes);
}

int eng_stats_sample(const struct eng_store *s, const char *id, struct eng_stats_sample *out,
		     struct berr **err)
{
	struct eng_stats_sample x = {0};
	json_t *rec = eng_container_load(s, id, err);
	if (!rec)
		return berr_ret(err);
	json_t *state = eng_state_load(s, id);
	clock_gettime(CLOCK_REALTIME, &x.read);
	clock_gettime(CLOCK_MONOTONIC, &x.mono);
	autofree char *cgroup = eng_container_cgroup(s, id);
	/* a member of a pod of one VM: its cgroup is the guest's */
	if (json_is_true(json_object_get(state, "Running")) && eng_pod_vm_executor(rec)) {
		if (eng_pod_vm_stats(s, rec, id, &x, NULL) < 0)
			x = (struct eng_stats_sample){.read = x.read, .mono = x.mono};
	} else if (json_is_true(json_object_get(state, "Running")) &&
		   rt_cgroup_usage_read(cgroup, &x.cg, NULL) == 0) {
		x.running = true;
		system_cpu(&x.system_cpu_ns, &x.online_cpus);
		long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);
		uint64_t host = pages > 0 && size > 0 ? (uint64_t)pages * (uint64_t)size : 0;
		/* no limit of its own: the host's memory (dockerd's machineMemory) */
		x.mem_limit =
		    x.cg.mem_limit && (!host || x.cg.mem_limit < host) ? x.cg.mem_limit : host;
		networks(rec, state, &x);
	}
	json_decref(state);
	json_decref(rec);
	*out = x;
	return 0;
}

void eng_stats_sample_clear(struct eng_stats_sample *x)
{
	if (!x)
		return;
	rt_cgroup_usage_clear(&x->cg);
	json_decref(x->networks);
	*x = (struct eng_stats_sample){0};
}

/* Go's time.Time as encoding/json writes it (RFC 3339 with ns); the zero time when unset. */
static json_t *go_time(const struct timespec *t)
{
	if (!t || !t->tv_sec)
		return json_string("0001-01-01T00:00:00Z");
	struct tm tm;
	gmtime_r(&t->tv_sec, &tm);
	char buf[64];
	size_t n = strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, sizeof(buf) - n, ".%09ldZ", t->tv_nsec);
	return json_string(buf);
}

static json_t *cpu_stats(const struct eng_stats_sample *x)
{
	const struct rt_cgroup_usage *u = x ? &x->cg : &(struct rt_cgroup_usage){0};
	json_t *usage = json_pack("{s:I}", "total_usage", (json_int_t)u->cpu_total_ns);
	if (u->cpu_percpu_ns)
		json_object_set(usage, "percpu_usage", u->cpu_percpu_ns);
	json_object_set_new(usage, "usage_in_kernelmode",
			    json_integer((json_int_t)u->cpu_kernel_ns));
	json_object_set_new(usage, "usage_in_usermode", json_integer((json_int_t)u->cpu_user_ns));
	json_t *cpu = json_pack("{s:o}", "cpu_usage", usage);
	/* omitempty in Docker's types: absent when zero */
	if (x && x->system_cpu_ns)
		json_object_set_new(cpu, "system_cpu_usage",
				    json_integer((json_int_t)x->system_cpu_ns));
	if (x && x->online_cpus)
		json_object_set_new(cpu, "online_cpus", json_integer(x->online_cpus));
	json_object_set_new(cpu, "throttling_data",
			    json_pack("{s:I, s:I, s:I}", "periods", (json_int_t)u->throttle_periods,
				      "throttled_periods", (json_int_t)u->throttled_periods,
				      "throttled_time", (json_int_t)u->throttled_ns));
	return cpu;
}

static json_t *memory_stats(const struct eng_stats_sample *x)
{
	json_t *m = json_object();
	if (!x->running)
		return m;
	if (x->cg.mem_usage)
		json_object_set_new(m, "usage", json_integer((json_int_t)x->cg.mem_usage));
	if (x->cg.mem_max_usage)
		json_object_set_new(m, "max_usage", json_integer((json_int_t)x->cg.mem_max_usage));
	if (x->cg.mem_stat && json_object_size(x->cg.mem_stat))
		json_object_set(m, "stats", x->cg.mem_stat);
	if (x->cg.mem_failcnt)
		json_object_set_new(m, "failcnt", json_integer((json_int_t)x->cg.mem_failcnt));
	if (x->mem_limit)
		json_object_set_new(m, "limit", json_integer((json_int_t)x->mem_limit));
	return m;
}

/* BlkioStats: a nil slice is null in Go's JSON; v2 fills only io_service_bytes_recursive. */
static json_t *blkio_stats(const struct eng_stats_sample *x)
{
	static const char *const keys[] = {"io_serviced_recursive",     "io_queue_recursive",
					   "io_service_time_recursive", "io_wait_time_recursive",
					   "io_merged_recursive",       "io_time_recursive",
					   "sectors_recursive"};
	json_t *b = json_object();
	json_object_set_new(b, "io_service_bytes_recursive",
			    x->cg.io_bytes ? json_incref(x->cg.io_bytes) : json_null());
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		json_object_set_new(b, keys[i], json_null());
	return b;
}

json_t *eng_stats_document(const char *name, const char *id, const struct eng_stats_sample *cur,
			   const struct eng_stats_sample *prev)
{
	json_t *pids = json_object();
	if (cur->cg.pids)
		json_object_set_new(pids, "current", json_integer((json_int_t)cur->cg.pids));
	if (cur->cg.pids_limit)
		json_object_set_new(pids, "limit", json_integer((json_int_t)cur->cg.pids_limit));
	bool pre = prev && prev->running;
	json_t *doc = json_pack("{s:o, s:o, s:o, s:o, s:i, s:{}, s:o, s:o, s:o, s:s, s:s}", "read",
				go_time(cur->running ? &cur->read : NULL), "preread",
				go_time(pre ? &prev->read : NULL), "pids_stats", pids,
				"blkio_stats", blkio_stats(cur), "num_procs", 0, "storage_stats",
				"cpu_stats", cpu_stats(cur->running ? cur : NULL), "precpu_stats",
				cpu_stats(pre ? prev : NULL), "memory_stats", memory_stats(cur),
				"name", name ? name : "", "id", id);
	if (cur->networks && json_object_size(cur->networks))
		json_object_set(doc, "networks", cur->networks);
	return doc;
}
