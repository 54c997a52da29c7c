/* Writing a tree as a tar (see tarball.h). libarchive walks the tree from a /proc/self/fd
 * path, so the start was resolved by the caller (inside the container's root) and nothing
 * below it is followed. */
#include "engine/tarball.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/err.h"
#include "util/idshift.h"
#include "util/xalloc.h"

/* The start is reopened through its magic link (it was opened O_NOFOLLOW); all below it
 * are opened O_NOFOLLOW. */
static void copy_data(struct archive *out, const char *source, bool is_start)
{
	autoclose int f = open(source, O_RDONLY | O_CLOEXEC | (is_start ? 0 : O_NOFOLLOW));
	char buf[1 << 16];
	ssize_t k;
	while (f >= 0 && (k = read(f, buf, sizeof(buf))) > 0)
		archive_write_data(out, buf, (size_t)k);
}

static int write_entry(struct archive *out, struct archive_entry *e, const char *source,
		       bool is_start, const struct idshift *ids, struct berr **err)
{
	if (ids) {
		archive_entry_set_uid(e, idshift_uid(ids, (uint32_t)archive_entry_uid(e)));
		archive_entry_set_gid(e, idshift_gid(ids, (uint32_t)archive_entry_gid(e)));
	}
	if (archive_write_header(out, e) != ARCHIVE_OK)
		return berr_plain(err, EIO, "tar: %s", archive_error_string(out));
	if (archive_entry_filetype(e) == AE_IFREG && archive_entry_size(e) > 0)
		copy_data(out, source, is_start);
	return 0;
}

/* The start itself, from its fd: libarchive would read a symbolic link's /proc/self/fd
 * path as the link. */
static int write_start(struct archive *out, int fd, const char *start, const char *name,
		       bool *is_dir, const struct idshift *ids, struct berr **err)
{
	struct stat st;
	if (fstatat(fd, "", &st, AT_EMPTY_PATH) < 0)
		return berr_set(err, errno, "stat '%s'", name);
	*is_dir = S_ISDIR(st.st_mode);
	struct archive_entry *e = archive_entry_new();
	archive_entry_copy_stat(e, &st);
	archive_entry_set_pathname(e, name);
	int r = 0;
	if (S_ISLNK(st.st_mode)) {
		char target[PATH_MAX];
		ssize_t n = readlinkat(fd, "", target, sizeof(target) - 1);
		if (n < 0)
			r = berr_set(err, errno, "readlink '%s'", name);
		else {
			target[n] = '\0';
			archive_entry_copy_symlink(e, target);
		}
	} else if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) {
		archive_entry_set_size(e, 0);
	}
	if (r == 0)
		r = write_entry(out, e, start, true, ids, err);
	archive_entry_free(e);
	return r;
}

/* What is below the directory start (its own entry was written already). */
static int walk(struct archive *disk, struct archive *out, const char *start, const char *as,
		const struct idshift *ids, struct berr **err)
{
	if (archive_read_disk_open(disk, start) != ARCHIVE_OK)
		return berr_plain(err, EIO, "tar: %s", archive_error_string(disk));
	size_t startlen = strlen(start);
	for (;;) {
		struct archive_entry *e = archive_entry_new();
		int h = archive_read_next_header2(disk, e);
		if (h == ARCHIVE_EOF) {
			archive_entry_free(e);
			return 0;
		}
		if (h != ARCHIVE_OK && h != ARCHIVE_WARN) {
			archive_entry_free(e);
			return berr_plain(err, EIO, "tar: %s", archive_error_string(disk));
		}
		archive_read_disk_descend(disk);
		const char *p = archive_entry_pathname(e);
		int r = 0;
		if (strlen(p) > startlen) {
			const char *rest = p + startlen; /* "/etc/passwd" */
			autofree char *name = *as ? xasprintf("%s%s", as, rest) : xstrdup(rest + 1);
			archive_entry_set_pathname(e, name);
			r = write_entry(out, e, archive_entry_sourcepath(e), false, ids, err);
		}
		archive_entry_free(e);
		if (r < 0)
			return r;
	}
}

int eng_tarball_write(int dirfd, const char *name, const char *as, int out_fd,
		      const struct idshift *ids, struct berr **err)
{
	autoclose int fd = name ? openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC)
				: fcntl(dirfd, F_DUPFD_CLOEXEC, 0);
	if (fd < 0)
		return berr_set(err, errno, "'%s'", as);
	char start[64];
	snprintf(start, sizeof(start), "/proc/self/fd/%d", fd);
	struct archive *disk = archive_read_disk_new();
	struct archive *out = archive_write_new();
	archive_read_disk_set_behavior(disk, ARCHIVE_READDISK_NO_TRAVERSE_MOUNTS |
						 ARCHIVE_READDISK_NO_XATTR);
	archive_read_disk_set_symlink_hybrid(disk); /* the start itself is a magic link */
	/* no user or group names: the host's would name the container's ids wrongly */
	archive_write_set_format_pax_restricted(out);
	bool is_dir = false;
	int r = 0;
	if (archive_write_open_fd(out, out_fd) != ARCHIVE_OK)
		r = berr_plain(err, EIO, "tar: %s", archive_error_string(out));
	else
		r = write_start(out, fd, start, *as ? as : ".", &is_dir, ids, err);
	if (r == 0 && is_dir)
		r = walk(disk, out, start, as, ids, err);
	if (archive_write_close(out) != ARCHIVE_OK && r == 0)
		r = berr_plain(err, EIO, "tar: %s", archive_error_string(out));
	archive_write_free(out);
	archive_read_free(disk);
	return r;
}
