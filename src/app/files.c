/* Secrets and configs of a service (files.h), as Compose v2 gives them to a container of a
 * local engine. A `file:` source is bound read-only (compose's buildContainerSecretMounts and
 * ConfigMounts, which warn that uid, gid and mode are ignored: outside Swarm no release copies
 * a file source); an `environment:` or `content:` source is a
 * file copied into the container after it is made and before it starts, as its
 * injectSecrets/injectConfigs do (pkg/compose/secrets.go: a one-file tar extracted at "/"
 * with CopyToContainer, mode 0444 unless given, owner uid:gid, 0:0 unless given). The copy
 * goes through the engine's cp (eng_files_tar_in): the root opened with path_open_in_root and
 * the tar's rules (no "..", nothing through a symbolic link), so no target reaches outside
 * the container's root. */
#include "app/files.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "engine/container_files.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/json.h"
#include "util/xalloc.h"

#define TAR_BLOCK  512
#define TAR_ID_MAX 07777777 /* the largest uid or gid a ustar header's 8 bytes hold */

static const char *str(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

char *app_file_target(bool secret, const char *source, const char *target)
{
	const char *base = secret ? "/run/secrets" : "";
	autofree char *joined = !target            ? xasprintf("%s/%s", base, source)
				: target[0] == '/' ? xstrdup(target)
						   : xasprintf("%s/%s", base, target);
	/* path.Join's Clean: "." and empty names dropped, ".." takes the name before it (none
	 * above the root), as Compose v2 joins a relative target */
	char *out = xmalloc(strlen(joined) + 2);
	size_t n = 0;
	for (char *s = joined, *name; (name = strsep(&s, "/"));) {
		if (!*name || !strcmp(name, "."))
			continue;
		if (!strcmp(name, "..")) {
			while (n > 0 && out[n - 1] != '/')
				n--;
			if (n > 0)
				n--;
			continue;
		}
		out[n++] = '/';
		memcpy(out + n, name, strlen(name));
		n += strlen(name);
	}
	if (!n)
		out[n++] = '/';
	out[n] = 0;
	return out;
}

/* uid or gid of the long syntax: a decimal number (Compose's strconv.Atoi) a ustar header
 * holds; absent: 0. */
static int owner_id(json_t *ref, const char *key, const char *what, uint32_t *out,
		    struct berr **err)
{
	const char *v = str(ref, key);
	*out = 0;
	if (!v)
		return 0;
	char *end = NULL;
	errno = 0;
	long long n = strtoll(v, &end, 10);
	if (!*v || *end || errno || n < 0 || n > TAR_ID_MAX)
		return berr_plain(err, EINVAL, "%s: %s '%s' must be a number from 0 to %d", what,
				  key, v, TAR_ID_MAX);
	*out = (uint32_t)n;
	return 0;
}

/* What an environment: or content: source holds into *out (NULL: it has neither). */
static int copied_content(const struct app_plan *p, json_t *def, const char *what, const char **out,
			  size_t *len, struct berr **err)
{
	const char *var = str(def, "environment");
	json_t *v = var ? json_object_get(p->environment, var) : json_object_get(def, "content");
	if (var && !json_is_string(v))
		return berr_plain(err, EINVAL,
				  "%s: environment variable \"%s\" required by file \"%s\" is not "
				  "set",
				  what, var, str(def, "name") ? str(def, "name") : "");
	*out = json_string_value(v);
	*len = json_string_length(v);
	return 0;
}

/* Where a ustar header splits name (relative, at most 255 bytes): 0, the whole of it in the
 * name field (at most 100 bytes), or the length of the prefix field's part (at most 155) before
 * a '/' that leaves at most 100 bytes after it; -1 when neither fits. */
static ssize_t ustar_split(const char *name)
{
	size_t n = strlen(name);
	if (n <= 100)
		return 0;
	for (size_t i = n > 101 ? n - 101 : 0; i <= 155 && i < n; i++)
		if (name[i] == '/')
			return (ssize_t)i;
	return -1;
}

static int copied(const struct app_plan *p, struct app_service *s, bool secret, json_t *ref,
		  json_t *def, const char *what, struct berr **err)
{
	const char *content = NULL;
	size_t len = 0;
	int r = copied_content(p, def, what, &content, &len, err);
	if (r < 0)
		return r;
	if (!content)
		return berr_plain(err, ENOTSUP, "%s: it has no file, environment or content source",
				  what);
	if (!str(def, "environment") && !len) {
		/* Compose v2 makes no file of an empty content */
		json_array_append_new(
		    p->warnings, json_sprintf("%s: its content is empty, no file is made", what));
		return 0;
	}
	struct app_file f = {.kind = secret ? "secret" : "config",
			     .source = str(ref, "source"),
			     .content = content,
			     .len = len,
			     .mode = 0444};
	json_t *mode = json_object_get(ref, "mode");
	if (json_is_integer(mode))
		f.mode = (uint32_t)json_integer_value(mode) & 07777;
	r = owner_id(ref, "uid", what, &f.uid, err);
	if (r == 0)
		r = owner_id(ref, "gid", what, &f.gid, err);
	if (r < 0)
		return r;
	autofree char *target = app_file_target(secret, f.source, str(ref, "target"));
	json_t *t = json_string(target);
	json_array_append_new(s->keep, t);
	f.target = json_string_value(t);
	if (!strcmp(f.target, "/") || ustar_split(f.target + 1) < 0)
		return berr_plain(
		    err, EINVAL,
		    "%s: target '%s' is not a file path a tar header holds (255 bytes, "
		    "a '/' in the first 156 and at most 100 after it)",
		    what, f.target);
	s->files = xrealloc(s->files, (s->n_files + 1) * sizeof(*s->files));
	s->files[s->n_files++] = f;
	return 0;
}

static int one(const struct app_plan *p, struct app_service *s, bool secret, json_t *ref,
	       json_t *mounts, struct berr **err)
{
	const char *kind = secret ? "secret" : "config";
	const char *source = str(ref, "source") ? str(ref, "source") : "";
	autofree char *what = xasprintf("service '%s': %s '%s'", s->name, kind, source);
	json_t *def =
	    json_object_get(json_object_get(p->model, secret ? "secrets" : "configs"), source);
	const char *file = str(def, "file");
	if (json_is_true(json_object_get(def, "external")))
		return berr_plain(err, ENOTSUP, "%s: unsupported external %s %s", what, kind,
				  str(def, "name") ? str(def, "name") : source);
	if (str(def, "driver") || str(def, "template_driver"))
		return berr_plain(err, ENOTSUP, "%s: docker compose does not support %ss.*.%s",
				  what, kind, str(def, "driver") ? "driver" : "template_driver");
	if (!file)
		return copied(p, s, secret, ref, def, what, err);
	if (strchr(file, ',') || strchr(file, '='))
		return berr_plain(err, EINVAL, "%s: file '%s' has a ',' or '='", what, file);
	/* v2's words (buildContainerSecretMounts, buildContainerConfigMounts): a bind keeps the
	 * file's own owner and mode */
	if (json_object_get(ref, "uid") || json_object_get(ref, "gid") ||
	    json_object_get(ref, "mode"))
		json_array_append_new(
		    p->warnings,
		    json_sprintf(
			"%s `uid`, `gid` and `mode` are not supported, they will be ignored",
			secret ? "secrets" : "config"));
	autofree char *target = app_file_target(secret, source, str(ref, "target"));
	if (strchr(target, ',') || strchr(target, '='))
		return berr_plain(err, EINVAL, "%s: target '%s' has a ',' or '='", what, target);
	json_array_append_new(mounts,
			      json_sprintf("type=bind,source=%s,target=%s,readonly", file, target));
	return 0;
}

int app_service_files(const struct app_plan *p, struct app_service *s, json_t *svc, json_t *mounts,
		      struct berr **err)
{
	static const char *const kinds[] = {"secrets", "configs"};
	for (size_t k = 0; k < 2; k++) {
		size_t i;
		json_t *ref;
		json_array_foreach(json_object_get(svc, kinds[k]), i, ref)
		{
			int r = one(p, s, k == 0, ref, mounts, err);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

/* v in size - 1 octal digits and a NUL (the caller keeps v within them) */
static void octal(unsigned char *field, size_t size, unsigned long long v)
{
	field[size - 1] = 0;
	for (size_t i = size - 1; i-- > 0; v >>= 3)
		field[i] = (unsigned char)('0' + (v & 7));
}

char *app_file_tar(const struct app_file *f, time_t mtime, size_t *out_len)
{
	size_t body = (f->len + TAR_BLOCK - 1) / TAR_BLOCK * TAR_BLOCK;
	size_t total = TAR_BLOCK + body + 2 * TAR_BLOCK;
	unsigned char *t = xzalloc(total);
	const char *name = f->target + 1; /* relative to "/", where it is extracted */
	ssize_t split = ustar_split(name);
	if (split > 0) {
		memcpy(t + 345, name, (size_t)split);
		name += split + 1;
	}
	memcpy(t, name, strnlen(name, 100));
	octal(t + 100, 8, f->mode & 07777);
	octal(t + 108, 8, f->uid);
	octal(t + 116, 8, f->gid);
	octal(t + 124, 12, f->len);
	octal(t + 136, 12, (unsigned long long)(mtime < 0 ? 0 : mtime));
	t[156] = '0';
	memcpy(t + 257, "ustar", 6);
	memcpy(t + 263, "00", 2);
	memset(t + 148, ' ', 8);
	unsigned sum = 0;
	for (size_t i = 0; i < TAR_BLOCK; i++)
		sum += t[i];
	octal(t + 148, 7, sum); /* six digits, a NUL, then the space already there */
	memcpy(t + TAR_BLOCK, f->content, f->len);
	*out_len = total;
	return (char *)t;
}

/* One file into container id: its tar in a memfd, extracted at the container's "/". */
static int copy_one(const struct eng_store *es, const char *id, const struct app_file *f,
		    struct berr **err)
{
	size_t len = 0;
	autofree char *tar = app_file_tar(f, time(NULL), &len);
	autoclose int fd = memfd_create("berth-compose-file", MFD_CLOEXEC);
	if (fd < 0)
		return berr_set(err, errno, "memfd_create");
	for (size_t off = 0; off < len;) {
		ssize_t w = write(fd, tar + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return berr_set(err, errno, "write");
		off += (size_t)w;
	}
	if (lseek(fd, 0, SEEK_SET) < 0)
		return berr_set(err, errno, "lseek");
	struct eng_files ef;
	int r = eng_files_open(es, id, "/", &ef, err);
	if (r < 0)
		return r;
	r = eng_files_tar_in(&ef, fd, err);
	eng_files_close(&ef);
	return r;
}

int app_files_copy(const struct eng_store *es, const struct app_service *s, const char *id,
		   struct berr **err)
{
	for (size_t i = 0; i < s->n_files; i++) {
		const struct app_file *f = &s->files[i];
		int r = copy_one(es, id, f, err);
		if (r < 0)
			return berr_wrap(err, "%s '%s': copy to '%s'", f->kind, f->source,
					 f->target);
	}
	return 0;
}
