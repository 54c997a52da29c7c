/* The image store: blobs and records (see store.h). */
#include "image/store.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/err.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/xalloc.h"

#define IMAGES_FILE "images.json"
#define RECORDS_MAX (64 << 20)

int img_store_open(const char *root, struct img_store **out, struct berr **err)
{
	int r = fs_mkdir_p(root, 0700, err);
	if (r < 0)
		return r;
	autoptr(img_store) s = xzalloc(sizeof(*s));
	s->root = xstrdup(root);
	s->lock_fd = -1;
	s->dirfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->dirfd < 0)
		return berr_set(err, errno, "open store '%s'", root);
	static const char *const dirs[] = {"blobs", "blobs/sha256", "tmp"};
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		if (mkdirat(s->dirfd, dirs[i], 0700) < 0 && errno != EEXIST)
			return berr_set(err, errno, "create '%s/%s'", root, dirs[i]);
	s->lock_fd = openat(s->dirfd, "lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (s->lock_fd < 0)
		return berr_set(err, errno, "open '%s/lock'", root);
	*out = take_ptr(&s);
	return 0;
}

void img_store_free(struct img_store *s)
{
	if (!s)
		return;
	if (s->lock_fd >= 0)
		(void)close(s->lock_fd);
	if (s->dirfd >= 0)
		(void)close(s->dirfd);
	json_decref(s->images);
	free(s->root);
	free(s);
}

int img_store_lock(struct img_store *s, bool exclusive, struct berr **err)
{
	int r;
	do
		r = flock(s->lock_fd, exclusive ? LOCK_EX : LOCK_SH);
	while (r < 0 && errno == EINTR);
	return r < 0 ? berr_set(err, errno, "lock store '%s'", s->root) : 0;
}

void img_store_unlock(struct img_store *s)
{
	(void)flock(s->lock_fd, LOCK_UN);
}

int img_store_fork(struct img_store *s, struct berr **err)
{
	int fd = openat(s->dirfd, "lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return berr_set(err, errno, "open '%s/lock'", s->root);
	(void)close(s->lock_fd);
	s->lock_fd = fd;
	return 0;
}

/* "blobs/sha256/<hex>" for a checked digest. */
static char *blob_path(const char *digest, struct berr **err)
{
	char hex[SHA256_HEX_LEN + 1];
	if (digest_parse(digest, hex, err) < 0)
		return NULL;
	return xasprintf("blobs/sha256/%s", hex);
}

struct img_blob_writer {
	struct img_store *store;
	int fd;
	char *partial; /* "tmp/<hex>.partial", or NULL for an unnamed temp file */
	struct sha256 hash;
	int64_t size;
	int64_t expect_size;
	char *expect_digest;
};

int img_blob_begin(struct img_store *s, const char *expect_digest, int64_t expect_size,
		   struct img_blob_writer **out, struct berr **err)
{
	char hex[SHA256_HEX_LEN + 1];
	int r;
	if (expect_digest && (r = digest_parse(expect_digest, hex, err)) < 0)
		return r;
	/* Unnamed until it is proven: O_TMPFILE, linked in at commit. */
	int fd = openat(s->dirfd, "tmp", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0)
		return berr_set(err, errno, "temp file in '%s/tmp'", s->root);
	struct img_blob_writer *w = xzalloc(sizeof(*w));
	w->store = s;
	w->fd = fd;
	w->expect_size = expect_size;
	w->expect_digest = expect_digest ? xstrdup(expect_digest) : NULL;
	sha256_init(&w->hash);
	*out = w;
	return 0;
}

int img_blob_write(struct img_blob_writer *w, const void *data, size_t len, struct berr **err)
{
	if (w->expect_size >= 0 && w->size + (int64_t)len > w->expect_size)
		return berr_plain(err, EFBIG, "blob larger than its %lld bytes",
				  (long long)w->expect_size);
	int r = fs_write_all(w->fd, data, len);
	if (r < 0)
		return berr_set(err, -r, "write blob");
	sha256_update(&w->hash, data, len);
	w->size += (int64_t)len;
	return 0;
}

int img_blob_begin_partial(struct img_store *s, const char *digest, int64_t size,
			   struct img_blob_writer **out, int64_t *out_have, struct berr **err)
{
	char hex[SHA256_HEX_LEN + 1];
	int r = digest_parse(digest, hex, err);
	if (r < 0)
		return r;
	autofree char *name = xasprintf("tmp/%s.partial", hex);
	autoclose int fd = openat(s->dirfd, name, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return berr_set(err, errno, "open '%s/%s'", s->root, name);
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		*out_have = 0; /* someone else is downloading it: do it alone */
		return img_blob_begin(s, digest, size, out, err);
	}
	struct img_blob_writer *w = xzalloc(sizeof(*w));
	w->store = s;
	w->expect_size = size;
	w->expect_digest = xstrdup(digest);
	sha256_init(&w->hash);
	/* hash what an earlier attempt left; a partial longer than the blob is useless */
	char buf[1 << 16];
	ssize_t n;
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		sha256_update(&w->hash, buf, (size_t)n);
		w->size += n;
	}
	if (n < 0 || (size >= 0 && w->size > size)) {
		if (ftruncate(fd, 0) < 0 || lseek(fd, 0, SEEK_SET) < 0) {
			free(w->expect_digest);
			free(w);
			return berr_set(err, errno, "reset '%s/%s'", s->root, name);
		}
		sha256_init(&w->hash);
		w->size = 0;
	}
	w->fd = take_fd(&fd);
	w->partial = take_ptr(&name);
	*out_have = w->size;
	*out = w;
	return 0;
}

void img_blob_abort(struct img_blob_writer *w)
{
	if (!w)
		return;
	/* an empty partial has nothing to resume */
	if (w->partial && w->size == 0)
		(void)unlinkat(w->store->dirfd, w->partial, 0);
	(void)close(w->fd);
	free(w->partial);
	free(w->expect_digest);
	free(w);
}

static int link_blob(struct img_blob_writer *w, const char *digest, struct berr **err)
{
	autofree char *rel = blob_path(digest, err);
	if (!rel)
		return berr_ret(err);
	if (fsync(w->fd) < 0)
		return berr_set(err, errno, "fsync blob %s", digest);
	char fdpath[64];
	snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", w->fd);
	if (linkat(AT_FDCWD, fdpath, w->store->dirfd, rel, AT_SYMLINK_FOLLOW) < 0 &&
	    errno != EEXIST)
		return berr_set(err, errno, "store blob %s", digest);
	int dfd = openat(w->store->dirfd, "blobs/sha256", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		(void)fsync(dfd);
		(void)close(dfd);
	}
	return 0;
}

int img_blob_commit(struct img_blob_writer *w, char *out_digest, struct berr **err)
{
	uint8_t bin[SHA256_LEN];
	char digest[IMG_DIGEST_LEN + 1] = "sha256:";
	sha256_final(&w->hash, bin);
	digest_to_hex(bin, SHA256_LEN, digest + 7);
	int r = 0;
	if (w->expect_size >= 0 && w->size != w->expect_size)
		r = berr_plain(err, EIO, "blob has %lld bytes, expected %lld", (long long)w->size,
			       (long long)w->expect_size);
	else if (w->expect_digest && strcmp(w->expect_digest, digest))
		r = berr_plain(err, EIO, "blob digest %s does not match the expected %s", digest,
			       w->expect_digest);
	else
		r = link_blob(w, digest, err);
	if (r == 0 && out_digest)
		memcpy(out_digest, digest, sizeof(digest));
	/* a partial is done with either way: in place now, or wrong */
	if (w->partial)
		(void)unlinkat(w->store->dirfd, w->partial, 0);
	img_blob_abort(w);
	return r;
}

int img_blob_put(struct img_store *s, const void *data, size_t len, const char *expect_digest,
		 char *out_digest, struct berr **err)
{
	struct img_blob_writer *w = NULL;
	int r = img_blob_begin(s, expect_digest, (int64_t)len, &w, err);
	if (r < 0)
		return r;
	if ((r = img_blob_write(w, data, len, err)) < 0) {
		img_blob_abort(w);
		return r;
	}
	return img_blob_commit(w, out_digest, err);
}

bool img_blob_has(struct img_store *s, const char *digest)
{
	autofree char *rel = blob_path(digest, NULL);
	return rel && faccessat(s->dirfd, rel, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

int img_blob_open(struct img_store *s, const char *digest, struct berr **err)
{
	autofree char *rel = blob_path(digest, err);
	if (!rel)
		return berr_ret(err);
	int fd = openat(s->dirfd, rel, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return berr_set(err, errno, "blob %s", digest);
	return fd;
}

int img_blob_read(struct img_store *s, const char *digest, size_t max, char **out_data,
		  size_t *out_len, struct berr **err)
{
	autoclose int fd = img_blob_open(s, digest, err);
	if (fd < 0)
		return fd;
	autofree char *data = NULL;
	size_t len = 0;
	if (fs_read_fd(fd, max, &data, &len, err) < 0)
		return berr_wrap(err, "blob %s", digest);
	char hex[SHA256_HEX_LEN + 1];
	sha256_hex(data, len, hex);
	if (strcmp(hex, digest + 7))
		return berr_plain(err, EIO, "blob %s is corrupt (its content hashes to sha256:%s)",
				  digest, hex);
	*out_data = take_ptr(&data);
	*out_len = len;
	return 0;
}

int img_blob_remove(struct img_store *s, const char *digest, struct berr **err)
{
	autofree char *rel = blob_path(digest, err);
	if (!rel)
		return berr_ret(err);
	if (unlinkat(s->dirfd, rel, 0) < 0 && errno != ENOENT)
		return berr_set(err, errno, "remove blob %s", digest);
	return 0;
}

static bool same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
	       a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

json_t *img_store_images_view(struct img_store *s, struct berr **err)
{
	autofree char *path = xasprintf("%s/" IMAGES_FILE, s->root);
	struct stat st;
	if (stat(path, &st) < 0 && errno == ENOENT)
		return json_pack("{s:[]}", "images");
	if (s->images && same_file(&st, &s->images_st))
		return json_incref(s->images);
	json_t *o = json_load_path(AT_FDCWD, path, RECORDS_MAX, err);
	if (!o)
		return NULL;
	if (!json_is_array(json_object_get(o, "images"))) {
		json_decref(o);
		berr_plain(err, EINVAL, "'%s': no \"images\" list", path);
		return NULL;
	}
	/* kept only when the file did not change while it was read */
	struct stat after;
	json_decref(s->images);
	s->images = NULL;
	if (stat(path, &after) == 0 && same_file(&st, &after)) {
		s->images = json_incref(o);
		s->images_st = st;
	}
	return o;
}

json_t *img_store_load_images(struct img_store *s, struct berr **err)
{
	json_auto_t *view = img_store_images_view(s, err);
	return view ? json_deep_copy(view) : NULL;
}

int img_store_save_images(struct img_store *s, json_t *records, struct berr **err)
{
	autofree char *path = xasprintf("%s/" IMAGES_FILE, s->root);
	return json_write_atomic(records, path, err);
}
