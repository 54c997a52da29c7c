/* tcp:// with TLS and verified client certificates (see tls.h): the PEM files read at start,
 * and each request's client certificate checked against the CA before anything is served. */
#include "api/tls.h"

#include <errno.h>
#include <fcntl.h>
#include <gnutls/gnutls.h>
#include <microhttpd.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/xalloc.h"

#define PEM_MAX (1u << 20) /* a certificate chain or a key: far less */

void api_tls_free(struct api_tls *t)
{
	if (!t)
		return;
	free(t->cert);
	if (t->key)
		explicit_bzero(t->key, strlen(t->key));
	free(t->key);
	free(t->ca);
	free(t);
}

static int read_pem(const char *flag, const char *path, char **out, struct berr **err)
{
	size_t len = 0;
	int r = fs_read_file(AT_FDCWD, path, PEM_MAX, out, &len, err);
	if (r < 0)
		return berr_wrap(err, "--%s", flag);
	return 0;
}

int api_tls_load(const struct api_opts *o, bool tcp, struct api_tls **out, struct berr **err)
{
	*out = NULL;
	bool any = o->tlsverify || o->tlscacert || o->tlscert || o->tlskey;
	if (!tcp && !any)
		return 0;
	if (!tcp)
		return berr_plain(err, EINVAL,
				  "--tlsverify, --tlscacert, --tlscert and --tlskey "
				  "serve a tcp:// URI only");
	autofree char *missing = xstrdup("");
	const char *need[][2] = {{"--tlsverify", o->tlsverify ? "" : NULL},
				 {"--tlscacert", o->tlscacert},
				 {"--tlscert", o->tlscert},
				 {"--tlskey", o->tlskey}};
	for (size_t i = 0; i < sizeof(need) / sizeof(need[0]); i++)
		if (!need[i][1]) {
			char *m = xasprintf("%s%s%s", missing, *missing ? ", " : "", need[i][0]);
			free(missing);
			missing = m;
		}
	if (*missing)
		return berr_plain(err, EINVAL,
				  "%s: TCP is served only with TLS and verified client "
				  "certificates (plain TCP would give root to anyone who can reach "
				  "it): missing %s",
				  o->uri, missing);
	struct api_tls *t = xzalloc(sizeof(*t));
	int r;
	if ((r = read_pem("tlscacert", o->tlscacert, &t->ca, err)) < 0 ||
	    (r = read_pem("tlscert", o->tlscert, &t->cert, err)) < 0 ||
	    (r = read_pem("tlskey", o->tlskey, &t->key, err)) < 0) {
		api_tls_free(t);
		return r;
	}
	*out = t;
	return 0;
}

int api_tls_check_peer(struct MHD_Connection *c, struct berr **err)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(c, MHD_CONNECTION_INFO_GNUTLS_SESSION);
	gnutls_session_t s = ci ? (gnutls_session_t)ci->tls_session : NULL;
	unsigned n = 0;
	if (!s || !gnutls_certificate_get_peers(s, &n) || n == 0)
		return berr_plain(err, EACCES,
				  "a client certificate is required: this service answers only "
				  "clients with a certificate its CA signed (--tlsverify)");
	unsigned status = 0;
	int r = gnutls_certificate_verify_peers2(s, &status);
	if (r < 0 || status) {
		const char *why = "not trusted";
		if (r < 0)
			why = "could not be verified";
		else if (status & GNUTLS_CERT_SIGNER_NOT_FOUND)
			why = "signed by an unknown authority";
		else if (status & GNUTLS_CERT_EXPIRED)
			why = "expired";
		else if (status & GNUTLS_CERT_NOT_ACTIVATED)
			why = "not yet valid";
		else if (status & GNUTLS_CERT_REVOKED)
			why = "revoked";
		return berr_plain(err, EPERM, "the client certificate is %s", why);
	}
	return 0;
}
