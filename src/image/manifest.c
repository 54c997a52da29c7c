/* Manifest and index parsing, platform selection (see manifest.h). */
#include "image/manifest.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "util/digest.h"
#include "util/err.h"
#include "util/json.h"
#include "util/xalloc.h"

static bool is_one_of(const char *s, const char *const *list)
{
	for (; *list; list++)
		if (!strcmp(s, *list))
			return true;
	return false;
}

static const char *const manifest_types[] = {IMG_MT_OCI_MANIFEST, IMG_MT_DOCKER_MANIFEST, NULL};
static const char *const index_types[] = {IMG_MT_OCI_INDEX, IMG_MT_DOCKER_LIST, NULL};
static const char *const layer_types[] = {
    IMG_MT_OCI_LAYER,
    IMG_MT_OCI_LAYER_GZIP,
    IMG_MT_OCI_LAYER_ZSTD,
    IMG_MT_DOCKER_LAYER,
    IMG_MT_DOCKER_FOREIGN,
    "application/vnd.docker.image.rootfs.diff.tar",
    "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
    "application/vnd.oci.image.layer.nondistributable.v1.tar",
    NULL};

bool img_media_type_is_layer(const char *mt)
{
	return mt && is_one_of(mt, layer_types);
}

void img_platform_clear(struct img_platform *p)
{
	free(p->os);
	free(p->arch);
	free(p->variant);
	memset(p, 0, sizeof(*p));
}

static void descriptor_clear(struct img_descriptor *d)
{
	free(d->media_type);
	free(d->digest);
	img_platform_clear(&d->platform);
}

void img_manifest_free(struct img_manifest *m)
{
	if (!m)
		return;
	free(m->media_type);
	descriptor_clear(&m->config);
	for (size_t i = 0; i < m->n_layers; i++)
		descriptor_clear(&m->layers[i]);
	free(m->layers);
	for (size_t i = 0; i < m->n_manifests; i++)
		descriptor_clear(&m->manifests[i]);
	free(m->manifests);
	free(m);
}

static int parse_platform(json_t *o, const char *where, struct img_platform *out, struct berr **err)
{
	const char *os = NULL, *arch = NULL, *variant = NULL;
	if (json_opt_str(o, where, "os", &os, err) < 0 ||
	    json_opt_str(o, where, "architecture", &arch, err) < 0 ||
	    json_opt_str(o, where, "variant", &variant, err) < 0)
		return -EINVAL;
	if (!os || !arch)
		return berr_plain(err, EINVAL, "%s: needs os and architecture", where);
	out->os = xstrdup(os);
	out->arch = xstrdup(arch);
	out->variant = variant && *variant ? xstrdup(variant) : NULL;
	return 0;
}

static int parse_descriptor(json_t *o, const char *where, struct img_descriptor *out,
			    struct berr **err)
{
	if (!json_is_object(o))
		return berr_plain(err, EINVAL, "%s: expected object", where);
	const char *mt = NULL, *digest = NULL;
	int64_t size = -1;
	bool has_size = false;
	json_t *platform = NULL;
	if (json_opt_str(o, where, "mediaType", &mt, err) < 0 ||
	    json_opt_str(o, where, "digest", &digest, err) < 0 ||
	    json_opt_i64(o, where, "size", &size, &has_size, err) < 0 ||
	    json_opt_object(o, where, "platform", &platform, err) < 0)
		return -EINVAL;
	if (!mt || !digest || !has_size)
		return berr_plain(err, EINVAL, "%s: needs mediaType, digest and size", where);
	char hex[SHA256_HEX_LEN + 1];
	if (digest_parse(digest, hex, err) < 0)
		return berr_wrap(err, "%s.digest", where);
	if (size < 0)
		return berr_plain(err, EINVAL, "%s.size: negative", where);
	int r;
	if (platform) {
		char pw[64];
		snprintf(pw, sizeof(pw), "%s.platform", where);
		if ((r = parse_platform(platform, pw, &out->platform, err)) < 0)
			return r;
		out->has_platform = true;
	}
	out->media_type = xstrdup(mt);
	out->digest = xstrdup(digest);
	out->size = size;
	return 0;
}

static int parse_list(json_t *doc, const char *key, size_t max, struct img_descriptor **out,
		      size_t *out_n, struct berr **err)
{
	json_t *arr = NULL;
	if (json_opt_array(doc, "", key, &arr, err) < 0)
		return -EINVAL;
	if (!arr)
		return berr_plain(err, EINVAL, "no %s", key);
	size_t n = json_array_size(arr);
	if (n > max)
		return berr_plain(err, E2BIG, "%zu %s, more than the %zu allowed", n, key, max);
	*out = xcalloc(n ? n : 1, sizeof(**out));
	int r;
	for (*out_n = 0; *out_n < n; (*out_n)++) {
		char where[64];
		snprintf(where, sizeof(where), "%s[%zu]", key, *out_n);
		if ((r = parse_descriptor(json_array_get(arr, *out_n), where, &(*out)[*out_n],
					  err)) < 0)
			return r;
	}
	return 0;
}

static int parse_manifest(json_t *doc, struct img_manifest *m, struct berr **err)
{
	int r = parse_descriptor(json_object_get(doc, "config"), "config", &m->config, err);
	if (r < 0)
		return r;
	if ((r = parse_list(doc, "layers", IMG_LAYERS_MAX, &m->layers, &m->n_layers, err)) < 0)
		return r;
	for (size_t i = 0; i < m->n_layers; i++)
		if (!img_media_type_is_layer(m->layers[i].media_type))
			return berr_plain(err, EINVAL, "layers[%zu]: unsupported media type '%s'",
					  i, m->layers[i].media_type);
	return 0;
}

/* Which kind: the registry's Content-Type, else the document's mediaType, else its shape. */
static int decide_kind(json_t *doc, const char *media_type, struct img_manifest *m,
		       struct berr **err)
{
	const char *own = NULL;
	if (json_opt_str(doc, "", "mediaType", &own, err) < 0)
		return -EINVAL;
	const char *mt = media_type && *media_type && strcmp(media_type, "application/json") &&
				 strcmp(media_type, "text/plain")
			     ? media_type
			     : own;
	if (!mt)
		mt = json_object_get(doc, "manifests") ? IMG_MT_OCI_INDEX : IMG_MT_OCI_MANIFEST;
	if (is_one_of(mt, manifest_types))
		m->kind = IMG_KIND_MANIFEST;
	else if (is_one_of(mt, index_types))
		m->kind = IMG_KIND_INDEX;
	else if (strstr(mt, "manifest.v1"))
		return berr_plain(
		    err, ENOTSUP,
		    "image manifest schema 1 (%s) is not supported; the image must be "
		    "pushed again with a current client",
		    mt);
	else
		return berr_plain(err, ENOTSUP, "unsupported manifest media type '%s'", mt);
	if (own && strcmp(own, mt))
		return berr_plain(err, EINVAL,
				  "manifest says mediaType '%s' but was served as '%s'", own, mt);
	m->media_type = xstrdup(mt);
	return 0;
}

int img_manifest_parse(const char *data, size_t len, const char *media_type,
		       struct img_manifest **out, struct berr **err)
{
	if (len > IMG_MANIFEST_MAX)
		return berr_plain(err, EFBIG, "manifest of %zu bytes, more than the %d allowed",
				  len, IMG_MANIFEST_MAX);
	json_auto_t *doc = json_load_text(data, len, err);
	if (!doc)
		return berr_wrap(err, "manifest");
	autoptr(img_manifest) m = xzalloc(sizeof(*m));
	int64_t schema = 0;
	bool has_schema = false;
	int r = json_is_object(doc) ? 0 : berr_plain(err, EINVAL, "not a JSON object");
	if (r == 0 && json_opt_i64(doc, "", "schemaVersion", &schema, &has_schema, err) < 0)
		r = -EINVAL;
	if (r == 0 && schema == 1)
		r = berr_plain(err, ENOTSUP,
			       "image manifest schema 1 is not supported; the image must be pushed "
			       "again with a current client");
	else if (r == 0 && schema != 2)
		r = berr_plain(err, EINVAL, "schemaVersion: expected 2");
	if (r == 0)
		r = decide_kind(doc, media_type, m, err);
	if (r == 0 && m->kind == IMG_KIND_MANIFEST)
		r = parse_manifest(doc, m, err);
	if (r == 0 && m->kind == IMG_KIND_INDEX)
		r = parse_list(doc, "manifests", IMG_INDEX_MAX, &m->manifests, &m->n_manifests,
			       err);
	if (r < 0)
		return berr_wrap(err, "manifest");
	*out = take_ptr(&m);
	return 0;
}

/* Go's names for the machine (GOARCH), as registries label images. */
void img_platform_host(struct img_platform *out)
{
	struct utsname u;
	const char *arch = "amd64", *variant = NULL;
	if (uname(&u) == 0) {
		if (!strcmp(u.machine, "aarch64"))
			arch = "arm64", variant = "v8";
		else if (!strncmp(u.machine, "armv7", 5))
			arch = "arm", variant = "v7";
		else if (!strncmp(u.machine, "armv6", 5))
			arch = "arm", variant = "v6";
		else if (!strcmp(u.machine, "i686") || !strcmp(u.machine, "i386"))
			arch = "386";
		else if (!strcmp(u.machine, "ppc64le") || !strcmp(u.machine, "s390x") ||
			 !strcmp(u.machine, "riscv64"))
			arch = u.machine;
	}
	out->os = xstrdup("linux");
	out->arch = xstrdup(arch);
	out->variant = variant ? xstrdup(variant) : NULL;
}

int img_platform_parse(const char *s, struct img_platform *out, struct berr **err)
{
	autofree char *copy = xstrdup(s);
	char *parts[4] = {0};
	size_t n = 0;
	for (char *save = NULL, *p = strtok_r(copy, "/", &save); p; p = strtok_r(NULL, "/", &save))
		if (n < 4)
			parts[n++] = p;
	if (n == 0 || n > 3)
		return berr_plain(err, EINVAL, "invalid platform '%s': expected os/arch[/variant]",
				  s);
	struct img_platform p = {0};
	if (n == 1) {
		p.os = xstrdup("linux");
		p.arch = xstrdup(parts[0]);
	} else {
		p.os = xstrdup(parts[0]);
		p.arch = xstrdup(parts[1]);
		p.variant = n == 3 ? xstrdup(parts[2]) : NULL;
	}
	*out = p;
	return 0;
}

char *img_platform_string(const struct img_platform *p)
{
	return p->variant ? xasprintf("%s/%s/%s", p->os, p->arch, p->variant)
			  : xasprintf("%s/%s", p->os, p->arch);
}

/* arm64's variant is v8 unless said otherwise (containerd's normalisation). */
static const char *variant_of(const struct img_platform *p)
{
	if (p->variant)
		return p->variant;
	return !strcmp(p->arch, "arm64") ? "v8" : "";
}

bool img_platform_match(const struct img_platform *want, const struct img_platform *have)
{
	if (strcmp(want->os, have->os) || strcmp(want->arch, have->arch))
		return false;
	/* a request without a variant takes any; one with a variant takes only that one */
	return !want->variant || !strcmp(variant_of(want), variant_of(have));
}

int img_index_select(const struct img_manifest *index, const struct img_platform *want,
		     struct berr **err)
{
	for (size_t i = 0; i < index->n_manifests; i++) {
		const struct img_descriptor *d = &index->manifests[i];
		if (d->has_platform && img_platform_match(want, &d->platform) &&
		    strcmp(d->media_type, IMG_MT_OCI_INDEX) &&
		    strcmp(d->media_type, IMG_MT_DOCKER_LIST))
			return (int)i;
	}
	autofree char *w = img_platform_string(want);
	size_t cap = 256, len = 0;
	autofree char *offers = xzalloc(cap);
	for (size_t i = 0; i < index->n_manifests && len + 64 < cap; i++) {
		if (!index->manifests[i].has_platform)
			continue;
		autofree char *p = img_platform_string(&index->manifests[i].platform);
		len += (size_t)snprintf(offers + len, cap - len, "%s%s", len ? ", " : "", p);
	}
	return berr_plain(err, ENOENT, "no image for platform %s in the index (it has: %s)", w,
			  len ? offers : "none");
}
