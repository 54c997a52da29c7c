/* A clone's block root (issue #21; docs/DESIGN.md "VM templates", "A copy-on-write clone"):
 * the container's root as a read-only ext4 image (mkfs.ext4 -d), cached under the VM cache
 * directory and keyed by what the tree holds (every entry's path, type, mode, owner, size,
 * times and link target), so the containers of one image share one file and its page cache
 * until something in a root changes; one unused for VM_ROOTIMG_KEEP_S goes when another is
 * made, and all go with `system prune`. A clone with no virtiofs maps its template's RAM
 * copy-on-write; this is the root it can have. */
#ifndef BERTH_VM_ROOTIMG_H
#define BERTH_VM_ROOTIMG_H

#include <stdint.h>

struct berr;

/* The image of the tree at root (made under cache_dir first if missing): its path, caller
 * frees. Refused (E2BIG) past VM_ROOTIMG_ENTRIES_MAX entries. */
#define VM_ROOTIMG_ENTRIES_MAX 200000
char *vm_rootimg_get(const char *cache_dir, const char *root, struct berr **err);
/* Images unused this long are removed when another is made. */
#define VM_ROOTIMG_KEEP_S (7 * 24 * 3600)
/* system prune: remove the images under cache_dir last used before until_ns (0: all); count
 * and bytes say what went. */
void vm_rootimg_prune(const char *cache_dir, int64_t until_ns, int *count, int64_t *bytes);

#endif
