/* The build context of `berth build`, and what COPY and ADD select from a source root: the
 * context (with its ignore file) or another stage's or image's root.
 *
 * The ignore file, first found wins:
 *   1. <Containerfile>.dockerignore beside the Containerfile (BuildKit's dockerui reads
 *      "<filename>.dockerignore" from the Containerfile's own directory, then the context's);
 *   2. <Containerfile>.containerignore (podman/buildah's spelling; buildah's ContainerIgnoreFile
 *      also prefers <file>.dockerignore when both exist);
 *   3. .containerignore in the context root (buildah reads it before .dockerignore; BuildKit
 *      does not know it);
 *   4. .dockerignore in the context root.
 * podman's --ignorefile names one file instead of the search. A file that is there but empty
 * still wins (BuildKit takes an empty <file>.dockerignore over .dockerignore).
 *
 * Selection, as BuildKit's dockerfile2llb (dispatchCopy) and tonistiigi/fsutil copy resolve a
 * COPY source, with the build context closed (issue #17 "Bad input"):
 *   - a source is relative to the root; a leading '/' is the root; it is cleaned lexically, and
 *     in the context a ".." that would climb above the root is refused (BuildKit clamps it);
 *   - components from the first one holding an unescaped * ? or [ on are Go filepath.Match
 *     patterns, one per component, matched against the names in the directory the literal
 *     part names; a directory that matches is taken whole. A pattern matching nothing selects
 *     nothing and is no error (BuildKit's AllowEmptyWildcard); a path without patterns that
 *     is missing is BuildKit's "\"/path\": not found";
 *   - a source that is a symbolic link is followed: in the context only to what is in the
 *     context (an absolute target or a ".." above the root is refused, an ignored link or
 *     target is not there), in a stage inside its root (path_open_in_root);
 *   - what a source directory holds is walked without following links (links are copied as
 *     links), in sorted order, with parent directories listed before what they hold;
 *   - in the context, ignored paths are not there at all, as BuildKit's context transfer
 *     leaves them out: a directory the ignore file excludes stays only when an exception keeps
 *     something below it; FIFOs, sockets and device nodes are refused, naming them, and never
 *     opened; owners are the context's and are not used by the copy;
 *   - --exclude patterns (ignore.h syntax) are matched against paths below each selected
 *     entry, relative to it, as fsutil's copier does: the selected entry itself is never
 *     excluded (moby/buildkit#5489, still open: `COPY --exclude=a * .` copies a);
 *   - --parents: an include pattern below a pivot directory selects entries and their parent
 *     directories (the caller splits "pivot/./pattern").
 * Every selection is bounded (entries, bytes of regular files, depth). */
#ifndef BERTH_BUILD_CONTEXT_H
#define BERTH_BUILD_CONTEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "build/glob.h"
#include "build/source.h" /* struct bld_root, bld_source_clean */

struct berr;
struct bld_ignore;

#define BLD_SELECT_ENTRIES_MAX 1000000u      /* entries one COPY/ADD selects */
#define BLD_SELECT_BYTES_MAX   (64ull << 30) /* bytes of regular files one COPY/ADD selects */
#define BLD_SELECT_DEPTH_MAX   128u          /* directories below a selected entry */

struct bld_limits {
	uint64_t entries, bytes; /* 0: the defaults above */
	unsigned depth;
};

/* The context: a directory and the ignore rules found for it. */
struct bld_context;

struct bld_context_opts {
	/* The Containerfile's path, absolute or relative to dockerfile_dirfd (AT_FDCWD; 0 is
	 * taken as AT_FDCWD too): <path>.dockerignore is looked for beside it. NULL: there is no
	 * Containerfile on disk (-f -). */
	const char *dockerfile;
	int dockerfile_dirfd;
	const char *ignore_file; /* podman's --ignorefile (same dirfd), or NULL */
};

/* Open the context dirfd/path (path NULL: dirfd itself) and read its ignore file. The
 * ignore files are user files beside the Containerfile: only regular files are read. */
int bld_context_open(int dirfd, const char *path, const struct bld_context_opts *opts,
		     struct bld_context **out, struct berr **err);
void bld_context_free(struct bld_context *ctx);
/* The context's O_PATH directory fd (owned by ctx). */
int bld_context_fd(const struct bld_context *ctx);
/* The ignore rules (NULL when no file was found) and the name of the file they came from. */
const struct bld_ignore *bld_context_ignore(const struct bld_context *ctx);
const char *bld_context_ignore_name(const struct bld_context *ctx);

void bld_context_root(const struct bld_context *ctx, struct bld_root *out);

/* One file, directory, link or node that a selection holds, as lstat saw it (a selected
 * source itself: after its links were followed). */
struct bld_entry {
	char *path; /* below the match, slash-separated; "" for the match itself */
	mode_t mode;
	uid_t uid;
	gid_t gid;
	dev_t dev, rdev;
	ino_t ino;
	nlink_t nlink;
	off_t size;
	struct timespec atime, mtime;
	char *link; /* a symbolic link's target, else NULL */
};

/* One source as selected: a named path or one match of a pattern, and all below it. */
struct bld_match {
	char *name;          /* relative to the root, links not followed ("src/a.c"; "" the root) */
	struct bld_entry *v; /* v[0] the match itself, then what it holds in sorted walk order */
	size_t n;
};

struct bld_selection {
	struct bld_match *v;
	size_t n;
	uint64_t entries, bytes; /* totals, checked against the limits */
};

struct bld_select_opts {
	const struct bld_ignore *exclude; /* --exclude, or NULL */
	const struct bld_ignore *include; /* --parents: the pattern below the pivot, or NULL */
	const char *required; /* --parents without wildcards: this path below the pivot must be
				 selected, else "not found" */
	struct bld_limits limits;
};

/* Resolve src (variables already expanded) in root and append what it selects to sel. */
int bld_select(const struct bld_root *root, const char *src, const struct bld_select_opts *o,
	       struct bld_selection *sel, struct berr **err);
void bld_selection_clear(struct bld_selection *sel);

/* A selection read again, entry by entry, through descriptors: the match is resolved as it
 * was selected, everything below it opened one name at a time with O_NOFOLLOW, and each entry
 * must still be the one listed (type, device, inode), else ESTALE. */
struct bld_walk {
	const struct bld_root *root;
	const struct bld_match *m;
	size_t next;
	int dirs[BLD_SELECT_DEPTH_MAX + 2]; /* O_PATH fds of the open directories by depth */
	unsigned n_dirs;
	int cur; /* the last non-directory returned */
};
int bld_walk_start(struct bld_walk *w, const struct bld_root *root, const struct bld_match *m,
		   struct berr **err);
/* 1 and the next entry with an O_PATH fd of it (valid until the next call), 0 at the end. */
int bld_walk_next(struct bld_walk *w, const struct bld_entry **out_e, int *out_fd,
		  struct berr **err);
void bld_walk_end(struct bld_walk *w);

#endif
