/* Creating, entering, freezing and removing a container's cgroup on the host's layout:
 * v1 (one hierarchy per controller under /sys/fs/cgroup, plus cgroup2 at .../unified on hybrid
 * hosts) or pure v2. Which writes to make is decided by the planners (cgroup_v1.c, cgroup_v2.c). */
#include "runtime/cgroup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/magic.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include "runtime/cgroup_devices.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/userns.h"
#include "util/xalloc.h"

#define CG_ROOT "/sys/fs/cgroup"
/* How deep below a container's cgroup the runtime walks (removing, listing pids): the
 * container may make its own cgroups where it can write (a system container's systemd makes
 * slices and scopes, three or four levels), and it is not let to make the runtime recurse
 * without end. */
#define CG_WALK_DEPTH 32

void rt_cgroup_plan_add(struct rt_cgroup_plan *plan, const char *controller, const char *file,
			const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *value = NULL;
	if (vasprintf(&value, fmt, ap) < 0)
		abort();
	va_end(ap);
	plan->writes = xrealloc(plan->writes, (plan->n + 1) * sizeof(*plan->writes));
	plan->writes[plan->n++] =
	    (struct rt_cgroup_write){xstrdup(controller), xstrdup(file), value};
}

int rt_cgroup_plan_sections(json_t *resources, const struct rt_cgroup_section *sections, size_t n,
			    struct rt_cgroup_plan *plan, struct berr **err)
{
	for (size_t i = 0; resources && i < n; i++) {
		const struct rt_cgroup_section *s = &sections[i];
		json_t *part = NULL;
		int r = s->array
			    ? json_opt_array(resources, "linux.resources", s->key, &part, err)
			    : json_opt_object(resources, "linux.resources", s->key, &part, err);
		if (r >= 0 && part)
			r = s->plan(part, plan, err);
		if (r < 0)
			return r;
	}
	return 0;
}

void rt_cgroup_plan_clear(struct rt_cgroup_plan *plan)
{
	for (size_t i = 0; i < plan->n; i++) {
		free(plan->writes[i].controller);
		free(plan->writes[i].file);
		free(plan->writes[i].value);
	}
	free(plan->writes);
	plan->writes = NULL;
	plan->n = 0;
}

enum rt_cgroup_mode rt_cgroup_mode(void)
{
	/* Probe cached for the process: the host's cgroup layout does not change under us. */
	static int mode = -1;
	if (mode < 0) {
		struct statfs sf;
		mode = (statfs(CG_ROOT, &sf) == 0 && sf.f_type == CGROUP2_SUPER_MAGIC)
			   ? RT_CGROUP_V2
			   : RT_CGROUP_V1;
	}
	return (enum rt_cgroup_mode)mode;
}

char *rt_cgroup_path(const char *cgroups_path, const char *id)
{
	if (!cgroups_path || !*cgroups_path)
		return xasprintf("/berth/%s", id);
	if (cgroups_path[0] == '/')
		return xstrdup(cgroups_path);
	return xasprintf("/%s", cgroups_path);
}

/* The directories that make up the cgroup: one per mounted v1 hierarchy (named by its mount
 * point's base name: "memory", "cpu,cpuacct", "name=systemd" lives at "systemd"), plus the
 * unified tree; or just the unified tree on v2. */
static char **cgroup_dirs(const char *path)
{
	size_t n = 0;
	char **dirs = xcalloc(32, sizeof(char *));
	if (rt_cgroup_mode() == RT_CGROUP_V2) {
		dirs[n++] = xasprintf(CG_ROOT "%s", path);
		return dirs;
	}
	DIR *d = opendir(CG_ROOT);
	struct dirent *de;
	while (d && (de = readdir(d)) && n < 31) {
		if (de->d_name[0] == '.')
			continue;
		struct stat st;
		char *p = xasprintf(CG_ROOT "/%s", de->d_name);
		/* Skip the symlinks (cpu -> cpu,cpuacct) so each hierarchy is visited once. */
		if (lstat(p, &st) < 0 || !S_ISDIR(st.st_mode)) {
			free(p);
			continue;
		}
		dirs[n++] = xasprintf("%s%s", p, path);
		free(p);
	}
	if (d)
		closedir(d);
	return dirs;
}

static void free_dirs(char **dirs)
{
	for (char **d = dirs; *d; d++)
		free(*d);
	free(dirs);
}

static int write_str(const char *path, const char *value, struct berr **err)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return berr_set(err, errno, "open '%s'", path);
	int r = fs_write_all(fd, value, strlen(value));
	(void)close(fd);
	if (r < 0)
		return berr_set(err, -r, "write '%s' to '%s'", value, path);
	return 0;
}

/* A new cpuset cgroup starts with empty cpus and mems and takes no tasks until they are set:
 * copy them down from the parent, level by level (cgroup-v1/cpusets.rst). */
static void cpuset_inherit(const char *dir)
{
	static const char *const files[] = {"cpuset.cpus", "cpuset.mems"};
	for (int i = 0; i < 2; i++) {
		char buf[4096] = "";
		autofree char *mine = xasprintf("%s/%s", dir, files[i]);
		autofree char *parent_dir = xstrdup(dir);
		char *slash = strrchr(parent_dir, '/');
		if (!slash)
			return;
		*slash = '\0';
		autofree char *theirs = xasprintf("%s/%s", parent_dir, files[i]);
		int fd = open(mine, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return;
		ssize_t n = read(fd, buf, sizeof(buf) - 1);
		(void)close(fd);
		if (n > 1)
			continue;
		fd = open(theirs, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return;
		n = read(fd, buf, sizeof(buf) - 1);
		(void)close(fd);
		if (n > 0) {
			buf[n] = '\0';
			(void)write_str(mine, buf, NULL);
		}
	}
}

static int mkdir_levels(const char *dir, bool cpuset, struct berr **err)
{
	autofree char *p = xstrdup(dir);
	for (char *s = p + strlen(CG_ROOT) + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0755) == 0 && cpuset)
			cpuset_inherit(p);
		else if (errno != EEXIST && errno != 0 && access(p, F_OK) < 0)
			return berr_set(err, errno, "create cgroup '%s'", p);
		*s = '/';
	}
	if (mkdir(p, 0755) < 0 && errno != EEXIST)
		return berr_set(err, errno, "create cgroup '%s'", p);
	if (cpuset)
		cpuset_inherit(p);
	return 0;
}

static char *write_target(const char *path, const struct rt_cgroup_write *w)
{
	if (rt_cgroup_mode() == RT_CGROUP_V2 || !*w->controller)
		return xasprintf(CG_ROOT "%s%s/%s",
				 rt_cgroup_mode() == RT_CGROUP_V2 ? "" : "/unified", path, w->file);
	/* "cpu" and "cpuacct" may be co-mounted; the name links to the shared hierarchy. */
	return xasprintf(CG_ROOT "/%s%s/%s", w->controller, path, w->file);
}

/* v2 has no devices controller: the rules become an eBPF program on the cgroup. */
static int devices_v2(const char *path, json_t *resources, struct berr **err)
{
	json_t *arr = json_object_get(resources, "devices");
	if (!json_array_size(arr))
		return 0;
	struct rt_dev_rule *rules = NULL;
	size_t n = 0;
	if (rt_dev_rules_parse(arr, &rules, &n, err) < 0)
		return -EINVAL;
	struct bpf_insn *prog = NULL;
	size_t ni = 0;
	rt_dev_program(rules, n, &prog, &ni);
	free(rules);
	autofree char *dir = xasprintf(CG_ROOT "%s", path);
	int r = rt_dev_attach(dir, prog, ni, err);
	free(prog);
	return r;
}

static int apply_plan(const char *path, json_t *resources, struct berr **err)
{
	const struct rt_cgroup_ops *ops =
	    rt_cgroup_mode() == RT_CGROUP_V2 ? &rt_cgroup_v2_ops : &rt_cgroup_v1_ops;
	struct rt_cgroup_plan plan = {0};
	int r = ops->plan(resources, &plan, err);
	for (size_t i = 0; r == 0 && i < plan.n; i++) {
		autofree char *target = write_target(path, &plan.writes[i]);
		r = write_str(target, plan.writes[i].value, err);
		if (r < 0 && access(target, F_OK) < 0 && errno == ENOENT)
			r = berr_wrap(err, "controller file '%s' is not available on this host",
				      plan.writes[i].file);
	}
	rt_cgroup_plan_clear(&plan);
	/* outside the initial user namespace (rootless, in a delegated subtree) no eBPF program
	 * can be attached (CAP_BPF is the host's): the devices are those the config binds in,
	 * as runc and crun do rootless */
	if (r == 0 && rt_cgroup_mode() == RT_CGROUP_V2 && userns_is_initial())
		r = devices_v2(path, resources, err);
	return r;
}

int rt_cgroup_enter(const char *path, pid_t pid, struct berr **err)
{
	char **dirs = cgroup_dirs(path);
	char pidstr[16];
	snprintf(pidstr, sizeof(pidstr), "%d", (int)pid);
	int r = 0;
	for (char **d = dirs; *d && r == 0; d++) {
		autofree char *procs = xasprintf("%s/cgroup.procs", *d);
		if (access(*d, F_OK) < 0)
			continue;
		r = write_str(procs, pidstr, err);
	}
	free_dirs(dirs);
	return r;
}

int64_t rt_cgroup_oom_kills(const char *path)
{
	autofree char *file = rt_cgroup_mode() == RT_CGROUP_V2
				  ? xasprintf(CG_ROOT "%s/memory.events", path)
				  : xasprintf(CG_ROOT "/memory%s/memory.oom_control", path);
	autofree char *text = NULL;
	size_t len = 0;
	if (fs_read_file(AT_FDCWD, file, 1 << 16, &text, &len, NULL) < 0)
		return -1;
	const char *k = strstr(text, "oom_kill ");
	return k ? strtoll(k + 9, NULL, 10) : -1;
}

int rt_cgroup_enter_self(const char *path, bool v2_done, struct berr **err)
{
	char **dirs = cgroup_dirs(path);
	int r = 0;
	for (char **d = dirs; *d && r == 0; d++) {
		bool v2 = rt_cgroup_mode() == RT_CGROUP_V2 || strstr(*d, CG_ROOT "/unified/") == *d;
		if ((v2 && v2_done) || access(*d, F_OK) < 0)
			continue;
		/* v1: "0" into tasks moves this thread (all of a single-threaded process)
		 * without the global threadgroup lock that a pid written to cgroup.procs takes:
		 * that lock waits for an RCU grace period, several ms. v2 has no such file for
		 * a domain cgroup (CLONE_INTO_CGROUP avoids the move there). */
		autofree char *file = xasprintf("%s/%s", *d, v2 ? "cgroup.procs" : "tasks");
		r = write_str(file, "0", err);
	}
	free_dirs(dirs);
	return r;
}

char *rt_cgroup_exec_path(const char *path, pid_t init_pid)
{
	if (rt_cgroup_mode() != RT_CGROUP_V2 || init_pid <= 0)
		return xstrdup(path);
	/* cgroup-v2.rst, "No Internal Process Constraint": a cgroup that hands controllers to
	 * its children (cgroup.subtree_control not empty) takes no processes. A system
	 * container's systemd does that in its root once it has moved itself to /init.scope;
	 * an exec then joins its init's cgroup, as runc's exec does. */
	autofree char *ctl = xasprintf(CG_ROOT "%s/cgroup.subtree_control", path);
	char buf[256] = "";
	int fd = open(ctl, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	if (fd >= 0)
		(void)close(fd);
	if (n <= 0 || buf[0] == '\n')
		return xstrdup(path);
	autofree char *file = xasprintf("/proc/%d/cgroup", (int)init_pid);
	autofree char *data = NULL;
	if (fs_read_file(AT_FDCWD, file, 64 << 10, &data, NULL, NULL) < 0)
		return xstrdup(path);
	/* "0::/berth/<id>/init.scope": ours is the host's cgroup namespace; the init's cgroup
	 * must be below the container's (the container decides its layout there, no more) */
	char *line = strstr(data, "0::");
	if (line != data && (!line || line[-1] != '\n'))
		return xstrdup(path);
	line += 3;
	line[strcspn(line, "\n")] = '\0';
	size_t len = strlen(path);
	if (strncmp(line, path, len) || (line[len] != '/' && line[len] != '\0') ||
	    strstr(line, "/../") || strstr(line, "/.."))
		return xstrdup(path);
	return xstrdup(line);
}

int rt_cgroup_open_v2(const char *path)
{
	autofree char *dir =
	    xasprintf(CG_ROOT "%s%s", rt_cgroup_mode() == RT_CGROUP_V2 ? "" : "/unified", path);
	return open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

int rt_cgroup_create(const char *path, json_t *resources, struct berr **err)
{
	char **dirs = cgroup_dirs(path);
	int r = 0;
	for (char **d = dirs; *d && r == 0; d++)
		r = mkdir_levels(*d, strstr(*d, "/cpuset/") != NULL, err);
	free_dirs(dirs);
	if (r == 0 && rt_cgroup_mode() == RT_CGROUP_V2)
		rt_cgroup_v2_enable(CG_ROOT, path);
	if (r == 0)
		r = apply_plan(path, resources, err);
	return r;
}

int rt_cgroup_update(const char *path, json_t *resources, struct berr **err)
{
	return apply_plan(path, resources, err);
}

int rt_cgroup_freeze(const char *path, bool frozen, struct berr **err)
{
	if (rt_cgroup_mode() == RT_CGROUP_V2) {
		autofree char *f = xasprintf(CG_ROOT "%s/cgroup.freeze", path);
		return write_str(f, frozen ? "1" : "0", err);
	}
	autofree char *f = xasprintf(CG_ROOT "/freezer%s/freezer.state", path);
	int r = write_str(f, frozen ? "FROZEN" : "THAWED", err);
	if (r < 0 || !frozen)
		return r;
	/* FREEZING → FROZEN takes a moment; report done only when it is. */
	for (int i = 0; i < 1000; i++) {
		char buf[32] = "";
		int fd = open(f, O_RDONLY | O_CLOEXEC);
		ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
		if (fd >= 0)
			(void)close(fd);
		if (n > 0 && !strncmp(buf, "FROZEN", 6))
			return 0;
		struct timespec ts = {0, 1000000};
		nanosleep(&ts, NULL);
	}
	return berr_set(err, ETIMEDOUT, "freeze cgroup '%s'", path);
}

/* Append the pids of dir/cgroup.procs, then of the cgroups below it (a container may make
 * its own where it can write: a system container's systemd on v2 moves every process into
 * them), at most CG_WALK_DEPTH deep. Only dir itself must be readable. */
static int pids_tree(const char *dir, int depth, pid_t **pids, size_t *n, size_t *cap,
		     struct berr **err)
{
	autofree char *file = xasprintf("%s/cgroup.procs", dir);
	autofree char *data = NULL;
	int r = fs_read_file(AT_FDCWD, file, 16 << 20, &data, NULL, err);
	if (r < 0)
		return r;
	for (char *s = data; *s;) {
		char *end;
		long v = strtol(s, &end, 10);
		if (end == s)
			break;
		if (*n == *cap)
			*pids = xrealloc(*pids, (*cap *= 2) * sizeof(pid_t));
		(*pids)[(*n)++] = (pid_t)v;
		s = end + strspn(end, "\n");
	}
	DIR *d = depth < CG_WALK_DEPTH ? opendir(dir) : NULL;
	struct dirent *de;
	while (d && (de = readdir(d))) {
		if (de->d_type != DT_DIR || !strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		autofree char *child = xasprintf("%s/%s", dir, de->d_name);
		(void)pids_tree(child, depth + 1, pids, n, cap, NULL);
	}
	if (d)
		closedir(d);
	return 0;
}

int rt_cgroup_pids(const char *path, pid_t **out_pids, size_t *out_n, struct berr **err)
{
	autofree char *dir = NULL;
	if (rt_cgroup_mode() == RT_CGROUP_V2)
		dir = xasprintf(CG_ROOT "%s", path);
	else
		dir = xasprintf(CG_ROOT "/pids%s", path);
	size_t n = 0, cap = 16;
	pid_t *pids = xcalloc(cap, sizeof(pid_t));
	int r = pids_tree(dir, 0, &pids, &n, &cap, err);
	if (r < 0) {
		free(pids);
		return r;
	}
	*out_pids = pids;
	*out_n = n;
	return 0;
}

bool rt_cgroup_exists(const char *path)
{
	char **dirs = cgroup_dirs(path);
	bool any = false;
	for (char **d = dirs; *d && !any; d++)
		any = access(*d, F_OK) == 0;
	free_dirs(dirs);
	return any;
}

/* Remove dir's child cgroups, deepest first (a cgroup with children cannot be removed, and
 * rmdir says EBUSY then, as for one with tasks), then dir. Most containers make no cgroups of
 * their own: rmdir comes first, and the walk only when it says EBUSY (reading each
 * hierarchy's directory cost about a millisecond a container on a v1 host). */
static int destroy_tree(const char *dir, int depth, struct berr **err)
{
	if (rmdir(dir) == 0 || errno == ENOENT)
		return 0;
	if (errno != EBUSY)
		return berr_set(err, errno, "remove cgroup '%s'", dir);
	int r = 0;
	DIR *d = depth < CG_WALK_DEPTH ? opendir(dir) : NULL;
	struct dirent *de;
	while (d && (de = readdir(d))) {
		if (de->d_type != DT_DIR || !strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		autofree char *child = xasprintf("%s/%s", dir, de->d_name);
		int cr = destroy_tree(child, depth + 1, r == 0 ? err : NULL);
		if (r == 0)
			r = cr;
	}
	if (d)
		closedir(d);
	/* rmdir can see EBUSY for a moment after the last task exits: retry briefly (a cgroup
	 * still busy after that is left, without an error, as before) */
	for (int i = 0; i < 200; i++) {
		if (rmdir(dir) == 0 || errno == ENOENT)
			return r;
		if (errno != EBUSY)
			return r < 0 ? r : berr_set(err, errno, "remove cgroup '%s'", dir);
		struct timespec ts = {0, 5000000};
		nanosleep(&ts, NULL);
	}
	return r;
}

int rt_cgroup_destroy(const char *path, struct berr **err)
{
	char **dirs = cgroup_dirs(path);
	int r = 0;
	for (char **d = dirs; *d; d++) {
		int dr = destroy_tree(*d, 0, r == 0 ? err : NULL);
		if (r == 0)
			r = dr;
	}
	free_dirs(dirs);
	return r;
}

/* One number from a cgroup file: <ctl>/<path>/<v1_file> on v1, <path>/<v2_file> on v2. */
static int64_t read_num(const char *path, const char *ctl, const char *v1_file, const char *v2_file)
{
	autofree char *f = NULL;
	if (rt_cgroup_mode() == RT_CGROUP_V2)
		f = xasprintf(CG_ROOT "%s/%s", path, v2_file);
	else
		f = xasprintf(CG_ROOT "/%s%s/%s", ctl, path, v1_file);
	char buf[64] = "";
	int fd = open(f, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	(void)close(fd);
	return n > 0 ? strtoll(buf, NULL, 10) : 0;
}

json_t *rt_cgroup_stats(const char *path)
{
	int64_t mem = read_num(path, "memory", "memory.usage_in_bytes", "memory.current");
	int64_t mem_max = read_num(path, "memory", "memory.limit_in_bytes", "memory.max");
	int64_t pids = read_num(path, "pids", "pids.current", "pids.current");
	int64_t pids_max = read_num(path, "pids", "pids.max", "pids.max");
	int64_t cpu = read_num(path, "cpuacct", "cpuacct.usage", "nonexistent");
	if (rt_cgroup_mode() == RT_CGROUP_V2) {
		autofree char *f = xasprintf(CG_ROOT "%s/cpu.stat", path);
		autofree char *data = NULL;
		if (fs_read_file(AT_FDCWD, f, 1 << 16, &data, NULL, NULL) == 0) {
			char *u = strstr(data, "usage_usec ");
			if (u)
				cpu = strtoll(u + 11, NULL, 10) * 1000;
		}
	}
	return json_pack("{s:{s:{s:I}},s:{s:{s:I,s:I}},s:{s:I,s:I}}", "cpu", "usage", "total",
			 (json_int_t)cpu, "memory", "usage", "usage", (json_int_t)mem, "limit",
			 (json_int_t)mem_max, "pids", "current", (json_int_t)pids, "limit",
			 (json_int_t)pids_max);
}
