/* Writing docker-archive and oci-archive tars (see archive.h). */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "image/archive.h"
#include "image/config.h"
#include "image/image.h"
#include "image/manifest.h"
#include "image/reference.h"
#include "image/snapshot.h"
#include "image/store.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/xalloc.h"

struct save {
	struct img_store *store;
	struct archive *ar;
	json_t *written; /* names already in the archive */
	char buf[1 << 16];
};

/* One image to save: its record, manifest and config, and the name it was asked for. */
struct item {
	json_t *rec;
	struct img_manifest *m;
	struct img_config *c;
	char *name; /* normalised "repo:tag", or NULL when asked for by id */
};

static int header(struct save *sv, const char *name, int64_t size, bool dir, struct berr **err)
{
	struct archive_entry *e = archive_entry_new();
	archive_entry_set_pathname(e, name);
	archive_entry_set_filetype(e, dir ? AE_IFDIR : AE_IFREG);
	archive_entry_set_perm(e, dir ? 0755 : 0644);
	archive_entry_set_size(e, dir ? 0 : size);
	archive_entry_set_mtime(e, 0, 0);
	int r = archive_write_header(sv->ar, e);
	archive_entry_free(e);
	if (r != ARCHIVE_OK)
		return berr_plain(err, EIO, "write archive: %s", archive_error_string(sv->ar));
	return 0;
}

static int put_data(struct save *sv, const void *data, size_t len, struct berr **err)
{
	if (len && archive_write_data(sv->ar, data, len) != (la_ssize_t)len)
		return berr_plain(err, EIO, "write archive: %s", archive_error_string(sv->ar));
	return 0;
}

static int put_file(struct save *sv, const char *name, const void *data, size_t len,
		    struct berr **err)
{
	int r = header(sv, name, (int64_t)len, false, err);
	if (r < 0)
		return r;
	return put_data(sv, data, len, err);
}

static bool once(struct save *sv, const char *name)
{
	if (json_object_get(sv->written, name))
		return false;
	json_object_set_new(sv->written, name, json_true());
	return true;
}

/* A blob as it is stored. */
static int put_blob(struct save *sv, const char *name, const char *digest, struct berr **err)
{
	if (!once(sv, name))
		return 0;
	autoclose int fd = img_blob_open(sv->store, digest, err);
	if (fd < 0)
		return fd;
	off_t size = lseek(fd, 0, SEEK_END);
	if (size < 0 || lseek(fd, 0, SEEK_SET) < 0)
		return berr_set(err, errno, "blob %s", digest);
	int r = header(sv, name, size, false, err);
	if (r < 0)
		return r;
	for (off_t done = 0; done < size;) {
		ssize_t n = read(fd, sv->buf, sizeof(sv->buf));
		if (n <= 0)
			return berr_set(err, n < 0 ? errno : EIO, "read blob %s", digest);
		if ((r = put_data(sv, sv->buf, (size_t)n, err)) < 0)
			return r;
		done += n;
	}
	return 0;
}

/* A compressed layer blob written uncompressed: its size is the unpacked layer's tar_size. */
static int put_decompressed(struct save *sv, const char *name, const char *digest,
			    const char *chain, struct berr **err)
{
	if (!once(sv, name))
		return 0;
	int64_t size = img_snapshot_tar_size(sv->store, chain);
	if (size < 0)
		return berr_plain(err, ENOENT, "layer %s has no recorded size", chain);
	autoclose int fd = img_blob_open(sv->store, digest, err);
	if (fd < 0)
		return fd;
	struct archive *raw = archive_read_new();
	archive_read_support_filter_all(raw);
	archive_read_support_format_raw(raw);
	struct archive_entry *e;
	int r = 0;
	if (archive_read_open_fd(raw, fd, 1 << 16) != ARCHIVE_OK ||
	    archive_read_next_header(raw, &e) != ARCHIVE_OK)
		r = berr_plain(err, EIO, "layer %s: %s", digest, archive_error_string(raw));
	if (r == 0)
		r = header(sv, name, size, false, err);
	int64_t done = 0;
	while (r == 0) {
		la_ssize_t n = archive_read_data(raw, sv->buf, sizeof(sv->buf));
		if (n < 0)
			r = berr_plain(err, EIO, "layer %s: %s", digest, archive_error_string(raw));
		if (n <= 0)
			break;
		if (done + n > size)
			r = berr_plain(err, EIO, "layer %s is longer than recorded", digest);
		else
			r = put_data(sv, sv->buf, (size_t)n, err);
		done += n;
	}
	if (r == 0 && done != size)
		r = berr_plain(err, EIO, "layer %s is shorter than recorded", digest);
	archive_read_free(raw);
	return r;
}

static int save_docker(struct save *sv, struct item *items, size_t n, struct berr **err)
{
	json_auto_t *manifest = json_array();
	json_auto_t *repos = json_object();
	int r = 0;
	for (size_t i = 0; i < n && r == 0; i++) {
		struct item *it = &items[i];
		autofree char *cfg = xasprintf("%s.json", it->m->config.digest + 7);
		json_t *layers = json_array();
		r = put_blob(sv, cfg, it->m->config.digest, err);
		json_t *chains = json_object_get(it->rec, "layers");
		for (size_t k = 0; r == 0 && k < it->m->n_layers; k++) {
			const struct img_descriptor *d = &it->m->layers[k];
			autofree char *dir = xasprintf("%s", it->c->diff_ids[k] + 7);
			autofree char *file = xasprintf("%s/layer.tar", dir);
			if (once(sv, dir))
				r = header(sv, dir, 0, true, err);
			if (r == 0 && !strcmp(d->media_type, IMG_MT_OCI_LAYER))
				r = put_blob(sv, file, d->digest, err);
			else if (r == 0)
				r = put_decompressed(sv, file, d->digest,
						     json_string_value(json_array_get(chains, k)),
						     err);
			json_array_append_new(layers, json_string(file));
		}
		json_t *tags = json_array();
		if (it->name) {
			autofree char *fam = img_name_familiar(it->name);
			json_array_append_new(tags, json_string(fam));
			char *colon = strrchr(fam, ':');
			*colon = '\0';
			json_t *repo = json_object_get(repos, fam);
			if (!repo)
				json_object_set_new(repos, fam, repo = json_object());
			if (it->c->n_diff_ids)
				json_object_set_new(
				    repo, colon + 1,
				    json_string(it->c->diff_ids[it->c->n_diff_ids - 1] + 7));
		}
		json_array_append_new(manifest, json_pack("{s:s, s:o, s:o}", "Config", cfg,
							  "RepoTags", tags, "Layers", layers));
	}
	autofree char *mtext = json_dumps(manifest, JSON_COMPACT);
	autofree char *rtext = json_dumps(repos, JSON_COMPACT);
	if (r == 0)
		r = put_file(sv, "manifest.json", mtext, strlen(mtext), err);
	if (r == 0 && json_object_size(repos))
		r = put_file(sv, "repositories", rtext, strlen(rtext), err);
	return r;
}

static int save_oci(struct save *sv, struct item *items, size_t n, struct berr **err)
{
	static const char layout[] = "{\"imageLayoutVersion\":\"1.0.0\"}";
	int r = put_file(sv, "oci-layout", layout, sizeof(layout) - 1, err);
	if (r == 0)
		r = header(sv, "blobs", 0, true, err);
	if (r == 0)
		r = header(sv, "blobs/sha256", 0, true, err);
	json_auto_t *index = json_pack("{s:i, s:s, s:[]}", "schemaVersion", 2, "mediaType",
				       IMG_MT_OCI_INDEX, "manifests");
	for (size_t i = 0; i < n && r == 0; i++) {
		struct item *it = &items[i];
		const char *mdigest = json_string_value(json_object_get(it->rec, "manifest"));
		const char *mtype = json_string_value(json_object_get(it->rec, "manifest_type"));
		autofree char *mname = xasprintf("blobs/sha256/%s", mdigest + 7);
		autofree char *cname = xasprintf("blobs/sha256/%s", it->m->config.digest + 7);
		r = put_blob(sv, mname, mdigest, err);
		if (r == 0)
			r = put_blob(sv, cname, it->m->config.digest, err);
		for (size_t k = 0; r == 0 && k < it->m->n_layers; k++) {
			autofree char *lname =
			    xasprintf("blobs/sha256/%s", it->m->layers[k].digest + 7);
			r = put_blob(sv, lname, it->m->layers[k].digest, err);
		}
		autofree char *mdata = NULL;
		size_t mlen = 0;
		if (r == 0)
			r = img_blob_read(sv->store, mdigest, IMG_MANIFEST_MAX, &mdata, &mlen, err);
		json_t *desc =
		    json_pack("{s:s, s:s, s:I}", "mediaType", mtype ? mtype : IMG_MT_OCI_MANIFEST,
			      "digest", mdigest, "size", (json_int_t)mlen);
		if (it->name)
			json_object_set_new(desc, "annotations",
					    json_pack("{s:s, s:s}",
						      "org.opencontainers.image.ref.name", it->name,
						      "io.containerd.image.name", it->name));
		json_array_append_new(json_object_get(index, "manifests"), desc);
	}
	autofree char *text = json_dumps(index, JSON_COMPACT);
	if (r == 0)
		r = put_file(sv, "index.json", text, strlen(text), err);
	return r;
}

static void item_clear(struct item *it)
{
	json_decref(it->rec);
	img_manifest_free(it->m);
	img_config_free(it->c);
	free(it->name);
}

/* The record, manifest and config of one name. */
static int item_load(struct img_store *s, json_t *images, const char *name, struct item *it,
		     struct berr **err)
{
	json_t *rec = img_image_find(images, name, err);
	if (!rec)
		return berr_ret(err);
	it->rec = json_incref(rec);
	struct img_ref ref;
	if (img_ref_parse(name, &ref, NULL) == 0) {
		autofree char *repo = img_ref_repository(&ref);
		autofree char *key = ref.tag ? xasprintf("%s:%s", repo, ref.tag) : NULL;
		size_t i;
		json_t *v;
		json_array_foreach(json_object_get(rec, "names"), i,
				   v) if (key && !strcmp(json_string_value(v), key)) it->name =
		    xstrdup(key);
		img_ref_clear(&ref);
	}
	const char *mdigest = json_string_value(json_object_get(rec, "manifest"));
	autofree char *data = NULL;
	size_t len = 0;
	if (!mdigest || img_blob_read(s, mdigest, IMG_MANIFEST_MAX, &data, &len, err) < 0 ||
	    img_manifest_parse(data, len, NULL, &it->m, err) < 0)
		return berr_wrap(err, "image '%s'", name);
	autofree char *cdata = NULL;
	if (img_blob_read(s, it->m->config.digest, IMG_CONFIG_MAX, &cdata, &len, err) < 0 ||
	    img_config_parse(cdata, len, &it->c, err) < 0)
		return berr_wrap(err, "image '%s'", name);
	if (it->c->n_diff_ids != it->m->n_layers)
		return berr_plain(err, EINVAL, "image '%s': layers do not match its config", name);
	return 0;
}

int img_archive_save(struct img_store *s, char *const *names, size_t n,
		     enum img_archive_format format, int fd, struct berr **err)
{
	int r = img_store_lock(s, false, err);
	if (r < 0)
		return r;
	json_auto_t *all = img_store_load_images(s, err);
	img_store_unlock(s);
	if (!all)
		return berr_ret(err);
	struct item *items = xcalloc(n ? n : 1, sizeof(*items));
	r = 0;
	for (size_t i = 0; i < n && r == 0; i++)
		r = item_load(s, json_object_get(all, "images"), names[i], &items[i], err);
	struct save *sv = xzalloc(sizeof(*sv));
	sv->store = s;
	sv->written = json_object();
	if (r == 0) {
		sv->ar = archive_write_new();
		archive_write_set_format_pax_restricted(sv->ar);
		if (archive_write_open_fd(sv->ar, fd) != ARCHIVE_OK)
			r = berr_plain(err, EIO, "write archive: %s", archive_error_string(sv->ar));
	}
	if (r == 0)
		r = format == IMG_ARCHIVE_OCI ? save_oci(sv, items, n, err)
					      : save_docker(sv, items, n, err);
	if (sv->ar) {
		if (archive_write_close(sv->ar) != ARCHIVE_OK && r == 0)
			r = berr_plain(err, EIO, "write archive: %s", archive_error_string(sv->ar));
		archive_write_free(sv->ar);
	}
	json_decref(sv->written);
	free(sv);
	for (size_t i = 0; r == 0 && i < n; i++) { /* dockerd's save events name the image's id */
		json_t *rec = img_image_find(json_object_get(all, "images"), names[i], NULL);
		const char *id = json_string_value(json_object_get(rec, "id"));
		if (id)
			img_event(s, id, "save", id);
	}
	for (size_t i = 0; i < n; i++)
		item_clear(&items[i]);
	free(items);
	return r < 0 ? berr_wrap(err, "save") : 0;
}
