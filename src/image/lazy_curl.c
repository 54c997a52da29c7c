/* The libcurl functions berth calls, forwarded to libcurl.so.4 once it is first needed (see
 * util/dlib.h). curl_easy_setopt and curl_easy_getinfo take one argument after the option:
 * a long, a curl_off_t, a pointer or a function pointer, each passed in one integer register
 * on the 64-bit Linux ABIs berth builds for, so it is passed on as a pointer-sized value. */
#define CURL_DISABLE_TYPECHECK 1
#include <curl/curl.h>
#include <stdarg.h>
#include <stdint.h>

#include "util/dlib.h"

_Static_assert(sizeof(void *) == sizeof(long) && sizeof(curl_off_t) == sizeof(long),
	       "curl_easy_setopt's argument is forwarded as one machine word");

static struct dlib curl = {"libcurl.so.4", NULL};

DLIB_FORWARD(curl, CURLcode, curl_global_init, (long flags), (flags))
DLIB_FORWARD(curl, CURL *, curl_easy_init, (void), ())
DLIB_FORWARD(curl, CURLcode, curl_easy_perform, (CURL * c), (c))
DLIB_FORWARD_VOID(curl, curl_easy_cleanup, (CURL * c), (c))
DLIB_FORWARD(curl, const char *, curl_easy_strerror, (CURLcode code), (code))
DLIB_FORWARD(curl, char *, curl_easy_escape, (CURL * c, const char *s, int len), (c, s, len))
DLIB_FORWARD_VOID(curl, curl_free, (void *p), (p))
DLIB_FORWARD(curl, struct curl_slist *, curl_slist_append,
	     (struct curl_slist * list, const char *data), (list, data))
DLIB_FORWARD_VOID(curl, curl_slist_free_all, (struct curl_slist * list), (list))

/* name(CURL *, K, ...) with one machine word after K */
#define FORWARD_ONE_WORD(name, K)                                                                  \
	CURLcode name(CURL *c, K key, ...)                                                         \
	{                                                                                          \
		static CURLcode (*fn)(CURL *, K, ...);                                             \
		CURLcode (*f)(CURL *, K, ...) = __atomic_load_n(&fn, __ATOMIC_ACQUIRE);            \
		if (!f) {                                                                          \
			f = (CURLcode(*)(CURL *, K, ...))dlib_sym(&curl, #name);                   \
			__atomic_store_n(&fn, f, __ATOMIC_RELEASE);                                \
		}                                                                                  \
		va_list ap;                                                                        \
		va_start(ap, key);                                                                 \
		void *arg = va_arg(ap, void *);                                                    \
		va_end(ap);                                                                        \
		return f(c, key, arg);                                                             \
	}

FORWARD_ONE_WORD(curl_easy_setopt, CURLoption)
FORWARD_ONE_WORD(curl_easy_getinfo, CURLINFO)
