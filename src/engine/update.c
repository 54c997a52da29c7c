/* Docker's container update (update.h): decode, check (dockerd's verifyContainerResources and
 * UpdateContainer's conflicts, with their texts), then the OCI resources for the running
 * cgroup and the new HostConfig for the record. */
#include "engine/update.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "engine/bundle.h"
#include "engine/event.h"
#include "engine/executor.h"
#include "engine/monitor.h"
#include "engine/pod_vm.h"
#include "runtime/cgroup.h"
#include "runtime/container.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/json.h"
#include "util/xalloc.h"
#include "vm/balloon.h"

#define MIN_MEMORY (6 << 20) /* dockerd's linuxMinMemory (20.10) */

/* The request; 0 (or NULL) is "not changed", as in Docker's UpdateConfig. */
struct update {
	int64_t memory, swap, shares, quota, period, nano, pids;
	bool pids_set;
	const char *cpus, *mems;
	const char *restart; /* RestartPolicy.Name, NULL or "": unchanged */
	int64_t retries;
};

static int decode(json_t *c, struct update *u, struct berr **err)
{
	json_t *rp = NULL;
	int r = 0;
	if (!json_is_object(c))
		return berr_plain(err, EINVAL, "the update is not a JSON object");
	if ((r = json_opt_i64(c, "", "Memory", &u->memory, NULL, err)) < 0 ||
	    (r = json_opt_i64(c, "", "MemorySwap", &u->swap, NULL, err)) < 0 ||
	    (r = json_opt_i64(c, "", "CpuShares", &u->shares, NULL, err)) < 0 ||
	    (r = json_opt_i64(c, "", "CpuQuota", &u->quota, NULL, err)) < 0 ||
	    (r = json_opt_i64(c, "", "CpuPeriod", &u->period, NULL, err)) < 0 ||
	    (r = json_opt_i64(c, "", "NanoCpus", &u->nano, NULL, err)) < 0 ||
	    (r = json_opt_i64(c, "", "PidsLimit", &u->pids, &u->pids_set, err)) < 0 ||
	    (r = json_opt_str(c, "", "CpusetCpus", &u->cpus, err)) < 0 ||
	    (r = json_opt_str(c, "", "CpusetMems", &u->mems, err)) < 0 ||
	    (r = json_opt_object(c, "", "RestartPolicy", &rp, err)) < 0)
		return r;
	if (rp && ((r = json_opt_str(rp, "RestartPolicy", "Name", &u->restart, err)) < 0 ||
		   (r = json_opt_i64(rp, "RestartPolicy", "MaximumRetryCount", &u->retries, NULL,
				     err)) < 0))
		return r;
	return 0;
}

/* What dockerd refuses before it changes anything (400). */
static int check_values(const struct update *u, struct berr **err)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	if (u->memory < 0 || (u->memory && u->memory < MIN_MEMORY))
		return berr_plain(err, EINVAL, "Minimum memory limit allowed is 6MB");
	if (u->swap < -1)
		return berr_plain(err, EINVAL, "invalid MemorySwap %lld", (long long)u->swap);
	if (u->shares < 0)
		return berr_plain(err, EINVAL, "invalid CpuShares %lld", (long long)u->shares);
	if (u->nano && u->period)
		return berr_plain(
		    err, EINVAL,
		    "Conflicting options: Nano CPUs and CPU Period cannot both be set");
	if (u->nano && u->quota)
		return berr_plain(
		    err, EINVAL, "Conflicting options: Nano CPUs and CPU Quota cannot both be set");
	if (u->nano < 0 || (ncpu > 0 && u->nano > (int64_t)ncpu * 1000000000LL))
		return berr_plain(
		    err, EINVAL,
		    "Range of CPUs is from 0.01 to %ld.00, as there are only %ld CPUs "
		    "available",
		    ncpu, ncpu);
	if (u->period && (u->period < 1000 || u->period > 1000000))
		return berr_plain(
		    err, EINVAL,
		    "CPU cfs period can not be less than 1ms (i.e. 1000) or larger than "
		    "1 second (i.e. 1000000)");
	if (u->quota > 0 && u->quota < 1000)
		return berr_plain(err, EINVAL,
				  "CPU cfs quota can not be less than 1ms (i.e. 1000)");
	const char *p = u->restart;
	if (p && *p && strcmp(p, "no") && strcmp(p, "always") && strcmp(p, "on-failure") &&
	    strcmp(p, "unless-stopped"))
		return berr_plain(err, EINVAL, "invalid restart policy '%s'", p);
	if (u->retries < 0)
		return berr_plain(err, EINVAL, "maximum retry count cannot be negative");
	if (u->retries && p && *p && strcmp(p, "on-failure"))
		return berr_plain(err, EINVAL,
				  "maximum retry count cannot be used with restart policy '%s'", p);
	return 0;
}

static int64_t hc_int(json_t *hc, const char *key)
{
	return json_integer_value(json_object_get(hc, key));
}

/* What conflicts with what the container has (dockerd's UpdateContainer: 409). */
static int check_conflicts(const struct update *u, json_t *hc, struct berr **err)
{
	if (u->nano && hc_int(hc, "CpuPeriod") > 0)
		return berr_plain(
		    err, EBUSY,
		    "Conflicting options: CPU Period cannot be updated as NanoCPUs has "
		    "already been set");
	if (u->nano && hc_int(hc, "CpuQuota") > 0)
		return berr_plain(
		    err, EBUSY,
		    "Conflicting options: CPU Quota cannot be updated as NanoCPUs has "
		    "already been set");
	if ((u->period || u->quota) && hc_int(hc, "NanoCpus") > 0)
		return berr_plain(err, EBUSY,
				  "Conflicting options: CPU %s cannot be updated as NanoCPUs has "
				  "already been set",
				  u->period ? "Period" : "Quota");
	/* a swap limit given (0 on our record is Docker's default, twice the memory, which
	 * follows a new memory limit) */
	int64_t mem = hc_int(hc, "Memory"), swap = hc_int(hc, "MemorySwap");
	if (u->memory && !u->swap && swap > 0 && u->memory > swap)
		return berr_plain(
		    err, EBUSY,
		    "Memory limit should be smaller than already set memoryswap limit, "
		    "update the memoryswap at the same time");
	int64_t new_mem = u->memory ? u->memory : mem, new_swap = u->swap ? u->swap : swap;
	if (new_swap > 0 && !new_mem)
		return berr_plain(err, EINVAL,
				  "You should always set the Memory limit when using Memoryswap "
				  "limit, see usage");
	if (new_swap > 0 && new_mem > new_swap)
		return berr_plain(
		    err, EINVAL,
		    "Minimum memoryswap limit should be larger than memory limit, see "
		    "usage");
	json_t *auto_rm = json_object_get(hc, "AutoRemove");
	if (json_is_true(auto_rm) && u->restart && *u->restart && strcmp(u->restart, "no"))
		return berr_plain(
		    err, EBUSY,
		    "Restart policy cannot be updated because AutoRemove is enabled for "
		    "the container");
	return 0;
}

/* The OCI linux.resources for the running cgroup; hc is the record's new HostConfig. */
static json_t *resources(const struct update *u, json_t *hc)
{
	json_t *res = json_object(), *cpu = json_object();
	if (u->memory || u->swap) {
		int64_t mem = hc_int(hc, "Memory"), swap = hc_int(hc, "MemorySwap");
		json_t *m = json_object();
		if (u->memory)
			json_object_set_new(m, "limit", json_integer(u->memory));
		/* Docker's default swap is twice the memory: it follows a new memory */
		if (swap || mem > 0)
			json_object_set_new(m, "swap", json_integer(swap ? swap : 2 * mem));
		json_object_set_new(res, "memory", m);
	}
	if (u->nano) {
		json_object_set_new(cpu, "period", json_integer(100000));
		json_object_set_new(cpu, "quota", json_integer(u->nano * 100000 / 1000000000));
	}
	if (u->period)
		json_object_set_new(cpu, "period", json_integer(u->period));
	if (u->quota)
		json_object_set_new(cpu, "quota", json_integer(u->quota));
	if (u->shares)
		json_object_set_new(cpu, "shares", json_integer(u->shares));
	if (u->cpus && *u->cpus)
		json_object_set_new(cpu, "cpus", json_string(u->cpus));
	if (u->mems && *u->mems)
		json_object_set_new(cpu, "mems", json_string(u->mems));
	if (json_object_size(cpu))
		json_object_set(res, "cpu", cpu);
	json_decref(cpu);
	if (u->pids_set)
		json_object_set_new(
		    res, "pids",
		    json_pack("{s:I}", "limit", (json_int_t)(u->pids > 0 ? u->pids : -1)));
	return res;
}

static void set_int(json_t *hc, const char *key, int64_t v)
{
	if (v)
		json_object_set_new(hc, key, json_integer(v));
}

/* The record's HostConfig with the changes. */
static void record(const struct update *u, json_t *hc)
{
	set_int(hc, "Memory", u->memory);
	set_int(hc, "MemorySwap", u->swap);
	set_int(hc, "CpuShares", u->shares);
	set_int(hc, "CpuQuota", u->quota);
	set_int(hc, "CpuPeriod", u->period);
	set_int(hc, "NanoCpus", u->nano);
	if (u->pids_set)
		json_object_set_new(hc, "PidsLimit", json_integer(u->pids > 0 ? u->pids : 0));
	if (u->cpus && *u->cpus)
		json_object_set_new(hc, "CpusetCpus", json_string(u->cpus));
	if (u->mems && *u->mems)
		json_object_set_new(hc, "CpusetMems", json_string(u->mems));
	if (u->restart && *u->restart)
		json_object_set_new(hc, "RestartPolicy",
				    json_pack("{s:s, s:I}", "Name", u->restart, "MaximumRetryCount",
					      (json_int_t)u->retries));
}

/* The running container's cgroup. On v1 the memory and swap limits are written in that
 * order and a memory limit above the present swap limit is refused: a swap limit alone
 * first (refused in its turn when it would go below the present memory: then the memory
 * shrinks first, and the second write sets both). */
static int apply(const struct eng_store *s, const char *id, bool vm, json_t *res, struct berr **err)
{
	json_t *swap = json_object_get(json_object_get(res, "memory"), "swap");
	if (vm) {
		/* a VM's memory is its guest's: its balloon gives the guest less of what it booted
		 * with (never more), the record boots the next one with it; its CPU limits are
		 * QEMU's cgroup's */
		json_t *limit = json_object_get(json_object_get(res, "memory"), "limit");
		autofree char *vmdir = xasprintf("%s/%s/vm", s->runroot, id);
		int r = limit ? vm_balloon_set(vmdir, json_integer_value(limit), err) : 0;
		json_object_del(res, "memory");
		autofree char *cgroup = eng_container_cgroup(s, id);
		if (r == 0 && json_object_size(res))
			r = rt_cgroup_update(cgroup, res, err);
		return r;
	}
	autofree char *rtroot = eng_runtime_root(s);
	if (swap) {
		json_t *first = json_pack("{s:{s:O}}", "memory", "swap", swap);
		(void)rt_container_update(rtroot, id, first, NULL);
		json_decref(first);
	}
	return rt_container_update(rtroot, id, res, err);
}

int eng_container_update(const struct eng_store *s, const char *id, json_t *changes,
			 struct berr **err)
{
	struct update u = {0};
	int r = decode(changes, &u, err);
	if (r < 0 || (r = check_values(&u, err)) < 0)
		return r;
	json_t *rec = eng_container_load(s, id, err);
	if (!rec)
		return berr_ret(err);
	json_t *hc = json_object_get(rec, "HostConfig");
	if (!json_is_object(hc)) {
		hc = json_object();
		json_object_set_new(rec, "HostConfig", hc);
	}
	r = check_conflicts(&u, hc, err);
	json_t *st = eng_state_load(s, id);
	bool up = json_is_true(json_object_get(st, "Running"));
	json_decref(st);
	if (r == 0) {
		record(&u, hc);
		json_t *res = resources(&u, hc);
		/* a member of a pod of one VM: its cgroup is the guest's */
		if (up && json_object_size(res) && eng_pod_vm_executor(rec))
			r = eng_pod_vm_update(s, rec, id, res, hc, err);
		else if (up && json_object_size(res))
			r = apply(s, id, eng_is_vm(rec), res, err);
		json_decref(res);
	}
	if (r == 0)
		r = eng_container_save(s, id, rec, err);
	if (r == 0)
		eng_event_container(s, id, rec, "update", NULL);
	json_decref(rec);
	return r;
}
