/* Image archives, as `docker save`/`podman save` write them and `load` reads them:
 * - docker-archive: manifest.json ([{"Config", "RepoTags", "Layers"}]), the configs and the
 *   layers as uncompressed tars (`<id>/layer.tar`, or `blobs/sha256/<hex>` since Docker 25),
 *   `repositories`; duplicate layers may be symbolic links to the first.
 * - oci-archive: an OCI image layout (image-spec image-layout.md) in a tar: `oci-layout`,
 *   `index.json` (names in the annotation org.opencontainers.image.ref.name), `blobs/`.
 * Loading streams each blob into the store as it comes (verified where its name is its digest),
 * then installs each image; a bad archive leaves the store as it was. Plus `import`: a root
 * filesystem tarball becomes a one-layer image. */
#ifndef BERTH_IMAGE_ARCHIVE_H
#define BERTH_IMAGE_ARCHIVE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

struct berr;
struct img_store;
struct img_platform;

enum img_archive_format { IMG_ARCHIVE_DOCKER, IMG_ARCHIVE_OCI };

/* Load every image in the archive read from fd (plain or compressed). report gets one line
 * per image: "Loaded image: NAME" or "Loaded image ID: ID". platform picks from an OCI index
 * (NULL: this host's). */
int img_archive_load(struct img_store *s, int fd, const struct img_platform *platform,
		     json_t *report, struct berr **err);
/* The same for the built-in image made on first use: not a load anyone asked for, so not an
 * event in the store's log. */
int img_archive_load_builtin(struct img_store *s, int fd, json_t *report, struct berr **err);

/* Write the named images to fd. */
int img_archive_save(struct img_store *s, char *const *names, size_t n,
		     enum img_archive_format format, int fd, struct berr **err);

struct img_import {
	const char *name;     /* "repo[:tag]" for the new image, or NULL */
	const char *message;  /* history comment (-m), or NULL */
	char *const *changes; /* Dockerfile instructions (-c): CMD, ENTRYPOINT, ENV, EXPOSE,
				 LABEL, USER, VOLUME, WORKDIR, STOPSIGNAL; NULL-terminated */
	const char *created;  /* the config's "created" (NULL: now) */
	const struct img_platform *platform; /* NULL: this host's */
};

/* Make a one-layer image of the tarball read from fd (gzip, zstd or plain). */
int img_archive_import(struct img_store *s, int fd, const struct img_import *in, char *out_id,
		       struct berr **err);

#endif
