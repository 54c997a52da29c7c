/* --userns, --uidmap, --gidmap plans and the choice of a free range of host ids. */
/* cmocka.h needs setjmp.h, stdarg.h and stddef.h before it: keep this order. */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
// clang-format on

#include "engine/userns.h"
#include "runtime/spec.h"
#include "util/err.h"
#include "util/xalloc.h"

static char *plan_json(const char *mode, char **uid, char **gid, int *rc)
{
	struct eng_userns_opts o = {.mode = mode, .uidmap = uid, .gidmap = gid};
	char *m = NULL;
	json_t *maps = NULL;
	struct berr *err = NULL;
	*rc = eng_userns_plan(&o, &m, &maps, &err);
	if (*rc < 0) {
		assert_non_null(err);
		berr_free(err);
		return NULL;
	}
	char *s = maps ? json_dumps(maps, JSON_COMPACT | JSON_SORT_KEYS) : xstrdup("null");
	char *out = xasprintf("%s %s", m, s);
	free(s);
	free(m);
	json_decref(maps);
	return out;
}

static void plans(void **state)
{
	int rc;
	char *s = plan_json(NULL, NULL, NULL, &rc);
	assert_string_equal(s, " null");
	free(s);
	s = plan_json("host", NULL, NULL, &rc);
	assert_string_equal(s, "host null");
	free(s);
	s = plan_json("auto", NULL, NULL, &rc);
	assert_string_equal(s, "auto {\"Auto\":65536}");
	free(s);
	s = plan_json("auto:size=1024", NULL, NULL, &rc);
	assert_string_equal(s, "auto:size=1024 {\"Auto\":1024}");
	free(s);
	s = plan_json("private", NULL, NULL, &rc);
	assert_string_equal(s, "private {\"Auto\":65536}");
	free(s);
	/* only --uidmap: the gid map is the same */
	char *u[] = {"0:100000:1000", "1000:1000:1", NULL};
	s = plan_json(NULL, u, NULL, &rc);
	assert_string_equal(s, "private {\"GidMap\":[\"0:100000:1000\",\"1000:1000:1\"],"
			       "\"UidMap\":[\"0:100000:1000\",\"1000:1000:1\"]}");
	free(s);
	char *bad[][2] = {{"0:1", NULL},     {"a:1:2", NULL},
			  {"0:1:0", NULL},   {"0:4294967295:2", NULL},
			  {"0:1:2:3", NULL}, {"-1:1:2", NULL}};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_null(plan_json(NULL, bad[i], NULL, &rc));
		assert_int_equal(rc, -EINVAL);
	}
	const char *bad_modes[] = {"nosuch",     "auto:size=0", "auto:size=x",
				   "auto:uid=1", "ns:/x",       "keep-id"};
	for (size_t i = 0; i < sizeof(bad_modes) / sizeof(bad_modes[0]); i++)
		assert_null(plan_json(bad_modes[i], NULL, NULL, &rc));
	assert_null(plan_json("auto", u, NULL, &rc));
	assert_null(plan_json("host", u, NULL, &rc));
}

/* podman's auto:uidmapping= and gidmapping= (as root here: host ids, nothing to check) */
static void plans_forced(void **state)
{
	int rc;
	char *s = plan_json("auto:uidmapping=1000:5000:1,size=2000,uidmapping=0:7000:2,"
			    "gidmapping=5:6:7",
			    NULL, NULL, &rc);
	assert_string_equal(s, "auto:uidmapping=1000:5000:1,size=2000,uidmapping=0:7000:2,"
			       "gidmapping=5:6:7 {\"Auto\":2000,\"GidMap\":[\"5:6:7\"],"
			       "\"UidMap\":[\"1000:5000:1\",\"0:7000:2\"]}");
	free(s);
	s = plan_json("auto:gidmapping=0:1:1", NULL, NULL, &rc);
	assert_string_equal(s, "auto:gidmapping=0:1:1 {\"Auto\":65536,\"GidMap\":[\"0:1:1\"]}");
	free(s);
	const char *bad[] = {
	    "auto:uidmapping=0:1",     "auto:uidmapping=",        "auto:gidmapping=0:1:0",
	    "auto:uidmapping=a:1:1",   "auto:uidmapping=0:1:2:3", "auto:uidmap=0:1:1",
	    "private:uidmapping=0:1:1"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_null(plan_json(bad[i], NULL, NULL, &rc));
		assert_int_equal(rc, -EINVAL);
	}
	char *many = xstrdup("auto:size=1");
	for (int i = 0; i < 65; i++) {
		char *next = xasprintf("%s,uidmapping=%d:%d:1", many, i, i);
		free(many);
		many = next;
	}
	assert_null(plan_json(many, NULL, NULL, &rc));
	free(many);
}

/* list as compact JSON is want (list freed) */
static void assert_list(json_t *list, const char *want)
{
	char *s = json_dumps(list, JSON_COMPACT);
	assert_string_equal(s, want);
	free(s);
	json_decref(list);
}

/* the forced maps' container ids are left out of the range, in runs (c/storage's), the
 * lines in the order of the container ids */
static void auto_maps(void **state)
{
	json_t *f = json_pack("[s, s, s]", "1000:0:1", "10:9000:5", "12:9100:5");
	assert_int_equal(eng_userns_auto_need(2000, f), 2000 - 1 - 7);
	assert_list(eng_userns_auto_maps(2000, f, 1),
		    "[\"0:1:10\",\"10:9000:5\",\"12:9100:5\",\"17:11:983\",\"1000:0:1\","
		    "\"1001:994:999\"]");
	/* forced past the range, or covering it all */
	json_t *past = json_pack("[s]", "5000:0:1");
	assert_int_equal(eng_userns_auto_need(1024, past), 1024);
	json_t *all = json_pack("[s]", "0:7:1024");
	assert_int_equal(eng_userns_auto_need(1024, all), 0);
	assert_list(eng_userns_auto_maps(1024, all, 0), "[\"0:7:1024\"]");
	/* none forced: the one range */
	assert_int_equal(eng_userns_auto_need(1024, NULL), 1024);
	assert_list(eng_userns_auto_maps(1024, NULL, 1025), "[\"0:1025:1024\"]");
	json_decref(f);
	json_decref(past);
	json_decref(all);
}

static void pick(void **state)
{
	const uint64_t base = 1ULL << 30;
	assert_int_equal(eng_userns_pick(base, 1 << 20, NULL, 0, 65536, 65536), (int64_t)base);
	uint64_t taken[][2] = {{base, 65536}, {base + 65536, 1}, {base + 3 * 65536, 65536}};
	/* past the first two (the second ends inside the next aligned range) */
	assert_int_equal(eng_userns_pick(base, 1 << 20, taken, 3, 65536, 65536),
			 (int64_t)(base + 2 * 65536));
	/* a small one fits right after the single id, aligned to its size */
	assert_int_equal(eng_userns_pick(base, 1 << 20, taken, 3, 1024, 1024),
			 (int64_t)(base + 65536 + 1024));
	/* the pool is full */
	assert_int_equal(eng_userns_pick(base, 2 * 65536, taken, 3, 65536, 65536), -1);
	/* a range the pool does not start aligned */
	assert_int_equal(eng_userns_pick(100, 200000, NULL, 0, 65536, 65536), 65536);
	/* a user's (align 1, podman's first fit): intermediate ids from 1, right after another's */
	uint64_t mine[][2] = {{1, 1024}, {3025, 10}};
	assert_int_equal(eng_userns_pick(1, 65536, NULL, 0, 1024, 1), 1);
	assert_int_equal(eng_userns_pick(1, 65536, mine, 2, 2000, 1), 1025);
	assert_int_equal(eng_userns_pick(1, 65536, mine, 2, 2001, 1), 3035);
	assert_int_equal(eng_userns_pick(1, 65536, mine, 2, 65536 - 3034 + 1, 1), -1);
}

static void maps(void **state)
{
	json_t *l = json_pack("[s, s]", "0:100000:10", "10:5000:5");
	assert_int_equal(eng_userns_host_id(l, 0), 100000);
	assert_int_equal(eng_userns_host_id(l, 9), 100009);
	assert_int_equal(eng_userns_host_id(l, 12), 5002);
	assert_int_equal(eng_userns_host_id(l, 15), -1);
	/* the root's line wherever it is, else the first */
	json_t *any = json_pack("[s, s]", "1:7:10", "0:5:1");
	assert_int_equal(eng_userns_root_id(any), 5);
	json_t *no_root = json_pack("[s]", "1:7:10");
	assert_int_equal(eng_userns_root_id(no_root), 7);
	assert_int_equal(eng_userns_root_id(NULL), -1);
	json_decref(any);
	json_decref(no_root);
	json_t *oci = eng_userns_oci(l);
	char *s = json_dumps(oci, JSON_COMPACT | JSON_SORT_KEYS);
	assert_string_equal(s, "[{\"containerID\":0,\"hostID\":100000,\"size\":10},"
			       "{\"containerID\":10,\"hostID\":5000,\"size\":5}]");
	free(s);
	json_decref(oci);
	struct rt_idmap *m = NULL;
	assert_int_equal(eng_userns_idmaps(l, &m), 2);
	assert_int_equal(m[1].host_id, 5000);
	free(m);
	json_decref(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(plans), cmocka_unit_test(plans_forced), cmocka_unit_test(auto_maps),
	    cmocka_unit_test(pick),  cmocka_unit_test(maps),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
