/* top, stats and update of a pod member, answered in the guest (see guest.h): a child of PID 1
 * writes the answer to its stdout, as an exec session's process would, and exits (1 on
 * failure, the reason its output). The member's processes are those of its cgroup (member.c).
 *   top:    "PIDS p..." then ps's table of them, the "ps=" record's columns (ps.c; ps -ef's
 *           UID PID PPID C STIME TTY TIME CMD without one)
 *   stats:  "key value" lines: cpu.stat's, memory.current, memory.max, oom (memory.events),
 *           pids.current, pids.max, system_ns and cpus (the guest's /proc/stat), memtotal,
 *           memory.stat's keys as "stat.KEY", io.stat's lines as "io LINE", and the VM's
 *           /proc/net/dev (the pod's network) as "net LINE"
 *   update: the limit records ("memory=", "cpu=", "pids=", "weight=") written to the
 *           member's cgroup, as at its start */
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

static int top(FILE *f, const char *id, const char *spec, char *buf)
{
	static int pids[PIDS_MAX];
	size_t n = cgroup_pids(id, pids, buf);
	fprintf(f, "PIDS");
	for (size_t i = 0; i < n; i++)
		fprintf(f, " %d", pids[i]);
	fputc('\n', f);
	return ps_table(f, id, spec, pids, n);
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
	copy_lines(f, dir, "io.stat", "io ", buf);
	copy_lines(f, "/proc/net", "dev", "net ", buf); /* the VM's: the pod's network */
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
	if (!id || !q || (strcmp(q, "top") && strcmp(q, "stats") && strcmp(q, "update"))) {
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
	int r = 0;
	if (!strcmp(q, "top"))
		r = top(f, id, config_value(c, "ps"), buf);
	else if (!strcmp(q, "update") && (r = member_limits(id, c, buf, TEXT_MAX)) < 0)
		fprintf(f, "%s\n", buf);
	else if (!strcmp(q, "stats"))
		stats(f, id, buf);
	_exit(fclose(f) == 0 && r == 0 ? 0 : 1);
}
