/* berth-runtime-vm's systemd mode: a bundle whose process is a system's init boots it as the
 * guest's PID 1, as `berth run --isolation vm --systemd` does (see shim_systemd.c). */
#ifndef BERTH_VM_SHIM_SYSTEMD_H
#define BERTH_VM_SHIM_SYSTEMD_H

#include <jansson.h>
#include <stdbool.h>

/* Whether config.json (spec) asks for systemd mode, and if so, spec rewritten for a VM (id:
 * the container's, for the machine id): the annotation VM_SYSTEMD_ANNOTATION set (the guest
 * init hands over), org.berth.container.id unless given, and what podman's --systemd gives a
 * container that a machine must not have removed: `container` and `container_uuid` in PID 1's
 * environment, mounts at or below /sys/fs/cgroup (the host's cgroups) and at /run/.containerenv
 * (podman's mark of a container). Asks: berth's
 * annotation ("true"); from podman (annotation io.container.manager=libpod), its systemd mode,
 * which it marks with container_uuid in the environment (--systemd=true with an init as the
 * command, or always); from another caller (containerd, CRI-O), a process whose command is
 * an init: /sbin/init, /usr/sbin/init, /usr/local/sbin/init or a file named systemd
 * (podman's list, as eng_systemd_decide). */
bool vm_rt_systemd(json_t *spec, const char *id);

#endif
