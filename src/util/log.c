/* The process-wide log sink (the one global STYLE.md allows besides cli's options). */
#include "util/log.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static int log_fd = -1;
static enum log_format log_fmt = LOG_FORMAT_TEXT;
static enum log_level log_lvl = LOG_LEVEL_WARN;

void log_setup(int fd, enum log_format format, enum log_level level)
{
	log_fd = fd;
	log_fmt = format;
	log_lvl = level;
}

enum log_level log_get_level(void)
{
	return log_lvl;
}

int log_get_fd(void)
{
	return log_fd < 0 ? 2 : log_fd;
}

static const char *level_name(enum log_level level)
{
	static const char *const names[] = {"error", "warning", "info", "debug"};
	return names[level];
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	if (level > log_lvl)
		return;
	char msg[4096];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);

	struct timeval tv;
	gettimeofday(&tv, NULL);
	struct tm tm;
	gmtime_r(&tv.tv_sec, &tm);
	char ts[64];
	snprintf(ts, sizeof(ts), "%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (long)tv.tv_usec);

	char *line = NULL;
	int n;
	if (log_fmt == LOG_FORMAT_JSON) {
		/* runc's shape: {"level":"error","msg":"...","time":"..."}; containerd parses it.
		 */
		json_t *o =
		    json_pack("{s:s,s:s,s:s}", "level", level_name(level), "msg", msg, "time", ts);
		char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
		json_decref(o);
		n = asprintf(&line, "%s\n", s ? s : "{}");
		free(s);
	} else if (log_fd >= 0) {
		n = asprintf(&line, "time=\"%s\" level=%s msg=\"%s\"\n", ts, level_name(level),
			     msg);
	} else {
		n = asprintf(&line, "berth: %s: %s\n", level_name(level), msg);
	}
	if (n > 0)
		(void)!write(log_get_fd(), line, (size_t)n);
	free(line);
}
