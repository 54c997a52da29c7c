/* Docker's create request as struct eng_create (api/create.c): what the docker CLI 20.10 sends
 * for `docker run -d --name web -p 127.0.0.1:8080:80 -v /data:/d:ro --restart on-failure:3
 * --entrypoint sh ...`, each field where `run`'s flags would have put it; bad types refused. */
/* cmocka.h needs setjmp.h, stdarg.h and stddef.h before it: keep this order. */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>
// clang-format on

#include "api/create.h"
#include "util/err.h"
#include "util/json.h"

static const char request[] =
    "{\"Hostname\":\"\",\"User\":\"app\",\"AttachStdin\":false,\"AttachStdout\":true,"
    "\"AttachStderr\":true,\"ExposedPorts\":{\"80/tcp\":{}},\"Tty\":false,\"OpenStdin\":false,"
    "\"Env\":[\"A=1\"],\"Cmd\":[\"-c\",\"echo hi\"],\"Image\":\"berth/default\","
    "\"WorkingDir\":\"/w\",\"Entrypoint\":[\"sh\"],\"Labels\":{\"k\":\"v\"},"
    "\"StopSignal\":\"SIGINT\",\"StopTimeout\":7,"
    "\"HostConfig\":{\"Binds\":[\"/data:/d:ro\"],\"NetworkMode\":\"default\","
    "\"PortBindings\":{\"80/tcp\":[{\"HostIp\":\"127.0.0.1\",\"HostPort\":\"8080\"}]},"
    "\"RestartPolicy\":{\"Name\":\"on-failure\",\"MaximumRetryCount\":3},\"AutoRemove\":false,"
    "\"CapAdd\":[\"NET_ADMIN\"],\"Memory\":67108864,\"NanoCpus\":1500000000,"
    "\"Ulimits\":[{\"Name\":\"nofile\",\"Soft\":1024,\"Hard\":2048}],"
    "\"Tmpfs\":{\"/run\":\"size=64m\"},\"ExtraHosts\":[\"h:10.0.0.1\"],"
    "\"SecurityOpt\":[\"no-new-privileges\"],"
    "\"Mounts\":[{\"Type\":\"volume\",\"Source\":\"vol\",\"Target\":\"/v\",\"ReadOnly\":true}]},"
    "\"NetworkingConfig\":{\"EndpointsConfig\":{}}}";

static void docker_cli_request(void **state)
{
	(void)state;
	json_t *cfg = json_loads(request, 0, NULL);
	assert_non_null(cfg);
	struct eng_create c = {.stop_timeout = -1};
	struct api_create_owned own = {0};
	struct berr *err = NULL;
	assert_int_equal(api_create_decode(cfg, &c, &own, &err), 0);
	assert_string_equal(c.image, "berth/default");
	assert_string_equal(c.run.entrypoint, "sh");
	assert_string_equal(c.run.cmd[0], "-c");
	assert_string_equal(c.run.cmd[1], "echo hi");
	assert_null(c.run.cmd[2]);
	assert_string_equal(c.run.env[0], "A=1");
	assert_string_equal(c.run.user, "app");
	assert_string_equal(c.run.workdir, "/w");
	assert_null(c.run.hostname);
	assert_string_equal(c.run.labels[0], "k=v");
	assert_string_equal(c.run.stop_signal, "SIGINT");
	assert_int_equal(c.stop_timeout, 7);
	assert_string_equal(c.expose[0], "80/tcp");
	assert_string_equal(c.volumes[0], "/data:/d:ro");
	/* "default" is the engine's default (bridge, or pasta for a rootless user), not "bridge"
	 * said */
	assert_null(c.run.network);
	assert_string_equal(c.publish[0], "127.0.0.1:8080:80/tcp");
	assert_string_equal(c.restart, "on-failure:3");
	assert_string_equal(c.run.cap_add[0], "NET_ADMIN");
	assert_int_equal(c.run.memory, 67108864);
	assert_true(c.run.cpus > 1.49 && c.run.cpus < 1.51);
	assert_string_equal(c.run.ulimits[0], "nofile=1024:2048");
	assert_string_equal(c.tmpfs[0], "/run:size=64m");
	assert_string_equal(c.add_hosts[0], "h:10.0.0.1");
	assert_true(c.run.no_new_privileges);
	assert_string_equal(c.mounts[0], "type=volume,source=vol,target=/v,readonly");
	assert_true(c.attach_stdout);
	assert_false(c.attach_stdin);
	api_create_owned_free(&own);
	json_decref(cfg);
}

/* Entrypoint of several words: all of them the entrypoint's, Cmd apart (as inspect shows). */
static void entrypoint_words(void **state)
{
	(void)state;
	json_t *cfg = json_loads(
	    "{\"Image\":\"x\",\"Entrypoint\":[\"sh\",\"-c\"],\"Cmd\":[\"echo\"]}", 0, NULL);
	struct eng_create c = {.stop_timeout = -1};
	struct api_create_owned own = {0};
	struct berr *err = NULL;
	assert_int_equal(api_create_decode(cfg, &c, &own, &err), 0);
	assert_string_equal(c.run.entrypoint, "sh");
	assert_string_equal(c.run.entrypoint_rest[0], "-c");
	assert_null(c.run.entrypoint_rest[1]);
	assert_string_equal(c.run.cmd[0], "echo");
	assert_null(c.run.cmd[1]);
	api_create_owned_free(&own);
	json_decref(cfg);
}

static void refused(void **state)
{
	(void)state;
	static const char *const bad[] = {
	    "{}",
	    "{\"Image\":\"\"}",
	    "{\"Image\":\"x\",\"Cmd\":1}",
	    "{\"Image\":\"x\",\"Entrypoint\":[\"a\", 2]}",
	    "{\"Image\":\"x\",\"Env\":[1]}",
	    "{\"Image\":\"x\",\"HostConfig\":{\"SecurityOpt\":[\"apparmor=x\"]}}",
	    "{\"Image\":\"x\",\"HostConfig\":{\"Binds\":{}}}"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		json_t *cfg = json_loads(bad[i], 0, NULL);
		assert_non_null(cfg);
		struct eng_create c = {.stop_timeout = -1};
		struct api_create_owned own = {0};
		struct berr *err = NULL;
		assert_true(api_create_decode(cfg, &c, &own, &err) < 0);
		assert_int_equal(berr_code(err), EINVAL);
		berr_free(err);
		api_create_owned_free(&own);
		json_decref(cfg);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(docker_cli_request),
					   cmocka_unit_test(entrypoint_words),
					   cmocka_unit_test(refused)};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
