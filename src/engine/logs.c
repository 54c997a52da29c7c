/* A container's log, read (see logs.h). */
#include "engine/logs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/err.h"
#include "util/json.h"
#include "util/xalloc.h"

struct reader {
	const struct eng_logs_opts *o;
	void (*fn)(const struct eng_log_entry *e, void *ctx);
	void *ctx;
	bool tailing; /* the first read, with a tail: entries kept, given at its end */
	json_t *kept;
};

static void on_entry(const struct eng_log_entry *e, void *arg)
{
	struct reader *r = arg;
	if ((r->o->since_ns && e->time_ns < r->o->since_ns) ||
	    (r->o->until_ns && e->time_ns > r->o->until_ns))
		return;
	if (!r->tailing) {
		r->fn(e, r->ctx);
		return;
	}
	json_array_append_new(r->kept,
			      json_pack("{s:i, s:s, s:s, s:I}", "s", e->stream, "t", e->text, "w",
					e->time ? e->time : "", "n", (json_int_t)e->time_ns));
	while ((long)json_array_size(r->kept) > r->o->tail)
		json_array_remove(r->kept, 0);
}

static bool is_running(const struct eng_store *s, const char *id)
{
	json_t *st = eng_state_load(s, id);
	const char *status = json_string_value(json_object_get(st, "Status"));
	bool run = json_is_true(json_object_get(st, "Running")) ||
		   (status && !strcmp(status, "restarting"));
	json_decref(st);
	return run;
}

int eng_container_logs(const struct eng_store *s, const char *id, const struct eng_logs_opts *o,
		       void (*fn)(const struct eng_log_entry *e, void *ctx), void *ctx,
		       struct berr **err)
{
	autofree char *dir = eng_container_path(s, id, NULL);
	autofree char *path = xasprintf("%s/%s-json.log", dir, id);
	autoclose int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno != ENOENT)
		return berr_set(err, errno, "open '%s'", path);
	struct reader r = {.o = o, .fn = fn, .ctx = ctx, .tailing = o->tail >= 0};
	r.kept = json_array();
	int64_t off = 0;
	if (fd >= 0)
		(void)eng_log_read(fd, &off, on_entry, &r);
	size_t i;
	json_t *e;
	json_array_foreach(r.kept, i, e)
	{
		struct eng_log_entry le = {(int)json_integer_value(json_object_get(e, "s")),
					   (char *)json_string_value(json_object_get(e, "t")),
					   (char *)json_string_value(json_object_get(e, "w")),
					   (int64_t)json_integer_value(json_object_get(e, "n"))};
		fn(&le, ctx);
	}
	json_decref(r.kept);
	r.tailing = false;
	while (o->follow && !(o->stop && o->stop(ctx))) {
		bool running = is_running(s, id);
		if (fd < 0)
			fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd >= 0)
			(void)eng_log_read(fd, &off, on_entry, &r);
		if (!running)
			break;
		struct timespec t = {0, 100 * 1000000L};
		nanosleep(&t, NULL);
	}
	return 0;
}
