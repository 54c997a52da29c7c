/* A running VM's balloon (see balloon.h). */
#include "vm/balloon.h"

#include <errno.h>
#include <jansson.h>

#include "util/cleanup.h"
#include "util/err.h"
#include "util/xalloc.h"
#include "vm/qmp_conn.h"
#include "vm/vm.h"

#define BALLOON_TIMEOUT_MS 5000

/* The memory the VM booted with, in bytes (QEMU's base memory). */
static int boot_memory(struct vm_qmp *q, int64_t *out_bytes, struct berr **err)
{
	json_t *sum = NULL;
	int r = vm_qmp_run(q, "query-memory-size-summary", NULL, -1, &sum, err);
	json_int_t base = json_integer_value(json_object_get(sum, "base-memory"));
	json_decref(sum);
	if (r < 0)
		return r;
	if (base <= 0)
		return berr_plain(err, EPROTO, "QEMU did not say the VM's memory");
	*out_bytes = base;
	return 0;
}

int vm_balloon_set(const char *state_dir, int64_t bytes, struct berr **err)
{
	autofree char *path = xasprintf("%s/qmp.sock", state_dir);
	struct vm_qmp q = {.fd = -1};
	int64_t booted = 0;
	int r = vm_qmp_open(path, BALLOON_TIMEOUT_MS, &q, err);
	if (r == 0)
		r = boot_memory(&q, &booted, err);
	if (r == 0 && bytes > booted)
		r = berr_plain(
		    err, EINVAL,
		    "a running VM's memory can shrink, not grow: it booted with %lld MiB, "
		    "%lld bytes asked (stop it, update, start it)",
		    (long long)(booted >> 20), (long long)bytes);
	if (r == 0 && bytes < (int64_t)VM_MEM_MIN_MB << 20)
		r = berr_plain(err, EINVAL, "a VM's memory is at least %d MiB: %lld bytes asked",
			       VM_MEM_MIN_MB, (long long)bytes);
	if (r == 0)
		r = vm_qmp_run(&q, "balloon", json_pack("{s:I}", "value", (json_int_t)bytes), -1,
			       NULL, err);
	vm_qmp_close(&q);
	return r < 0 ? berr_wrap(err, "set the VM's memory") : 0;
}
