/* The VM layer's pure parts: cpio archives, module order, QEMU's command line, the guest's
 * config from an OCI spec. */
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

#include <sys/stat.h>

#include "runtime/spec.h"
#include "util/err.h"
#include "util/json.h"
#include "vm/cpio.h"
#include "vm/guestcfg.h"
#include "vm/initramfs.h"
#include "vm/qemu.h"

static void cpio(void **state)
{
	struct vm_cpio c = {0};
	vm_cpio_dir(&c, "dev", 0755);
	vm_cpio_file(&c, "init", 0755,
		     "\x7f"
		     "ELF",
		     4);
	vm_cpio_file(&c, "berth/config", 0600, "arg=sh", 7);
	vm_cpio_trailer(&c);
	assert_int_equal(c.len % 4, 0);
	size_t off = 0;
	char name[64];
	uint32_t mode;
	const char *data;
	size_t len;
	assert_int_equal(vm_cpio_next(c.data, c.len, &off, name, sizeof(name), &mode, &data, &len),
			 0);
	assert_string_equal(name, "dev");
	assert_true(S_ISDIR(mode));
	assert_int_equal(vm_cpio_next(c.data, c.len, &off, name, sizeof(name), &mode, &data, &len),
			 0);
	assert_string_equal(name, "init");
	assert_int_equal(mode, S_IFREG | 0755);
	assert_int_equal(len, 4);
	assert_memory_equal(data,
			    "\x7f"
			    "ELF",
			    4);
	assert_int_equal(vm_cpio_next(c.data, c.len, &off, name, sizeof(name), &mode, &data, &len),
			 0);
	assert_string_equal(name, "berth/config");
	assert_int_equal(len, 7);
	/* then the trailer ends it */
	assert_int_equal(vm_cpio_next(c.data, c.len, &off, name, sizeof(name), &mode, &data, &len),
			 -1);
	/* the header is the kernel's newc: magic, then 13 eight-digit hex fields */
	assert_memory_equal(c.data, "070701", 6);
	vm_cpio_free(&c);
}

static const char dep[] = "kernel/fs/fuse/virtiofs.ko: kernel/drivers/virtio/virtio.ko "
			  "kernel/drivers/virtio/virtio_ring.ko "
			  "kernel/fs/fuse/fuse.ko\n"
			  "kernel/drivers/virtio/virtio_ring.ko:\n"
			  "kernel/drivers/virtio/virtio.ko: kernel/drivers/virtio/virtio_ring.ko\n"
			  "kernel/drivers/virtio/virtio_mmio.ko: kernel/drivers/virtio/virtio.ko "
			  "kernel/drivers/virtio/virtio_ring.ko\n"
			  "kernel/drivers/char/virtio_console.ko: kernel/drivers/virtio/virtio.ko "
			  "kernel/drivers/virtio/virtio_ring.ko\n"
			  "kernel/fs/fuse/fuse.ko:\n";

static size_t index_of(char **v, const char *s)
{
	for (size_t i = 0; v[i]; i++)
		if (strstr(v[i], s))
			return i;
	fail_msg("%s missing", s);
	return 0;
}

static void modules(void **state)
{
	char **order = vm_modules_order(dep, vm_modules_wanted, NULL);
	assert_non_null(order);
	size_t n = 0;
	while (order[n])
		n++;
	assert_int_equal(n, 6); /* each once */
	assert_true(index_of(order, "/virtio_ring.ko") < index_of(order, "/virtio.ko"));
	assert_true(index_of(order, "/virtio.ko") < index_of(order, "/virtio_mmio.ko"));
	assert_true(index_of(order, "/fuse.ko") < index_of(order, "/virtiofs.ko"));
	strv_free(order);
	struct berr *err = NULL;
	const char *const missing[] = {"9pnet_virtio", NULL};
	assert_null(vm_modules_order(dep, missing, &err));
	assert_int_equal(berr_code(err), ENOENT);
	berr_free(err);
}

static bool has(char **argv, const char *a, const char *b)
{
	for (size_t i = 0; argv[i] && argv[i + 1]; i++)
		if (!strcmp(argv[i], a) && (!b || strstr(argv[i + 1], b)))
			return true;
	return false;
}

static void command_line(void **state)
{
	struct vm_plan p = {.accel = VM_ACCEL_TCG,
			    .kernel = "/boot/vmlinuz",
			    .initrd = "/s/initramfs.cpio",
			    .cmdline = "console=ttyS0",
			    .mem_mb = 256,
			    .cpus = 2,
			    .console_log = "/s/console.log",
			    .qmp_socket = "/s/qmp.sock",
			    .shares = {{"root", "/s/root.sock"}, {"vol0", "/s/vol0.sock"}},
			    .n_shares = 2,
			    .ports = {{"berth.ctl", 10}},
			    .n_ports = 1};
	char **argv = vm_qemu_microvm.command_line(&vm_qemu_microvm, &p);
	assert_string_equal(argv[0], "qemu-system-x86_64");
	assert_true(has(argv, "-M", "microvm,acpi=on"));
	assert_true(has(argv, "-accel", "tcg"));
	assert_true(has(argv, "-m", "256"));
	assert_true(has(argv, "-smp", "2"));
	assert_true(has(argv, "-object", "memory-backend-memfd,id=mem,size=256M,share=on"));
	assert_true(has(argv, "-sandbox", "elevateprivileges=deny"));
	assert_true(has(argv, "-global", "virtio-mmio.force-legacy=false"));
	assert_true(has(argv, "-device", "vhost-user-fs-device,chardev=fs1,tag=vol0"));
	assert_true(has(argv, "-chardev", "socket,id=port0,fd=10"));
	assert_true(has(argv, "-device", "virtserialport,chardev=port0,name=berth.ctl"));
	assert_true(has(argv, "-qmp", "unix:/s/qmp.sock,server=on,wait=off"));
	assert_false(has(argv, "-cpu", NULL)); /* host CPU only with KVM */
	strv_free(argv);
	p.accel = VM_ACCEL_KVM;
	argv = vm_qemu_microvm.command_line(&vm_qemu_microvm, &p);
	assert_true(has(argv, "-accel", "kvm"));
	assert_true(has(argv, "-cpu", "host"));
	strv_free(argv);
	char *c = vm_kernel_cmdline(VM_ACCEL_TCG, 2596142);
	assert_non_null(strstr(c, "tsc_early_khz=2596142"));
	assert_non_null(strstr(c, "console=ttyS0"));
	free(c);
	c = vm_kernel_cmdline(VM_ACCEL_KVM, 1);
	assert_null(strstr(c, "tsc_early_khz"));
	free(c);
}

/* the value of the first record "key=..." in the plan's config */
static const char *rec(const struct vm_guest_plan *g, const char *key, int nth)
{
	size_t kl = strlen(key);
	for (size_t off = 0; off < g->config_len; off += strlen(g->config + off) + 1)
		if (!strncmp(g->config + off, key, kl) && g->config[off + kl] == '=' && nth-- == 0)
			return g->config + off + kl + 1;
	return NULL;
}

static void guest_plan(void **state)
{
	char dir[] = "/tmp/berth-vmplan.XXXXXX";
	assert_non_null(mkdtemp(dir));
	char hosts[128], vol[128];
	snprintf(hosts, sizeof(hosts), "%s/hosts", dir);
	snprintf(vol, sizeof(vol), "%s/vol", dir);
	FILE *f = fopen(hosts, "w");
	fputs("127.0.0.1 localhost\n", f);
	fclose(f);
	assert_int_equal(mkdir(vol, 0755), 0);
	char cfg[2048];
	snprintf(
	    cfg, sizeof(cfg),
	    "{\"ociVersion\":\"1.1.0\",\"root\":{\"path\":\"%s\",\"readonly\":true},"
	    "\"hostname\":\"h1\",\"process\":{\"args\":[\"sh\",\"-c\",\"x\"],\"env\":[\"A=b\"],"
	    "\"cwd\":\"/w\",\"user\":{\"uid\":7,\"gid\":8,\"additionalGids\":[9]},"
	    "\"noNewPrivileges\":true,\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"soft\":10,"
	    "\"hard\":20}]},\"mounts\":[{\"destination\":\"/proc\",\"type\":\"proc\","
	    "\"source\":\"proc\"},{\"destination\":\"/etc/hosts\",\"type\":\"bind\","
	    "\"source\":\"%s\",\"options\":[\"rbind\"]},{\"destination\":\"/data\","
	    "\"type\":\"bind\",\"source\":\"%s\",\"options\":[\"rbind\",\"ro\"]},"
	    "{\"destination\":\"/run\",\"type\":\"tmpfs\",\"source\":\"tmpfs\"}]}",
	    dir, hosts, vol);
	struct berr *err = NULL;
	struct rt_spec *spec = rt_spec_parse(cfg, strlen(cfg), dir, &err);
	if (!spec)
		fail_msg("%s", berr_string(err));
	struct vm_guest_plan g;
	assert_int_equal(vm_guest_plan(spec, &g, &err), 0);
	assert_string_equal(rec(&g, "arg", 0), "sh");
	assert_string_equal(rec(&g, "arg", 2), "x");
	assert_string_equal(rec(&g, "env", 0), "A=b");
	assert_string_equal(rec(&g, "cwd", 0), "/w");
	assert_string_equal(rec(&g, "uid", 0), "7");
	assert_string_equal(rec(&g, "gid", 0), "8");
	assert_string_equal(rec(&g, "group", 0), "9");
	assert_string_equal(rec(&g, "hostname", 0), "h1");
	assert_string_equal(rec(&g, "nnp", 0), "1");
	assert_string_equal(rec(&g, "readonly", 0), "1");
	assert_string_equal(rec(&g, "rlimit", 0), "7:10:20");
	assert_string_equal(rec(&g, "volume", 0), "vol0:/data:ro");
	assert_string_equal(rec(&g, "tmpfs", 0), "/run");
	/* a bound file travels as its content, in the record after "file=PATH" */
	const char *file = rec(&g, "file", 0);
	assert_string_equal(file, "/etc/hosts");
	assert_string_equal(file + strlen(file) + 1, "127.0.0.1 localhost\n");
	assert_int_equal(g.n_shares, 2);
	assert_string_equal(g.shares[0].tag, "root");
	assert_string_equal(g.shares[1].source, vol);
	assert_true(g.shares[1].readonly);
	vm_guest_plan_clear(&g);
	rt_spec_free(spec);
	/* a terminal is refused */
	char tty[512];
	snprintf(
	    tty, sizeof(tty),
	    "{\"ociVersion\":\"1.1.0\",\"root\":{\"path\":\"%s\"},\"process\":{\"terminal\":true,"
	    "\"args\":[\"sh\"],\"cwd\":\"/\",\"user\":{\"uid\":0,\"gid\":0}}}",
	    dir);
	spec = rt_spec_parse(tty, strlen(tty), dir, NULL);
	assert_non_null(spec);
	assert_int_equal(vm_guest_plan(spec, &g, &err), -EINVAL);
	berr_free(err);
	rt_spec_free(spec);
	remove(hosts);
	rmdir(vol);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(cpio),
	    cmocka_unit_test(modules),
	    cmocka_unit_test(command_line),
	    cmocka_unit_test(guest_plan),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
