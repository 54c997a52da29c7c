/* The rootless engine's paths and namespaces (see rootless.h). What this file decides, and
 * why each is safe:
 * - the user's store and run root are the user's own directories (kept apart from root's and
 *   from other users' by the file system's permissions, as any of the user's files);
 * - the user namespace's maps come from /etc/subuid and /etc/subgid, written by the setuid
 *   newuidmap/newgidmap (runtime/rootless.c), which refuse anything the files do not give;
 * - the pause process is the user's own and holds nothing but the two namespaces; a pid file
 *   is trusted only for a live process of the user's that started when the file says, and
 *   setns(2) itself refuses a namespace the user does not own. */
#include "engine/rootless.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/nsfs.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine/network.h"
#include "engine/pasta.h"
#include "engine/rootless_netns.h"
#include "engine/slirp.h"
#include "image/builtin.h"
#include "runtime/cgroup_owner.h"
#include "runtime/rootless.h"
#include "runtime/spec.h"
#include "runtime/state.h"
#include "util/cleanup.h"
#include "util/daemon.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/userns.h"
#include "util/xalloc.h"

#define SUBID_FILE_MAX (1 << 20)

/* ---- paths ---- */

static char *home_dir(void)
{
	const char *home = getenv("HOME");
	if (home && *home)
		return xstrdup(home);
	struct passwd *pw = getpwuid(getuid());
	return xstrdup(pw && pw->pw_dir ? pw->pw_dir : "/");
}

char *eng_rootless_default_root(void)
{
	const char *data = getenv("XDG_DATA_HOME");
	if (data && *data == '/')
		return xasprintf("%s/berth", data);
	autofree char *home = home_dir();
	return xasprintf("%s/.local/share/berth", home);
}

/* dir is a directory of ours (not a link) that no one else may enter. */
static bool private_dir(const char *dir)
{
	struct stat st;
	return lstat(dir, &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == geteuid() &&
	       !(st.st_mode & 077);
}

int eng_rootless_default_runroot(char **out_path, struct berr **err)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	struct stat st;
	/* pam_systemd's /run/user/UID: the user's, 0700; one we cannot use is passed over, as
	 * podman does */
	if (xdg && *xdg == '/' && stat(xdg, &st) == 0 && S_ISDIR(st.st_mode) &&
	    st.st_uid == geteuid() && access(xdg, W_OK | X_OK) == 0) {
		*out_path = xasprintf("%s/berth", xdg);
		return 0;
	}
	autofree char *dir = xasprintf("/tmp/berth-run-%u", (unsigned)geteuid());
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return berr_set(err, errno, "create run root '%s'", dir);
	if (!private_dir(dir))
		return berr_plain(err, EPERM,
				  "run root '%s' is not a private directory of uid %u (someone "
				  "else made it?): set XDG_RUNTIME_DIR or use --runroot",
				  dir, (unsigned)geteuid());
	*out_path = take_ptr(&dir);
	return 0;
}

/* ---- /etc/subuid and /etc/subgid ---- */

/* One "who:start:count" line: who matches name or the number id. */
static bool parse_line(const char *line, size_t len, const char *name, unsigned id,
		       unsigned long *out_start, unsigned long *out_count)
{
	char buf[320];
	if (len >= sizeof(buf))
		return false;
	memcpy(buf, line, len);
	buf[len] = '\0';
	char *c1 = strchr(buf, ':');
	char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	if (!c2)
		return false;
	*c1 = *c2 = '\0';
	char num[16];
	snprintf(num, sizeof(num), "%u", id);
	if (name && strcmp(buf, name) && strcmp(buf, num))
		return false;
	char *end1, *end2;
	errno = 0;
	unsigned long start = strtoul(c1 + 1, &end1, 10);
	unsigned long count = strtoul(c2 + 1, &end2, 10);
	if (errno || end1 == c1 + 1 || *end1 || end2 == c2 + 1 || *end2 || !count ||
	    start > 0xffffffffUL || count > 0xffffffffUL - start)
		return false;
	*out_start = start;
	*out_count = count;
	return true;
}

size_t eng_rootless_parse_subids(const char *text, const char *name, unsigned id, unsigned first_id,
				 struct rt_idmap *out_maps, size_t max)
{
	size_t n = 0;
	unsigned long next = first_id;
	for (const char *line = text; line && *line && n < max;) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		unsigned long start, count;
		/* the container's ids stop at 2^32 - 1: a range past it is cut short */
		if (parse_line(line, len, name, id, &start, &count) && next < 0xffffffffUL) {
			if (count > 0xffffffffUL - next)
				count = 0xffffffffUL - next;
			out_maps[n++] =
			    (struct rt_idmap){(uint32_t)next, (uint32_t)start, (uint32_t)count};
			next += count;
		}
		line = nl ? nl + 1 : NULL;
	}
	return n;
}

unsigned long eng_rootless_free_start(const char *text)
{
	unsigned long free_start = 100000;
	for (const char *line = text; line && *line;) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		unsigned long start, count;
		if (parse_line(line, len, NULL, 0, &start, &count) && start + count > free_start)
			free_start = start + count;
		line = nl ? nl + 1 : NULL;
	}
	return free_start;
}

static char *user_name(uid_t uid)
{
	struct passwd *pw = getpwuid(uid);
	return pw ? xstrdup(pw->pw_name) : xasprintf("%u", (unsigned)uid);
}

/* The user's map from file: 0 is the user's own id, 1.. its ranges. ENOENT (said with the
 * one-line fix) when the file gives it none. Returns how many maps. */
static int user_maps(const char *file, const char *flag, unsigned own, struct rt_idmap *maps,
		     struct berr **err)
{
	autofree char *text = NULL;
	if (fs_read_file(AT_FDCWD, file, SUBID_FILE_MAX, &text, NULL, err) < 0 && errno != ENOENT)
		return berr_wrap(err, "read the user's subordinate ids");
	berr_clear(err);
	autofree char *name = user_name(getuid());
	maps[0] = (struct rt_idmap){0, own, 1};
	size_t n = text ? eng_rootless_parse_subids(text, name, getuid(), 1, maps + 1,
						    ENG_ROOTLESS_RANGES_MAX)
			: 0;
	if (n > 0)
		return (int)n + 1;
	unsigned long start = eng_rootless_free_start(text ? text : "");
	return berr_plain(err, ENOENT,
			  "%s has no range for '%s': rootless berth maps the ids of a container's "
			  "users and files to the user's subordinate ids; add a range as root, "
			  "e.g. 'usermod %s %lu-%lu %s' (see subuid(5))",
			  file, name, flag, start, start + 65535, name);
}

/* ---- the pause process ---- */

/* A word from the pause process to its parent: 'u' (the user namespace is made), 'k' (the
 * mount namespace too: ready), or 'E' with errno and a message. */
struct pause_msg {
	char kind;
	int code;
	char text[200];
};

static _Noreturn void child_fail(int sock, const char *what)
{
	struct pause_msg m = {.kind = 'E', .code = errno};
	snprintf(m.text, sizeof(m.text), "%s", what);
	(void)!write(sock, &m, sizeof(m));
	_exit(1);
}

/* The pause process's life after it reported ready: nobody's terminal, no descriptor of its
 * parent's (a test's pipe would stay open), asleep until killed: as berth-pause (the pods'
 * infra process, which ps then names as it is) when it is installed, else in this loop.
 * Reaps nothing: it has no children (berth's monitors are their own, reparented). */
static _Noreturn void pause_forever(const char *bin)
{
	if (daemon_detach() < 0)
		_exit(1);
	if (bin)
		execl(bin, "berth-pause", (char *)NULL);
	daemon_sleep("berth-pause");
}

/* The child: a user namespace (its maps written by the parent through newuidmap and
 * newgidmap), then, as root there, a mount namespace that namespace owns. Host mounts that
 * were shared reach it as slaves (mount_namespaces(7), "less privileged" copies): nothing
 * mounted in it shows on the host. */
static _Noreturn void pause_child(int sock, const char *bin)
{
	if (unshare(CLONE_NEWUSER) < 0)
		child_fail(sock, "create a user namespace");
	struct pause_msg m = {.kind = 'u'};
	if (write(sock, &m, sizeof(m)) != sizeof(m))
		_exit(1);
	char go;
	if (read(sock, &go, 1) != 1)
		_exit(1); /* the parent could not write the maps and said why itself */
	if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
		child_fail(sock, "become root in the user namespace");
	if (unshare(CLONE_NEWNS) < 0)
		child_fail(sock, "create a mount namespace");
	m.kind = 'k';
	if (write(sock, &m, sizeof(m)) != sizeof(m))
		_exit(1);
	(void)close(sock);
	pause_forever(bin);
}

static int read_msg(int sock, struct pause_msg *m, char want, struct berr **err)
{
	ssize_t got;
	while ((got = read(sock, m, sizeof(*m))) < 0 && errno == EINTR)
		;
	if (got == sizeof(*m) && m->kind == want)
		return 0;
	if (got == sizeof(*m) && m->kind == 'E') {
		m->text[sizeof(m->text) - 1] = '\0';
		return berr_set(err, m->code ? m->code : EIO, "%s", m->text);
	}
	return berr_plain(err, EIO, "the pause process ended without a word");
}

static int write_maps(pid_t pid, struct berr **err)
{
	struct rt_idmap u[ENG_ROOTLESS_RANGES_MAX + 1], g[ENG_ROOTLESS_RANGES_MAX + 1];
	int nu = user_maps("/etc/subuid", "--add-subuids", getuid(), u, err);
	if (nu < 0)
		return nu;
	int ng = user_maps("/etc/subgid", "--add-subgids", getgid(), g, err);
	if (ng < 0)
		return ng;
	struct rt_spec spec = {.uid_mappings = u,
			       .gid_mappings = g,
			       .n_uid_mappings = (size_t)nu,
			       .n_gid_mappings = (size_t)ng};
	autoclose int procfd = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (procfd < 0)
		return berr_set(err, errno, "open /proc");
	return rt_rootless_write_maps(procfd, pid, &spec, err);
}

/* Fork the pause process and wait until its namespaces are ready. out_pid gets its pid. */
static int start_pause(pid_t *out_pid, struct berr **err)
{
	autofree char *bin = img_builtin_file("berth-pause", NULL);
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return berr_set(err, errno, "socketpair");
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		(void)close(sv[0]);
		(void)close(sv[1]);
		return berr_set(err, e, "fork the pause process");
	}
	if (pid == 0) {
		(void)close(sv[0]);
		pause_child(sv[1], bin);
	}
	(void)close(sv[1]);
	autoclose int sock = sv[0];
	struct pause_msg m;
	int r = read_msg(sock, &m, 'u', err);
	if (r == 0 && (r = write_maps(pid, err)) == 0 && write(sock, "m", 1) != 1)
		r = berr_set(err, errno, "tell the pause process");
	if (r == 0)
		r = read_msg(sock, &m, 'k', err);
	if (r < 0) {
		(void)kill(pid, SIGKILL);
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		return r;
	}
	*out_pid = pid;
	return 0;
}

/* ---- joining ---- */

/* The pause process the pid file names, if it is still that process: its pid and start time
 * as written, and a user namespace the user owns. Else 0. */
static pid_t pause_alive(const char *pidfile)
{
	autofree char *text = NULL;
	if (fs_read_file(AT_FDCWD, pidfile, 256, &text, NULL, NULL) < 0)
		return 0;
	int pid;
	unsigned long long start;
	if (sscanf(text, "%d %llu", &pid, &start) != 2 || pid <= 0 ||
	    rt_proc_start_time(pid) != start)
		return 0;
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/ns/user", pid);
	autoclose int fd = open(path, O_RDONLY | O_CLOEXEC);
	uid_t owner;
	if (fd < 0 || ioctl(fd, NS_GET_OWNER_UID, &owner) < 0 || owner != getuid())
		return 0;
	return pid;
}

/* setns into pid's user namespace, then its mount namespace (which that one owns: joining the
 * user namespace first gives the capability it takes). setns(CLONE_NEWNS) moves the working
 * directory to the namespace's root: the same path is entered again (the namespace is a copy
 * of the host's mounts), so a relative path on the command line means what it did. */
static int join(pid_t pid, struct berr **err)
{
	autofree char *cwd = getcwd(NULL, 0);
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/ns/user", pid);
	autoclose int user = open(path, O_RDONLY | O_CLOEXEC);
	snprintf(path, sizeof(path), "/proc/%d/ns/mnt", pid);
	autoclose int mnt = open(path, O_RDONLY | O_CLOEXEC);
	if (user < 0 || mnt < 0)
		return berr_set(err, errno, "open the namespaces of pause process %d", (int)pid);
	if (setns(user, CLONE_NEWUSER) < 0)
		return berr_set(err, errno, "join the user namespace of pause process %d",
				(int)pid);
	if (setns(mnt, CLONE_NEWNS) < 0)
		return berr_set(err, errno, "join the mount namespace of pause process %d",
				(int)pid);
	/* ids as the namespace sees them; the user's other groups are not mapped there */
	if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
		return berr_set(err, errno, "become root in the user namespace");
	(void)setgroups(0, NULL);
	if (cwd && chdir(cwd) < 0)
		(void)!chdir("/");
	return 0;
}

int eng_rootless_enter(const char *runroot, struct berr **err)
{
	if (fs_mkdir_p(runroot, 0700, err) < 0)
		return berr_wrap(err, "create run root '%s'", runroot);
	autofree char *lockfile = xasprintf("%s/pause.lock", runroot);
	autofree char *pidfile = xasprintf("%s/pause.pid", runroot);
	/* one pause process per run root, even when two commands start at once */
	autoclose int lock = fs_lock(lockfile, err);
	if (lock < 0)
		return lock;
	pid_t pid = pause_alive(pidfile);
	int r = pid > 0 ? join(pid, err) : -ESRCH;
	/* a pause process that is ending (killed, its namespaces already gone) is replaced */
	if (r != -ENOENT && r != -ESRCH)
		return r;
	berr_clear(err);
	r = start_pause(&pid, err);
	if (r < 0)
		return r;
	char text[64];
	int len = snprintf(text, sizeof(text), "%d %llu\n", (int)pid,
			   (unsigned long long)rt_proc_start_time(pid));
	r = fs_write_file_atomic(pidfile, text, (size_t)len, 0600, err);
	if (r == 0)
		r = join(pid, err);
	if (r < 0)
		(void)kill(pid, SIGKILL);
	return r;
}

bool eng_rootless(void)
{
	return !userns_is_initial();
}

/* ---- what a rootless container cannot have ---- */

/* The host uid our uid 0 is (the user who ran berth), from our uid_map; else ours. */
static unsigned long host_uid(void)
{
	autofree char *text = NULL;
	unsigned long inside, outside, count;
	if (fs_read_file(AT_FDCWD, "/proc/self/uid_map", 1 << 16, &text, NULL, NULL) == 0 &&
	    sscanf(text, "%lu %lu %lu", &inside, &outside, &count) == 3 && inside == 0)
		return outside;
	return getuid();
}

/* The resources that are limits, "memory, pids", into buf. */
static void limit_names(json_t *resources, char *buf, size_t cap)
{
	size_t len = 0;
	const char *key;
	json_t *v;
	buf[0] = '\0';
	json_object_foreach(resources, key, v)
	{
		json_t *one = json_pack("{sO}", key, v);
		if (rt_rootless_wants_limits(one) && len < cap - 1)
			len += (size_t)snprintf(buf + len, cap - len, "%s%s", len ? ", " : "", key);
		json_decref(one);
	}
}

const char *eng_rootless_network(const char *mode)
{
	if (eng_rootless() && mode && !strcmp(mode, ENG_NET_DEFAULT) && eng_pasta_available())
		return "pasta";
	if (eng_rootless() && mode && !strcmp(mode, ENG_NET_DEFAULT) && eng_slirp_available())
		return "slirp4netns";
	return mode;
}

const char *eng_rootless_network_asked(const char *asked)
{
	if (!asked || !*asked || !strcmp(asked, "default"))
		return eng_rootless_network(ENG_NET_DEFAULT);
	return asked;
}

int eng_rootless_check(json_t *spec, const char *net_mode, struct berr **err)
{
	if (eng_usermode_check(net_mode, err) < 0)
		return -EINVAL;
	if (!eng_rootless())
		return 0;
	json_t *res = json_object_get(json_object_get(spec, "linux"), "resources");
	autofree char *self = NULL, *base = NULL;
	if (rt_rootless_wants_limits(res) && !(base = rt_cgroup_user_base(&self))) {
		char names[256];
		limit_names(res, names, sizeof(names));
		bool v2 = access("/sys/fs/cgroup/cgroup.controllers", F_OK) == 0;
		/* cgroup v1 cannot be delegated safely (cgroups(7)); on v2 the containers go
		 * below the user's delegated subtree (eng_bundle_cgroup), when berth runs in one */
		autofree char *why =
		    v2 ? xasprintf("berth runs in cgroup '%s', which is not the user's: run it in "
				   "the user's systemd instance, whose user@.service has "
				   "Delegate=yes, e.g. 'systemd-run --user --scope berth ...'",
				   self ? self : "?")
		       : xstrdup("this host has cgroup v1 (or v1 beside v2), which cannot be "
				 "delegated to a user: that needs cgroup v2 with systemd's "
				 "Delegate=yes");
		return berr_plain(err, EPERM,
				  "rootless: limits (%s) need a cgroup, and cgroups are not "
				  "delegated to uid %lu (%s); run without -m/--memory, --cpus, "
				  "--pids-limit and the like, or as root",
				  names, host_uid(), why);
	}
	/* user networks live in the rootless network namespace (rootless_netns.h) */
	if (net_mode && eng_network_mode_is_net(net_mode) && !eng_rlnet_possible())
		return berr_plain(err, EPERM,
				  "rootless: network '%s' needs pasta (Debian's passt) or "
				  "slirp4netns for the rootless network namespace's way out",
				  net_mode);
	return 0;
}
