/* The cache of compiled seccomp programs: keys, a round trip, damaged files are misses. */
/* cmocka.h needs setjmp.h, stdarg.h and stddef.h before it: keep this order. */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
// clang-format on

#include <fcntl.h>
#include <linux/filter.h>
#include <unistd.h>

#include "runtime/seccomp.h"
#include "util/fs.h"
#include "util/xalloc.h"

static void keys(void **state)
{
	json_t *a = json_pack("{s:s, s:[{s:[s], s:s}]}", "defaultAction", "SCMP_ACT_ERRNO",
			      "syscalls", "names", "read", "action", "SCMP_ACT_ALLOW");
	json_t *b = json_deep_copy(a);
	json_object_set_new(b, "listenerPath", json_string("/run/agent.sock"));
	json_t *c = json_deep_copy(a);
	json_object_set_new(c, "defaultAction", json_string("SCMP_ACT_KILL"));
	char ka[65], kb[65], kc[65], kd[65];
	rt_seccomp_cache_key(a, "libseccomp 2.5.4", ka);
	rt_seccomp_cache_key(b, "libseccomp 2.5.4", kb);
	rt_seccomp_cache_key(c, "libseccomp 2.5.4", kc);
	rt_seccomp_cache_key(a, "libseccomp 2.5.5", kd);
	assert_string_equal(ka, kb); /* the listener does not change the program */
	assert_string_not_equal(ka, kc);
	assert_string_not_equal(ka, kd);
	assert_int_equal(strlen(ka), 64);
	json_decref(a);
	json_decref(b);
	json_decref(c);
}

static void round_trip(void **state)
{
	char dir[] = "/tmp/berth-sccache.XXXXXX";
	assert_non_null(mkdtemp(dir));
	struct sock_filter prog[3] = {{0x20, 0, 0, 4}, {0x15, 0, 1, 62}, {0x06, 0, 0, 0x7fff0000}};
	struct rt_seccomp in = {.insns = prog, .n_insns = 3, .kflags = 4, .notify = true};
	struct rt_seccomp *out = NULL;
	assert_int_not_equal(rt_seccomp_cache_get(dir, "k1", &out), 0);
	rt_seccomp_cache_put(dir, "k1", &in);
	assert_int_equal(rt_seccomp_cache_get(dir, "k1", &out), 0);
	assert_int_equal(out->n_insns, 3);
	assert_int_equal(out->kflags, 4);
	assert_true(out->notify);
	assert_memory_equal(out->insns, prog, sizeof(prog));
	rt_seccomp_free(out);
	/* cut short: a miss, compiled again */
	char *path = xasprintf("%s/seccomp/k1", dir);
	assert_int_equal(truncate(path, 20), 0);
	assert_int_not_equal(rt_seccomp_cache_get(dir, "k1", &out), 0);
	assert_int_equal(fs_write_file(AT_FDCWD, path, "junkjunkjunkjunkjunk", 20, 0600, NULL), 0);
	assert_int_not_equal(rt_seccomp_cache_get(dir, "k1", &out), 0);
	free(path);
	assert_int_equal(fs_rm_rf(AT_FDCWD, dir, NULL), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(keys),
	    cmocka_unit_test(round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
