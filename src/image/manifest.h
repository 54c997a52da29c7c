/* Manifests and indexes as registries serve them: the OCI image spec (manifest.md,
 * image-index.md, descriptor.md) and Docker's schema 2 (manifest and manifest list), which
 * have the same shape under other media types. Schema 1 is refused with a clear error. Parsing
 * checks every field a later step relies on (digests, sizes, counts) and limits what a
 * registry can make us hold. */
#ifndef BERTH_IMAGE_MANIFEST_H
#define BERTH_IMAGE_MANIFEST_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/cleanup.h"

struct berr;

#define IMG_MT_OCI_MANIFEST    "application/vnd.oci.image.manifest.v1+json"
#define IMG_MT_OCI_INDEX       "application/vnd.oci.image.index.v1+json"
#define IMG_MT_OCI_CONFIG      "application/vnd.oci.image.config.v1+json"
#define IMG_MT_OCI_LAYER       "application/vnd.oci.image.layer.v1.tar"
#define IMG_MT_OCI_LAYER_GZIP  "application/vnd.oci.image.layer.v1.tar+gzip"
#define IMG_MT_OCI_LAYER_ZSTD  "application/vnd.oci.image.layer.v1.tar+zstd"
#define IMG_MT_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define IMG_MT_DOCKER_LIST     "application/vnd.docker.distribution.manifest.list.v2+json"
#define IMG_MT_DOCKER_CONFIG   "application/vnd.docker.container.image.v1+json"
#define IMG_MT_DOCKER_LAYER    "application/vnd.docker.image.rootfs.diff.tar.gzip"
#define IMG_MT_DOCKER_FOREIGN  "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"

#define IMG_MANIFEST_MAX (4 << 20) /* bytes of a manifest or index, as containerd limits */
#define IMG_CONFIG_MAX   (8 << 20) /* bytes of an image config */
#define IMG_LAYERS_MAX   127       /* layers of one image: overlayfs' stacking, Docker's limit */
#define IMG_INDEX_MAX    1024      /* manifests in one index */

struct img_platform {
	char *os, *arch, *variant; /* variant may be NULL */
};

struct img_descriptor {
	char *media_type;
	char *digest; /* "sha256:<hex>", checked */
	int64_t size;
	bool has_platform;
	struct img_platform platform;
};

enum img_manifest_kind { IMG_KIND_MANIFEST, IMG_KIND_INDEX };

struct img_manifest {
	enum img_manifest_kind kind;
	char *media_type; /* as given, or the OCI type the shape implies */
	/* IMG_KIND_MANIFEST */
	struct img_descriptor config;
	struct img_descriptor *layers;
	size_t n_layers;
	/* IMG_KIND_INDEX */
	struct img_descriptor *manifests;
	size_t n_manifests;
};

/* Parse a manifest or index; media_type is the registry's Content-Type or NULL (then the
 * document's own mediaType, else its shape, decides). */
int img_manifest_parse(const char *data, size_t len, const char *media_type,
		       struct img_manifest **out, struct berr **err);
void img_manifest_free(struct img_manifest *m);
DEFINE_AUTOPTR(img_manifest)

bool img_media_type_is_layer(const char *mt);

/* The platform this host runs ("linux", "amd64", NULL). */
void img_platform_host(struct img_platform *out);
/* "os/arch[/variant]" (also "arch" alone: linux assumed). */
int img_platform_parse(const char *s, struct img_platform *out, struct berr **err);
void img_platform_clear(struct img_platform *p);
/* "linux/amd64", "linux/arm/v7" (caller frees). */
char *img_platform_string(const struct img_platform *p);
bool img_platform_match(const struct img_platform *want, const struct img_platform *have);
/* Index of the first manifest of an index that matches want; ENOENT, naming what the index
 * offers, when none does. */
int img_index_select(const struct img_manifest *index, const struct img_platform *want,
		     struct berr **err);

#endif
