/* The plan's stages built side by side (see jobs.h). */
#include "build/jobs.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "image/store.h"
#include "util/child.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/xalloc.h"

#define RESULT_MAX (64u << 20) /* a stage's end state as JSON: mostly its image config */
#define NAME_MAX_  (64u << 10) /* an event's name (a step's title, an error's message) */
#define DATA_MAX   (4u << 20)  /* an event's data (a piece of a RUN's output) */

/* What a job sends on its pipe: frames of a header and two strings (name, data). An event
 * (FRAME_EVENT) is the builder's event as the job's steps make it, for the caller's printer;
 * the last frame (FRAME_RESULT) holds the stage's end state or its error as JSON in data. */
enum { FRAME_EVENT = 'E', FRAME_RESULT = 'R' };
struct frame {
	uint8_t type, kind, stream, pad;
	uint32_t step, name_len, data_len, line;
	double seconds;
	char image[72]; /* the event's image id, or "" */
};

struct job {
	pid_t pid;
	int fd; /* the pipe's read end */
	size_t stage;
	char *buf; /* what came and is not a whole frame yet */
	size_t len;
	char *result; /* the result frame's JSON, NUL-terminated */
	size_t result_len;
	bool broken; /* a frame out of bounds: the rest is not read */
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

static int send_frame(int fd, const struct frame *h, const char *name, const char *data)
{
	if (fs_write_all(fd, h, sizeof(*h)) < 0 || fs_write_all(fd, name, h->name_len) < 0)
		return -1;
	return fs_write_all(fd, data, h->data_len);
}

/* In the child: the builder's events go to the caller's printer through the pipe. */
static void forward_event(void *ctx, const struct bld_event *e)
{
	int fd = *(int *)ctx;
	size_t nlen = e->name ? strnlen(e->name, NAME_MAX_) : 0;
	size_t dlen = e->data ? e->len : 0;
	for (size_t off = 0;;) { /* output longer than a frame goes in several */
		size_t n = dlen - off < DATA_MAX ? dlen - off : DATA_MAX;
		struct frame h = {.type = FRAME_EVENT,
				  .kind = (uint8_t)e->kind,
				  .stream = (uint8_t)e->stream,
				  .step = e->step,
				  .name_len = (uint32_t)nlen,
				  .data_len = (uint32_t)n,
				  .line = e->line,
				  .seconds = e->seconds};
		if (e->image)
			snprintf(h.image, sizeof(h.image), "%s", e->image);
		if (send_frame(fd, &h, e->name ? e->name : "", e->data ? e->data + off : "") < 0)
			return; /* the builder is gone: the job ends at its next step */
		off += n;
		if (off >= dlen)
			return;
	}
}

/* In the child: build the stage, hand back its state or its error, and end. */
__attribute__((noreturn)) static void job_child(struct bld_build *b, size_t si, int fd)
{
	struct bld_opts o = *b->o;
	o.event = forward_event;
	o.ctx = &fd;
	b->o = &o;
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
	struct frame h = {.type = FRAME_RESULT, .data_len = text ? (uint32_t)strlen(text) : 0};
	bool sent = text && strlen(text) <= RESULT_MAX && send_frame(fd, &h, "", text) == 0;
	fflush(stderr);
	_exit(r == 0 && sent ? 0 : 1);
}

static int job_start(struct bld_build *b, struct job *run, size_t n_run, size_t si,
		     struct berr **err)
{
	fflush(stdout);
	fflush(stderr);
	pid_t parent = getpid();
	int fd;
	pid_t pid = child_fork_piped(&fd);
	if (pid < 0)
		return berr_set(err, (int)-pid, "fork a job for stage %s",
				b->plan->stages[si].name);
	if (pid == 0) {
		/* a killed build takes its jobs with it: they stop as on Ctrl-C */
		(void)prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != parent)
			(void)raise(SIGTERM);
		/* the other jobs' pipes are theirs: an open write end here would hide their EOF */
		for (size_t i = 0; i < n_run; i++)
			(void)close(run[i].fd);
		job_child(b, si, fd);
	}
	run[n_run] = (struct job){.pid = pid, .fd = fd, .stage = si};
	return 0;
}

/* The whole frames at the start of j->buf: events to the printer, the result kept. */
static void job_frames(struct bld_build *b, struct job *j)
{
	size_t off = 0;
	while (!j->broken && j->len - off >= sizeof(struct frame)) {
		struct frame h;
		memcpy(&h, j->buf + off, sizeof(h));
		h.image[sizeof(h.image) - 1] = '\0';
		bool result = h.type == FRAME_RESULT;
		if ((h.type != FRAME_EVENT && !result) || h.name_len > NAME_MAX_ ||
		    h.data_len > (result ? RESULT_MAX : DATA_MAX)) {
			j->broken = true; /* its result is then missing: the job failed */
			break;
		}
		size_t whole = sizeof(h) + h.name_len + h.data_len;
		if (j->len - off < whole)
			break;
		const char *name = j->buf + off + sizeof(h), *data = name + h.name_len;
		if (result) {
			free(j->result);
			j->result = xstrndup(data, h.data_len);
			j->result_len = h.data_len;
		} else if (b->o->event) {
			autofree char *n = xstrndup(name, h.name_len);
			struct bld_event e = {.kind = (enum bld_event_kind)h.kind,
					      .step = h.step,
					      .name = n,
					      .stream = h.stream,
					      .data = data,
					      .len = h.data_len,
					      .seconds = h.seconds,
					      .line = h.line,
					      .image = h.image[0] ? h.image : NULL};
			b->o->event(b->o->ctx, &e);
		}
		off += whole;
	}
	memmove(j->buf, j->buf + off, j->len - off);
	j->len -= off;
}

/* More of the job's frames: 1 at its end, 0 for more to come. */
static int job_read(struct bld_build *b, struct job *j)
{
	char chunk[65536];
	ssize_t n = read(j->fd, chunk, sizeof(chunk));
	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 0 : 1;
	if (n == 0)
		return 1;
	if (j->broken)
		return 0; /* drained until the job ends */
	j->buf = xrealloc(j->buf, j->len + (size_t)n);
	memcpy(j->buf + j->len, chunk, (size_t)n);
	j->len += (size_t)n;
	job_frames(b, j);
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
	json_t *res = j->result ? json_loadb(j->result, j->result_len, 0, NULL) : NULL;
	free(j->buf);
	free(j->result);
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
		if (!pf[i].revents || !job_read(b, &run[i]))
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
		for (size_t i = 0; i < p->n_order; i++) {
			int r = bld_stage_build(b, p->order[i], err);
			if (r < 0)
				return r;
		}
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
