/* Image records: what `images`, `tag`, `rmi` and `inspect` see. One record per image id
 * (the digest of its config), kept in images.json (store.h):
 *   {"id", "names": ["docker.io/library/busybox:latest"],
 *    "digests": ["docker.io/library/busybox@sha256:..."], "manifest", "manifest_type",
 *    "config_size", "layers": [chain ids, bottom first], "blobs": [layer blob digests],
 *    "created", "added", "size", and "build_key" for a build step's (build/cache.h)}
 * A name (repository:tag) belongs to one image at a time: giving it to another takes it away,
 * leaving the old one dangling (<none>:<none>) when it has no other name, as Docker does. */
#ifndef BERTH_IMAGE_IMAGE_H
#define BERTH_IMAGE_IMAGE_H

#include <jansson.h>
#include <stdbool.h>

struct berr;
struct img_store;

/* The record a user's name for an image means: a reference ("busybox", "x:tag", "x@sha256:.."),
 * a full id ("sha256:<hex>") or a unique prefix of one's hex. Borrowed from images; ENOENT
 * says "no such image: NAME". */
json_t *img_image_find(json_t *images, const char *name, struct berr **err);
/* The same, reading the records under a shared lock; a new reference. */
json_t *img_image_lookup(struct img_store *s, const char *name, struct berr **err);

/* A build step's image kept as build cache (a "build_key", build/cache.h) that nobody named:
 * hidden from `images`, left to `builder prune`. */
bool img_image_is_build_cache(json_t *rec);

/* Add rec (its "id" set, the rest as above) or merge it into the record with the same id,
 * giving it `name` (normalised "repo:tag", or NULL) and `repo_digest` ("repo@sha256:..", or
 * NULL). Under the exclusive lock. */
int img_image_commit(struct img_store *s, json_t *rec, const char *name, const char *repo_digest,
		     struct berr **err);
/* Give the image `source` names the additional name `target` (a reference with a tag). */
int img_image_tag(struct img_store *s, const char *source, const char *target, struct berr **err);

/* Whether containers use an image, and the first that does (its id in who, 65 bytes): a
 * running one (running, paused, restarting) before a stopped one. */
enum img_use { IMG_UNUSED, IMG_USED_STOPPED, IMG_USED_RUNNING };
typedef enum img_use (*img_in_use_fn)(const char *image_id, void *ctx, char *who);

/* Remove as `docker rmi` (dockerd 20.10's image_delete.go) does: a name of an image with other
 * names is only untagged; an id (or the last name) deletes the record, unless it has several
 * names and force is off. in_use (or NULL) says whether containers use it: by id, a running
 * one refuses even force ("cannot be forced"), a stopped one refuses unless force; by its last
 * name, any refuses unless force, and with force a running one leaves the image there,
 * untagged. EBUSY with dockerd's words. Each step is appended to report as "Untagged: NAME"
 * or "Deleted: ID". Blobs and layers no image uses any more are then collected
 * (img_store_gc). */
int img_image_remove(struct img_store *s, const char *name, bool force, img_in_use_fn in_use,
		     void *ctx, json_t *report, struct berr **err);

/* Remove blobs and unpacked layers that no record refers to, and temp files. Skipped (0) while
 * a pull or load holds the store busy (img_store_busy), since what it wrote is not yet in a
 * record. out_freed (or NULL) gets the bytes freed. */
int img_store_gc(struct img_store *s, long long *out_freed, struct berr **err);
/* Held by pull, load, import and build from their first blob until their record is in:
 * shared among them, excluded by img_store_gc. Returns an fd to close when done. */
int img_store_busy(struct img_store *s, struct berr **err);

/* "Repo:tag" names of a record, shortened as Docker prints them ("busybox:latest"). */
char *img_name_familiar(const char *full);
/* An image event in the store's event log (util/eventlog.h): id is what dockerd names the
 * actor (the image id, or the reference pulled), name its name attribute (made familiar). */
void img_event(struct img_store *s, const char *id, const char *action, const char *name);

#endif
