/* top and stats of a pod member, answered in the guest (see guest.h): a child of PID 1 writes
 * the answer to its stdout, as an exec session's process would, and exits. The member's
 * processes are those of its cgroup (member.c).
 *   top:   "PIDS p..." then ps -ef's table (UID PID PPID C STIME TTY TIME CMD) of them
 *   stats: "key value" lines: cpu.stat's, memory.current, memory.max, oom (memory.events),
 *          pids.current, pids.max, system_ns and cpus (the guest's /proc/stat), memtotal,
 *          and memory.stat's keys as "stat.KEY" */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "guest.h"

#define TEXT_MAX (256 * 1024)
#define PIDS_MAX 4096

/* A file's text (NUL-terminated, at most TEXT_MAX - 1 bytes) into buf; its length or -1. */
static ssize_t slurp(const char *path, char *buf)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	size_t have = 0;
	ssize_t k;
	while (have < TEXT_MAX - 1 && (k = read(fd, buf + have, TEXT_MAX - 1 - have)) > 0)
		have += (size_t)k;
	close(fd);
	buf[have] = '\0';
	return (ssize_t)have;
}

static size_t cgroup_pids(const char *id, int *pids, char *buf)
{
	char path[4800];
	snprintf(path, sizeof(path), "/sys/fs/cgroup/%s/cgroup.procs", id);
	size_t n = 0;
	if (slurp(path, buf) < 0)
		return 0;
	for (char *save = NULL, *t = strtok_r(buf, "\n", &save); t && n < PIDS_MAX;
	     t = strtok_r(NULL, "\n", &save))
		pids[n++] = atoi(t);
	return n;
}

static void clock_text(unsigned long long secs, char *out, size_t len)
{
	unsigned long long d = secs / 86400, h = secs / 3600 % 24, m = secs / 60 % 60,
			   s = secs % 60;
	if (d)
		snprintf(out, len, "%llu-%02llu:%02llu:%02llu", d, h, m, s);
	else
		snprintf(out, len, "%02llu:%02llu:%02llu", h, m, s);
}

/* The name of uid in the member's /etc/passwd (its root in the pod's share, as the host
 * bound it), as ps names users; the number when it has none. */
static void user_name(const char *id, unsigned uid, char *out, size_t len)
{
	static char text[TEXT_MAX];
	char path[4800];
	snprintf(out, len, "%u", uid);
	snprintf(path, sizeof(path), "/.berth-pod/%s/etc/passwd", id);
	if (slurp(path, text) <= 0)
		return;
	for (char *save = NULL, *l = strtok_r(text, "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save)) {
		char name[64];
		unsigned u;
		if (sscanf(l, "%63[^:]:%*[^:]:%u:", name, &u) == 2 && u == uid) {
			snprintf(out, len, "%s", name);
			return;
		}
	}
}

/* One row of ps -ef's table for pid (nothing when it is gone). */
static void top_row(FILE *f, const char *id, int pid, double uptime, time_t boot, char *buf)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if (slurp(path, buf) <= 0)
		return;
	char *rp = strrchr(buf, ')');
	char comm[64] = "";
	char *lp = strchr(buf, '(');
	if (!rp || !lp)
		return;
	snprintf(comm, sizeof(comm), "%.*s", (int)(rp - lp - 1), lp + 1);
	int ppid = 0, tty = 0;
	unsigned long long ut = 0, st = 0, start = 0;
	if (sscanf(rp + 2,
		   "%*c %d %*d %*d %d %*d %*u %*u %*u %*u %*u %llu %llu %*d %*d %*d %*d "
		   "%*d %*d %llu",
		   &ppid, &tty, &ut, &st, &start) != 5)
		return;
	long hz = sysconf(_SC_CLK_TCK);
	if (hz <= 0)
		hz = 100;
	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	unsigned uid = 0;
	char *u = slurp(path, buf) > 0 ? strstr(buf, "\nUid:") : NULL;
	if (u)
		uid = (unsigned)strtoul(u + 5, NULL, 10);
	double run = uptime - (double)start / (double)hz;
	int cpu = run > 0 ? (int)((double)(ut + st) / (double)hz * 100.0 / run) : 0;
	time_t started = boot + (time_t)(start / (unsigned long long)hz);
	struct tm tm;
	gmtime_r(&started, &tm);
	char stime[16], ttys[16] = "?", cputime[32];
	strftime(stime, sizeof(stime), "%H:%M", &tm);
	if (tty && (tty >> 8 & 0xfff) == 136)
		snprintf(ttys, sizeof(ttys), "pts/%d", (tty & 0xff) | ((tty >> 12) & 0xfff00));
	clock_text((ut + st) / (unsigned long long)hz, cputime, sizeof(cputime));
	snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
	ssize_t n = slurp(path, buf);
	for (ssize_t i = 0; i + 1 < n; i++)
		if (!buf[i])
			buf[i] = ' ';
	if (n <= 0)
		snprintf(buf, TEXT_MAX, "[%s]", comm);
	char user[64];
	user_name(id, uid, user, sizeof(user));
	fprintf(f, "%-8s %7d %7d %2d %5s %-8s %8s %s\n", user, pid, ppid, cpu, stime, ttys, cputime,
		buf);
}

static void top(FILE *f, const char *id, char *buf)
{
	static int pids[PIDS_MAX];
	size_t n = cgroup_pids(id, pids, buf);
	fprintf(f, "PIDS");
	for (size_t i = 0; i < n; i++)
		fprintf(f, " %d", pids[i]);
	double uptime = 0;
	if (slurp("/proc/uptime", buf) > 0)
		uptime = strtod(buf, NULL);
	time_t boot = time(NULL) - (time_t)uptime;
	fprintf(f, "\nUID          PID    PPID  C STIME TTY          TIME CMD\n");
	for (size_t i = 0; i < n; i++)
		top_row(f, id, pids[i], uptime, boot, buf);
}

/* A cgroup file's lines, each prefixed. */
static void copy_lines(FILE *f, const char *dir, const char *file, const char *prefix, char *buf)
{
	char path[4800];
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	if (slurp(path, buf) < 0)
		return;
	for (char *save = NULL, *t = strtok_r(buf, "\n", &save); t; t = strtok_r(NULL, "\n", &save))
		fprintf(f, "%s%s\n", prefix, t);
}

static void stats(FILE *f, const char *id, char *buf)
{
	char dir[4700];
	snprintf(dir, sizeof(dir), "/sys/fs/cgroup/%s", id);
	copy_lines(f, dir, "cpu.stat", "", buf);
	copy_lines(f, dir, "memory.current", "memory.current ", buf);
	copy_lines(f, dir, "memory.max", "memory.max ", buf);
	copy_lines(f, dir, "memory.events", "events.", buf);
	copy_lines(f, dir, "pids.current", "pids.current ", buf);
	copy_lines(f, dir, "pids.max", "pids.max ", buf);
	copy_lines(f, dir, "memory.stat", "stat.", buf);
	unsigned long long v[7] = {0}, ticks = 0;
	unsigned cpus = 0;
	long hz = sysconf(_SC_CLK_TCK);
	if (slurp("/proc/stat", buf) > 0) {
		(void)sscanf(buf, "cpu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2],
			     &v[3], &v[4], &v[5], &v[6]);
		for (char *p = strstr(buf, "\ncpu"); p; p = strstr(p + 1, "\ncpu"))
			cpus += p[4] >= '0' && p[4] <= '9';
	}
	for (int i = 0; i < 7; i++)
		ticks += v[i];
	fprintf(f, "system_ns %llu\ncpus %u\n",
		hz > 0 ? ticks * (1000000000ULL / (unsigned long long)hz) : 0, cpus);
	char *mt = slurp("/proc/meminfo", buf) > 0 ? strstr(buf, "MemTotal:") : NULL;
	if (mt)
		fprintf(f, "memtotal %llu\n", strtoull(mt + 9, NULL, 10) * 1024);
}

pid_t member_query(const struct config *c, int out, int *code, char *why, size_t len)
{
	const char *q = config_value(c, "query"), *id = config_value(c, "member");
	*code = 125;
	if (!id || !q || (strcmp(q, "top") && strcmp(q, "stats"))) {
		snprintf(why, len, "bad query");
		return -1;
	}
	pid_t pid = fork();
	if (pid < 0) {
		snprintf(why, len, "fork: %s", strerror(errno));
		return -1;
	}
	if (pid > 0)
		return pid;
	FILE *f = fdopen(out, "w");
	char *buf = malloc(TEXT_MAX);
	if (!f || !buf || strchr(id, '/') || strchr(id, '.'))
		_exit(1);
	if (!strcmp(q, "top"))
		top(f, id, buf);
	else
		stats(f, id, buf);
	_exit(fclose(f) == 0 ? 0 : 1);
}
