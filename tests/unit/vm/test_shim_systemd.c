/* berth-runtime-vm's systemd mode (vm/shim_systemd.h): which bundles hand PID 1 to the image's
 * init (berth's annotation; podman's systemd mode, marked by container_uuid; another caller's
 * init as the command), and what a machine does not get of podman's container setup. */
/* cmocka.h needs setjmp.h, stdarg.h and stddef.h before it: keep this order. */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
// clang-format on

#include "vm/guestcfg.h"
#include "vm/shim_systemd.h"

#define ID "8df31d6030ff60d466233bdce8ae6456f4264396dd1eb53b384499909a6dfc09"

/* podman 4.3's config.json for `podman run IMAGE` of a system image (trimmed) */
static const char podman_spec[] =
    "{\"process\": {\"args\": [\"/sbin/init\"], \"env\": [\"PATH=/usr/bin\", \"TERM=xterm\","
    " \"container=podman\", \"HOME=/root\", \"container_uuid=8df31d6030ff60d466233bdce8ae6456\"]},"
    " \"mounts\": [{\"destination\": \"/proc\", \"type\": \"proc\"},"
    " {\"destination\": \"/run\", \"type\": \"tmpfs\", \"source\": \"tmpfs\"},"
    " {\"destination\": \"/run/.containerenv\", \"type\": \"bind\", \"source\": "
    "\"/x/.containerenv\"},"
    " {\"destination\": \"/sys/fs/cgroup\", \"type\": \"cgroup\", \"source\": \"cgroup\"},"
    " {\"destination\": \"/sys/fs/cgroup/systemd\", \"type\": \"bind\","
    " \"source\": \"/sys/fs/cgroup/systemd\"},"
    " {\"destination\": \"/var/log/journal\", \"type\": \"tmpfs\", \"source\": \"tmpfs\"}],"
    " \"annotations\": {\"io.container.manager\": \"libpod\","
    " \"org.opencontainers.image.stopSignal\": \"37\"}}";

static json_t *load(const char *text)
{
	json_t *j = json_loads(text, 0, NULL);
	assert_non_null(j);
	return j;
}

/* The spec's mount destinations (or env), one per line. */
static char *lines(json_t *arr, const char *key)
{
	size_t i;
	json_t *e;
	char *out = calloc(1, 4096);
	json_array_foreach(arr, i, e)
	{
		strcat(out,
		       key ? json_string_value(json_object_get(e, key)) : json_string_value(e));
		strcat(out, "\n");
	}
	return out;
}

static void test_podman_systemd_mode(void **state)
{
	(void)state;
	json_t *j = load(podman_spec);
	assert_true(vm_rt_systemd(j, ID));
	json_t *a = json_object_get(j, "annotations");
	assert_string_equal(json_string_value(json_object_get(a, VM_SYSTEMD_ANNOTATION)), "true");
	assert_string_equal(json_string_value(json_object_get(a, "org.berth.container.id")), ID);
	char *env = lines(json_object_get(json_object_get(j, "process"), "env"), NULL);
	assert_string_equal(env, "PATH=/usr/bin\nTERM=xterm\nHOME=/root\n");
	char *mounts = lines(json_object_get(j, "mounts"), "destination");
	assert_string_equal(mounts, "/proc\n/run\n/var/log/journal\n");
	free(env);
	free(mounts);
	json_decref(j);
}

static void test_podman_without_systemd_mode(void **state)
{
	(void)state;
	/* --systemd=false: podman adds no container_uuid; its /sbin/init is any process */
	json_t *j = load(podman_spec);
	json_t *env = json_object_get(json_object_get(j, "process"), "env");
	json_array_remove(env, 4);
	assert_false(vm_rt_systemd(j, ID));
	assert_null(json_object_get(json_object_get(j, "annotations"), VM_SYSTEMD_ANNOTATION));
	assert_int_equal(json_array_size(json_object_get(j, "mounts")), 6);
	json_decref(j);
}

static void test_other_callers(void **state)
{
	(void)state;
	static const struct {
		const char *spec;
		bool on;
	} cases[] = {
	    /* containerd, CRI-O: the command decides (podman's list) */
	    {"{\"process\": {\"args\": [\"/sbin/init\"]}}", true},
	    {"{\"process\": {\"args\": [\"/usr/sbin/init\"]}}", true},
	    {"{\"process\": {\"args\": [\"/lib/systemd/systemd\", \"--log-level=debug\"]}}", true},
	    {"{\"process\": {\"args\": [\"/bin/sh\", \"-c\", \"sleep 1\"]}}", false},
	    {"{\"process\": {\"args\": [\"/sbin/initx\"]}}", false},
	    {"{\"process\": {}}", false},
	    /* berth's own annotation says, either way */
	    {"{\"process\": {\"args\": [\"/bin/sh\"]}, \"annotations\": {\"org.berth.systemd\": "
	     "\"true\"}}",
	     true},
	    {"{\"process\": {\"args\": [\"/sbin/init\"]}, \"annotations\": {\"org.berth.systemd\": "
	     "\"false\"}}",
	     false},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *j = load(cases[i].spec);
		if (vm_rt_systemd(j, ID) != cases[i].on)
			fail_msg("case %zu: %s", i, cases[i].spec);
		json_decref(j);
	}
	assert_false(vm_rt_systemd(NULL, ID));
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(test_podman_systemd_mode),
					   cmocka_unit_test(test_podman_without_systemd_mode),
					   cmocka_unit_test(test_other_callers)};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
