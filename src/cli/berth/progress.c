/* Layer progress lines (see progress.h). */
#include "cli/berth/progress.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/berth/output.h"
#include "util/xalloc.h"

#define BAR_WIDTH 50

struct row {
	char id[16];
	char *status;
};

struct progress {
	FILE *f;
	bool quiet, tty;
	struct row *rows;
	size_t n;
	struct timespec last_draw;
};

struct progress *progress_new(FILE *f, bool quiet)
{
	struct progress *p = xzalloc(sizeof(*p));
	p->f = f;
	p->quiet = quiet;
	p->tty = isatty(fileno(f));
	return p;
}

void progress_free(struct progress *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n; i++)
		free(p->rows[i].status);
	free(p->rows);
	free(p);
}

void progress_note(struct progress *p, const char *fmt, ...)
{
	if (p->quiet)
		return;
	va_list ap;
	va_start(ap, fmt);
	vfprintf(p->f, fmt, ap);
	va_end(ap);
	fputc('\n', p->f);
	fflush(p->f);
	/* rows above a note are never redrawn */
	for (size_t i = 0; i < p->n; i++)
		free(p->rows[i].status);
	p->n = 0;
}

static char *bar(const char *status, int64_t done, int64_t total)
{
	char a[32], b[32];
	int fill = total > 0 ? (int)(done * BAR_WIDTH / total) : 0;
	if (fill > BAR_WIDTH)
		fill = BAR_WIDTH;
	char line[BAR_WIDTH + 1];
	for (int i = 0; i < BAR_WIDTH; i++)
		line[i] = i < fill - 1 ? '=' : i == fill - 1 ? '>' : ' ';
	line[BAR_WIDTH] = '\0';
	return xasprintf("%s [%s] %8s/%s", status, line, out_size(done, a), out_size(total, b));
}

/* Redraw row i in place: up to it, rewrite, back down. */
static void draw(struct progress *p, size_t i)
{
	size_t up = p->n - i;
	fprintf(p->f, "\033[%zuA\r\033[2K%s: %s\033[%zuB\r", up, p->rows[i].id, p->rows[i].status,
		up);
	fflush(p->f);
}

static bool too_soon(struct progress *p)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	long ms = (now.tv_sec - p->last_draw.tv_sec) * 1000 +
		  (now.tv_nsec - p->last_draw.tv_nsec) / 1000000;
	if (ms < 100)
		return true;
	p->last_draw = now;
	return false;
}

static void update(struct progress *p, const char *id, char *text, bool throttle)
{
	size_t i = 0;
	while (i < p->n && strcmp(p->rows[i].id, id))
		i++;
	if (throttle && i < p->n && too_soon(p)) {
		free(text);
		return;
	}
	if (i == p->n) {
		p->rows = xrealloc(p->rows, (p->n + 1) * sizeof(*p->rows));
		snprintf(p->rows[i].id, sizeof(p->rows[i].id), "%s", id);
		p->rows[i].status = text;
		p->n++;
		fprintf(p->f, "%s: %s\n", id, text);
		fflush(p->f);
		return;
	}
	free(p->rows[i].status);
	p->rows[i].status = text;
	draw(p, i);
}

void progress_set(struct progress *p, const char *id, const char *status)
{
	if (p->quiet)
		return;
	if (!p->tty) {
		fprintf(p->f, "%s: %s\n", id, status);
		fflush(p->f);
		return;
	}
	update(p, id, xstrdup(status), false);
}

void progress_bar(struct progress *p, const char *id, const char *status, int64_t done,
		  int64_t total)
{
	if (p->quiet || !p->tty)
		return;
	char a[32];
	update(p, id,
	       total > 0 ? bar(status, done, total) : xasprintf("%s %s", status, out_size(done, a)),
	       done < total || total <= 0);
}
