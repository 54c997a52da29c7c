/* -p and --expose as Docker reads them: the bindings recorded, the ports exposed, and what
 * is refused. The holds themselves (bind) are the integration tests'. */
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

#include "engine/port.h"
#include "util/err.h"

/* The bindings of specs as compact JSON (caller frees), or NULL when refused. */
static char *parsed(char *const *specs, json_t *exposed)
{
	json_t *out = json_object();
	char *s = eng_port_parse(specs, out, exposed, NULL) == 0
		      ? json_dumps(out, JSON_COMPACT | JSON_SORT_KEYS)
		      : NULL;
	json_decref(out);
	return s;
}

static void publish(void **state)
{
	char *s = parsed((char *[]){"8080:80", "127.0.0.1::53/udp", "9000-9001:90-91", NULL}, NULL);
	assert_string_equal(s, "{\"53/udp\":[{\"HostIp\":\"127.0.0.1\",\"HostPort\":\"\"}],"
			       "\"80/tcp\":[{\"HostIp\":\"\",\"HostPort\":\"8080\"}],"
			       "\"90/tcp\":[{\"HostIp\":\"\",\"HostPort\":\"9000\"}],"
			       "\"91/tcp\":[{\"HostIp\":\"\",\"HostPort\":\"9001\"}]}");
	free(s);
	/* a host range for one container port is kept as a range: the pick is at start */
	s = parsed((char *[]){"8000-8010:80", "[::1]:7000-7001:70/udp", NULL}, NULL);
	assert_string_equal(s, "{\"70/udp\":[{\"HostIp\":\"::1\",\"HostPort\":\"7000-7001\"}],"
			       "\"80/tcp\":[{\"HostIp\":\"\",\"HostPort\":\"8000-8010\"}]}");
	free(s);
	const char *bad[] = {"8000-8001:80-82", "80/sctp", "0:80", "70000:80", "a:80",
			     "1.2.3:80:80",     "80-79:80"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_null(parsed((char *[]){(char *)bad[i], NULL}, NULL));
}

static void expose(void **state)
{
	json_t *exposed = json_object();
	assert_int_equal(eng_port_expose((char *[]){"80", "7000-7001/udp", NULL}, exposed, NULL),
			 0);
	char *s = json_dumps(exposed, JSON_COMPACT | JSON_SORT_KEYS);
	assert_string_equal(s, "{\"7000/udp\":{},\"7001/udp\":{},\"80/tcp\":{}}");
	free(s);
	/* -p's ports are exposed too */
	free(parsed((char *[]){"8080:81", NULL}, exposed));
	assert_non_null(json_object_get(exposed, "81/tcp"));
	const char *bad[] = {"70000", "80/sctp", "", "9-8", "x"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct berr *err = NULL;
		assert_int_not_equal(
		    eng_port_expose((char *[]){(char *)bad[i], NULL}, exposed, &err), 0);
		berr_free(err);
	}
	json_decref(exposed);
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(publish), cmocka_unit_test(expose)};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
