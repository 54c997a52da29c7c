/* probe: a small static program placed in test rootfs images. It reports facts about the
 * process it runs as (ids, capabilities, mounts, seccomp mode, cgroup, rlimits, ...) as
 * `key=value` lines, and does small jobs on request (sleep, exit, allocate, fork, wait for a
 * signal), so integration tests assert on facts rather than on a shell's quirks.
 * Usage: probe CMD [ARG...] [-- CMD [ARG...] ...]  (several commands in one run) */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

static void print_status_keys(const char *const *keys)
{
	FILE *f = fopen("/proc/self/status", "re");
	char line[512];
	if (!f) {
		printf("error=open /proc/self/status: %s\n", strerror(errno));
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		for (const char *const *k = keys; *k; k++) {
			size_t n = strlen(*k);
			if (!strncmp(line, *k, n) && line[n] == ':') {
				char *v = line + n + 1;
				v += strspn(v, " \t");
				printf("%s=%s", *k, v);
			}
		}
	}
	fclose(f);
}

static void cat(const char *path)
{
	FILE *f = fopen(path, "re");
	char buf[4096];
	size_t n;
	if (!f) {
		printf("error=open %s: %s\n", path, strerror(errno));
		return;
	}
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		fwrite(buf, 1, n, stdout);
	fclose(f);
}

static void ids(void)
{
	gid_t groups[256];
	int n = getgroups(256, groups);
	printf("uid=%d\ngid=%d\neuid=%d\negid=%d\ngroups=", (int)getuid(), (int)getgid(),
	       (int)geteuid(), (int)getegid());
	for (int i = 0; i < n; i++)
		printf("%s%d", i ? "," : "", (int)groups[i]);
	printf("\n");
}

static void rlimits(void)
{
	static const struct {
		const char *name;
		int res;
	} r[] = {{"RLIMIT_NOFILE", RLIMIT_NOFILE}, {"RLIMIT_NPROC", RLIMIT_NPROC},
		 {"RLIMIT_CORE", RLIMIT_CORE},     {"RLIMIT_STACK", RLIMIT_STACK},
		 {"RLIMIT_AS", RLIMIT_AS},         {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK}};
	for (size_t i = 0; i < sizeof(r) / sizeof(r[0]); i++) {
		struct rlimit l;
		getrlimit(r[i].res, &l);
		printf("%s=%lld:%lld\n", r[i].name,
		       (long long)(l.rlim_cur == RLIM_INFINITY ? -1 : (long long)l.rlim_cur),
		       (long long)(l.rlim_max == RLIM_INFINITY ? -1 : (long long)l.rlim_max));
	}
}

static void fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int self = d ? dirfd(d) : -1;
	printf("fds=");
	int first = 1;
	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.' || atoi(de->d_name) == self)
			continue;
		char p[300], t[512] = "";
		snprintf(p, sizeof(p), "/proc/self/fd/%s", de->d_name);
		ssize_t n = readlink(p, t, sizeof(t) - 1);
		if (n > 0)
			t[n] = '\0';
		printf("%s%s:%s", first ? "" : ",", de->d_name, t);
		first = 0;
	}
	printf("\n");
	if (d)
		closedir(d);
}

static volatile sig_atomic_t got_signal;
static void on_signal(int sig)
{
	got_signal = sig;
}

/* Runs one command; returns how many arguments it used, or -1 to stop with exit_code set. */
static int run(char **argv, int argc, int *exit_code)
{
	const char *cmd = argv[0];
	if (!strcmp(cmd, "ids")) {
		ids();
	} else if (!strcmp(cmd, "caps")) {
		static const char *const k[] = {"CapInh", "CapPrm", "CapEff",
						"CapBnd", "CapAmb", NULL};
		print_status_keys(k);
	} else if (!strcmp(cmd, "seccomp")) {
		static const char *const k[] = {"Seccomp", "NoNewPrivs", NULL};
		print_status_keys(k);
	} else if (!strcmp(cmd, "mounts")) {
		cat("/proc/self/mountinfo");
	} else if (!strcmp(cmd, "cgroup")) {
		cat("/proc/self/cgroup");
	} else if (!strcmp(cmd, "rlimits")) {
		rlimits();
	} else if (!strcmp(cmd, "hostname")) {
		char h[256] = "";
		gethostname(h, sizeof(h));
		printf("hostname=%s\n", h);
	} else if (!strcmp(cmd, "cwd")) {
		char c[4096] = "";
		printf("cwd=%s\n", getcwd(c, sizeof(c)) ? c : strerror(errno));
	} else if (!strcmp(cmd, "env")) {
		extern char **environ;
		for (char **e = environ; *e; e++)
			printf("env=%s\n", *e);
	} else if (!strcmp(cmd, "pid")) {
		printf("pid=%d\nppid=%d\n", (int)getpid(), (int)getppid());
	} else if (!strcmp(cmd, "fds")) {
		fds();
	} else if (!strcmp(cmd, "notify") && argc > 1) {
		/* sd_notify(3) by hand: one datagram to $NOTIFY_SOCKET */
		const char *path = getenv("NOTIFY_SOCKET");
		struct sockaddr_un a = {.sun_family = AF_UNIX};
		int s = socket(AF_UNIX, SOCK_DGRAM, 0);
		if (!path || strlen(path) >= sizeof(a.sun_path) || s < 0) {
			printf("notify=no-socket\n");
			*exit_code = 1;
			return -1;
		}
		strcpy(a.sun_path, path);
		ssize_t n =
		    sendto(s, argv[1], strlen(argv[1]), 0, (struct sockaddr *)&a, sizeof(a));
		printf("notify=%s\n", n < 0 ? strerror(errno) : "sent");
		close(s);
		return 2;
	} else if (!strcmp(cmd, "keyring")) {
		/* KEYCTL_GET_KEYRING_ID (0) of KEY_SPEC_SESSION_KEYRING (-3), and its name */
		long id = syscall(SYS_keyctl, 0, -3, 0);
		char desc[256] = "";
		if (id >= 0)
			syscall(SYS_keyctl, 6, id, desc, sizeof(desc) - 1);
		char *name = strrchr(desc, ';');
		printf("keyring=%ld name=%s\n", id, name ? name + 1 : "?");
	} else if (!strcmp(cmd, "umask")) {
		mode_t m = umask(0);
		umask(m);
		printf("umask=%04o\n", (unsigned)m);
	} else if (!strcmp(cmd, "oom")) {
		cat("/proc/self/oom_score_adj");
	} else if (!strcmp(cmd, "tty")) {
		printf("tty=%d\n", isatty(0));
	} else if (!strcmp(cmd, "cat") && argc > 1) {
		cat(argv[1]);
		return 2;
	} else if (!strcmp(cmd, "stat") && argc > 1) {
		struct stat st;
		if (lstat(argv[1], &st) < 0)
			printf("error=%s\n", strerror(errno));
		else
			printf("mode=%o\nuid=%d\ngid=%d\nrdev=%u:%u\n", st.st_mode, (int)st.st_uid,
			       (int)st.st_gid, major(st.st_rdev), minor(st.st_rdev));
		return 2;
	} else if (!strcmp(cmd, "write") && argc > 2) {
		int fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0 || write(fd, argv[2], strlen(argv[2])) < 0)
			printf("write=error %s\n", strerror(errno));
		else
			printf("write=ok\n");
		if (fd >= 0)
			close(fd);
		return 3;
	} else if (!strcmp(cmd, "udp-echo") && argc > 1) {
		/* answer one datagram on PORT (IPv4 and IPv6) with "echo:<data> from <addr>" */
		int s = socket(AF_INET6, SOCK_DGRAM, 0), off = 0;
		setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off));
		struct sockaddr_in6 a = {.sin6_family = AF_INET6,
					 .sin6_port = htons(atoi(argv[1]))};
		if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof(a)) < 0) {
			printf("udp-echo=error %s\n", strerror(errno));
			*exit_code = 1;
			return -1;
		}
		printf("udp-echo=listening\n");
		fflush(stdout);
		char buf[512], reply[700], from[INET6_ADDRSTRLEN];
		struct sockaddr_in6 peer;
		socklen_t len = sizeof(peer);
		ssize_t n = recvfrom(s, buf, sizeof(buf) - 1, 0, (struct sockaddr *)&peer, &len);
		buf[n > 0 ? n : 0] = '\0';
		inet_ntop(AF_INET6, &peer.sin6_addr, from, sizeof(from));
		int k = snprintf(reply, sizeof(reply), "echo:%s from %s", buf, from);
		sendto(s, reply, (size_t)k, 0, (struct sockaddr *)&peer, len);
		printf("udp-echo=%s\n", reply);
		close(s);
		return 2;
	} else if (!strcmp(cmd, "sleep") && argc > 1) {
		fflush(stdout);
		usleep((useconds_t)(atof(argv[1]) * 1e6));
		return 2;
	} else if (!strcmp(cmd, "exit") && argc > 1) {
		*exit_code = atoi(argv[1]);
		return -1;
	} else if (!strcmp(cmd, "mem") && argc > 1) {
		/* Allocate and touch N MiB, to make a memory limit bite. */
		size_t n = (size_t)atol(argv[1]) << 20;
		char *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED) {
			printf("mem=error %s\n", strerror(errno));
		} else {
			for (size_t i = 0; i < n; i += 4096)
				p[i] = 1;
			printf("mem=ok\n");
		}
		return 2;
	} else if (!strcmp(cmd, "fork") && argc > 1) {
		/* Start N children that sleep; report how many forks succeeded. */
		int want = atoi(argv[1]), ok = 0;
		pid_t pids[4096];
		for (int i = 0; i < want && i < 4096; i++) {
			pid_t p = fork();
			if (p == 0) {
				pause();
				_exit(0);
			}
			if (p < 0)
				break;
			pids[ok++] = p;
		}
		printf("forked=%d\n", ok);
		for (int i = 0; i < ok; i++) {
			kill(pids[i], SIGKILL);
			waitpid(pids[i], NULL, 0);
		}
		return 2;
	} else if (!strcmp(cmd, "wait-signal")) {
		/* Print "ready", wait for a catchable signal, print its number. */
		for (int s = 1; s < 32; s++)
			if (s != SIGKILL && s != SIGSTOP)
				signal(s, on_signal);
		printf("ready\n");
		fflush(stdout);
		while (!got_signal)
			pause();
		printf("signal=%d\n", (int)got_signal);
	} else {
		fprintf(stderr, "probe: unknown command '%s'\n", cmd);
		*exit_code = 2;
		return -1;
	}
	return 1;
}

int main(int argc, char **argv)
{
	int code = 0;
	for (int i = 1; i < argc;) {
		if (!strcmp(argv[i], "--")) {
			i++;
			continue;
		}
		int used = run(argv + i, argc - i, &code);
		fflush(stdout);
		if (used < 0)
			return code;
		i += used;
	}
	return code;
}
