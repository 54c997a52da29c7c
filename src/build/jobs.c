/* The plan's stages built side by side (see jobs.h). */
#include "build/jobs.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "image/store.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/xalloc.h"

#define RESULT_MAX (64u << 20) /* a stage's end state as JSON: mostly its image config */

struct job {
	pid_t pid;
	int fd; /* the result pipe's read end */
	size_t stage;
	char *buf;
	size_t len;
};

/* ---- a stage's end state, across the pipe ---- */

/* A JSON array of strings as a NULL-terminated vector and its length; -1 if it is not one. */
static int strv_take(json_t *j, const char *key, char ***out_v, size_t *out_n)
{
	char **v = NULL;
	if (json_opt_strv(j, "", key, &v, NULL) <= 0)
		return -1;
	*out_v = v;
	*out_n = strv_len(v);
	return 0;
}

static json_t *state_json(const struct bld_state *st)
{
	const struct bld_vars *v = &st->vars;
	return json_pack("{s:s, s:O, s:o, s:o, s:o, s:b}", "id", st->id, "config",
			 st->config ? st->config : json_null(), "env",
			 json_strv(v->env.vars, v->env.n), "image_env",
			 json_strv(v->config.vars, v->config.n), "args",
			 json_strv(v->arg_names, v->n_arg_names), "cmd_set", st->cs.cmd_set);
}

/* The state a job handed back becomes stage si's, as if built here. */
static int state_take(struct bld_build *b, size_t si, json_t *j, struct berr **err)
{
	struct bld_state *st = &b->states[si];
	const char *id = json_string_value(json_object_get(j, "id"));
	json_t *config = json_object_get(j, "config");
	struct bld_vars v = {.plan = b->plan};
	if (!id || strlen(id) > BLD_ID_LEN || !json_is_object(config) ||
	    strv_take(j, "env", &v.env.vars, &v.env.n) < 0 ||
	    strv_take(j, "image_env", &v.config.vars, &v.config.n) < 0 ||
	    strv_take(j, "args", &v.arg_names, &v.n_arg_names) < 0) {
		bld_vars_clear(&v);
		return berr_plain(err, EPROTO, "stage %s: a malformed result from its job",
				  b->plan->stages[si].name);
	}
	strcpy(st->id, id);
	json_decref(st->config);
	st->config = json_incref(config);
	bld_vars_clear(&st->vars);
	st->vars = v;
	st->cs.cmd_set = json_is_true(json_object_get(j, "cmd_set"));
	st->done = true;
	return 0;
}

/* ---- a job ---- */

/* In the child: build the stage, hand back its state or its error, and end. */
__attribute__((noreturn)) static void job_child(struct bld_build *b, size_t si, int fd)
{
	struct berr *err = NULL;
	int r = img_store_fork(b->is, &err);
	if (r == 0)
		r = bld_stage_build(b, si, &err);
	json_t *res;
	if (r == 0) {
		res = state_json(&b->states[si]);
	} else {
		autofree char *msg = berr_string(err);
		res = json_pack("{s:i, s:s}", "code", berr_code(err) ? berr_code(err) : EIO,
				"error", msg);
	}
	autofree char *text = json_dumps(res, JSON_COMPACT);
	bool sent = text && fs_write_all(fd, text, strlen(text)) == 0;
	fflush(stderr);
	_exit(r == 0 && sent ? 0 : 1);
}

static int job_start(struct bld_build *b, struct job *run, size_t n_run, size_t si,
		     struct berr **err)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return berr_set(err, errno, "pipe");
	fflush(stdout);
	fflush(stderr);
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		(void)close(p[0]);
		(void)close(p[1]);
		return berr_set(err, e, "fork a job for stage %s", b->plan->stages[si].name);
	}
	if (pid == 0) {
		/* a killed build takes its jobs with it: they stop as on Ctrl-C */
		(void)prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != parent)
			(void)raise(SIGTERM);
		/* the other jobs' pipes are theirs: an open write end here would hide their EOF */
		(void)close(p[0]);
		for (size_t i = 0; i < n_run; i++)
			(void)close(run[i].fd);
		job_child(b, si, p[1]);
	}
	(void)close(p[1]);
	run[n_run] = (struct job){.pid = pid, .fd = p[0], .stage = si};
	return 0;
}

/* More of the job's result: 1 at its end, 0 for more to come. */
static int job_read(struct job *j)
{
	char chunk[65536];
	ssize_t n = read(j->fd, chunk, sizeof(chunk));
	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 0 : 1;
	if (n == 0)
		return 1;
	if (j->len + (size_t)n > RESULT_MAX)
		return 1; /* cut short: its result will not parse */
	j->buf = xrealloc(j->buf, j->len + (size_t)n);
	memcpy(j->buf + j->len, chunk, (size_t)n);
	j->len += (size_t)n;
	return 0;
}

/* The job has ended (its pipe at EOF): waited for, its result taken into b. */
static int job_finish(struct bld_build *b, struct job *j, struct berr **err)
{
	int status = 0;
	while (waitpid(j->pid, &status, 0) < 0 && errno == EINTR)
		;
	(void)close(j->fd);
	const char *name = b->plan->stages[j->stage].name;
	json_t *res = j->len ? json_loadb(j->buf, j->len, 0, NULL) : NULL;
	free(j->buf);
	int r;
	const char *msg = json_string_value(json_object_get(res, "error"));
	if (msg) {
		int code = (int)json_integer_value(json_object_get(res, "code"));
		r = berr_plain(err, code > 0 ? code : EIO, "%s", msg);
	} else if (res && WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		r = state_take(b, j->stage, res, err);
	} else if (WIFSIGNALED(status)) {
		r = berr_plain(err, EIO, "the job building stage %s was killed by signal %d", name,
			       WTERMSIG(status));
	} else {
		r = berr_plain(err, EIO, "the job building stage %s ended without a result", name);
	}
	json_decref(res);
	return r;
}

/* ---- the schedule ---- */

static bool ready(const struct bld_build *b, size_t si)
{
	const struct bld_plan_stage *ps = &b->plan->stages[si];
	for (size_t i = 0; i < ps->n_wait_for; i++)
		if (!b->states[ps->wait_for[i]].done)
			return false;
	return true;
}

static bool stopped(const struct bld_build *b)
{
	return b->o->interrupted && *b->o->interrupted;
}

/* The stages that may start now, in plan order, into out (n_order long); their number. */
static size_t ready_now(const struct bld_build *b, const bool *started, size_t *out)
{
	size_t n = 0;
	for (size_t i = 0; i < b->plan->n_order; i++) {
		size_t si = b->plan->order[i];
		if (!started[si] && ready(b, si))
			out[n++] = si;
	}
	return n;
}

/* Wait for one job to end; 1 when one did (it is removed from run), 0 on a signal. */
static int wait_one(struct bld_build *b, struct job *run, size_t *n_run, struct berr **err, int *r)
{
	autofree struct pollfd *pf = xcalloc(*n_run, sizeof(*pf));
	for (size_t i = 0; i < *n_run; i++)
		pf[i] = (struct pollfd){.fd = run[i].fd, .events = POLLIN};
	if (poll(pf, *n_run, -1) < 0)
		return 0; /* EINTR: the caller looks at the interrupt flag */
	for (size_t i = 0; i < *n_run; i++) {
		if (!pf[i].revents || !job_read(&run[i]))
			continue;
		struct berr *e = NULL;
		int jr = job_finish(b, &run[i], &e);
		if (jr < 0 && *r == 0) { /* the first failure is the build's */
			*err = e;
			*r = jr;
		} else {
			berr_free(e);
		}
		run[i] = run[--*n_run];
		return 1;
	}
	return 0;
}

static void tell_all(struct job *run, size_t n_run)
{
	for (size_t i = 0; i < n_run; i++)
		(void)kill(run[i].pid, SIGTERM);
}

int bld_jobs_build(struct bld_build *b, unsigned jobs, struct berr **err)
{
	const struct bld_plan *p = b->plan;
	if (jobs <= 1) {
		for (size_t i = 0; i < p->n_order; i++)
			if (bld_stage_build(b, p->order[i], err) < 0)
				return -EIO;
		return 0;
	}
	autofree bool *started = xcalloc(p->n_stages, sizeof(*started));
	autofree size_t *can = xcalloc(p->n_order + 1, sizeof(*can));
	autofree struct job *run = xcalloc(jobs, sizeof(*run));
	size_t n_run = 0, n_started = 0;
	bool told = false;
	int r = 0;
	while (n_run || (r == 0 && n_started < p->n_order)) {
		if (r == 0 && stopped(b))
			r = berr_plain(err, EINTR, "the build was interrupted");
		if (r < 0 && n_run && !told) {
			tell_all(run, n_run);
			told = true;
		}
		size_t n_can = r == 0 ? ready_now(b, started, can) : 0;
		if (n_can == 1 && n_run == 0) { /* alone: no child needed */
			started[can[0]] = true;
			n_started++;
			r = bld_stage_build(b, can[0], err);
			continue;
		}
		for (size_t i = 0; i < n_can && n_run < jobs && r == 0; i++) {
			r = job_start(b, run, n_run, can[i], err);
			if (r == 0) {
				started[can[i]] = true;
				n_started++;
				n_run++;
			}
		}
		assert(n_run || r < 0 || n_started == p->n_order); /* the order respects wait_for */
		if (n_run)
			(void)wait_one(b, run, &n_run, err, &r);
	}
	return r;
}
