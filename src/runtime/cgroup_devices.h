/* Device access rules (linux.resources.devices) for both cgroup versions: v1 writes them to
 * devices.allow/devices.deny, v2 has no devices controller and enforces them with an eBPF
 * program of type BPF_PROG_TYPE_CGROUP_DEVICE attached to the container's cgroup. */
#ifndef BERTH_RUNTIME_CGROUP_DEVICES_H
#define BERTH_RUNTIME_CGROUP_DEVICES_H

#include <jansson.h>
#include <linux/bpf.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct berr;

enum { RT_DEV_MKNOD = 1, RT_DEV_READ = 2, RT_DEV_WRITE = 4, RT_DEV_ALL = 7 };

struct rt_dev_rule {
	bool allow;
	char type;            /* 'a' (all), 'c' or 'b' */
	int64_t major, minor; /* -1: any */
	unsigned access;      /* RT_DEV_* bits */
};

/* The rules of linux.resources.devices in order, followed (when there are any) by the
 * devices every container gets (null, zero, full, random, urandom, tty, pts, ptmx). */
int rt_dev_rules_parse(json_t *devices, struct rt_dev_rule **out, size_t *out_n, struct berr **err);

/* The eBPF program for rules, with v1's meaning: the last matching rule decides, nothing
 * matching is denied. A request matches a rule when all its access bits are in the rule's
 * (as runc's filter does). Caller frees *out. */
void rt_dev_program(const struct rt_dev_rule *rules, size_t n, struct bpf_insn **out,
		    size_t *out_n);

/* Load the program and make it the only device program of the cgroup2 directory dir:
 * attached with BPF_F_ALLOW_MULTI, then any older one detached (so update replaces). */
int rt_dev_attach(const char *dir, const struct bpf_insn *insns, size_t n, struct berr **err);

#endif
