/* `berth system service [--time SECONDS] [URI]`: the Docker Engine API (src/api/), as
 * `podman system service` offers it. */
#include <stdlib.h>

#include "api/api.h"
#include "cli/berth/berth.h"
#include "cli/berth/flags.h"
#include "util/cleanup.h"
#include "util/err.h"

int cmd_system_service(struct cli_opts *o, int argc, char **argv)
{
	long time_s = 5;
	bool tlsverify = false;
	const char *ca = NULL, *cert = NULL, *key = NULL;
	const struct flag flags[] = {
	    {"time", 't', FLAG_INT, &time_s,
	     "Time until the service session expires in seconds; 0 never", "seconds"},
	    {"tlsverify", 0, FLAG_BOOL, &tlsverify,
	     "Serve tcp:// with TLS, only to clients with a certificate the CA signed", NULL},
	    {"tlscacert", 0, FLAG_STRING, &ca, "Trust client certificates signed by this CA",
	     "path"},
	    {"tlscert", 0, FLAG_STRING, &cert, "Path to the service's TLS certificate file",
	     "path"},
	    {"tlskey", 0, FLAG_STRING, &key, "Path to the service's TLS key file", "path"},
	    FLAG_END};
	const struct flag_cmd cmd = {"berth system service", "[OPTIONS] [URI]",
				     "Run the API service (Docker Engine API "
				     "1.41"
				     ")",
				     true, FLAG_MAX_ARGS(1)};
	autofree const char **pos = NULL;
	int n = flags_parse(&cmd, flags, argc, argv, &pos);
	if (n < 0)
		return flags_status(n);
	if (time_s < 0)
		return cli_error(125, "--time %ld: 0 (never) or more seconds", time_s);
	struct api_opts ao = {.root = o->root,
			      .runroot = o->runroot,
			      .uri = n == 1 ? pos[0] : NULL,
			      .idle_s = (int)time_s,
			      .tlsverify = tlsverify,
			      .tlscacert = ca,
			      .tlscert = cert,
			      .tlskey = key};
	struct berr *err = NULL;
	if (api_serve(&ao, &err) < 0)
		return cli_fail(err, 125);
	return 0;
}
