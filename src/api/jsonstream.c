/* Docker's JSON message streams written by a child (see jsonstream.h). */
#include "api/jsonstream.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/strbuf.h"

#define LINE_MAX_BYTES (1u << 20)

/* The pipe's first line (a message ends with "\r\n"), or NULL at its end. */
static char *first_line(int fd)
{
	struct strbuf line = {0};
	for (;;) {
		char c;
		ssize_t k = read(fd, &c, 1);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			strbuf_clear(&line);
			return NULL;
		}
		strbuf_addc(&line, c);
		if (c == '\n' || line.len > LINE_MAX_BYTES)
			return strbuf_take(&line);
	}
}

int api_reply_jsonstream(struct api_req *r, int fd, pid_t pid)
{
	char *first = first_line(fd);
	json_t *j = first ? json_loads(first, 0, NULL) : NULL;
	json_t *st = json_object_get(j, "berth-status");
	if (first && !st) {
		json_decref(j);
		return api_reply_piped(r, 200, "application/json", fd, pid, first);
	}
	/* the child failed before it said anything: the reply's status says so */
	const char *msg = json_string_value(json_object_get(j, "message"));
	int rr = api_reply_error(r, st ? (unsigned)json_integer_value(st) : 500, "%s",
				 msg ? msg : "failed");
	json_decref(j);
	free(first);
	(void)close(fd);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	return rr;
}
