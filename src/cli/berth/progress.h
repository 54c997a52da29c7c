/* Per-layer progress as `docker pull` and `docker push` draw it: on a terminal one line per
 * layer, rewritten in place ("a1b2c3d4e5f6: Downloading [=====>     ]  1.2MB/10.5MB"); else
 * each status once, as a plain line; nothing when quiet. */
#ifndef BERTH_CLI_BERTH_PROGRESS_H
#define BERTH_CLI_BERTH_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct progress;

struct progress *progress_new(FILE *f, bool quiet);
/* A line of its own ("latest: Pulling from library/busybox"). */
void progress_note(struct progress *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The status of one layer. */
void progress_set(struct progress *p, const char *id, const char *status);
/* A layer's transfer: a bar on a terminal (total unknown: bytes so far), nothing otherwise. */
void progress_bar(struct progress *p, const char *id, const char *status, int64_t done,
		  int64_t total);
void progress_free(struct progress *p);

#endif
