/* The image store on disk (docs/DESIGN.md "State on disk"):
 *   <root>/blobs/sha256/<hex>   manifests, configs, compressed layers; content-addressed
 *   <root>/tmp/                 blobs being written (invisible until verified)
 *   <root>/images.json          the image records, rewritten atomically under the lock
 *   <root>/lock                 flock: shared to read records, exclusive to change them
 * A blob is written to an unnamed temp file, its size and digest checked, fsynced, and only
 * then linked under its name: a crash or a bad download never leaves a half blob. */
#ifndef BERTH_IMAGE_STORE_H
#define BERTH_IMAGE_STORE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "util/cleanup.h"
#include "util/digest.h"

struct berr;

#define IMG_DIGEST_LEN (7 + SHA256_HEX_LEN) /* "sha256:" + hex */

struct img_store {
	char *root;
	int dirfd;   /* root, O_DIRECTORY */
	int lock_fd; /* root/lock */
	/* What else the collector must keep (containers' layers): adds digests and chain ids to
	 * the set it is given. Set by whoever knows of such users (the engine), else NULL. */
	void (*roots)(json_t *keep, void *ctx);
	void *roots_ctx;
	/* images.json as last parsed, and the file it came from (a save renames a new file in:
	 * another inode), so that a process reading the records again parses them once */
	json_t *images;
	struct stat images_st;
};

int img_store_open(const char *root, struct img_store **out, struct berr **err);
void img_store_free(struct img_store *s); /* closes; NULL is fine */
DEFINE_AUTOPTR(img_store)
/* flock on the whole store; a second lock call while holding one changes its kind. */
int img_store_lock(struct img_store *s, bool exclusive, struct berr **err);
void img_store_unlock(struct img_store *s);
/* In a child after fork(): the lock file opened again, so that the child's locks exclude the
 * parent's (a flock belongs to the open file description, which fork shares). Any lock the
 * parent held is not the child's. */
int img_store_fork(struct img_store *s, struct berr **err);

/* Streaming write of one blob. expect_digest (or NULL) and expect_size (or -1) are checked at
 * commit; nothing is visible in the store before a commit succeeds. */
struct img_blob_writer;
int img_blob_begin(struct img_store *s, const char *expect_digest, int64_t expect_size,
		   struct img_blob_writer **out, struct berr **err);
/* The same, resumable across processes: the bytes go to tmp/<hex>.partial, which an
 * interrupted download leaves behind; the next begin for that digest hashes what is there and
 * continues after it (*out_have). A partial another process is writing is not shared: then
 * this falls back to an unnamed temp file and *out_have is 0. */
int img_blob_begin_partial(struct img_store *s, const char *digest, int64_t size,
			   struct img_blob_writer **out, int64_t *out_have, struct berr **err);
int img_blob_write(struct img_blob_writer *w, const void *data, size_t len, struct berr **err);
/* Verify, fsync, link into place (a blob already present is fine: same digest, same bytes).
 * out_digest (IMG_DIGEST_LEN + 1 bytes, or NULL) gets the digest. Frees w, success or not. */
int img_blob_commit(struct img_blob_writer *w, char *out_digest, struct berr **err);
/* Drop the writer; a partial's bytes stay for a later resume. */
void img_blob_abort(struct img_blob_writer *w);

int img_blob_put(struct img_store *s, const void *data, size_t len, const char *expect_digest,
		 char *out_digest, struct berr **err);
bool img_blob_has(struct img_store *s, const char *digest);
/* O_RDONLY fd of the blob. */
int img_blob_open(struct img_store *s, const char *digest, struct berr **err);
/* The whole blob (at most max bytes, EFBIG past that), its digest checked again. */
int img_blob_read(struct img_store *s, const char *digest, size_t max, char **out_data,
		  size_t *out_len, struct berr **err);
int img_blob_remove(struct img_store *s, const char *digest, struct berr **err);

/* The image records ({"images": [...]}; an empty list when there is no file yet). Load under
 * a shared or exclusive lock, save under an exclusive one. */
json_t *img_store_load_images(struct img_store *s, struct berr **err);
/* The same for reading only: a reference to the copy this process keeps (parsed again only
 * when the file changed). It must not be changed. */
json_t *img_store_images_view(struct img_store *s, struct berr **err);
int img_store_save_images(struct img_store *s, json_t *records, struct berr **err);

#endif
