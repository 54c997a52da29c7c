/* RFC 3339 times read back, and go-units' human durations (see timefmt.h). */
#include "util/timefmt.h"

#include <stdio.h>

time_t timefmt_parse(const char *s)
{
	if (!s)
		return 0;
	struct tm tm = {0};
	const char *p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!p)
		return 0;
	time_t t = timegm(&tm);
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++)
			;
	if (*p == '+' || *p == '-') {
		int hh = 0, mm = 0;
		if (sscanf(p + 1, "%d:%d", &hh, &mm) == 2)
			t += (*p == '+' ? -1 : 1) * (hh * 3600 + mm * 60);
	}
	return t;
}

const char *timefmt_duration(long secs, char buf[48])
{
	long mins = secs / 60, hours = secs / 3600, days = secs / 86400;
	if (secs < 1)
		snprintf(buf, 48, "Less than a second");
	else if (secs == 1)
		snprintf(buf, 48, "1 second");
	else if (secs < 60)
		snprintf(buf, 48, "%ld seconds", secs);
	else if (mins == 1)
		snprintf(buf, 48, "About a minute");
	else if (mins < 60)
		snprintf(buf, 48, "%ld minutes", mins);
	else if (hours == 1)
		snprintf(buf, 48, "About an hour");
	else if (hours < 48)
		snprintf(buf, 48, "%ld hours", hours);
	else if (hours < 24 * 7 * 2)
		snprintf(buf, 48, "%ld days", days);
	else if (hours < 24 * 30 * 2)
		snprintf(buf, 48, "%ld weeks", days / 7);
	else if (hours < 24 * 365 * 2)
		snprintf(buf, 48, "%ld months", days / 30);
	else
		snprintf(buf, 48, "%ld years", days / 365);
	return buf;
}

const char *timefmt_now(char buf[40])
{
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	size_t n = strftime(buf, 40, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, 40 - n, ".%09ldZ", ts.tv_nsec);
	return buf;
}
