/* A VM running a bundle (issue #7; docs/DESIGN.md "VM isolation"): the executor beside the
 * runtime. vm_boot makes the plan (accelerator, kernel, the initramfs of the guest's shape,
 * virtiofs shares, virtio-serial ports, the guest's config sent first on its control port), starts
 * a virtiofsd per share and QEMU, all children of the caller, in a state directory of mode 0700.
 * The caller then has the host ends of the guest's stdin/stdout/stderr (a terminal: stdout both
 * ways), its exec channel and its control port: vm_wait_started waits for the guest's "started" (or
 * its error), vm_ctl_read takes "exit N", vm_signal sends a signal to the process, vm_stop ends the
 * VM (QMP quit, then SIGKILL) and removes what vm_boot made. The guest is as untrusted as a
 * container: what it sends is parsed in bounded lines. */
#ifndef BERTH_VM_VM_H
#define BERTH_VM_VM_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "vm/guestcfg.h"
#include "vm/qemu.h"

struct berr;
struct rt_spec;

#define VM_MEM_DEFAULT_MB 512
#define VM_MEM_MIN_MB     128
#define VM_BOOT_TIMEOUT_S 60
#define VM_OVERHEAD_MB    256 /* QEMU's own memory beside the guest's, in its cgroup's limit */

struct vm_opts {
	const char *id;        /* for the cgroup's name when config.json gives none */
	const char *state_dir; /* made here (0700), removed by vm_stop */
	const char *cache_dir; /* the initramfs cache */
	const char *init_path; /* the guest init binary */
	const char *kernel;    /* NULL: vm_kernel_find's choice */
	const char *accel;     /* "auto" (NULL), "kvm", "tcg" */
	unsigned mem_mb, cpus; /* 0: defaults */
	const struct rt_spec *spec;
	bool wait_go; /* the guest waits for vm_go before it runs the process (OCI create) */
	const struct vm_nic *nics; /* its networks' TAPs (the caller keeps its fds) */
	size_t n_nics;
	bool template; /* from a template of its shape (vm/template.h), else (or if that
			* fails: why at debug level) a cold boot */
};

struct vm {
	pid_t qemu;
	pid_t fsd[VM_SHARES_MAX];
	size_t n_fsd;
	int ctl, in, out, err; /* our ends; with a terminal, out carries input too */
	int exec;              /* the exec channel (vm/proto.h) */
	int watch;             /* inotify on the bound files' sources, or -1 */
	struct vm_file files[VM_FILES_MAX];
	size_t n_files;
	char *state_dir;
	char *cgroup; /* QEMU's and virtiofsd's, made by vm_boot, or NULL */
	enum vm_accel accel;
	char *warning; /* why TCG, or NULL */
	char line[256];
	size_t line_len;
	unsigned char *ctl_out; /* what waits to be written to ctl: the config, lines after it */
	size_t ctl_out_len, ctl_out_off;
	int exit_code; /* -1 until "exit N" */
};

/* Whether the hypervisor's binary is on PATH. */
bool vm_hypervisor_available(void);

int vm_boot(const struct vm_opts *o, struct vm *out, struct berr **err);
/* Until the guest says "started"; its "error CODE MSG" becomes the error (errno ENOENT for
 * 127, EACCES for 126, EIO else), a guest that ends or says nothing within timeout_s gives
 * the console's last lines. $BERTH_VM_BOOT_TIMEOUT (seconds) overrides timeout_s. */
int vm_wait_started(struct vm *v, int timeout_s, struct berr **err);
/* With wait_go: until the guest says "ready" (set up, the process not yet run); vm_go lets
 * it run it. */
int vm_wait_ready(struct vm *v, int timeout_s, struct berr **err);
int vm_go(struct vm *v);
/* Read what the control port has (non-blocking); 1 once "exit N" came (v->exit_code). */
int vm_ctl_read(struct vm *v);
/* A signal for the process in the guest (SIGKILL: the VM is killed). */
int vm_signal(struct vm *v, int sig);
/* v->watch is readable: each bound file that changed is sent to the guest again on the
 * exec channel exec (the guest rewrites its copy in place). */
void vm_files_changed(struct vm *v, int exec);
/* Pause or resume the VM whose state directory is state_dir (QMP stop and cont: its vCPUs
 * halt, its memory stays). */
int vm_pause(const char *state_dir, bool pause, struct berr **err);
/* The window size of the process's terminal. */
int vm_resize(struct vm *v, unsigned rows, unsigned cols);
/* The last bytes of the console log (caller frees). */
char *vm_console_tail(const struct vm *v, size_t max);
/* End it: QMP quit, SIGKILL if it lingers, the virtiofsds, the state directory. Reaps the
 * children unless the caller did (reaped_qemu). */
void vm_stop(struct vm *v, bool reaped_qemu);

#endif
