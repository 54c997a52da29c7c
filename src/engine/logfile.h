/* Container output as Docker's json-file driver keeps it: one JSON object a line,
 *   {"log":"text\n","stream":"stdout","time":"2026-12-02T09:13:48.123456789Z"}
 * a line per newline (a partial line is written when 16 KiB have gathered, or at the end),
 * invalid UTF-8 replaced by U+FFFD so every line is JSON. */
#ifndef BERTH_ENGINE_LOGFILE_H
#define BERTH_ENGINE_LOGFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct berr;

struct eng_log {
	int fd;
	char *pending[3]; /* per stream (1 stdout, 2 stderr): a line not ended yet */
	size_t pending_len[3];
};

int eng_log_open(struct eng_log *l, const char *path, struct berr **err);
/* Output of stream 1 or 2. */
void eng_log_write(struct eng_log *l, int stream, const char *data, size_t len);
/* Write what is pending and close. */
void eng_log_close(struct eng_log *l);

struct eng_log_entry {
	int stream; /* 1 or 2 */
	char *text; /* with its newline, if it had one */
	char *time;
	int64_t time_ns;
};

/* Read entries from fd starting at *offset (advanced past whole lines only); calls fn for
 * each. Returns the count or -errno. */
int eng_log_read(int fd, int64_t *offset, void (*fn)(const struct eng_log_entry *e, void *ctx),
		 void *ctx);

#endif
