/* ADD of a git repository (`ADD https://host/repo.git#ref:subdir /dst`, `git@host:repo`,
 * `git://`, `ssh://`), as BuildKit's Dockerfile frontend (dfgitutil.ParseGitRef) names it and
 * its git source fetches it: a shallow fetch of the ref (HEAD when none) into a directory of
 * the build's scratch space, checked out detached, submodules too, and no .git unless
 * --keep-git-dir. git itself runs (Debian's git), with no user or system configuration, no
 * prompt, no file:// or ext:: transports (a submodule may not read the host's files), and for
 * ssh the build's "default" agent (--ssh default), host keys not checked (BuildKit's default
 * without known_hosts). */
#ifndef BERTH_BUILD_GIT_H
#define BERTH_BUILD_GIT_H

#include <stdbool.h>

struct berr;

#define BLD_GIT_COMMIT_MAX 64 /* hex: SHA-1 (40) or SHA-256 (64) object names */

/* A repository reference: the remote (no fragment), the ref after '#' (NULL: HEAD) and the
 * directory after ':' in the fragment (NULL: the whole tree). */
struct bld_git_ref {
	char *remote;
	char *ref;
	char *subdir;
};

/* src (a BLD_SOURCE_GIT source) into out; a subdir with ".." or a pattern character, or an
 * empty remote, refused. */
int bld_git_ref_parse(const char *src, struct bld_git_ref *out, struct berr **err);
void bld_git_ref_clear(struct bld_git_ref *r);

struct bld_git_opts {
	const struct bld_git_ref *ref;
	bool keep_git_dir;
	const char *checksum; /* --checksum: the commit's name starts with it, or NULL */
	const char *ssh_sock; /* an agent for ssh remotes, or NULL */
};

/* The repository checked out into dir/repo (dir: a new empty directory of ours); out_commit
 * gets the commit's full name. BuildKit's messages: "failed to fetch remote REMOTE: ...",
 * "expected checksum to match X, got Y". */
int bld_git_fetch(const char *dir, const struct bld_git_opts *o,
		  char out_commit[BLD_GIT_COMMIT_MAX + 1], struct berr **err);

#endif
