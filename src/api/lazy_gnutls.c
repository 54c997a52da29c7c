/* The GnuTLS functions the service calls to check a client's certificate, forwarded to
 * libgnutls.so.30 once first needed (see util/dlib.h). libmicrohttpd, itself opened on first
 * use, already maps that library for its TLS: only `berth system service --tlsverify` ever
 * calls these, and no other command maps it. */
#include <gnutls/gnutls.h>

#include "util/dlib.h"

static struct dlib gnutls = {"libgnutls.so.30", NULL};

DLIB_FORWARD(gnutls, int, gnutls_certificate_verify_peers2,
	     (gnutls_session_t session, unsigned int *status), (session, status))
DLIB_FORWARD(gnutls, const gnutls_datum_t *, gnutls_certificate_get_peers,
	     (gnutls_session_t session, unsigned int *list_size), (session, list_size))
