/* Scope-bound release of resources (GNU cleanup attribute) and explicit hand-off.
 * Declare and initialise together: `autoclose int fd = -1;`, `autofree char *s = NULL;`.
 * Hand-off resets the source so the cleanup at scope end does nothing: `return take_fd(&fd);`. */
#ifndef BERTH_UTIL_CLEANUP_H
#define BERTH_UTIL_CLEANUP_H

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static inline void cleanup_freep(void *p)
{
	void **pp = p;
	int saved = errno;
	free(*pp);
	errno = saved;
}

static inline void cleanup_closep(int *fd)
{
	int saved = errno;
	if (*fd >= 0)
		(void)close(*fd);
	errno = saved;
}

static inline void cleanup_fclosep(FILE **f)
{
	int saved = errno;
	if (*f)
		(void)fclose(*f);
	errno = saved;
}

static inline void cleanup_closedirp(DIR **d)
{
	int saved = errno;
	if (*d)
		(void)closedir(*d);
	errno = saved;
}

#define autofree     __attribute__((cleanup(cleanup_freep)))
#define autoclose    __attribute__((cleanup(cleanup_closep)))
#define autofclose   __attribute__((cleanup(cleanup_fclosep)))
#define autoclosedir __attribute__((cleanup(cleanup_closedirp)))

/* autoptr(rt_spec) calls rt_spec_free(p) at scope end; the type must have a `type_free()`. */
#define AUTOPTR_FUNC_NAME(type) cleanup_autoptr_##type
#define DEFINE_AUTOPTR(type)                                                                       \
	static inline void AUTOPTR_FUNC_NAME(type)(struct type * *p)                               \
	{                                                                                          \
		int saved = errno;                                                                 \
		type##_free(*p);                                                                   \
		errno = saved;                                                                     \
	}
#define autoptr(type) __attribute__((cleanup(AUTOPTR_FUNC_NAME(type)))) struct type *

static inline int take_fd(int *fd)
{
	int r = *fd;
	*fd = -1;
	return r;
}

#define take_ptr(pp)                                                                               \
	({                                                                                         \
		typeof(*(pp)) take_ptr_tmp_ = *(pp);                                               \
		*(pp) = NULL;                                                                      \
		take_ptr_tmp_;                                                                     \
	})

#endif
