/* What every step does (see step.h): its writable root, its cache lookup, its image. */
#include "build/step.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/commit.h"
#include "image/config.h"
#include "image/image.h"
#include "image/manifest.h"
#include "image/snapshot.h"
#include "image/store.h"
#include "image/unpack.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/timefmt.h"
#include "util/xalloc.h"

struct bld_context *bld_ref_context(struct bld_build *b, const struct bld_ref *ref)
{
	if (ref->kind == BLD_REF_CONTEXT)
		return b->named ? b->named[ref->stage] : NULL;
	return ref->kind == BLD_REF_NONE ? b->context : NULL;
}

void bld_step_begin(struct bld_build *b)
{
	b->step = __atomic_add_fetch(b->steps, 1, __ATOMIC_RELAXED);
}

void bld_event(struct bld_build *b, struct bld_event e)
{
	if (!e.step)
		e.step = b->step;
	if (b->o->event)
		b->o->event(b->o->ctx, &e);
}

/* The image's chain ids (bottom first), NULL-terminated; none for NULL or "". */
static char **image_chains(struct bld_build *b, const char *id, size_t *out_n, struct berr **err)
{
	*out_n = 0;
	char **v = xcalloc(1, sizeof(*v));
	if (!id || !*id)
		return v;
	json_t *rec = img_image_lookup(b->is, id, err);
	if (!rec) {
		free(v);
		return NULL;
	}
	json_t *layers = json_object_get(rec, "layers");
	size_t n = json_array_size(layers);
	v = xrealloc(v, (n + 1) * sizeof(*v));
	for (size_t i = 0; i < n; i++)
		v[i] = xstrdup(json_string_value(json_array_get(layers, i)) ?: "");
	v[n] = NULL;
	*out_n = n;
	json_decref(rec);
	return v;
}

char *bld_work_dir(struct bld_build *b, const char *what, struct berr **err)
{
	char *dir = xasprintf("%s/%s-XXXXXX", b->session.dir, what);
	if (!mkdtemp(dir)) {
		berr_set(err, errno, "create '%s'", dir);
		free(dir);
		return NULL;
	}
	return dir;
}

int bld_step_root_make(struct bld_build *b, const char *parent, struct bld_step_root *out,
		       struct berr **err)
{
	*out = (struct bld_step_root){.fd = -1};
	out->dir = bld_work_dir(b, "step", err);
	if (!out->dir)
		return berr_ret(err);
	out->upper = xasprintf("%s/upper", out->dir);
	out->merged = xasprintf("%s/merged", out->dir);
	autofree char *work = xasprintf("%s/work", out->dir);
	size_t n = 0;
	char **chains = image_chains(b, parent, &n, err);
	int r = chains ? 0 : -ENOENT;
	if (r == 0 &&
	    (mkdir(out->upper, 0755) < 0 || mkdir(work, 0700) < 0 || mkdir(out->merged, 0755) < 0))
		r = berr_set(err, errno, "create the step's directories");
	if (r == 0)
		r = img_snapshot_mount(b->is, chains, n, out->upper, work, out->merged, err);
	strv_free(chains);
	if (r == 0 && (out->fd = open(out->merged, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
		r = berr_set(err, errno, "open '%s'", out->merged);
	if (r < 0)
		bld_step_root_release(out);
	return r;
}

void bld_step_root_release(struct bld_step_root *r)
{
	if (r->fd >= 0)
		(void)close(r->fd);
	if (r->merged)
		(void)umount2(r->merged, MNT_DETACH);
	if (r->dir)
		(void)fs_rm_rf(AT_FDCWD, r->dir, NULL);
	free(r->dir);
	free(r->upper);
	free(r->merged);
	*r = (struct bld_step_root){.fd = -1};
}

int bld_step_root_seal(struct bld_step_root *r, struct berr **err)
{
	if (r->fd >= 0)
		(void)close(r->fd);
	r->fd = -1;
	if (r->merged && umount2(r->merged, 0) < 0)
		return berr_set(err, errno, "unmount '%s'", r->merged);
	free(r->merged);
	r->merged = NULL;
	return 0;
}

int bld_image_root_make(struct bld_build *b, const char *image, char **out_dir, struct berr **err)
{
	char *dir = bld_work_dir(b, "from", err);
	if (!dir)
		return berr_ret(err);
	size_t n = 0;
	char **chains = image_chains(b, image, &n, err);
	int r = chains ? img_snapshot_mount(b->is, chains, n, NULL, NULL, dir, err) : -ENOENT;
	strv_free(chains);
	if (r < 0) {
		(void)rmdir(dir);
		free(dir);
		return r;
	}
	*out_dir = dir;
	return 0;
}

void bld_image_root_release(char *dir)
{
	if (!dir)
		return;
	(void)umount2(dir, MNT_DETACH);
	(void)rmdir(dir);
	free(dir);
}

json_t *bld_image_config(struct bld_build *b, const char *id, struct berr **err)
{
	autofree char *data = NULL;
	size_t len = 0;
	if (img_blob_read(b->is, id, IMG_CONFIG_MAX, &data, &len, err) < 0)
		return NULL;
	return json_load_text(data, len, err);
}

int bld_step_cached(struct bld_build *b, struct bld_state *st, const char *key, struct berr **err)
{
	if (b->o->no_cache)
		return 0;
	char id[BLD_ID_LEN + 1];
	int found = bld_cache_find(b->is, key, id, err);
	if (found <= 0)
		return found;
	json_t *cfg = bld_image_config(b, id, err);
	if (!cfg)
		return berr_ret(err);
	json_decref(st->config);
	st->config = cfg;
	memcpy(st->id, id, sizeof(st->id));
	return 1;
}

int bld_step_commit(struct bld_build *b, struct bld_state *st, const char *created_by,
		    const char *upper, bool give, const char *key, struct berr **err)
{
	json_auto_t *cfg = json_deep_copy(st->config);
	char now[40];
	json_object_set_new(cfg, "created", json_string(timefmt_now(now)));
	bld_config_history(cfg, created_by, upper == NULL);
	struct eng_derive d = {.parent = *st->id ? st->id : NULL,
			       .config = cfg,
			       .upper = upper,
			       .build_key = key,
			       .give_upper = give};
	char id[BLD_ID_LEN + 1];
	int r = eng_image_derive(b->is, &d, id, err);
	if (r < 0)
		return r;
	/* the config as stored: with the new layer's diff id */
	json_t *stored = bld_image_config(b, id, err);
	if (!stored)
		return berr_ret(err);
	json_decref(st->config);
	st->config = stored;
	memcpy(st->id, id, sizeof(st->id));
	return 0;
}
