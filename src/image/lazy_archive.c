/* The libarchive functions berth calls, forwarded to libarchive.so.13 once it is first
 * needed (see util/dlib.h). */
#include <archive.h>
#include <archive_entry.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/stat.h>

#include "util/dlib.h"

static struct dlib la = {"libarchive.so.13", NULL};

typedef struct archive_entry entry;

/* entries */
DLIB_FORWARD(la, entry *, archive_entry_new, (void), ())
DLIB_FORWARD_VOID(la, archive_entry_free, (entry * e), (e))
DLIB_FORWARD(la, time_t, archive_entry_atime, (entry * e), (e))
DLIB_FORWARD(la, int, archive_entry_atime_is_set, (entry * e), (e))
DLIB_FORWARD(la, long, archive_entry_atime_nsec, (entry * e), (e))
DLIB_FORWARD(la, time_t, archive_entry_mtime, (entry * e), (e))
DLIB_FORWARD(la, long, archive_entry_mtime_nsec, (entry * e), (e))
DLIB_FORWARD(la, __LA_MODE_T, archive_entry_filetype, (entry * e), (e))
DLIB_FORWARD(la, __LA_MODE_T, archive_entry_perm, (entry * e), (e))
DLIB_FORWARD(la, la_int64_t, archive_entry_uid, (entry * e), (e))
DLIB_FORWARD(la, la_int64_t, archive_entry_gid, (entry * e), (e))
DLIB_FORWARD(la, la_int64_t, archive_entry_size, (entry * e), (e))
DLIB_FORWARD(la, dev_t, archive_entry_rdev, (entry * e), (e))
DLIB_FORWARD(la, const char *, archive_entry_pathname, (entry * e), (e))
DLIB_FORWARD(la, const char *, archive_entry_hardlink, (entry * e), (e))
DLIB_FORWARD(la, const char *, archive_entry_symlink, (entry * e), (e))
DLIB_FORWARD_VOID(la, archive_entry_copy_stat, (entry * e, const struct stat *st), (e, st))
DLIB_FORWARD_VOID(la, archive_entry_copy_sourcepath, (entry * e, const char *s), (e, s))
DLIB_FORWARD_VOID(la, archive_entry_copy_hardlink, (entry * e, const char *s), (e, s))
DLIB_FORWARD_VOID(la, archive_entry_copy_symlink, (entry * e, const char *s), (e, s))
DLIB_FORWARD_VOID(la, archive_entry_set_symlink, (entry * e, const char *s), (e, s))
DLIB_FORWARD_VOID(la, archive_entry_set_pathname, (entry * e, const char *s), (e, s))
DLIB_FORWARD_VOID(la, archive_entry_set_filetype, (entry * e, unsigned int t), (e, t))
DLIB_FORWARD_VOID(la, archive_entry_set_perm, (entry * e, __LA_MODE_T m), (e, m))
DLIB_FORWARD_VOID(la, archive_entry_set_uid, (entry * e, la_int64_t v), (e, v))
DLIB_FORWARD_VOID(la, archive_entry_set_gid, (entry * e, la_int64_t v), (e, v))
DLIB_FORWARD_VOID(la, archive_entry_set_size, (entry * e, la_int64_t v), (e, v))
DLIB_FORWARD_VOID(la, archive_entry_set_mtime, (entry * e, time_t t, long ns), (e, t, ns))
DLIB_FORWARD_VOID(la, archive_entry_set_atime, (entry * e, time_t t, long ns), (e, t, ns))
DLIB_FORWARD_VOID(la, archive_entry_xattr_add_entry,
		  (entry * e, const char *name, const void *value, size_t size),
		  (e, name, value, size))
DLIB_FORWARD(la, int, archive_entry_xattr_reset, (entry * e), (e))
DLIB_FORWARD(la, int, archive_entry_xattr_next,
	     (entry * e, const char **name, const void **value, size_t *size),
	     (e, name, value, size))

/* reading */
DLIB_FORWARD(la, struct archive *, archive_read_new, (void), ())
DLIB_FORWARD(la, int, archive_read_free, (struct archive * a), (a))
DLIB_FORWARD(la, int, archive_read_support_filter_all, (struct archive * a), (a))
DLIB_FORWARD(la, int, archive_read_support_filter_gzip, (struct archive * a), (a))
DLIB_FORWARD(la, int, archive_read_support_filter_zstd, (struct archive * a), (a))
DLIB_FORWARD(la, int, archive_read_support_filter_bzip2, (struct archive * a), (a))
DLIB_FORWARD(la, int, archive_read_support_filter_xz, (struct archive * a), (a))
DLIB_FORWARD(la, int, archive_read_support_format_raw, (struct archive * a), (a))
DLIB_FORWARD(la, int, archive_read_support_format_tar, (struct archive * a), (a))
DLIB_FORWARD(la, int, archive_read_open_fd, (struct archive * a, int fd, size_t block),
	     (a, fd, block))
DLIB_FORWARD(la, int, archive_read_open,
	     (struct archive * a, void *data, archive_open_callback *o, archive_read_callback *r,
	      archive_close_callback *c),
	     (a, data, o, r, c))
DLIB_FORWARD(la, int, archive_read_next_header, (struct archive * a, entry **e), (a, e))
DLIB_FORWARD(la, la_ssize_t, archive_read_data, (struct archive * a, void *buf, size_t n),
	     (a, buf, n))
DLIB_FORWARD(la, int, archive_read_data_block,
	     (struct archive * a, const void **buf, size_t *size, la_int64_t *offset),
	     (a, buf, size, offset))
DLIB_FORWARD(la, struct archive *, archive_read_disk_new, (void), ())
DLIB_FORWARD(la, int, archive_read_disk_set_behavior, (struct archive * a, int flags), (a, flags))
DLIB_FORWARD(la, int, archive_read_disk_entry_from_file,
	     (struct archive * a, entry *e, int fd, const struct stat *st), (a, e, fd, st))

/* writing */
DLIB_FORWARD(la, struct archive *, archive_write_new, (void), ())
DLIB_FORWARD(la, int, archive_write_free, (struct archive * a), (a))
DLIB_FORWARD(la, int, archive_write_close, (struct archive * a), (a))
DLIB_FORWARD(la, int, archive_write_set_format_pax_restricted, (struct archive * a), (a))
DLIB_FORWARD(la, int, archive_write_set_bytes_in_last_block, (struct archive * a, int n), (a, n))
DLIB_FORWARD(la, int, archive_write_open_fd, (struct archive * a, int fd), (a, fd))
DLIB_FORWARD(la, int, archive_write_open,
	     (struct archive * a, void *data, archive_open_callback *o, archive_write_callback *w,
	      archive_close_callback *c),
	     (a, data, o, w, c))
DLIB_FORWARD(la, int, archive_write_header, (struct archive * a, entry *e), (a, e))
DLIB_FORWARD(la, la_ssize_t, archive_write_data, (struct archive * a, const void *buf, size_t n),
	     (a, buf, n))

/* errors */
DLIB_FORWARD(la, const char *, archive_error_string, (struct archive * a), (a))

void archive_set_error(struct archive *a, int code, const char *fmt, ...)
{
	static void (*fn)(struct archive *, int, const char *, ...);
	void (*f)(struct archive *, int, const char *, ...) =
	    __atomic_load_n(&fn, __ATOMIC_ACQUIRE);
	if (!f) {
		f = (void (*)(struct archive *, int, const char *, ...))dlib_sym(
		    &la, "archive_set_error");
		__atomic_store_n(&fn, f, __ATOMIC_RELEASE);
	}
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	f(a, code, "%s", msg);
}
