/* The container's /dev: the default devices and links, the config's linux.devices, and the
 * container's /dev/null as the masks use it. */
#ifndef BERTH_RUNTIME_DEV_H
#define BERTH_RUNTIME_DEV_H

#include "runtime/spec.h"

struct berr;

/* Inside the root at rootfd (before pivot_root): unless /dev is a bind mount, the default
 * devices (null, zero, full, random, urandom, tty) and links (fd, stdin, stdout, stderr, core,
 * ptmx); then every linux.devices entry. node_fds (or NULL) are the nodes the runtime made on
 * the host for a user namespace (rt_mount_open_sources). Every node is checked, once made, to
 * be the device asked for (a racing container sharing /dev could swap it for a link). */
int rt_dev_setup(int rootfd, const struct rt_spec *spec, const int *node_fds, struct berr **err);

/* An O_PATH fd of <rootfd>/dev/null, which must be the character device 1:3 itself, not a
 * symlink, a file or another device (runc CVE-2025-31133: a bind of a /dev/null that was a link
 * to /proc/sys/kernel/core_pattern unmasked what it was meant to hide). */
int rt_dev_open_null(int rootfd, struct berr **err);

#endif
