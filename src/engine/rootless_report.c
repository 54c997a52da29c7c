/* What a rootless user has and lacks (see rootless_report.h). Each fact is probed as berth
 * would use it, read-only but for the overlay probe, which mounts a scratch overlay in the
 * user's own mount namespace under its run root and removes it. */
#include "engine/rootless_report.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/fs.h"
#include "util/userns.h"
#include "util/xalloc.h"
#include "vm/vm.h"

#define VIRTIOFSD "/usr/lib/qemu/virtiofsd"

static void fact(json_t *out, bool has, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void fact(json_t *out, bool has, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char what[768];
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	json_array_append_new(out, json_pack("{s:b, s:s}", "Has", has, "What", what));
}

/* name's path in PATH (or the usual directories) into buf; false when there is none. */
static bool find_program(const char *name, char *buf, size_t cap)
{
	const char *path = getenv("PATH");
	autofree char *copy = xasprintf("%s:/usr/sbin:/usr/bin:/sbin:/bin", path ? path : "");
	for (char *save = NULL, *d = strtok_r(copy, ":", &save); d;
	     d = strtok_r(NULL, ":", &save)) {
		snprintf(buf, cap, "%s/%s", d, name);
		if (*d == '/' && access(buf, X_OK) == 0)
			return true;
	}
	return false;
}

/* The ranges after "0 <uid> 1" in /proc/self/<file> ("uid_map"), "A-B" each, into buf. */
static size_t mapped_ranges(const char *file, char *buf, size_t cap)
{
	autofree char *path = xasprintf("/proc/self/%s", file), *text = NULL;
	buf[0] = '\0';
	if (fs_read_file(AT_FDCWD, path, 1 << 16, &text, NULL, NULL) < 0)
		return 0;
	size_t n = 0, len = 0;
	unsigned long inside, outside, count;
	for (char *save = NULL, *l = strtok_r(text, "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save)) {
		if (sscanf(l, "%lu %lu %lu", &inside, &outside, &count) != 3 || inside == 0)
			continue;
		if (len < cap)
			len += (size_t)snprintf(buf + len, cap - len, "%s%lu-%lu", n ? ", " : "",
						outside, outside + count - 1);
		n++;
	}
	return n;
}

static void subids(json_t *out)
{
	char u[256], g[256];
	size_t nu = mapped_ranges("uid_map", u, sizeof(u));
	size_t ng = mapped_ranges("gid_map", g, sizeof(g));
	if (nu && ng)
		fact(out, true, "subordinate ids: uids %s (/etc/subuid), gids %s (/etc/subgid)", u,
		     g);
	else
		fact(out, false,
		     "subordinate ids: %s has no range for the user: its containers have one uid "
		     "and gid only; add one as root with usermod --add-subuids/--add-subgids",
		     nu ? "/etc/subgid" : "/etc/subuid");
}

/* A helper that may write maps for the user: setuid, or with file capabilities. */
static void id_helper(json_t *out, const char *name)
{
	char p[PATH_MAX];
	struct stat st;
	if (!find_program(name, p, sizeof(p)) || stat(p, &st) < 0) {
		fact(out, false, "%s: not installed (Debian's package uidmap): no subordinate ids",
		     name);
		return;
	}
	bool caps = getxattr(p, "security.capability", NULL, 0) > 0;
	if (st.st_mode & S_ISUID || caps)
		fact(out, true, "%s: %s (%s)", name, p, caps ? "file capabilities" : "setuid");
	else
		fact(out, false, "%s: %s is neither setuid nor has file capabilities", name, p);
}

/* Mount a scratch overlay with userxattr under dir: 0, or the errno. */
static int overlay_probe(const char *dir)
{
	autofree char *base = xasprintf("%s/overlay-probe.XXXXXX", dir);
	if (!mkdtemp(base))
		return errno;
	static const char *const subs[] = {"l", "u", "w", "m"};
	int e = 0;
	for (size_t i = 0; i < 4 && !e; i++) {
		autofree char *p = xasprintf("%s/%s", base, subs[i]);
		e = mkdir(p, 0700) < 0 ? errno : 0;
	}
	autofree char *opts =
	    xasprintf("lowerdir=%s/l,upperdir=%s/u,workdir=%s/w,userxattr", base, base, base);
	autofree char *merged = xasprintf("%s/m", base);
	if (!e && mount("overlay", merged, "overlay", 0, opts) < 0)
		e = errno;
	else if (!e)
		(void)umount2(merged, MNT_DETACH);
	(void)fs_rm_rf(AT_FDCWD, base, NULL);
	return e;
}

static void storage(json_t *out, const char *runroot)
{
	struct utsname u;
	uname(&u);
	int e = overlay_probe(runroot);
	if (!e)
		fact(out, true, "overlayfs in the user namespace (userxattr; kernel %s)",
		     u.release);
	else
		fact(out, false,
		     "overlayfs in the user namespace: %s (kernel %s; it needs Linux 5.11): "
		     "fuse-overlayfs is used instead",
		     strerror(e), u.release);
	char p[PATH_MAX];
	bool fuse = find_program("fuse-overlayfs", p, sizeof(p));
	bool dev = access("/dev/fuse", R_OK | W_OK) == 0;
	if (fuse && dev)
		fact(out, true,
		     "fuse-overlayfs: %s (the fallback, or BERTH_OVERLAY=fuse-overlayfs)", p);
	else
		fact(out, false, "fuse-overlayfs: %s%s",
		     fuse ? "" : "not installed (Debian's package fuse-overlayfs)",
		     dev    ? ""
		     : fuse ? "/dev/fuse cannot be opened"
			    : ", no /dev/fuse");
}

static void network(json_t *out)
{
	char p[PATH_MAX];
	if (find_program("pasta", p, sizeof(p)))
		fact(out, true, "pasta: %s (the default network, -p)", p);
	else
		fact(out, false,
		     "pasta: not installed (Debian's package passt): only --network none or host, "
		     "no -p");
	if (find_program("passt", p, sizeof(p)))
		fact(out, true, "passt: %s (a VM's network, -p)", p);
	else
		fact(
		    out, false,
		    "passt: not installed (Debian's package passt): a VM only with --network none");
	autofree char *text = NULL;
	long start = 1024;
	if (fs_read_file(AT_FDCWD, "/proc/sys/net/ipv4/ip_unprivileged_port_start", 64, &text, NULL,
			 NULL) == 0)
		start = strtol(text, NULL, 10);
	if (start > 0)
		fact(out, false,
		     "ports below %ld: -p refuses them; as root, 'sysctl "
		     "net.ipv4.ip_unprivileged_port_start=0' (or the lowest port wanted) allows "
		     "them",
		     start);
	else
		fact(out, true, "ports below 1024 (net.ipv4.ip_unprivileged_port_start is 0)");
}

/* cgroup v2 delegated: the user's own cgroup's cgroup.procs and subtree_control writable. */
static void cgroups(json_t *out)
{
	if (access("/sys/fs/cgroup/cgroup.controllers", F_OK) < 0) {
		fact(out, false,
		     "cgroup delegation: this host has cgroup v1 (or v1 beside v2), which cannot "
		     "be delegated to a user: -m, --cpus, --pids-limit are refused");
		return;
	}
	autofree char *text = NULL;
	char path[PATH_MAX] = "";
	if (fs_read_file(AT_FDCWD, "/proc/self/cgroup", 1 << 16, &text, NULL, NULL) == 0) {
		char *l = strstr(text, "0::");
		if (l)
			snprintf(path, sizeof(path), "%.*s", (int)strcspn(l + 3, "\n"), l + 3);
	}
	autofree char *procs = xasprintf("/sys/fs/cgroup%s/cgroup.procs", path);
	autofree char *ctl = xasprintf("/sys/fs/cgroup%s/cgroup.subtree_control", path);
	if (access(procs, W_OK) == 0 && access(ctl, W_OK) == 0)
		fact(out, true, "cgroup delegation: cgroup v2, '%s' is the user's", path);
	else
		fact(out, false,
		     "cgroup delegation: cgroup v2, but '%s' is not the user's: -m, --cpus, "
		     "--pids-limit are refused; run berth in the user's systemd instance "
		     "(Delegate=yes), e.g. 'systemd-run --user --scope berth ...'",
		     path);
}

static void vm(json_t *out)
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	int e = errno;
	if (fd >= 0) {
		(void)close(fd);
		fact(out, true, "KVM: /dev/kvm (--isolation vm at full speed)");
	} else {
		fact(out, false,
		     "KVM: /dev/kvm: %s: --isolation vm emulates the CPU (TCG, much slower); as "
		     "root, add the user to group kvm",
		     strerror(e));
	}
	if (vm_hypervisor_available() && access(VIRTIOFSD, X_OK) == 0)
		fact(out, true, "QEMU and virtiofsd for --isolation vm, run as the user");
	else
		fact(out, false,
		     "QEMU or virtiofsd (packages qemu-system-x86, qemu-system-common): no "
		     "--isolation vm");
}

json_t *eng_rootless_report(const char *runroot)
{
	json_t *out = json_array();
	if (userns_is_initial())
		return out;
	subids(out);
	id_helper(out, "newuidmap");
	id_helper(out, "newgidmap");
	storage(out, runroot);
	network(out);
	cgroups(out);
	vm(out);
	return out;
}
