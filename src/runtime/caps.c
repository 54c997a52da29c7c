/* Capability names and sets. We call capset(2) ourselves (no libcap): the order is the one
 * runc uses — bounding set dropped while still privileged, PR_SET_KEEPCAPS across setuid so the
 * permitted set survives a non-zero uid, then capset, then ambient (capabilities(7)). */
#include "runtime/caps.h"

#include <errno.h>
#include <linux/capability.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util/err.h"
#include "util/log.h"

static const char *const cap_names[] = {
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_DAC_READ_SEARCH",
    "CAP_FOWNER",
    "CAP_FSETID",
    "CAP_KILL",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETPCAP",
    "CAP_LINUX_IMMUTABLE",
    "CAP_NET_BIND_SERVICE",
    "CAP_NET_BROADCAST",
    "CAP_NET_ADMIN",
    "CAP_NET_RAW",
    "CAP_IPC_LOCK",
    "CAP_IPC_OWNER",
    "CAP_SYS_MODULE",
    "CAP_SYS_RAWIO",
    "CAP_SYS_CHROOT",
    "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT",
    "CAP_SYS_ADMIN",
    "CAP_SYS_BOOT",
    "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE",
    "CAP_SYS_TIME",
    "CAP_SYS_TTY_CONFIG",
    "CAP_MKNOD",
    "CAP_LEASE",
    "CAP_AUDIT_WRITE",
    "CAP_AUDIT_CONTROL",
    "CAP_SETFCAP",
    "CAP_MAC_OVERRIDE",
    "CAP_MAC_ADMIN",
    "CAP_SYSLOG",
    "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND",
    "CAP_AUDIT_READ",
    "CAP_PERFMON",
    "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
};

#define N_CAPS ((int)(sizeof(cap_names) / sizeof(cap_names[0])))

int rt_cap_from_name(const char *name)
{
	for (int i = 0; i < N_CAPS; i++)
		if (!strcasecmp(cap_names[i], name))
			return i;
	return -1;
}

const char *rt_cap_name(int cap)
{
	return cap >= 0 && cap < N_CAPS ? cap_names[cap] : NULL;
}

int rt_cap_last(void)
{
	/* Probe cached for the process: the kernel's cap_last_cap does not change. */
	static int last = -1;
	if (last < 0) {
		FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "re");
		int v = -1;
		if (f) {
			if (fscanf(f, "%d", &v) != 1)
				v = -1;
			fclose(f);
		}
		last = v >= 0 && v < 64 ? v : N_CAPS - 1;
	}
	return last;
}

void rt_caps_check(struct rt_process *p)
{
	if (!p || !p->has_caps)
		return;
	uint64_t want = 0;
	for (int s = 0; s < RT_CAP_SET_COUNT; s++)
		want |= p->caps[s];
	for (int c = 0; c <= rt_cap_last(); c++) {
		if (!(want & (1ULL << c)) || prctl(PR_CAPBSET_READ, c, 0, 0, 0) == 1)
			continue;
		log_warn("capability %s cannot be granted (not in this process's bounding set): "
			 "left out",
			 rt_cap_name(c) ? rt_cap_name(c) : "?");
		for (int s = 0; s < RT_CAP_SET_COUNT; s++)
			p->caps[s] &= ~(1ULL << c);
	}
}

int rt_caps_drop_bounding(const uint64_t caps[RT_CAP_SET_COUNT], struct berr **err)
{
	/* Every number the kernel could know, not up to cap_last_cap: what that file said when it
	 * was read must not decide what the container keeps (EINVAL: no such capability). */
	for (int c = 0; c < 64; c++) {
		if (caps[RT_CAP_BOUNDING] & (1ULL << c))
			continue;
		if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL)
			return berr_set(err, errno, "drop %s from the bounding set",
					rt_cap_name(c) ? rt_cap_name(c) : "capability");
	}
	return 0;
}

int rt_caps_apply(const uint64_t caps[RT_CAP_SET_COUNT], struct berr **err)
{
	struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct data[2];
	memset(data, 0, sizeof(data));
	for (int i = 0; i < 2; i++) {
		data[i].effective = (uint32_t)(caps[RT_CAP_EFFECTIVE] >> (32 * i));
		data[i].permitted = (uint32_t)(caps[RT_CAP_PERMITTED] >> (32 * i));
		data[i].inheritable = (uint32_t)(caps[RT_CAP_INHERITABLE] >> (32 * i));
	}
	if (syscall(SYS_capset, &hdr, data) < 0)
		return berr_set(err, errno, "set capabilities");
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return berr_set(err, errno, "clear ambient capabilities");
	for (int c = 0; c <= rt_cap_last(); c++) {
		if (!(caps[RT_CAP_AMBIENT] & (1ULL << c)))
			continue;
		/* Ambient needs the cap in permitted and inheritable; runc ignores the
		 * failure for caps missing there, and so do we. */
		if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0) < 0 && errno != EPERM &&
		    errno != EINVAL)
			return berr_set(err, errno, "raise ambient %s", rt_cap_name(c));
	}
	return 0;
}
