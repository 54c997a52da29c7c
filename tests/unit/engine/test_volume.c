/* engine/volume.c's plan and spec halves for podman's idmap option (issue #19): -v's and
 * --mount's "idmap", "idmap=true|false" and "idmap=uids=...;gids=..." into the plan entry's
 * Options, bad ones refused with EINVAL, and the runtime's option in the OCI mount (a
 * volume's automatic idmap not added twice). Binds of an existing directory only: no store
 * is touched, but by test_volume_plan_made's own (a temporary directory). */
/* cmocka.h needs setjmp.h, stdarg.h and stddef.h before it: keep this order. */
// clang-format off
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
// clang-format on

#include "engine/store.h"
#include "engine/volume.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/json.h"

static struct eng_store store = {.root = (char *)"/nonexistent/berth-test-store"};

/* The plan of one -v (or --mount when mount) as compact JSON of its Options, or the error. */
static char *plan_options(const char *v, bool mount)
{
	char *const one[] = {(char *)v, NULL};
	struct berr *err = NULL;
	json_auto_t *made = json_array();
	json_t *plan = eng_mounts_plan(&store, mount ? NULL : one, mount ? one : NULL, NULL, NULL,
				       false, made, &err);
	if (!plan) {
		assert_int_equal(berr_code(err), EINVAL);
		berr_free(err);
		return strdup("EINVAL");
	}
	assert_null(err);
	char *out = json_dumps(json_object_get(json_array_get(plan, 0), "Options"), JSON_COMPACT);
	json_decref(plan);
	return out;
}

static void check(const char *v, bool mount, const char *want)
{
	char *got = plan_options(v, mount);
	assert_string_equal(got, want);
	free(got);
}

static void test_volume_idmap_plan(void **state)
{
	check("/tmp:/x", false, "[]");
	check("/tmp:/x:idmap", false, "[\"idmap\"]");
	check("/tmp:/x:ro,idmap", false, "[\"idmap\"]");
	check("/tmp:/x:idmap=true", false, "[\"idmap\"]");
	check("/tmp:/x:idmap=false", false, "[]");
	check("/tmp:/x:idmap=uids=0-1000-10#10-2000-5;gids=@0-1-1", false,
	      "[\"idmap=uids=0-1000-10#10-2000-5;gids=@0-1-1\"]");
	check("type=bind,src=/tmp,dst=/x,idmap", true, "[\"idmap\"]");
	check("type=bind,src=/tmp,dst=/x,idmap=uids=0-1-1", true, "[\"idmap=uids=0-1-1\"]");
	check("type=bind,src=/tmp,dst=/x,idmap=false", true, "[]");
	static const char *const bad[] = {"/tmp:/x:idmap,idmap",
					  "/tmp:/x:idmap=",
					  "/tmp:/x:idmap=yes",
					  "/tmp:/x:idmap=uids=",
					  "/tmp:/x:idmap=uids=0-1",
					  "/tmp:/x:idmap=uids=0-1-0",
					  "/tmp:/x:idmap=uids=0-1-1#",
					  "/tmp:/x:idmap=uids=0-1-1x",
					  "/tmp:/x:idmap=uids=-1-1-1",
					  "/tmp:/x:idmap=uids=0-4294967296-1",
					  "/tmp:/x:idmap=gids=0-1-1;gids=0-1-1",
					  "/tmp:/x:idmap=users=0-1-1",
					  NULL};
	for (size_t i = 0; bad[i]; i++)
		check(bad[i], false, "EINVAL");
	check("type=bind,src=/tmp,dst=/x,idmap,idmap=true", true, "EINVAL");
	check("type=tmpfs,dst=/x,idmap", true, "EINVAL");
}

/* The OCI mount's options for a plan entry, as "a b c". */
static char *spec_options(const char *type, const char *opt, bool userns)
{
	json_t *plan = json_pack("[{s:s, s:s, s:s, s:b, s:[]}]", "Type", type, "Source",
				 !strcmp(type, "bind") ? "/src" : "vol", "Destination", "/x", "RW",
				 1, "Options");
	if (opt)
		json_array_append_new(json_object_get(json_array_get(plan, 0), "Options"),
				      json_string(opt));
	json_t *mounts = json_array();
	eng_mounts_spec(&store, plan, userns, mounts);
	char out[256] = "";
	size_t i;
	json_t *o;
	json_array_foreach(json_object_get(json_array_get(mounts, 0), "options"), i, o)
	{
		strcat(out, i ? " " : "");
		strcat(out, json_string_value(o));
	}
	json_decref(mounts);
	json_decref(plan);
	return strdup(out);
}

static void check_spec(const char *type, const char *opt, bool userns, const char *want)
{
	char *got = spec_options(type, opt, userns);
	assert_string_equal(got, want);
	free(got);
}

static void test_volume_idmap_spec(void **state)
{
	check_spec("bind", NULL, true, "rbind rprivate rw");
	check_spec("bind", "idmap", true, "rbind rprivate rw idmap");
	check_spec("bind", "idmap", false, "rbind rprivate rw idmap");
	check_spec("bind", "idmap=uids=0-1-1", false, "rbind rprivate rw idmap=uids=0-1-1");
	check_spec("volume", NULL, true, "rbind rprivate rw idmap");
	check_spec("volume", NULL, false, "rbind rprivate rw");
	check_spec("volume", "idmap", true, "rbind rprivate rw idmap");
	check_spec("volume", "idmap=gids=0-1-1", true, "rbind rprivate rw idmap=gids=0-1-1");
}

/* A VM's guest (issue #19): a bind's or volume's idmap refused by the plan and by the check
 * of a whole plan (--volumes-from's entries), naming the destination; the rest passes. */
static void test_volume_idmap_guest(void **state)
{
	static const char *const refused[] = {"/tmp:/x:idmap", "/tmp:/x:ro,idmap=uids=0-1-1",
					      "type=bind,src=/tmp,dst=/x,idmap=true", NULL};
	for (size_t i = 0; refused[i]; i++) {
		char *const one[] = {(char *)refused[i], NULL};
		bool mount = !strncmp(refused[i], "type=", 5);
		struct berr *err = NULL;
		assert_null(eng_mounts_plan(&store, mount ? NULL : one, mount ? one : NULL, NULL,
					    NULL, true, NULL, &err));
		assert_int_equal(berr_code(err), EINVAL);
		char *msg = berr_string(err);
		assert_non_null(strstr(msg, "mount '/x': idmap is not possible in a VM"));
		free(msg);
		berr_free(err);
	}
	char *const fine[] = {"/tmp:/x", "/tmp:/y:idmap=false", NULL};
	char *const tmpfs[] = {"/t:size=1m", NULL};
	json_auto_t *made = json_array();
	json_t *plan = eng_mounts_plan(&store, fine, NULL, tmpfs, NULL, true, made, NULL);
	assert_non_null(plan);
	assert_int_equal(eng_mounts_guest_check(plan, NULL), 0);
	json_array_append_new(plan,
			      json_pack("{s:s, s:s, s:s, s:b, s:[s]}", "Type", "volume", "Source",
					"v", "Destination", "/from", "RW", 1, "Options", "idmap"));
	struct berr *err = NULL;
	assert_int_equal(eng_mounts_guest_check(plan, &err), -EINVAL);
	char *msg = berr_string(err);
	assert_non_null(strstr(msg, "mount '/from': idmap"));
	free(msg);
	berr_free(err);
	json_decref(plan);
}

/* The store's volumes, one string "a b ...". */
static char *volumes(const struct eng_store *st)
{
	char **names = NULL;
	assert_int_equal(eng_volume_list(st, &names, NULL), 0);
	char *out = strdup("");
	for (char **n = names; *n; n++) {
		char *more = NULL;
		assert_true(asprintf(&more, "%s%s%s", out, *out ? " " : "", *n) > 0);
		free(out);
		out = more;
	}
	strv_free(names);
	return out;
}

/* made: the volumes a plan made (not one that existed); a failing plan removes them again, and
 * eng_volume_remove_made does after a later failure (issue #19: nothing left behind). */
static void test_volume_plan_made(void **state)
{
	char root[] = "/tmp/berth-test-volume.XXXXXX";
	assert_non_null(mkdtemp(root));
	struct eng_store st = {.root = root};
	assert_int_equal(eng_volume_create(&st, "old", NULL, false, true, NULL, NULL), 0);
	char *const bad[] = {"new:/a", "old:/b", "/c", "/tmp:/d:bogus", NULL};
	json_auto_t *made = json_array();
	assert_null(eng_mounts_plan(&st, bad, NULL, NULL, NULL, false, made, NULL));
	assert_int_equal(json_array_size(made), 0);
	char *left = volumes(&st);
	assert_string_equal(left, "old");
	free(left);
	char *const good[] = {"new:/a", "old:/b", "/c", NULL};
	json_t *plan = eng_mounts_plan(&st, good, NULL, NULL, NULL, false, made, NULL);
	assert_non_null(plan);
	json_decref(plan);
	assert_int_equal(json_array_size(made), 2); /* new and /c's anonymous one */
	assert_string_equal(json_string_value(json_array_get(made, 0)), "new");
	eng_volume_remove_made(&st, made);
	left = volumes(&st);
	assert_string_equal(left, "old");
	free(left);
	assert_int_equal(fs_rm_rf(AT_FDCWD, root, NULL), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_volume_idmap_plan),
	    cmocka_unit_test(test_volume_idmap_spec),
	    cmocka_unit_test(test_volume_idmap_guest),
	    cmocka_unit_test(test_volume_plan_made),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
