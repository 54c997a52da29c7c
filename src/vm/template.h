/* VM templates (issue #21; docs/DESIGN.md "VM templates"): a q35 guest booted once to the
 * point where berth's init waits for its control port, before anything of a container, and
 * saved (its RAM in a file, its devices' state in another: QEMU's migration with
 * x-ignore-shared); a clone is QEMU started on a copy of that RAM with -incoming, restored,
 * and then given what is its own over QMP: its virtiofs shares and NICs (each into a PCIe
 * root port of the template's) and its virtio-serial ports; its config follows on berth.ctl
 * as for a cold boot. QEMU 7.2 can neither migrate virtiofs nor map copy-on-write RAM for it:
 * a clone with virtiofs has a copy of the RAM (sparse), not shared; one with none (a read-only
 * root as a disk, vm/rootimg.h) maps the template's RAM file copy-on-write and plugs the disk
 * in first. */
#ifndef BERTH_VM_TEMPLATE_H
#define BERTH_VM_TEMPLATE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "vm/qemu.h"

struct berr;

/* config.json's annotation (value "true") that asks berth-runtime-vm for a clone, as
 * `berth run --vm-template=true` does */
#define VM_TEMPLATE_ANNOTATION "org.berth.vm.template"

/* Root ports in a template: a clone plugs at most this many shares and NICs together. */
#define VM_TEMPLATE_ROOT_PORTS 6

/* The directory of the template for p (its machine, kernel, initramfs, command line, memory,
 * vCPUs and accelerator; p's devices are not looked at), made under cache_dir first if it is
 * missing or another QEMU's: "ram", "state". Caller frees. */
char *vm_template_get(const char *cache_dir, const struct vm_plan *p, struct berr **err);
/* A copy of the template's RAM at path, holes kept (what the template never touched) and made
 * where its pages are zeros. */
int vm_template_copy_ram(const char *tpl_dir, const char *path, struct berr **err);
/* Restore a clone whose QEMU (p->incoming, its QMP on qmp_path) is starting, then plug in
 * p's shares, NICs and ports. */
int vm_template_restore(const char *qmp_path, const char *tpl_dir, const struct vm_plan *p,
			struct berr **err);
/* Why VM id booted cold: a line in <cache_dir>/template.log (its monitor logs nowhere a user
 * sees; the file starts again past 64 KiB). */
void vm_template_note(const char *cache_dir, const char *id, const char *why);
/* system prune: remove the templates under cache_dir (and any left half made) made before
 * until_ns (0: all), except one being made; count and bytes (on disk) say what went. */
int vm_template_prune(const char *cache_dir, int64_t until_ns, int *count, int64_t *bytes,
		      struct berr **err);
/* Whether a VM starts from a template when nothing says: true (one that a template cannot
 * hold boots cold); BERTH_VM_TEMPLATE=0 (or false; 1 or true) in the environment says
 * otherwise, a test and debug knob. */
bool vm_template_default(void);
/* Whether annotations (config.json's, or NULL) ask for a template: "true" or "false", else
 * vm_template_default(). */
bool vm_template_wanted(const json_t *annotations);

#endif
