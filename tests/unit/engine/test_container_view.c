/* A container's documents as the engine makes them for both front ends: Status text, the
 * command line, the list item of a record built here, the list's filters and the inspect
 * document's HostConfig. The rest of the inspect document and sizes read the disk: the
 * integration tests' (container.bats; api_peer.bats compares its keys with dockerd's). */
/* cmocka.h needs setjmp.h, stdarg.h and stddef.h before it: keep this order. */
// clang-format off
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
// clang-format on

#include <jansson.h>

#include "engine/container_view.h"
#include "util/err.h"
#include "util/filter.h"

/* 2024-01-01T00:00:00Z */
#define T0 ((time_t)1704067200)

static json_t *state(const char *text)
{
	json_t *j = json_loads(text, 0, NULL);
	assert_non_null(j);
	return j;
}

static void assert_status(const char *st_text, time_t now, const char *want)
{
	json_t *st = state(st_text);
	char *s = eng_container_status_text(st, now);
	assert_string_equal(s, want);
	free(s);
	json_decref(st);
}

static void status_text(void **unused)
{
	assert_status("{\"Status\": \"created\"}", T0, "Created");
	assert_status("{\"Status\": \"running\", \"StartedAt\": \"2024-01-01T00:00:00.5Z\"}",
		      T0 + 300, "Up 5 minutes");
	assert_status("{\"Status\": \"paused\", \"StartedAt\": \"2024-01-01T00:00:00Z\"}", T0 + 1,
		      "Up 1 second (Paused)");
	assert_status("{\"Status\": \"running\", \"StartedAt\": \"2024-01-01T00:00:00Z\","
		      " \"Health\": {\"Status\": \"starting\"}}",
		      T0 + 3600, "Up About an hour (health: starting)");
	assert_status("{\"Status\": \"running\", \"StartedAt\": \"2024-01-01T00:00:00Z\","
		      " \"Health\": {\"Status\": \"unhealthy\"}}",
		      T0 + 42, "Up 42 seconds (unhealthy)");
	assert_status("{\"Status\": \"exited\", \"ExitCode\": 3, \"FinishedAt\": "
		      "\"2024-01-01T00:00:00Z\"}",
		      T0 + 120, "Exited (3) 2 minutes ago");
	assert_status("{\"Status\": \"restarting\", \"ExitCode\": 1, \"FinishedAt\": "
		      "\"2024-01-01T01:00:00+01:00\"}",
		      T0, "Restarting (1) Less than a second ago");
	/* a monitor that died recorded no end (issue #23: "Exited (255) 2027 years ago") */
	assert_status("{\"Status\": \"exited\", \"ExitCode\": 255}", T0, "Exited (255)");
	assert_status("{\"Status\": \"exited\", \"ExitCode\": 255, \"FinishedAt\": "
		      "\"0001-01-01T00:00:00Z\"}",
		      T0, "Exited (255)");
}

static const char *record_text =
    "{\"Id\": \"0123456789abcdef\", \"Name\": \"/web\", \"Created\": "
    "\"2024-01-01T00:00:00.000000001Z\", \"Path\": \"sh\", \"Args\": [\"-c\", \"sleep 9\"],"
    " \"Image\": \"sha256:feedface\", \"ImageName\": \"busybox:1\","
    " \"Config\": {\"Labels\": {\"team\": \"a\", \"tier\": \"web\"}},"
    " \"HostConfig\": {\"NetworkMode\": \"bridge\", \"RestartPolicy\": {\"Name\": \"always\"},"
    "  \"Mounts\": [{\"Type\": \"bind\", \"Source\": \"/srv\", \"Destination\": \"/data\","
    "   \"RW\": false}]},"
    " \"NetworkSettings\": {\"Networks\": {\"bridge\": {\"NetworkID\": \"abc123\"}}}}";

static void summary(void **unused)
{
	struct eng_store s = {"/nonexistent", "/nonexistent"};
	json_t *rec = state(record_text);
	json_t *st = state("{\"Status\": \"running\", \"Running\": true, \"StartedAt\": "
			   "\"2024-01-01T00:00:00Z\", \"Ports\": {\"80/tcp\": [{\"HostIp\": "
			   "\"0.0.0.0\", \"HostPort\": \"8080\"}], \"443/tcp\": null}}");
	json_t *sum = eng_container_summary(&s, rec, st, "0123456789abcdef", false);
	json_object_del(sum, "Status"); /* depends on the clock: status_text's */
	char *text = json_dumps(sum, JSON_COMPACT);
	assert_string_equal(
	    text, "{\"Id\":\"0123456789abcdef\",\"Names\":[\"/web\"],\"Image\":\"busybox:1\","
		  "\"ImageID\":\"sha256:feedface\",\"Command\":\"sh -c 'sleep 9'\","
		  "\"Created\":1704067200,\"Ports\":[{\"IP\":\"0.0.0.0\",\"PrivatePort\":80,"
		  "\"PublicPort\":8080,\"Type\":\"tcp\"},{\"PrivatePort\":443,\"Type\":\"tcp\"}],"
		  "\"Labels\":{\"team\":\"a\",\"tier\":\"web\"},\"State\":\"running\","
		  "\"HostConfig\":{\"NetworkMode\":\"bridge\"},\"NetworkSettings\":{\"Networks\":"
		  "{\"bridge\":{\"NetworkID\":\"abc123\"}}},\"Mounts\":[{\"Type\":\"bind\","
		  "\"Source\":\"/srv\",\"Destination\":\"/data\","
		  "\"Mode\":\"\",\"RW\":false,\"Propagation\":\"rprivate\"}]}");
	free(text);
	json_decref(sum);
	/* a stopped one publishes nothing */
	json_object_set_new(st, "Running", json_false());
	sum = eng_container_summary(&s, rec, st, "0123456789abcdef", false);
	assert_int_equal(json_array_size(json_object_get(sum, "Ports")), 0);
	json_decref(sum);
	json_decref(st);
	json_decref(rec);
}

static bool keeps(const char *filters_json, const char *st_text)
{
	struct eng_store s = {"/nonexistent", "/nonexistent"};
	struct berr *err = NULL;
	json_t *filters = filter_parse_json(filters_json, &err);
	assert_non_null(filters);
	assert_int_equal(eng_container_filter_check(&s, filters, &err), 0);
	json_t *rec = state(record_text);
	json_t *st = state(st_text);
	bool r = eng_container_filter(filters, rec, st, "0123456789abcdef");
	json_decref(st);
	json_decref(rec);
	json_decref(filters);
	return r;
}

static void filters(void **unused)
{
	const char *up = "{\"Status\": \"running\", \"Running\": true}";
	const char *gone = "{\"Status\": \"exited\", \"ExitCode\": 2}";
	assert_true(keeps("{}", up));
	assert_true(keeps("{\"status\": [\"running\"]}", up));
	assert_false(keeps("{\"status\": [\"exited\"]}", up));
	/* values of one key are alternatives; the older encoding too */
	assert_true(keeps("{\"status\": {\"exited\": true, \"running\": true}}", up));
	assert_true(keeps("{\"exited\": [\"2\"]}", gone));
	assert_false(keeps("{\"exited\": [\"0\"]}", gone));
	assert_false(keeps("{\"exited\": [\"2\"]}", up));
	/* every label must be there */
	assert_true(keeps("{\"label\": [\"team=a\", \"tier\"]}", up));
	assert_false(keeps("{\"label\": [\"team=a\", \"zone\"]}", up));
	assert_false(keeps("{\"label\": [\"team=b\"]}", up));
	/* name: a regular expression, as Docker's */
	assert_true(keeps("{\"name\": [\"^we\"]}", up));
	assert_false(keeps("{\"name\": [\"^eb\"]}", up));
	assert_true(keeps("{\"id\": [\"0123\"]}", up));
	assert_false(keeps("{\"id\": [\"123\"]}", up));
	assert_true(keeps("{\"ancestor\": [\"busybox:*\"]}", up));
	assert_true(keeps("{\"ancestor\": [\"sha256:feed\"]}", up));
	assert_false(keeps("{\"ancestor\": [\"alpine\"]}", up));
	assert_true(keeps("{\"network\": [\"bridge\"]}", up));
	assert_true(keeps("{\"network\": [\"abc\"]}", up));
	assert_false(keeps("{\"network\": [\"host\"]}", up));
	assert_true(keeps("{\"volume\": [\"/data\"]}", up));
	assert_false(keeps("{\"volume\": [\"/other\"]}", up));
	assert_true(keeps("{\"health\": [\"none\"]}", up));
	assert_false(keeps("{\"is-task\": [\"true\"]}", up));
	assert_true(keeps("{\"restart-policy\": [\"always\"]}", up));
	assert_false(keeps("{\"status\": [\"running\"], \"restart-policy\": [\"no\"]}", up));

	/* refused before anything is matched */
	struct eng_store s = {"/nonexistent", "/nonexistent"};
	const char *bad[] = {"{\"colour\": [\"red\"]}", "{\"status\": [\"up\"]}",
			     "{\"exited\": [\"x\"]}", "{\"health\": [\"fine\"]}"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct berr *err = NULL;
		json_t *f = filter_parse_json(bad[i], &err);
		assert_non_null(f);
		assert_int_equal(eng_container_filter_check(&s, f, &err), -EINVAL);
		berr_free(err);
		json_decref(f);
	}
}

static void filter_maps(void **unused)
{
	struct berr *err = NULL;
	json_t *m = filter_parse_args((char *[]){"Status = running", "label=a=b", "status=exited"},
				      3, &err);
	char *text = json_dumps(m, JSON_COMPACT);
	assert_string_equal(text, "{\"status\":[\"running\",\"exited\"],\"label\":[\"a=b\"]}");
	free(text);
	json_decref(m);
	assert_null(filter_parse_args((char *[]){"dangling"}, 1, &err));
	berr_free(err);
	err = NULL;
	assert_null(filter_parse_json("{\"status\": \"running\"}", &err));
	berr_free(err);
	err = NULL;
	assert_null(filter_parse_json("[1]", &err));
	berr_free(err);
}

/* The record's HostConfig (as create.c writes it) in dockerd 20.10's keys, order and forms. */
static void inspect_host(void **unused)
{
	struct eng_store s = {"/nonexistent", "/nonexistent"};
	json_t *hc = state(
	    "{\"AutoRemove\": false, \"NetworkMode\": \"none\", \"PidsLimit\": 0,"
	    " \"CapAdd\": [], \"CapDrop\": [\"NET_RAW\"], \"Ulimits\": [\"nofile=100:200\", "
	    "\"nproc=5\"],"
	    " \"Sysctls\": {}, \"ShmSize\": 0, \"Init\": true, \"InitPath\": \"/x\","
	    " \"NoNewPrivileges\": true, \"SecurityOpt\": [\"no-new-privileges\"],"
	    " \"Devices\": [\"/dev/fuse\", \"/dev/a:/dev/b:r\"], \"Isolation\": \"default\","
	    " \"Mounts\": [{\"Type\": \"bind\", \"Source\": \"/h\", \"Destination\": \"/c\","
	    " \"RW\": false}, {\"Type\": \"tmpfs\", \"Destination\": \"/t\", \"RW\": true}]}");
	json_t *out = eng_container_inspect_host(&s, hc);
	/* dockerd's 65 keys, and Tmpfs and Init, which are there only when set */
	assert_int_equal(json_object_size(out), 67);
	void *it = json_object_iter(out);
	assert_string_equal(json_object_iter_key(it), "Binds");
	char *text = json_dumps(
	    json_pack("[O, O, O, O, O, O, O, O, O, O, O, O]", json_object_get(out, "Binds"),
		      json_object_get(out, "Tmpfs"), json_object_get(out, "Ulimits"),
		      json_object_get(out, "Devices"), json_object_get(out, "PidsLimit"),
		      json_object_get(out, "CapAdd"), json_object_get(out, "CapDrop"),
		      json_object_get(out, "Init"), json_object_get(out, "IpcMode"),
		      json_object_get(out, "ShmSize"), json_object_get(out, "Isolation"),
		      json_object_get(out, "LogConfig")),
	    JSON_COMPACT);
	assert_string_equal(
	    text, "[[\"/h:/c:ro\"],{\"/t\":\"\"},[{\"Name\":\"nofile\",\"Hard\":200,\"Soft\":100},"
		  "{\"Name\":\"nproc\",\"Hard\":5,\"Soft\":5}],[{\"PathOnHost\":\"/dev/fuse\","
		  "\"PathInContainer\":\"/dev/fuse\",\"CgroupPermissions\":\"rwm\"},"
		  "{\"PathOnHost\":\"/dev/a\",\"PathInContainer\":\"/dev/b\",\"CgroupPermissions\":"
		  "\"r\"}],null,null,[\"NET_RAW\"],true,\"private\",67108864,\"\",{\"Type\":"
		  "\"json-file\",\"Config\":{}}]");
	free(text);
	/* berth's own keys are not dockerd's; omitempty ones without a value are left out */
	static const char *const absent[] = {"NoNewPrivileges", "InitPath", "Mounts", "Sysctls",
					     "StorageOpt"};
	for (size_t i = 0; i < sizeof(absent) / sizeof(absent[0]); i++)
		assert_null(json_object_get(out, absent[i]));
	json_decref(out);
	json_object_del(hc, "Init");
	json_object_del(hc, "Mounts");
	out = eng_container_inspect_host(&s, hc);
	assert_int_equal(json_object_size(out), 65);
	assert_true(json_is_null(json_object_get(out, "Binds")));
	json_decref(out);
	json_decref(hc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(status_text), cmocka_unit_test(summary),
					   cmocka_unit_test(inspect_host),
					   cmocka_unit_test(filters),
					   cmocka_unit_test(filter_maps)};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
