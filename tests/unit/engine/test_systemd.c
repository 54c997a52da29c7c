/* systemd mode (issue #20): when --systemd turns it on, and what it adds to a bundle. */
/* cmocka.h needs setjmp.h, stdarg.h and stddef.h before it: keep this order. */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
// clang-format on

#include "engine/bundle.h"
#include "engine/systemd.h"
#include "engine/user.h"
#include "image/config.h"
#include "util/err.h"

static bool decide(const char *value, const char *args_json)
{
	json_t *args = json_loads(args_json, 0, NULL);
	assert_non_null(args);
	bool on = false;
	assert_int_equal(eng_systemd_decide(value, args, &on, NULL), 0);
	json_decref(args);
	return on;
}

static void decide_by_command(void **state)
{
	/* podman's list: the three inits and any file named systemd */
	assert_true(decide(NULL, "[\"/sbin/init\"]"));
	assert_true(decide("true", "[\"/usr/sbin/init\"]"));
	assert_true(decide("true", "[\"/usr/local/sbin/init\"]"));
	assert_true(decide("true", "[\"/usr/lib/systemd/systemd\", \"--log-level=debug\"]"));
	assert_true(decide("true", "[\"systemd\"]"));
	assert_true(decide("true", "[\"/bin/sh\", \"-c\", \"/sbin/init\"]"));
	assert_false(decide("true", "[\"/bin/sh\"]"));
	assert_false(decide("true", "[\"/sbin/initctl\"]"));
	assert_false(decide("true", "[\"/bin/echo\", \"/sbin/init\"]"));
	assert_false(decide("true", "[]"));
	/* false never, always always */
	assert_false(decide("false", "[\"/sbin/init\"]"));
	assert_true(decide("always", "[\"/bin/sh\"]"));
}

static void decide_bad_value(void **state)
{
	json_t *args = json_pack("[s]", "/sbin/init");
	bool on = true;
	struct berr *err = NULL;
	assert_int_equal(eng_systemd_decide("yes", args, &on, &err), -EINVAL);
	char *msg = berr_string(err);
	assert_non_null(strstr(msg, "invalid --systemd 'yes'"));
	free(msg);
	assert_true(on); /* not written on failure */
	berr_free(err);
	json_decref(args);
}

static json_t *mount_at(json_t *spec, const char *dst)
{
	size_t i;
	json_t *m;
	json_array_foreach(json_object_get(spec, "mounts"), i, m)
	{
		if (!strcmp(json_string_value(json_object_get(m, "destination")), dst))
			return m;
	}
	return NULL;
}

static bool has_env(json_t *spec, const char *kv)
{
	size_t i;
	json_t *e;
	json_array_foreach(json_object_get(json_object_get(spec, "process"), "env"), i, e)
	{
		if (!strcmp(json_string_value(e), kv))
			return true;
	}
	return false;
}

static json_t *spec_vm(bool systemd, bool vm, char *const *env)
{
	static const char cfg[] = "{\"config\":{\"Cmd\":[\"/sbin/init\"]},"
				  "\"rootfs\":{\"type\":\"layers\"}}";
	struct img_config *c = NULL;
	assert_int_equal(img_config_parse(cfg, strlen(cfg), &c, NULL), 0);
	struct eng_run_opts o = {.systemd = systemd, .vm = vm, .env = env};
	struct eng_user u = {0};
	strcpy(u.home, "/root");
	json_t *spec = eng_bundle_spec(
	    &o, c, &u, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "/r",
	    "/d", NULL);
	img_config_free(c);
	assert_non_null(spec);
	return spec;
}

static json_t *spec_of(bool systemd, char *const *env)
{
	return spec_vm(systemd, false, env);
}

static void spec_systemd(void **state)
{
	json_t *spec = spec_of(true, NULL);
	assert_true(has_env(spec, "container=berth"));
	assert_true(has_env(spec, "container_uuid=0123456789abcdef0123456789abcdef"));
	static const char *const tmpfs[] = {"/run", "/run/lock", "/tmp", "/var/log/journal"};
	for (size_t i = 0; i < 4; i++) {
		json_t *m = mount_at(spec, tmpfs[i]);
		assert_non_null(m);
		assert_string_equal(json_string_value(json_object_get(m, "type")), "tmpfs");
	}
	json_t *host = mount_at(spec, "/run/host");
	assert_non_null(host);
	assert_string_equal(json_string_value(json_object_get(host, "source")), "/d/host");
	/* /sys stays read-only */
	json_t *sys = mount_at(spec, "/sys");
	char *opts = json_dumps(json_object_get(sys, "options"), JSON_COMPACT);
	assert_non_null(strstr(opts, "\"ro\""));
	free(opts);
	/* a user's own value wins */
	char *env[] = {"container=mine", NULL};
	json_t *own = spec_of(true, env);
	assert_true(has_env(own, "container=mine"));
	assert_false(has_env(own, "container=berth"));
	json_decref(own);
	json_decref(spec);
}

static void spec_plain(void **state)
{
	json_t *spec = spec_of(false, NULL);
	assert_false(has_env(spec, "container=berth"));
	assert_null(mount_at(spec, "/run"));
	assert_null(mount_at(spec, "/run/host"));
	json_decref(spec);
}

/* a VM (issue #20): the guest init's annotation, none of the container interface */
static void spec_systemd_vm(void **state)
{
	json_t *spec = spec_vm(true, true, NULL);
	json_t *a = json_object_get(spec, "annotations");
	assert_string_equal(json_string_value(json_object_get(a, "org.berth.systemd")), "true");
	assert_false(has_env(spec, "container=berth"));
	assert_null(mount_at(spec, "/run"));
	assert_null(mount_at(spec, "/run/host"));
	json_decref(spec);
	spec = spec_of(true, NULL);
	assert_null(json_object_get(json_object_get(spec, "annotations"), "org.berth.systemd"));
	json_decref(spec);
}

static void unshadow(void **state)
{
	json_t *spec = spec_of(true, NULL);
	json_t *plan = json_pack("[{s:s, s:s}]", "Type", "tmpfs", "Destination", "/tmp");
	eng_systemd_unshadow(spec, plan);
	assert_null(mount_at(spec, "/tmp"));
	assert_non_null(mount_at(spec, "/run"));
	json_decref(plan);
	json_decref(spec);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(decide_by_command), cmocka_unit_test(decide_bad_value),
	    cmocka_unit_test(spec_systemd),      cmocka_unit_test(spec_plain),
	    cmocka_unit_test(unshadow),          cmocka_unit_test(spec_systemd_vm),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
