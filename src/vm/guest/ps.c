/* ps's table of a pod member's processes, from the guest's /proc (see guest.h): the guest has
 * no ps of its own, and the member's image may have none. The columns are a "ps=" record's,
 * "KEY=HEADER" pieces joined by ',' that the host made of the caller's ps options
 * (engine/pod_vm_ps.c); each row's fields are procps's for that key. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "guest.h"

#define PS_TEXT_MAX (256 * 1024)
#define PS_COLS_MAX 32

struct proc {
	int pid, ppid, pgrp, sid, tty, tpgid;
	char state;
	unsigned long long ut, st, start, vsize;
	long prio, nice, nlwp, rss;
	unsigned uid, gid;
	char comm[64];
};

struct ps_ctx {
	const char *id;
	char *buf; /* PS_TEXT_MAX bytes */
	double uptime;
	time_t boot, now;
	long hz, page;
	unsigned long long memtotal; /* bytes */
};

static ssize_t ps_slurp(const char *path, char *buf)
{
	FILE *f = fopen(path, "re");
	if (!f)
		return -1;
	size_t n = fread(buf, 1, PS_TEXT_MAX - 1, f);
	fclose(f);
	buf[n] = '\0';
	return (ssize_t)n;
}

static int proc_read(int pid, struct proc *p, char *buf)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if (ps_slurp(path, buf) <= 0)
		return -1;
	char *lp = strchr(buf, '('), *rp = strrchr(buf, ')');
	if (!lp || !rp || rp < lp)
		return -1;
	*p = (struct proc){.pid = pid};
	snprintf(p->comm, sizeof(p->comm), "%.*s", (int)(rp - lp - 1), lp + 1);
	if (sscanf(rp + 2,
		   "%c %d %d %d %d %d %*u %*u %*u %*u %*u %llu %llu %*d %*d %ld %ld %ld %*d "
		   "%llu %llu %ld",
		   &p->state, &p->ppid, &p->pgrp, &p->sid, &p->tty, &p->tpgid, &p->ut, &p->st,
		   &p->prio, &p->nice, &p->nlwp, &p->start, &p->vsize, &p->rss) != 14)
		return -1;
	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	char *u = ps_slurp(path, buf) > 0 ? strstr(buf, "\nUid:") : NULL;
	if (u)
		p->uid = (unsigned)strtoul(u + 5, NULL, 10);
	char *g = u ? strstr(buf, "\nGid:") : NULL;
	if (g)
		p->gid = (unsigned)strtoul(g + 5, NULL, 10);
	return 0;
}

/* The name of uid in the member's /etc/passwd (its root in the pod's share, as the host
 * bound it), as ps names users; the number when it has none. */
static void user_name(const struct ps_ctx *x, unsigned uid, char *out, size_t len)
{
	char path[4800];
	snprintf(out, len, "%u", uid);
	snprintf(path, sizeof(path), "/.berth-pod/%s/etc/passwd", x->id);
	if (ps_slurp(path, x->buf) <= 0)
		return;
	for (char *save = NULL, *l = strtok_r(x->buf, "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save)) {
		char name[64];
		unsigned u;
		if (sscanf(l, "%63[^:]:%*[^:]:%u:", name, &u) == 2 && u == uid) {
			snprintf(out, len, "%s", name);
			return;
		}
	}
}

/* [DD-]HH:MM:SS (TIME), or with short: [[DD-]HH:]MM:SS (ELAPSED). */
static void clock_text(unsigned long long secs, bool short_form, char *out, size_t len)
{
	unsigned long long d = secs / 86400, h = secs / 3600 % 24, m = secs / 60 % 60,
			   s = secs % 60;
	if (d)
		snprintf(out, len, "%llu-%02llu:%02llu:%02llu", d, h, m, s);
	else if (h || !short_form)
		snprintf(out, len, "%02llu:%02llu:%02llu", h, m, s);
	else
		snprintf(out, len, "%02llu:%02llu", m, s);
}

/* The BSD state: the letter, then < N s l + as procps adds them. */
static void stat_text(const struct proc *p, char *out)
{
	size_t n = 0;
	out[n++] = p->state;
	if (p->nice < 0)
		out[n++] = '<';
	else if (p->nice > 0)
		out[n++] = 'N';
	if (p->sid == p->pid)
		out[n++] = 's';
	if (p->nlwp > 1)
		out[n++] = 'l';
	if (p->tpgid > 0 && p->tpgid == p->pgrp)
		out[n++] = '+';
	out[n] = '\0';
}

/* The command line (its arguments joined by spaces), or [comm] when it has none. */
static void args_text(const struct ps_ctx *x, const struct proc *p, char *out, size_t len)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/cmdline", p->pid);
	ssize_t n = ps_slurp(path, x->buf);
	for (ssize_t i = 0; i + 1 < n; i++)
		if (!x->buf[i])
			x->buf[i] = ' ';
	if (n <= 0)
		snprintf(out, len, "[%s]", p->comm);
	else
		snprintf(out, len, "%s", x->buf);
}

/* A numeric field of p for key into out; false for another key. */
static bool field_num(const struct ps_ctx *x, const struct proc *p, const char *key, char *out,
		      size_t len)
{
	double run = x->uptime - (double)p->start / (double)x->hz;
	double cpu_s = (double)(p->ut + p->st) / (double)x->hz;
	static const char *const ints[] = {"pid", "ppid", "pgid", "sid", "ni", "pri", "nlwp"};
	long long iv[] = {p->pid, p->ppid, p->pgrp, p->sid, p->nice, p->prio, p->nlwp};
	for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++)
		if (!strcmp(key, ints[i]))
			return snprintf(out, len, "%lld", iv[i]), true;
	if (!strcmp(key, "uid"))
		snprintf(out, len, "%u", p->uid);
	else if (!strcmp(key, "gid"))
		snprintf(out, len, "%u", p->gid);
	else if (!strcmp(key, "c"))
		snprintf(out, len, "%d", run > 0 ? (int)(cpu_s * 100.0 / run) : 0);
	else if (!strcmp(key, "pcpu"))
		snprintf(out, len, "%.1f", run > 0 ? cpu_s * 100.0 / run : 0.0);
	else if (!strcmp(key, "pmem"))
		snprintf(out, len, "%.1f",
			 x->memtotal
			     ? (double)p->rss * (double)x->page * 100.0 / (double)x->memtotal
			     : 0.0);
	else if (!strcmp(key, "vsz"))
		snprintf(out, len, "%llu", p->vsize / 1024);
	else if (!strcmp(key, "rss"))
		snprintf(out, len, "%ld", p->rss * (x->page / 1024));
	else
		return false;
	return true;
}

/* One field of p for key into out (len bytes); false for a key the guest does not know. */
static bool field(const struct ps_ctx *x, const struct proc *p, const char *key, char *out,
		  size_t len)
{
	double run = x->uptime - (double)p->start / (double)x->hz;
	double cpu_s = (double)(p->ut + p->st) / (double)x->hz;
	time_t started = x->boot + (time_t)(p->start / (unsigned long long)x->hz);
	struct tm tm;
	if (field_num(x, p, key, out, len))
		return true;
	if (!strcmp(key, "user"))
		user_name(x, p->uid, out, len);
	else if (!strcmp(key, "tty")) {
		int major = p->tty >> 8 & 0xfff,
		    minor = (p->tty & 0xff) | ((p->tty >> 12) & 0xfff00);
		if (p->tty && major == 136)
			snprintf(out, len, "pts/%d", minor);
		else
			snprintf(out, len, "?");
	} else if (!strcmp(key, "stat"))
		stat_text(p, out);
	else if (!strcmp(key, "s"))
		snprintf(out, len, "%c", p->state);
	else if (!strcmp(key, "stime")) { /* HH:MM today, else MonDD, as procps */
		gmtime_r(&started, &tm);
		strftime(out, len, x->now - started < 86400 ? "%H:%M" : "%b%d", &tm);
	} else if (!strcmp(key, "time"))
		clock_text((unsigned long long)cpu_s, false, out, len);
	else if (!strcmp(key, "etime"))
		clock_text(run > 0 ? (unsigned long long)run : 0, true, out, len);
	else if (!strcmp(key, "comm"))
		snprintf(out, len, "%s", p->comm);
	else if (!strcmp(key, "args"))
		args_text(x, p, out, len);
	else
		return false;
	return true;
}

/* The spec's columns: keys and headers, split in place. Their number, or -1. */
static int columns(char *spec, char **keys, char **heads)
{
	int n = 0;
	for (char *save = NULL, *t = strtok_r(spec, ",", &save); t;
	     t = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(t, '=');
		if (!eq || n == PS_COLS_MAX)
			return -1;
		*eq = '\0';
		keys[n] = t;
		heads[n++] = eq + 1;
	}
	return n;
}

static void ctx_init(struct ps_ctx *x)
{
	x->hz = sysconf(_SC_CLK_TCK);
	if (x->hz <= 0)
		x->hz = 100;
	x->page = sysconf(_SC_PAGESIZE);
	if (x->page <= 0)
		x->page = 4096;
	if (ps_slurp("/proc/uptime", x->buf) > 0)
		x->uptime = strtod(x->buf, NULL);
	x->now = time(NULL);
	x->boot = x->now - (time_t)x->uptime;
	char *mt = ps_slurp("/proc/meminfo", x->buf) > 0 ? strstr(x->buf, "MemTotal:") : NULL;
	if (mt)
		x->memtotal = strtoull(mt + 9, NULL, 10) * 1024;
}

int ps_table(FILE *f, const char *id, const char *spec, const int *pids, size_t n)
{
	char *keys[PS_COLS_MAX], *heads[PS_COLS_MAX];
	char *s = strdup(spec ? spec
			      : "user=UID,pid=PID,ppid=PPID,c=C,stime=STIME,tty=TTY,time=TIME,"
				"args=CMD");
	struct ps_ctx x = {.id = id, .buf = malloc(PS_TEXT_MAX)};
	static char val[PS_TEXT_MAX];
	int nc = s && x.buf ? columns(s, keys, heads) : -1;
	if (nc <= 0) {
		fprintf(f, "bad ps columns\n");
		return -1;
	}
	ctx_init(&x);
	struct proc p = {0};
	for (int i = 0; i < nc; i++)
		if (!field(&x, &p, keys[i], val, sizeof(val))) {
			fprintf(f, "ps: unknown column %s\n", keys[i]);
			return -1;
		}
	for (int i = 0; i < nc; i++)
		fprintf(f, "%s%s", i ? " " : "", heads[i]);
	fputc('\n', f);
	for (size_t k = 0; k < n; k++) {
		if (proc_read(pids[k], &p, x.buf) < 0)
			continue; /* gone meanwhile */
		for (int i = 0; i < nc; i++) {
			field(&x, &p, keys[i], val, sizeof(val));
			fprintf(f, "%s%s", i ? " " : "", val);
		}
		fputc('\n', f);
	}
	free(x.buf);
	free(s);
	return 0;
}
