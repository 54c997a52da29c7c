/* QEMU's microvm machine (see qemu.h). */
#include "vm/qemu.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

struct argv {
	char **v;
	size_t n, cap;
};

static void add(struct argv *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add(struct argv *a, const char *fmt, ...)
{
	if (a->n + 2 > a->cap) {
		a->cap = a->cap * 2 + 32;
		a->v = xrealloc(a->v, a->cap * sizeof(char *));
	}
	va_list ap;
	va_start(ap, fmt);
	if (vasprintf(&a->v[a->n], fmt, ap) < 0)
		abort();
	va_end(ap);
	a->v[++a->n] = NULL;
}

/* What both machines share: the accelerator, memory, the sandbox, kernel, console, QMP. Guest
 * memory is shared (virtiofsd maps it): a memfd, or the file of a template or a clone; a clone
 * with no virtiofs maps its template's file copy-on-write (ram_private). */
static void head(struct argv *a, const struct vm_hypervisor *h, const struct vm_plan *p,
		 const char *machine)
{
	add(a, "%s", h->binary);
	add(a, "-M");
	add(a, "%s", machine);
	add(a, "-accel");
	/* TCG's translation cache is 1 GiB by default, most of what a VM costs in memory; 64 MiB
	 * is plenty for one process in a small guest */
	add(a, "%s", p->accel == VM_ACCEL_KVM ? "kvm" : "tcg,tb-size=64");
	if (p->accel == VM_ACCEL_KVM) {
		add(a, "-cpu");
		add(a, "host");
	}
	add(a, "-m");
	add(a, "%u", p->mem_mb);
	add(a, "-smp");
	add(a, "%u", p->cpus ? p->cpus : 1);
	add(a, "-object");
	if (p->ram_path)
		add(a, "memory-backend-file,id=mem,size=%uM,mem-path=%s,share=%s", p->mem_mb,
		    p->ram_path, p->ram_private ? "off" : "on");
	else
		add(a, "memory-backend-memfd,id=mem,size=%uM,share=on", p->mem_mb);
	static const char *const fixed[] = {"-nodefaults", "-no-user-config", "-display",
					    "none",        "-no-reboot",      NULL};
	for (const char *const *f = fixed; *f; f++)
		add(a, "%s", *f);
	/* QEMU's own seccomp filter: no new privileges, no processes, no priority changes */
	add(a, "-sandbox");
	add(a, "on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny");
	add(a, "-kernel");
	add(a, "%s", p->kernel);
	add(a, "-initrd");
	add(a, "%s", p->initrd);
	add(a, "-append");
	add(a, "%s", p->cmdline);
	add(a, "-serial");
	add(a, "file:%s", p->console_log);
	add(a, "-qmp");
	add(a, "unix:%s,server=on,wait=off", p->qmp_socket);
}

/* microvm: no PCI, no firmware, devices on virtio-mmio described by ACPI (the Debian cloud
 * kernel has no CONFIG_VIRTIO_MMIO_CMDLINE_DEVICES), modern virtio (vhost-user-fs speaks no
 * legacy). */
/* NIC i's backend: its TAP, or (rootless) the stream socket passt holds the other end of
 * (QEMU 7.2's stream netdev, as podman machine and libvirt's passt backend use it). */
static void netdev(struct argv *a, const struct vm_plan *p, size_t i)
{
	add(a, "-netdev");
	if (p->nics[i].stream)
		add(a, "stream,id=net%zu,server=off,addr.type=fd,addr.str=%d", i, p->nics[i].fd);
	else
		add(a, "tap,id=net%zu,fd=%d", i, p->nics[i].fd);
}

/* The guest gives back the memory it frees: its balloon driver reports free pages 2 s after,
 * and QEMU discards them (a hole punched in the memfd or the RAM file); `update --memory`
 * inflates it. Not with the template's file mapped copy-on-write: QEMU 7.2 would punch holes
 * in that file, every such clone's. BERTH_VM_BALLOON=0: none (a bench's knob). */
bool vm_qemu_balloon(const struct vm_plan *p)
{
	const char *v = getenv("BERTH_VM_BALLOON");
	return !p->no_balloon && !p->ram_private && !(v && !strcmp(v, "0"));
}

static char **microvm(const struct vm_hypervisor *h, const struct vm_plan *p)
{
	struct argv a = {0};
	head(&a, h, p, "microvm,acpi=on,pcie=off,rtc=on,memory-backend=mem");
	add(&a, "-global");
	add(&a, "virtio-mmio.force-legacy=false");
	for (size_t i = 0; i < p->n_shares; i++) {
		add(&a, "-chardev");
		add(&a, "socket,id=fs%zu,path=%s", i, p->shares[i].socket);
		add(&a, "-device");
		add(&a, "vhost-user-fs-device,chardev=fs%zu,tag=%s", i, p->shares[i].tag);
	}
	if (p->n_ports) {
		add(&a, "-device");
		add(&a, "virtio-serial-device,max_ports=%d", VM_PORTS_MAX);
	}
	for (size_t i = 0; i < p->n_ports; i++) {
		add(&a, "-chardev");
		add(&a, "socket,id=port%zu,fd=%d", i, p->ports[i].fd);
		add(&a, "-device");
		add(&a, "virtserialport,chardev=port%zu,name=%s", i, p->ports[i].name);
	}
	for (size_t i = 0; i < p->n_nics; i++) {
		const uint8_t *m = p->nics[i].mac;
		netdev(&a, p, i);
		add(&a, "-device");
		add(&a, "virtio-net-device,netdev=net%zu,mac=%02x:%02x:%02x:%02x:%02x:%02x", i,
		    m[0], m[1], m[2], m[3], m[4], m[5]);
	}
	if (vm_qemu_balloon(p)) {
		add(&a, "-device");
		add(&a, "virtio-balloon-device,free-page-reporting=on");
	}
	return a.v;
}

const struct vm_hypervisor vm_qemu_microvm = {
    .name = "qemu-microvm", .binary = "qemu-system-x86_64", .command_line = microvm};

/* q35, for templates (issue #21; docs/DESIGN.md "VM templates"): PCIe, so what is a clone's own
 * is plugged in after its restore, each device into a root port of its own (rp1...). The
 * template has the machine, the root ports and the virtio-serial bus, nothing else; a clone
 * (p->incoming) the same with its backends (chardevs, netdevs) on the command line and their
 * devices added over QMP once it runs (vm/template.c). */
static char **q35(const struct vm_hypervisor *h, const struct vm_plan *p)
{
	struct argv a = {0};
	head(&a, h, p, "q35,memory-backend=mem");
	for (unsigned i = 1; i <= p->root_ports; i++) {
		add(&a, "-device");
		add(&a, "pcie-root-port,id=rp%u,chassis=%u,slot=%u", i, i, i);
	}
	add(&a, "-device");
	add(&a, "virtio-serial-pci,id=vser,max_ports=%d", VM_PORTS_MAX);
	if (vm_qemu_balloon(p)) {
		add(&a, "-device");
		add(&a, "virtio-balloon-pci,id=balloon,free-page-reporting=on");
	}
	for (size_t i = 0; i < p->n_shares; i++) {
		add(&a, "-chardev");
		add(&a, "socket,id=fs%zu,path=%s", i, p->shares[i].socket);
	}
	for (size_t i = 0; i < p->n_ports; i++) {
		add(&a, "-chardev");
		add(&a, "socket,id=port%zu,fd=%d", i, p->ports[i].fd);
	}
	for (size_t i = 0; i < p->n_nics; i++)
		netdev(&a, p, i);
	for (size_t i = 0; i < p->n_disks; i++) {
		add(&a, "-drive");
		add(&a, "if=none,id=disk%zu,file=%s,format=raw,readonly=on", i, p->disks[i].path);
	}
	if (p->incoming) {
		add(&a, "-incoming");
		add(&a, "defer");
	}
	return a.v;
}

const struct vm_hypervisor vm_qemu_q35 = {
    .name = "qemu-q35", .binary = "qemu-system-x86_64", .command_line = q35};

char *vm_kernel_cmdline_pci(enum vm_accel accel, unsigned tsc_khz, bool pci)
{
	/* quiet: the console is a log, and writing it costs a TCG guest time. panic=-1: a
	 * guest that panics reboots, which -no-reboot turns into QEMU's exit. Under TCG the
	 * kernel calibrates the TSC against the PIT and hangs half the time; told the TSC's
	 * rate (the host's: TCG's TSC is the host's) it skips that, and its timers run right
	 * (a made-up rate disables the APIC timer, and then nothing sleeping ever wakes). */
	if (accel == VM_ACCEL_TCG)
		return xasprintf("console=ttyS0 quiet panic=-1%s tsc_early_khz=%u "
				 "tsc=reliable no_timer_check",
				 pci ? "" : " pci=off", tsc_khz);
	return xasprintf("console=ttyS0 quiet panic=-1%s", pci ? "" : " pci=off");
}

char *vm_kernel_cmdline(enum vm_accel accel, unsigned tsc_khz)
{
	return vm_kernel_cmdline_pci(accel, tsc_khz, false);
}
