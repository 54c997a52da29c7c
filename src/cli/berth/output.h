/* Output as Docker prints it: aligned tables (Go's tabwriter with Docker's settings: minimum
 * width 10, padding 3), sizes ("4.26MB", decimal units), ages ("2 months ago"), and truncated
 * ids. */
#ifndef BERTH_CLI_BERTH_OUTPUT_H
#define BERTH_CLI_BERTH_OUTPUT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

struct table;

struct table *table_new(void);
/* One row: cells separated by '\t' (a row from a template may hold any number). */
void table_row(struct table *t, const char *line);
/* Print aligned and free. */
void table_flush(struct table *t, FILE *f);

/* go-units HumanSizeWithPrecision(size, 3): "0B", "999B", "4.26MB". buf: 32 bytes. */
const char *out_size(int64_t bytes, char buf[32]);
/* go-units HumanDuration: "Less than a second", "5 seconds", "About a minute". buf: 48. */
const char *out_duration(long secs, char buf[48]);
/* go-units HumanDuration + " ago": "Less than a second ago", "2 months ago". buf: 48 bytes. */
const char *out_since(time_t when, char buf[48]);
/* RFC 3339 (with fractional seconds, "Z" or an offset) to seconds; 0 when unreadable. */
time_t out_parse_time(const char *s);
/* RFC 3339, or a duration back from now ("10m", "1h30m", "42s"), in nanoseconds since the
 * epoch: 0 when empty, -1 when unreadable. */
int64_t out_when_ns(const char *s);
/* "2026-12-02 09:13:48 +0000 UTC", as Go prints a time. buf: 48 bytes. */
const char *out_go_time(time_t when, char buf[48]);

/* A log line of one of several containers (compose's and pod's logs): "PREFIX [TIME ]TEXT\n"
 * written whole, in one write, to the entry's stream, so the lines of containers read at
 * once by several processes never mix. ctx: a struct out_log_prefix. */
struct out_log_prefix {
	const char *prefix;
	bool timestamps;
};
struct eng_log_entry;
void out_log_line(const struct eng_log_entry *e, void *ctx);

#endif
