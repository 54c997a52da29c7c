/* The distribution API for one repository (see registry.h). */
#include "image/registry.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "image/manifest.h"
#include "image/reference.h"
#include "image/store.h"
#include "util/digest.h"
#include "util/err.h"
#include "util/json.h"
#include "util/xalloc.h"

#define ACCEPT_MANIFESTS                                                                           \
	IMG_MT_OCI_INDEX ", " IMG_MT_DOCKER_LIST ", " IMG_MT_OCI_MANIFEST                          \
			 ", " IMG_MT_DOCKER_MANIFEST

int img_registry_open(const struct img_ref *ref, const struct img_http_opts *o, bool push,
		      struct img_registry **out, struct berr **err)
{
	struct img_registry *r = xzalloc(sizeof(*r));
	r->domain = xstrdup(ref->domain);
	r->path = xstrdup(ref->path);
	int rc;
	if ((rc = img_http_open(ref->domain, o, &r->http, err)) < 0) {
		img_registry_free(r);
		return rc;
	}
	autofree char *scope =
	    xasprintf("repository:%s:%s", ref->path, push ? "pull,push" : "pull");
	img_http_set_scope(r->http, scope);
	*out = r;
	return 0;
}

void img_registry_free(struct img_registry *r)
{
	if (!r)
		return;
	img_http_free(r->http);
	free(r->domain);
	free(r->path);
	free(r);
}

int img_registry_get_manifest(struct img_registry *r, const char *reference, char **out_data,
			      size_t *out_len, char **out_media_type, char *out_digest,
			      struct berr **err)
{
	autofree char *url = xasprintf("/v2/%s/manifests/%s", r->path, reference);
	struct img_http_req rq = {.method = "GET",
				  .url = url,
				  .accept = ACCEPT_MANIFESTS,
				  .body_fd = -1,
				  .max_body = IMG_MANIFEST_MAX};
	struct img_http_resp resp;
	int rc = img_http_do(r->http, &rq, &resp, err);
	if (rc < 0)
		return rc;
	rc = 0;
	if (resp.status != 200)
		rc = img_http_status_error(&resp, NULL, err);
	char digest[IMG_DIGEST_LEN + 1] = "sha256:";
	if (rc == 0) {
		sha256_hex(resp.body ? resp.body : "", resp.body_len, digest + 7);
		if (!strncmp(reference, "sha256:", 7) && strcmp(reference, digest))
			rc = berr_plain(err, EIO,
					"%s/%s: the manifest received has digest %s, not the %s "
					"asked for",
					r->domain, r->path, digest, reference);
	}
	if (rc == 0) {
		*out_data = resp.body ? resp.body : xstrdup("");
		*out_len = resp.body_len;
		resp.body = NULL;
		*out_media_type = resp.content_type ? xstrdup(resp.content_type) : NULL;
		/* "application/json; charset=utf-8" and the like: the type alone */
		if (*out_media_type)
			(*out_media_type)[strcspn(*out_media_type, "; ")] = '\0';
		memcpy(out_digest, digest, sizeof(digest));
	}
	img_http_resp_clear(&resp);
	return rc;
}

#define TAGS_PAGE 1000
#define TAGS_MAX  100000

int img_registry_tags(struct img_registry *r, char ***out, struct berr **err)
{
	char **tags = xcalloc(1, sizeof(char *));
	size_t n = 0;
	int rc;
	for (;;) {
		autofree char *url =
		    n ? xasprintf("/v2/%s/tags/list?n=%d&last=%s", r->path, TAGS_PAGE, tags[n - 1])
		      : xasprintf("/v2/%s/tags/list?n=%d", r->path, TAGS_PAGE);
		struct img_http_req rq = {.method = "GET",
					  .url = url,
					  .accept = "application/json",
					  .body_fd = -1,
					  .max_body = IMG_MANIFEST_MAX};
		struct img_http_resp resp;
		if ((rc = img_http_do(r->http, &rq, &resp, err)) < 0) {
			strv_free(tags);
			return rc;
		}
		rc = resp.status == 200 ? 0 : img_http_status_error(&resp, NULL, err);
		json_auto_t *doc =
		    rc == 0 ? json_loadb(resp.body ? resp.body : "", resp.body_len, 0, NULL) : NULL;
		json_t *list = json_object_get(doc, "tags");
		if (rc == 0 && !json_is_array(list) && !json_is_null(list))
			rc =
			    berr_plain(err, EPROTO, "%s/%s: the tag list is not JSON with \"tags\"",
				       r->domain, r->path);
		size_t got = 0;
		for (size_t i = 0; rc == 0 && i < json_array_size(list) && n < TAGS_MAX; i++) {
			const char *t = json_string_value(json_array_get(list, i));
			/* a tag as the reference grammar has it: nothing else is asked for */
			if (!t || !*t || strlen(t) > 128 ||
			    strspn(t, "abcdefghijklmnopqrstuvwxyz"
				      "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				      "0123456789_.-") != strlen(t))
				continue;
			tags = xrealloc(tags, (n + 2) * sizeof(char *));
			tags[n++] = xstrdup(t);
			tags[n] = NULL;
			got++;
		}
		img_http_resp_clear(&resp);
		if (rc < 0) {
			strv_free(tags);
			return rc;
		}
		if (got < TAGS_PAGE || n >= TAGS_MAX)
			break;
	}
	*out = tags;
	return 0;
}

static int sink_blob(const void *data, size_t n, void *ctx)
{
	return img_blob_write(ctx, data, n, NULL);
}

int img_registry_get_blob(struct img_registry *r, struct img_store *s, const char *digest,
			  int64_t size, img_progress_fn progress, void *ctx, struct berr **err)
{
	struct img_blob_writer *w = NULL;
	int64_t have = 0;
	int rc = img_blob_begin_partial(s, digest, size, &w, &have, err);
	if (rc < 0)
		return rc;
	autofree char *url = xasprintf("/v2/%s/blobs/%s", r->path, digest);
	struct img_http_req rq = {.method = "GET",
				  .url = url,
				  .body_fd = -1,
				  .sink = sink_blob,
				  .sink_ctx = w,
				  .resume_from = have < size ? have : 0,
				  .progress = progress,
				  .progress_ctx = ctx};
	if (have > 0 && have == size) {
		/* all there from an earlier attempt: only the check is left */
		return img_blob_commit(w, NULL, err) < 0 ? berr_wrap(err, "blob %s", digest) : 0;
	}
	struct img_http_resp resp;
	if (img_http_do(r->http, &rq, &resp, err) < 0) {
		img_blob_abort(w);
		return berr_wrap(err, "blob %s", digest);
	}
	rc = 0;
	if (resp.status != 200 && resp.status != 206) {
		autofree char *what = xasprintf("%s/%s: blob %s", r->domain, r->path, digest);
		rc = img_http_status_error(&resp, what, err);
		img_blob_abort(w);
	} else {
		rc = img_blob_commit(w, NULL, err);
		if (rc < 0)
			berr_wrap(err, "%s/%s: blob %s", r->domain, r->path, digest);
	}
	img_http_resp_clear(&resp);
	return rc;
}

int img_registry_has_blob(struct img_registry *r, const char *digest, bool *out, struct berr **err)
{
	autofree char *url = xasprintf("/v2/%s/blobs/%s", r->path, digest);
	struct img_http_req rq = {.method = "HEAD", .url = url, .body_fd = -1};
	struct img_http_resp resp;
	int rc = img_http_do(r->http, &rq, &resp, err);
	if (rc < 0)
		return rc;
	rc = 0;
	if (resp.status == 200)
		*out = true;
	else if (resp.status == 404)
		*out = false;
	else {
		autofree char *what = xasprintf("%s/%s: blob %s", r->domain, r->path, digest);
		rc = img_http_status_error(&resp, what, err);
	}
	img_http_resp_clear(&resp);
	return rc;
}

/* "/v2/.../uploads/uuid?_state=x" + "digest=sha256:..." with the right separator. */
static char *with_param(const char *location, const char *param)
{
	return xasprintf("%s%s%s", location, strchr(location, '?') ? "&" : "?", param);
}

/* POST to start an upload (or mount); out_location gets where to send the data. */
static int start_upload(struct img_registry *r, const char *digest, const char *mount_from,
			char **out_location, bool *out_mounted, struct berr **err)
{
	autofree char *url = mount_from ? xasprintf("/v2/%s/blobs/uploads/?mount=%s&from=%s",
						    r->path, digest, mount_from)
					: xasprintf("/v2/%s/blobs/uploads/", r->path);
	struct img_http_req rq = {.method = "POST", .url = url, .body_fd = -1};
	struct img_http_resp resp;
	int rc = img_http_do(r->http, &rq, &resp, err);
	if (rc < 0)
		return rc;
	rc = 0;
	*out_mounted = resp.status == 201 && mount_from;
	if (!*out_mounted && resp.status != 202) {
		autofree char *what = xasprintf("%s/%s: start upload", r->domain, r->path);
		rc = img_http_status_error(&resp, what, err);
	} else if (!*out_mounted && !resp.location) {
		rc = berr_plain(err, EPROTO, "%s/%s: upload started without a Location", r->domain,
				r->path);
	} else if (!*out_mounted) {
		*out_location = resp.location;
		resp.location = NULL;
	}
	img_http_resp_clear(&resp);
	return rc;
}

/* PATCH chunks of IMG_UPLOAD_CHUNK bytes in order; each answer says where the next goes. */
static int send_chunks(struct img_registry *r, int fd, int64_t size, char **location,
		       img_progress_fn progress, void *ctx, struct berr **err)
{
	int rc;
	for (int64_t off = 0; off < size;) {
		int64_t n = size - off < IMG_UPLOAD_CHUNK ? size - off : IMG_UPLOAD_CHUNK;
		char range[64];
		snprintf(range, sizeof(range), "%lld-%lld", (long long)off,
			 (long long)(off + n - 1));
		struct img_http_req rq = {.method = "PATCH",
					  .url = *location,
					  .content_type = "application/octet-stream",
					  .body_fd = fd,
					  .body_off = off,
					  .body_len = (size_t)n,
					  .content_range = range,
					  .no_retry = true};
		struct img_http_resp resp;
		if ((rc = img_http_do(r->http, &rq, &resp, err)) < 0)
			return rc;
		rc = 0;
		if (resp.status != 202 || !resp.location) {
			autofree char *what =
			    xasprintf("%s/%s: upload chunk %s", r->domain, r->path, range);
			rc = resp.status != 202 ? img_http_status_error(&resp, what, err)
						: berr_plain(err, EPROTO, "%s: no Location", what);
		} else {
			free(*location);
			*location = resp.location;
			resp.location = NULL;
		}
		img_http_resp_clear(&resp);
		if (rc < 0)
			return rc;
		off += n;
		if (progress)
			progress(off, size, ctx);
	}
	return 0;
}

int img_registry_put_blob(struct img_registry *r, struct img_store *s, const char *digest,
			  const char *mount_from, img_progress_fn progress, void *ctx,
			  bool *out_mounted, struct berr **err)
{
	autoclose int fd = img_blob_open(s, digest, err);
	if (fd < 0)
		return fd;
	off_t size = lseek(fd, 0, SEEK_END);
	if (size < 0)
		return berr_set(err, errno, "blob %s", digest);
	autofree char *location = NULL;
	*out_mounted = false;
	int rc = start_upload(r, digest, mount_from, &location, out_mounted, err);
	if (rc < 0)
		return rc;
	if (*out_mounted)
		return 0;
	bool chunked = size > IMG_UPLOAD_CHUNK;
	if (chunked && (rc = send_chunks(r, fd, size, &location, progress, ctx, err)) < 0)
		return rc;
	autofree char *param = xasprintf("digest=%s", digest);
	autofree char *url = with_param(location, param);
	struct img_http_req rq = {.method = "PUT",
				  .url = url,
				  .content_type = "application/octet-stream",
				  .body_fd = chunked ? -1 : fd,
				  .body_len = chunked ? 0 : (size_t)size,
				  .progress = chunked ? NULL : progress,
				  .progress_ctx = ctx,
				  .no_retry = true};
	struct img_http_resp resp;
	if ((rc = img_http_do(r->http, &rq, &resp, err)) < 0)
		return rc;
	rc = 0;
	if (resp.status != 201) {
		autofree char *what =
		    xasprintf("%s/%s: upload blob %s", r->domain, r->path, digest);
		rc = img_http_status_error(&resp, what, err);
	}
	img_http_resp_clear(&resp);
	return rc;
}

int img_registry_put_manifest(struct img_registry *r, const char *reference, const char *data,
			      size_t len, const char *media_type, struct berr **err)
{
	autofree char *url = xasprintf("/v2/%s/manifests/%s", r->path, reference);
	struct img_http_req rq = {.method = "PUT",
				  .url = url,
				  .content_type = media_type,
				  .body = data,
				  .body_len = len,
				  .body_fd = -1};
	struct img_http_resp resp;
	int rc = img_http_do(r->http, &rq, &resp, err);
	if (rc < 0)
		return rc;
	rc = 0;
	if (resp.status != 201) {
		autofree char *what =
		    xasprintf("%s/%s:%s: push manifest", r->domain, r->path, reference);
		rc = img_http_status_error(&resp, what, err);
	}
	img_http_resp_clear(&resp);
	return rc;
}
