/* Seccomp profiles for containers (see seccomp.h). */
#include "engine/seccomp.h"

#include <errno.h>
#include <fcntl.h>
#include <seccomp.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "util/cleanup.h"
#include "util/err.h"
#include "util/json.h"
#include "util/xalloc.h"

#define SYSCALL_NR_MAX 1024
/* CLONE_NEWNS|CLONE_NEWCGROUP|CLONE_NEWUTS|CLONE_NEWIPC|CLONE_NEWUSER|CLONE_NEWPID|CLONE_NEWNET */
#define CLONE_NS_FLAGS 0x7E020000ULL

/* A capability (or -1: never) that unlocks a group of syscalls. */
struct gate {
	int cap, alt_cap;
	const char *const *names;
};

static const char *const admin[] = {"mount",         "umount",         "umount2",
				    "pivot_root",    "setns",          "unshare",
				    "quotactl",      "quotactl_fd",    "fsopen",
				    "fsconfig",      "fsmount",        "fspick",
				    "move_mount",    "open_tree",      "mount_setattr",
				    "fanotify_init", "lookup_dcookie", "swapon",
				    "swapoff",       "clone3",         NULL};
static const char *const module[] = {"init_module",
				     "finit_module",
				     "delete_module",
				     "create_module",
				     "query_module",
				     "get_kernel_syms",
				     NULL};
static const char *const boot[] = {"reboot", "kexec_load", "kexec_file_load", NULL};
static const char *const pacct[] = {"acct", NULL};
static const char *const ptrace_[] = {"kcmp", "pidfd_getfd", "process_madvise", "userfaultfd",
				      NULL};
static const char *const rawio[] = {"iopl", "ioperm", NULL};
static const char *const time_[] = {"settimeofday", "stime", "clock_settime", "clock_settime64",
				    NULL};
static const char *const tty[] = {"vhangup", NULL};
static const char *const nice_[] = {
    "get_mempolicy", "mbind", "set_mempolicy", "set_mempolicy_home_node", "move_pages",
    "migrate_pages", NULL};
static const char *const syslog_[] = {"syslog", NULL};
static const char *const dac[] = {"open_by_handle_at", NULL};
static const char *const bpf_[] = {"bpf", NULL};
static const char *const perf[] = {"perf_event_open", NULL};
/* not namespaced, obsolete, or a large attack surface: never */
static const char *const never[] = {"add_key",        "keyctl",          "request_key",
				    "io_uring_setup", "io_uring_enter",  "io_uring_register",
				    "nfsservctl",     "uselib",          "_sysctl",
				    "ustat",          "sysfs",           "vm86",
				    "vm86old",        "afs_syscall",     "getpmsg",
				    "putpmsg",        "security",        "tuxcall",
				    "vserver",        "bdflush",         "pciconfig_iobase",
				    "pciconfig_read", "pciconfig_write", NULL};

/* moby's capability numbers, from linux/capability.h */
static const struct gate gates[] = {
    {21, -1, admin}, {16, -1, module}, {22, -1, boot}, {20, -1, pacct}, {19, -1, ptrace_},
    {17, -1, rawio}, {25, -1, time_},  {26, -1, tty},  {23, -1, nice_}, {34, -1, syslog_},
    {2, -1, dac},    {39, 21, bpf_},   {38, 21, perf}, {-1, -1, never},
};

static bool listed(const char *const *names, const char *n)
{
	for (; *names; names++)
		if (!strcmp(*names, n))
			return true;
	return false;
}

static bool has(uint64_t caps, int cap)
{
	return cap >= 0 && (caps >> cap & 1);
}

/* Denied for this container: gated and without the capability. */
static bool denied(const char *name, uint64_t caps)
{
	for (size_t i = 0; i < sizeof(gates) / sizeof(gates[0]); i++)
		if (listed(gates[i].names, name) && !has(caps, gates[i].cap) &&
		    !has(caps, gates[i].alt_cap))
			return true;
	return false;
}

static json_t *architectures(void)
{
	struct utsname u;
	uname(&u);
	if (!strcmp(u.machine, "x86_64"))
		return json_pack("[s, s, s]", "SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32");
	if (!strcmp(u.machine, "aarch64"))
		return json_pack("[s, s]", "SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM");
	return json_array(); /* the native one only */
}

json_t *eng_seccomp_default(uint64_t caps)
{
	json_t *allow = json_array();
	for (int nr = 0; nr < SYSCALL_NR_MAX; nr++) {
		char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);
		if (!name)
			continue;
		/* clone and personality get rules of their own below */
		if (strcmp(name, "clone") && strcmp(name, "personality") && !denied(name, caps))
			json_array_append_new(allow, json_string(name));
		free(name);
	}
	json_t *rules = json_pack("[{s:o, s:s}]", "names", allow, "action", "SCMP_ACT_ALLOW");
	if (has(caps, 21)) {
		json_array_append_new(
		    rules, json_pack("{s:[s], s:s}", "names", "clone", "action", "SCMP_ACT_ALLOW"));
	} else {
		/* new namespaces need CAP_SYS_ADMIN: clone's flags (argument 0 on x86) are masked
		 */
		json_array_append_new(rules, json_pack("{s:[s], s:s, s:[{s:i, s:I, s:I, s:s}]}",
						       "names", "clone", "action", "SCMP_ACT_ALLOW",
						       "args", "index", 0, "value",
						       (json_int_t)CLONE_NS_FLAGS, "valueTwo",
						       (json_int_t)0, "op", "SCMP_CMP_MASKED_EQ"));
		/* clone3's flags are in memory seccomp cannot read: ENOSYS makes libc use clone */
		json_array_append_new(rules,
				      json_pack("{s:[s], s:s, s:i}", "names", "clone3", "action",
						"SCMP_ACT_ERRNO", "errnoRet", ENOSYS));
	}
	/* PER_LINUX, PER_LINUX32, UNAME26 variants, and the query */
	static const json_int_t personas[] = {0x0, 0x8, 0x20000, 0x20008, 0xffffffff};
	for (size_t i = 0; i < sizeof(personas) / sizeof(personas[0]); i++)
		json_array_append_new(rules, json_pack("{s:[s], s:s, s:[{s:i, s:I, s:s}]}", "names",
						       "personality", "action", "SCMP_ACT_ALLOW",
						       "args", "index", 0, "value", personas[i],
						       "op", "SCMP_CMP_EQ"));
	return json_pack("{s:s, s:i, s:o, s:o}", "defaultAction", "SCMP_ACT_ERRNO",
			 "defaultErrnoRet", EPERM, "architectures", architectures(), "syscalls",
			 rules);
}

static const char *native_arch(void)
{
	struct utsname u;
	uname(&u);
	/* "" for a machine we have no name for: then no archMap entry matches */
	return !strcmp(u.machine, "x86_64")    ? "SCMP_ARCH_X86_64"
	       : !strcmp(u.machine, "aarch64") ? "SCMP_ARCH_AARCH64"
					       : "";
}

static int cap_number(const char *name)
{
	static const char *const caps[] = {"CHOWN",
					   "DAC_OVERRIDE",
					   "DAC_READ_SEARCH",
					   "FOWNER",
					   "FSETID",
					   "KILL",
					   "SETGID",
					   "SETUID",
					   "SETPCAP",
					   "LINUX_IMMUTABLE",
					   "NET_BIND_SERVICE",
					   "NET_BROADCAST",
					   "NET_ADMIN",
					   "NET_RAW",
					   "IPC_LOCK",
					   "IPC_OWNER",
					   "SYS_MODULE",
					   "SYS_RAWIO",
					   "SYS_CHROOT",
					   "SYS_PTRACE",
					   "SYS_PACCT",
					   "SYS_ADMIN",
					   "SYS_BOOT",
					   "SYS_NICE",
					   "SYS_RESOURCE",
					   "SYS_TIME",
					   "SYS_TTY_CONFIG",
					   "MKNOD",
					   "LEASE",
					   "AUDIT_WRITE",
					   "AUDIT_CONTROL",
					   "SETFCAP",
					   "MAC_OVERRIDE",
					   "MAC_ADMIN",
					   "SYSLOG",
					   "WAKE_ALARM",
					   "BLOCK_SUSPEND",
					   "AUDIT_READ",
					   "PERFMON",
					   "BPF",
					   "CHECKPOINT_RESTORE"};
	if (!strncmp(name, "CAP_", 4))
		name += 4;
	for (int i = 0; i < (int)(sizeof(caps) / sizeof(caps[0])); i++)
		if (!strcmp(caps[i], name))
			return i;
	return -1;
}

/* Docker's includes/excludes: {"caps": [...], "arches": [...]} against this container. */
static bool applies(json_t *rule, uint64_t caps, const char *arch_short)
{
	json_t *inc = json_object_get(rule, "includes"), *exc = json_object_get(rule, "excludes");
	size_t i;
	json_t *v;
	json_t *ic = json_object_get(inc, "caps"), *ia = json_object_get(inc, "arches");
	json_array_foreach(ic, i, v) if (!has(caps, cap_number(json_string_value(v)))) return false;
	if (json_array_size(ia)) {
		bool any = false;
		json_array_foreach(ia, i, v) any |= !strcmp(json_string_value(v), arch_short);
		if (!any)
			return false;
	}
	json_array_foreach(json_object_get(exc, "caps"), i,
			   v) if (has(caps, cap_number(json_string_value(v)))) return false;
	json_array_foreach(json_object_get(exc, "arches"), i,
			   v) if (!strcmp(json_string_value(v), arch_short)) return false;
	return true;
}

json_t *eng_seccomp_file(const char *path, uint64_t caps, struct berr **err)
{
	json_t *p = json_load_path(AT_FDCWD, path, 4 << 20, err);
	if (!p)
		return NULL;
	if (!json_is_object(p) || !json_is_string(json_object_get(p, "defaultAction"))) {
		json_decref(p);
		berr_plain(err, EINVAL, "seccomp profile '%s': no defaultAction", path);
		return NULL;
	}
	/* Docker's form: archMap instead of architectures, rules with includes/excludes */
	json_t *map = json_object_get(p, "archMap");
	if (json_is_array(map)) {
		json_t *arches = json_array();
		size_t i;
		json_t *m;
		json_array_foreach(map, i, m)
		{
			if (strcmp(json_string_value(json_object_get(m, "architecture")) ?: "",
				   native_arch()))
				continue;
			json_array_append_new(arches, json_string(native_arch()));
			json_array_extend(arches, json_object_get(m, "subArchitectures"));
		}
		json_object_set_new(p, "architectures", arches);
		json_object_del(p, "archMap");
	}
	struct utsname u;
	uname(&u);
	const char *arch_short = !strcmp(u.machine, "x86_64")    ? "amd64"
				 : !strcmp(u.machine, "aarch64") ? "arm64"
								 : u.machine;
	json_t *rules = json_array();
	size_t i;
	json_t *r;
	json_array_foreach(json_object_get(p, "syscalls"), i, r)
	{
		if (!applies(r, caps, arch_short))
			continue;
		json_t *copy = json_deep_copy(r);
		json_object_del(copy, "includes");
		json_object_del(copy, "excludes");
		json_object_del(copy, "comment");
		json_array_append_new(rules, copy);
	}
	json_object_set_new(p, "syscalls", rules);
	json_object_del(p, "defaultErrno");
	return p;
}
