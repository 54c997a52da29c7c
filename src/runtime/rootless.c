/* berth-runtime as an ordinary user (see rootless.h). Nothing here gives the user more than
 * the kernel and Debian's shadow tools already do: a map of one's own id needs no privilege,
 * wider maps are checked by the setuid newuidmap/newgidmap against /etc/subuid and
 * /etc/subgid, and a cgroup that cannot be made is skipped only when no limit depends on it. */
#include "runtime/rootless.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime/namespace.h"
#include "runtime/state.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/procfs.h"
#include "util/spawn.h"
#include "util/xalloc.h"

bool rt_rootless_detect(void)
{
	if (geteuid() != 0)
		return true;
	/* The host's user namespace maps every id to itself: "0 0 4294967295". */
	autofree char *text = NULL;
	if (fs_read_file(AT_FDCWD, "/proc/self/uid_map", 1 << 16, &text, NULL, NULL) < 0)
		return false;
	unsigned long a, b, c;
	return sscanf(text, "%lu %lu %lu", &a, &b, &c) != 3 || a != 0 || b != 0 ||
	       c != 4294967295UL;
}

static bool own_id_only(const struct rt_idmap *maps, size_t n, unsigned id)
{
	return n == 1 && maps[0].size == 1 && maps[0].host_id == id;
}

/* The user's name, for newuidmap's complaint and the fix we suggest. */
static char *user_name(uid_t uid)
{
	struct passwd *pw = getpwuid(uid);
	return pw ? xstrdup(pw->pw_name) : xasprintf("%u", (unsigned)uid);
}

/* Does /etc/subuid (or subgid) have a line for the user, by name or number? */
static bool has_subid_entry(const char *file, const char *name, uid_t uid)
{
	autofree char *text = NULL;
	if (fs_read_file(AT_FDCWD, file, 1 << 20, &text, NULL, NULL) < 0)
		return false;
	char num[16];
	snprintf(num, sizeof(num), "%u", (unsigned)uid);
	for (char *line = text; line && *line;
	     line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		size_t len = strcspn(line, ":\n");
		if (line[len] != ':')
			continue;
		if ((strlen(name) == len && !strncmp(line, name, len)) ||
		    (strlen(num) == len && !strncmp(line, num, len)))
			return true;
	}
	return false;
}

/* Run newuidmap (or newgidmap) PID C H S...; its complaint, if any, goes in the error. */
static int run_helper(const char *helper, pid_t pid, const struct rt_idmap *maps, size_t n,
		      struct berr **err)
{
	char **argv = xcalloc(3 * n + 3, sizeof(char *));
	argv[0] = xstrdup(helper);
	argv[1] = xasprintf("%d", (int)pid);
	for (size_t i = 0; i < n; i++) {
		argv[2 + 3 * i] = xasprintf("%u", maps[i].container_id);
		argv[3 + 3 * i] = xasprintf("%u", maps[i].host_id);
		argv[4 + 3 * i] = xasprintf("%u", maps[i].size);
	}
	struct spawn_opts o = {.argv = (const char *const *)argv, .err_max = 511};
	struct spawn_result res;
	int r = spawn_run(&o, &res, err);
	if (r < 0 && res.not_found) {
		berr_clear(err);
		r = berr_plain(err, ENOENT,
			       "%s not found: a map of more than the user's own id needs it "
			       "(Debian's package uidmap)",
			       helper);
	} else if (r == -EIO) {
		berr_clear(err);
		/* newuidmap names itself first: "newuidmap: uid range [1-65537) -> ..." */
		r = *res.err ? berr_plain(err, EPERM, "%s", res.err)
			     : berr_plain(err, EPERM, "%s failed", helper);
	}
	spawn_result_free(&res);
	for (char **a = argv; *a; a++)
		free(*a);
	free(argv);
	return r;
}

/* newuidmap refused: when the user has no range at all, say so with the one-line fix. */
static int helper_failed(const char *file, const char *opt, struct berr **err)
{
	autofree char *name = user_name(getuid());
	if (has_subid_entry(file, name, getuid()))
		return berr_wrap(err, "the map is not within %s's ranges in %s", name, file);
	berr_clear(err);
	return berr_plain(err, EPERM,
			  "the config maps more than the user's own id, and %s has no entry "
			  "for '%s': add one as root, e.g. 'usermod %s 100000-165535 %s'",
			  file, name, opt, name);
}

int rt_rootless_write_maps(int procfd, pid_t pid, const struct rt_spec *spec, struct berr **err)
{
	const struct rt_idmap *u = spec->uid_mappings, *g = spec->gid_mappings;
	size_t nu = spec->n_uid_mappings, ng = spec->n_gid_mappings;
	bool root = geteuid() == 0;
	int r;
	if (root || own_id_only(u, nu, geteuid()))
		r = rt_ns_write_idmap(procfd, pid, "uid_map", u, nu, false, err);
	else if ((r = run_helper("newuidmap", pid, u, nu, err)) < 0)
		r = helper_failed("/etc/subuid", "--add-subuids", err);
	if (r < 0)
		return r;
	if (root)
		return rt_ns_write_idmap(procfd, pid, "gid_map", g, ng, false, err);
	if (own_id_only(g, ng, getegid())) {
		/* An unprivileged gid_map needs setgroups denied first (Linux 3.19, CVE-2014-8989):
		 * the container could otherwise drop a group that keeps the user out of files. */
		autofree char *sg = xasprintf("%d/setgroups", (int)pid);
		r = procfs_write(procfd, sg, "deny", 4, err);
		return r < 0 ? r : rt_ns_write_idmap(procfd, pid, "gid_map", g, ng, false, err);
	}
	r = run_helper("newgidmap", pid, g, ng, err);
	return r < 0 ? helper_failed("/etc/subgid", "--add-subgids", err) : 0;
}

/* Is resources.key a limit? Device rules are not, nor an empty or null entry. */
static bool is_limit(const char *key, json_t *v)
{
	if (!strcmp(key, "devices") || json_is_null(v))
		return false;
	return !(json_is_object(v) && json_object_size(v) == 0) &&
	       !(json_is_array(v) && json_array_size(v) == 0);
}

bool rt_rootless_wants_limits(json_t *resources)
{
	const char *key;
	json_t *v;
	json_object_foreach(resources, key, v)
	{
		if (is_limit(key, v))
			return true;
	}
	return false;
}

int rt_rootless_limits_error(json_t *resources, struct berr *cause, struct berr **err)
{
	char keys[256] = "";
	size_t len = 0;
	const char *key;
	json_t *v;
	json_object_foreach(resources, key, v)
	{
		if (is_limit(key, v) && len < sizeof(keys) - 1)
			len += (size_t)snprintf(keys + len, sizeof(keys) - len, "%s%s",
						len ? ", " : "", key);
	}
	*err = cause;
	return berr_wrap(err,
			 "linux.resources asks for limits (%s), and this rootless container "
			 "cannot have a cgroup of its own: cgroups are not delegated to uid %u "
			 "(that needs cgroup v2 with a delegated subtree, e.g. systemd's "
			 "Delegate=yes); run it without limits, or as root",
			 keys, (unsigned)geteuid());
}

/* /proc/PID/stat's parent pid (the field after the parenthesised name, which may hold
 * anything), or -1. */
static pid_t parent_of(pid_t pid)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	autofree char *text = NULL;
	if (fs_read_file(AT_FDCWD, path, 4096, &text, NULL, NULL) < 0)
		return -1;
	char *close_paren = strrchr(text, ')');
	int ppid;
	char state;
	if (!close_paren || sscanf(close_paren + 1, " %c %d", &state, &ppid) != 2)
		return -1;
	return (pid_t)ppid;
}

static bool same_ns(pid_t pid, const struct stat *ns)
{
	char path[64];
	struct stat st;
	snprintf(path, sizeof(path), "/proc/%d/ns/pid", (int)pid);
	return stat(path, &st) == 0 && st.st_ino == ns->st_ino && st.st_dev == ns->st_dev;
}

/* pid descends from init (bounded: a loop of parents cannot hold us). */
static bool descends(pid_t pid, pid_t init)
{
	for (int i = 0; i < 64 && pid > 1; i++) {
		if (pid == init)
			return true;
		pid = parent_of(pid);
	}
	return pid == init;
}

int rt_rootless_pids(pid_t init, uint64_t init_start, pid_t **out_pids, size_t *out_n,
		     struct berr **err)
{
	size_t n = 0, cap = 16;
	pid_t *pids = xcalloc(cap, sizeof(pid_t));
	if (init <= 0 || rt_proc_start_time(init) != init_start) {
		*out_pids = pids;
		*out_n = 0;
		return 0;
	}
	char path[64];
	struct stat ns, own;
	snprintf(path, sizeof(path), "/proc/%d/ns/pid", (int)init);
	bool own_ns =
	    stat(path, &ns) == 0 && stat("/proc/self/ns/pid", &own) == 0 && ns.st_ino != own.st_ino;
	DIR *d = opendir("/proc");
	if (!d) {
		free(pids);
		return berr_set(err, errno, "open /proc");
	}
	struct dirent *de;
	while ((de = readdir(d))) {
		char *end;
		long v = strtol(de->d_name, &end, 10);
		if (*end || v <= 0)
			continue;
		pid_t pid = (pid_t)v;
		if (!(own_ns ? same_ns(pid, &ns) : descends(pid, init)))
			continue;
		if (n == cap)
			pids = xrealloc(pids, (cap *= 2) * sizeof(pid_t));
		pids[n++] = pid;
	}
	closedir(d);
	*out_pids = pids;
	*out_n = n;
	return 0;
}
