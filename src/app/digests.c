/* Image digests from their registries (digests.h). The registry is asked as a pull asks it
 * (image/registry.h: the tag's manifest; its digest is that of the bytes received, which for
 * a multi-platform image is the index's, as DistributionInspect's descriptor is); nothing is
 * stored. A registry on the loopback is spoken to over plain HTTP when it does not do TLS, as
 * push does (app_image_loopback). */
#include "app/digests.h"

#include <errno.h>
#include <stdlib.h>

#include "app/build.h"
#include "image/http.h"
#include "image/reference.h"
#include "image/registry.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/xalloc.h"

static int resolve_one(const char *image, char **out, struct berr **err)
{
	struct img_ref ref = {0};
	int r = img_ref_parse(image, &ref, err);
	if (r < 0)
		return r;
	if (!ref.digest) {
		struct img_http_opts o;
		img_http_opts_default(&o);
		o.tls_verify = !app_image_loopback(image);
		autoptr(img_registry) reg = NULL;
		char digest[72] = "";
		autofree char *data = NULL, *media_type = NULL;
		size_t len = 0;
		r = img_registry_open(&ref, &o, false, &reg, err);
		if (r == 0)
			r = img_registry_get_manifest(reg, ref.tag, &data, &len, &media_type,
						      digest, err);
		if (r == 0)
			ref.digest = xstrdup(digest);
	}
	if (r == 0)
		*out = img_ref_string(&ref);
	img_ref_clear(&ref);
	return r;
}

int app_resolve_image_digests(json_t *model, struct berr **err)
{
	const char *name;
	json_t *svc;
	json_object_foreach(json_object_get(model, "services"), name, svc)
	{
		const char *image = json_string_value(json_object_get(svc, "image"));
		if (!image)
			continue;
		char *pinned = NULL;
		int r = resolve_one(image, &pinned, err);
		if (r < 0)
			return berr_wrap(err, "service %s: resolve image '%s'", name, image);
		json_object_set_new(svc, "image", json_string(pinned));
		free(pinned);
	}
	return 0;
}
