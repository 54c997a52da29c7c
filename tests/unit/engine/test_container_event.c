/* A container's events: the attributes come from the record its caller hands over
 * (eng_event_container, which loads nothing: without a record, the id alone), or from the
 * record as it is now (eng_container_event, which loads it; a container gone gets its id
 * alone). */
/* cmocka.h needs setjmp.h, stdarg.h and stddef.h before it: keep this order. */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
// clang-format on

#include "engine/container.h"
#include "engine/event.h"
#include "util/eventlog.h"
#include "util/fs.h"

static int collect(json_t *ev, void *ctx)
{
	json_array_append(ctx, ev);
	return 0;
}

static const char *attr(json_t *ev, const char *key)
{
	json_t *actor = json_object_get(ev, "Actor");
	return json_string_value(json_object_get(json_object_get(actor, "Attributes"), key));
}

static void attributes(void **state)
{
	(void)state;
	char root[] = "/tmp/berth-cevent-XXXXXX";
	assert_non_null(mkdtemp(root));
	struct eng_store s = {.root = root, .runroot = root};
	char id[ENG_ID_LEN + 1];
	memset(id, 'a', ENG_ID_LEN);
	id[ENG_ID_LEN] = '\0';
	char *dir = eng_container_path(&s, id, NULL);
	assert_int_equal(fs_mkdir_p(dir, 0700, NULL), 0);
	json_t *rec = json_pack("{s:s, s:s, s:s, s:{s:{s:s}}}", "Id", id, "Name", "/web",
				"ImageName", "busybox", "Config", "Labels", "tier", "a");
	assert_int_equal(eng_container_save(&s, id, rec, NULL), 0);
	json_t *more = json_pack("{s:s}", "exitCode", "3");
	eng_event_container(&s, id, rec, "die", more);      /* the record handed over */
	eng_event_container(&s, id, NULL, "destroy", NULL); /* none: the id alone */
	eng_container_event(&s, id, "pause", NULL);         /* loaded */
	assert_int_equal(fs_rm_rf(AT_FDCWD, dir, NULL), 0);
	eng_container_event(&s, id, "top", NULL); /* gone: the id alone */
	json_t *all = json_array();
	struct eventlog_read o = {.since_ns = 1, .stop_fd = -1};
	assert_int_equal(eventlog_read(root, &o, collect, all, NULL), 0);
	assert_int_equal(json_array_size(all), 4);
	json_t *die = json_array_get(all, 0), *destroy = json_array_get(all, 1);
	json_t *pause = json_array_get(all, 2), *top = json_array_get(all, 3);
	assert_string_equal(attr(die, "name"), "web");
	assert_string_equal(attr(die, "image"), "busybox");
	assert_string_equal(attr(die, "tier"), "a");
	assert_string_equal(attr(die, "exitCode"), "3");
	assert_null(attr(destroy, "name"));
	assert_string_equal(json_string_value(json_object_get(destroy, "id")), id);
	assert_string_equal(attr(pause, "name"), "web");
	assert_string_equal(attr(pause, "image"), "busybox");
	assert_string_equal(attr(pause, "tier"), "a");
	assert_null(attr(top, "name"));
	assert_string_equal(json_string_value(json_object_get(top, "Action")), "top");
	json_decref(all);
	json_decref(more);
	json_decref(rec);
	free(dir);
	assert_int_equal(fs_rm_rf(AT_FDCWD, root, NULL), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(attributes),
	};
	return cmocka_run_group_tests_name("engine/container_event", tests, NULL, NULL);
}
