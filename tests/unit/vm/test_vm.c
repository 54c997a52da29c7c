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

#include <errno.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runtime/spec.h"
#include "util/err.h"
#include "util/json.h"
#include "vm/cpio.h"
#include "vm/guestcfg.h"
#include "vm/initramfs.h"
#include "vm/proto.h"
#include "vm/qemu.h"
#include "vm/qmp.h"
#include "vm/session.h"
#include "vm/shim.h"
#include "vm/vm.h"

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
			  "kernel/fs/fuse/fuse.ko:\n"
			  "kernel/drivers/net/virtio_net.ko: kernel/drivers/net/net_failover.ko "
			  "kernel/net/core/failover.ko kernel/drivers/virtio/virtio.ko "
			  "kernel/drivers/virtio/virtio_ring.ko\n"
			  "kernel/drivers/net/net_failover.ko: kernel/net/core/failover.ko\n"
			  "kernel/net/core/failover.ko:\n"
			  "kernel/drivers/virtio/virtio_balloon.ko: "
			  "kernel/drivers/virtio/virtio.ko "
			  "kernel/drivers/virtio/virtio_ring.ko\n";

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
	assert_int_equal(n, 10); /* each once */
	assert_true(index_of(order, "/failover.ko") < index_of(order, "/net_failover.ko"));
	assert_true(index_of(order, "/net_failover.ko") < index_of(order, "/virtio_net.ko"));
	assert_true(index_of(order, "/virtio_ring.ko") < index_of(order, "/virtio.ko"));
	assert_true(index_of(order, "/virtio.ko") < index_of(order, "/virtio_mmio.ko"));
	assert_true(index_of(order, "/fuse.ko") < index_of(order, "/virtiofs.ko"));
	assert_true(index_of(order, "/virtio.ko") < index_of(order, "/virtio_balloon.ko"));
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
	struct vm_plan p = {
	    .accel = VM_ACCEL_TCG,
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
	    .n_ports = 1,
	    .nics = {{.fd = 15, .mac = (const uint8_t[]){0x02, 0x42, 0xac, 0x11, 0, 2}},
		     {.fd = 16,
		      .stream = true,
		      .mac = (const uint8_t[]){0x02, 0x42, 0xac, 0x11, 0, 3}}},
	    .n_nics = 2};
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
	assert_true(has(argv, "-netdev", "tap,id=net0,fd=15"));
	/* a rootless VM's NIC: passt's end of a socket pair (QEMU 7.2's stream netdev) */
	assert_true(has(argv, "-netdev", "stream,id=net1,server=off,addr.type=fd,addr.str=16"));
	assert_true(has(argv, "-device", "virtio-net-device,netdev=net0,mac=02:42:ac:11:00:02"));
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

/* systemd mode (issue #20): the bundle's annotation has the guest hand over to the image's
 * init, with the container's machine id */
static void guest_plan_systemd(void **state)
{
	char dir[] = "/tmp/berth-vmplan.XXXXXX";
	assert_non_null(mkdtemp(dir));
	char cfg[1024];
	snprintf(cfg, sizeof(cfg),
		 "{\"ociVersion\":\"1.1.0\",\"root\":{\"path\":\"%s\"},\"process\":{"
		 "\"args\":[\"/sbin/init\"],\"cwd\":\"/\",\"user\":{\"uid\":0,\"gid\":0}},"
		 "\"annotations\":{\"org.berth.systemd\":\"true\",\"org.berth.container.id\":"
		 "\"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\"}}",
		 dir);
	struct rt_spec *spec = rt_spec_parse(cfg, strlen(cfg), dir, NULL);
	assert_non_null(spec);
	struct vm_guest_plan g;
	assert_int_equal(vm_guest_plan(spec, &g, NULL), 0);
	assert_true(g.systemd);
	assert_string_equal(rec(&g, "systemd", 0), "1");
	assert_string_equal(g.machine_id, "0123456789abcdef0123456789abcdef");
	/* no process.terminal: no getty on the guest's console (vm.c's guest_cmdline) */
	assert_false(g.tty);
	vm_guest_plan_clear(&g);
	rt_spec_free(spec);
	/* without it, the process runs as ever */
	snprintf(cfg, sizeof(cfg),
		 "{\"ociVersion\":\"1.1.0\",\"root\":{\"path\":\"%s\"},\"process\":{"
		 "\"args\":[\"/sbin/init\"],\"cwd\":\"/\",\"user\":{\"uid\":0,\"gid\":0}},"
		 "\"annotations\":{\"org.berth.systemd\":\"false\"}}",
		 dir);
	spec = rt_spec_parse(cfg, strlen(cfg), dir, NULL);
	assert_non_null(spec);
	assert_int_equal(vm_guest_plan(spec, &g, NULL), 0);
	assert_false(g.systemd);
	assert_null(rec(&g, "systemd", 0));
	vm_guest_plan_clear(&g);
	rt_spec_free(spec);
	rmdir(dir);
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
	/* a terminal: the guest makes a pty of the size given */
	char tty[512];
	snprintf(
	    tty, sizeof(tty),
	    "{\"ociVersion\":\"1.1.0\",\"root\":{\"path\":\"%s\"},\"process\":{\"terminal\":true,"
	    "\"consoleSize\":{\"height\":24,\"width\":80},"
	    "\"args\":[\"sh\"],\"cwd\":\"/\",\"user\":{\"uid\":0,\"gid\":0}}}",
	    dir);
	spec = rt_spec_parse(tty, strlen(tty), dir, NULL);
	assert_non_null(spec);
	assert_int_equal(vm_guest_plan(spec, &g, &err), 0);
	assert_string_equal(rec(&g, "tty", 0), "1");
	assert_true(g.tty);
	assert_string_equal(rec(&g, "rows", 0), "24");
	assert_string_equal(rec(&g, "cols", 0), "80");
	vm_guest_plan_clear(&g);
	/* an exec's records: the process alone */
	size_t len = 0;
	char *recs = vm_guest_process(spec->process, &len);
	struct vm_guest_plan only = {.config = recs, .config_len = len};
	assert_string_equal(rec(&only, "arg", 0), "sh");
	assert_string_equal(rec(&only, "tty", 0), "1");
	assert_null(rec(&only, "hostname", 0));
	free(recs);
	rt_spec_free(spec);
	remove(hosts);
	rmdir(vol);
	rmdir(dir);
}

/* The exec channel's frames: whole, in pieces, and malformed. */
static void frames(void **state)
{
	unsigned char buf[VM_FRAME_HEADER + 5];
	vm_frame_header(buf, VM_X_STDOUT, 0x1234, 5);
	memcpy(buf + VM_FRAME_HEADER, "hello", 5);
	enum vm_frame t;
	unsigned id;
	size_t len;
	assert_int_equal(vm_frame_parse(buf, sizeof(buf), &t, &id, &len), sizeof(buf));
	assert_int_equal(t, VM_X_STDOUT);
	assert_int_equal(id, 0x1234);
	assert_int_equal(len, 5);
	for (size_t have = 0; have < sizeof(buf); have++)
		assert_int_equal(vm_frame_parse(buf, have, &t, &id, &len), 0);
	unsigned char bad[VM_FRAME_HEADER];
	vm_frame_header(bad, VM_X_STDOUT, 1, VM_FRAME_MAX + 1);
	assert_int_equal(vm_frame_parse(bad, sizeof(bad), &t, &id, &len), -1);
	vm_frame_header(bad, VM_X_STDOUT, 1, 0);
	bad[0] = 0;
	assert_int_equal(vm_frame_parse(bad, sizeof(bad), &t, &id, &len), -1);
	bad[0] = VM_X_FILE + 1;
	assert_int_equal(vm_frame_parse(bad, sizeof(bad), &t, &id, &len), -1);
	vm_frame_header(bad, VM_X_EXIT, 1, 0);
	bad[1] = 1;
	assert_int_equal(vm_frame_parse(bad, sizeof(bad), &t, &id, &len), -1);
}

struct got {
	unsigned id[8];
	enum frame_stream s[8];
	char data[8][64];
	bool end[8];
	size_t n;
};

static void deliver(void *ctx, unsigned id, enum frame_stream s, const char *data, size_t len,
		    bool end)
{
	struct got *g = ctx;
	if (g->n == 8)
		return;
	g->id[g->n] = id;
	g->s[g->n] = s;
	snprintf(g->data[g->n], sizeof(g->data[0]), "%.*s", (int)len, data);
	g->end[g->n++] = end;
}

static bool none_in_use(void *ctx, unsigned id)
{
	return id == 1; /* taken: the next is 2 */
}

static void put(int fd, enum vm_frame t, unsigned id, const char *data)
{
	unsigned char h[VM_FRAME_HEADER];
	vm_frame_header(h, t, id, strlen(data));
	assert_int_equal(write(fd, h, sizeof(h)), sizeof(h));
	assert_int_equal(write(fd, data, strlen(data)), (ssize_t)strlen(data));
}

/* The monitor's side of the channel: OPEN and input out, the guest's frames in. */
static void sessions(void **state)
{
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	struct vm_sessions x;
	vm_sessions_init(&x, sv[0]);
	unsigned id = vm_session_open(&x, "arg=true", 9, none_in_use, NULL);
	assert_int_equal(id, 2);
	vm_session_input(&x, id, FRAME_SIGNAL, "15", 2);
	vm_session_input(&x, id, FRAME_DETACH, "", 0); /* not an input: dropped */
	unsigned char buf[256];
	ssize_t k = read(sv[1], buf, sizeof(buf));
	enum vm_frame t;
	unsigned got_id;
	size_t len;
	long n = vm_frame_parse(buf, (size_t)k, &t, &got_id, &len);
	assert_int_equal(n, VM_FRAME_HEADER + 9);
	assert_int_equal(t, VM_X_OPEN);
	assert_int_equal(got_id, 2);
	assert_memory_equal(buf + VM_FRAME_HEADER, "arg=true", 9);
	n = vm_frame_parse(buf + n, (size_t)k - (size_t)n, &t, &got_id, &len);
	assert_int_equal(n, VM_FRAME_HEADER + 2);
	assert_int_equal(t, VM_X_SIGNAL);
	/* the guest's answers, one split across reads */
	struct got g = {0};
	put(sv[1], VM_X_STARTED, 2, "");
	put(sv[1], VM_X_STDERR, 2, "oops");
	unsigned char h[VM_FRAME_HEADER];
	vm_frame_header(h, VM_X_EXIT, 2, 1);
	assert_int_equal(write(sv[1], h, 3), 3);
	assert_true(vm_sessions_read(&x, deliver, &g));
	assert_int_equal(g.n, 2);
	assert_int_equal(write(sv[1], h + 3, 5), 5);
	assert_int_equal(write(sv[1], "7", 1), 1);
	assert_true(vm_sessions_read(&x, deliver, &g));
	assert_int_equal(g.n, 3);
	assert_int_equal(g.s[0], FRAME_STARTED);
	assert_int_equal(g.s[1], FRAME_STDERR);
	assert_string_equal(g.data[1], "oops");
	assert_false(g.end[1]);
	assert_int_equal(g.s[2], FRAME_EXIT);
	assert_string_equal(g.data[2], "7");
	assert_true(g.end[2]);
	/* a frame only the host sends, from the guest: the channel is dropped */
	put(sv[1], VM_X_OPEN, 3, "arg=sh");
	assert_false(vm_sessions_read(&x, deliver, &g));
	assert_int_equal(x.fd, -1);
	assert_int_equal(vm_session_open(&x, "", 0, none_in_use, NULL), 0);
	vm_sessions_clear(&x);
	close(sv[0]);
	close(sv[1]);
}

/* A QMP server of one connection in a child: the greeting (unless mute), then for each line
 * read the next of answers (an event first to be skipped); what it was sent, into got. */
static pid_t fake_qmp(const char *path, bool mute, const char *const *answers, int got_fd)
{
	int l = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);
	unlink(path);
	assert_int_equal(bind(l, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(l, 1), 0);
	pid_t pid = fork();
	if (pid == 0) {
		int c = accept(l, NULL, NULL);
		if (mute) {
			sleep(5);
			_exit(0);
		}
		const char greet[] = "{\"QMP\": {\"version\": {}, \"capabilities\": []}}\n";
		(void)!write(c, greet, sizeof(greet) - 1);
		char buf[512];
		for (size_t i = 0; answers[i]; i++) {
			size_t n = 0;
			while (n < sizeof(buf) - 1 && read(c, buf + n, 1) == 1 && buf[n] != '\n')
				n++;
			(void)!write(got_fd, buf, n);
			(void)!write(got_fd, "|", 1);
			const char ev[] = "{\"event\": \"STOP\"}\n";
			(void)!write(c, ev, sizeof(ev) - 1);
			(void)!write(c, answers[i], strlen(answers[i]));
		}
		_exit(0);
	}
	close(l);
	return pid;
}

/* The QMP client: negotiation, one command, its error, and a deadline. */
static void qmp(void **state)
{
	char dir[] = "/tmp/berth-qmp.XXXXXX";
	assert_non_null(mkdtemp(dir));
	char path[64];
	snprintf(path, sizeof(path), "%s/qmp.sock", dir);
	int got[2];
	assert_int_equal(pipe(got), 0);
	const char *ok[] = {"{\"return\": {}}\n", "{\"return\": {}}\n", NULL};
	pid_t pid = fake_qmp(path, false, ok, got[1]);
	struct berr *err = NULL;
	assert_int_equal(vm_qmp_command(path, "stop", 2000, &err), 0);
	waitpid(pid, NULL, 0);
	char buf[256] = "";
	assert_true(read(got[0], buf, sizeof(buf) - 1) > 0);
	assert_string_equal(buf, "{\"execute\": \"qmp_capabilities\"}|{\"execute\": \"stop\"}|");
	/* QEMU's error: its desc in ours */
	const char *no[] = {"{\"return\": {}}\n",
			    "{\"error\": {\"class\": \"GenericError\", \"desc\": \"no\"}}\n", NULL};
	pid = fake_qmp(path, false, no, got[1]);
	assert_int_equal(vm_qmp_command(path, "cont", 2000, &err), -EIO);
	char *msg = berr_string(err);
	assert_non_null(strstr(msg, "QMP: no"));
	free(msg);
	berr_free(err);
	err = NULL;
	waitpid(pid, NULL, 0);
	/* a QEMU that says nothing: the deadline */
	pid = fake_qmp(path, true, ok, got[1]);
	assert_true(vm_qmp_command(path, "stop", 300, &err) < 0);
	msg = berr_string(err);
	assert_non_null(strstr(msg, "no greeting"));
	free(msg);
	berr_free(err);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	close(got[0]);
	close(got[1]);
	unlink(path);
	rmdir(dir);
}

/* Which bundles berth-runtime(-vm) runs as VMs: the annotation decides; else the binary's
 * name, but a pod's sandbox stays a container. */
static bool wanted(const char *annotations, bool vm_runtime)
{
	char path[] = "/tmp/berth-test-config.XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	dprintf(fd, "{\"ociVersion\": \"1.1.0\", \"annotations\": %s}", annotations);
	close(fd);
	bool r = vm_rt_wanted(path, vm_runtime);
	unlink(path);
	return r;
}

static void isolation(void **state)
{
	assert_false(wanted("{}", false));
	assert_true(wanted("{}", true));
	assert_true(wanted("{\"org.berth.isolation\": \"vm\"}", false));
	assert_false(wanted("{\"org.berth.isolation\": \"container\"}", true));
	assert_false(wanted("{\"io.kubernetes.cri.container-type\": \"sandbox\"}", true));
	assert_true(wanted("{\"io.kubernetes.cri.container-type\": \"container\"}", true));
	assert_false(wanted("{\"io.kubernetes.cri-o.ContainerType\": \"sandbox\"}", true));
	/* the annotation wins over the sandbox's */
	assert_true(wanted("{\"io.kubernetes.cri.container-type\": \"sandbox\", "
			   "\"org.berth.isolation\": \"vm\"}",
			   true));
}

/* Guest text in error messages: no ESC, CSI or other control character reaches the
 * terminal; UTF-8 stays. */
static void guest_text_printable(void **state)
{
	char dir[] = "/tmp/berth-unit-vm.XXXXXX";
	assert_non_null(mkdtemp(dir));
	char path[64];
	snprintf(path, sizeof(path), "%s/console.log", dir);
	static const char log[] = "boot\x1b]0;pwned\x07\x1b[2Jok\r\nend \xc3\xa9 \xc2\x9b"
				  "1m \xff!";
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(log, f);
	fclose(f);
	struct vm v = {.state_dir = dir, .ctl = -1, .exit_code = -1};
	char *tail = vm_console_tail(&v, 1500);
	assert_string_equal(tail, "boot ]0;pwned  [2Jok  end \xc3\xa9 ??1m ?!");
	free(tail);
	/* the guest init's "error CODE MSG" line */
	int p[2];
	assert_int_equal(pipe(p), 0);
	static const char line[] = "error 127 exec: \x1b[2Jnot found\x1b]52;c;ZWNobw==\x07\n";
	assert_int_equal(write(p[1], line, sizeof(line) - 1), (ssize_t)(sizeof(line) - 1));
	v.ctl = p[0];
	struct berr *err = NULL;
	assert_int_equal(vm_wait_started(&v, 5, &err), -ENOENT);
	char *msg = berr_string(err);
	assert_string_equal(msg, "exec:  [2Jnot found ]52;c;ZWNobw== ");
	free(msg);
	berr_free(err);
	close(p[0]);
	close(p[1]);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(cpio),
	    cmocka_unit_test(modules),
	    cmocka_unit_test(command_line),
	    cmocka_unit_test(guest_plan),
	    cmocka_unit_test(guest_plan_systemd),
	    cmocka_unit_test(frames),
	    cmocka_unit_test(sessions),
	    cmocka_unit_test(qmp),
	    cmocka_unit_test(isolation),
	    cmocka_unit_test(guest_text_printable),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
