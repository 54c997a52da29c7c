/* Which containers `berth system boot` starts again: the restart policies as a Docker daemon
 * applies them at its start. */
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

#include <jansson.h>

#include "engine/monitor.h"

static bool at_boot(const char *policy, const char *started, bool by_hand)
{
	json_t *rec = json_pack("{s:{s:{s:s}}}", "HostConfig", "RestartPolicy", "Name", policy);
	json_t *st =
	    json_pack("{s:s, s:b}", "StartedAt", started, "HasBeenManuallyStopped", by_hand);
	bool r = eng_restart_at_boot(rec, st);
	json_decref(rec);
	json_decref(st);
	return r;
}

static void policies(void **state)
{
	const char *t = "2026-12-03T06:00:00.000000000Z";
	assert_true(at_boot("always", t, false));
	assert_true(at_boot("always", t, true)); /* Docker: even when stopped by hand */
	assert_true(at_boot("unless-stopped", t, false));
	assert_false(at_boot("unless-stopped", t, true));
	assert_false(at_boot("on-failure", t, false)); /* a reboot is not its failure */
	assert_false(at_boot("no", t, false));
	assert_false(at_boot("", t, false));
	/* created, never started */
	assert_false(at_boot("always", "0001-01-01T00:00:00Z", false));
	assert_false(at_boot("always", "", false));
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(policies)};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
