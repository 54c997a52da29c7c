/* tcp:// served with TLS and verified client certificates (internal to src/api): dockerd's
 * --tlsverify. libmicrohttpd (built with GnuTLS) presents the service's certificate and asks
 * the client for one signed by the CA; it only asks, so every request's client is checked
 * here before a handler runs. */
#ifndef BERTH_API_TLS_H
#define BERTH_API_TLS_H

#include <stdbool.h>

struct berr;
struct api_opts;
struct MHD_Connection;

/* The PEM texts, read once at start. */
struct api_tls {
	char *cert, *key, *ca;
};

/* The TLS material o names, or NULL with *out NULL when o asks for none. A tcp:// URI needs
 * --tlsverify and all three files (plain TCP would give root to whoever reaches the port);
 * the error names what is missing. */
int api_tls_load(const struct api_opts *o, bool tcp, struct api_tls **out, struct berr **err);
void api_tls_free(struct api_tls *t);

/* 0 when c's client sent a certificate the CA signed (valid now); else -EACCES (no
 * certificate) or -EPERM (one not trusted) with the reason. */
int api_tls_check_peer(struct MHD_Connection *c, struct berr **err);

#endif
