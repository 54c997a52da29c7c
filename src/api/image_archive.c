/* The service's image archives, on the image layer's functions `berth save`, `load` and
 * `import` call (image/archive.h): GET /images/get?names=a&names=b and /images/{name}/get
 * (docker save: a docker-archive tar, written by a child into the response as it goes), POST
 * /images/load (docker load: the body's archive; Docker's {"stream": "Loaded image: ..."}
 * messages) and POST /images/create?fromSrc=- or =URL (docker import: the body's root
 * filesystem tar, or the URL's; {"status": "sha256:..."}). A body of any size comes as a file
 * (api_body_fd); a bad archive is refused whole, the store left as it was. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/images.h"
#include "api/routes.h"
#include "build/fetch.h"
#include "image/archive.h"
#include "image/builtin.h"
#include "image/image.h"
#include "image/manifest.h"
#include "image/store.h"
#include "util/child.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/xalloc.h"

/* ---- save ---- */

/* The first of names the store does not have (err says why), or NULL: every name is known
 * before anything is sent (a 404 then, not a tar cut short). */
static const char *unknown_name(struct img_store *s, char **names, struct berr **err)
{
	for (size_t i = 0; names[i]; i++) {
		if (img_builtin_is(names[i]) && img_builtin_ensure(s, err) < 0)
			return names[i];
		json_t *rec = img_image_lookup(s, names[i], err);
		if (!rec)
			return names[i];
		json_decref(rec);
	}
	return NULL;
}

/* The archive, written by a child into a pipe the response reads as it comes. */
static int reply_save(struct api_req *r, struct img_store *s, char **names, size_t n)
{
	int fd;
	pid_t pid = child_fork_piped(&fd);
	if (pid == 0)
		_exit(img_archive_save(s, names, n, IMG_ARCHIVE_DOCKER, fd, NULL) < 0);
	if (pid < 0)
		return api_reply_error(r, 500, "fork: %s", strerror((int)-pid));
	return api_reply_piped(r, 200, "application/x-tar", fd, pid, NULL);
}

int api_images_get(struct api_req *r)
{
	char **names = NULL;
	if (r->param) {
		names = xcalloc(2, sizeof(char *));
		names[0] = xstrdup(r->param);
	} else {
		names = api_query_all(r, "names");
	}
	size_t n = 0;
	while (names[n])
		n++;
	struct berr *err = NULL;
	const char *bad = NULL;
	autoptr(img_store) s = api_image_store(r, &err);
	int rr;
	if (!s)
		rr = api_reply_berr(r, err);
	else if (!n)
		rr = api_reply_error(r, 400, "no image names given");
	else if ((bad = unknown_name(s, names, &err)))
		rr = api_reply_image_berr(r, err, bad);
	else
		rr = reply_save(r, s, names, n);
	strv_free(names);
	return rr;
}

/* ---- load, import ---- */

/* lines of JSON messages, as dockerd's stream formatter writes them */
static void add_message(char **text, json_t *msg)
{
	autofree char *one = json_dumps(msg, JSON_COMPACT);
	json_decref(msg);
	char *next = xasprintf("%s%s\r\n", *text, one ? one : "{}");
	free(*text);
	*text = next;
}

int api_images_load(struct api_req *r)
{
	struct berr *err = NULL;
	autoclose int fd = api_body_fd(r, &err);
	if (fd < 0)
		return api_reply_berr(r, err);
	autoptr(img_store) s = api_image_store(r, &err);
	if (!s)
		return api_reply_berr(r, err);
	json_auto_t *report = json_array();
	if (img_archive_load(s, fd, NULL, report, &err) < 0)
		return api_reply_berr(r, err);
	/* quiet leaves out the layers' progress bars, which this load does not draw anyway */
	autofree char *text = xstrdup("");
	size_t i;
	json_t *line;
	json_array_foreach(report, i, line)
	{
		autofree char *s1 = xasprintf("%s\n", json_string_value(line));
		add_message(&text, json_pack("{s:s}", "stream", s1));
	}
	return api_reply_text(r, 200, "application/json", text, strlen(text));
}

/* fromSrc=URL: the file downloaded as ADD downloads one (build/fetch.h: bounded, any status
 * but 2xx an error), into the store's tmp/ while the store is held busy (its collection
 * leaves it alone), then unlinked and read from its fd. A URL without a scheme is http://'s,
 * as dockerd takes it. */
static int download(struct api_req *r, struct img_store *s, const char *src, struct berr **err)
{
	autofree char *url = strstr(src, "://") ? xstrdup(src) : xasprintf("http://%s", src);
	if (strncmp(url, "http://", 7) && strncmp(url, "https://", 8))
		return berr_plain(err, EINVAL,
				  "import from '%s': only http and https URLs are "
				  "downloaded",
				  src);
	autoclose int busy = img_store_busy(s, err);
	if (busy < 0)
		return busy;
	autofree char *dir = xasprintf("%s/tmp/import-XXXXXX", r->ctx->es.root);
	autofree char *tmp = xasprintf("%s/tmp", r->ctx->es.root);
	(void)mkdir(tmp, 0700);
	if (!mkdtemp(dir))
		return berr_set(err, errno, "import: make '%s'", dir);
	autoclose int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct bld_fetched got = {0};
	int fd = dfd < 0 ? berr_set(err, errno, "open '%s'", dir)
			 : bld_fetch(dfd, &(struct bld_fetch_opts){.url = url}, &got, err);
	if (fd == 0) {
		fd = openat(dfd, got.name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		if (fd < 0)
			fd = berr_set(err, errno, "open the download");
	}
	bld_fetched_clear(&got);
	(void)fs_rm_rf(AT_FDCWD, dir, NULL);
	return fd;
}

int api_image_import(struct api_req *r)
{
	const char *src = api_query(r, "fromSrc");
	bool from_url = strcmp(src, "-") != 0;
	const char *repo = api_query(r, "repo"), *tag = api_query(r, "tag");
	const char *platform = api_query(r, "platform");
	autofree char *name = NULL;
	if (repo && *repo)
		name = tag && *tag ? xasprintf("%s:%s", repo, tag) : xstrdup(repo);
	struct berr *err = NULL;
	struct img_platform p = {0};
	if (platform && *platform && img_platform_parse(platform, &p, &err) < 0)
		return api_reply_berr(r, err);
	char **changes = api_query_all(r, "changes");
	struct img_import in = {.name = name,
				.message = api_query(r, "message"),
				.changes = changes,
				.platform = platform && *platform ? &p : NULL};
	char id[80];
	autoptr(img_store) s = api_image_store(r, &err);
	autoclose int fd = !s ? -EIO : from_url ? download(r, s, src, &err) : api_body_fd(r, &err);
	int rr = fd >= 0 ? img_archive_import(s, fd, &in, id, &err) : fd;
	strv_free(changes);
	img_platform_clear(&p);
	if (rr < 0)
		return api_reply_berr(r, err);
	autofree char *text = xstrdup("");
	if (from_url) /* dockerd's first message (its progress bars are left out) */
		add_message(&text,
			    json_pack("{s:o}", "status",
				      json_sprintf("Downloading from %s%s",
						   strstr(src, "://") ? "" : "http://", src)));
	add_message(&text, json_pack("{s:s}", "status", id));
	return api_reply_text(r, 200, "application/json", text, strlen(text));
}
