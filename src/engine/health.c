/* Health checks in the monitor (see health.h). */
#include "engine/health.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "runtime/container.h"
#include "runtime/spec.h"
#include "util/child.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/json.h"
#include "util/timefmt.h"
#include "util/xalloc.h"
#include "vm/guestcfg.h"
#include "vm/session.h"

#define OUTPUT_MAX 4096
#define LOG_KEEP   5
#define SEC        1000000000LL

struct eng_health {
	char **test; /* the command to exec */
	int64_t interval, timeout, start_period;
	int retries;
	char *rtroot, *id;
	char *attach, *config; /* by session (a VM's), or NULL */
	int64_t started_at, next_at, check_started;
	pid_t pid;
	int out;
	char output[OUTPUT_MAX + 1];
	size_t output_len;
};

int64_t eng_duration_ns(const char *s)
{
	if (!s || !*s)
		return -1;
	double total = 0;
	const char *p = s;
	while (*p) {
		char *end = NULL;
		double v = strtod(p, &end);
		if (end == p || v < 0)
			return -1;
		double unit;
		if (!strncmp(end, "ms", 2))
			unit = 1e6, end += 2;
		else if (!strncmp(end, "us", 2))
			unit = 1e3, end += 2;
		else if (!strncmp(end, "ns", 2))
			unit = 1, end += 2;
		else if (*end == 's')
			unit = 1e9, end++;
		else if (*end == 'm')
			unit = 60e9, end++;
		else if (*end == 'h')
			unit = 3600e9, end++;
		else
			return -1;
		total += v * unit;
		p = end;
	}
	return (int64_t)total;
}

static int64_t now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * SEC + t.tv_nsec;
}

static int64_t or_default(json_t *v, int64_t def)
{
	int64_t n = json_integer_value(v);
	return n > 0 ? n : def;
}

struct eng_health *eng_health_new(json_t *hc, const char *rtroot, const char *id)
{
	json_t *test = json_object_get(hc, "Test");
	const char *kind = json_string_value(json_array_get(test, 0));
	if (!kind || !strcmp(kind, "NONE") || json_array_size(test) < 2)
		return NULL;
	struct eng_health *h = xzalloc(sizeof(*h));
	size_t n = json_array_size(test);
	h->test = xcalloc(n + 3, sizeof(char *));
	if (!strcmp(kind, "CMD-SHELL")) {
		h->test[0] = xstrdup("/bin/sh");
		h->test[1] = xstrdup("-c");
		h->test[2] = xstrdup(json_string_value(json_array_get(test, 1)) ?: "");
	} else {
		for (size_t i = 1; i < n; i++)
			h->test[i - 1] = xstrdup(json_string_value(json_array_get(test, i)) ?: "");
	}
	/* Docker's defaults: 30 s interval and timeout, 3 retries */
	h->interval = or_default(json_object_get(hc, "Interval"), 30 * SEC);
	h->timeout = or_default(json_object_get(hc, "Timeout"), 30 * SEC);
	h->start_period = or_default(json_object_get(hc, "StartPeriod"), 0);
	h->retries = (int)or_default(json_object_get(hc, "Retries"), 3);
	h->rtroot = xstrdup(rtroot);
	h->id = xstrdup(id);
	h->out = -1;
	return h;
}

void eng_health_free(struct eng_health *h)
{
	if (!h)
		return;
	if (h->pid > 0)
		kill(h->pid, SIGKILL);
	if (h->out >= 0)
		close(h->out);
	strv_free(h->test);
	free(h->attach);
	free(h->config);
	free(h->rtroot);
	free(h->id);
	free(h);
}

static json_t *health_of(json_t *state)
{
	json_t *hs = json_object_get(state, "Health");
	if (!json_is_object(hs)) {
		hs = json_pack("{s:s, s:i, s:[]}", "Status", "starting", "FailingStreak", 0, "Log");
		json_object_set_new(state, "Health", hs);
	}
	return hs;
}

void eng_health_start(struct eng_health *h, json_t *state)
{
	h->started_at = now_ns();
	h->next_at = h->started_at + h->interval;
	json_object_set_new(
	    state, "Health",
	    json_pack("{s:s, s:i, s:[]}", "Status", "starting", "FailingStreak", 0, "Log"));
}

int eng_health_wait_ms(const struct eng_health *h)
{
	if (!h)
		return -1;
	int64_t due = h->pid > 0 ? h->check_started + h->timeout : h->next_at;
	int64_t left = due - now_ns();
	return left <= 0 ? 0 : (int)(left / 1000000 + 1);
}

int eng_health_fd(const struct eng_health *h)
{
	return h ? h->out : -1;
}

void eng_health_by_session(struct eng_health *h, const char *attach_path, const char *config)
{
	if (!h)
		return;
	h->attach = xstrdup(attach_path);
	h->config = xstrdup(config);
}

/* The check itself: the container's own process settings with the test as its args. */
static void run_check(struct eng_health *h, int out)
{
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	dup2(null, 0);
	dup2(out, 1);
	dup2(out, 2);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	struct rt_spec *spec = h->attach ? rt_spec_load(h->config, NULL, NULL)
					 : rt_container_spec(h->rtroot, h->id, NULL);
	if (!spec || !spec->process)
		_exit(125);
	struct rt_process *p = spec->process;
	strv_free(p->args);
	p->args = strv_dup(h->test);
	p->terminal = false;
	if (h->attach) {
		/* the monitor kills us at the timeout: the guest's process a little before */
		int64_t ms = h->timeout / 1000000;
		ms -= ms / 10 < 200 ? ms / 10 : 200;
		size_t len = 0;
		char *recs = vm_guest_process(p, &len);
		signal(SIGPIPE, SIG_IGN);
		_exit(vm_session_run(h->attach, recs, len, 1, ms > 0 ? (int)ms : 1));
	}
	struct rt_exec_opts eo = {.root = h->rtroot, .id = h->id, .process = p};
	int status = 0;
	struct berr *err = NULL;
	if (rt_container_exec(&eo, &status, &err) < 0) {
		char *msg = berr_string(err);
		dprintf(2, "%s\n", msg);
		_exit(126);
	}
	_exit(status);
}

static void start_check(struct eng_health *h)
{
	int fd;
	pid_t pid = child_fork_piped(&fd);
	if (pid == 0)
		run_check(h, fd);
	if (pid < 0)
		return;
	(void)fcntl(fd, F_SETFL, O_NONBLOCK);
	h->pid = pid;
	h->out = fd;
	h->output_len = 0;
	h->check_started = now_ns();
}

static void read_output(struct eng_health *h)
{
	char buf[1024];
	ssize_t n;
	while (h->out >= 0 && (n = read(h->out, buf, sizeof(buf))) > 0) {
		size_t room = OUTPUT_MAX - h->output_len;
		size_t take = (size_t)n < room ? (size_t)n : room;
		memcpy(h->output + h->output_len, buf, take);
		h->output_len += take;
	}
}

bool eng_health_tick(struct eng_health *h, json_t *state)
{
	if (!h)
		return false;
	read_output(h);
	int64_t now = now_ns();
	if (h->pid > 0 && now - h->check_started > h->timeout) {
		kill(h->pid, SIGKILL); /* reaped as a failure */
		const char *note = "\nhealth check exceeded its timeout\n";
		size_t n = strlen(note);
		if (h->output_len + n <= OUTPUT_MAX) {
			memcpy(h->output + h->output_len, note, n);
			h->output_len += n;
		}
	}
	if (h->pid <= 0 && now >= h->next_at)
		start_check(h);
	(void)health_of(state);
	return false;
}

bool eng_health_reaped(struct eng_health *h, pid_t pid, int status, json_t *state)
{
	if (!h || pid != h->pid)
		return false;
	read_output(h);
	if (h->out >= 0)
		close(h->out);
	h->out = -1;
	h->pid = 0;
	int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	json_t *hs = health_of(state);
	int streak = (int)json_integer_value(json_object_get(hs, "FailingStreak"));
	bool in_start = now_ns() - h->started_at < h->start_period;
	if (code == 0) {
		streak = 0;
		json_object_set_new(hs, "Status", json_string("healthy"));
	} else if (!in_start) {
		streak++;
		if (streak >= h->retries)
			json_object_set_new(hs, "Status", json_string("unhealthy"));
	}
	json_object_set_new(hs, "FailingStreak", json_integer(streak));
	char end[40];
	timefmt_now(end);
	h->output[h->output_len] = '\0';
	json_t *log = json_object_get(hs, "Log");
	json_array_append_new(log, json_pack("{s:s, s:s, s:i, s:s%}", "Start", end, "End", end,
					     "ExitCode", code, "Output", h->output, h->output_len));
	while (json_array_size(log) > LOG_KEEP)
		json_array_remove(log, 0);
	h->next_at = now_ns() + h->interval;
	return true;
}
