/* compose config --resolve-image-digests: each service's image pinned to the digest its
 * registry gives for it now, as compose-go's WithImagesResolved with Compose v2's
 * ImageDigestResolver (a DistributionInspect: the manifest, or the index, the tag names). */
#ifndef BERTH_APP_DIGESTS_H
#define BERTH_APP_DIGESTS_H

#include <jansson.h>

struct berr;

/* Each `image:` of model's services, in place: "busybox" becomes
 * "docker.io/library/busybox:latest@sha256:..." (the reference normalized, tag kept, as
 * reference.WithDigest writes it); one with a digest already only normalized; a service
 * without image: (a build's) left alone. Errors name the service and the image. */
int app_resolve_image_digests(json_t *model, struct berr **err);

#endif
