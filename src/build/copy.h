/* COPY and ADD as BuildKit applies them (dockerfile2llb dispatchCopy, solver/llbsolver/file
 * backend.go, tonistiigi/fsutil copy): a plan first (sources selected, see context.h; options
 * parsed), its content checksum for the build cache, then the copy into a destination root.
 *
 * The destination ("Destination" in the Dockerfile reference, fsutil's Copy and
 * prepareTargetDir):
 *   - relative to the caller's WORKDIR unless it starts with '/'; cleaned, ".." clamped at /;
 *   - it names a directory when written with a trailing '/' (also "/.", ".", ""); then it is
 *     made (mkdir -p) and every source goes inside it. Otherwise its parent is made, and:
 *     a file source becomes the destination itself unless that is an existing directory (then
 *     dest/<source name>); a directory source's contents are copied into the destination,
 *     which is made if missing (the directory contents rule: never the directory itself);
 *   - more than one selected source into a destination that neither ends in '/' nor is an
 *     existing directory is refused unless every source is a directory (Docker's legacy rule;
 *     BuildKit lets the last file win);
 *   - directories the copy makes on the way get 0755 and the --chown owner (else root): the
 *     mode of docker 20.10's BuildKit and podman; BuildKit since 2025 (fsutil#228, Docker 28.1)
 *     gives them the --chmod mode instead (moby/moby#49851: a 0644 directory nobody enters);
 *   - inside a source directory, what exists at the destination is merged: directories into
 *     directories (their metadata overwritten), anything else replaced; a directory onto a
 *     non-directory or the reverse is an error. The destination directory a source's contents
 *     go into keeps its owner and mode and takes the source directory's times.
 * Every name in the destination root is reached with path_open_in_root (links resolved inside
 * it: the root is an image a base could fill with links) and created with O_NOFOLLOW / O_EXCL
 * on a parent fd; owners, modes, xattrs and times are set through the fds of what was made.
 *
 * What an entry gets: owner 0:0 from the context (its owners are not kept), the source's owner
 * from a stage, the --chown user for both when given (user: "name", "uid", "root";
 * group: the same; "uid" alone gives gid = uid, a name its passwd group; names are looked up
 * in the destination's /etc/passwd and /etc/group and must be there, as the reference says:
 * BuildKit's code takes a missing name as 0). Mode: the source's, or --chmod (octal 0-7777, or
 * chmod(1) symbolic as BuildKit >= 1.14 with umask 0: "u=rwX,go=rX", "+x"; links keep theirs).
 * Times: the source's (the context's atime is its mtime, as the context transfer sends it).
 * xattrs user.*, security.capability and POSIX ACLs are copied (failures skipped, as BuildKit
 * does); hard links within one source stay hard links (fsutil's inode map; the first 256
 * inodes with several links per source).
 *
 * ADD: a selected regular file that is a tar (plain, gzip, bzip2, xz or zstd: by content, as
 * Docker's DecompressStream and Go's tar reader decide) is extracted into the destination
 * (made as a directory) by img_layer_untar, the layer applier's rules, instead of copied,
 * unless --unpack=false; --chown then owns every extracted entry (BuildKit's ChownOpts),
 * --chmod does not apply. URLs and git sources are the executor's (not handled here).
 * --link changes caching only: the result is the same. */
#ifndef BERTH_BUILD_COPY_H
#define BERTH_BUILD_COPY_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "build/archive.h"
#include "build/context.h"

struct berr;
struct idshift;
struct bld_chmod;

#define BLD_COPY_DIGEST_LEN 71 /* "sha256:" + 64 hex */

struct bld_copy_opts {
	char *const *srcs; /* sources, variables expanded; local paths only */
	size_t n_srcs;
	const char *dest;
	const char *workdir;  /* the stage's WORKDIR, absolute; NULL: "/" */
	const char *chown;    /* --chown, or NULL ("" is none: an empty expansion) */
	const char *chmod;    /* --chmod, or NULL */
	char *const *exclude; /* --exclude patterns */
	size_t n_exclude;
	bool parents;   /* --parents: "pivot/./path" keeps path below the destination */
	bool add;       /* ADD: local tar archives are extracted */
	bool no_unpack; /* ADD --unpack=false */
	bool link;      /* --link: accepted, same result */
	struct bld_limits limits;
};

struct bld_copy_plan {
	struct bld_root src;
	struct bld_selection sel;  /* every source's matches, in order */
	enum bld_archive *archive; /* per match: ADD extracts it */
	char *dest;                /* absolute, clean */
	bool dest_dir;             /* written as a directory (trailing '/') */
	char *chown, *chmod;       /* as given, or NULL */
	struct bld_chmod *mode;    /* --chmod parsed, or NULL */
	bool parents, unpack, link;
	const char *cmd; /* "COPY" or "ADD", for messages */
};

/* Select the sources in src and check the options. Nothing is written. */
int bld_copy_plan(const struct bld_root *src, const struct bld_copy_opts *o,
		  struct bld_copy_plan **out, struct berr **err);
void bld_copy_plan_free(struct bld_copy_plan *p);

/* The permission bits (07777) an entry of type and mode st_mode gets. */
mode_t bld_copy_mode(const struct bld_copy_plan *p, mode_t st_mode);

/* "sha256:<hex>" over what the copy takes and how, for the build cache: a version line; the
 * source kind (context or stage); the destination as planned and whether it is a directory;
 * --chown and --chmod as written; --parents; whether archives are extracted; then per match
 * its name and archive kind, and per entry in walk order: its path below the match, type and
 * permission bits, owner (only from a stage without --chown: the context's are not used), a
 * device's number, a link's target, a regular file's SHA-256 and its copied xattrs, and for a
 * file with several links the entry where its inode first appeared. Not in
 * it: times, the context's owners, --link, --exclude (its effect is in the entries). Files
 * are read through fs_open_regular; one that changed since the plan is ESTALE. */
int bld_copy_checksum(const struct bld_copy_plan *p, char out[BLD_COPY_DIGEST_LEN + 1],
		      struct berr **err);

struct bld_copy_env {
	const struct idshift *ids; /* owners as the destination stores them (a build in a user
				      namespace), NULL: as they are */
	const char *tmpdir;        /* scratch for ADD: NULL is /var/tmp */
};

/* Do the plan into destfd, the step's root (the merged overlay: writes land in the new
 * layer). */
int bld_copy_apply(const struct bld_copy_plan *p, int destfd, const struct bld_copy_env *env,
		   struct berr **err);

#endif
