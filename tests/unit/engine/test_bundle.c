/* The container's config.json as decided from an image config and run options. */
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
#include "engine/user.h"
#include "image/config.h"
#include "util/err.h"

static struct img_config *image(void)
{
	static const char cfg[] =
	    "{\"config\":{\"Env\":[\"PATH=/img\",\"A=img\"],\"Entrypoint\":[\"/entry\"],"
	    "\"Cmd\":[\"default\"],\"WorkingDir\":\"/w\"},\"rootfs\":{\"type\":\"layers\"}}";
	struct img_config *c = NULL;
	assert_int_equal(img_config_parse(cfg, strlen(cfg), &c, NULL), 0);
	return c;
}

static char *args_of(const struct eng_run_opts *o, struct img_config *c)
{
	json_t *a = eng_bundle_args(o, c, NULL);
	assert_non_null(a);
	char *s = json_dumps(a, JSON_COMPACT);
	json_decref(a);
	return s;
}

static void args(void **state)
{
	struct img_config *c = image();
	struct eng_run_opts o = {0};
	char *s = args_of(&o, c);
	assert_string_equal(s, "[\"/entry\",\"default\"]");
	free(s);
	char *cmd[] = {"x", "y", NULL};
	o.cmd = cmd;
	s = args_of(&o, c);
	assert_string_equal(s, "[\"/entry\",\"x\",\"y\"]");
	free(s);
	/* --entrypoint drops the image's Cmd too */
	o.cmd = NULL;
	o.entrypoint = "/other";
	s = args_of(&o, c);
	assert_string_equal(s, "[\"/other\"]");
	free(s);
	o.entrypoint = "";
	struct berr *err = NULL;
	assert_null(eng_bundle_args(&o, c, &err));
	char *msg = berr_string(err);
	assert_string_equal(msg, "no command specified");
	free(msg);
	berr_free(err);
	img_config_free(c);
}

static json_t *spec(struct eng_run_opts *o, struct img_config *c, uid_t uid, struct berr **err)
{
	struct eng_user u = {.uid = uid, .gid = uid};
	strcpy(u.home, "/home/u");
	return eng_bundle_spec(o, c, &u, "0123456789abcdef", "/r", "/d", err);
}

static void spec_defaults(void **state)
{
	struct img_config *c = image();
	char *env[] = {"A=flag", "B=2", NULL};
	struct eng_run_opts o = {.env = env, .memory = 64 << 20, .pids_limit = 9, .cpus = 1.5};
	json_t *j = spec(&o, c, 0, NULL);
	assert_non_null(j);
	char *e = json_dumps(json_object_get(json_object_get(j, "process"), "env"), JSON_COMPACT);
	assert_string_equal(e, "[\"PATH=/img\",\"A=flag\",\"B=2\",\"HOSTNAME=0123456789ab\","
			       "\"HOME=/home/u\"]");
	free(e);
	assert_string_equal(json_string_value(json_object_get(j, "hostname")), "0123456789ab");
	json_t *caps = json_object_get(json_object_get(j, "process"), "capabilities");
	assert_int_equal(json_array_size(json_object_get(caps, "effective")), 14);
	json_t *res = json_object_get(json_object_get(j, "linux"), "resources");
	assert_int_equal(
	    json_integer_value(json_object_get(json_object_get(res, "memory"), "limit")), 64 << 20);
	assert_int_equal(
	    json_integer_value(json_object_get(json_object_get(res, "memory"), "swap")), 128 << 20);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(res, "cpu"), "quota")),
			 150000);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(res, "pids"), "limit")),
			 9);
	assert_non_null(json_object_get(json_object_get(j, "linux"), "maskedPaths"));
	json_decref(j);
	/* a non-root user keeps only the bounding set */
	j = spec(&o, c, 1000, NULL);
	caps = json_object_get(json_object_get(j, "process"), "capabilities");
	assert_int_equal(json_array_size(json_object_get(caps, "effective")), 0);
	assert_int_equal(json_array_size(json_object_get(caps, "bounding")), 14);
	json_decref(j);
	img_config_free(c);
}

static void spec_refuses(void **state)
{
	struct img_config *c = image();
	char *bad_ulimit[] = {"nofile=9:1", NULL};
	char *bad_cap[] = {"NOPE", NULL};
	char *bad_sysctl[] = {"novalue", NULL};
	struct eng_run_opts o = {.ulimits = bad_ulimit};
	struct berr *err = NULL;
	assert_null(spec(&o, c, 0, &err));
	berr_clear(&err);
	o = (struct eng_run_opts){.cap_add = bad_cap};
	assert_null(spec(&o, c, 0, &err));
	berr_clear(&err);
	o = (struct eng_run_opts){.sysctls = bad_sysctl};
	assert_null(spec(&o, c, 0, &err));
	berr_clear(&err);
	img_config_free(c);
}

static void bytes(void **state)
{
	assert_int_equal(eng_parse_bytes("1024"), 1024);
	assert_int_equal(eng_parse_bytes("512m"), 512 << 20);
	assert_int_equal(eng_parse_bytes("1g"), 1 << 30);
	assert_int_equal(eng_parse_bytes("1.5k"), 1536);
	assert_int_equal(eng_parse_bytes("64MB"), 64 << 20);
	assert_int_equal(eng_parse_bytes("lots"), -1);
	assert_int_equal(eng_parse_bytes("1x"), -1);
	assert_int_equal(eng_parse_bytes("-5"), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(args),
	    cmocka_unit_test(spec_defaults),
	    cmocka_unit_test(spec_refuses),
	    cmocka_unit_test(bytes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
