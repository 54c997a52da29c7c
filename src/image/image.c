/* Image records: lookup, commit, tag, remove, and collection of what nothing uses (image.h). */
#include "image/image.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "image/reference.h"
#include "image/snapshot.h"
#include "image/store.h"
#include "util/cleanup.h"
#include "util/digest.h"
#include "util/err.h"
#include "util/eventlog.h"
#include "util/fs.h"
#include "util/xalloc.h"

static const char *id_of(json_t *rec)
{
	const char *id = json_string_value(json_object_get(rec, "id"));
	return id ? id : "";
}

static bool list_has(json_t *list, const char *s)
{
	size_t i;
	json_t *v;
	json_array_foreach(list, i, v) if (!strcmp(json_string_value(v), s)) return true;
	return false;
}

static bool list_remove(json_t *list, const char *s)
{
	for (size_t i = 0; i < json_array_size(list); i++)
		if (!strcmp(json_string_value(json_array_get(list, i)), s)) {
			json_array_remove(list, i);
			return true;
		}
	return false;
}

/* A string of 1..64 lower-case hex digits, optionally "sha256:"-prefixed. */
static bool looks_like_id(const char *s, bool *full)
{
	*full = !strncmp(s, "sha256:", 7);
	const char *hex = *full ? s + 7 : s;
	size_t n = strlen(hex);
	if (n == 0 || n > SHA256_HEX_LEN)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)hex[i]) || isupper((unsigned char)hex[i]))
			return false;
	return !*full || n == SHA256_HEX_LEN;
}

static json_t *find_by_id(json_t *images, const char *s, struct berr **err)
{
	bool full;
	if (!looks_like_id(s, &full))
		return NULL;
	const char *hex = full ? s + 7 : s;
	json_t *found = NULL, *rec;
	size_t i;
	json_array_foreach(images, i, rec)
	{
		if (strncmp(id_of(rec) + 7, hex, strlen(hex)))
			continue;
		if (found) {
			berr_plain(err, EINVAL, "image id prefix '%s' is ambiguous", s);
			return NULL;
		}
		found = rec;
	}
	return found;
}

static json_t *find_by_ref(json_t *images, const struct img_ref *ref)
{
	autofree char *repo = img_ref_repository(ref);
	autofree char *key = ref->digest ? xasprintf("%s@%s", repo, ref->digest)
					 : xasprintf("%s:%s", repo, ref->tag);
	const char *field = ref->digest ? "digests" : "names";
	json_t *rec;
	size_t i;
	json_array_foreach(images, i,
			   rec) if (list_has(json_object_get(rec, field), key)) return rec;
	if (!ref->digest)
		return NULL;
	/* name@digest also finds the image whose manifest that is, pulled under another name */
	json_array_foreach(images, i, rec)
	{
		const char *m = json_string_value(json_object_get(rec, "manifest"));
		if (m && !strcmp(m, ref->digest))
			return rec;
	}
	return NULL;
}

json_t *img_image_find(json_t *images, const char *name, struct berr **err)
{
	bool full;
	bool idlike = looks_like_id(name, &full);
	struct img_ref ref;
	/* a full id never parses as a name; a short hex string may be both: Docker tries the
	 * name first */
	bool parsed = !(idlike && full) && img_ref_parse(name, &ref, NULL) == 0;
	if (parsed) {
		json_t *rec = find_by_ref(images, &ref);
		img_ref_clear(&ref);
		if (rec)
			return rec;
	}
	if (idlike) {
		struct berr *e = NULL;
		json_t *rec = find_by_id(images, name, &e);
		if (rec)
			return rec;
		if (e) {
			if (err)
				*err = e;
			else
				berr_free(e);
			return NULL;
		}
	}
	if (!parsed && !idlike) {
		(void)img_ref_parse(name, &ref, err); /* for its error */
		return NULL;
	}
	berr_plain(err, ENOENT, "no such image: %s", name);
	return NULL;
}

json_t *img_image_lookup(struct img_store *s, const char *name, struct berr **err)
{
	if (img_store_lock(s, false, err) < 0)
		return NULL;
	json_auto_t *all = img_store_images_view(s, err);
	img_store_unlock(s);
	if (!all)
		return NULL;
	json_t *rec = img_image_find(json_object_get(all, "images"), name, err);
	return rec ? json_deep_copy(rec) : NULL; /* the caller's to change */
}

/* Take name away from every record but keep; returns how many lost it. */
static void take_name(json_t *images, const char *name, json_t *keep)
{
	json_t *rec;
	size_t i;
	json_array_foreach(images, i, rec) if (rec != keep)
	    list_remove(json_object_get(rec, "names"), name);
}

static void add_unique(json_t *rec, const char *field, const char *value)
{
	json_t *list = json_object_get(rec, field);
	if (!json_is_array(list)) {
		list = json_array();
		json_object_set_new(rec, field, list);
	}
	if (value && !list_has(list, value))
		json_array_append_new(list, json_string(value));
}

static json_t *find_id(json_t *images, const char *id)
{
	json_t *rec;
	size_t i;
	json_array_foreach(images, i, rec) if (!strcmp(id_of(rec), id)) return rec;
	return NULL;
}

bool img_image_is_build_cache(json_t *rec)
{
	return json_is_string(json_object_get(rec, "build_key")) &&
	       !json_array_size(json_object_get(rec, "names"));
}

int img_image_commit(struct img_store *s, json_t *rec, const char *name, const char *repo_digest,
		     struct berr **err)
{
	int r = img_store_lock(s, true, err);
	if (r < 0)
		return r;
	json_auto_t *all = img_store_load_images(s, err);
	r = all ? 0 : berr_ret(err);
	if (r == 0) {
		json_t *images = json_object_get(all, "images");
		json_t *cur = find_id(images, id_of(rec));
		if (!cur) {
			cur = json_deep_copy(rec);
			json_array_append_new(images, cur);
		} else {
			/* the same image again: keep its names, take the newer details */
			json_t *names = json_incref(json_object_get(cur, "names"));
			json_t *digests = json_incref(json_object_get(cur, "digests"));
			json_object_update(cur, rec);
			json_object_set_new(cur, "names", names ? names : json_array());
			json_object_set_new(cur, "digests", digests ? digests : json_array());
		}
		add_unique(cur, "names", name);
		add_unique(cur, "digests", repo_digest);
		if (name)
			take_name(images, name, cur);
		r = img_store_save_images(s, all, err);
	}
	img_store_unlock(s);
	return r;
}

void img_event(struct img_store *s, const char *id, const char *action, const char *name)
{
	autofree char *familiar = strncmp(name, "sha256:", 7) ? img_name_familiar(name) : NULL;
	json_auto_t *attrs = json_pack("{s:s}", "name", familiar ? familiar : name);
	eventlog_append(s->root, "image", action, id, attrs);
}

int img_image_tag(struct img_store *s, const char *source, const char *target, struct berr **err)
{
	struct img_ref ref;
	int r = img_ref_parse(target, &ref, err);
	if (r < 0)
		return r;
	if (ref.digest) {
		img_ref_clear(&ref);
		return berr_plain(err, EINVAL, "refusing to create a tag with a digest reference");
	}
	autofree char *repo = img_ref_repository(&ref);
	autofree char *name = xasprintf("%s:%s", repo, ref.tag);
	img_ref_clear(&ref);
	if ((r = img_store_lock(s, true, err)) < 0)
		return r;
	json_auto_t *all = img_store_load_images(s, err);
	r = all ? 0 : berr_ret(err);
	json_t *rec = all ? img_image_find(json_object_get(all, "images"), source, err) : NULL;
	if (r == 0 && !rec)
		r = berr_ret(err);
	/* a name already there is not written again (a build tagging what it found cached) */
	if (r == 0 && !list_has(json_object_get(rec, "names"), name)) {
		add_unique(rec, "names", name);
		take_name(json_object_get(all, "images"), name, rec);
		r = img_store_save_images(s, all, err);
		if (r == 0)
			img_event(s, id_of(rec), "tag", name);
	}
	img_store_unlock(s);
	return r;
}

/* Whether `name` names the record by a reference (so only that name goes) rather than by id. */
static char *name_key(const char *name)
{
	struct img_ref ref;
	bool full;
	if (looks_like_id(name, &full) && full)
		return NULL;
	if (img_ref_parse(name, &ref, NULL) < 0)
		return NULL;
	autofree char *repo = img_ref_repository(&ref);
	char *key =
	    ref.digest ? xasprintf("%s@%s", repo, ref.digest) : xasprintf("%s:%s", repo, ref.tag);
	img_ref_clear(&ref);
	return key;
}

static void drop_record(json_t *images, json_t *rec)
{
	for (size_t i = 0; i < json_array_size(images); i++)
		if (json_array_get(images, i) == rec) {
			json_array_remove(images, i);
			return;
		}
}

/* "repo:tag" → "repo" */
static char *repo_of(const char *key)
{
	const char *colon = strrchr(key, ':');
	const char *slash = strrchr(key, '/');
	const char *at = strchr(key, '@');
	const char *end =
	    at ? at : (colon && (!slash || colon > slash) ? colon : key + strlen(key));
	return xstrndup(key, (size_t)(end - key));
}

/* Untag one name; the repository's digests go with its last tag. */
static void untag(json_t *rec, const char *key, json_t *report)
{
	json_t *names = json_object_get(rec, "names"), *digests = json_object_get(rec, "digests");
	list_remove(names, key);
	list_remove(digests, key);
	json_array_append_new(report, json_sprintf("Untagged: %s", key));
	autofree char *repo = repo_of(key);
	size_t n = strlen(repo);
	for (size_t i = 0; i < json_array_size(names); i++)
		if (!strncmp(json_string_value(json_array_get(names, i)), repo, n) &&
		    json_string_value(json_array_get(names, i))[n] == ':')
			return;
	for (size_t i = 0; i < json_array_size(digests);) {
		const char *d = json_string_value(json_array_get(digests, i));
		if (!strncmp(d, repo, n) && d[n] == '@') {
			json_array_append_new(report, json_sprintf("Untagged: %s", d));
			json_array_remove(digests, i);
		} else {
			i++;
		}
	}
}

/* dockerd's conflicts for a container that uses the image (image_delete.go): by_name, the
 * image's last name; 1 when with force a running container keeps the image, only untagged. */
static int use_conflict(const char *name, const char *id, bool by_name, bool force,
			img_in_use_fn in_use, void *ctx, struct berr **err)
{
	char who[65] = "";
	enum img_use use = in_use ? in_use(id, ctx, who) : IMG_UNUSED;
	if (use == IMG_UNUSED)
		return 0;
	if (by_name && !force)
		return berr_plain(err, EBUSY,
				  "conflict: unable to remove repository reference \"%s\" (must "
				  "force) - container %.12s is using its referenced image %.12s",
				  name, who, id + 7);
	if (by_name)
		return use == IMG_USED_RUNNING ? 1 : 0;
	if (use == IMG_USED_RUNNING)
		return berr_plain(err, EBUSY,
				  "conflict: unable to delete %.12s (cannot be forced) - image is "
				  "being used by running container %.12s",
				  id + 7, who);
	if (!force)
		return berr_plain(
		    err, EBUSY,
		    "conflict: unable to delete %.12s (must be forced) - image is being "
		    "used by stopped container %.12s",
		    id + 7, who);
	return 0;
}

static int remove_locked(json_t *images, const char *name, bool force, img_in_use_fn in_use,
			 void *ctx, json_t *report, struct berr **err)
{
	json_t *rec = img_image_find(images, name, err);
	if (!rec)
		return berr_ret(err);
	const char *id = id_of(rec);
	json_t *names = json_object_get(rec, "names");
	json_t *digests = json_object_get(rec, "digests");
	autofree char *key = name_key(name);
	bool by_name = key && (list_has(names, key) || list_has(digests, key));
	/* a name of an image that has other names: only that name goes */
	if (by_name && list_has(names, key) && json_array_size(names) > 1) {
		untag(rec, key, report);
		return 0;
	}
	if (!by_name && json_array_size(names) > 1 && !force)
		return berr_plain(err, EEXIST,
				  "conflict: unable to delete %.12s (must be forced) - image is "
				  "referenced in multiple repositories",
				  id + 7);
	int c = use_conflict(name, id, by_name, force, in_use, ctx, err);
	if (c < 0)
		return c;
	if (c == 1) { /* forced by name, a running container uses it: the name goes */
		while (json_array_size(names) + json_array_size(digests) > 0) {
			json_t *list = json_array_size(names) ? names : digests;
			autofree char *k = xstrdup(json_string_value(json_array_get(list, 0)));
			untag(rec, k, report);
		}
		return 0;
	}
	size_t i;
	json_t *v;
	json_array_foreach(names, i, v)
	    json_array_append_new(report, json_sprintf("Untagged: %s", json_string_value(v)));
	json_array_foreach(digests, i, v)
	    json_array_append_new(report, json_sprintf("Untagged: %s", json_string_value(v)));
	json_array_append_new(report, json_sprintf("Deleted: %s", id));
	drop_record(images, rec);
	return 0;
}

int img_image_remove(struct img_store *s, const char *name, bool force, img_in_use_fn in_use,
		     void *ctx, json_t *report, struct berr **err)
{
	int r = img_store_lock(s, true, err);
	if (r < 0)
		return r;
	json_auto_t *all = img_store_load_images(s, err);
	r = all ? 0 : berr_ret(err);
	json_t *rec = all ? img_image_find(json_object_get(all, "images"), name, NULL) : NULL;
	autofree char *id = rec ? xstrdup(id_of(rec)) : NULL;
	size_t before = json_array_size(report);
	if (r == 0)
		r = remove_locked(json_object_get(all, "images"), name, force, in_use, ctx, report,
				  err);
	if (r == 0)
		r = img_store_save_images(s, all, err);
	img_store_unlock(s);
	if (r < 0)
		return r;
	/* dockerd's events: untag and delete name the image by its id */
	for (size_t i = before; id && i < json_array_size(report); i++)
		img_event(s, id,
			  strncmp(json_string_value(json_array_get(report, i)), "Deleted", 7)
			      ? "untag"
			      : "delete",
			  id);
	return img_store_gc(s, NULL, err);
}

int img_store_busy(struct img_store *s, struct berr **err)
{
	int fd = openat(s->dirfd, "busy.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return berr_set(err, errno, "open '%s/busy.lock'", s->root);
	int r;
	do
		r = flock(fd, LOCK_SH);
	while (r < 0 && errno == EINTR);
	if (r < 0) {
		int e = errno;
		(void)close(fd);
		return berr_set(err, e, "lock '%s/busy.lock'", s->root);
	}
	return fd;
}

/* Every digest and chain id a record refers to. */
static json_t *referenced(json_t *images)
{
	json_t *set = json_object();
	static const char *const one[] = {"id", "manifest", "index"};
	static const char *const many[] = {"blobs", "layers"};
	json_t *rec, *v;
	size_t i, j;
	json_array_foreach(images, i, rec)
	{
		for (size_t k = 0; k < 3; k++) {
			const char *d = json_string_value(json_object_get(rec, one[k]));
			if (d)
				json_object_set_new(set, d, json_true());
		}
		for (size_t k = 0; k < 2; k++)
			json_array_foreach(json_object_get(rec, many[k]), j, v)
			    json_object_set_new(set, json_string_value(v), json_true());
	}
	return set;
}

/* Remove the entries of dir (under the store) whose "sha256:<name>" is not in keep. */
static int sweep(struct img_store *s, const char *dir, json_t *keep, bool layers, long long *freed,
		 struct berr **err)
{
	int fd = openat(s->dirfd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : berr_set(err, errno, "open '%s/%s'", s->root, dir);
	autoclosedir DIR *d = fdopendir(fd);
	if (!d) {
		(void)close(fd);
		return berr_set(err, errno, "read '%s/%s'", s->root, dir);
	}
	struct dirent *de;
	int r;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (strlen(de->d_name) != SHA256_HEX_LEN)
			continue; /* not ours */
		char digest[IMG_DIGEST_LEN + 1];
		snprintf(digest, sizeof(digest), "sha256:%.64s", de->d_name);
		if (json_object_get(keep, digest))
			continue;
		struct stat st;
		if (layers) {
			int64_t size = img_snapshot_size(s, digest);
			if ((r = img_snapshot_remove(s, digest, err)) < 0)
				return r;
			*freed += size > 0 ? size : 0;
		} else {
			if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0)
				*freed += st.st_size;
			if (unlinkat(dirfd(d), de->d_name, 0) < 0 && errno != ENOENT)
				return berr_set(err, errno, "remove blob %s", digest);
		}
	}
	return 0;
}

/* Leftovers of interrupted pulls and unpacks: only reached while nobody is busy. A partly
 * downloaded blob (".partial") stays a day for a later pull to resume. */
static int sweep_tmp(struct img_store *s, struct berr **err)
{
	int fd = openat(s->dirfd, "tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : berr_set(err, errno, "open '%s/tmp'", s->root);
	autoclosedir DIR *d = fdopendir(fd);
	if (!d) {
		(void)close(fd);
		return berr_set(err, errno, "read '%s/tmp'", s->root);
	}
	struct dirent *de;
	time_t now = time(NULL);
	int r;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		size_t n = strlen(de->d_name);
		struct stat st;
		if (n > 8 && !strcmp(de->d_name + n - 8, ".partial") &&
		    fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    now - st.st_mtime < 24 * 3600)
			continue;
		if ((r = fs_rm_rf(dirfd(d), de->d_name, err)) < 0)
			return r;
	}
	return 0;
}

int img_store_gc(struct img_store *s, long long *out_freed, struct berr **err)
{
	autoclose int busy = openat(s->dirfd, "busy.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (busy < 0)
		return berr_set(err, errno, "open '%s/busy.lock'", s->root);
	if (flock(busy, LOCK_EX | LOCK_NB) < 0) {
		if (out_freed)
			*out_freed = 0;
		return 0; /* a pull is under way: the next collection gets what is left */
	}
	int r = img_store_lock(s, true, err);
	if (r < 0)
		return r;
	long long freed = 0;
	json_auto_t *all = img_store_load_images(s, err);
	r = all ? 0 : berr_ret(err);
	if (r == 0) {
		json_auto_t *keep = referenced(json_object_get(all, "images"));
		if (s->roots)
			s->roots(keep, s->roots_ctx);
		r = sweep(s, "blobs/sha256", keep, false, &freed, err);
		if (r == 0)
			r = sweep(s, "layers", keep, true, &freed, err);
		if (r == 0)
			r = sweep_tmp(s, err);
	}
	img_store_unlock(s);
	if (r == 0 && out_freed)
		*out_freed = freed;
	return r;
}

char *img_name_familiar(const char *full)
{
	struct img_ref ref;
	if (img_ref_parse(full, &ref, NULL) < 0)
		return xstrdup(full);
	autofree char *fam = img_ref_familiar(&ref);
	char *out =
	    ref.digest ? xasprintf("%s@%s", fam, ref.digest) : xasprintf("%s:%s", fam, ref.tag);
	img_ref_clear(&ref);
	return out;
}
