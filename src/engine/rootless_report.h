/* What a rootless user has and lacks (issue #22), for `berth system check` run by that user:
 * the facts rootless podman's documentation (rootless.md, its troubleshooting) and Docker's
 * `dockerd-rootless-setuptool.sh check` name, each probed in the user's namespaces as berth
 * uses them: the subordinate ids, newuidmap/newgidmap, overlayfs in the user namespace or
 * fuse-overlayfs, pasta, ports below 1024, cgroup delegation, KVM and QEMU for
 * --isolation vm. */
#ifndef BERTH_ENGINE_ROOTLESS_REPORT_H
#define BERTH_ENGINE_ROOTLESS_REPORT_H

#include <jansson.h>

/* The facts, in order, [{"Has": bool, "What": "..."}, ...]: "What" says what the user has,
 * or what it lacks and what that costs (and the fix where there is one). Call it inside the
 * user's namespaces (after eng_rootless_enter); runroot is the user's run root, where the
 * overlayfs probe mounts (and removes) a scratch overlay. Empty for root. */
json_t *eng_rootless_report(const char *runroot);

#endif
