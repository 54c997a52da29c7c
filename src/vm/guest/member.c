/* A pod member in the pod's VM (see guest.h; docs/DESIGN.md "Pods of one VM"): the guest's
 * side of what is the member's own, as Kata's agent keeps per container. Its records
 * ("member=ID" on its process, "join=ID" on an exec, "query=top|stats" with "member=ID"):
 *   - a cgroup of its own, /sys/fs/cgroup/ID on the guest's cgroup v2 hierarchy (mounted here
 *     at the first member), with the limits its records give ("memory=", "cpu=QUOTA PERIOD",
 *     "weight=", "pids="), which its process and every exec of it join; an update's query
 *     writes them again
 *   - a PID namespace of its own ("pidns"): PID 1 unshares one for its next child, forks and
 *     goes back to its own; an exec joins the member's (and its mount namespace) the same way
 *   - top and stats answered from that cgroup and /proc, as the output of a child process. */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include "guest.h"

#define CG_DIR         "/sys/fs/cgroup"
#define CGROUP2_MAGIC  0x63677270
#define MEMBERS_MAX    64
#define MEMBER_ID_MAX  64
#define QUERY_TEXT_MAX (1 << 20)

static struct {
	char id[MEMBER_ID_MAX + 1];
	pid_t pid;
} members[MEMBERS_MAX];

/* A container id: hex only (it names a directory). */
static bool good_id(const char *id)
{
	size_t n = id ? strlen(id) : 0;
	if (!n || n > MEMBER_ID_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)id[i]))
			return false;
	return true;
}

void member_add(const char *id, pid_t pid)
{
	for (size_t i = 0; i < MEMBERS_MAX; i++)
		if (!members[i].pid) {
			snprintf(members[i].id, sizeof(members[i].id), "%s", id);
			members[i].pid = pid;
			return;
		}
}

/* Its process ended: the slot freed, its cgroup removed (empty now: its PID namespace ended
 * with its init, and an exec without one is killed below). */
void member_reaped(pid_t pid)
{
	for (size_t i = 0; i < MEMBERS_MAX; i++) {
		if (members[i].pid != pid)
			continue;
		char path[4700], kill_path[4800];
		snprintf(path, sizeof(path), CG_DIR "/%s", members[i].id);
		snprintf(kill_path, sizeof(kill_path), "%s/cgroup.kill", path);
		int fd = open(kill_path, O_WRONLY | O_CLOEXEC);
		if (fd >= 0) {
			(void)!write(fd, "1", 1);
			close(fd);
		}
		for (int tries = 0; rmdir(path) < 0 && errno == EBUSY && tries < 100; tries++)
			nanosleep(&(struct timespec){0, 10 * 1000000L}, NULL);
		members[i].pid = 0;
	}
}

static pid_t member_pid(const char *id)
{
	for (size_t i = 0; i < MEMBERS_MAX; i++)
		if (members[i].pid && !strcmp(members[i].id, id))
			return members[i].pid;
	return -1;
}

static int write_file(const char *dir, const char *file, const char *value)
{
	char path[4700];
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int r = write(fd, value, strlen(value)) < 0 ? -1 : 0;
	int e = errno;
	close(fd);
	errno = e;
	return r;
}

/* The guest's cgroup v2 hierarchy, mounted once, its controllers given to its children. */
static int cgroup_root(char *why, size_t len)
{
	struct statfs st;
	if (statfs(CG_DIR, &st) == 0 && st.f_type == CGROUP2_MAGIC)
		return 0;
	if (mount("cgroup2", CG_DIR, "cgroup2", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		return snprintf(why, len, "mount cgroup2 on " CG_DIR ": %s", strerror(errno)), -1;
	static const char *const ctl[] = {"+cpu", "+memory", "+pids", "+io"};
	for (size_t i = 0; i < 4; i++)
		(void)write_file(CG_DIR, "cgroup.subtree_control", ctl[i]);
	return 0;
}

int member_limits(const char *id, const struct config *c, char *why, size_t len)
{
	char dir[4700];
	if (!good_id(id))
		return snprintf(why, len, "bad member id"), -1;
	snprintf(dir, sizeof(dir), CG_DIR "/%s", id);
	static const struct {
		const char *rec, *file;
	} lim[] = {{"memory", "memory.max"},
		   {"swap", "memory.swap.max"},
		   {"cpu", "cpu.max"},
		   {"weight", "cpu.weight"},
		   {"pids", "pids.max"}};
	for (size_t i = 0; i < sizeof(lim) / sizeof(lim[0]); i++) {
		const char *v = config_value(c, lim[i].rec);
		if (v && write_file(dir, lim[i].file, v) < 0 && errno != ENOENT)
			return snprintf(why, len, "set %s to %s: %s", lim[i].file, v,
					strerror(errno)),
			       -1;
	}
	return 0;
}

/* The member's cgroup (made, its limits written): its cgroup.procs open for the child to
 * join, or -1 with the reason in why. */
static int member_cgroup(const char *id, const struct config *c, char *why, size_t len)
{
	char dir[4700];
	if (!good_id(id))
		return snprintf(why, len, "bad member id"), -1;
	if (cgroup_root(why, len) < 0)
		return -1;
	snprintf(dir, sizeof(dir), CG_DIR "/%s", id);
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return snprintf(why, len, "mkdir %s: %s", dir, strerror(errno)), -1;
	if (member_limits(id, c, why, len) < 0)
		return -1;
	char procs[4800];
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", dir);
	int fd = open(procs, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return snprintf(why, len, "open %s: %s", procs, strerror(errno)), -1;
	return fd;
}

/* The namespace file of pid, opened. */
static int ns_open(pid_t pid, const char *ns)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, ns);
	return open(path, O_RDONLY | O_CLOEXEC);
}

int member_prepare(const struct config *c, struct member_spawn *m, char *why, size_t len)
{
	*m = (struct member_spawn){.cg = -1, .mnt = -1, .own_pidns = -1};
	const char *id = config_value(c, "member"), *join = config_value(c, "join");
	if (!id && !join)
		return 0;
	if (join) {
		pid_t pid = member_pid(join);
		if (pid < 0)
			return 0; /* a member of an older guest: its root only ("root=") */
		int pidns = ns_open(pid, "pid");
		m->mnt = ns_open(pid, "mnt");
		m->own_pidns = ns_open(getpid(), "pid");
		if (pidns < 0 || m->mnt < 0 || m->own_pidns < 0 || setns(pidns, CLONE_NEWPID) < 0) {
			snprintf(why, len, "join the namespaces of container %.12s: %s", join,
				 strerror(errno));
			if (pidns >= 0)
				close(pidns);
			return -1;
		}
		close(pidns);
		id = join;
	} else if (config_value(c, "pidns")) {
		m->own_pidns = ns_open(getpid(), "pid");
		if (m->own_pidns < 0 || unshare(CLONE_NEWPID) < 0)
			return snprintf(why, len, "a PID namespace: %s", strerror(errno)), -1;
	}
	m->cg = member_cgroup(id, c, why, len);
	return m->cg < 0 ? -1 : 0;
}

void member_after_fork(const struct config *c, struct member_spawn *m, pid_t pid)
{
	if (m->own_pidns >= 0) {
		(void)setns(m->own_pidns, CLONE_NEWPID); /* PID 1's next children are its own */
		close(m->own_pidns);
	}
	if (m->cg >= 0)
		close(m->cg);
	if (m->mnt >= 0)
		close(m->mnt);
	const char *id = config_value(c, "member");
	if (pid > 0 && id && !config_value(c, "query"))
		member_add(id, pid);
	*m = (struct member_spawn){.cg = -1, .mnt = -1, .own_pidns = -1};
}

int member_enter(struct member_spawn *m, char *why, size_t len)
{
	if (m->cg >= 0 && write(m->cg, "0", 1) < 0)
		return snprintf(why, len, "join the container's cgroup: %s", strerror(errno)), -1;
	if (m->mnt >= 0 && (setns(m->mnt, CLONE_NEWNS) < 0 || chdir("/") < 0))
		return snprintf(why, len, "join the container's mounts: %s", strerror(errno)), -1;
	return 0;
}
