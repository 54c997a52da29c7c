/* A procfs the runtime trusts, and files opened in it without following anything a container
 * could have put in the way (runc CVE-2025-52881, docs/DESIGN.md "Paths the container does not
 * decide"). */
#ifndef BERTH_UTIL_PROCFS_H
#define BERTH_UTIL_PROCFS_H

#include <stddef.h>

struct berr;

/* The root of a procfs no container can mount anything onto: a detached clone of the caller's
 * /proc mount (open_tree(OPEN_TREE_CLONE): its submounts are not in it, and only holders of the
 * fd reach it), else a fresh detached instance (fsopen("proc")), else, on kernels before 5.2,
 * the caller's /proc itself. Checked to be a procfs root (fstatfs magic, inode 1). Call it
 * before joining a container's mount namespace: the caller's /proc is what it clones. */
int procfs_open(struct berr **err);

/* Open path under the procfs at procfd ("sys/net/ipv4/ip_forward", "1234/uid_map"). A leading
 * "self/" or "thread-self/" is the caller as that procfs's pid namespace sees it (read from its
 * own "self" link), so a handle opened before entering a child pid namespace still names the
 * caller. Nothing on the way is followed: no symlink, no magic link, no mount point
 * (openat2 RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_XDEV; without openat2 a walk one
 * name at a time with O_NOFOLLOW that stays on the procfs's device), and the file opened must be
 * procfs's. Never creates. */
int procfs_openat(int procfd, const char *path, int flags, struct berr **err);
/* Follow the magic link name (a descriptor's "fd/N", a namespace's "ns/net") in the directory dir,
 * itself opened as above: the one jump the link makes is the kernel's own, from procfs's own
 * directory. procfs_reopen(procfd, fd, flags) opens again, with flags, what our fd holds (an
 * O_PATH handle checked first: no open(2) of a device before it is known to be the right one). */
int procfs_open_link(int procfd, const char *dir, const char *name, int flags, struct berr **err);
int procfs_reopen(int procfd, int fd, int flags, struct berr **err);
/* Write data to an existing procfs file, opened as above. */
int procfs_write(int procfd, const char *path, const char *data, size_t len, struct berr **err);

#endif
