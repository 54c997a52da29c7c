/* berth's guest init: PID 1 in a VM (issue #7, docs/DESIGN.md "VM isolation"). Static, no
 * library but libc; it trusts nothing but what the host put into its initramfs.
 *
 *   1. /dev, /proc, /sys; the kernel modules listed in /modules, in order (virtio over MMIO,
 *      virtio-serial, fuse and virtiofs: the cloud kernel has them as modules)
 *   2. the container's root, a virtiofs share tagged "root", at /rootfs; each volume (tag
 *      "volN") at its destination; /proc, /sys, /dev, /dev/pts, /dev/shm and the files the
 *      config gives (hosts, hostname, resolv.conf) inside it; then the root is entered
 *   3. the process as /berth/config says (NUL-separated "key=value" records: arg, env, cwd,
 *      uid, gid, group, hostname, rlimit, caps, nnp, readonly, file, volume, tmpfs): stdin,
 *      stdout and stderr
 *      are virtio-serial ports named berth.stdin, berth.stdout, berth.stderr
 *   4. the control port berth.ctl: with "wait=1" the init says "ready\n" and waits for "go\n"
 *      (an OCI create, then start); the host sends "signal N\n"; the init answers "started\n"
 *      when the process runs and "exit N\n" when it ends, then powers the VM off.
 * Anything that fails before the process runs is written to the serial console and to the
 * control port as "error CODE MESSAGE\n" (CODE as `docker run`'s: 126, 127, 125). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/reboot.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CONFIG_MAX  (1 << 20)
#define ITEMS_MAX   4096
#define PORT_WAIT_S 10

static int ctl = -1;

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(buf))
		n = sizeof(buf) - 1;
	int con = open("/dev/console", O_WRONLY | O_NOCTTY | O_CLOEXEC);
	if (con >= 0) {
		(void)!write(con, buf, (size_t)n);
		close(con);
	}
	if (ctl >= 0)
		(void)!write(ctl, buf, (size_t)n);
}

static void power_off(void)
{
	sync();
	reboot(RB_POWER_OFF);
	for (;;)
		pause();
}

/* Give up before the process runs: the reason to the host, then off. */
static void __attribute__((noreturn)) fail(int code, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	say("error %d %s\n", code, msg);
	power_off();
	_exit(1);
}

/* ---- the config ---- */

struct config {
	char *data;
	size_t len;
	const char *items[ITEMS_MAX];
	size_t n;
};

static void read_config(struct config *c)
{
	int fd = open("/berth/config", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		fail(125, "open /berth/config: %s", strerror(errno));
	c->data = malloc(CONFIG_MAX + 1);
	ssize_t k;
	while (c->data && c->len < CONFIG_MAX &&
	       (k = read(fd, c->data + c->len, CONFIG_MAX - c->len)) > 0)
		c->len += (size_t)k;
	close(fd);
	if (!c->data)
		fail(125, "out of memory");
	c->data[c->len] = '\0';
	for (size_t off = 0; off < c->len && c->n < ITEMS_MAX;) {
		c->items[c->n++] = c->data + off;
		off += strlen(c->data + off) + 1;
	}
}

/* The values of key, in order (NULL-terminated, static). */
static const char **values(const struct config *c, const char *key, size_t *out_n)
{
	static const char *v[ITEMS_MAX + 1];
	size_t n = 0, kl = strlen(key);
	for (size_t i = 0; i < c->n; i++)
		if (!strncmp(c->items[i], key, kl) && c->items[i][kl] == '=')
			v[n++] = c->items[i] + kl + 1;
	v[n] = NULL;
	if (out_n)
		*out_n = n;
	return v;
}

static const char *value(const struct config *c, const char *key)
{
	const char **v = values(c, key, NULL);
	return v[0];
}

/* ---- devices ---- */

static void load_modules(void)
{
	FILE *f = fopen("/modules", "re");
	char line[512];
	while (f && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (!*line)
			continue;
		int fd = open(line, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || (syscall(SYS_finit_module, fd, "", 0) < 0 && errno != EEXIST))
			say("berth-init: module %s: %s\n", line, strerror(errno));
		if (fd >= 0)
			close(fd);
	}
	if (f)
		fclose(f);
}

/* The /dev node of the virtio-serial port named name, waited for (the driver probes the
 * devices after the modules load). */
static int open_port(const char *name, int flags)
{
	for (int tries = 0; tries < PORT_WAIT_S * 100; tries++) {
		DIR *d = opendir("/sys/class/virtio-ports");
		struct dirent *de;
		while (d && (de = readdir(d))) {
			if (de->d_name[0] == '.')
				continue;
			char p[300], got[128] = "";
			snprintf(p, sizeof(p), "/sys/class/virtio-ports/%s/name", de->d_name);
			int fd = open(p, O_RDONLY | O_CLOEXEC);
			ssize_t k = fd >= 0 ? read(fd, got, sizeof(got) - 1) : -1;
			if (fd >= 0)
				close(fd);
			if (k <= 0)
				continue;
			got[strcspn(got, "\n")] = '\0';
			if (strcmp(got, name))
				continue;
			snprintf(p, sizeof(p), "/dev/%s", de->d_name);
			closedir(d);
			int port = open(p, flags | O_CLOEXEC | O_NOCTTY);
			if (port < 0)
				fail(125, "open port %s (%s): %s", name, p, strerror(errno));
			return port;
		}
		if (d)
			closedir(d);
		struct timespec ts = {0, 10 * 1000000L};
		nanosleep(&ts, NULL);
	}
	fail(125, "no virtio-serial port named %s", name);
}

static void mount_or_fail(const char *src, const char *dst, const char *type, unsigned long flags,
			  const char *data)
{
	mkdir(dst, 0755);
	if (mount(src, dst, type, flags, data) < 0)
		fail(125, "mount %s on %s: %s", type ? type : src, dst, strerror(errno));
}

/* ---- the root ---- */

/* A path inside the root, made (as a directory, or a file when file) if missing. The
 * container's own files decide nothing about where a mount lands outside /rootfs: the guest
 * has nothing else to protect but itself, and the host's files are not in it. */
static void make_target(const char *path, bool file)
{
	char buf[4096];
	snprintf(buf, sizeof(buf), "/rootfs%s", path);
	for (char *p = buf + 8; *p; p++)
		if (*p == '/') {
			*p = '\0';
			mkdir(buf, 0755);
			*p = '/';
		}
	if (file) {
		int fd = open(buf, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
		if (fd >= 0)
			close(fd);
	} else {
		mkdir(buf, 0755);
	}
}

static void setup_root(const struct config *c)
{
	/* read-write while the mount points are made; read-only after, when asked */
	mount_or_fail("root", "/rootfs", "virtiofs", 0, NULL);
	/* volumes: "volume=TAG:DEST:ro|rw" */
	for (const char **v = values(c, "volume", NULL); *v; v++) {
		char tag[64], dest[4096], mode[4];
		if (sscanf(*v, "%63[^:]:%4095[^:]:%3s", tag, dest, mode) != 3)
			fail(125, "bad volume '%s'", *v);
		make_target(dest, false);
		char where[4200];
		snprintf(where, sizeof(where), "/rootfs%s", dest);
		mount_or_fail(tag, where, "virtiofs", strcmp(mode, "ro") ? 0 : MS_RDONLY, NULL);
	}
	for (const char **v = values(c, "tmpfs", NULL); *v; v++) {
		make_target(*v, false);
		char where[4200];
		snprintf(where, sizeof(where), "/rootfs%s", *v);
		mount_or_fail("tmpfs", where, "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777");
	}
	make_target("/proc", false);
	make_target("/sys", false);
	make_target("/dev", false);
	mount_or_fail("proc", "/rootfs/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	mount_or_fail("sysfs", "/rootfs/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	mount_or_fail("devtmpfs", "/rootfs/dev", "devtmpfs", MS_NOSUID, NULL);
	mount_or_fail("devpts", "/rootfs/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC,
		      "newinstance,ptmxmode=0666,mode=0620,gid=5");
	mount_or_fail("shm", "/rootfs/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		      "mode=1777,size=65536k");
	unlink("/rootfs/dev/ptmx");
	symlink("pts/ptmx", "/rootfs/dev/ptmx");
	/* "file=PATH" followed by the item with its content: on a tmpfs of the guest's own,
	 * bound over PATH, so the container's files are not changed */
	mount_or_fail("tmpfs", "/berth/files", "tmpfs", MS_NOSUID | MS_NODEV, "mode=755");
	for (size_t i = 0; i + 1 < c->n; i++) {
		if (strncmp(c->items[i], "file=", 5))
			continue;
		const char *path = c->items[i] + 5, *content = c->items[i + 1];
		char tmp[64];
		snprintf(tmp, sizeof(tmp), "/berth/files/%zu", i);
		int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0 || write(fd, content, strlen(content)) < 0)
			fail(125, "write %s: %s", path, strerror(errno));
		close(fd);
		make_target(path, true);
		char where[4200];
		snprintf(where, sizeof(where), "/rootfs%s", path);
		if (mount(tmp, where, NULL, MS_BIND, NULL) < 0)
			fail(125, "bind %s: %s", path, strerror(errno));
	}
	if (value(c, "readonly") && mount(NULL, "/rootfs", NULL, MS_REMOUNT | MS_RDONLY, NULL) < 0)
		fail(125, "make the root read-only: %s", strerror(errno));
}

/* ---- the process ---- */

/* In the process (not PID 1, which must keep its privileges to power off): its limits, user
 * and capabilities. A failure is described into err (and -1). */
static int set_limits(const struct config *c, char *err, size_t len)
{
	for (const char **v = values(c, "rlimit", NULL); *v; v++) {
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
	const char *caps = value(c, "caps");
	unsigned long long bnd = ~0ULL, eff = ~0ULL, prm = ~0ULL, inh = 0;
	if (caps && sscanf(caps, "%llx:%llx:%llx:%llx", &bnd, &eff, &prm, &inh) != 4)
		return snprintf(err, len, "bad caps '%s'", caps), -1;
	for (int cap = 0; cap < 64; cap++)
		if (!(bnd >> cap & 1) && prctl(PR_CAPBSET_READ, cap) == 1)
			(void)prctl(PR_CAPBSET_DROP, cap);
	size_t ng = 0;
	const char **groups = values(c, "group", &ng);
	gid_t gl[64];
	for (size_t i = 0; i < ng && i < 64; i++)
		gl[i] = (gid_t)strtoul(groups[i], NULL, 10);
	uid_t uid = (uid_t)strtoul(value(c, "uid") ?: "0", NULL, 10);
	gid_t gid = (gid_t)strtoul(value(c, "gid") ?: "0", NULL, 10);
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
	if (value(c, "nnp") && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
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

static pid_t spawn(const struct config *c, int in, int out, int err_)
{
	size_t na = 0, ne = 0;
	const char **a = values(c, "arg", &na);
	char **args = calloc(na + 1, sizeof(char *));
	for (size_t i = 0; i < na; i++)
		args[i] = (char *)a[i];
	const char **e = values(c, "env", &ne);
	char **env = calloc(ne + 1, sizeof(char *));
	for (size_t i = 0; i < ne; i++)
		env[i] = (char *)e[i];
	if (!na)
		fail(125, "no command specified");
	char exe[4096];
	if (find_exec(args[0], env, exe, sizeof(exe)) < 0)
		fail(127, "exec: \"%s\": executable file not found in $PATH", args[0]);
	int sync_pipe[2];
	if (pipe2(sync_pipe, O_CLOEXEC) < 0)
		fail(125, "pipe: %s", strerror(errno));
	pid_t pid = fork();
	if (pid < 0)
		fail(125, "fork: %s", strerror(errno));
	if (pid == 0) {
		close(sync_pipe[0]);
		setsid();
		dup2(in, 0);
		dup2(out, 1);
		dup2(err_, 2);
		const char *cwd = value(c, "cwd");
		if (cwd && chdir(cwd) < 0) {
			dprintf(sync_pipe[1], "125 chdir to cwd (\"%s\"): %s", cwd,
				strerror(errno));
			_exit(125);
		}
		char why[512];
		if (set_limits(c, why, sizeof(why)) < 0 || set_identity(c, why, sizeof(why)) < 0) {
			dprintf(sync_pipe[1], "125 %s", why);
			_exit(125);
		}
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		execve(exe, args, env);
		int e2 = errno;
		dprintf(sync_pipe[1], "%d exec %s: %s", e2 == ENOENT ? 127 : 126, exe,
			strerror(e2));
		_exit(e2 == ENOENT ? 127 : 126);
	}
	close(sync_pipe[1]);
	char msg[600] = "";
	ssize_t k = read(sync_pipe[0], msg, sizeof(msg) - 1);
	close(sync_pipe[0]);
	if (k > 0) {
		msg[k] = '\0';
		int code = atoi(msg);
		waitpid(pid, NULL, 0);
		fail(code ? code : 125, "%s", strchr(msg, ' ') ? strchr(msg, ' ') + 1 : msg);
	}
	free(args);
	free(env);
	return pid;
}

/* Tell the host the VM is ready, and wait for its "go". */
static void wait_go(void)
{
	(void)!write(ctl, "ready\n", 6);
	char buf[64];
	size_t have = 0;
	for (;;) {
		struct pollfd pf = {.fd = ctl, .events = POLLIN};
		if (poll(&pf, 1, -1) <= 0)
			continue;
		ssize_t k = read(ctl, buf + have, sizeof(buf) - 1 - have);
		if (k <= 0)
			continue;
		have += (size_t)k;
		buf[have] = '\0';
		if (strstr(buf, "go\n"))
			return;
		if (have == sizeof(buf) - 1)
			have = 0;
	}
}

/* Until the process has exited: signals from the control port go to it (its group). */
static int supervise(pid_t pid)
{
	char buf[256];
	size_t have = 0;
	for (;;) {
		int st;
		pid_t p;
		while ((p = waitpid(-1, &st, WNOHANG)) > 0)
			if (p == pid)
				return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		struct pollfd pf = {.fd = ctl, .events = POLLIN};
		if (poll(&pf, 1, 50) <= 0 || !(pf.revents & POLLIN))
			continue;
		ssize_t k = read(ctl, buf + have, sizeof(buf) - 1 - have);
		if (k <= 0)
			continue;
		have += (size_t)k;
		buf[have] = '\0';
		char *nl;
		while ((nl = strchr(buf, '\n'))) {
			*nl = '\0';
			int sig;
			if (sscanf(buf, "signal %d", &sig) == 1 && sig > 0 && sig < 65)
				kill(pid, sig);
			size_t used = (size_t)(nl + 1 - buf);
			memmove(buf, nl + 1, have - used + 1);
			have -= used;
		}
		if (have == sizeof(buf) - 1)
			have = 0; /* a line too long from the host: dropped */
	}
}

int main(void)
{
	mkdir("/dev", 0755);
	mount("devtmpfs", "/dev", "devtmpfs", MS_NOSUID, NULL);
	mount_or_fail("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	mount_or_fail("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	load_modules();
	/* non-blocking: a port whose host end has nothing to send may still poll readable */
	ctl = open_port("berth.ctl", O_RDWR | O_NONBLOCK);
	struct config c = {0};
	read_config(&c);
	const char *host = value(&c, "hostname");
	if (host)
		sethostname(host, strlen(host));
	int in = open_port("berth.stdin", O_RDONLY);
	int out = open_port("berth.stdout", O_WRONLY);
	int err_ = open_port("berth.stderr", O_WRONLY);
	setup_root(&c);
	if (chdir("/rootfs") < 0 || mount(".", "/", NULL, MS_MOVE, NULL) < 0 || chroot(".") < 0 ||
	    chdir("/") < 0)
		fail(125, "enter the root: %s", strerror(errno));
	/* "wait=1": an OCI create; the process runs when the host says "go" (its start) */
	if (value(&c, "wait"))
		wait_go();
	pid_t pid = spawn(&c, in, out, err_);
	(void)!write(ctl, "started\n", 8);
	int code = supervise(pid);
	close(out);
	close(err_);
	/* the host's log must have the last output before it hears of the exit */
	if (ctl >= 0) {
		char line[32];
		int n = snprintf(line, sizeof(line), "exit %d\n", code);
		(void)!write(ctl, line, (size_t)n);
		fsync(ctl);
	}
	power_off();
	return 0;
}
