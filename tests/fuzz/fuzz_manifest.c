/* libFuzzer: manifests, indexes and image configs as a registry could send them. The parsers
 * must reject or accept without crashing, leaking or reading out of bounds (ASan). */
#include <stddef.h>
#include <stdint.h>

#include "image/config.h"
#include "image/manifest.h"
#include "util/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const types[] = {NULL, IMG_MT_OCI_MANIFEST, IMG_MT_DOCKER_LIST};
	for (size_t i = 0; i < 3; i++) {
		struct img_manifest *m = NULL;
		struct berr *err = NULL;
		if (img_manifest_parse((const char *)data, size, types[i], &m, &err) == 0 &&
		    m->kind == IMG_KIND_INDEX) {
			struct img_platform p = {0};
			img_platform_host(&p);
			(void)img_index_select(m, &p, NULL);
			img_platform_clear(&p);
		}
		img_manifest_free(m);
		berr_free(err);
	}
	struct img_config *c = NULL;
	struct berr *err = NULL;
	if (img_config_parse((const char *)data, size, &c, &err) == 0) {
		char chain[72];
		img_chain_id(c->diff_ids, c->n_diff_ids, chain);
	}
	img_config_free(c);
	berr_free(err);
	return 0;
}
