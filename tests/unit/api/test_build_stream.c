/* POST /build's reply (api/build_stream.c): the builder's events as the classic builder's JSON
 * messages — steps numbered over the whole file up to the target (ARGs before FROM first),
 * the text as written, " ---> Using cache" and short ids, stderr in red, warnings at the end,
 * -q's id alone, a
 * failed RUN's status as the error's code. */
/* cmocka.h needs setjmp.h, stdarg.h and stddef.h before it: keep this order. */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
// clang-format on

#include "api/build_stream.h"
#include "util/fs.h"
#include "util/xalloc.h"

static const char file[] = "ARG BASE=alpine\n"
			   "FROM ${BASE} AS build\n"
			   "RUN make\n"
			   "FROM scratch AS out\n"
			   "COPY --from=build /a /a\n"
			   "FROM alpine\n"
			   "RUN never\n";

/* What the stream wrote into the pipe, closed. */
static char *drain(int fd)
{
	char *text = NULL;
	size_t len = 0;
	assert_int_equal(fs_read_fd(fd, 1 << 20, &text, &len, NULL), 0);
	return text;
}

static void classic_steps(void **state)
{
	(void)state;
	int p[2];
	assert_int_equal(pipe(p), 0);
	struct bld_file *f = bld_file_parse("Dockerfile", file, strlen(file), NULL);
	assert_non_null(f);
	struct build_stream s = {.fd = p[1]};
	build_stream_plan(&s, f, "out"); /* the last stage is past the target: not counted */
	static const char sid[] = "sha256:0123456789abcdef0123";
	build_stream_event(&s, &(struct bld_event){.kind = BLD_EV_WARNING, .name = "unused"});
	build_stream_event(
	    &s,
	    &(struct bld_event){.kind = BLD_EV_STEP, .name = "[build 1/2] FROM alpine", .line = 2});
	build_stream_event(&s, &(struct bld_event){.kind = BLD_EV_DONE, .image = sid});
	build_stream_event(&s, &(struct bld_event){
				   .kind = BLD_EV_STEP, .name = "[build 2/2] RUN make", .line = 3});
	build_stream_event(&s, &(struct bld_event){
				   .kind = BLD_EV_OUTPUT, .stream = 2, .data = "oops\n", .len = 5});
	build_stream_event(&s, &(struct bld_event){.kind = BLD_EV_CACHED, .image = sid});
	build_stream_done(&s, "sha256:fedcba9876543210fedc",
			  (char *[]){"docker.io/library/x:v1", NULL});
	close(p[1]);
	char *out = drain(p[0]);
	close(p[0]);
	assert_string_equal(out, "{\"stream\":\"Step 1/5 : ARG BASE=alpine\\n\"}\r\n"
				 "{\"stream\":\"Step 2/5 : FROM ${BASE} AS build\\n\"}\r\n"
				 "{\"stream\":\" ---> 0123456789ab\\n\"}\r\n"
				 "{\"stream\":\"Step 3/5 : RUN make\\n\"}\r\n"
				 "{\"stream\":\"\\u001B[91moops\\n\\u001B[0m\"}\r\n"
				 "{\"stream\":\" ---> Using cache\\n\"}\r\n"
				 "{\"stream\":\" ---> 0123456789ab\\n\"}\r\n"
				 "{\"aux\":{\"ID\":\"sha256:fedcba9876543210fedc\"}}\r\n"
				 "{\"stream\":\"[Warning] unused\\n\"}\r\n"
				 "{\"stream\":\"Successfully built fedcba987654\\n\"}\r\n"
				 "{\"stream\":\"Successfully tagged x:v1\\n\"}\r\n");
	free(out);
	build_stream_free(&s);
	bld_file_free(f);
}

static void quiet_and_errors(void **state)
{
	(void)state;
	int p[2];
	assert_int_equal(pipe(p), 0);
	struct build_stream s = {.fd = p[1], .quiet = true};
	build_stream_text(&s, "held\n");
	build_stream_done(&s, "sha256:abc", NULL); /* -q: the id alone, the rest dropped */
	struct build_stream e = {.fd = p[1], .quiet = true};
	build_stream_text(&e, "shown\n");
	build_stream_error(&e, "Dockerfile:2: process \"/bin/sh -c exit 3\" did not complete "
			       "successfully: exit code: 3");
	build_stream_error(&e, "no code");
	close(p[1]);
	char *out = drain(p[0]);
	close(p[0]);
	assert_string_equal(
	    out, "{\"stream\":\"sha256:abc\\n\"}\r\n"
		 "{\"stream\":\"shown\\n\"}\r\n"
		 "{\"errorDetail\":{\"message\":\"Dockerfile:2: process \\\"/bin/sh -c exit 3\\\" "
		 "did not complete successfully: exit code: 3\",\"code\":3},\"error\":\"Dockerfile:"
		 "2: process \\\"/bin/sh -c exit 3\\\" did not complete successfully: exit code: "
		 "3\"}\r\n"
		 "{\"errorDetail\":{\"message\":\"no code\"},\"error\":\"no code\"}\r\n");
	free(out);
	build_stream_free(&s);
	build_stream_free(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(classic_steps),
					   cmocka_unit_test(quiet_and_errors)};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
