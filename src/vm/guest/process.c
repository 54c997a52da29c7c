/* Processes in the guest (see guest.h): the VM's own and each exec's, with the limits, user,
 * capabilities and terminal their records give. They run in the container's root, which PID
 * 1 has entered already. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "guest.h"

int proc_status(int st)
{
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

int write_full(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len) {
		ssize_t k = write(fd, p, len);
		if (k < 0 && errno == EAGAIN) {
			struct pollfd pf = {.fd = fd, .events = POLLOUT};
			(void)poll(&pf, 1, -1);
			continue;
		}
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		p += k;
		len -= (size_t)k;
	}
	return 0;
}

/* In the process (not PID 1, which must keep its privileges to power off): its limits, user
 * and capabilities. A failure is described into err (and -1). */
static int set_limits(const struct config *c, char *err, size_t len)
{
	for (const char **v = config_values(c, "rlimit", NULL); *v; v++) {
		int res;
		unsigned long long soft, hard;
		if (sscanf(*v, "%d:%llu:%llu", &res, &soft, &hard) != 3)
			return snprintf(err, len, "bad rlimit '%s'", *v), -1;
		struct rlimit rl = {.rlim_cur = soft, .rlim_max = hard};
		if (setrlimit(res, &rl) < 0)
			return snprintf(err, len, "setrlimit %d: %s", res, strerror(errno)), -1;
	}
	return 0;
}

/* "caps=BOUNDING:EFFECTIVE:PERMITTED:INHERITABLE" in hex (bit N: capability N) */
static int set_identity(const struct config *c, char *err, size_t len)
{
	const char *caps = config_value(c, "caps");
	unsigned long long bnd = ~0ULL, eff = ~0ULL, prm = ~0ULL, inh = 0;
	if (caps && sscanf(caps, "%llx:%llx:%llx:%llx", &bnd, &eff, &prm, &inh) != 4)
		return snprintf(err, len, "bad caps '%s'", caps), -1;
	for (int cap = 0; cap < 64; cap++)
		if (!(bnd >> cap & 1) && prctl(PR_CAPBSET_READ, cap) == 1)
			(void)prctl(PR_CAPBSET_DROP, cap);
	size_t ng = 0;
	const char **groups = config_values(c, "group", &ng);
	gid_t gl[64];
	for (size_t i = 0; i < ng && i < 64; i++)
		gl[i] = (gid_t)strtoul(groups[i], NULL, 10);
	uid_t uid = (uid_t)strtoul(config_value(c, "uid") ?: "0", NULL, 10);
	gid_t gid = (gid_t)strtoul(config_value(c, "gid") ?: "0", NULL, 10);
	/* keep the permitted set across setuid; effective is set again below */
	if (prctl(PR_SET_KEEPCAPS, 1) < 0 || setgroups(ng < 64 ? ng : 64, gl) < 0 ||
	    setresgid(gid, gid, gid) < 0 || setresuid(uid, uid, uid) < 0)
		return snprintf(err, len, "set user %u:%u: %s", uid, gid, strerror(errno)), -1;
	struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct d[2] = {
	    {(uint32_t)eff, (uint32_t)prm, (uint32_t)inh},
	    {(uint32_t)(eff >> 32), (uint32_t)(prm >> 32), (uint32_t)(inh >> 32)}};
	if (syscall(SYS_capset, &h, d) < 0)
		return snprintf(err, len, "capset: %s", strerror(errno)), -1;
	if (config_value(c, "nnp") && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return snprintf(err, len, "no_new_privs: %s", strerror(errno)), -1;
	return 0;
}

/* The executable for args[0] on PATH (from the environment given), as execvp would find it,
 * so that a missing one is 127 and not one that cannot run. */
static int find_exec(const char *arg0, char **env, char *out, size_t len)
{
	if (strchr(arg0, '/')) {
		snprintf(out, len, "%s", arg0);
		return access(out, F_OK) == 0 ? 0 : -ENOENT;
	}
	const char *path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	for (char **e = env; *e; e++)
		if (!strncmp(*e, "PATH=", 5))
			path = *e + 5;
	char copy[4096];
	snprintf(copy, sizeof(copy), "%s", path);
	for (char *save = NULL, *dir = strtok_r(copy, ":", &save); dir;
	     dir = strtok_r(NULL, ":", &save)) {
		snprintf(out, len, "%s/%s", dir, arg0);
		struct stat st;
		if (stat(out, &st) == 0 && S_ISREG(st.st_mode))
			return 0;
	}
	return -ENOENT;
}

/* A new pty: the master (ours), the slave's path; the window size "rows"/"cols" if given. */
static int open_pty(const struct config *c, char *slave, size_t len)
{
	int m = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (m < 0)
		return -1;
	int unlock = 0;
	unsigned n;
	if (ioctl(m, TIOCSPTLCK, &unlock) < 0 || ioctl(m, TIOCGPTN, &n) < 0) {
		close(m);
		return -1;
	}
	snprintf(slave, len, "/dev/pts/%u", n);
	struct winsize ws = {0};
	const char *rows = config_value(c, "rows"), *cols = config_value(c, "cols");
	if (rows && cols) {
		ws.ws_row = (unsigned short)atoi(rows);
		ws.ws_col = (unsigned short)atoi(cols);
		(void)ioctl(m, TIOCSWINSZ, &ws);
	}
	return m;
}

/* A pod member's root ("root=" record: a directory of the pod's share, where the host bound
 * the member's overlay): a mount namespace of its own, the guest's /dev, a new /proc and
 * /sys, then pivot_root into it (chroot where pivot_root cannot). The failure into why. */
static int enter_root(const char *root, char *why, size_t len)
{
	char path[4096];
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount(root, root, NULL, MS_BIND | MS_REC, NULL) < 0)
		return snprintf(why, len, "the root %s: %s", root, strerror(errno)), -1;
	static const struct {
		const char *dir, *type, *src;
		unsigned long flags;
	} m[] = {{"proc", "proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC},
		 {"dev", NULL, "/dev", MS_BIND | MS_REC},
		 {"sys", "sysfs", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY}};
	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", root, m[i].dir);
		(void)mkdir(path, 0755);
		if (mount(m[i].src, path, m[i].type, m[i].flags, NULL) < 0 && i < 2)
			return snprintf(why, len, "mount /%s: %s", m[i].dir, strerror(errno)), -1;
	}
	/* the pod's hosts, resolv.conf and hostname (the VM's, bound in from the host) are the
	 * member's too, as podman's pod members share the infra's; over the member's own files
	 * only (what a link there names is in this namespace alone, which drops the old root) */
	static const char *const shared[] = {"/etc/hosts", "/etc/resolv.conf", "/etc/hostname"};
	for (size_t i = 0; i < 3; i++) {
		struct stat st;
		snprintf(path, sizeof(path), "%s%s", root, shared[i]);
		if (access(shared[i], R_OK) == 0 && stat(path, &st) == 0 && S_ISREG(st.st_mode))
			(void)mount(shared[i], path, NULL, MS_BIND, NULL);
	}
	if (chdir(root) < 0)
		return snprintf(why, len, "chdir %s: %s", root, strerror(errno)), -1;
	if (syscall(SYS_pivot_root, ".", ".") == 0)
		(void)umount2(".", MNT_DETACH);
	else if (chroot(".") < 0)
		return snprintf(why, len, "enter %s: %s", root, strerror(errno)), -1;
	return chdir("/") < 0 ? snprintf(why, len, "chdir /: %s", strerror(errno)), -1 : 0;
}

/* The child's side: its stdio, root, cwd, limits and identity, then the program. What fails
 * is written to report as "CODE message". */
static void __attribute__((noreturn))
child(const struct config *c, const char *exe, char **args, char **env, int fds[3],
      const char *slave, int report, struct member_spawn *m)
{
	setsid();
	if (slave) {
		int s = open(slave, O_RDWR);
		if (s < 0 || ioctl(s, TIOCSCTTY, 0) < 0) {
			dprintf(report, "125 open the terminal %s: %s", slave, strerror(errno));
			_exit(125);
		}
		uid_t uid = (uid_t)strtoul(config_value(c, "uid") ?: "0", NULL, 10);
		(void)fchown(s, uid, (gid_t)-1);
		fds[0] = fds[1] = fds[2] = s;
	}
	dup2(fds[0], 0);
	dup2(fds[1], 1);
	dup2(fds[2], 2);
	char why[512], found[4096];
	const char *root = config_value(c, "root");
	if (member_enter(m, why, sizeof(why)) < 0) {
		dprintf(report, "125 %s", why);
		_exit(125);
	}
	if (m->mnt >= 0) /* an exec in the member's own mounts: its root already */
		root = "/";
	else if (root && enter_root(root, why, sizeof(why)) < 0) {
		dprintf(report, "125 %s", why);
		_exit(125);
	}
	if (root && find_exec(args[0], env, found, sizeof(found)) < 0) {
		dprintf(report, "127 exec: \"%s\": executable file not found in $PATH", args[0]);
		_exit(127);
	}
	if (root)
		exe = found;
	const char *cwd = config_value(c, "cwd");
	if (cwd && chdir(cwd) < 0) {
		dprintf(report, "125 chdir to cwd (\"%s\"): %s", cwd, strerror(errno));
		_exit(125);
	}
	if (set_limits(c, why, sizeof(why)) < 0 || set_identity(c, why, sizeof(why)) < 0) {
		dprintf(report, "125 %s", why);
		_exit(125);
	}
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	execve(exe, args, env);
	int e = errno;
	dprintf(report, "%d exec %s: %s", e == ENOENT ? 127 : 126, exe, strerror(e));
	_exit(e == ENOENT ? 127 : 126);
}

static char **vector(const struct config *c, const char *key)
{
	size_t n = 0;
	const char **v = config_values(c, key, &n);
	char **out = calloc(n + 1, sizeof(char *));
	for (size_t i = 0; out && i < n; i++)
		out[i] = (char *)v[i];
	return out;
}

int proc_exec_init(const struct config *c, char *why, size_t why_len)
{
	char **args = vector(c, "arg"), **env = vector(c, "env");
	char exe[4096];
	int code = 125;
	if (!args || !env || !args[0]) {
		snprintf(why, why_len, "%s",
			 args && env ? "no command specified" : "out of memory");
	} else if (find_exec(args[0], env, exe, sizeof(exe)) < 0) {
		code = 127;
		snprintf(why, why_len, "exec: \"%s\": executable file not found in $PATH", args[0]);
	} else {
		const char *cwd = config_value(c, "cwd");
		if (cwd && chdir(cwd) < 0)
			(void)!chdir("/");
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		execve(exe, args, env);
		code = errno == ENOENT ? 127 : 126;
		snprintf(why, why_len, "exec %s: %s", exe, strerror(errno));
	}
	free(args);
	free(env);
	return code;
}

pid_t proc_spawn(const struct config *c, int in, int out, int err, int *master, int *code,
		 char *why, size_t why_len)
{
	*code = 125;
	*master = -1;
	char **args = vector(c, "arg"), **env = vector(c, "env");
	pid_t pid = -1;
	char exe[4096], slave[64];
	int sync_pipe[2] = {-1, -1};
	struct member_spawn m = {.cg = -1, .mnt = -1, .own_pidns = -1};
	if (!args || !env || !args[0]) {
		snprintf(why, why_len, "%s",
			 args && env ? "no command specified" : "out of memory");
		goto out;
	}
	/* a pod member's executable is looked for in its root, by the child */
	if (config_value(c, "root"))
		snprintf(exe, sizeof(exe), "%s", args[0]);
	else if (find_exec(args[0], env, exe, sizeof(exe)) < 0) {
		*code = 127;
		snprintf(why, why_len, "exec: \"%s\": executable file not found in $PATH", args[0]);
		goto out;
	}
	if (config_value(c, "tty") && (*master = open_pty(c, slave, sizeof(slave))) < 0) {
		snprintf(why, why_len, "open a terminal: %s", strerror(errno));
		goto out;
	}
	if (pipe2(sync_pipe, O_CLOEXEC) < 0) {
		snprintf(why, why_len, "pipe: %s", strerror(errno));
		goto out;
	}
	if (member_prepare(c, &m, why, why_len) < 0) {
		member_after_fork(c, &m, -1);
		goto out;
	}
	pid = fork();
	if (pid == 0) {
		close(sync_pipe[0]);
		int fds[3] = {in, out, err};
		child(c, exe, args, env, fds, *master >= 0 ? slave : NULL, sync_pipe[1], &m);
	}
	int fork_errno = errno;
	member_after_fork(c, &m, pid);
	if (pid < 0) {
		snprintf(why, why_len, "fork: %s", strerror(fork_errno));
		goto out;
	}
	close(sync_pipe[1]);
	sync_pipe[1] = -1;
	char msg[600] = "";
	ssize_t k;
	do
		k = read(sync_pipe[0], msg, sizeof(msg) - 1);
	while (k < 0 && errno == EINTR);
	if (k > 0) {
		msg[k] = '\0';
		*code = atoi(msg) ? atoi(msg) : 125;
		snprintf(why, why_len, "%s", strchr(msg, ' ') ? strchr(msg, ' ') + 1 : msg);
		waitpid(pid, NULL, 0);
		member_reaped(pid);
		pid = -1;
	}
out:
	if (sync_pipe[0] >= 0)
		close(sync_pipe[0]);
	if (sync_pipe[1] >= 0)
		close(sync_pipe[1]);
	if (pid < 0 && *master >= 0) {
		close(*master);
		*master = -1;
	}
	free(args);
	free(env);
	return pid;
}
