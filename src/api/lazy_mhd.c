/* The libmicrohttpd functions the service calls, forwarded to libmicrohttpd.so.12 once it is
 * first needed (see util/dlib.h): only `berth system service` serves HTTP, and every other
 * command, `berth run` and its monitor among them, starts without mapping it. */
#include <microhttpd.h>
#include <stdarg.h>

#include "util/dlib.h"

static struct dlib mhd = {"libmicrohttpd.so.12", NULL};

DLIB_FORWARD_VOID(mhd, MHD_stop_daemon, (struct MHD_Daemon * d), (d))
DLIB_FORWARD(mhd, enum MHD_Result, MHD_add_connection,
	     (struct MHD_Daemon * d, MHD_socket s, const struct sockaddr *a, socklen_t l),
	     (d, s, a, l))
DLIB_FORWARD(mhd, enum MHD_Result, MHD_get_fdset2,
	     (struct MHD_Daemon * d, fd_set *r, fd_set *w, fd_set *e, MHD_socket *max,
	      unsigned int size),
	     (d, r, w, e, max, size))
DLIB_FORWARD(mhd, enum MHD_Result, MHD_get_timeout,
	     (struct MHD_Daemon * d, MHD_UNSIGNED_LONG_LONG *t), (d, t))
DLIB_FORWARD(mhd, enum MHD_Result, MHD_run_from_select,
	     (struct MHD_Daemon * d, const fd_set *r, const fd_set *w, const fd_set *e),
	     (d, r, w, e))
DLIB_FORWARD(mhd, const char *, MHD_lookup_connection_value,
	     (struct MHD_Connection * c, enum MHD_ValueKind k, const char *key), (c, k, key))
DLIB_FORWARD(mhd, int, MHD_get_connection_values,
	     (struct MHD_Connection * c, enum MHD_ValueKind k, MHD_KeyValueIterator it, void *cls),
	     (c, k, it, cls))
DLIB_FORWARD(mhd, enum MHD_Result, MHD_queue_response,
	     (struct MHD_Connection * c, unsigned int status, struct MHD_Response *r),
	     (c, status, r))
DLIB_FORWARD(mhd, struct MHD_Response *, MHD_create_response_from_callback,
	     (uint64_t size, size_t block, MHD_ContentReaderCallback crc, void *cls,
	      MHD_ContentReaderFreeCallback crfc),
	     (size, block, crc, cls, crfc))
DLIB_FORWARD(mhd, struct MHD_Response *, MHD_create_response_from_buffer,
	     (size_t size, void *buf, enum MHD_ResponseMemoryMode mode), (size, buf, mode))
DLIB_FORWARD(mhd, struct MHD_Response *, MHD_create_response_for_upgrade,
	     (MHD_UpgradeHandler h, void *cls), (h, cls))
DLIB_FORWARD_VOID(mhd, MHD_destroy_response, (struct MHD_Response * r), (r))
DLIB_FORWARD(mhd, enum MHD_Result, MHD_is_feature_supported, (enum MHD_FEATURE feature), (feature))
DLIB_FORWARD(mhd, enum MHD_Result, MHD_add_response_header,
	     (struct MHD_Response * r, const char *h, const char *v), (r, h, v))

/* Variadic: called with no arguments after the action (the only ones berth uses), through a
 * variadic pointer so that the call is made as the library's prototype wants it. */
enum MHD_Result MHD_upgrade_action(struct MHD_UpgradeResponseHandle *urh,
				   enum MHD_UpgradeAction action, ...)
{
	static enum MHD_Result (*fn)(struct MHD_UpgradeResponseHandle *, enum MHD_UpgradeAction,
				     ...);
	enum MHD_Result (*f)(struct MHD_UpgradeResponseHandle *, enum MHD_UpgradeAction, ...) =
	    __atomic_load_n(&fn, __ATOMIC_ACQUIRE);
	if (!f) {
		f = (enum MHD_Result(*)(struct MHD_UpgradeResponseHandle *, enum MHD_UpgradeAction,
					...))dlib_sym(&mhd, "MHD_upgrade_action");
		__atomic_store_n(&fn, f, __ATOMIC_RELEASE);
	}
	return f(urh, action);
}

const union MHD_ConnectionInfo *MHD_get_connection_info(struct MHD_Connection *c,
							enum MHD_ConnectionInfoType type, ...)
{
	static const union MHD_ConnectionInfo *(*fn)(struct MHD_Connection *,
						     enum MHD_ConnectionInfoType, ...);
	const union MHD_ConnectionInfo *(*f)(struct MHD_Connection *, enum MHD_ConnectionInfoType,
					     ...) = __atomic_load_n(&fn, __ATOMIC_ACQUIRE);
	if (!f) {
		f = (const union MHD_ConnectionInfo *(*)(struct MHD_Connection *,
							 enum MHD_ConnectionInfoType,
							 ...))dlib_sym(&mhd,
								       "MHD_get_connection_info");
		__atomic_store_n(&fn, f, __ATOMIC_RELEASE);
	}
	return f(c, type);
}

/* MHD_start_daemon's options go on to MHD_start_daemon_va. */
struct MHD_Daemon *MHD_start_daemon(unsigned int flags, uint16_t port, MHD_AcceptPolicyCallback apc,
				    void *apc_cls, MHD_AccessHandlerCallback dh, void *dh_cls, ...)
{
	static struct MHD_Daemon *(*fn)(unsigned int, uint16_t, MHD_AcceptPolicyCallback, void *,
					MHD_AccessHandlerCallback, void *, va_list);
	struct MHD_Daemon *(*f)(unsigned int, uint16_t, MHD_AcceptPolicyCallback, void *,
				MHD_AccessHandlerCallback, void *, va_list) =
	    __atomic_load_n(&fn, __ATOMIC_ACQUIRE);
	if (!f) {
		f = (struct MHD_Daemon * (*)(unsigned int, uint16_t, MHD_AcceptPolicyCallback,
					     void *, MHD_AccessHandlerCallback, void *, va_list))
		    dlib_sym(&mhd, "MHD_start_daemon_va");
		__atomic_store_n(&fn, f, __ATOMIC_RELEASE);
	}
	va_list ap;
	va_start(ap, dh_cls);
	struct MHD_Daemon *d = f(flags, port, apc, apc_cls, dh, dh_cls, ap);
	va_end(ap);
	return d;
}
