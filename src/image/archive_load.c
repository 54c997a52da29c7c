/* Loading docker-archive and oci-archive tars into the store (see archive.h). */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image/archive.h"
#include "image/image.h"
#include "image/manifest.h"
#include "image/reference.h"
#include "image/store.h"
#include "image/unpack.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/path.h"
#include "util/xalloc.h"

#define META_MAX    (4 << 20) /* manifest.json, index.json, repositories */
#define ENTRIES_MAX 100000

struct load {
	struct img_store *store;
	struct archive *ar;
	json_t *files; /* archive path → blob digest */
	json_t *links; /* archive path → archive path it links to */
	json_t *meta;  /* "manifest.json" etc. → parsed JSON */
	size_t entries;
	bool events; /* a load the user asked for: in the event log */
};

/* "./a//b" → "a/b"; NULL for names we ignore (absolute, with "..", or empty). */
static char *clean_name(const char *raw)
{
	if (!raw || raw[0] == '/' || strstr(raw, ".."))
		return NULL;
	autofree char *c = path_clean(raw);
	return c[1] ? xstrdup(c + 1) : NULL;
}

static int read_meta(struct load *l, const char *name, struct berr **err)
{
	autofree char *buf = xmalloc(META_MAX + 1);
	size_t len = 0;
	for (;;) {
		la_ssize_t n = archive_read_data(l->ar, buf + len, META_MAX + 1 - len);
		if (n < 0)
			return berr_plain(err, EIO, "read '%s': %s", name,
					  archive_error_string(l->ar));
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > META_MAX)
			return berr_plain(err, EFBIG, "'%s' is larger than %d bytes", name,
					  META_MAX);
	}
	json_t *j = json_load_text(buf, len, err);
	if (!j)
		return berr_wrap(err, "'%s'", name);
	json_object_set_new(l->meta, name, j);
	return 0;
}

/* Stream the entry into a blob; expect (or NULL) is the digest its name promises. */
static int read_blob(struct load *l, const char *name, const char *expect, struct berr **err)
{
	struct img_blob_writer *w = NULL;
	int r = img_blob_begin(l->store, expect, -1, &w, err);
	if (r < 0)
		return r;
	const void *buf;
	size_t size;
	int64_t offset;
	for (;;) {
		r = archive_read_data_block(l->ar, &buf, &size, &offset);
		if (r == ARCHIVE_EOF)
			break;
		if (r != ARCHIVE_OK) {
			img_blob_abort(w);
			return berr_plain(err, EIO, "read '%s': %s", name,
					  archive_error_string(l->ar));
		}
		if ((r = img_blob_write(w, buf, size, err)) < 0) {
			img_blob_abort(w);
			return r;
		}
	}
	char digest[IMG_DIGEST_LEN + 1];
	if (img_blob_commit(w, digest, err) < 0)
		return berr_wrap(err, "'%s'", name);
	json_object_set_new(l->files, name, json_string(digest));
	return 0;
}

static bool is_meta(const char *name)
{
	return !strcmp(name, "manifest.json") || !strcmp(name, "index.json") ||
	       !strcmp(name, "oci-layout") || !strcmp(name, "repositories");
}

/* docker-archive's legacy per-layer metadata, which nothing reads. */
static bool is_legacy_junk(const char *name)
{
	const char *base = strrchr(name, '/');
	return base && (!strcmp(base, "/json") || !strcmp(base, "/VERSION"));
}

static int read_entry(struct load *l, struct archive_entry *e, struct berr **err)
{
	autofree char *name = clean_name(archive_entry_pathname(e));
	if (!name)
		return 0;
	if (archive_entry_hardlink(e)) {
		autofree char *target = clean_name(archive_entry_hardlink(e));
		if (target)
			json_object_set_new(l->links, name, json_string(target));
		return 0;
	}
	mode_t type = archive_entry_filetype(e);
	if (type == AE_IFLNK) {
		/* relative to the link's directory, kept inside the archive */
		const char *slash = strrchr(name, '/');
		autofree char *joined = xasprintf("/%.*s/%s", slash ? (int)(slash - name) : 0, name,
						  archive_entry_symlink(e));
		autofree char *c = path_clean(joined);
		json_object_set_new(l->links, name, json_string(c + 1));
		return 0;
	}
	if (type != AE_IFREG)
		return 0;
	if (is_meta(name))
		return read_meta(l, name, err);
	if (is_legacy_junk(name))
		return 0;
	const char *hex = NULL;
	if (!strncmp(name, "blobs/sha256/", 13))
		hex = name + 13;
	autofree char *expect = hex ? xasprintf("sha256:%s", hex) : NULL;
	return read_blob(l, name, expect, err);
}

/* The blob digest of an archive path, following links (a few hops at most). */
static const char *file_digest(struct load *l, const char *path, struct berr **err)
{
	for (int hops = 0; path && hops < 8; hops++) {
		json_t *d = json_object_get(l->files, path);
		if (d)
			return json_string_value(d);
		path = json_string_value(json_object_get(l->links, path));
	}
	berr_plain(err, ENOENT, "the archive has no file '%s'", path ? path : "?");
	return NULL;
}

/* The media type a layer blob's first bytes say. */
static const char *sniff_layer(struct img_store *s, const char *digest)
{
	autoclose int fd = img_blob_open(s, digest, NULL);
	unsigned char m[4] = {0};
	if (fd < 0 || read(fd, m, sizeof(m)) < 2)
		return IMG_MT_OCI_LAYER;
	if (m[0] == 0x1f && m[1] == 0x8b)
		return IMG_MT_OCI_LAYER_GZIP;
	if (m[0] == 0x28 && m[1] == 0xb5 && m[2] == 0x2f && m[3] == 0xfd)
		return IMG_MT_OCI_LAYER_ZSTD;
	return IMG_MT_OCI_LAYER;
}

static int64_t blob_size(struct img_store *s, const char *digest)
{
	autoclose int fd = img_blob_open(s, digest, NULL);
	off_t n = fd >= 0 ? lseek(fd, 0, SEEK_END) : -1;
	return n;
}

static json_t *descriptor(struct img_store *s, const char *mt, const char *digest)
{
	return json_pack("{s:s, s:s, s:I}", "mediaType", mt, "digest", digest, "size",
			 (json_int_t)blob_size(s, digest));
}

/* An OCI manifest for one docker-archive entry, put in the store. */
static int docker_manifest(struct load *l, json_t *item, char *out_digest, struct berr **err)
{
	const char *cfg = NULL;
	json_t *layers = NULL;
	if (json_opt_str(item, "manifest.json", "Config", &cfg, err) < 0 ||
	    json_opt_array(item, "manifest.json", "Layers", &layers, err) < 0)
		return -EINVAL;
	if (!cfg || !layers)
		return berr_plain(err, EINVAL, "manifest.json: an entry without Config or Layers");
	const char *cfg_digest = file_digest(l, cfg, err);
	if (!cfg_digest)
		return berr_ret(err);
	json_t *ldesc = json_array();
	size_t i;
	json_t *v;
	json_array_foreach(layers, i, v)
	{
		const char *d =
		    json_is_string(v) ? file_digest(l, json_string_value(v), err) : NULL;
		if (!d) {
			json_decref(ldesc);
			return json_is_string(v) ? berr_ret(err)
						 : berr_plain(err, EINVAL, "manifest.json: Layers");
		}
		json_array_append_new(ldesc, descriptor(l->store, sniff_layer(l->store, d), d));
	}
	json_auto_t *m = json_pack(
	    "{s:i, s:s, s:o, s:o}", "schemaVersion", 2, "mediaType", IMG_MT_OCI_MANIFEST, "config",
	    descriptor(l->store, IMG_MT_OCI_CONFIG, cfg_digest), "layers", ldesc);
	autofree char *text = json_dumps(m, JSON_COMPACT);
	return img_blob_put(l->store, text, strlen(text), NULL, out_digest, err);
}

static void report_loaded(json_t *report, const char *name, const char *id)
{
	if (name) {
		autofree char *fam = img_name_familiar(name);
		json_array_append_new(report, json_sprintf("Loaded image: %s", fam));
	} else {
		json_array_append_new(report, json_sprintf("Loaded image ID: %s", id));
	}
}

/* Normalised "repo:tag" of a user-written name, or NULL (with err) when it is not one. */
static char *normal_name(const char *s, struct berr **err)
{
	struct img_ref ref;
	if (img_ref_parse(s, &ref, err) < 0)
		return NULL;
	char *out = NULL;
	if (ref.tag) {
		autofree char *repo = img_ref_repository(&ref);
		out = xasprintf("%s:%s", repo, ref.tag);
	} else {
		berr_plain(err, EINVAL, "'%s' has no tag", s);
	}
	img_ref_clear(&ref);
	return out;
}

/* Two passes: the first unpacks every image's layers (and fails on any bad one) before the
 * second records any of them, so a bad archive adds no image. */
static int load_docker(struct load *l, json_t *manifest, bool commit, json_t *report,
		       struct berr **err)
{
	if (!json_is_array(manifest))
		return berr_plain(err, EINVAL, "manifest.json: expected a list");
	size_t i;
	json_t *item;
	int r;
	json_array_foreach(manifest, i, item)
	{
		char mdigest[IMG_DIGEST_LEN + 1], id[IMG_DIGEST_LEN + 1];
		if ((r = docker_manifest(l, item, mdigest, err)) < 0)
			return r;
		char **tags = NULL;
		if (json_opt_strv(item, "manifest.json", "RepoTags", &tags, err) < 0)
			return -EINVAL;
		autofree char *first = tags && tags[0] ? normal_name(tags[0], err) : NULL;
		r = tags && tags[0] && !first ? berr_ret(err) : 0;
		struct img_install in = {
		    .manifest_digest = mdigest, .name = first, .unpack_only = !commit};
		if (r == 0)
			r = img_unpack_install(l->store, &in, id, err);
		for (size_t t = 0; r == 0 && commit && tags && tags[t]; t++) {
			if (t > 0)
				r = img_image_tag(l->store, id, tags[t], err);
			if (r == 0)
				report_loaded(report, tags[t], id);
		}
		if (r == 0 && commit && !(tags && tags[0]))
			report_loaded(report, NULL, id);
		if (r == 0 && commit && l->events)
			img_event(l->store, id, "load", id);
		strv_free(tags);
		if (r < 0)
			return r;
	}
	return 0;
}

/* The name an OCI index entry carries: a full reference in ref.name (podman, berth) or in
 * containerd's annotation; a bare tag in ref.name names nothing we could use. */
static const char *oci_entry_name(json_t *desc)
{
	json_t *ann = json_object_get(desc, "annotations");
	const char *ref =
	    json_string_value(json_object_get(ann, "org.opencontainers.image.ref.name"));
	const char *ctrd = json_string_value(json_object_get(ann, "io.containerd.image.name"));
	if (ctrd)
		return ctrd;
	if (ref && (strchr(ref, '/') || strchr(ref, ':')))
		return ref;
	return NULL;
}

/* The manifest digest an index entry leads to: itself, or the platform's one of a nested
 * index. */
static int oci_pick(struct load *l, const struct img_descriptor *d, const struct img_platform *want,
		    char *out, char *out_index, struct berr **err)
{
	snprintf(out, IMG_DIGEST_LEN + 1, "%s", d->digest);
	out_index[0] = '\0';
	if (strcmp(d->media_type, IMG_MT_OCI_INDEX) && strcmp(d->media_type, IMG_MT_DOCKER_LIST))
		return 0;
	autofree char *data = NULL;
	size_t len = 0;
	int r = img_blob_read(l->store, d->digest, IMG_MANIFEST_MAX, &data, &len, err);
	if (r < 0)
		return r;
	autoptr(img_manifest) idx = NULL;
	if ((r = img_manifest_parse(data, len, d->media_type, &idx, err)) < 0)
		return r;
	int k = img_index_select(idx, want, err);
	if (k < 0)
		return k;
	snprintf(out_index, IMG_DIGEST_LEN + 1, "%s", d->digest);
	snprintf(out, IMG_DIGEST_LEN + 1, "%s", idx->manifests[k].digest);
	return 0;
}

static int load_oci(struct load *l, json_t *index, const struct img_platform *want, bool commit,
		    json_t *report, struct berr **err)
{
	autofree char *text = json_dumps(index, JSON_COMPACT);
	autoptr(img_manifest) idx = NULL;
	if (img_manifest_parse(text, strlen(text), IMG_MT_OCI_INDEX, &idx, err) < 0)
		return berr_wrap(err, "index.json");
	json_t *descs = json_object_get(index, "manifests");
	int r;
	for (size_t i = 0; i < idx->n_manifests; i++) {
		char mdigest[IMG_DIGEST_LEN + 1], idigest[IMG_DIGEST_LEN + 1];
		char id[IMG_DIGEST_LEN + 1];
		if ((r = oci_pick(l, &idx->manifests[i], want, mdigest, idigest, err)) < 0)
			return r;
		const char *raw = oci_entry_name(json_array_get(descs, i));
		autofree char *name = raw ? normal_name(raw, err) : NULL;
		if (raw && !name)
			return berr_ret(err);
		struct img_install in = {.manifest_digest = mdigest,
					 .index_digest = idigest[0] ? idigest : NULL,
					 .name = name,
					 .unpack_only = !commit};
		if ((r = img_unpack_install(l->store, &in, id, err)) < 0)
			return r;
		if (commit) {
			report_loaded(report, name, id);
			if (l->events)
				img_event(l->store, id, "load", id);
		}
	}
	return 0;
}

static int read_all(struct load *l, struct berr **err)
{
	struct archive_entry *e;
	int r;
	for (;;) {
		int h = archive_read_next_header(l->ar, &e);
		if (h == ARCHIVE_EOF)
			return 0;
		if (h != ARCHIVE_OK && h != ARCHIVE_WARN)
			return berr_plain(err, EIO, "read archive: %s",
					  archive_error_string(l->ar));
		if (++l->entries > ENTRIES_MAX)
			return berr_plain(err, E2BIG, "more than %d entries", ENTRIES_MAX);
		if ((r = read_entry(l, e, err)) < 0)
			return r;
	}
}

/* Stream a regular file of the layout into a blob; expect is the digest its name promises. */
static int copy_blob(struct load *l, int fd, const char *name, const char *expect,
		     struct berr **err)
{
	struct img_blob_writer *w = NULL;
	int r = img_blob_begin(l->store, expect, -1, &w, err);
	if (r < 0)
		return r;
	autofree char *buf = xmalloc(1 << 16);
	for (;;) {
		ssize_t n = read(fd, buf, 1 << 16);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			img_blob_abort(w);
			return berr_set(err, errno, "read '%s'", name);
		}
		if (n == 0)
			break;
		if ((r = img_blob_write(w, buf, (size_t)n, err)) < 0) {
			img_blob_abort(w);
			return r;
		}
	}
	char digest[IMG_DIGEST_LEN + 1];
	if (img_blob_commit(w, digest, err) < 0)
		return berr_wrap(err, "'%s'", name);
	json_object_set_new(l->files, name, json_string(digest));
	return 0;
}

/* name in the layout, parsed into l->meta (absent: nothing) */
static int read_meta_file(struct load *l, int dir, const char *name, struct berr **err)
{
	if (faccessat(dir, name, F_OK, AT_SYMLINK_NOFOLLOW) < 0 && errno == ENOENT)
		return 0;
	autoclose int fd = fs_open_regular(dir, name, NULL, err);
	if (fd < 0)
		return berr_wrap(err, "open '%s'", name);
	autofree char *data = NULL;
	size_t len = 0;
	if (fs_read_fd(fd, META_MAX, &data, &len, err) < 0)
		return berr_wrap(err, "read '%s'", name);
	json_t *j = json_load_text(data, len, err);
	if (!j)
		return berr_wrap(err, "'%s'", name);
	json_object_set_new(l->meta, name, j);
	return 0;
}

/* An OCI image layout directory (podman's and skopeo's oci: transport) read as an oci-archive
 * is: oci-layout, index.json and the regular files of blobs/sha256, each checked against the
 * digest its name says. Symbolic links are not followed (a layout made of links to elsewhere
 * is refused at the first one the index needs). */
static int read_layout_dir(struct load *l, int dir, struct berr **err)
{
	int r = read_meta_file(l, dir, "oci-layout", err);
	if (r == 0)
		r = read_meta_file(l, dir, "index.json", err);
	if (r < 0)
		return r;
	if (!json_object_get(l->meta, "index.json"))
		return berr_plain(err, EINVAL,
				  "not an image layout directory: it has no index.json (only OCI "
				  "image layouts and archives are loaded)");
	autoclose int bfd =
	    openat(dir, "blobs/sha256", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (bfd < 0)
		return errno == ENOENT ? 0 : berr_set(err, errno, "open 'blobs/sha256'");
	autoclosedir DIR *d = fdopendir(bfd);
	if (!d)
		return berr_set(err, errno, "read 'blobs/sha256'");
	bfd = -1; /* the DIR has it */
	for (struct dirent *de; (de = readdir(d));) {
		if (strlen(de->d_name) != 64 || strspn(de->d_name, "0123456789abcdef") != 64)
			continue;
		if (++l->entries > ENTRIES_MAX)
			return berr_plain(err, E2BIG, "more than %d entries", ENTRIES_MAX);
		autoclose int fd = fs_open_regular(dirfd(d), de->d_name, NULL, err);
		if (fd < 0)
			return berr_wrap(err, "blobs/sha256/%s", de->d_name);
		autofree char *name = xasprintf("blobs/sha256/%s", de->d_name);
		autofree char *expect = xasprintf("sha256:%s", de->d_name);
		if ((r = copy_blob(l, fd, name, expect, err)) < 0)
			return r;
	}
	return 0;
}

static int load_stream(struct load *l, int fd, const struct img_platform *platform, json_t *report,
		       struct berr **err)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return berr_set(err, errno, "stat the input");
	int r;
	if (S_ISDIR(st.st_mode)) {
		r = read_layout_dir(l, fd, err);
		if (r < 0)
			return r;
	} else {
		l->ar = archive_read_new();
		archive_read_support_filter_all(l->ar);
		archive_read_support_format_tar(l->ar);
		if (archive_read_open_fd(l->ar, fd, 1 << 16) != ARCHIVE_OK)
			return berr_plain(err, EIO, "read archive: %s",
					  archive_error_string(l->ar));
		if ((r = read_all(l, err)) < 0)
			return r;
	}
	json_t *manifest = json_object_get(l->meta, "manifest.json");
	json_t *index = json_object_get(l->meta, "index.json");
	if (manifest) {
		if ((r = load_docker(l, manifest, false, report, err)) < 0)
			return r;
		return load_docker(l, manifest, true, report, err);
	}
	if (index) {
		struct img_platform host = {0};
		if (!platform)
			img_platform_host(&host);
		const struct img_platform *want = platform ? platform : &host;
		r = load_oci(l, index, want, false, report, err);
		if (r == 0)
			r = load_oci(l, index, want, true, report, err);
		img_platform_clear(&host);
		return r;
	}
	return berr_plain(err, EINVAL,
			  "not an image archive: it has neither manifest.json (docker-archive) nor "
			  "index.json (oci-archive)");
}

static int load_all(struct img_store *s, int fd, const struct img_platform *platform,
		    json_t *report, bool events, struct berr **err)
{
	int busy = img_store_busy(s, err);
	if (busy < 0)
		return busy;
	struct load l = {.store = s,
			 .files = json_object(),
			 .links = json_object(),
			 .meta = json_object(),
			 .events = events};
	int r = load_stream(&l, fd, platform, report, err);
	if (l.ar)
		archive_read_free(l.ar);
	json_decref(l.files);
	json_decref(l.links);
	json_decref(l.meta);
	(void)close(busy);
	/* On failure, what this load wrote is in no record: collecting it leaves the store as it
	 * was. On success, so are the blobs of other platforms an OCI index brought along. */
	(void)img_store_gc(s, NULL, NULL);
	return r < 0 ? berr_wrap(err, "load") : 0;
}

int img_archive_load(struct img_store *s, int fd, const struct img_platform *platform,
		     json_t *report, struct berr **err)
{
	return load_all(s, fd, platform, report, true, err);
}

int img_archive_load_builtin(struct img_store *s, int fd, json_t *report, struct berr **err)
{
	return load_all(s, fd, NULL, report, false, err);
}
