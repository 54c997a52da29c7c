/* The newc ("070701") cpio format the kernel unpacks an initramfs from: entries written one
 * after another into a growing buffer, closed by the TRAILER!!! entry. Archives may be
 * concatenated: the kernel unpacks each in turn (Documentation/driver-api/early-userspace/
 * buffer-format.rst), which is how a cached base and a small per-boot part become one. */
#ifndef BERTH_VM_CPIO_H
#define BERTH_VM_CPIO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct vm_cpio {
	char *data;
	size_t len, cap;
	uint32_t ino;
};

void vm_cpio_dir(struct vm_cpio *c, const char *name, mode_t mode);
void vm_cpio_file(struct vm_cpio *c, const char *name, mode_t mode, const void *data, size_t len);
void vm_cpio_trailer(struct vm_cpio *c);
void vm_cpio_free(struct vm_cpio *c);

/* For tests: the entry at *off (name, mode, data), *off moved past it; -1 at the end or on a
 * malformed entry. */
int vm_cpio_next(const char *data, size_t len, size_t *off, char *name, size_t name_cap,
		 uint32_t *out_mode, const char **out_data, size_t *out_len);

#endif
