/* Libraries loaded when first used rather than at start. libcurl and libarchive pull in some
 * forty other libraries (TLS, Kerberos, LDAP, ICU, compressors): mapping and relocating them
 * took 8 of the 10 ms berth needed to start, and every `berth run` starts berth twice (the
 * command and the container's monitor), neither of which touches a registry or a tar. So
 * image/lazy_curl.c and image/lazy_archive.c define the functions berth calls, each of which
 * looks its real one up with dlsym on first use (systemd does the same for its optional
 * libraries). Safe from several threads (pull's workers): the lookups are atomic. */
#ifndef BERTH_UTIL_DLIB_H
#define BERTH_UTIL_DLIB_H

struct dlib {
	const char *soname; /* "libcurl.so.4" */
	void *handle;
};

/* The address of symbol name in lib, opened now if it is not yet. A library or symbol that
 * cannot be found ends the process with status 127 and a message, as the dynamic loader
 * would have at start: the installation is broken, and no caller could carry on. */
void *dlib_sym(struct dlib *lib, const char *name);

/* A function forwarded to the library's own: ret name(params) calls it with args. */
#define DLIB_FORWARD(lib, ret, name, params, args)                                                 \
	ret name params                                                                            \
	{                                                                                          \
		static ret(*fn) params;                                                            \
		ret(*f) params = __atomic_load_n(&fn, __ATOMIC_ACQUIRE);                           \
		if (!f) {                                                                          \
			f = (ret(*) params)dlib_sym(&(lib), #name);                                \
			__atomic_store_n(&fn, f, __ATOMIC_RELEASE);                                \
		}                                                                                  \
		return f args;                                                                     \
	}
#define DLIB_FORWARD_VOID(lib, name, params, args)                                                 \
	void name params                                                                           \
	{                                                                                          \
		static void(*fn) params;                                                           \
		void(*f) params = __atomic_load_n(&fn, __ATOMIC_ACQUIRE);                          \
		if (!f) {                                                                          \
			f = (void(*) params)dlib_sym(&(lib), #name);                               \
			__atomic_store_n(&fn, f, __ATOMIC_RELEASE);                                \
		}                                                                                  \
		f args;                                                                            \
	}

#endif
