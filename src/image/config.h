/* The image configuration (OCI image-spec config.md; Docker's image JSON has the same fields):
 * what the engine applies to a container (Env, Cmd, Entrypoint, WorkingDir, User, Volumes,
 * ExposedPorts, StopSignal, Labels), the layers' diff ids, and the history. The parsed JSON is
 * kept as `raw` for `image inspect`. */
#ifndef BERTH_IMAGE_CONFIG_H
#define BERTH_IMAGE_CONFIG_H

#include <jansson.h>
#include <stddef.h>

#include "image/manifest.h"
#include "util/cleanup.h"

struct berr;

struct img_history {
	char *created, *created_by, *author, *comment;
	bool empty_layer;
};

struct img_config {
	struct img_platform platform;
	char *created, *author;
	char **env, **cmd, **entrypoint; /* NULL when absent */
	char **volumes, **exposed_ports; /* the keys of those objects */
	char *working_dir, *user, *stop_signal;
	json_t *labels;  /* object or NULL */
	char **diff_ids; /* rootfs.diff_ids, checked digests */
	size_t n_diff_ids;
	struct img_history *history;
	size_t n_history;
	json_t *raw;
};

int img_config_parse(const char *data, size_t len, struct img_config **out, struct berr **err);
void img_config_free(struct img_config *c);
DEFINE_AUTOPTR(img_config)

/* The chain id of the first n layers (image-spec config.md "Layer ChainID"):
 * chain(L0) = diff(L0), chain(Ln) = sha256(chain(Ln-1) + " " + diff(Ln)). out: 72 bytes. */
void img_chain_id(char *const *diff_ids, size_t n, char out[72]);

#endif
