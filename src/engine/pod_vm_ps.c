/* `top MEMBER [ps options]` of a member of a pod of one VM (pod_vm.h): the guest runs no ps,
 * its agent writes ps's table from /proc (vm/guest/ps.c), so the options are read here as
 * procps reads them, for what `docker top` is given in practice: the process selection (-e,
 * -A, a, x: the member's processes are shown whatever it selects, as dockerd filters ps's
 * rows by the container's pids), the formats (-f, u, the defaults of UNIX and BSD options),
 * and -o/o lists (with KEY=HEADER renames). Anything else is refused, saying so. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/pod_vm.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/xalloc.h"

/* ps -o keys (procps's names and aliases) as the guest's keys, with procps's headers. */
static const struct {
	const char *name, *key, *head;
} ps_keys[] = {
    {"pid", "pid", "PID"},
    {"tgid", "pid", "TGID"},
    {"ppid", "ppid", "PPID"},
    {"pgid", "pgid", "PGID"},
    {"pgrp", "pgid", "PGRP"},
    {"sid", "sid", "SID"},
    {"sess", "sid", "SESS"},
    {"session", "sid", "SESS"},
    {"user", "user", "USER"},
    {"euser", "user", "EUSER"},
    {"uname", "user", "USER"},
    {"uid", "uid", "UID"},
    {"euid", "uid", "EUID"},
    {"gid", "gid", "GID"},
    {"egid", "gid", "EGID"},
    {"c", "c", "C"},
    {"%cpu", "pcpu", "%CPU"},
    {"pcpu", "pcpu", "%CPU"},
    {"%mem", "pmem", "%MEM"},
    {"pmem", "pmem", "%MEM"},
    {"vsz", "vsz", "VSZ"},
    {"vsize", "vsz", "VSZ"},
    {"rss", "rss", "RSS"},
    {"rssize", "rss", "RSS"},
    {"rsz", "rss", "RSZ"},
    {"tty", "tty", "TT"},
    {"tt", "tty", "TT"},
    {"tname", "tty", "TTY"},
    {"stat", "stat", "STAT"},
    {"s", "s", "S"},
    {"state", "s", "S"},
    {"ni", "ni", "NI"},
    {"nice", "ni", "NI"},
    {"pri", "pri", "PRI"},
    {"nlwp", "nlwp", "NLWP"},
    {"thcount", "nlwp", "THCNT"},
    {"stime", "stime", "STIME"},
    {"start_time", "stime", "START"},
    {"bsdstart", "stime", "START"},
    {"time", "time", "TIME"},
    {"cputime", "time", "TIME"},
    {"etime", "etime", "ELAPSED"},
    {"comm", "comm", "COMMAND"},
    {"ucmd", "comm", "CMD"},
    {"ucomm", "comm", "COMMAND"},
    {"fname", "comm", "COMMAND"},
    {"args", "args", "COMMAND"},
    {"command", "args", "COMMAND"},
    {"cmd", "args", "CMD"},
};

#define FMT_EF "user=UID,pid=PID,ppid=PPID,c=C,stime=STIME,tty=TTY,time=TIME,args=CMD"
#define FMT_E  "pid=PID,tty=TTY,time=TIME,comm=CMD"
#define FMT_U                                                                                      \
	"user=USER,pid=PID,pcpu=%CPU,pmem=%MEM,vsz=VSZ,rss=RSS,tty=TTY,stat=STAT,"                 \
	"stime=START,time=TIME,args=COMMAND"
#define FMT_BSD "pid=PID,tty=TTY,stat=STAT,time=TIME,args=COMMAND"

/* A header is a word of the table the guest writes and the host splits at blanks, one of
 * the "ps=" record's pieces (split at ','): any printable bytes but blanks, '=' and ':' too
 * (procps takes them: "pid=A=B:C" is headed "A=B:C"). procps's empty header (no header line
 * when all are) is not written by the guest's table: refused. */
static bool head_ok(const char *h)
{
	if (!*h)
		return false;
	for (; *h; h++)
		if ((unsigned char)*h <= ' ' || *h == 0x7f)
			return false;
	return true;
}

/* One -o list appended to cols: keys split at ',' or ' ', each KEY or KEY=HEADER. A header ends
 * at the next ',' as in procps-ng 4 (Debian 12's ps, in every PS_PERSONALITY): "pid=A,comm" is
 * two columns, A and COMMAND, and "pid=A,B" an unknown key B (ps(1) says the personality
 * may make "A,B" one header: none does in 4.0.2). */
static int add_list(char **cols, const char *list, struct berr **err)
{
	autofree char *l = xstrdup(list);
	for (char *save = NULL, *t = strtok_r(l, ", ", &save); t; t = strtok_r(NULL, ", ", &save)) {
		char *eq = strchr(t, '=');
		if (eq)
			*eq = '\0';
		size_t i = 0;
		while (i < sizeof(ps_keys) / sizeof(ps_keys[0]) && strcmp(ps_keys[i].name, t))
			i++;
		if (i == sizeof(ps_keys) / sizeof(ps_keys[0]))
			return berr_plain(
			    err, EINVAL,
			    "ps in a pod's VM: the format key '%s' is not supported "
			    "(pid, ppid, user, uid, comm, args, %%cpu, %%mem, vsz, rss, "
			    "tty, stat, stime, time, etime and their aliases are)",
			    t);
		if (eq && !head_ok(eq + 1))
			return berr_plain(
			    err, EINVAL, "ps in a pod's VM: a header must be a word: '%s'", eq + 1);
		char *c = xasprintf("%s%s%s=%s", *cols, **cols ? "," : "", ps_keys[i].key,
				    eq ? eq + 1 : ps_keys[i].head);
		free(*cols);
		*cols = c;
	}
	return 0;
}

struct ps_opts {
	bool full, bsd_user, bsd, unix_;
	char *cols; /* the -o lists' columns */
};

static int unsupported(const char *what, struct berr **err)
{
	return berr_plain(err, EINVAL,
			  "ps in a pod's VM: '%s' is not supported (the selections -e, -A, a, x; "
			  "-f, u and -o/o formats are)",
			  what);
}

/* One word of the arguments; *next: the word after it, taken by an -o without its list. */
static int ps_word(struct ps_opts *o, const char *w, const char *next, bool *took_next,
		   struct berr **err)
{
	bool unix_ = w[0] == '-';
	if (unix_ && w[1] == '-')
		return unsupported(w, err);
	for (const char *c = w + unix_; *c; c++) {
		if (*c == 'o') {
			const char *list = c[1] ? c + 1 : next;
			if (!list)
				return berr_plain(err, EINVAL, "ps: the format list is missing");
			*took_next = !c[1];
			return add_list(&o->cols, list, err);
		}
		if (unix_ && strchr("eAadNw", *c))
			o->unix_ = true;
		else if (unix_ && *c == 'f')
			o->full = o->unix_ = true;
		else if (!unix_ && strchr("axw", *c))
			o->bsd = true;
		else if (!unix_ && *c == 'u')
			o->bsd_user = o->bsd = true;
		else {
			char bad[3] = {unix_ ? '-' : *c, unix_ ? *c : '\0', '\0'};
			return unsupported(bad, err);
		}
	}
	return 0;
}

char *eng_pod_vm_ps_columns(const char *ps_args, struct berr **err)
{
	autofree char *a = xstrdup(ps_args ? ps_args : "");
	char *words[64];
	size_t n = 0;
	for (char *save = NULL, *t = strtok_r(a, " \t", &save); t && n < 64;
	     t = strtok_r(NULL, " \t", &save))
		words[n++] = t;
	struct ps_opts o = {.cols = xstrdup("")};
	for (size_t i = 0; i < n; i++) {
		bool took = false;
		if (ps_word(&o, words[i], i + 1 < n ? words[i + 1] : NULL, &took, err) < 0) {
			free(o.cols);
			return NULL;
		}
		i += took;
	}
	if (*o.cols)
		return o.cols;
	free(o.cols);
	if (o.bsd_user)
		return xstrdup(FMT_U);
	if (o.full || !n)
		return xstrdup(FMT_EF);
	return xstrdup(o.bsd && !o.unix_ ? FMT_BSD : FMT_E);
}
