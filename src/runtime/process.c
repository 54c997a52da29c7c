/* Process settings applied just before execve. The order follows runc: rlimits and
 * oom_score_adj while still privileged; bounding set dropped while CAP_SETPCAP is held;
 * PR_SET_KEEPCAPS so a non-zero uid keeps the permitted set; capset after the uid change. */
#include "runtime/process.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/close_range.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "runtime/caps.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/procfs.h"
#include "util/xalloc.h"

int rt_process_rlimits(const struct rt_process *p, struct berr **err)
{
	for (size_t i = 0; i < p->n_rlimits; i++) {
		struct rlimit l = {(rlim_t)p->rlimits[i].soft, (rlim_t)p->rlimits[i].hard};
		if (setrlimit(p->rlimits[i].resource, &l) < 0)
			return berr_set(err, errno, "set rlimit %d to %llu:%llu",
					p->rlimits[i].resource, (unsigned long long)l.rlim_cur,
					(unsigned long long)l.rlim_max);
	}
	return 0;
}

int rt_process_oom_score(const struct rt_process *p, int procfd, struct berr **err)
{
	if (!p->has_oom_score_adj)
		return 0;
	char v[16];
	int n = snprintf(v, sizeof(v), "%d", p->oom_score_adj);
	if (procfs_write(procfd, "self/oom_score_adj", v, (size_t)n, err) < 0)
		return berr_wrap(err, "set oom_score_adj");
	return 0;
}

char *rt_process_find_exec(const struct rt_process *p, struct berr **err)
{
	const char *cmd = p->args[0];
	if (strchr(cmd, '/')) {
		if (access(cmd, X_OK) < 0) {
			berr_set(err, errno, "exec '%s'", cmd);
			return NULL;
		}
		return xstrdup(cmd);
	}
	const char *path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	for (char **e = p->env; e && *e; e++)
		if (!strncmp(*e, "PATH=", 5))
			path = *e + 5;
	autofree char *copy = xstrdup(path);
	char *save = NULL;
	for (char *dir = strtok_r(copy, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
		char *full = xasprintf("%s/%s", *dir ? dir : ".", cmd);
		struct stat st;
		if (stat(full, &st) == 0 && S_ISREG(st.st_mode) && access(full, X_OK) == 0)
			return full;
		free(full);
	}
	berr_set(err, ENOENT, "exec '%s': executable file not found in $PATH", cmd);
	return NULL;
}

/* The order is the point (capabilities(7), "Effect of user ID changes on capabilities";
 * bubblewrap's drop_privs and runc's finalizeNamespace take the same steps):
 * 1. The bounding set first, while we still hold CAP_SETPCAP, which dropping from it needs;
 *    after it, no execve can bring back a capability outside it (file capabilities and
 *    setuid-root binaries are capped by it).
 * 2. Supplementary groups while we are still root: setgroups needs CAP_SETGID, and leaving
 *    the runtime's own groups in place would hand them to the container.
 * 3. KEEPCAPS, then gid before uid: a setresuid that leaves no id 0 empties the permitted
 *    set unless KEEPCAPS is on (the effective set is emptied either way, and step 4 sets it),
 *    and with the uid no longer 0 and the effective set empty, setresgid would fail. All
 *    three ids at once (real, effective, saved): a saved id of 0 would let the process
 *    become root again.
 * 4. KEEPCAPS off again (execve clears it too; nothing between here and there should run
 *    with it), then the configured sets (rt_caps_apply: effective, permitted, inheritable,
 *    ambient), which can only narrow what step 3 kept. */
int rt_process_identity(const struct rt_process *p, bool in_userns, bool keep_groups,
			struct berr **err)
{
	int r;
	if (p->has_caps && (r = rt_caps_drop_bounding(p->caps, err)) < 0)
		return r;
	/* setgroups is denied in a user namespace whose setgroups file says "deny" (a map
	 * written without CAP_SETGID in the parent): the groups are then the namespace's
	 * overflow group, which grants nothing. */
	if (!keep_groups && setgroups(p->n_additional_gids, p->additional_gids) < 0 &&
	    !(in_userns && errno == EPERM))
		return berr_set(err, errno, "setgroups");
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		return berr_set(err, errno, "keep capabilities");
	if (setresgid(p->gid, p->gid, p->gid) < 0)
		return berr_set(err, errno, "setgid %u", (unsigned)p->gid);
	if (setresuid(p->uid, p->uid, p->uid) < 0)
		return berr_set(err, errno, "setuid %u", (unsigned)p->uid);
	if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
		return berr_set(err, errno, "reset keep capabilities");
	if (p->has_caps && (r = rt_caps_apply(p->caps, err)) < 0)
		return r;
	umask(p->has_umask ? p->umask : 022);
	if (chdir(p->cwd) < 0)
		return berr_set(err, errno, "chdir to cwd '%s'", p->cwd);
	return 0;
}

int rt_process_fds(int preserve_fds, int procfd, struct berr **err)
{
	unsigned first = 3 + (unsigned)preserve_fds;
	for (unsigned fd = 3; fd < first; fd++) {
		int flags = fcntl((int)fd, F_GETFD);
		if (flags >= 0)
			(void)fcntl((int)fd, F_SETFD, flags & ~FD_CLOEXEC);
	}
	/* Everything else is closed by execve: no host fd, not even a directory the runtime
	 * had open, reaches the container (runc CVE-2024-21626). */
	if (syscall(SYS_close_range, first, ~0U, CLOSE_RANGE_CLOEXEC) == 0)
		return 0;
	/* Kernels before 5.11 (or a filter) refuse CLOSE_RANGE_CLOEXEC: walk the table, as the
	 * runtime's procfs lists it (the container's /proc may show anything). */
	int dfd = procfs_openat(procfd, "self/fd", O_RDONLY | O_DIRECTORY, err);
	if (dfd < 0)
		return berr_wrap(err, "mark descriptors close-on-exec");
	autoclosedir DIR *d = fdopendir(dfd);
	if (!d) {
		(void)close(dfd);
		return berr_set(err, errno, "mark descriptors close-on-exec");
	}
	struct dirent *de;
	while ((de = readdir(d))) {
		char *end;
		long fd = strtol(de->d_name, &end, 10);
		if (*end || end == de->d_name || fd < (long)first || fd == dirfd(d))
			continue;
		if (fcntl((int)fd, F_SETFD, FD_CLOEXEC) < 0)
			return berr_set(err, errno, "mark descriptor %ld close-on-exec", fd);
	}
	return 0;
}

/* The home directory of uid in the container's /etc/passwd, or NULL. */
static char *passwd_home(uid_t uid)
{
	int fd = open("/etc/passwd", O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return NULL;
	struct stat sb;
	char *data = NULL;
	size_t len = 0;
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode) ||
	    fs_read_fd(fd, 4 << 20, &data, &len, NULL) < 0) {
		(void)close(fd);
		return NULL;
	}
	(void)close(fd);
	char *home = NULL, *save = NULL;
	for (char *line = strtok_r(data, "\n", &save); line && !home;
	     line = strtok_r(NULL, "\n", &save)) {
		char *f[7] = {0};
		int n = 0;
		for (char *c = line; n < 7; n++) {
			f[n] = c;
			c = strchr(c, ':');
			if (!c)
				break;
			*c++ = '\0';
		}
		if (n < 5 || !f[2] || !f[5])
			continue;
		char *end;
		unsigned long id = strtoul(f[2], &end, 10);
		if (*end == '\0' && end != f[2] && id == uid)
			home = xstrdup(*f[5] ? f[5] : "/");
	}
	free(data);
	return home;
}

void rt_process_home_env(struct rt_process *p)
{
	size_t n = 0;
	for (; p->env && p->env[n]; n++)
		if (!strncmp(p->env[n], "HOME=", 5))
			return;
	char *home = passwd_home(p->uid);
	p->env = xrealloc(p->env, (n + 2) * sizeof(*p->env));
	p->env[n] = xasprintf("HOME=%s", home ? home : "/");
	p->env[n + 1] = NULL;
	free(home);
}
