/* ADD of a git repository (see git.h): the reference parsed, git run in the build's scratch
 * space. Deciding (the reference) and doing (the fetch) are apart; the fetch runs git as a
 * child with an environment of its own, never through a shell. */
#include "build/git.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/cleanup.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/spawn.h"
#include "util/xalloc.h"

#define GIT_OUT_MAX (64 << 10) /* what is kept of git's stdout or stderr */
#define GIT_ARGS    24

void bld_git_ref_clear(struct bld_git_ref *r)
{
	if (!r)
		return;
	free(r->remote);
	free(r->ref);
	free(r->subdir);
	*r = (struct bld_git_ref){0};
}

/* A subdir stays inside the checkout and is taken literally (the copy plan would read '*', '?',
 * '[' or '\' as a pattern). */
static bool subdir_ok(const char *s)
{
	if (strpbrk(s, "*?[\\"))
		return false;
	for (const char *p = s; *p;) {
		size_t n = strcspn(p, "/");
		if (n == 2 && !strncmp(p, "..", 2))
			return false;
		p += n;
		p += *p == '/';
	}
	return true;
}

int bld_git_ref_parse(const char *src, struct bld_git_ref *out, struct berr **err)
{
	const char *hash = strchr(src, '#');
	struct bld_git_ref r = {.remote =
				    hash ? xstrndup(src, (size_t)(hash - src)) : xstrdup(src)};
	if (hash) {
		const char *frag = hash + 1, *colon = strchr(frag, ':');
		size_t reflen = colon ? (size_t)(colon - frag) : strlen(frag);
		if (reflen)
			r.ref = xstrndup(frag, reflen);
		const char *sub = colon ? colon + 1 : "";
		while (*sub == '/')
			sub++;
		if (*sub)
			r.subdir = xstrdup(sub);
	}
	int rc = 0;
	if (!*r.remote)
		rc = berr_plain(err, EINVAL, "invalid git reference '%s'", src);
	else if (r.subdir && !subdir_ok(r.subdir))
		rc = berr_plain(err, EINVAL, "invalid subdirectory '%s' of git reference '%s'",
				r.subdir, src);
	else if (r.ref && (r.ref[0] == '-' || strpbrk(r.ref, " \t\n")))
		rc = berr_plain(err, EINVAL, "invalid ref '%s' of git reference '%s'", r.ref, src);
	if (rc < 0) {
		bld_git_ref_clear(&r);
		return rc;
	}
	*out = r;
	return 0;
}

/* ---- running git ---- */

/* The remote as messages show it: no password in a URL's user part (BuildKit redacts too). */
static char *redacted(const char *remote)
{
	const char *auth = strstr(remote, "://");
	if (!auth)
		return xstrdup(remote);
	auth += 3;
	const char *at = strchr(auth, '@'), *slash = strchr(auth, '/');
	if (!at || (slash && slash < at))
		return xstrdup(remote);
	return xasprintf("%.*sxxxxx%s", (int)(auth - remote), remote, at);
}

/* git ARGS... in dir, with an environment of its own; 0 when it exits 0, else its last line
 * of stderr in *out_msg. *out_stdout (when asked) gets what it printed. */
static int git(const char *dir, const char *ssh_sock, char **out_stdout, char **out_msg,
	       const char *const *args)
{
	const char *argv[GIT_ARGS + 6] = {"git", "-c", "protocol.file.allow=never", "-c",
					  "protocol.ext.allow=never"};
	size_t n = 5;
	for (size_t i = 0; args[i] && n < GIT_ARGS; i++)
		argv[n++] = args[i];
	const char *path = getenv("PATH");
	autofree char *path_var =
	    xasprintf("PATH=%s", path ? path : "/usr/local/bin:/usr/bin:/bin");
	autofree char *home_var =
	    xasprintf("HOME=%s", dir); /* no user's configuration or credentials */
	autofree char *sock_var = ssh_sock ? xasprintf("SSH_AUTH_SOCK=%s", ssh_sock) : NULL;
	char *env[] = {
	    path_var,
	    home_var,
	    "GIT_CONFIG_NOSYSTEM=1",
	    "GIT_CONFIG_GLOBAL=/dev/null",
	    "GIT_TERMINAL_PROMPT=0",
	    "GIT_SSH_COMMAND=ssh -F /dev/null -o StrictHostKeyChecking=no -o BatchMode=yes",
	    "LC_ALL=C",
	    sock_var,
	    NULL,
	};
	struct spawn_opts o = {.argv = argv,
			       .envp = env,
			       .dir = dir,
			       .out = SPAWN_OUT_CAPTURE,
			       .out_max = GIT_OUT_MAX,
			       .err_max = GIT_OUT_MAX,
			       .umask = 022};
	struct spawn_result res;
	struct berr *err = NULL;
	int r = spawn_run(&o, &res, &err);
	berr_clear(&err); /* the caller words its own error from r and *out_msg */
	if (r == 0 && out_stdout)
		*out_stdout = take_ptr(&res.out);
	if (res.not_found)
		r = -ENOENT;
	else if (r == -EIO)
		*out_msg = xstrdup(*res.err ? spawn_last_line(res.err) : "git failed");
	spawn_result_free(&res);
	return r;
}

/* A name git may take for a commit: hex, 4 to 64 digits. */
static bool hex_name(const char *s)
{
	size_t n = strspn(s, "0123456789abcdefABCDEF");
	return !s[n] && n >= 4 && n <= BLD_GIT_COMMIT_MAX;
}

/* The ref fetched, shallow; a commit's name that the server will not give by itself is found
 * in a whole fetch (as BuildKit's git source falls back). *out_target what to check out. */
static int fetch(const char *dir, const struct bld_git_opts *o, const char **out_target, char **msg)
{
	const char *ref = o->ref->ref ? o->ref->ref : "HEAD";
	const char *shallow[] = {"-C",        "repo",   "fetch", "-q", "--depth=1",
				 "--no-tags", "origin", ref,     NULL};
	int r = git(dir, o->ssh_sock, NULL, msg, shallow);
	*out_target = "FETCH_HEAD";
	if (r == -EIO && hex_name(ref)) {
		free(*msg);
		*msg = NULL;
		const char *whole[] = {"-C", "repo", "fetch", "-q", "--no-tags", "origin", NULL};
		r = git(dir, o->ssh_sock, NULL, msg, whole);
		*out_target = ref;
	}
	return r;
}

int bld_git_fetch(const char *dir, const struct bld_git_opts *o,
		  char out_commit[BLD_GIT_COMMIT_MAX + 1], struct berr **err)
{
	autofree char *msg = NULL, *head = NULL, *remote = redacted(o->ref->remote);
	const char *target = NULL;
	const char *init[] = {"init", "-q", "repo", NULL};
	const char *add[] = {"-C", "repo", "remote", "add", "origin", o->ref->remote, NULL};
	int r = git(dir, NULL, NULL, &msg, init);
	if (r == 0)
		r = git(dir, NULL, NULL, &msg, add);
	if (r == 0)
		r = fetch(dir, o, &target, &msg);
	const char *checkout[] = {"-C", "repo", "checkout", "-q", "--detach", target, NULL};
	const char *rev[] = {"-C", "repo", "rev-parse", "HEAD", NULL};
	const char *subs[] = {"-C",     "repo",        "submodule", "-q", "update",
			      "--init", "--recursive", "--depth=1", NULL};
	if (r == 0)
		r = git(dir, NULL, NULL, &msg, checkout);
	if (r == 0)
		r = git(dir, NULL, &head, &msg, rev);
	if (r == 0)
		r = git(dir, o->ssh_sock, NULL, &msg, subs);
	if (r == -ENOENT)
		return berr_plain(err, ENOENT,
				  "failed to fetch remote %s: git is not installed (the git "
				  "package)",
				  remote);
	if (r < 0)
		return berr_plain(err, -r == EIO ? EIO : -r, "failed to fetch remote %s: %s",
				  remote, msg ? msg : strerror(-r));
	head[strcspn(head, "\r\n")] = '\0';
	if (!hex_name(head))
		return berr_plain(err, EIO, "failed to fetch remote %s: no commit", remote);
	if (o->checksum && strncmp(head, o->checksum, strlen(o->checksum)))
		return berr_plain(err, EINVAL, "expected checksum to match %s, got %s", o->checksum,
				  head);
	if (!o->keep_git_dir) {
		autofree char *gitdir = xasprintf("%s/repo/.git", dir);
		if (fs_rm_rf(AT_FDCWD, gitdir, err) < 0)
			return berr_wrap(err, "remove the checkout's .git");
	}
	snprintf(out_commit, BLD_GIT_COMMIT_MAX + 1, "%s", head);
	return 0;
}
