/* A tree of a container's files as a tar stream: `berth export` (the whole root) and
 * `berth cp CONTAINER:PATH -` (one entry and what it holds). The walk does not follow
 * symbolic links and does not cross into other mounts. */
#ifndef BERTH_ENGINE_TARBALL_H
#define BERTH_ENGINE_TARBALL_H

struct berr;
struct idshift;

/* dirfd/name (name NULL: dirfd itself, which may be an O_PATH fd of any file) into out_fd as a
 * POSIX (pax) tar. Entries are named as `as` followed by their path under the entry: as "." gives
 * ".", "./etc", ...; as "etc" gives "etc", "etc/passwd", ...; as "" gives ".", "etc", ...
 * Owners are translated by ids (NULL: as they are). */
int eng_tarball_write(int dirfd, const char *name, const char *as, int out_fd,
		      const struct idshift *ids, struct berr **err);

#endif
