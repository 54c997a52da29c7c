/* What the guest init gets of a bundle's config.json: a plan made on the host (deciding),
 * then written as NUL-separated "key=value" records into /berth/config (doing). The guest
 * side reads it in src/vm/guest/init.c. Directories bound into the container become
 * virtiofs shares ("volN"); small files bound in (hosts, hostname, resolv.conf) travel as
 * their content; proc, sysfs, /dev, devpts and /dev/shm are the guest's own. */
#ifndef BERTH_VM_GUESTCFG_H
#define BERTH_VM_GUESTCFG_H

#include <stdbool.h>
#include <stddef.h>

struct berr;
struct rt_process;
struct rt_spec;

#define VM_SHARES_MAX 16
#define VM_FILE_MAX   (256 << 10) /* a bound file carried as content: at most this */

struct vm_share {
	char tag[16];      /* "root", "vol0", ... */
	char *source;      /* host directory */
	char *destination; /* in the container; NULL for the root */
	bool readonly;
};

#define VM_FILES_MAX 16

/* config.json's annotation (value "true") for systemd mode: the image's init becomes the
 * guest's PID 1 (docs/DESIGN.md, "A system image as a VM") */
#define VM_SYSTEMD_ANNOTATION "org.berth.systemd"

struct vm_guest_plan {
	struct vm_share shares[VM_SHARES_MAX]; /* [0] is the root */
	size_t n_shares;
	struct vm_file {
		char *source, *destination;
	} files[VM_FILES_MAX]; /* files carried as content (sent again when they change) */
	size_t n_files;
	/* systemd mode (the annotation ENG's bundle sets, VM_SYSTEMD_ANNOTATION): the guest
	 * init hands over to the image's init; machine_id: the container's id's first 32 digits,
	 * which systemd takes when the image's /etc/machine-id is empty (as container_uuid in a
	 * container) */
	bool systemd;
	char machine_id[33];
	/* the process has a terminal (config.json's process.terminal: -t): in systemd mode the
	 * console gets a getty only then (vm.c's guest_cmdline) */
	bool tty;
	/* the root as a read-only disk (vm/rootimg.h), not a share: a copy-on-write clone's */
	bool block_root;
	char *config; /* the records */
	size_t config_len;
};

/* The plan for spec: EINVAL for what a VM cannot do (a mount of another kind, an idmapped
 * bind, more shares than VM_SHARES_MAX, a bound file too big). */
int vm_guest_plan(const struct rt_spec *spec, struct vm_guest_plan *out, struct berr **err);
/* The records of a process alone: an exec's OPEN (vm/proto.h). Caller frees. */
char *vm_guest_process(const struct rt_process *pr, size_t *out_len);
void vm_guest_plan_clear(struct vm_guest_plan *p);
/* Whether a command is an init that systemd mode means (podman's useSystemdCommands:
 * /sbin/init, /usr/sbin/init, /usr/local/sbin/init, and any file named systemd): decided
 * the same for a container (engine/systemd.c) and a VM's bundle (vm/shim_systemd.c). */
bool vm_is_init_command(const char *cmd);

#endif
