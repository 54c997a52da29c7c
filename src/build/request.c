/* What a front end asks of a build (see request.h). */
#include "build/request.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "image/reference.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/json.h"
#include "util/xalloc.h"

char **bld_tag_names(char *const *tags, size_t n, struct berr **err)
{
	char **v = xcalloc(n + 1, sizeof(*v));
	for (size_t i = 0; i < n; i++) {
		struct img_ref ref;
		if (img_ref_parse(tags[i], &ref, err) < 0) {
			strv_free(v);
			return NULL;
		}
		if (ref.digest) {
			img_ref_clear(&ref);
			strv_free(v);
			berr_plain(err, EINVAL, "invalid tag '%s': a tag, not a digest", tags[i]);
			return NULL;
		}
		autofree char *repo = img_ref_repository(&ref);
		v[i] = xasprintf("%s:%s", repo, ref.tag ? ref.tag : "latest");
		img_ref_clear(&ref);
	}
	return v;
}

int bld_platform_check(const char *platform, struct berr **err)
{
	if (!platform || !*platform || !strcmp(platform, "linux/amd64") ||
	    !strcmp(platform, "linux") || !strcmp(platform, "amd64"))
		return 0;
	return berr_plain(err, EINVAL,
			  "--platform '%s': berth builds for this host's platform (linux/amd64) "
			  "only",
			  platform);
}

int bld_network_mode(const char *mode, const char **out_network, struct berr **err)
{
	if (!mode || !*mode || !strcmp(mode, "default") || !strcmp(mode, "bridge")) {
		*out_network = "bridge";
		return 0;
	}
	if (!strcmp(mode, "none") || !strcmp(mode, "host")) {
		*out_network = !strcmp(mode, "none") ? "none" : "host";
		return 0;
	}
	return berr_plain(err, EINVAL, "--network '%s': default, none or host", mode);
}
