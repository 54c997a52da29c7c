/* ADD's local archives (see archive.h). */
#include "build/archive.h"

#include <archive.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/dlib.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/xalloc.h"

/* libarchive is opened on first use (util/dlib.h); image/lazy_archive.c forwards what berth
 * calls elsewhere, and the bzip2 and xz filters only ADD needs are looked up here. */
static struct dlib libarchive = {"libarchive.so.13", NULL};

typedef int (*filter_fn)(struct archive *);

/* The one filter for kind, built in: ARCHIVE_WARN means libarchive would run an external
 * program ("bzip2 -d"), which a build must not do on a file it was handed. */
static int add_filter(struct archive *a, enum bld_archive kind)
{
	switch (kind) {
	case BLD_ARCHIVE_GZIP:
		return archive_read_support_filter_gzip(a);
	case BLD_ARCHIVE_ZSTD:
		return archive_read_support_filter_zstd(a);
	case BLD_ARCHIVE_BZIP2:
		return ((filter_fn)dlib_sym(&libarchive, "archive_read_support_filter_bzip2"))(a);
	case BLD_ARCHIVE_XZ:
		return ((filter_fn)dlib_sym(&libarchive, "archive_read_support_filter_xz"))(a);
	default:
		return ARCHIVE_FATAL;
	}
}

/* moby/go-archive compression.DetectCompression: by the first bytes. */
static enum bld_archive detect(const unsigned char *b, size_t n)
{
	uint32_t le = n >= 4 ? (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
				   (uint32_t)b[3] << 24
			     : 0;
	if (n >= 3 && !memcmp(b, "BZh", 3))
		return BLD_ARCHIVE_BZIP2;
	if (n >= 3 && !memcmp(b, "\x1f\x8b\x08", 3))
		return BLD_ARCHIVE_GZIP;
	static const unsigned char xz[6] = {0xfd, '7', 'z', 'X', 'Z', 0};
	if (n >= 6 && !memcmp(b, xz, 6))
		return BLD_ARCHIVE_XZ;
	if (le == 0xfd2fb528 || (le & 0xfffffff0) == 0x184d2a50)
		return BLD_ARCHIVE_ZSTD;
	return BLD_ARCHIVE_TAR;
}

/* An archive reading the decompressed bytes of fd (raw format, the one filter). */
static struct archive *open_raw(int fd, enum bld_archive kind)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	if (add_filter(a, kind) != ARCHIVE_OK || archive_read_support_format_raw(a) != ARCHIVE_OK ||
	    archive_read_open_fd(a, fd, 1 << 16) != ARCHIVE_OK ||
	    archive_read_next_header(a, &e) != ARCHIVE_OK) {
		archive_read_free(a);
		return NULL;
	}
	return a;
}

/* Go's archive/tar: Next() fails on a first zero block, and a header whose checksum field
 * (octal, blanks and NULs trimmed) is neither its unsigned nor its signed byte sum with the
 * field as spaces. */
static bool tar_header(const unsigned char *b, size_t n)
{
	if (n < 512)
		return false;
	bool zero = true;
	long usum = 0, ssum = 0;
	for (size_t i = 0; i < 512; i++) {
		unsigned char c = i >= 148 && i < 156 ? ' ' : b[i];
		zero &= b[i] == 0;
		usum += c;
		ssum += (signed char)c;
	}
	/* the field: blanks and NULs trimmed both sides, then cut at a NUL (parseOctal) */
	size_t a = 148, z = 156;
	while (a < z && (b[a] == ' ' || b[a] == 0))
		a++;
	while (z > a && (b[z - 1] == ' ' || b[z - 1] == 0))
		z--;
	char field[9] = {0};
	memcpy(field, b + a, z - a);
	if (zero || strspn(field, "01234567") != strlen(field))
		return false;
	long sum = strtol(field, NULL, 8);
	return sum == usum || sum == ssum;
}

/* What ADD does with the regular file fd: NONE when it is not a tar Go's reader would read. */
enum bld_archive bld_archive_sniff(int fd)
{
	unsigned char buf[1024];
	ssize_t n = pread(fd, buf, sizeof(buf), 0);
	if (n <= 0)
		return BLD_ARCHIVE_NONE;
	enum bld_archive kind = detect(buf, (size_t)n);
	if (kind != BLD_ARCHIVE_TAR) {
		struct archive *a = open_raw(fd, kind);
		n = 0;
		while (a && n < (ssize_t)sizeof(buf)) {
			la_ssize_t k = archive_read_data(a, buf + n, sizeof(buf) - (size_t)n);
			if (k <= 0)
				break;
			n += k;
		}
		if (a)
			archive_read_free(a);
	}
	return tar_header(buf, (size_t)n) ? kind : BLD_ARCHIVE_NONE;
}

/* img_layer_untar reads plain, gzip and zstd tars; bzip2 and xz are decompressed into an
 * unlinked file first (at most max bytes: a small file can expand to fill the disk). */
int bld_archive_decompress(int fd, enum bld_archive kind, const char *tmpdir, uint64_t max,
			   struct berr **err)
{
	autoclose int out = open(tmpdir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (out < 0)
		return berr_set(err, errno, "temporary file in '%s'", tmpdir);
	struct archive *a = open_raw(fd, kind);
	if (!a)
		return berr_plain(err, EINVAL, "decompress the archive");
	autofree char *buf = xmalloc(1 << 16);
	uint64_t total = 0;
	int r = 0;
	for (la_ssize_t k; r == 0 && (k = archive_read_data(a, buf, 1 << 16)) != 0;) {
		if (k < 0)
			r = berr_plain(err, EIO, "decompress: %s", archive_error_string(a));
		else if ((total += (uint64_t)k) > max)
			r = berr_plain(err, EFBIG, "the archive expands to more than %llu bytes",
				       (unsigned long long)max);
		else if (fs_write_all(out, buf, (size_t)k) < 0)
			r = berr_set(err, errno, "write the decompressed archive");
	}
	archive_read_free(a);
	if (r == 0 && lseek(out, 0, SEEK_SET) < 0)
		r = berr_set(err, errno, "rewind");
	return r < 0 ? r : take_fd(&out);
}
