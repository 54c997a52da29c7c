/* A service's build section through berth's builder (build.h). */
#include "app/build.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build/context_tar.h"
#include "engine/bundle.h"
#include "image/builtin.h"
#include "image/http.h"
#include "image/image.h"
#include "image/pull.h"
#include "image/push.h"
#include "image/reference.h"
#include "image/store.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/xalloc.h"

static const char *str(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

struct base_ctx {
	struct img_store *is;
	const char *pull;
};

/* A FROM image: present by the pull policy, its id. */
static int base_image(void *ctx, const char *ref, char *out_id, struct berr **err)
{
	struct base_ctx *c = ctx;
	int r = 0;
	if (img_builtin_is(ref)) {
		r = img_builtin_ensure(c->is, err);
	} else {
		json_auto_t *had =
		    strcmp(c->pull, "always") ? img_image_lookup(c->is, ref, NULL) : NULL;
		struct img_pull_opts po = {0};
		img_http_opts_default(&po.http);
		if (!had)
			r = img_pull(c->is, ref, &po, NULL, NULL, err);
	}
	if (r < 0)
		return r;
	json_auto_t *rec = img_image_lookup(c->is, ref, err);
	if (!rec)
		return berr_ret(err);
	snprintf(out_id, IMG_DIGEST_LEN + 1, "%s", str(rec, "id"));
	return 0;
}

/* args {k: v} (null: the variable of our environment, or left out) → bld_kv. */
static struct bld_kv *build_args(json_t *args, size_t *out_n)
{
	struct bld_kv *kv = xcalloc(json_object_size(args) + 1, sizeof(*kv));
	size_t n = 0;
	const char *k;
	json_t *v;
	json_object_foreach(args, k, v)
	{
		const char *val = json_is_string(v) ? json_string_value(v) : getenv(k);
		if (!val)
			continue;
		kv[n].key = xstrdup(k);
		kv[n++].value = xstrdup(val);
	}
	*out_n = n;
	return kv;
}

static void build_args_free(struct bld_kv *kv, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(kv[i].key);
		free(kv[i].value);
	}
	free(kv);
}

static void secrets_free(struct bld_secret *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].id);
		free(v[i].src);
		free(v[i].env);
	}
	free(v);
}

/* build.secrets as Compose v2 hands them to BuildKit (its addSecretsConfig): the id is the
 * target, else the source's name; a `file:` secret is its file (src=), an `environment:` one
 * the variable (env=, read from berth's environment as buildx's provider reads its own);
 * any other source refused with v2's words; uid, gid and mode warned about. */
static int build_secrets(json_t *model, const struct app_service *svc,
			 const struct app_progress *pr, struct bld_secret **out, size_t *out_n,
			 struct berr **err)
{
	json_t *refs = json_object_get(svc->build, "secrets");
	struct bld_secret *v = xcalloc(json_array_size(refs) + 1, sizeof(*v));
	size_t i, n = 0;
	json_t *ref;
	json_array_foreach(refs, i, ref)
	{
		const char *source = str(ref, "source") ? str(ref, "source") : "";
		json_t *def = json_object_get(json_object_get(model, "secrets"), source);
		if (!str(def, "file") && !str(def, "environment")) {
			secrets_free(v, n);
			return berr_plain(err, ENOTSUP,
					  "build.secrets only supports environment or file-based "
					  "secrets: \"%s\"",
					  source);
		}
		v[n].id = xstrdup(str(ref, "target") ? str(ref, "target") : source);
		v[n].src = str(def, "file") ? xstrdup(str(def, "file")) : NULL;
		v[n].env = v[n].src ? NULL : xstrdup(str(def, "environment"));
		n++;
		if (json_object_get(ref, "uid") || json_object_get(ref, "gid") ||
		    json_object_get(ref, "mode"))
			app_report(pr, "WARN",
				   "secrets `uid`, `gid` and `mode` are not supported by BuildKit, "
				   "they will be ignored",
				   "");
	}
	*out = v;
	*out_n = n;
	return 0;
}

/* The Containerfile: dockerfile_inline, or dockerfile (relative: to the context). */
static int containerfile(json_t *b, char **out_path, char **out_text, size_t *out_len,
			 struct berr **err)
{
	const char *inl = str(b, "dockerfile_inline"), *f = str(b, "dockerfile");
	if (inl) {
		*out_text = xstrdup(inl);
		*out_len = strlen(inl);
		return 0;
	}
	*out_path = f && f[0] == '/' ? xstrdup(f) : xasprintf("%s/%s", str(b, "context"), f);
	return fs_read_file(AT_FDCWD, *out_path, BLD_CONTAINERFILE_MAX, out_text, out_len, err);
}

/* A NULL-terminated vector of arr's strings, pointing into arr (free the vector only). */
static char **strings_of(json_t *arr)
{
	char **v = xcalloc(json_array_size(arr) + 1, sizeof(*v));
	for (size_t i = 0; i < json_array_size(arr); i++)
		v[i] = (char *)json_string_value(json_array_get(arr, i));
	return v;
}

/* bo built into svc's image, then tagged with build.tags too. */
static int build_tagged(const struct eng_store *s, struct img_store *is, const struct bld_opts *bo,
			const struct app_service *svc, const struct app_build_opts *o,
			struct berr **err)
{
	char id[IMG_DIGEST_LEN + 1];
	app_report(&o->progress, "Service", svc->name, "Building");
	int r = bld_build(s, is, bo, id, err);
	if (r == 0)
		r = img_image_tag(is, id, svc->image, err);
	size_t i;
	json_t *v;
	json_array_foreach(json_object_get(svc->build, "tags"), i, v)
	{
		if (r == 0)
			r = img_image_tag(is, id, json_string_value(v), err);
	}
	if (r == 0)
		app_report(&o->progress, "Service", svc->name, "Built");
	return r;
}

static int build_one(const struct eng_store *s, struct img_store *is, json_t *model,
		     const struct app_service *svc, const struct app_build_opts *o,
		     struct berr **err)
{
	json_t *b = svc->build;
	const char *ctx = str(b, "context");
	if (!ctx || ctx[0] != '/')
		return berr_plain(err, ENOTSUP, "build context '%s': only a directory is supported",
				  ctx ? ctx : "");
	autofree char *path = NULL, *text = NULL;
	size_t len = 0, n_args = 0, n_sec = 0;
	struct bld_secret *sec = NULL;
	int r = build_secrets(model, svc, &o->progress, &sec, &n_sec, err);
	if (r == 0)
		r = containerfile(b, &path, &text, &len, err);
	if (r < 0) {
		secrets_free(sec, n_sec);
		return r;
	}
	json_auto_t *labels = json_array();
	const char *k;
	json_t *v;
	json_object_foreach(json_object_get(b, "labels"), k, v)
	    json_array_append_new(labels, json_sprintf("%s=%s", k, json_string_value(v)));
	autofree char **lv = strings_of(labels);
	autofree char **hv = strings_of(json_object_get(b, "extra_hosts"));
	struct bld_kv *args = build_args(json_object_get(b, "args"), &n_args);
	struct base_ctx bc = {is, o->pull ? o->pull : "missing"};
	json_t *shm = json_object_get(b, "shm_size");
	struct bld_opts bo = {
	    .file_name = path ? strrchr(path, '/') + 1 : "Dockerfile",
	    .text = text,
	    .len = len,
	    .context = ctx,
	    .dockerfile = path,
	    .build_args = args,
	    .n_build_args = n_args,
	    .target = str(b, "target"),
	    .no_cache = o->no_cache || json_is_true(json_object_get(b, "no_cache")),
	    .labels = lv,
	    .network = str(b, "network") ? str(b, "network") : "bridge",
	    .add_hosts = hv,
	    .shm_size = json_is_integer(shm)  ? json_integer_value(shm)
			: json_is_string(shm) ? eng_parse_bytes(json_string_value(shm))
					      : 0,
	    .secrets = sec,
	    .n_secrets = n_sec,
	    .image = base_image,
	    .image_ctx = &bc,
	    .event = o->event,
	    .ctx = o->ctx,
	    .interrupted = o->interrupted,
	};
	r = build_tagged(s, is, &bo, svc, o, err);
	build_args_free(args, n_args);
	secrets_free(sec, n_sec);
	return r;
}

int app_build(const struct eng_store *s, struct img_store *is, const struct app_plan *p,
	      json_t *selected, bool only_missing, const struct app_build_opts *o,
	      struct berr **err)
{
	for (size_t i = 0; i < p->n_services; i++) {
		const struct app_service *svc = &p->services[i];
		if (!svc->build || !json_object_get(selected, svc->name))
			continue;
		json_t *rec = only_missing ? img_image_lookup(is, svc->image, NULL) : NULL;
		json_decref(rec);
		if (rec)
			continue;
		if (build_one(s, is, p->model, svc, o, err) < 0)
			return berr_wrap(err, "service %s: build", svc->name);
	}
	return 0;
}

bool app_image_loopback(const char *image)
{
	struct img_ref ref = {0};
	if (img_ref_parse(image, &ref, NULL) < 0)
		return false;
	const char *d = ref.domain;
	bool yes =
	    !strncmp(d, "127.", 4) || !strcmp(d, "localhost") || !strncmp(d, "localhost:", 10);
	img_ref_clear(&ref);
	return yes;
}

static int push_one(struct img_store *is, const char *tag, const struct app_progress *pr,
		    struct berr **err)
{
	struct img_push_opts po = {0};
	img_http_opts_default(&po.http);
	po.http.tls_verify = !app_image_loopback(tag);
	app_report(pr, "Image", tag, "Pushing");
	int r = img_push(is, tag, NULL, &po, NULL, err);
	if (r < 0)
		return berr_wrap(err, "push %s", tag);
	app_report(pr, "Image", tag, "Pushed");
	return 0;
}

int app_push(struct img_store *is, const struct app_plan *p, json_t *selected, bool ignore_failures,
	     const struct app_progress *progress, struct berr **err)
{
	json_t *model = json_object_get(p->model, "services");
	for (size_t i = 0; i < p->n_services; i++) {
		const struct app_service *svc = &p->services[i];
		if (!json_object_get(selected, svc->name))
			continue;
		json_t *m = json_object_get(model, svc->name);
		if (!svc->build || !json_object_get(m, "image")) {
			app_report(progress, "Service", svc->name, "Skipped");
			continue;
		}
		json_t *tags = json_array();
		json_array_append_new(tags, json_string(svc->image));
		json_array_extend(tags, json_object_get(svc->build, "tags"));
		size_t k;
		json_t *t;
		int r = 0;
		json_array_foreach(tags, k, t)
		{
			struct berr *e = NULL;
			if (push_one(is, json_string_value(t), progress, &e) == 0)
				continue;
			if (!ignore_failures) {
				r = berr_wrap(&e, "service %s", svc->name);
				*err = e;
				break;
			}
			autofree char *msg = berr_string(e);
			autofree char *line = xasprintf("Pushing %s: %s", svc->name, msg);
			app_report(progress, "WARN", line, "");
			berr_free(e);
		}
		json_decref(tags);
		if (r < 0)
			return r;
	}
	return 0;
}
