/* Which accelerator a VM gets, and which guest kernel. KVM only where the host's KVM runs
 * standard guests (kvm_intel or kvm_amd loaded, /dev/kvm there): a kvm_pvm host's /dev/kvm
 * boots only PVM-built kernels, and a standard one hangs right after the decompressor. Else
 * QEMU's TCG, with one warning. */
#ifndef BERTH_VM_ACCEL_H
#define BERTH_VM_ACCEL_H

#include "vm/qemu.h"

struct berr;

/* want: "auto" (or NULL), "kvm", "tcg". *out_warning (caller frees) says why TCG when auto
 * falls back to it, else NULL. EINVAL for kvm where it cannot run standard guests. */
int vm_accel_pick(const char *want, enum vm_accel *out, char **out_warning, struct berr **err);
const char *vm_accel_name(enum vm_accel a);

/* The host's TSC rate in kHz (TCG's guest TSC is the host's), from /proc/cpuinfo. */
unsigned vm_host_tsc_khz(void);

/* The guest kernel: path (or $BERTH_VM_KERNEL, else the newest /boot/vmlinuz-*-cloud-amd64,
 * Debian's linux-image-cloud-amd64) and its modules directory (/lib/modules/<release>). */
int vm_kernel_find(const char *path, char **out_kernel, char **out_modules, struct berr **err);

#endif
