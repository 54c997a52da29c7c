/* POST /build's reply as the classic builder's JSON message stream (see build_stream.h). */
#include "api/build_stream.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "image/image.h"
#include "image/reference.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/xalloc.h"

#define HELD_MAX (16u << 20) /* q: output held back for a failure's sake, at most */

void build_stream_plan(struct build_stream *s, const struct bld_file *f, const char *target)
{
	size_t last = f->n_stages ? f->n_stages - 1 : 0;
	for (size_t i = 0; target && *target && i < f->n_stages; i++)
		if (f->stages[i].name && !strcasecmp(f->stages[i].name, target))
			last = i;
	size_t n = f->n_meta_args;
	for (size_t i = 0; i < f->n_stages && i <= last; i++)
		n += 1 + f->stages[i].n_instrs;
	s->lines = xcalloc(n + 1, sizeof(*s->lines));
	size_t k = 0;
	for (size_t i = 0; i < f->n_meta_args; i++)
		s->lines[k++] = f->meta_args[i].line;
	for (size_t i = 0; i < f->n_stages && i <= last; i++) {
		s->lines[k++] = f->stages[i].line;
		for (size_t j = 0; j < f->stages[i].n_instrs; j++)
			s->lines[k++] = f->stages[i].instrs[j].line;
	}
	s->n_lines = n;
	s->total = (unsigned)n;
	s->file = f;
}

void build_stream_free(struct build_stream *s)
{
	free(s->lines);
	free(s->held);
	strv_free(s->warnings);
	s->lines = NULL;
	s->held = NULL;
	s->warnings = NULL;
}

void build_stream_emit(struct build_stream *s, json_t *msg)
{
	autofree char *text = json_dumps(msg, JSON_COMPACT);
	json_decref(msg);
	if (!text)
		return;
	autofree char *line = xasprintf("%s\r\n", text);
	size_t n = strlen(line);
	s->wrote = true;
	if (!s->quiet) {
		(void)fs_write_all(s->fd, line, n);
		return;
	}
	if (s->held_len + n > HELD_MAX)
		return;
	s->held = xrealloc(s->held, s->held_len + n + 1);
	memcpy(s->held + s->held_len, line, n + 1);
	s->held_len += n;
}

static void emit_stream(struct build_stream *s, const char *data, size_t len)
{
	/* a RUN's output need not be UTF-8: sent as it came, as dockerd's []byte to string */
	build_stream_emit(s, json_pack("{s:o}", "stream", json_stringn_nocheck(data, len)));
}

void build_stream_text(struct build_stream *s, const char *text)
{
	emit_stream(s, text, strlen(text));
}

static void printf_stream(struct build_stream *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void printf_stream(struct build_stream *s, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *t = NULL;
	if (vasprintf(&t, fmt, ap) < 0)
		abort();
	va_end(ap);
	build_stream_text(s, t);
	free(t);
}

/* The instruction at line, as the file has it: its classic number (0: not one) and text. */
static unsigned number_of(const struct build_stream *s, unsigned line, const char **out_text)
{
	const struct bld_file *f = s->file;
	for (size_t i = 0; i < s->n_lines; i++)
		if (s->lines[i] == line) {
			for (size_t a = 0; a < f->n_meta_args; a++)
				if (f->meta_args[a].line == line)
					*out_text = f->meta_args[a].original;
			for (size_t j = 0; j < f->n_stages; j++) {
				if (f->stages[j].line == line)
					*out_text = f->stages[j].from.original;
				for (size_t k = 0; k < f->stages[j].n_instrs; k++)
					if (f->stages[j].instrs[k].line == line)
						*out_text = f->stages[j].instrs[k].original;
			}
			return (unsigned)i + 1;
		}
	return 0;
}

static void step(struct build_stream *s, const struct bld_event *e)
{
	/* the ARGs before the first FROM are the classic builder's first steps */
	for (; s->file && s->next_meta < s->file->n_meta_args; s->next_meta++)
		printf_stream(s, "Step %zu/%u : %s\n", s->next_meta + 1, s->total,
			      s->file->meta_args[s->next_meta].original);
	const char *title = e->name ? e->name : "";
	const char *end = strstr(title, "] ");
	const char *text = end ? end + 2 : title; /* "[stage 2/5] RUN make" */
	unsigned n = e->line && s->file ? number_of(s, e->line, &text) : 0;
	if (n)
		printf_stream(s, "Step %u/%u : %s\n", n, s->total, text);
	else
		printf_stream(s, "# Executing build trigger: %s\n", text);
}

void build_stream_event(void *ctx, const struct bld_event *e)
{
	struct build_stream *s = ctx;
	switch (e->kind) {
	case BLD_EV_STEP:
		step(s, e);
		break;
	case BLD_EV_OUTPUT:
		if (e->stream == 2) {
			autofree char *red = xmalloc(e->len + 10);
			memcpy(red, "\033[91m", 5);
			memcpy(red + 5, e->data, e->len);
			memcpy(red + 5 + e->len, "\033[0m", 4);
			emit_stream(s, red, e->len + 9);
		} else {
			emit_stream(s, e->data, e->len);
		}
		break;
	case BLD_EV_CACHED:
		build_stream_text(s, " ---> Using cache\n");
		/* fall through */
	case BLD_EV_DONE:
		if (e->image)
			printf_stream(s, " ---> %.12s\n",
				      e->image + (strncmp(e->image, "sha256:", 7) ? 0 : 7));
		break;
	case BLD_EV_WARNING: { /* the classic builder warns after the last step */
		size_t n = strv_len(s->warnings);
		s->warnings = xrealloc(s->warnings, (n + 2) * sizeof(char *));
		s->warnings[n] = xstrdup(e->name ? e->name : "");
		s->warnings[n + 1] = NULL;
		break;
	}
	case BLD_EV_ERROR:
	case BLD_EV_CANCELED:
		break; /* the build's error ends the stream */
	}
}

void build_stream_pull(enum img_pull_event ev, const char *id, const char *text, int64_t done,
		       int64_t total, void *ctx)
{
	struct build_stream *s = ctx;
	static const char *const status[] = {[IMG_PULL_LAYER_WAIT] = "Pulling fs layer",
					     [IMG_PULL_LAYER_HAVE] = "Already exists",
					     [IMG_PULL_DOWNLOADED] = "Download complete",
					     [IMG_PULL_EXTRACTED] = "Pull complete"};
	switch (ev) {
	case IMG_PULL_START: { /* "Pulling from library/busybox" */
		struct img_ref ref;
		autofree char *name = xasprintf("%s:x", text);
		bool parsed = img_ref_parse(name, &ref, NULL) == 0;
		build_stream_emit(s, json_pack("{s:s+, s:s}", "status", "Pulling from ",
					       parsed ? ref.path : text, "id", id));
		if (parsed)
			img_ref_clear(&ref);
		break;
	}
	case IMG_PULL_DOWNLOADING:
		build_stream_emit(s, json_pack("{s:s, s:{s:I, s:I}, s:s}", "status", "Downloading",
					       "progressDetail", "current", (json_int_t)done,
					       "total", (json_int_t)total, "id", id));
		break;
	case IMG_PULL_DONE: {
		autofree char *fam = img_name_familiar(id);
		build_stream_emit(s, json_pack("{s:s+}", "status", "Digest: ", text));
		build_stream_emit(s,
				  json_pack("{s:s+++}", "status", "Status: ",
					    done ? "Image is up to date" : "Downloaded newer image",
					    " for ", fam));
		break;
	}
	default:
		build_stream_emit(s, json_pack("{s:s, s:{}, s:s}", "status", status[ev],
					       "progressDetail", "id", id));
		break;
	}
}

void build_stream_done(struct build_stream *s, const char *id, char *const *names)
{
	const char *hex = id + (strncmp(id, "sha256:", 7) ? 0 : 7);
	if (s->quiet) { /* dockerd's -q: the id alone */
		free(s->held);
		s->held = NULL;
		s->held_len = 0;
		s->quiet = false;
		printf_stream(s, "%s\n", id);
		return;
	}
	build_stream_emit(s, json_pack("{s:{s:s}}", "aux", "ID", id));
	for (char **w = s->warnings; w && *w; w++)
		printf_stream(s, "[Warning] %s\n", *w);
	printf_stream(s, "Successfully built %.12s\n", hex);
	for (char *const *n = names; n && *n; n++) {
		autofree char *fam = img_name_familiar(*n);
		printf_stream(s, "Successfully tagged %s\n", fam);
	}
}

void build_stream_flush(struct build_stream *s)
{
	if (s->held_len)
		(void)fs_write_all(s->fd, s->held, s->held_len);
	free(s->held);
	s->held = NULL;
	s->held_len = 0;
	s->quiet = false;
}

void build_stream_error(struct build_stream *s, const char *msg)
{
	build_stream_flush(s);
	/* a RUN that failed: its status, as the classic builder's error code (docker build
	 * exits with it) */
	const char *at = strstr(msg, "exit code: ");
	int code = at ? atoi(at + strlen("exit code: ")) : 0;
	json_t *detail = json_pack("{s:s}", "message", msg);
	if (code > 0)
		json_object_set_new(detail, "code", json_integer(code));
	build_stream_emit(s, json_pack("{s:o, s:s}", "errorDetail", detail, "error", msg));
}
