/* VM templates' pure part: q35's command line for a template and for its clone. */
/* cmocka.h needs setjmp.h, stdarg.h and stddef.h before it: keep this order. */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
// clang-format on

#include "util/json.h"
#include "vm/qemu.h"
#include "vm/template.h"

static bool has(char **argv, const char *flag, const char *value)
{
	for (size_t i = 0; argv[i] && argv[i + 1]; i++)
		if (!strcmp(argv[i], flag) && !strcmp(argv[i + 1], value))
			return true;
	return false;
}

static bool has_prefix(char **argv, const char *prefix)
{
	for (size_t i = 0; argv[i]; i++)
		if (!strncmp(argv[i], prefix, strlen(prefix)))
			return true;
	return false;
}

static void q35_template(void **state)
{
	struct vm_plan p = {.accel = VM_ACCEL_TCG,
			    .kernel = "/boot/k",
			    .initrd = "/i",
			    .cmdline = "console=ttyS0",
			    .mem_mb = 512,
			    .cpus = 1,
			    .ram_path = "ram",
			    .root_ports = 2,
			    .console_log = "console.log",
			    .qmp_socket = "qmp.sock"};
	char **a = vm_qemu_q35.command_line(&vm_qemu_q35, &p);
	assert_true(has(a, "-M", "q35,memory-backend=mem"));
	/* the RAM in a file virtiofsd can map (a clone's copy is shared too) */
	assert_true(
	    has(a, "-object", "memory-backend-file,id=mem,size=512M,mem-path=ram,share=on"));
	assert_true(has(a, "-device", "pcie-root-port,id=rp1,chassis=1,slot=1"));
	assert_true(has(a, "-device", "pcie-root-port,id=rp2,chassis=2,slot=2"));
	assert_false(has_prefix(a, "pcie-root-port,id=rp3"));
	assert_true(has(a, "-device", "virtio-serial-pci,id=vser,max_ports=8"));
	/* the guest gives back what it frees; in the template too, so the file is sparser */
	assert_true(has(a, "-device", "virtio-balloon-pci,id=balloon,free-page-reporting=on"));
	assert_true(has(a, "-sandbox",
			"on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny"));
	assert_false(has_prefix(a, "-incoming"));
	assert_false(has_prefix(a, "virtserialport"));
	strv_free(a);
}

/* A clone: the template's machine, its backends on the command line, none of its devices
 * (they are plugged in after the restore), -incoming. */
static void q35_clone(void **state)
{
	uint8_t mac[6] = {2, 0x42, 0xac, 0x11, 0, 2};
	struct vm_plan p = {.accel = VM_ACCEL_TCG,
			    .kernel = "/boot/k",
			    .initrd = "/i",
			    .cmdline = "console=ttyS0",
			    .mem_mb = 256,
			    .ram_path = "ram",
			    .incoming = true,
			    .root_ports = VM_TEMPLATE_ROOT_PORTS,
			    .console_log = "console.log",
			    .qmp_socket = "qmp.sock",
			    .shares = {{"root", "root.sock"}},
			    .n_shares = 1,
			    .ports = {{"berth.ctl", 10}},
			    .n_ports = 1,
			    .nics = {{.fd = 15, .mac = mac}},
			    .n_nics = 1};
	char **a = vm_qemu_q35.command_line(&vm_qemu_q35, &p);
	assert_true(has(a, "-chardev", "socket,id=fs0,path=root.sock"));
	assert_true(has(a, "-chardev", "socket,id=port0,fd=10"));
	assert_true(has(a, "-netdev", "tap,id=net0,fd=15"));
	assert_true(has(a, "-incoming", "defer"));
	assert_true(has(a, "-device", "virtio-balloon-pci,id=balloon,free-page-reporting=on"));
	assert_false(has_prefix(a, "vhost-user-fs"));
	assert_false(has_prefix(a, "virtserialport"));
	assert_false(has_prefix(a, "virtio-net"));
	strv_free(a);
}

/* A copy-on-write clone (a read-only root as a disk, no vhost-user device): the template's
 * own RAM file mapped share=off, the disk's backend read-only on the command line. */
static void q35_cow_clone(void **state)
{
	struct vm_plan p = {.accel = VM_ACCEL_TCG,
			    .kernel = "/boot/k",
			    .initrd = "/i",
			    .cmdline = "console=ttyS0",
			    .mem_mb = 512,
			    .ram_path = "/s/vm/template-1/ram",
			    .ram_private = true,
			    .incoming = true,
			    .root_ports = VM_TEMPLATE_ROOT_PORTS,
			    .console_log = "console.log",
			    .qmp_socket = "qmp.sock",
			    .disks = {{"/s/vm/rootimg-2.ext4"}},
			    .n_disks = 1};
	char **a = vm_qemu_q35.command_line(&vm_qemu_q35, &p);
	assert_true(has(a, "-object",
			"memory-backend-file,id=mem,size=512M,mem-path=/s/vm/template-1/ram,"
			"share=off"));
	assert_true(
	    has(a, "-drive", "if=none,id=disk0,file=/s/vm/rootimg-2.ext4,format=raw,readonly=on"));
	assert_false(has_prefix(a, "socket,id=fs"));
	assert_false(has_prefix(a, "virtio-blk"));
	/* QEMU 7.2 would punch its discards into the template's file */
	assert_false(has_prefix(a, "virtio-balloon"));
	strv_free(a);
}

static void cmdline_pci(void **state)
{
	char *c = vm_kernel_cmdline_pci(VM_ACCEL_TCG, 1000, true);
	assert_null(strstr(c, "pci=off"));
	assert_non_null(strstr(c, "tsc_early_khz=1000"));
	free(c);
	c = vm_kernel_cmdline_pci(VM_ACCEL_KVM, 1000, false);
	assert_non_null(strstr(c, "pci=off"));
	free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(q35_template),
	    cmocka_unit_test(q35_clone),
	    cmocka_unit_test(q35_cow_clone),
	    cmocka_unit_test(cmdline_pci),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
