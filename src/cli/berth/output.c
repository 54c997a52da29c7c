/* Tables, sizes and times as Docker prints them (see output.h). */
#include "cli/berth/output.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/logs.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/timefmt.h"
#include "util/xalloc.h"

#define MIN_WIDTH 10
#define PADDING   3
#define MAX_COLS  32

struct table {
	char ***rows; /* each a NULL-terminated list of cells */
	size_t n;
};

struct table *table_new(void)
{
	return xzalloc(sizeof(struct table));
}

void table_row(struct table *t, const char *line)
{
	char **cells = xcalloc(MAX_COLS + 1, sizeof(char *));
	size_t n = 0;
	const char *p = line;
	for (;;) {
		const char *tab = strchr(p, '\t');
		if (!tab || n == MAX_COLS - 1) {
			cells[n++] = xstrdup(p);
			break;
		}
		cells[n++] = xstrndup(p, (size_t)(tab - p));
		p = tab + 1;
	}
	t->rows = xrealloc(t->rows, (t->n + 1) * sizeof(*t->rows));
	t->rows[t->n++] = cells;
}

/* Display width: UTF-8 continuation bytes take no column. */
static size_t width(const char *s)
{
	size_t w = 0;
	for (; *s; s++)
		w += ((unsigned char)*s & 0xc0) != 0x80;
	return w;
}

/* Go's tabwriter aligns a column over the run of rows that have it; Docker's rows all have the
 * same cells, so one width per column is the same thing. The last cell of a row is not
 * padded. */
void table_flush(struct table *t, FILE *f)
{
	size_t w[MAX_COLS] = {0};
	for (size_t r = 0; r < t->n; r++)
		for (size_t c = 0; t->rows[r][c]; c++)
			if (t->rows[r][c + 1] && width(t->rows[r][c]) + PADDING > w[c])
				w[c] = width(t->rows[r][c]) + PADDING;
	for (size_t r = 0; r < t->n; r++) {
		for (size_t c = 0; t->rows[r][c]; c++) {
			const char *cell = t->rows[r][c];
			fputs(cell, f);
			if (t->rows[r][c + 1]) {
				size_t col = w[c] < MIN_WIDTH ? MIN_WIDTH : w[c];
				for (size_t k = width(cell); k < col; k++)
					fputc(' ', f);
			}
			free(t->rows[r][c]);
		}
		fputc('\n', f);
		free(t->rows[r]);
	}
	free(t->rows);
	free(t);
}

const char *out_size(int64_t bytes, char buf[32])
{
	static const char *const units[] = {"B", "kB", "MB", "GB", "TB", "PB", "EB"};
	double v = (double)bytes;
	size_t u = 0;
	while (v >= 1000.0 && u < 6) {
		v /= 1000.0;
		u++;
	}
	snprintf(buf, 32, "%.3g%s", v, units[u]);
	return buf;
}

const char *out_duration(long secs, char buf[48])
{
	return timefmt_duration(secs, buf);
}

const char *out_since(time_t when, char buf[48])
{
	char d[48];
	out_duration((long)difftime(time(NULL), when), d);
	snprintf(buf, 48, "%.40s ago", d);
	return buf;
}

time_t out_parse_time(const char *s)
{
	return timefmt_parse(s);
}

const char *out_go_time(time_t when, char buf[48])
{
	struct tm tm;
	gmtime_r(&when, &tm);
	strftime(buf, 48, "%Y-%m-%d %H:%M:%S +0000 UTC", &tm);
	return buf;
}

int64_t out_when_ns(const char *s)
{
	if (!s || !*s)
		return 0;
	time_t t = out_parse_time(s);
	if (t)
		return (int64_t)t * 1000000000LL;
	size_t digits = strspn(s, "0123456789");
	if (digits && (!s[digits] ||
		       (s[digits] == '.' && !s[digits + 1 + strspn(s + digits + 1, "0123456789")])))
		return (int64_t)(strtod(s, NULL) * 1e9); /* a Unix time, as docker takes it */
	double total = 0;
	const char *p = s;
	while (*p) {
		char *end = NULL;
		double v = strtod(p, &end);
		if (end == p)
			return -1;
		double mult = *end == 'h' ? 3600 : *end == 'm' ? 60 : *end == 's' ? 1 : -1;
		if (mult < 0)
			return -1;
		total += v * mult;
		p = end + 1;
	}
	return ((int64_t)time(NULL) - (int64_t)total) * 1000000000LL;
}

void out_log_line(const struct eng_log_entry *e, void *ctx)
{
	const struct out_log_prefix *p = ctx;
	size_t len = strlen(e->text);
	bool nl = len && e->text[len - 1] == '\n';
	bool ts = p->timestamps && e->time;
	autofree char *out = xasprintf("%s%s%s%s%s", p->prefix, ts ? e->time : "", ts ? " " : "",
				       e->text, nl ? "" : "\n");
	(void)fs_write_all(e->stream == 2 ? STDERR_FILENO : STDOUT_FILENO, out, strlen(out));
}
