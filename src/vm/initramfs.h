/* berth's initramfs for a VM: the guest init (share/berth/berth-vm-init, static) as /init, the
 * kernel modules it loads (what `wanted` names and what they need, from modules.dep, in
 * load order) under /lib/modules with their order in /modules, and the directories the init
 * mounts on. Built once per guest shape (init, kernel's modules, the modules wanted), kept
 * under the cache directory and given to every VM of that shape as it is: nothing in it is a
 * container's (the config goes on berth.ctl, vm/proto.h), so a template of the shape can
 * hold it too. */
#ifndef BERTH_VM_INITRAMFS_H
#define BERTH_VM_INITRAMFS_H

#include <stddef.h>

struct berr;

/* What the guest needs of a Debian cloud kernel: virtio over MMIO (found through microvm's
 * ACPI tables), virtio-serial, virtiofs. */
extern const char *const vm_modules_wanted[];
/* The same over PCI (q35: a template's machine). */
extern const char *const vm_modules_wanted_pci[];

/* The modules (paths as modules.dep has them) for wanted and their dependencies, each after
 * what it needs; NULL-terminated, caller frees (strv_free). ENOENT names a missing one. */
char **vm_modules_order(const char *modules_dep, const char *const *wanted, struct berr **err);

/* The cached archive for init, modules_dir (/lib/modules/<release>) and the modules wanted
 * (vm_modules_wanted or _pci), made if missing; its path (caller frees). */
char *vm_initramfs_base(const char *cache_dir, const char *init_path, const char *modules_dir,
			const char *const *wanted, struct berr **err);

#endif
