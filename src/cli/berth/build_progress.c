/* `berth build`'s progress (see build_progress.h). */
#include "cli/berth/build_progress.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "util/xalloc.h"

#define LOG_MAX  (64u << 10) /* output kept a step: what -q and tty show of a failed one */
#define TAIL     6           /* tty: output lines shown under a step under way */
#define REDRAW_S 0.1         /* tty: output redraws the view at most this often */

enum status { RUNNING, DONE, CACHED, FAILED, CANCELED };

struct step {
	unsigned n;
	char *name;
	enum status status;
	double start, seconds;
	char *line; /* the output's unfinished line */
	size_t line_len;
	char *log; /* the output so far, the first LOG_MAX bytes */
	size_t log_len;
	char *tail[TAIL]; /* tty: the last whole lines, oldest first */
	unsigned n_tail;
	char *error;
};

struct build_progress {
	enum build_progress_mode mode;
	double start, drawn_at;
	struct step *steps;
	size_t n;
	unsigned drawn; /* tty: lines of the frame on screen */
	char **warnings;
	size_t n_warnings;
};

static double mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int build_progress_mode(const char *flag, bool quiet)
{
	const char *m = flag ? flag : getenv("BUILDKIT_PROGRESS");
	if (quiet || (m && !strcmp(m, "quiet")))
		return BUILD_PROGRESS_QUIET;
	if (m && !strcmp(m, "plain"))
		return BUILD_PROGRESS_PLAIN;
	if (m && !strcmp(m, "tty"))
		return BUILD_PROGRESS_TTY;
	if (m && *m && strcmp(m, "auto")) {
		if (flag)
			return -1;
		m = NULL; /* an unknown BUILDKIT_PROGRESS is auto */
	}
	const char *term = getenv("TERM");
	return isatty(STDERR_FILENO) && !(term && !strcmp(term, "dumb")) ? BUILD_PROGRESS_TTY
									 : BUILD_PROGRESS_PLAIN;
}

struct build_progress *build_progress_new(enum build_progress_mode mode)
{
	struct build_progress *p = xzalloc(sizeof(*p));
	p->mode = mode;
	p->start = mono();
	return p;
}

static struct step *step_of(struct build_progress *p, unsigned n)
{
	for (size_t i = p->n; i-- > 0;)
		if (p->steps[i].n == n)
			return &p->steps[i];
	p->steps = xrealloc(p->steps, (p->n + 1) * sizeof(*p->steps));
	struct step *s = &p->steps[p->n++];
	*s = (struct step){.n = n, .name = xstrdup(""), .start = mono()};
	return s;
}

/* ---- what a step's output becomes ---- */

static void tail_add(struct step *s, const char *line, size_t len)
{
	if (s->n_tail == TAIL) {
		free(s->tail[0]);
		memmove(s->tail, s->tail + 1, (TAIL - 1) * sizeof(*s->tail));
		s->n_tail--;
	}
	s->tail[s->n_tail++] = xstrndup(line, len);
}

/* A whole line of the step's output: printed (plain), kept for the view (tty). */
static void line_done(struct build_progress *p, struct step *s)
{
	if (p->mode == BUILD_PROGRESS_PLAIN)
		fprintf(stderr, "#%u %.3f %.*s\n", s->n, mono() - s->start, (int)s->line_len,
			s->line);
	else if (p->mode == BUILD_PROGRESS_TTY)
		tail_add(s, s->line, s->line_len);
	s->line_len = 0;
}

static void flush_line(struct build_progress *p, struct step *s)
{
	if (s->line_len)
		line_done(p, s);
}

static void output(struct build_progress *p, struct step *s, const char *data, size_t len)
{
	size_t keep = s->log_len < LOG_MAX ? LOG_MAX - s->log_len : 0;
	if (keep > len)
		keep = len;
	if (keep) {
		s->log = xrealloc(s->log, s->log_len + keep + 1);
		memcpy(s->log + s->log_len, data, keep);
		s->log_len += keep;
	}
	for (size_t i = 0; i < len; i++) {
		if (data[i] == '\n') {
			line_done(p, s);
			continue;
		}
		s->line = xrealloc(s->line, s->line_len + 1);
		s->line[s->line_len++] = data[i];
	}
}

/* ---- the tty view ---- */

static void term_size(unsigned *cols, unsigned *rows)
{
	struct winsize w = {0};
	bool ok = ioctl(STDERR_FILENO, TIOCGWINSZ, &w) == 0;
	*cols = ok && w.ws_col >= 20 ? w.ws_col : 80;
	*rows = ok && w.ws_row >= 5 ? w.ws_row : 24;
}

/* s (len bytes) cut to width columns (a byte a column; control characters as spaces, a UTF-8
 * sequence never split) into out. */
static void fit(char *out, size_t width, const char *s, size_t len)
{
	size_t n = len < width ? len : width;
	while (n < len && n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	for (size_t i = 0; i < n; i++)
		out[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? ' ' : s[i];
	out[n] = '\0';
}

struct frame {
	char **lines;
	size_t n;
};

static void frame_add(struct frame *f, char *line)
{
	f->lines = xrealloc(f->lines, (f->n + 1) * sizeof(*f->lines));
	f->lines[f->n++] = line;
}

static const char *status_word(enum status st)
{
	switch (st) {
	case CACHED:
		return "CACHED ";
	case FAILED:
		return "ERROR ";
	case CANCELED:
		return "CANCELED ";
	default:
		return "";
	}
}

/* One step's line: " => [CACHED ]name ...  1.2s", name cut to fit. */
static char *step_line(const struct step *s, unsigned cols, double now)
{
	double t = s->status == RUNNING ? now - s->start : s->seconds;
	char time[32];
	int tl = snprintf(time, sizeof(time), " %.1fs", t);
	const char *word = status_word(s->status);
	size_t fixed = (size_t)tl + 4 + strlen(word);
	size_t room = cols - 1 > fixed ? cols - 1 - fixed : 0;
	char *name = xmalloc(room + 1);
	fit(name, room, s->name, strlen(s->name));
	size_t pad = room - strlen(name);
	char *line = xasprintf(" => %s%s%*s%s", word, name, (int)pad, "", time);
	free(name);
	return line;
}

static void draw(struct build_progress *p, const char *end)
{
	unsigned cols, rows;
	term_size(&cols, &rows);
	double now = mono();
	size_t done = 0;
	for (size_t i = 0; i < p->n; i++)
		done += p->steps[i].status != RUNNING;
	struct frame f = {0};
	frame_add(&f, xasprintf("[+] Building %.1fs (%zu/%zu)%s", now - p->start, done, p->n,
				end ? end : ""));
	for (size_t i = 0; i < p->n; i++) {
		const struct step *s = &p->steps[i];
		frame_add(&f, step_line(s, cols, now));
		if (s->status != RUNNING)
			continue;
		for (unsigned k = 0; k < s->n_tail; k++) {
			char *l = xmalloc(cols + 1);
			fit(l, cols > 13 ? cols - 13 : 0, s->tail[k], strlen(s->tail[k]));
			frame_add(&f, xasprintf(" => => # %s", l));
			free(l);
		}
	}
	/* what fits on the screen: the header, then the last lines */
	size_t from = f.n > rows - 1 ? f.n - (rows - 2) : 1;
	if (p->drawn)
		fprintf(stderr, "\x1b[%uA", p->drawn);
	fprintf(stderr, "\r\x1b[J%s\n", f.lines[0]);
	for (size_t i = from; i < f.n; i++)
		fprintf(stderr, "%s\n", f.lines[i]);
	p->drawn = (unsigned)(1 + f.n - from);
	for (size_t i = 0; i < f.n; i++)
		free(f.lines[i]);
	free(f.lines);
	p->drawn_at = now;
	fflush(stderr);
}

/* ---- events ---- */

static void plain_event(struct step *s, const struct bld_event *e)
{
	switch (e->kind) {
	case BLD_EV_STEP:
		fprintf(stderr, "#%u %s\n", s->n, e->name);
		break;
	case BLD_EV_CACHED:
		fprintf(stderr, "#%u CACHED\n\n", s->n);
		break;
	case BLD_EV_DONE:
		fprintf(stderr, "#%u DONE %.1fs\n\n", s->n, e->seconds);
		break;
	case BLD_EV_ERROR:
		fprintf(stderr, "#%u ERROR: %s\n\n", s->n, e->name);
		break;
	case BLD_EV_CANCELED:
		fprintf(stderr, "#%u CANCELED\n\n", s->n);
		break;
	default:
		break;
	}
}

void build_progress_event(void *ctx, const struct bld_event *e)
{
	struct build_progress *p = ctx;
	if (e->kind == BLD_EV_WARNING) {
		if (p->mode == BUILD_PROGRESS_TTY) {
			p->warnings = xrealloc(p->warnings, (p->n_warnings + 1) * sizeof(char *));
			p->warnings[p->n_warnings++] = xstrdup(e->name);
		} else {
			fprintf(stderr, "[Warning] %s\n", e->name);
		}
		return;
	}
	struct step *s = step_of(p, e->step);
	switch (e->kind) {
	case BLD_EV_STEP:
		free(s->name);
		s->name = xstrdup(e->name);
		s->start = mono();
		break;
	case BLD_EV_OUTPUT:
		output(p, s, e->data, e->len);
		break;
	default: /* the step's end */
		flush_line(p, s);
		s->seconds = e->seconds;
		s->status = e->kind == BLD_EV_CACHED  ? CACHED
			    : e->kind == BLD_EV_DONE  ? DONE
			    : e->kind == BLD_EV_ERROR ? FAILED
						      : CANCELED;
		if (e->kind == BLD_EV_ERROR) {
			free(s->error);
			s->error = xstrdup(e->name);
		}
		break;
	}
	if (p->mode == BUILD_PROGRESS_PLAIN)
		plain_event(s, e);
	else if (p->mode == BUILD_PROGRESS_QUIET && e->kind == BLD_EV_ERROR && s->log_len)
		fprintf(stderr, "%.*s", (int)s->log_len, s->log); /* -q: the failed step's output */
	else if (p->mode == BUILD_PROGRESS_TTY &&
		 (e->kind != BLD_EV_OUTPUT || mono() - p->drawn_at >= REDRAW_S))
		draw(p, NULL);
	fflush(stderr);
}

void build_progress_end(struct build_progress *p, bool ok)
{
	if (p->mode != BUILD_PROGRESS_TTY)
		return;
	draw(p, ok ? " FINISHED" : "");
	for (size_t i = 0; i < p->n; i++) {
		const struct step *s = &p->steps[i];
		if (s->status != FAILED)
			continue;
		/* as BuildKit: the failed step's output between rules, its last lines */
		fprintf(stderr, "------\n > %s:\n", s->name);
		size_t from = 0, lines = 0;
		for (size_t k = s->log_len; k-- > 0;)
			if (s->log[k] == '\n' && ++lines > 20) {
				from = k + 1;
				break;
			}
		for (size_t k = from; k < s->log_len;) {
			size_t e = k;
			while (e < s->log_len && s->log[e] != '\n')
				e++;
			fprintf(stderr, "#%u %.*s\n", s->n, (int)(e - k), s->log + k);
			k = e + 1;
		}
		fprintf(stderr, "------\n");
	}
	for (size_t i = 0; i < p->n_warnings; i++)
		fprintf(stderr, "[Warning] %s\n", p->warnings[i]);
	fflush(stderr);
}

void build_progress_free(struct build_progress *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n; i++) {
		struct step *s = &p->steps[i];
		free(s->name);
		free(s->line);
		free(s->log);
		free(s->error);
		for (unsigned k = 0; k < s->n_tail; k++)
			free(s->tail[k]);
	}
	free(p->steps);
	for (size_t i = 0; i < p->n_warnings; i++)
		free(p->warnings[i]);
	free(p->warnings);
	free(p);
}
