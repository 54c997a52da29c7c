/* POST /build's reply (internal to src/api): the builder's events as the classic builder's
 * JSON message stream, as dockerd 20.10 writes it without BuildKit — {"stream": "Step 2/5 :
 * RUN make\n"}, the step's output ({"stream": ...}; stderr between "\033[91m" and "\033[0m"
 * as dockerd's stderr formatter), " ---> Using cache", " ---> <short id>" after each step;
 * pull progress of a base image as docker pull's messages; at the end {"aux": {"ID": id}},
 * "Successfully built <short id>", "Successfully tagged <name>", or Docker's error message.
 * Steps are numbered as the classic builder numbers them: every instruction of the file up to
 * the target stage, ARGs before the first FROM included. With q, everything is held back and
 * only the image id is sent (the output too when the build fails). */
#ifndef BERTH_API_BUILD_STREAM_H
#define BERTH_API_BUILD_STREAM_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "build/builder.h"
#include "build/dockerfile.h"
#include "image/pull.h"

struct build_stream {
	int fd;     /* the reply's pipe */
	bool quiet; /* ?q=1 */
	bool wrote; /* a message went out (or is held for q): the reply's status is 200 */
	char *held; /* q: the messages held back */
	size_t held_len;
	/* the classic numbering: per instruction, its line and number */
	unsigned *lines;
	size_t n_lines;
	unsigned total;
	size_t next_meta; /* ARGs before the first FROM printed so far */
	char **warnings;  /* printed at the end, as the classic builder's */
	const struct bld_file *file;
};

/* The numbering of f's instructions up to the stage target (NULL: the last). */
void build_stream_plan(struct build_stream *s, const struct bld_file *f, const char *target);
void build_stream_free(struct build_stream *s);

/* One message (taken). */
void build_stream_emit(struct build_stream *s, json_t *msg);
/* {"stream": text} */
void build_stream_text(struct build_stream *s, const char *text);
/* The builder's event callback (ctx: the struct build_stream). */
void build_stream_event(void *ctx, const struct bld_event *e);
/* A pull's event callback (ctx: the struct build_stream), as docker pull's messages. */
void build_stream_pull(enum img_pull_event ev, const char *id, const char *text, int64_t done,
		       int64_t total, void *ctx);
/* The end of a build that made image id (72 bytes) and gave it names (full, NULL-terminated).
 */
void build_stream_done(struct build_stream *s, const char *id, char *const *names);
/* The end of a failed one: Docker's error message (code: a RUN's exit status, else 1). */
void build_stream_error(struct build_stream *s, const char *msg);
/* Whatever q held back, out. */
void build_stream_flush(struct build_stream *s);

#endif
