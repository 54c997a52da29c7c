/* engine/share.c's spec half: the host's IPC and PID namespaces (the spec's left out, the
 * host's /dev/shm bound), IpcMode none (no /dev/shm), and the other modes leaving the spec
 * as it is (container:X is joined by create.c). */
/* cmocka.h needs setjmp.h, stdarg.h and stddef.h before it: keep this order. */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
// clang-format on

#include "engine/share.h"

static json_t *spec(void)
{
	return json_pack("{s:{s:[{s:s}, {s:s}, {s:s}, {s:s}]}, s:[{s:s, s:s}, {s:s, s:s}]}",
			 "linux", "namespaces", "type", "pid", "type", "ipc", "type", "mount",
			 "type", "network", "mounts", "destination", "/dev/shm", "type", "tmpfs",
			 "destination", "/proc", "type", "proc");
}

/* The spec after the modes, as "ns: pid ipc ...; /dev/shm TYPE SOURCE" */
static char *applied(const char *ipc, const char *pid)
{
	json_t *rec = json_pack("{s:{}}", "HostConfig");
	json_t *hc = json_object_get(rec, "HostConfig");
	if (ipc)
		json_object_set_new(hc, "IpcMode", json_string(ipc));
	if (pid)
		json_object_set_new(hc, "PidMode", json_string(pid));
	json_t *s = spec();
	eng_share_spec(rec, s);
	char out[256] = "ns:";
	size_t i;
	json_t *v;
	json_array_foreach(json_object_get(json_object_get(s, "linux"), "namespaces"), i, v)
	{
		strcat(out, " ");
		strcat(out, json_string_value(json_object_get(v, "type")));
	}
	strcat(out, ";");
	json_array_foreach(json_object_get(s, "mounts"), i, v)
	{
		if (strcmp(json_string_value(json_object_get(v, "destination")), "/dev/shm"))
			continue;
		strcat(out, " /dev/shm ");
		strcat(out, json_string_value(json_object_get(v, "type")));
		if (json_object_get(v, "source")) {
			strcat(out, " ");
			strcat(out, json_string_value(json_object_get(v, "source")));
		}
	}
	json_decref(s);
	json_decref(rec);
	return strdup(out);
}

static void check(const char *ipc, const char *pid, const char *want)
{
	char *got = applied(ipc, pid);
	if (strcmp(got, want))
		fail_msg("ipc %s pid %s: got '%s', want '%s'", ipc ? ipc : "-", pid ? pid : "-",
			 got, want);
	free(got);
}

static void test_modes(void **state)
{
	check(NULL, NULL, "ns: pid ipc mount network; /dev/shm tmpfs");
	check("shareable", NULL, "ns: pid ipc mount network; /dev/shm tmpfs");
	check("private", "container:abc", "ns: pid ipc mount network; /dev/shm tmpfs");
	check("host", NULL, "ns: pid mount network; /dev/shm bind /dev/shm");
	check("none", NULL, "ns: pid ipc mount network;");
	check(NULL, "host", "ns: ipc mount network; /dev/shm tmpfs");
	check("host", "host", "ns: mount network; /dev/shm bind /dev/shm");
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(test_modes)};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
