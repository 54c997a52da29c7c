/* /containers/{id}/archive (GET, HEAD, PUT), /export and /changes: `docker cp` both ways,
 * `docker export` and `docker diff`, on engine/container_files, which `berth cp`, `export` and
 * `diff` call too. Paths are the client's and are resolved inside the container's root there.
 *
 * A tar going out is written by a child of the connection's process into a pipe that the
 * chunked response reads; the root it reads (a stopped container's, mounted for it) is held
 * by this process until the response ends, whether the client read it all or left: then the
 * child is stopped and waited for, and the root released (unmounted, its lock let go). */
#include "engine/container_files.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>

#include "api/containers.h"
#include "api/routes.h"
#include "engine/rootfs.h"
#include "image/auth.h"
#include "image/layer.h"
#include "util/child.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/json.h"
#include "util/xalloc.h"

/* err (taken) as dockerd answers a copy: a missing path is "Could not find the file", a path
 * that is not a directory to extract into 400, a read-only one 403. */
static int reply_files_err(struct api_req *r, const char *path, struct berr *err)
{
	switch (berr_code(err)) {
	case ENOENT:
		berr_free(err);
		return api_reply_error(r, 404, "Could not find the file %s in container %s", path,
				       r->param);
	case ENOTDIR:
		berr_free(err);
		return api_reply_error(r, 400, "extraction point is not a directory");
	case EROFS: {
		autofree char *msg = berr_string(err);
		berr_free(err);
		return api_reply_error(r, 403, "%s", msg);
	}
	case EEXIST: { /* a directory and a non-directory (noOverwriteDirNonDir): dockerd 20.10's
			* untar runs in a child process (chrootarchive), whose error it wraps so */
		const struct berr *in = err;
		while (in->cause)
			in = in->cause;
		int rr = api_reply_error(r, 500, "Error processing tar file(exit status 1): %s",
					 in->msg);
		berr_free(err);
		return rr;
	}
	}
	return api_reply_berr(r, err);
}

/* A flag of the query as dockerd's httputils.BoolValue reads it: true unless absent, empty,
 * "0", "no", "false" or "none" (any case, spaces around taken off). */
static bool query_flag(struct api_req *r, const char *key)
{
	const char *v = api_query(r, key);
	if (!v)
		return false;
	while (isspace((unsigned char)*v))
		v++;
	size_t n = strlen(v);
	while (n && isspace((unsigned char)v[n - 1]))
		n--;
	static const char *const no[] = {"", "0", "no", "false", "none"};
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		if (strlen(no[i]) == n && !strncasecmp(v, no[i], n))
			return false;
	return true;
}

/* The path parameter, or NULL after a 400 reply (dockerd: "Path cannot be empty"). */
static const char *path_param(struct api_req *r)
{
	const char *path = api_query(r, "path");
	if (!path || !*path) {
		api_reply_error(r, 400, "Path cannot be empty");
		return NULL;
	}
	if (strlen(path) >= 4096) {
		api_reply_error(r, 400, "path too long");
		return NULL;
	}
	return path;
}

/* ---- a tar written by a child, from a root held until the response ends ---- */

struct held {
	int fd; /* the pipe's read end */
	pid_t pid;
	bool files; /* which of the two is held */
	struct eng_files f;
	struct eng_rootfs root;
	const struct eng_store *store; /* with root: whose */
	char id[ENG_ID_LEN + 1];
};

static ssize_t held_read(void *cls, char *buf, size_t max)
{
	struct held *h = cls;
	for (;;) {
		ssize_t n = read(h->fd, buf, max);
		if (n < 0 && errno == EINTR)
			continue;
		return n > 0 ? n : -1;
	}
}

static void held_release(struct held *h)
{
	if (h->files)
		eng_files_close(&h->f);
	else
		eng_rootfs_release(&h->root);
	free(h);
}

static void held_done(void *cls)
{
	struct held *h = cls;
	(void)close(h->fd);
	(void)kill(h->pid, SIGTERM);
	while (waitpid(h->pid, NULL, 0) < 0 && errno == EINTR)
		;
	held_release(h);
}

/* Fork the child that writes the tar (the entry of h->f, or the whole of h->root) and reply
 * with what it writes; h is taken. */
static int reply_tar(struct api_req *r, struct held *h, const char *stat_header)
{
	int fd;
	pid_t pid = child_fork_piped(&fd);
	if (pid < 0) {
		held_release(h);
		return api_reply_error(r, 500, "pipe or fork: %s", strerror((int)-pid));
	}
	if (pid == 0) {
		int rr = h->files ? eng_files_tar_out(&h->f, false, fd, NULL)
				  : eng_files_export(h->store, h->id, &h->root, fd, NULL);
		_exit(rr < 0 ? 1 : 0);
	}
	h->fd = fd;
	h->pid = pid;
	api_reply_stream(r, 200, "application/x-tar", held_read, held_done, h);
	if (stat_header)
		MHD_add_response_header(r->resp, "X-Docker-Container-Path-Stat", stat_header);
	return 0;
}

/* ---- the handlers ---- */

/* GET and HEAD /containers/{id}/archive?path=: the entry's stat in X-Docker-Container-Path-Stat
 * (base64 of its JSON), and for GET the entry as a tar. */
int api_container_archive(struct api_req *r)
{
	char id[ENG_ID_LEN + 1];
	const char *path = NULL;
	if (api_container_target(r, id) < 0 || !(path = path_param(r)))
		return 0;
	struct held *h = xzalloc(sizeof(*h));
	h->files = true;
	struct berr *err = NULL;
	if (eng_files_open(&r->ctx->es, id, path, &h->f, &err) < 0) {
		free(h);
		return reply_files_err(r, path, err);
	}
	struct eng_path_stat st;
	if (eng_files_stat(&h->f, &st, &err) < 0) {
		eng_files_close(&h->f);
		free(h);
		return reply_files_err(r, path, err);
	}
	json_t *doc = eng_path_stat_json(&st);
	eng_path_stat_free(&st);
	autofree char *text = json_dumps(doc, JSON_COMPACT);
	json_decref(doc);
	autofree char *header = img_base64(text, strlen(text));
	if (!strcmp(r->method, "HEAD")) {
		eng_files_close(&h->f);
		free(h);
		api_reply_empty(r, 200);
		MHD_add_response_header(r->resp, "X-Docker-Container-Path-Stat", header);
		return 0;
	}
	return reply_tar(r, h, header);
}

/* PUT /containers/{id}/archive?path=&noOverwriteDirNonDir=&copyUIDGID=: the body, a tar,
 * extracted into the directory path names. img_layer_untar's rules bound it: no entry leaves
 * the directory (absolute names, "..", links out). With noOverwriteDirNonDir (the docker
 * CLI's cp always sends it) a directory and a non-directory never replace one another:
 * dockerd's 500; without it (the API's default) they do, as any entry replaces what is there.
 * Owners come from the tar as sent; with copyUIDGID (`docker cp -a`) and a container User,
 * every entry is that user's (eng_files_owner). */
int api_container_archive_put(struct api_req *r)
{
	char id[ENG_ID_LEN + 1];
	const char *path = NULL;
	if (api_container_target(r, id) < 0 || !(path = path_param(r)))
		return 0;
	struct berr *err = NULL;
	struct img_owner owner;
	bool owned = false;
	if (query_flag(r, "copyUIDGID") &&
	    eng_files_owner(&r->ctx->es, id, &owner, &owned, &err) < 0) {
		/* the container's own User, not the request, is at fault: dockerd's 500 (not a
		 * 404, which the docker CLI would show as a missing path) */
		autofree char *msg = berr_string(err);
		berr_free(err);
		return api_reply_error(r, 500, "%s", msg);
	}
	autoclose int body = api_body_fd(r, &err);
	if (body < 0)
		return api_reply_berr(r, err);
	struct eng_files f;
	if (eng_files_open(&r->ctx->es, id, path, &f, &err) < 0)
		return reply_files_err(r, path, err);
	int rr = eng_files_tar_in_opts(&f, body, owned ? &owner : NULL,
				       !query_flag(r, "noOverwriteDirNonDir"), &err);
	eng_files_close(&f);
	if (rr < 0)
		return reply_files_err(r, path, err);
	return api_reply_empty(r, 200);
}

/* GET /containers/{id}/export: the container's whole filesystem as a tar. */
int api_container_export(struct api_req *r)
{
	char id[ENG_ID_LEN + 1];
	if (api_container_target(r, id) < 0)
		return 0;
	struct held *h = xzalloc(sizeof(*h));
	struct berr *err = NULL;
	if (eng_rootfs_acquire(&r->ctx->es, id, &h->root, &err) < 0) {
		free(h);
		return api_reply_berr(r, err);
	}
	h->store = &r->ctx->es;
	memcpy(h->id, id, sizeof(h->id));
	return reply_tar(r, h, NULL);
}

/* GET /containers/{id}/changes: [{"Path", "Kind"}], null when nothing changed (dockerd's nil
 * slice). */
int api_container_changes(struct api_req *r)
{
	char id[ENG_ID_LEN + 1];
	if (api_container_target(r, id) < 0)
		return 0;
	struct berr *err = NULL;
	json_t *changes = eng_rootfs_changes(&r->ctx->es, id, &err);
	if (!changes)
		return api_reply_berr(r, err);
	if (!json_array_size(changes)) {
		json_decref(changes);
		changes = json_null();
	}
	return api_reply_json(r, 200, changes);
}
