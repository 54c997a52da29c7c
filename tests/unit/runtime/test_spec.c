/* config.json parsing: good configs become the right plan; bad ones give errors naming the field.
 */
/* cmocka.h needs setjmp.h, stdarg.h and stddef.h before it: keep this order. */
// clang-format off
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>

#include <cmocka.h>
// clang-format on

#include "runtime/spec.h"
#include "util/err.h"

static struct rt_spec *parse(const char *text, struct berr **err)
{
	return rt_spec_parse(text, strlen(text), "/bundle", err);
}

static void expect_error(const char *text, const char *want_substring)
{
	struct berr *err = NULL;
	struct rt_spec *s = parse(text, &err);
	assert_null(s);
	assert_non_null(err);
	char *msg = berr_string(err);
	if (!strstr(msg, want_substring))
		fail_msg("error '%s' does not contain '%s'", msg, want_substring);
	free(msg);
	berr_free(err);
}

static void test_full(void **state)
{
	const char *text =
	    "{\"ociVersion\":\"1.1.0\",\"root\":{\"path\":\"rootfs\",\"readonly\":true},"
	    "\"hostname\":\"h\",\"process\":{\"args\":[\"sh\"],\"cwd\":\"/w\",\"env\":[\"A=1\"],"
	    "\"user\":{\"uid\":5,\"gid\":6,\"umask\":18,\"additionalGids\":[7,8]},"
	    "\"capabilities\":{\"bounding\":[\"CAP_KILL\"],\"effective\":[\"CAP_KILL\","
	    "\"CAP_NOT_YET\",\"CAP_CHOWN\"]},\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"soft\":10,"
	    "\"hard\":20}],"
	    "\"noNewPrivileges\":true,\"oomScoreAdj\":100},"
	    "\"mounts\":[{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\"},"
	    "{\"destination\":\"/d\",\"type\":\"bind\",\"source\":\"/x\",\"options\":[\"rbind\","
	    "\"ro\",\"nosuid\",\"rprivate\",\"rro\",\"mode=755\",\"size=1k\"]}],"
	    "\"hooks\":{\"poststop\":[{\"path\":\"/bin/true\",\"timeout\":3}]},"
	    "\"linux\":{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"network\",\"path\":"
	    "\"/proc/1/ns/net\"}],\"maskedPaths\":[\"/proc/kcore\"],\"sysctl\":"
	    "{\"net.ipv4.ip_forward\":\"1\"},\"cgroupsPath\":\"/x/y\",\"rootfsPropagation\":"
	    "\"rshared\",\"devices\":[{\"path\":\"/dev/fuse\",\"type\":\"c\",\"major\":10,"
	    "\"minor\":229}]}}";
	struct berr *err = NULL;
	struct rt_spec *s = parse(text, &err);
	if (!s)
		fail_msg("%s", berr_string(err));
	assert_string_equal(s->root_path, "/bundle/rootfs");
	assert_true(s->root_readonly);
	assert_string_equal(s->process->args[0], "sh");
	assert_int_equal(s->process->uid, 5);
	assert_int_equal(s->process->n_additional_gids, 2);
	assert_int_equal(s->process->umask, 022);
	/* an unknown name is ignored (runtime-spec 1.1), the others kept */
	assert_int_equal(s->process->caps[RT_CAP_EFFECTIVE], (1ULL << 5) | (1ULL << 0));
	assert_int_equal(s->process->rlimits[0].resource, RLIMIT_NOFILE);
	assert_int_equal(s->process->rlimits[0].hard, 20);
	assert_int_equal(s->n_mounts, 2);
	struct rt_mount *m = &s->mounts[1];
	assert_true(m->bind && m->recursive_bind);
	assert_int_equal(m->flags, MS_RDONLY | MS_NOSUID);
	assert_int_equal(m->propagation, MS_PRIVATE | MS_REC);
	assert_string_equal(m->data, "mode=755,size=1k");
	assert_int_equal(s->hooks[RT_HOOK_POSTSTOP].n, 1);
	assert_int_equal(s->hooks[RT_HOOK_POSTSTOP].list[0].timeout_s, 3);
	assert_true(s->ns[RT_NS_PID].enabled);
	assert_null(s->ns[RT_NS_PID].path);
	assert_string_equal(s->ns[RT_NS_NET].path, "/proc/1/ns/net");
	assert_false(s->ns[RT_NS_USER].enabled);
	assert_int_equal(s->rootfs_propagation, MS_SHARED | MS_REC);
	assert_string_equal(s->sysctls[0].key, "net.ipv4.ip_forward");
	assert_int_equal(s->devices[0].major, 10);
	rt_spec_free(s);
}

static void test_errors_name_the_field(void **state)
{
	expect_error("{", "invalid JSON");
	expect_error("[]", "expected an object");
	expect_error("{\"root\":{\"path\":\"r\"}}", "ociVersion: missing");
	expect_error("{\"ociVersion\":\"1\"}", "root: missing");
	expect_error("{\"ociVersion\":\"1\",\"root\":{\"path\":5}}", "root.path: expected string");
	expect_error("{\"ociVersion\":\"1\",\"root\":{\"path\":\"r\"},\"process\":{\"args\":[]}}",
		     "process.args: must have at least one entry");
	expect_error("{\"ociVersion\":\"1\",\"root\":{\"path\":\"r\"},\"process\":{\"args\":"
		     "[\"a\"],\"rlimits\":[{\"type\":\"RLIMIT_FOO\",\"soft\":1,\"hard\":1}]}}",
		     "unknown type 'RLIMIT_FOO'");
	expect_error("{\"ociVersion\":\"1\",\"root\":{\"path\":\"r\"},\"linux\":{\"namespaces\":"
		     "[{\"type\":\"bogus\"}]}}",
		     "unknown type 'bogus'");
	expect_error("{\"ociVersion\":\"1\",\"root\":{\"path\":\"r\"},\"linux\":{\"namespaces\":"
		     "[{\"type\":\"user\"}]}}",
		     "needs uid and gid mappings");
	expect_error("{\"ociVersion\":\"1\",\"root\":{\"path\":\"r\"},\"mounts\":[{\"destination\":"
		     "\"rel\",\"type\":\"tmpfs\"}]}",
		     "not an absolute path");
	expect_error("{\"ociVersion\":\"1\",\"root\":{\"path\":\"r\"},\"linux\":{\"sysctl\":"
		     "{\"../../etc\":\"x\"}}}",
		     "invalid key");
	expect_error(
	    "{\"ociVersion\":\"1\",\"root\":{\"path\":\"r\"},\"process\":{\"args\":[\"a\"],"
	    "\"oomScoreAdj\":5000}}",
	    "oomScoreAdj");
}

static void test_oversized(void **state)
{
	size_t n = RT_SPEC_MAX_BYTES + 10;
	char *big = malloc(n + 1);
	memset(big, ' ', n);
	big[n] = '\0';
	struct berr *err = NULL;
	assert_null(rt_spec_parse(big, n, "/b", &err));
	assert_int_equal(berr_code(err), EFBIG);
	berr_free(err);
	free(big);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_full),
	    cmocka_unit_test(test_errors_name_the_field),
	    cmocka_unit_test(test_oversized),
	};
	return cmocka_run_group_tests_name("runtime/spec", tests, NULL, NULL);
}
