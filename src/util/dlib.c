/* Libraries opened on first use (see dlib.h). */
#include "util/dlib.h"

#include <dlfcn.h>
#include <stdio.h>
#include <unistd.h>

void *dlib_sym(struct dlib *lib, const char *name)
{
	void *h = __atomic_load_n(&lib->handle, __ATOMIC_ACQUIRE);
	if (!h) {
		/* two threads may both open it: dlopen counts references and returns the same
		 * handle */
		h = dlopen(lib->soname, RTLD_NOW | RTLD_LOCAL);
		if (!h) {
			fprintf(stderr, "berth: error while loading shared libraries: %s\n",
				dlerror());
			_exit(127);
		}
		__atomic_store_n(&lib->handle, h, __ATOMIC_RELEASE);
	}
	void *sym = dlsym(h, name);
	if (!sym) {
		fprintf(stderr, "berth: symbol lookup error: %s: undefined symbol: %s\n",
			lib->soname, name);
		_exit(127);
	}
	return sym;
}
