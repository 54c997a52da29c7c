/* What a container uses, for `berth stats` and the API's /containers/{id}/stats: a sample
 * of its cgroup (runtime/cgroup_stats.h), its network namespace's interface counters
 * (/proc/<pid>/net/dev of its process) and the host's CPU time, and Docker's stats document
 * (types.StatsJSON) built from two samples. Only the printing (the CLI's table, percentages)
 * is the front ends'. */
#ifndef BERTH_ENGINE_STATS_H
#define BERTH_ENGINE_STATS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "engine/container.h"
#include "runtime/cgroup_stats.h"

struct berr;

struct eng_stats_sample {
	bool running;         /* false: a container that does not run, all zeros */
	struct timespec read; /* CLOCK_REALTIME when taken (Docker's "read") */
	struct timespec mono; /* CLOCK_MONOTONIC, for rates */
	struct rt_cgroup_usage cg;
	uint64_t system_cpu_ns; /* the host's CPU time (/proc/stat), Docker's system_cpu_usage */
	unsigned online_cpus;
	uint64_t mem_limit;                  /* the cgroup's, or the host's memory when lower */
	json_t *networks;                    /* {ifname: NetworkStats}, lo left out; or NULL */
	uint64_t net_rx_bytes, net_tx_bytes; /* over networks */
};

/* Sample the container id (resolved): a running one's cgroup, interfaces and the host's CPU
 * time; one that does not run gives running false and zeros (as dockerd's stats do).
 * Release with eng_stats_sample_clear. */
int eng_stats_sample(const struct eng_store *s, const char *id, struct eng_stats_sample *out,
		     struct berr **err);
void eng_stats_sample_clear(struct eng_stats_sample *x);

/* Docker's stats document of cur, with prev (or NULL: zeros) as its preread and precpu_stats;
 * name as the record's ("/web"). */
json_t *eng_stats_document(const char *name, const char *id, const struct eng_stats_sample *cur,
			   const struct eng_stats_sample *prev);

/* /proc/<pid>/net/dev's text to {ifname: NetworkStats} without lo, with the rx and tx byte
 * sums (for tests). */
json_t *eng_stats_parse_netdev(const char *text, uint64_t *out_rx, uint64_t *out_tx);

#endif
