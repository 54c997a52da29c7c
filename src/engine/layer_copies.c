/* Copies of image layers with their owners shifted, and when they go (see layer_copies.h). */
#include "engine/layer_copies.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "engine/container.h"
#include "engine/store.h"
#include "engine/userns.h"
#include "image/layer_chown.h"
#include "image/store.h"
#include "runtime/spec.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/idshift.h"
#include "util/json.h"
#include "util/xalloc.h"

struct idshift *eng_layer_copies_shift(json_t *maps)
{
	autofree struct rt_idmap *u = NULL, *g = NULL;
	int nu = eng_userns_idmaps(json_object_get(maps, "UidMap"), &u);
	int ng = eng_userns_idmaps(json_object_get(maps, "GidMap"), &g);
	if (nu <= 0 || ng <= 0)
		return NULL;
	struct idshift *s =
	    xcalloc(1, sizeof(*s) + (size_t)(nu + ng) * sizeof(struct idshift_range));
	struct idshift_range *r = (struct idshift_range *)(s + 1);
	for (int i = 0; i < nu + ng; i++) {
		const struct rt_idmap *m = i < nu ? &u[i] : &g[i - nu];
		r[i] = (struct idshift_range){m->container_id, m->host_id, m->size};
	}
	*s = (struct idshift){r, r + nu, (size_t)nu, (size_t)ng, false};
	return s;
}

/* "<chain hex>.<key>" of every layer of every container with a mapping. */
static json_t *in_use(const struct eng_store *s, struct berr **err)
{
	char **ids = NULL;
	if (eng_container_list(s, &ids, err) < 0)
		return NULL;
	json_t *used = json_object();
	for (size_t i = 0; ids[i]; i++) {
		json_auto_t *rec = eng_container_load(s, ids[i], NULL);
		autofree struct idshift *map = eng_layer_copies_shift(
		    json_object_get(json_object_get(rec, "HostConfig"), "IDMappings"));
		if (!map)
			continue;
		char key[SHA256_HEX_LEN + 1];
		img_layer_chown_key(map, key);
		size_t k;
		json_t *chain;
		json_array_foreach(json_object_get(rec, "Layers"), k, chain)
		{
			const char *c = json_string_value(chain);
			if (c && strlen(c) == 7 + SHA256_HEX_LEN) {
				autofree char *name = xasprintf("%s.%s", c + 7, key);
				json_object_set_new(used, name, json_true());
			}
		}
	}
	strv_free(ids);
	return used;
}

static bool keep(void *ctx, const char *hex, const char *key)
{
	autofree char *name = xasprintf("%s.%s", hex, key);
	return json_object_get(ctx, name) != NULL;
}

static int lock_copies(const struct eng_store *s, bool exclusive, struct berr **err)
{
	autofree char *path = xasprintf("%s/" IMG_LAYER_CHOWN_DIR ".lock", s->root);
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return berr_set(err, errno, "open '%s'", path);
	while (flock(fd, exclusive ? LOCK_EX : LOCK_SH) < 0)
		if (errno != EINTR) {
			int e = errno;
			(void)close(fd);
			return berr_set(err, e, "lock '%s'", path);
		}
	return fd;
}

int eng_layer_copies_hold(const struct eng_store *s, struct berr **err)
{
	return lock_copies(s, false, err);
}

int eng_layer_copies_prune(const struct eng_store *s, struct berr **err)
{
	autofree char *dir = xasprintf("%s/" IMG_LAYER_CHOWN_DIR, s->root);
	if (access(dir, F_OK) < 0)
		return 0; /* the common case: no copy was ever made */
	/* no mount between the records' look and the removal (eng_layer_copies_hold) */
	autoclose int lock = lock_copies(s, true, err);
	if (lock < 0)
		return lock;
	json_auto_t *used = in_use(s, err);
	if (!used)
		return berr_ret(err);
	autoptr(img_store) st = NULL;
	if (img_store_open(s->root, &st, err) < 0)
		return berr_ret(err);
	return img_layer_chown_prune(st, keep, used, err);
}
