/* The cgroup v1 planner: linux.resources → writes to per-controller files (kernel's
 * Documentation/admin-guide/cgroup-v1/). Values of -1 mean unlimited, as v1 files take them. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/cgroup.h"
#include "runtime/cgroup_devices.h"
#include "util/err.h"
#include "util/json.h"

static int num(json_t *o, const char *where, const char *key, const char *ctl, const char *file,
	       struct rt_cgroup_plan *plan, struct berr **err)
{
	int64_t v = 0;
	bool set = false;
	if (json_opt_i64(o, where, key, &v, &set, err) < 0)
		return -EINVAL;
	if (set)
		rt_cgroup_plan_add(plan, ctl, file, "%" PRId64, v);
	return 0;
}

static int memory(json_t *m, struct rt_cgroup_plan *plan, struct berr **err)
{
	const char *w = "linux.resources.memory";
	bool oom = false;
	if (num(m, w, "limit", "memory", "memory.limit_in_bytes", plan, err) < 0 ||
	    num(m, w, "reservation", "memory", "memory.soft_limit_in_bytes", plan, err) < 0 ||
	    num(m, w, "swap", "memory", "memory.memsw.limit_in_bytes", plan, err) < 0 ||
	    num(m, w, "kernel", "memory", "memory.kmem.limit_in_bytes", plan, err) < 0 ||
	    num(m, w, "kernelTCP", "memory", "memory.kmem.tcp.limit_in_bytes", plan, err) < 0 ||
	    json_opt_bool(m, w, "disableOOMKiller", &oom, err) < 0)
		return -EINVAL;
	uint64_t swappiness = 0;
	bool set = false;
	if (json_opt_u64(m, w, "swappiness", &swappiness, &set, err) < 0)
		return -EINVAL;
	if (set && swappiness <= 100)
		rt_cgroup_plan_add(plan, "memory", "memory.swappiness", "%" PRIu64, swappiness);
	else if (set && swappiness != UINT64_MAX)
		return berr_set(err, EINVAL, "%s.swappiness: %" PRIu64 " is above 100", w,
				swappiness);
	if (oom)
		rt_cgroup_plan_add(plan, "memory", "memory.oom_control", "1");
	return 0;
}

static int cpu(json_t *c, struct rt_cgroup_plan *plan, struct berr **err)
{
	const char *w = "linux.resources.cpu";
	const char *cpus = NULL, *mems = NULL;
	/* Periods before the quotas they bound: the kernel checks quota against period. */
	if (num(c, w, "shares", "cpu", "cpu.shares", plan, err) < 0 ||
	    num(c, w, "period", "cpu", "cpu.cfs_period_us", plan, err) < 0 ||
	    num(c, w, "quota", "cpu", "cpu.cfs_quota_us", plan, err) < 0 ||
	    num(c, w, "realtimePeriod", "cpu", "cpu.rt_period_us", plan, err) < 0 ||
	    num(c, w, "realtimeRuntime", "cpu", "cpu.rt_runtime_us", plan, err) < 0 ||
	    num(c, w, "idle", "cpu", "cpu.idle", plan, err) < 0 ||
	    json_opt_str(c, w, "cpus", &cpus, err) < 0 ||
	    json_opt_str(c, w, "mems", &mems, err) < 0)
		return -EINVAL;
	if (cpus && *cpus)
		rt_cgroup_plan_add(plan, "cpuset", "cpuset.cpus", "%s", cpus);
	if (mems && *mems)
		rt_cgroup_plan_add(plan, "cpuset", "cpuset.mems", "%s", mems);
	return 0;
}

static int device_list(json_t *arr, const char *where, const char *file, const char *value_key,
		       struct rt_cgroup_plan *plan, struct berr **err)
{
	size_t i;
	json_t *d;
	json_array_foreach(arr, i, d)
	{
		int64_t major = 0, minor = 0;
		uint64_t v = 0;
		bool ms = false, ns = false, vs = false;
		if (json_opt_i64(d, where, "major", &major, &ms, err) < 0 ||
		    json_opt_i64(d, where, "minor", &minor, &ns, err) < 0 ||
		    json_opt_u64(d, where, value_key, &v, &vs, err) < 0)
			return -EINVAL;
		if (!ms || !ns || !vs)
			return berr_set(err, EINVAL, "%s[%zu]: major, minor and %s required", where,
					i, value_key);
		rt_cgroup_plan_add(plan, "blkio", file, "%" PRId64 ":%" PRId64 " %" PRIu64, major,
				   minor, v);
	}
	return 0;
}

static int blkio(json_t *b, struct rt_cgroup_plan *plan, struct berr **err)
{
	const char *w = "linux.resources.blockIO";
	static const struct {
		const char *key, *file;
	} throttles[] = {
	    {"throttleReadBpsDevice", "blkio.throttle.read_bps_device"},
	    {"throttleWriteBpsDevice", "blkio.throttle.write_bps_device"},
	    {"throttleReadIOPSDevice", "blkio.throttle.read_iops_device"},
	    {"throttleWriteIOPSDevice", "blkio.throttle.write_iops_device"},
	};
	if (num(b, w, "weight", "blkio", "blkio.weight", plan, err) < 0 ||
	    num(b, w, "leafWeight", "blkio", "blkio.leaf_weight", plan, err) < 0)
		return -EINVAL;
	json_t *arr = NULL;
	if (json_opt_array(b, w, "weightDevice", &arr, err) < 0)
		return -EINVAL;
	size_t i;
	json_t *d;
	json_array_foreach(arr, i, d)
	{
		int64_t major = 0, minor = 0, weight = 0, leaf = 0;
		bool ws = false, ls = false;
		if (json_opt_i64(d, w, "major", &major, NULL, err) < 0 ||
		    json_opt_i64(d, w, "minor", &minor, NULL, err) < 0 ||
		    json_opt_i64(d, w, "weight", &weight, &ws, err) < 0 ||
		    json_opt_i64(d, w, "leafWeight", &leaf, &ls, err) < 0)
			return -EINVAL;
		if (ws)
			rt_cgroup_plan_add(plan, "blkio", "blkio.weight_device",
					   "%" PRId64 ":%" PRId64 " %" PRId64, major, minor,
					   weight);
		if (ls)
			rt_cgroup_plan_add(plan, "blkio", "blkio.leaf_weight_device",
					   "%" PRId64 ":%" PRId64 " %" PRId64, major, minor, leaf);
	}
	for (size_t t = 0; t < sizeof(throttles) / sizeof(throttles[0]); t++) {
		arr = NULL;
		if (json_opt_array(b, w, throttles[t].key, &arr, err) < 0 ||
		    device_list(arr, throttles[t].key, throttles[t].file, "rate", plan, err) < 0)
			return -EINVAL;
	}
	return 0;
}

static int devices(json_t *arr, struct rt_cgroup_plan *plan, struct berr **err)
{
	struct rt_dev_rule *rules = NULL;
	size_t n = 0;
	if (rt_dev_rules_parse(arr, &rules, &n, err) < 0)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		const struct rt_dev_rule *r = &rules[i];
		const char *file = r->allow ? "devices.allow" : "devices.deny";
		if (r->type == 'a') {
			rt_cgroup_plan_add(plan, "devices", file, "a");
			continue;
		}
		char maj[24] = "*", min[24] = "*";
		if (r->major >= 0)
			snprintf(maj, sizeof(maj), "%" PRId64, r->major);
		if (r->minor >= 0)
			snprintf(min, sizeof(min), "%" PRId64, r->minor);
		rt_cgroup_plan_add(plan, "devices", file, "%c %s:%s %s%s%s", r->type, maj, min,
				   r->access & RT_DEV_READ ? "r" : "",
				   r->access & RT_DEV_WRITE ? "w" : "",
				   r->access & RT_DEV_MKNOD ? "m" : "");
	}
	free(rules);
	return 0;
}

static int hugetlb(json_t *arr, struct rt_cgroup_plan *plan, struct berr **err)
{
	size_t i;
	json_t *h;
	json_array_foreach(arr, i, h)
	{
		const char *size = NULL;
		uint64_t limit = 0;
		bool set = false;
		if (json_opt_str(h, "linux.resources.hugepageLimits", "pageSize", &size, err) < 0 ||
		    json_opt_u64(h, "linux.resources.hugepageLimits", "limit", &limit, &set, err) <
			0)
			return -EINVAL;
		if (!size || !set || strchr(size, '/'))
			return berr_set(
			    err, EINVAL,
			    "linux.resources.hugepageLimits[%zu]: pageSize and limit required", i);
		char file[96];
		snprintf(file, sizeof(file), "hugetlb.%s.limit_in_bytes", size);
		rt_cgroup_plan_add(plan, "hugetlb", file, "%" PRIu64, limit);
	}
	return 0;
}

static int network(json_t *n, struct rt_cgroup_plan *plan, struct berr **err)
{
	if (num(n, "linux.resources.network", "classID", "net_cls", "net_cls.classid", plan, err) <
	    0)
		return -EINVAL;
	json_t *arr = NULL;
	if (json_opt_array(n, "linux.resources.network", "priorities", &arr, err) < 0)
		return -EINVAL;
	size_t i;
	json_t *p;
	json_array_foreach(arr, i, p)
	{
		const char *name = NULL;
		int64_t prio = 0;
		if (json_opt_str(p, "linux.resources.network.priorities", "name", &name, err) < 0 ||
		    json_opt_i64(p, "linux.resources.network.priorities", "priority", &prio, NULL,
				 err) < 0)
			return -EINVAL;
		if (!name)
			return berr_set(err, EINVAL,
					"linux.resources.network.priorities: name missing");
		rt_cgroup_plan_add(plan, "net_prio", "net_prio.ifpriomap", "%s %" PRId64, name,
				   prio);
	}
	return 0;
}

static int pids(json_t *p, struct rt_cgroup_plan *plan, struct berr **err)
{
	int64_t limit = 0;
	bool set = false;
	int r = json_opt_i64(p, "linux.resources.pids", "limit", &limit, &set, err);
	if (r < 0)
		return r;
	if (set && limit > 0)
		rt_cgroup_plan_add(plan, "pids", "pids.max", "%" PRId64, limit);
	else if (set)
		rt_cgroup_plan_add(plan, "pids", "pids.max", "max");
	return 0;
}

static int unified(json_t *u, struct rt_cgroup_plan *plan, struct berr **err)
{
	if (!json_object_size(u))
		return 0;
	return berr_set(err, EOPNOTSUPP,
			"linux.resources.unified: needs cgroup v2 (this host uses v1)");
}

static const struct rt_cgroup_section sections[] = {
    {"memory", false, memory},
    {"cpu", false, cpu},
    {"pids", false, pids},
    {"blockIO", false, blkio},
    {"hugepageLimits", true, hugetlb},
    {"network", false, network},
    {"devices", true, devices},
    {"unified", false, unified},
};

static int plan_v1(json_t *res, struct rt_cgroup_plan *plan, struct berr **err)
{
	return rt_cgroup_plan_sections(res, sections, sizeof(sections) / sizeof(*sections), plan,
				       err);
}

const struct rt_cgroup_ops rt_cgroup_v1_ops = {.name = "v1", .plan = plan_v1};
