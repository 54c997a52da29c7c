/* The cgroup v2 planner: linux.resources → writes in the unified tree (kernel's
 * Documentation/admin-guide/cgroup-v2.rst), with the conversions runc and crun use
 * (cpu.shares → cpu.weight, blkio weight → io.weight, swap = memsw - memory). Device rules
 * are no file write on v2: cgroup.c attaches them as an eBPF program (cgroup_devices.c). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "runtime/cgroup.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/xalloc.h"

static void limit(struct rt_cgroup_plan *plan, const char *file, int64_t v)
{
	if (v < 0)
		rt_cgroup_plan_add(plan, "", file, "max");
	else
		rt_cgroup_plan_add(plan, "", file, "%" PRId64, v);
}

static int memory(json_t *m, struct rt_cgroup_plan *plan, struct berr **err)
{
	const char *w = "linux.resources.memory";
	int64_t lim = 0, res = 0, swap = 0;
	bool ls = false, rs = false, ss = false;
	if (json_opt_i64(m, w, "limit", &lim, &ls, err) < 0 ||
	    json_opt_i64(m, w, "reservation", &res, &rs, err) < 0 ||
	    json_opt_i64(m, w, "swap", &swap, &ss, err) < 0)
		return -EINVAL;
	if (ls)
		limit(plan, "memory.max", lim);
	if (rs)
		limit(plan, "memory.low", res);
	if (ss) {
		/* The spec's swap is memory+swap (v1 memsw); v2 limits swap alone. */
		if (swap < 0)
			limit(plan, "memory.swap.max", -1);
		else if (ls && lim >= 0) {
			if (swap < lim)
				return berr_set(err, EINVAL, "%s.swap: less than limit", w);
			limit(plan, "memory.swap.max", swap - lim);
		} else
			return berr_set(err, EINVAL, "%s.swap: needs a memory limit on cgroup v2",
					w);
	}
	return 0;
}

static int cpu(json_t *c, struct rt_cgroup_plan *plan, struct berr **err)
{
	const char *w = "linux.resources.cpu";
	uint64_t shares = 0, period = 0;
	int64_t quota = 0, idle = 0;
	bool ss = false, ps = false, qs = false, is = false;
	const char *cpus = NULL, *mems = NULL;
	if (json_opt_u64(c, w, "shares", &shares, &ss, err) < 0 ||
	    json_opt_u64(c, w, "period", &period, &ps, err) < 0 ||
	    json_opt_i64(c, w, "quota", &quota, &qs, err) < 0 ||
	    json_opt_i64(c, w, "idle", &idle, &is, err) < 0 ||
	    json_opt_str(c, w, "cpus", &cpus, err) < 0 ||
	    json_opt_str(c, w, "mems", &mems, err) < 0)
		return -EINVAL;
	if (ss && shares) {
		/* runc's mapping of [2, 262144] onto [1, 10000]. */
		uint64_t weight = 1 + ((shares - 2) * 9999) / 262142;
		rt_cgroup_plan_add(plan, "", "cpu.weight", "%" PRIu64, weight);
	}
	if (qs || ps) {
		char q[32];
		if (!qs || quota < 0)
			snprintf(q, sizeof(q), "max");
		else
			snprintf(q, sizeof(q), "%" PRId64, quota);
		rt_cgroup_plan_add(plan, "", "cpu.max", "%s %" PRIu64, q, ps ? period : 100000);
	}
	if (is)
		rt_cgroup_plan_add(plan, "", "cpu.idle", "%" PRId64, idle);
	if (cpus && *cpus)
		rt_cgroup_plan_add(plan, "", "cpuset.cpus", "%s", cpus);
	if (mems && *mems)
		rt_cgroup_plan_add(plan, "", "cpuset.mems", "%s", mems);
	return 0;
}

static int pids(json_t *p, struct rt_cgroup_plan *plan, struct berr **err)
{
	int64_t l = 0;
	bool set = false;
	int r = json_opt_i64(p, "linux.resources.pids", "limit", &l, &set, err);
	if (r < 0)
		return r;
	if (set)
		limit(plan, "pids.max", l > 0 ? l : -1);
	return 0;
}

static int blkio(json_t *b, struct rt_cgroup_plan *plan, struct berr **err)
{
	int64_t weight = 0;
	bool set = false;
	int r = json_opt_i64(b, "linux.resources.blockIO", "weight", &weight, &set, err);
	if (r < 0)
		return r;
	if (set && weight > 0)
		rt_cgroup_plan_add(plan, "", "io.weight", "%" PRId64,
				   1 + (weight - 10) * 9999 / 990);
	return 0;
}

static int hugetlb(json_t *arr, struct rt_cgroup_plan *plan, struct berr **err)
{
	size_t i;
	json_t *h;
	json_array_foreach(arr, i, h)
	{
		const char *size = NULL;
		uint64_t l = 0;
		int r = json_opt_str(h, "linux.resources.hugepageLimits", "pageSize", &size, err);
		if (r >= 0)
			r = json_opt_u64(h, "linux.resources.hugepageLimits", "limit", &l, NULL,
					 err);
		if (r < 0)
			return r;
		if (!size || strchr(size, '/'))
			return berr_set(err, EINVAL,
					"linux.resources.hugepageLimits: bad pageSize");
		char file[96];
		snprintf(file, sizeof(file), "hugetlb.%s.max", size);
		rt_cgroup_plan_add(plan, "", file, "%" PRIu64, l);
	}
	return 0;
}

static int unified(json_t *u, struct rt_cgroup_plan *plan, struct berr **err)
{
	const char *key;
	json_t *v;
	json_object_foreach(u, key, v)
	{
		if (!json_is_string(v))
			return berr_set(err, EINVAL, "linux.resources.unified.%s: expected string",
					key);
		if (strchr(key, '/') || key[0] == '.' || !strchr(key, '.'))
			return berr_set(err, EINVAL, "linux.resources.unified: invalid key '%s'",
					key);
		rt_cgroup_plan_add(plan, "", key, "%s", json_string_value(v));
	}
	return 0;
}

/* linux.resources.devices: not a file write on v2 but an eBPF program, which the doer
 * attaches (rt_cgroup_devices_v2 in cgroup.c); network: no controller on v2. */
static const struct rt_cgroup_section sections[] = {
    {"memory", false, memory},
    {"cpu", false, cpu},
    {"pids", false, pids},
    {"blockIO", false, blkio},
    {"hugepageLimits", true, hugetlb},
    {"unified", false, unified},
};

static int plan_v2(json_t *res, struct rt_cgroup_plan *plan, struct berr **err)
{
	return rt_cgroup_plan_sections(res, sections, sizeof(sections) / sizeof(*sections), plan,
				       err);
}

const struct rt_cgroup_ops rt_cgroup_v2_ops = {.name = "v2", .plan = plan_v2};

/* One level: each controller the cgroup has (cgroup.controllers) and does not hand down yet,
 * "+NAME" into its cgroup.subtree_control, one at a time as runc does, so that one the kernel
 * refuses (a threaded subtree, a realtime cpu) leaves the others on. A file we may not write
 * (an ancestor that is root's, above a rootless user's delegated subtree) is left as it is:
 * the controllers there are what the delegation gave. */
static void enable_level(const char *dir)
{
	autofree char *avail_file = xasprintf("%s/cgroup.controllers", dir);
	autofree char *ctl_file = xasprintf("%s/cgroup.subtree_control", dir);
	autofree char *avail = NULL, *on = NULL;
	if (fs_read_file(AT_FDCWD, avail_file, 4096, &avail, NULL, NULL) < 0 ||
	    fs_read_file(AT_FDCWD, ctl_file, 4096, &on, NULL, NULL) < 0)
		return;
	on[strcspn(on, "\n")] = '\0';
	autofree char *have = xasprintf(" %s ", on);
	char *save = NULL;
	for (char *c = strtok_r(avail, " \n", &save); c; c = strtok_r(NULL, " \n", &save)) {
		autofree char *word = xasprintf(" %s ", c);
		if (strstr(have, word))
			continue;
		int fd = open(ctl_file, O_WRONLY | O_CLOEXEC);
		if (fd < 0)
			return;
		autofree char *plus = xasprintf("+%s", c);
		(void)fs_write_all(fd, plus, strlen(plus));
		(void)close(fd);
	}
}

/* cgroup-v2.rst, "Enabling and Disabling": a controller's files (memory.max, pids.max) are in a
 * cgroup only when its parent hands the controller down. berth makes the levels of its path
 * itself (/berth, then /berth/<id>): each one above the container's hands down what it has,
 * from the tree's root (which systemd as PID 1 has already set up) to the container's parent,
 * as runc and crun do. The container's own cgroup is left as it is: a leaf, or for a system
 * container the root its systemd enables controllers below. */
void rt_cgroup_v2_enable(const char *root, const char *path)
{
	autofree char *p = xasprintf("%s%s", root, path);
	char *last = strrchr(p, '/');
	size_t rlen = strlen(root);
	if (!last || (size_t)(last - p) < rlen)
		return;
	*last = '\0';
	/* root, then each level of path above the last */
	for (char *s = p + rlen;; s++) {
		if (*s == '/' || *s == '\0') {
			char c = *s;
			*s = '\0';
			enable_level(p);
			*s = c;
		}
		if (!*s)
			break;
	}
}
