/* A container's log as `logs` and GET /containers/{id}/logs read it: the entries of its json
 * log (logfile.h) between since and until, the last tail of them, then, following, what the
 * container writes until it stops (or the reader says stop). */
#ifndef BERTH_ENGINE_LOGS_H
#define BERTH_ENGINE_LOGS_H

#include <stdbool.h>
#include <stdint.h>

#include "engine/container.h"
#include "engine/logfile.h"

struct berr;

struct eng_logs_opts {
	long tail;                  /* the last this many entries (-1: all) */
	int64_t since_ns, until_ns; /* 0: unbounded */
	bool follow;
	/* following: asked between reads (every 0.1 s); true ends the reading */
	bool (*stop)(void *ctx);
};

/* fn(entry, ctx) for each entry, in order. */
int eng_container_logs(const struct eng_store *s, const char *id, const struct eng_logs_opts *o,
		       void (*fn)(const struct eng_log_entry *e, void *ctx), void *ctx,
		       struct berr **err);

#endif
