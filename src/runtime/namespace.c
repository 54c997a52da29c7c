/* Namespace names and the join/create decisions. The order of joining matters: the user
 * namespace first, since the others may be owned by it and setns(2) into them needs
 * CAP_SYS_ADMIN there (user_namespaces(7)); a joined pid namespace applies to children only. */
#include "runtime/namespace.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/child.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/procfs.h"
#include "util/xalloc.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

static const struct {
	const char *spec_name;
	const char *proc_name;
	int flag;
} ns_table[RT_NS_COUNT] = {
    [RT_NS_USER] = {"user", "user", CLONE_NEWUSER},
    [RT_NS_MOUNT] = {"mount", "mnt", CLONE_NEWNS},
    [RT_NS_PID] = {"pid", "pid", CLONE_NEWPID},
    [RT_NS_NET] = {"network", "net", CLONE_NEWNET},
    [RT_NS_IPC] = {"ipc", "ipc", CLONE_NEWIPC},
    [RT_NS_UTS] = {"uts", "uts", CLONE_NEWUTS},
    [RT_NS_CGROUP] = {"cgroup", "cgroup", CLONE_NEWCGROUP},
    [RT_NS_TIME] = {"time", "time", CLONE_NEWTIME},
};

const char *rt_ns_name(enum rt_ns_kind kind)
{
	return ns_table[kind].spec_name;
}

const char *rt_ns_proc_name(enum rt_ns_kind kind)
{
	return ns_table[kind].proc_name;
}

int rt_ns_clone_flag(enum rt_ns_kind kind)
{
	return ns_table[kind].flag;
}

int rt_ns_open_paths(const struct rt_spec *spec, int out_fds[RT_NS_COUNT], struct berr **err)
{
	for (int k = 0; k < RT_NS_COUNT; k++)
		out_fds[k] = -1;
	for (int k = 0; k < RT_NS_COUNT; k++) {
		if (!spec->ns[k].enabled || !spec->ns[k].path)
			continue;
		out_fds[k] = open(spec->ns[k].path, O_RDONLY | O_CLOEXEC);
		if (out_fds[k] < 0) {
			int e = errno;
			for (int j = 0; j < k; j++)
				if (out_fds[j] >= 0)
					(void)close(out_fds[j]);
			return berr_set(err, e, "open %s namespace '%s'", rt_ns_name(k),
					spec->ns[k].path);
		}
	}
	return 0;
}

int rt_ns_join(int fds[RT_NS_COUNT], struct berr **err)
{
	int r = 0;
	for (int k = 0; k < RT_NS_COUNT; k++) {
		if (fds[k] < 0)
			continue;
		if (r == 0 && setns(fds[k], rt_ns_clone_flag(k)) < 0)
			r = berr_set(err, errno, "join %s namespace", rt_ns_name(k));
		(void)close(fds[k]);
		fds[k] = -1;
	}
	return r;
}

int rt_ns_unshare_flags(const struct rt_spec *spec)
{
	int flags = 0;
	for (int k = 0; k < RT_NS_COUNT; k++)
		if (spec->ns[k].enabled && !spec->ns[k].path)
			flags |= rt_ns_clone_flag(k);
	return flags;
}

int rt_ns_write_idmap(int procfd, pid_t pid, const char *file, const struct rt_idmap *maps,
		      size_t n, bool swapped, struct berr **err)
{
	char buf[340 * 40];
	size_t len = 0;
	for (size_t i = 0; i < n && len < sizeof(buf); i++)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%u %u %u\n",
					swapped ? maps[i].host_id : maps[i].container_id,
					swapped ? maps[i].container_id : maps[i].host_id,
					maps[i].size);
	autofree char *path = xasprintf("%d/%s", (int)pid, file);
	return procfs_write(procfd, path, buf, len, err);
}

/* A child unshares the namespace and waits to be killed (see namespace.h). */
int rt_ns_userns_fd(const struct rt_idmap *uids, size_t nu, const struct rt_idmap *gids, size_t ng,
		    bool mount_order, struct berr **err)
{
	int said;
	pid_t pid = child_fork_piped(&said);
	if (pid < 0)
		return berr_set(err, (int)-pid, "fork");
	if (pid == 0) {
		char c = unshare(CLONE_NEWUSER) == 0 ? 'y' : 'n';
		(void)!write(said, &c, 1);
		for (;;)
			pause();
	}
	char c = 'n';
	(void)!read(said, &c, 1);
	(void)close(said);
	int fd = -1;
	autoclose int procfd = c == 'y' ? procfs_open(err) : -1;
	autofree char *nsdir = xasprintf("%d/ns", (int)pid);
	if (c != 'y')
		berr_set(err, EPERM, "create user namespace for an idmapped mount");
	else if (procfd >= 0 &&
		 rt_ns_write_idmap(procfd, pid, "uid_map", uids, nu, mount_order, err) == 0 &&
		 rt_ns_write_idmap(procfd, pid, "gid_map", gids, ng, mount_order, err) == 0)
		fd = procfs_open_link(procfd, nsdir, "user", O_RDONLY, err);
	kill(pid, SIGKILL);
	(void)waitpid(pid, NULL, 0);
	return fd;
}
