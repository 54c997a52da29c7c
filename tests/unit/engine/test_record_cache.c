/* Parsed container records by file identity: a record is parsed once while its file stays the
 * same, read again after any rewrite, and forgotten when its container is gone. */
/* cmocka.h needs setjmp.h, stdarg.h and stddef.h before it: keep this order. */
// clang-format off
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
// clang-format on

#include "engine/container.h"
#include "engine/record_cache.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/xalloc.h"

struct fixture {
	char root[64];
	struct eng_store s;
};

static int setup(void **state)
{
	struct fixture *f = xzalloc(sizeof(*f));
	strcpy(f->root, "/tmp/test-record-cache-XXXXXX");
	assert_non_null(mkdtemp(f->root));
	f->s.root = f->root;
	f->s.runroot = f->root;
	f->s.records = eng_record_cache_new();
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	eng_record_cache_free(f->s.records);
	assert_int_equal(fs_rm_rf(AT_FDCWD, f->root, NULL), 0);
	free(f);
	return 0;
}

/* the id made of one hex digit d, 64 times over */
static void id_of(char id[ENG_ID_LEN + 1], int d)
{
	memset(id, "0123456789abcdef"[d & 15], ENG_ID_LEN);
	id[ENG_ID_LEN] = '\0';
	if (d >= 16)
		id[0] = "0123456789abcdef"[d >> 4];
}

static void write_record(struct fixture *f, const char *id, const char *name)
{
	char *dir = eng_container_path(&f->s, id, NULL);
	assert_int_equal(fs_mkdir_p(dir, 0700, NULL), 0);
	json_t *rec = json_pack("{s:s, s:s}", "Id", id, "Name", name);
	assert_int_equal(eng_container_save(&f->s, id, rec, NULL), 0);
	json_decref(rec);
	free(dir);
}

static const char *name_in(json_t *rec)
{
	return json_string_value(json_object_get(rec, "Name"));
}

static void parsed_once_while_unchanged(void **state)
{
	struct fixture *f = *state;
	char id[ENG_ID_LEN + 1];
	id_of(id, 1);
	write_record(f, id, "/one");
	json_t *a = eng_container_peek(&f->s, id, NULL), *b = eng_container_peek(&f->s, id, NULL);
	assert_non_null(a);
	assert_ptr_equal(a, b); /* the same parse, shared */
	assert_string_equal(name_in(a), "/one");
	json_decref(a);
	json_decref(b);
}

static void read_again_after_a_rewrite(void **state)
{
	struct fixture *f = *state;
	char id[ENG_ID_LEN + 1];
	id_of(id, 2);
	write_record(f, id, "/before");
	json_t *a = eng_container_peek(&f->s, id, NULL);
	write_record(f, id, "/after"); /* same size, a rename: a new inode */
	json_t *b = eng_container_peek(&f->s, id, NULL);
	assert_ptr_not_equal(a, b);
	assert_string_equal(name_in(a), "/before");
	assert_string_equal(name_in(b), "/after");
	/* what peek shares is what load reads */
	json_t *c = eng_container_load(&f->s, id, NULL);
	assert_true(json_equal(b, c));
	json_decref(a);
	json_decref(b);
	json_decref(c);
}

static void removed_ones_forgotten(void **state)
{
	struct fixture *f = *state;
	char ids[40][ENG_ID_LEN + 1]; /* more than the first table holds: it grows */
	json_t *before[40];
	for (int i = 0; i < 40; i++) {
		id_of(ids[i], 16 + i);
		write_record(f, ids[i], "/x");
		before[i] = eng_container_peek(&f->s, ids[i], NULL);
		json_decref(before[i]); /* the cache keeps it: only its address is compared */
	}
	char *gone = eng_container_path(&f->s, ids[7], NULL);
	assert_int_equal(fs_rm_rf(AT_FDCWD, gone, NULL), 0);
	free(gone);
	eng_record_cache_refresh(&f->s);
	struct berr *err = NULL;
	assert_null(eng_container_peek(&f->s, ids[7], &err));
	berr_free(err);
	for (int i = 0; i < 40; i++) {
		if (i == 7)
			continue;
		json_t *a = eng_container_peek(&f->s, ids[i], NULL);
		json_t *b = eng_container_peek(&f->s, ids[i], NULL);
		assert_non_null(a);
		assert_ptr_equal(a, b);
		assert_ptr_equal(a, before[i]); /* kept through the refresh, not parsed again */
		json_decref(a);
		json_decref(b);
	}
}

static void a_view_lives_as_long_as_its_parse(void **state)
{
	struct fixture *f = *state;
	char id[ENG_ID_LEN + 1];
	id_of(id, 4);
	write_record(f, id, "/v");
	json_t *a = eng_container_peek(&f->s, id, NULL);
	eng_record_cache_set_view(f->s.records, id, a, "k1", "made");
	assert_string_equal(eng_record_cache_view(f->s.records, id, a, "k1"), "made");
	assert_null(eng_record_cache_view(f->s.records, id, a, "k2")); /* another state */
	json_t *other = json_object(); /* not the cache's parse: nothing is kept for it */
	eng_record_cache_set_view(f->s.records, id, other, "k1", "wrong");
	assert_null(eng_record_cache_view(f->s.records, id, other, "k1"));
	assert_string_equal(eng_record_cache_view(f->s.records, id, a, "k1"), "made");
	json_decref(other);
	write_record(f, id, "/w"); /* the record changes: its view goes with the old parse */
	json_t *b = eng_container_peek(&f->s, id, NULL);
	assert_null(eng_record_cache_view(f->s.records, id, b, "k1"));
	assert_null(eng_record_cache_view(f->s.records, id, a, "k1"));
	json_decref(a);
	json_decref(b);
}

static void write_state(struct fixture *f, const char *id, const char *text)
{
	char *path = eng_container_path(&f->s, id, "state.json");
	json_t *st = json_loads(text, 0, NULL);
	assert_non_null(st);
	assert_int_equal(json_write_atomic(st, path, NULL), 0);
	json_decref(st);
	free(path);
}

static const char *status_of(json_t *st)
{
	return json_string_value(json_object_get(st, "Status"));
}

static void settled_states_kept_running_ones_read_each_time(void **state)
{
	struct fixture *f = *state;
	char id[ENG_ID_LEN + 1];
	id_of(id, 5);
	write_record(f, id, "/s");
	json_decref(eng_container_peek(&f->s, id, NULL));
	/* no state.json: created, kept */
	json_t *a = eng_state_peek(&f->s, id), *b = eng_state_peek(&f->s, id);
	assert_string_equal(status_of(a), "created");
	assert_ptr_equal(a, b);
	json_decref(a);
	json_decref(b);
	/* exited: read once the file is there, then kept */
	write_state(f, id, "{\"Status\":\"exited\",\"ExitCode\":3}");
	a = eng_state_peek(&f->s, id);
	b = eng_state_peek(&f->s, id);
	assert_string_equal(status_of(a), "exited");
	assert_ptr_equal(a, b);
	json_decref(a);
	json_decref(b);
	/* running (its monitor is gone here, so it is found exited): never kept */
	write_state(f, id,
		    "{\"Status\":\"running\",\"Running\":true,\"MonitorPid\":1,"
		    "\"MonitorStart\":1}");
	a = eng_state_peek(&f->s, id);
	b = eng_state_peek(&f->s, id);
	assert_ptr_not_equal(a, b);
	assert_true(json_is_true(json_object_get(a, "MonitorLost")));
	json_decref(a);
	json_decref(b);
	/* and what peek gives is what load gives */
	write_state(f, id, "{\"Status\":\"exited\",\"ExitCode\":4}");
	a = eng_state_peek(&f->s, id);
	b = eng_state_load(&f->s, id);
	assert_true(json_equal(a, b));
	json_decref(a);
	json_decref(b);
}

static void without_a_cache_each_read_parses(void **state)
{
	struct fixture *f = *state;
	char id[ENG_ID_LEN + 1];
	id_of(id, 3);
	write_record(f, id, "/plain");
	struct eng_store plain = {f->root, f->root, NULL};
	json_t *a = eng_container_peek(&plain, id, NULL), *b = eng_container_peek(&plain, id, NULL);
	assert_ptr_not_equal(a, b);
	assert_true(json_equal(a, b));
	json_decref(a);
	json_decref(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(parsed_once_while_unchanged, setup, teardown),
	    cmocka_unit_test_setup_teardown(read_again_after_a_rewrite, setup, teardown),
	    cmocka_unit_test_setup_teardown(removed_ones_forgotten, setup, teardown),
	    cmocka_unit_test_setup_teardown(a_view_lives_as_long_as_its_parse, setup, teardown),
	    cmocka_unit_test_setup_teardown(settled_states_kept_running_ones_read_each_time, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(without_a_cache_each_read_parses, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
