/* Pulling an image (see pull.h).
 * Threads: the layer blobs are fetched by up to `parallel` worker threads, each with its own
 * HTTP handle on the shared struct img_http (whose own lock guards its token). struct fetch's
 * `lock` guards `next`, `failed`/`err` and the event callback, so events arrive one at a time.
 * Nothing here forks. */
#include "image/pull.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "image/builtin.h"
#include "image/config.h"
#include "image/image.h"
#include "image/manifest.h"
#include "image/reference.h"
#include "image/registry.h"
#include "image/store.h"
#include "image/unpack.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/xalloc.h"

#define PARALLEL_MAX 16

struct fetch {
	struct img_registry *reg;
	struct img_store *store;
	const struct img_pull_opts *o;
	const struct img_descriptor **jobs;
	size_t n_jobs;
	pthread_mutex_t lock;
	size_t next;
	bool failed;
	struct berr *err;
};

struct job_ctx {
	struct fetch *f;
	char short_id[13];
};

static void emit(struct fetch *f, enum img_pull_event ev, const char *id, const char *text,
		 int64_t done, int64_t total)
{
	if (!f->o->event)
		return;
	pthread_mutex_lock(&f->lock);
	f->o->event(ev, id, text, done, total, f->o->ctx);
	pthread_mutex_unlock(&f->lock);
}

static void on_progress(int64_t done, int64_t total, void *ctx)
{
	struct job_ctx *j = ctx;
	emit(j->f, IMG_PULL_DOWNLOADING, j->short_id, NULL, done, total);
}

static void *worker(void *arg)
{
	struct fetch *f = arg;
	for (;;) {
		pthread_mutex_lock(&f->lock);
		const struct img_descriptor *d =
		    !f->failed && f->next < f->n_jobs ? f->jobs[f->next++] : NULL;
		pthread_mutex_unlock(&f->lock);
		if (!d)
			return NULL;
		struct job_ctx j = {.f = f};
		snprintf(j.short_id, sizeof(j.short_id), "%.12s", d->digest + 7);
		struct berr *e = NULL;
		if (img_registry_get_blob(f->reg, f->store, d->digest, d->size, on_progress, &j,
					  &e) < 0) {
			pthread_mutex_lock(&f->lock);
			if (!f->failed) {
				f->failed = true;
				f->err = e;
				e = NULL;
			}
			pthread_mutex_unlock(&f->lock);
			berr_free(e);
			return NULL;
		}
		emit(f, IMG_PULL_DOWNLOADED, j.short_id, NULL, d->size, d->size);
	}
}

/* Fetch the layers not in the store, `parallel` at a time. */
static int fetch_layers(struct fetch *f, const struct img_manifest *m, struct berr **err)
{
	f->jobs = xcalloc(m->n_layers + 1, sizeof(*f->jobs));
	for (size_t i = 0; i < m->n_layers; i++) {
		char id[13];
		snprintf(id, sizeof(id), "%.12s", m->layers[i].digest + 7);
		if (img_blob_has(f->store, m->layers[i].digest)) {
			emit(f, IMG_PULL_LAYER_HAVE, id, NULL, 0, 0);
			continue;
		}
		emit(f, IMG_PULL_LAYER_WAIT, id, NULL, 0, m->layers[i].size);
		f->jobs[f->n_jobs++] = &m->layers[i];
	}
	int n = f->o->parallel > 0 ? f->o->parallel : 3;
	if (n > PARALLEL_MAX)
		n = PARALLEL_MAX;
	if ((size_t)n > f->n_jobs)
		n = (int)f->n_jobs;
	pthread_t threads[PARALLEL_MAX];
	int started = 0;
	for (; started < n; started++)
		if (pthread_create(&threads[started], NULL, worker, f) != 0)
			break;
	if (started == 0 && f->n_jobs)
		worker(f); /* no thread to be had: do it here */
	for (int i = 0; i < started; i++)
		pthread_join(threads[i], NULL);
	if (f->failed) {
		int r = berr_ret(&f->err); /* the first worker's error, its code */
		if (err)
			*err = take_ptr(&f->err);
		return r;
	}
	return 0;
}

/* The manifest for our platform: the tag's own, or the one an index names. Both (and the
 * index) end up in the store. */
static int resolve(struct img_registry *reg, struct img_store *s, const struct img_ref *ref,
		   const struct img_platform *want, char *out_manifest, char *out_index,
		   struct berr **err)
{
	autofree char *data = NULL, *mt = NULL;
	size_t len = 0;
	char digest[IMG_DIGEST_LEN + 1];
	const char *reference = ref->digest ? ref->digest : ref->tag;
	int r = img_registry_get_manifest(reg, reference, &data, &len, &mt, digest, err);
	if (r < 0)
		return r;
	autoptr(img_manifest) m = NULL;
	if ((r = img_manifest_parse(data, len, mt, &m, err)) < 0)
		return r;
	if ((r = img_blob_put(s, data, len, digest, NULL, err)) < 0)
		return r;
	out_index[0] = '\0';
	if (m->kind == IMG_KIND_MANIFEST) {
		memcpy(out_manifest, digest, sizeof(digest));
		return 0;
	}
	int k = img_index_select(m, want, err);
	if (k < 0)
		return k;
	memcpy(out_index, digest, sizeof(digest));
	autofree char *mdata = NULL, *mmt = NULL;
	if ((r = img_registry_get_manifest(reg, m->manifests[k].digest, &mdata, &len, &mmt,
					   out_manifest, err)) < 0)
		return r;
	autoptr(img_manifest) inner = NULL;
	if ((r = img_manifest_parse(mdata, len, mmt ? mmt : m->manifests[k].media_type, &inner,
				    err)) < 0)
		return r;
	if (inner->kind != IMG_KIND_MANIFEST)
		return berr_plain(err, EINVAL, "%s: an index inside an index",
				  m->manifests[k].digest);
	return img_blob_put(s, mdata, len, out_manifest, NULL, err);
}

struct extract_ctx {
	struct fetch *f;
	const struct img_manifest *m;
};

/* "Pull complete" for the layers this pull fetched ("Already exists" said the rest). */
static void on_extracted(size_t i, void *ctx)
{
	struct extract_ctx *x = ctx;
	bool fetched = false;
	for (size_t k = 0; k < x->f->n_jobs; k++)
		fetched |= x->f->jobs[k] == &x->m->layers[i];
	if (!fetched)
		return;
	char id[13];
	snprintf(id, sizeof(id), "%.12s", x->m->layers[i].digest + 7);
	emit(x->f, IMG_PULL_EXTRACTED, id, NULL, 0, 0);
}

/* Config and layers into the store, then unpacked and recorded. */
static int fetch_and_install(struct fetch *f, const char *mdigest, const char *idigest,
			     const char *name, const char *repo_digest, char *out_id,
			     struct berr **err)
{
	autofree char *data = NULL;
	size_t len = 0;
	int r = img_blob_read(f->store, mdigest, IMG_MANIFEST_MAX, &data, &len, err);
	if (r < 0)
		return r;
	autoptr(img_manifest) m = NULL;
	if ((r = img_manifest_parse(data, len, NULL, &m, err)) < 0)
		return r;
	if (!img_blob_has(f->store, m->config.digest) &&
	    img_registry_get_blob(f->reg, f->store, m->config.digest, m->config.size, NULL, NULL,
				  err) < 0)
		return berr_wrap(err, "image config");
	if ((r = fetch_layers(f, m, err)) < 0)
		return r;
	struct extract_ctx x = {f, m};
	struct img_install in = {.manifest_digest = mdigest,
				 .index_digest = idigest[0] ? idigest : NULL,
				 .name = name,
				 .repo_digest = repo_digest,
				 .on_layer = on_extracted,
				 .ctx = &x};
	return img_unpack_install(f->store, &in, out_id, err);
}

static bool already_there(struct img_store *s, const char *name, const char *mdigest)
{
	json_auto_t *rec = img_image_lookup(s, name, NULL);
	return rec && !strcmp(json_string_value(json_object_get(rec, "manifest")), mdigest);
}

static int pull_ref(struct img_store *s, const struct img_ref *ref, const struct img_pull_opts *o,
		    char *out_id, struct berr **err)
{
	autoptr(img_registry) reg = NULL;
	int r = img_registry_open(ref, &o->http, false, &reg, err);
	if (r < 0)
		return r;
	struct fetch f = {.reg = reg, .store = s, .o = o};
	pthread_mutex_init(&f.lock, NULL);
	autofree char *repo = img_ref_repository(ref);
	emit(&f, IMG_PULL_START, ref->digest ? ref->digest : ref->tag, repo, 0, 0);
	struct img_platform host = {0};
	if (!o->platform)
		img_platform_host(&host);
	char mdigest[IMG_DIGEST_LEN + 1], idigest[IMG_DIGEST_LEN + 1];
	r = resolve(reg, s, ref, o->platform ? o->platform : &host, mdigest, idigest, err);
	img_platform_clear(&host);
	autofree char *name = ref->tag ? xasprintf("%s:%s", repo, ref->tag) : NULL;
	const char *top = idigest[0] ? idigest : mdigest;
	autofree char *repo_digest = xasprintf("%s@%s", repo, r == 0 ? top : "");
	bool had = r == 0 && name && already_there(s, name, mdigest);
	if (r == 0)
		r = fetch_and_install(&f, mdigest, idigest, name, repo_digest, out_id, err);
	if (r == 0)
		emit(&f, IMG_PULL_DONE, name ? name : repo_digest, top, had, 0);
	free(f.jobs);
	berr_free(f.err);
	pthread_mutex_destroy(&f.lock);
	return r;
}

int img_pull(struct img_store *s, const char *name, const struct img_pull_opts *o, char *out_id,
	     char **out_name, struct berr **err)
{
	struct img_ref ref;
	int r = img_ref_parse(name, &ref, err);
	if (r < 0)
		return r;
	if (img_builtin_is(name)) {
		r = img_builtin_ensure(s, err);
		json_auto_t *rec = r == 0 ? img_image_lookup(s, IMG_BUILTIN_NAME, err) : NULL;
		if (rec && out_id)
			snprintf(out_id, IMG_DIGEST_LEN + 1, "%s",
				 json_string_value(json_object_get(rec, "id")));
		if (r == 0 && !rec)
			r = berr_ret(err);
	} else {
		int busy = img_store_busy(s, err);
		r = busy < 0 ? busy : pull_ref(s, &ref, o, out_id, err);
		if (busy >= 0)
			(void)close(busy);
		/* a failed pull's blobs are in no record: collected (an interrupted download
		 * stays as a partial for the next pull to resume, image.c) */
		if (r < 0)
			(void)img_store_gc(s, NULL, NULL);
	}
	if (r == 0) { /* dockerd: the actor is the reference, its name the repository */
		autofree char *repo = img_ref_repository(&ref);
		autofree char *full = ref.tag ? xasprintf("%s:%s", repo, ref.tag)
					      : xasprintf("%s@%s", repo, ref.digest);
		autofree char *actor = img_name_familiar(full);
		img_event(s, actor, "pull", repo);
		if (out_name)
			*out_name = xstrdup(full);
	}
	img_ref_clear(&ref);
	if (r < 0)
		return berr_wrap(err, "pull %s", name);
	return 0;
}

int img_pull_tags(const char *name, const struct img_pull_opts *o, char ***out, struct berr **err)
{
	struct img_ref ref = {0};
	int r = img_ref_parse(name, &ref, err);
	if (r < 0)
		return r;
	autoptr(img_registry) reg = NULL;
	char **tags = NULL;
	r = img_registry_open(&ref, &o->http, false, &reg, err);
	if (r == 0)
		r = img_registry_tags(reg, &tags, err);
	autofree char *repo = r == 0 ? img_ref_repository(&ref) : NULL;
	for (size_t i = 0; r == 0 && tags[i]; i++) {
		char *full = xasprintf("%s:%s", repo, tags[i]);
		free(tags[i]);
		tags[i] = full;
	}
	img_ref_clear(&ref);
	if (r == 0)
		*out = tags;
	return r;
}
