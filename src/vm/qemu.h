/* The hypervisor: what a VM is made of (struct vm_plan, decided by vm.c), and the command
 * line that makes it (an ops struct per VMM; QEMU's microvm is the one there is). Building the
 * command line is pure, so it is unit-tested. */
#ifndef BERTH_VM_QEMU_H
#define BERTH_VM_QEMU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VM_PORTS_MAX 8
#define VM_NICS_MAX  4

/* A network interface of the guest: a TAP of the host's (in a bridge) as virtio-net. */
struct vm_nic {
	int fd;      /* the TAP's queue */
	bool stream; /* fd is a connected stream socket (passt's, engine/passt.h), not a TAP */
	uint8_t mac[6];
	char ifname[16]; /* in the guest: eth0, ... */
	uint32_t mtu;
	char addr4[64], gw4[48], addr6[64], gw6[48]; /* "" for none; addresses with prefix */
};

enum vm_accel { VM_ACCEL_KVM, VM_ACCEL_TCG };

struct vm_plan {
	enum vm_accel accel;
	const char *kernel, *initrd, *cmdline;
	unsigned mem_mb, cpus;
	const char *ram_path;    /* guest memory in this file (share=on), not a memfd, or NULL */
	bool ram_private;        /* ram_path mapped copy-on-write (share=off): a clone with no
				  * vhost-user device maps its template's RAM file itself */
	bool no_balloon;         /* no virtio-balloon (free page reporting): its discards punch
				  * holes in the RAM's file, which a clone mapping its template's
				  * file copy-on-write must not (QEMU 7.2); implied by ram_private */
	bool incoming;           /* q35: a template's clone (-incoming defer; devices by QMP) */
	unsigned root_ports;     /* q35: PCIe root ports rp1... for the devices plugged later */
	const char *console_log; /* the serial console, into this file */
	const char *qmp_socket;  /* QMP, a socket QEMU listens on */
	struct {
		const char *tag, *socket; /* virtiofs: tag, the vhost-user socket of virtiofsd */
	} shares[16];
	size_t n_shares;
	struct {
		const char *name; /* virtio-serial port name the guest looks for */
		int fd;           /* QEMU's end of a connected socket */
	} ports[VM_PORTS_MAX];
	size_t n_ports;
	struct {
		int fd;      /* QEMU's TAP fd */
		bool stream; /* a stream socket's (passt), not a TAP's */
		const uint8_t *mac;
	} nics[VM_NICS_MAX];
	size_t n_nics;
	struct {
		const char *path; /* q35: a raw image, read-only (a clone's block root) */
	} disks[2];
	size_t n_disks;
};

struct vm_hypervisor {
	const char *name;
	const char *binary;
	/* argv (NULL-terminated, caller frees with strv_free) */
	char **(*command_line)(const struct vm_hypervisor *h, const struct vm_plan *p);
};

extern const struct vm_hypervisor vm_qemu_microvm;
extern const struct vm_hypervisor vm_qemu_q35;

/* Whether p's VM has a virtio-balloon with free page reporting (see no_balloon). */
bool vm_qemu_balloon(const struct vm_plan *p);

/* The guest kernel's command line for accel (tsc_khz: the host's TSC rate, for TCG), for
 * microvm (the kernel does not probe for PCI). */
char *vm_kernel_cmdline(enum vm_accel accel, unsigned tsc_khz);
/* The same for a machine with PCI (pci: q35) or without. */
char *vm_kernel_cmdline_pci(enum vm_accel accel, unsigned tsc_khz, bool pci);

#endif
