/* Docker's events: the log's document, written and read back over a window, and the filters
 * of `docker events` (dockerd's events.Filter.Include). */
/* cmocka.h needs setjmp.h, stdarg.h and stddef.h before it: keep this order. */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
// clang-format on

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "engine/event.h"
#include "util/err.h"
#include "util/eventlog.h"
#include "util/filter.h"
#include "util/fs.h"

static json_t *event(const char *type, const char *action, const char *id, const char *attrs)
{
	json_t *a = json_loads(attrs, 0, NULL);
	json_t *ev = json_pack("{s:s, s:s, s:{s:s, s:o}, s:s}", "Type", type, "Action", action,
			       "Actor", "ID", id, "Attributes", a, "scope", "local");
	return ev;
}

static bool match(const char *filters, json_t *ev)
{
	json_t *f = filter_parse_json(filters, NULL);
	assert_non_null(f);
	bool m = eng_event_match(f, ev);
	json_decref(f);
	return m;
}

static void filters(void **state)
{
	json_t *start =
	    event("container", "start", "abcdef0123",
		  "{\"image\": \"docker.io/x/web:1\", \"name\": \"web\", \"tier\": \"a\"}");
	json_t *health = event("container", "health_status: healthy", "abcdef0123",
			       "{\"image\": \"web\", \"name\": \"web\"}");
	json_t *net =
	    event("network", "connect", "fedcba",
		  "{\"name\": \"n1\", \"type\": \"bridge\", \"container\": \"abcdef0123\"}");
	json_t *img = event("image", "tag", "sha256:99", "{\"name\": \"web:2\"}");
	assert_true(match("{}", start));
	assert_true(match("{\"type\": [\"container\"]}", start));
	assert_false(match("{\"type\": [\"container\"]}", net));
	assert_true(match("{\"type\": [\"image\", \"network\"]}", net));
	/* a container by a prefix of its id or by its name; other types' actors do not match */
	assert_true(match("{\"container\": [\"abc\"]}", start));
	assert_true(match("{\"container\": [\"web\"]}", start));
	assert_false(match("{\"container\": [\"abc\"]}", net));
	assert_true(match("{\"network\": [\"n1\"]}", net));
	/* an event exactly, except those dockerd matches by their prefix */
	assert_false(match("{\"event\": [\"health\"]}", health));
	assert_true(match("{\"event\": [\"health_status\"]}", health));
	assert_true(match("{\"event\": [\"die\", \"start\"]}", start));
	/* an image: the container's image attribute, with or without its tag; an image's name */
	assert_true(match("{\"image\": [\"docker.io/x/web\"]}", start));
	assert_true(match("{\"image\": [\"docker.io/x/web:1\"]}", start));
	assert_false(match("{\"image\": [\"web\"]}", start));
	assert_true(match("{\"image\": [\"web\"]}", img));
	assert_true(match("{\"image\": [\"sha256:99\"]}", img));
	/* labels: each required */
	assert_true(match("{\"label\": [\"tier=a\"]}", start));
	assert_true(match("{\"label\": [\"tier\"]}", start));
	assert_false(match("{\"label\": [\"tier=a\", \"x\"]}", start));
	/* no daemon or swarm events here */
	assert_false(match("{\"daemon\": [\"x\"]}", start));
	json_t *f = filter_parse_json("{\"nope\": [\"x\"]}", NULL);
	struct berr *err = NULL;
	assert_int_equal(eng_event_filter_check(f, &err), -EINVAL);
	berr_free(err);
	json_decref(f);
	json_decref(start);
	json_decref(health);
	json_decref(net);
	json_decref(img);
}

static int collect(json_t *ev, void *ctx)
{
	json_array_append(ctx, ev);
	return 0;
}

static void log_window(void **state)
{
	char dir[] = "/tmp/berth-eventlog-XXXXXX";
	assert_non_null(mkdtemp(dir));
	eventlog_append(dir, "volume", "create", "v1", NULL);
	struct timespec t;
	clock_gettime(CLOCK_REALTIME, &t);
	int64_t mid = (int64_t)t.tv_sec * 1000000000LL + t.tv_nsec;
	json_t *attrs = json_pack("{s:s}", "image", "busybox");
	eventlog_append(dir, "container", "start", "c1", attrs);
	json_decref(attrs);
	json_t *all = json_array(), *later = json_array(), *none = json_array();
	struct eventlog_read o = {.since_ns = 1, .stop_fd = -1};
	assert_int_equal(eventlog_read(dir, &o, collect, all, NULL), 0);
	assert_int_equal(json_array_size(all), 2);
	json_t *c = json_array_get(all, 1);
	/* Docker's old fields for a container: status, id, from */
	assert_string_equal(json_string_value(json_object_get(c, "status")), "start");
	assert_string_equal(json_string_value(json_object_get(c, "id")), "c1");
	assert_string_equal(json_string_value(json_object_get(c, "from")), "busybox");
	assert_null(json_object_get(json_array_get(all, 0), "status"));
	o.since_ns = mid;
	assert_int_equal(eventlog_read(dir, &o, collect, later, NULL), 0);
	assert_int_equal(json_array_size(later), 1);
	/* no bounds: only what comes next (nothing, without following) */
	o.since_ns = 0;
	assert_int_equal(eventlog_read(dir, &o, collect, none, NULL), 0);
	assert_int_equal(json_array_size(none), 0);
	json_decref(all);
	json_decref(later);
	json_decref(none);
	assert_int_equal(fs_rm_rf(AT_FDCWD, dir, NULL), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(filters),
	    cmocka_unit_test(log_window),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
