/* The image store: verified blobs, nothing half-written, records under the lock. */
/* cmocka.h needs setjmp.h, stdarg.h and stddef.h before it: keep this order. */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
// clang-format on

#include "image/store.h"
#include "util/err.h"
#include "util/fs.h"

#define HELLO "sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"

static int setup(void **state)
{
	char tmpl[] = "/tmp/berth-unit-store.XXXXXX";
	assert_non_null(mkdtemp(tmpl));
	struct img_store *s = NULL;
	assert_int_equal(img_store_open(tmpl, &s, NULL), 0);
	*state = s;
	return 0;
}

static int teardown(void **state)
{
	struct img_store *s = *state;
	(void)fs_rm_rf(AT_FDCWD, s->root, NULL);
	img_store_free(s);
	return 0;
}

static int count_entries(struct img_store *s, const char *sub)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", s->root, sub);
	DIR *d = opendir(path);
	assert_non_null(d);
	int n = 0;
	struct dirent *de;
	while ((de = readdir(d)))
		n += de->d_name[0] != '.';
	closedir(d);
	return n;
}

static void put_read_remove(void **state)
{
	struct img_store *s = *state;
	char digest[IMG_DIGEST_LEN + 1];
	assert_int_equal(img_blob_put(s, "hello", 5, NULL, digest, NULL), 0);
	assert_string_equal(digest, HELLO);
	assert_true(img_blob_has(s, HELLO));
	/* again, with the digest expected: already there, fine */
	assert_int_equal(img_blob_put(s, "hello", 5, HELLO, NULL, NULL), 0);
	char *data = NULL;
	size_t len = 0;
	assert_int_equal(img_blob_read(s, HELLO, 100, &data, &len, NULL), 0);
	assert_int_equal(len, 5);
	assert_memory_equal(data, "hello", 5);
	free(data);
	assert_int_equal(img_blob_remove(s, HELLO, NULL), 0);
	assert_false(img_blob_has(s, HELLO));
}

/* A download broken off leaves tmp/<hex>.partial; the next one hashes it and goes on. */
static void partial_resumes(void **state)
{
	struct img_store *s = *state;
	struct img_blob_writer *w = NULL;
	int64_t have = -1;
	assert_int_equal(img_blob_begin_partial(s, HELLO, 5, &w, &have, NULL), 0);
	assert_int_equal(have, 0);
	assert_int_equal(img_blob_write(w, "hel", 3, NULL), 0);
	img_blob_abort(w);
	assert_int_equal(count_entries(s, "tmp"), 1);
	assert_int_equal(img_blob_begin_partial(s, HELLO, 5, &w, &have, NULL), 0);
	assert_int_equal(have, 3);
	assert_int_equal(img_blob_write(w, "lo", 2, NULL), 0);
	char digest[IMG_DIGEST_LEN + 1];
	assert_int_equal(img_blob_commit(w, digest, NULL), 0);
	assert_string_equal(digest, HELLO);
	assert_true(img_blob_has(s, HELLO));
	assert_int_equal(count_entries(s, "tmp"), 0);
	/* a partial with the wrong bytes fails the check and goes */
	assert_int_equal(img_blob_remove(s, HELLO, NULL), 0);
	assert_int_equal(img_blob_begin_partial(s, HELLO, 5, &w, &have, NULL), 0);
	assert_int_equal(img_blob_write(w, "HEL", 3, NULL), 0);
	img_blob_abort(w);
	assert_int_equal(img_blob_begin_partial(s, HELLO, 5, &w, &have, NULL), 0);
	assert_int_equal(img_blob_write(w, "lo", 2, NULL), 0);
	struct berr *err = NULL;
	assert_true(img_blob_commit(w, NULL, &err) < 0);
	berr_free(err);
	assert_false(img_blob_has(s, HELLO));
	assert_int_equal(count_entries(s, "tmp"), 0);
	/* an empty partial is not kept */
	assert_int_equal(img_blob_begin_partial(s, HELLO, 5, &w, &have, NULL), 0);
	img_blob_abort(w);
	assert_int_equal(count_entries(s, "tmp"), 0);
}

static void bad_blobs_leave_nothing(void **state)
{
	struct img_store *s = *state;
	struct berr *err = NULL;
	/* wrong digest */
	assert_int_not_equal(img_blob_put(s, "hellO", 5, HELLO, NULL, &err), 0);
	char *msg = berr_string(err);
	assert_non_null(strstr(msg, "does not match the expected"));
	free(msg);
	berr_free(err);
	err = NULL;
	/* too long, and too short, for the size given */
	struct img_blob_writer *w = NULL;
	assert_int_equal(img_blob_begin(s, NULL, 3, &w, NULL), 0);
	assert_int_not_equal(img_blob_write(w, "hello", 5, NULL), 0);
	img_blob_abort(w);
	assert_int_equal(img_blob_begin(s, HELLO, 6, &w, NULL), 0);
	assert_int_equal(img_blob_write(w, "hello", 5, NULL), 0);
	assert_int_not_equal(img_blob_commit(w, NULL, NULL), 0);
	/* a malformed digest is refused up front */
	assert_int_not_equal(img_blob_begin(s, "sha256:xyz", -1, &w, NULL), 0);
	assert_int_equal(count_entries(s, "blobs/sha256"), 0);
	assert_int_equal(count_entries(s, "tmp"), 0);
}

static void corrupt_blob_is_detected(void **state)
{
	struct img_store *s = *state;
	assert_int_equal(img_blob_put(s, "hello", 5, NULL, NULL, NULL), 0);
	char path[512];
	snprintf(path, sizeof(path), "%s/blobs/sha256/%s", s->root, HELLO + 7);
	assert_int_equal(fs_write_file(AT_FDCWD, path, "jello", 5, 0600, NULL), 0);
	char *data = NULL;
	size_t len = 0;
	struct berr *err = NULL;
	assert_int_not_equal(img_blob_read(s, HELLO, 100, &data, &len, &err), 0);
	char *msg = berr_string(err);
	assert_non_null(strstr(msg, "corrupt"));
	free(msg);
	berr_free(err);
}

/* Eight processes each store the same blob and add a name to the records. */
static void concurrent_writers(void **state)
{
	struct img_store *s = *state;
	for (int i = 0; i < 8; i++) {
		if (fork() == 0) {
			struct img_store *c = NULL;
			if (img_store_open(s->root, &c, NULL) < 0 ||
			    img_blob_put(c, "hello", 5, HELLO, NULL, NULL) < 0 ||
			    img_store_lock(c, true, NULL) < 0)
				_exit(1);
			json_t *r = img_store_load_images(c, NULL);
			if (!r)
				_exit(2);
			char name[32];
			snprintf(name, sizeof(name), "n%d", i);
			json_array_append_new(json_object_get(r, "images"), json_string(name));
			usleep(1000); /* widen the window a missing lock would lose updates in */
			if (img_store_save_images(c, r, NULL) < 0)
				_exit(3);
			_exit(0);
		}
	}
	for (int i = 0; i < 8; i++) {
		int status = -1;
		wait(&status);
		assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	json_t *r = img_store_load_images(s, NULL);
	assert_non_null(r);
	assert_int_equal(json_array_size(json_object_get(r, "images")), 8);
	json_decref(r);
	assert_int_equal(count_entries(s, "blobs/sha256"), 1);
	assert_int_equal(count_entries(s, "tmp"), 0);
}

static void records_start_empty(void **state)
{
	struct img_store *s = *state;
	json_t *r = img_store_load_images(s, NULL);
	assert_non_null(r);
	assert_int_equal(json_array_size(json_object_get(r, "images")), 0);
	json_decref(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(put_read_remove, setup, teardown),
	    cmocka_unit_test_setup_teardown(partial_resumes, setup, teardown),
	    cmocka_unit_test_setup_teardown(bad_blobs_leave_nothing, setup, teardown),
	    cmocka_unit_test_setup_teardown(corrupt_blob_is_detected, setup, teardown),
	    cmocka_unit_test_setup_teardown(concurrent_writers, setup, teardown),
	    cmocka_unit_test_setup_teardown(records_start_empty, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
