/* Times as Docker's documents and tables carry them: RFC 3339 text read back into seconds, and
 * go-units' HumanDuration ("5 minutes", "About an hour"), which both a container's Status in
 * the engine's documents and the command line's ages use. Printing tables stays in cli/. */
#ifndef BERTH_UTIL_TIMEFMT_H
#define BERTH_UTIL_TIMEFMT_H

#include <time.h>

/* RFC 3339 (with fractional seconds, "Z" or an offset) to seconds; 0 when unreadable. */
time_t timefmt_parse(const char *s);
/* go-units HumanDuration: "Less than a second", "5 seconds", "About a minute". buf: 48. */
const char *timefmt_duration(long secs, char buf[48]);
/* Now as an RFC 3339 UTC time with nanoseconds, as Docker writes them
 * ("2026-12-02T09:13:48.123456789Z"). buf: 40 bytes. */
const char *timefmt_now(char buf[40]);

#endif
