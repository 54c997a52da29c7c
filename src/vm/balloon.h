/* A running VM's balloon (virtio-balloon, vm/qemu.c): how much of the memory it booted with its
 * guest may use, set over QMP (`update --memory`). */
#ifndef BERTH_VM_BALLOON_H
#define BERTH_VM_BALLOON_H

#include <stdint.h>

struct berr;

/* The guest of the VM in state_dir (its QMP socket there) is given bytes of its memory: the
 * balloon driver takes the rest back from it. Refused (EINVAL) above the memory it booted with
 * (a VM's memory does not grow while it runs) and below VM_MEM_MIN_MB; a VM with no balloon
 * (a clone mapping its template's RAM) answers QEMU's error. */
int vm_balloon_set(const char *state_dir, int64_t bytes, struct berr **err);

#endif
