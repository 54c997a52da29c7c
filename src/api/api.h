/* The Docker Engine API (1.41) on a socket: `berth system service` (issue #18), a second front
 * end of the engine beside the command line, daemonless as the rest: the service only answers
 * requests; containers keep their own monitors, and stopping the service stops none of them.
 *
 * server.c listens (a unix socket, or the one systemd passes: LISTEN_FDS) and gives each
 * connection a process of its own (the engine's code is single-threaded: STYLE.md), which
 * speaks HTTP through libmicrohttpd (http.c) and answers the connection's requests one after
 * another through the route table (routes.c) and the handlers of system.c, containers.c,
 * images.c. A request that waits (wait, logs --follow, attach) waits in its own process. */
#ifndef BERTH_API_API_H
#define BERTH_API_API_H

#include <stdbool.h>

struct berr;

struct api_opts {
	const char *root, *runroot; /* the stores, as the command line's --root and --runroot */
	const char *uri;            /* "unix:///run/berth/berth.sock" (NULL: that) */
	int idle_s;                 /* exit after this long without a request; 0: never */
	/* tcp:// only: dockerd's --tlsverify, the CA that signs the clients' certificates, and
	 * the service's own certificate and key (PEM files) */
	bool tlsverify;
	const char *tlscacert, *tlscert, *tlskey;
};

#define API_DEFAULT_URI "unix:///run/berth/berth.sock"

/* Serve until idle (or SIGINT/SIGTERM); the socket made is removed at the end. */
int api_serve(const struct api_opts *o, struct berr **err);

#endif
