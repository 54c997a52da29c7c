/* Booting, watching and stopping a VM (see vm.h). Single-threaded; it forks virtiofsd and
 * QEMU, which exec at once. */
#include "vm/vm.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "runtime/cgroup.h"
#include "runtime/rootless.h"
#include "runtime/spec.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/log.h"
#include "util/xalloc.h"
#include "vm/accel.h"
#include "vm/child.h"
#include "vm/initramfs.h"
#include "vm/proto.h"
#include "vm/qmp.h"
#include "vm/rootimg.h"
#include "vm/template.h"

#define VIRTIOFSD     "/usr/lib/qemu/virtiofsd"
#define PORT_FD_FIRST 10

/* The hypervisors berth can drive, the first one used. */
static const struct vm_hypervisor *const hypervisors[] = {&vm_qemu_microvm};

static char *state_file(const struct vm *v, const char *name)
{
	return xasprintf("%s/%s", v->state_dir, name);
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

/* The VM's cgroup: the container's (config.json's cgroupsPath), with what of its resources
 * fits a VM: memory (the guest's and QEMU's own), CPU; not pids (QEMU's threads are not the
 * container's processes) and not devices (QEMU needs /dev/kvm, the container does not). */
static int make_cgroup(struct vm *v, const struct vm_opts *o, unsigned mem_mb, struct berr **err)
{
	const struct rt_spec *spec = o->spec;
	/* rootless (issue #22): no cgroup is the user's to make without delegation (the engine
	 * refuses limits then, engine/rootless.h); QEMU and virtiofsd run in the caller's */
	if (rt_rootless_detect())
		return 0;
	v->cgroup = rt_cgroup_path(spec->cgroups_path, o->id ? o->id : "vm");
	json_t *res = json_object();
	json_object_set_new(
	    res, "memory",
	    json_pack("{s:I}", "limit", (json_int_t)(mem_mb + VM_OVERHEAD_MB) << 20));
	json_t *cpu = json_object_get(spec->resources, "cpu");
	if (json_is_object(cpu))
		json_object_set(res, "cpu", cpu);
	int r = rt_cgroup_create(v->cgroup, res, err);
	json_decref(res);
	if (r < 0) {
		free(v->cgroup);
		v->cgroup = NULL;
		return berr_wrap(err, "the VM's cgroup");
	}
	return 0;
}

/* A virtiofsd for the share. The listening socket is made here and handed over (--fd): with
 * --socket-path, virtiofsd takes a pid file named after the path, and two of them in
 * different state directories with the same relative name would refuse each other. */
static int start_fsd(struct vm *v, const struct vm_share *sh, char **out_socket, struct berr **err)
{
	autofree char *sock = xasprintf("%s/%s.sock", v->state_dir, sh->tag);
	autofree char *log = state_file(v, "virtiofsd.log");
	autofree char *src = xasprintf("source=%s", sh->source);
	if (access(VIRTIOFSD, X_OK) < 0)
		return berr_set(err, errno, "virtiofsd (%s, from qemu-system-common)", VIRTIOFSD);
	struct sockaddr_un a;
	autoclose int dirfd = -1;
	int r = fs_unix_addr(sock, &a, &dirfd, err);
	if (r < 0)
		return r;
	autoclose int lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(lfd, 1) < 0)
		return berr_set(err, errno, "virtiofs socket '%s'", sock);
	int logfd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		if (logfd >= 0)
			(void)close(logfd);
		return berr_set(err, e, "fork virtiofsd");
	}
	if (pid == 0) {
		vm_child_setup(v->cgroup, -1, logfd, logfd);
		/* fd 3, without close-on-exec (dup2 onto itself would keep the flag) */
		if (lfd == 3)
			(void)fcntl(3, F_SETFD, 0);
		else
			dup2(lfd, 3);
		/* its own sandbox: namespaces and pivot_root into the share, seccomp */
		execl(VIRTIOFSD, "virtiofsd", "--fd=3", "-o", src, "-o", "cache=auto", "-o",
		      "sandbox=namespace", "-o", "xattr", (char *)NULL);
		_exit(127);
	}
	if (logfd >= 0)
		(void)close(logfd);
	v->fsd[v->n_fsd++] = pid;
	/* one that fails does so at once (a bad source, no namespaces) */
	sleep_ms(5);
	if (waitpid(pid, NULL, WNOHANG) == pid) {
		v->fsd[--v->n_fsd] = 0;
		autofree char *why = NULL;
		size_t len = 0;
		(void)fs_read_file(AT_FDCWD, log, 2000, &why, &len, NULL);
		return berr_plain(err, EIO, "virtiofsd for '%s' did not start: %s", sh->source,
				  why && *why ? why : "(no message)");
	}
	*out_socket = take_ptr(&sock);
	return 0;
}

/* Our ends of the guest's ports: [0] ctl, [1] stdin, [2] stdout, [3] stderr, [4] exec. */
#define N_PORTS 5
static const char *const port_names[N_PORTS] = {"berth.ctl", "berth.stdin", "berth.stdout",
						"berth.stderr", "berth.exec"};

/* theirs: QEMU's ends of the ports, then the TAPs (o->n_nics), onto fixed numbers. */
static int start_qemu(struct vm *v, const struct vm_opts *o, const struct vm_hypervisor *h,
		      struct vm_plan *p, int theirs[N_PORTS + VM_NICS_MAX], struct berr **err)
{
	for (size_t i = 0; i < N_PORTS; i++) {
		p->ports[i].name = port_names[i];
		p->ports[i].fd = PORT_FD_FIRST + (int)i;
	}
	p->n_ports = N_PORTS;
	int n_fds = N_PORTS + (int)o->n_nics;
	for (size_t i = 0; i < o->n_nics; i++) {
		p->nics[i].fd = PORT_FD_FIRST + N_PORTS + (int)i;
		p->nics[i].mac = o->nics[i].mac;
		p->nics[i].stream = o->nics[i].stream;
		theirs[N_PORTS + i] = o->nics[i].fd;
	}
	p->n_nics = o->n_nics;
	pid_t pid = vm_qemu_start(h->command_line(h, p), v->state_dir, v->cgroup, theirs, n_fds,
				  PORT_FD_FIRST, err);
	if (pid < 0)
		return (int)pid;
	v->qemu = pid;
	return 0;
}

static void add_record(struct vm_guest_plan *g, const char *rec)
{
	size_t n = strlen(rec) + 1;
	g->config = xrealloc(g->config, g->config_len + n);
	memcpy(g->config + g->config_len, rec, n);
	g->config_len += n;
}

static int plan(const struct vm_opts *o, struct vm *v, bool pci, struct vm_guest_plan *g,
		char **kernel, char **initrd, struct berr **err)
{
	autofree char *modules = NULL;
	int r = vm_accel_pick(o->accel, &v->accel, &v->warning, err);
	if (r == 0)
		r = vm_kernel_find(o->kernel, kernel, &modules, err);
	if (r == 0)
		r = vm_guest_plan(o->spec, g, err);
	if (r < 0)
		return r;
	if (o->mem_mb && o->mem_mb < VM_MEM_MIN_MB)
		return berr_plain(err, EINVAL, "a VM needs %u MiB of memory at least, not %u",
				  VM_MEM_MIN_MB, o->mem_mb);
	/* the initramfs has nothing of the container's (its config goes on berth.ctl): the one
	 * of this guest shape, cached, is the VM's as it is */
	*initrd = vm_initramfs_base(o->cache_dir, o->init_path, modules,
				    pci ? vm_modules_wanted_pci : vm_modules_wanted, err);
	if (!*initrd)
		return berr_ret(err);
	if (o->n_nics > VM_NICS_MAX)
		return berr_plain(err, E2BIG, "a VM takes %d networks at most", VM_NICS_MAX);
	/* a clone whose root is all it shares, read-only: its root a disk, and no vhost-user
	 * device, so its RAM is its template's, copy-on-write (clone_plan) */
	if (pci && g->n_shares == 1 && g->shares[0].readonly && !g->systemd &&
	    !strchr(o->cache_dir, ',')) {
		g->block_root = true;
		add_record(g, "rootdev=/dev/vda");
	}
	/* "net=IFNAME MAC MTU ADDR4 GW4 ADDR6 GW6" ("-": none): the guest sets its interfaces */
	for (size_t i = 0; i < o->n_nics; i++) {
		const struct vm_nic *n = &o->nics[i];
		const uint8_t *m = n->mac;
		autofree char *rec = xasprintf(
		    "net=%s %02x:%02x:%02x:%02x:%02x:%02x %u %s %s %s %s", n->ifname, m[0], m[1],
		    m[2], m[3], m[4], m[5], n->mtu ? n->mtu : 1500, *n->addr4 ? n->addr4 : "-",
		    *n->gw4 ? n->gw4 : "-", *n->addr6 ? n->addr6 : "-", *n->gw6 ? n->gw6 : "-");
		add_record(g, rec);
	}
	if (o->wait_go)
		add_record(g, "wait=1"); /* the guest waits for "go" */
	/* the guest's clock and random seed (guest/init.c take_identity): a clone of a template
	 * has the template's until it takes these */
	unsigned char seed[32];
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	if (getrandom(seed, sizeof(seed), 0) != (ssize_t)sizeof(seed))
		return berr_set(err, errno, "the guest's random seed");
	char rec[96];
	snprintf(rec, sizeof(rec), "time=%lld.%09ld", (long long)now.tv_sec, now.tv_nsec);
	add_record(g, rec);
	int n = snprintf(rec, sizeof(rec), "seed=");
	for (size_t i = 0; i < sizeof(seed); i++)
		n += snprintf(rec + n, sizeof(rec) - (size_t)n, "%02x", seed[i]);
	add_record(g, rec);
	explicit_bzero(seed, sizeof(seed));
	if (g->config_len > VM_CONFIG_MAX)
		return berr_plain(err, E2BIG, "the VM's config is %zu bytes, more than %d MiB",
				  g->config_len, VM_CONFIG_MAX >> 20);
	return 0;
}

/* Write what waits for the control port, as much as it takes now: it is non-blocking, and
 * the guest reads its config only once it has loaded its modules and found the port (the
 * rest is written while the caller waits for the guest's first word). 0, or -errno when
 * the port is gone (QEMU ended: the wait says why). */
static int ctl_flush(struct vm *v)
{
	int r = 0;
	while (v->ctl_out_off < v->ctl_out_len) {
		ssize_t k = send(v->ctl, v->ctl_out + v->ctl_out_off,
				 v->ctl_out_len - v->ctl_out_off, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0 && errno == EAGAIN)
			return 0;
		if (k < 0) {
			r = -errno; /* dropped: no one will read it */
			break;
		}
		v->ctl_out_off += (size_t)k;
	}
	free(v->ctl_out);
	v->ctl_out = NULL;
	v->ctl_out_len = v->ctl_out_off = 0;
	return r;
}

/* data for the control port, after what waits there already (the config first). A guest
 * that reads nothing holds up a bounded amount: past it a line is refused (EAGAIN), as a
 * full port refused it before there was a queue. */
static int ctl_send(struct vm *v, const void *data, size_t len)
{
	if (v->ctl < 0)
		return -EBADF;
	if (v->ctl_out_len - v->ctl_out_off + len > VM_FRAME_HEADER + VM_CONFIG_MAX + 4096)
		return -EAGAIN;
	v->ctl_out = xrealloc(v->ctl_out, v->ctl_out_len + len);
	memcpy(v->ctl_out + v->ctl_out_len, data, len);
	v->ctl_out_len += len;
	return ctl_flush(v);
}

/* The config frame (vm/proto.h): the first thing on berth.ctl. */
static void send_config(struct vm *v, const struct vm_guest_plan *g)
{
	size_t n = VM_FRAME_HEADER + g->config_len;
	autofree unsigned char *f = xmalloc(n);
	vm_frame_header(f, (enum vm_frame)VM_C_CONFIG, 0, g->config_len);
	memcpy(f + VM_FRAME_HEADER, g->config, g->config_len);
	/* a port gone already (QEMU failed) is for the wait for the guest to report */
	(void)ctl_send(v, f, n);
}

/* A clone of the template of p's shape (made first if missing): its RAM copied into the state
 * directory, QEMU restored from the template's state (a template has no systemd mode: its
 * kernel command line is another). Until the restore, p is the template's. */
static int clone_plan(struct vm *v, const struct vm_opts *o, const struct vm_guest_plan *g,
		      struct vm_plan *p, char **out_tpl, char *own[2], struct berr **err)
{
	if (g->systemd)
		return berr_plain(err, ENOTSUP, "a system image's VM boots cold");
	if (g->n_shares + o->n_nics > VM_TEMPLATE_ROOT_PORTS)
		return berr_plain(err, E2BIG, "more shares and networks than a template has ports");
	p->ram_private = g->block_root; /* its template is another (vm/template.c) */
	autofree char *tpl = vm_template_get(o->cache_dir, p, err);
	if (!tpl)
		return berr_ret(err);
	if (g->block_root) {
		/* the template's RAM itself, copy-on-write: its pages are every such clone's */
		own[0] = vm_rootimg_get(o->cache_dir, g->shares[0].source, err);
		if (!own[0])
			return berr_ret(err);
		own[1] = xasprintf("%s/ram", tpl);
		p->disks[0].path = own[0];
		p->n_disks = 1;
		p->ram_path = own[1];
		p->ram_private = true;
	} else {
		autofree char *ram = state_file(v, "ram");
		int r = vm_template_copy_ram(tpl, ram, err);
		if (r < 0)
			return r;
		p->ram_path = "ram"; /* in the state directory, QEMU's cwd */
	}
	p->incoming = true;
	p->root_ports = VM_TEMPLATE_ROOT_PORTS;
	*out_tpl = take_ptr(&tpl);
	return 0;
}

static int boot(const struct vm_opts *o, struct vm *v, bool clone, struct berr **err);

int vm_boot(const struct vm_opts *o, struct vm *out, struct berr **err)
{
	if (o->template) {
		struct berr *why = NULL;
		if (boot(o, out, true, &why) == 0)
			return 0;
		autofree char *msg = berr_string(why);
		log_debug("VM '%s' boots cold, not from a template: %s", o->id ? o->id : "", msg);
		vm_template_note(o->cache_dir, o->id, msg);
		berr_free(why);
		vm_stop(out, false);
	}
	return boot(o, out, false, err);
}

/* A virtiofsd for each share (none for a block root), named in p as it starts. */
static int start_shares(struct vm *v, const struct vm_guest_plan *g, struct vm_plan *p,
			char *sockets[VM_SHARES_MAX], struct berr **err)
{
	int r = 0;
	for (size_t i = 0; r == 0 && !g->block_root && i < g->n_shares; i++) {
		r = start_fsd(v, &g->shares[i], &sockets[i], err);
		p->shares[i].tag = g->shares[i].tag;
		p->shares[i].socket = sockets[i] ? strrchr(sockets[i], '/') + 1 : NULL;
		p->n_shares = i + 1;
	}
	return r;
}

/* The ports' socket pairs (all -1 on the way in): the host's end [0], QEMU's [1]. */
static int open_ports(int pairs[N_PORTS][2], struct berr **err)
{
	for (int i = 0; i < N_PORTS; i++)
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pairs[i]) < 0)
			return berr_set(err, errno, "socketpair");
	return 0;
}

/* QEMU's ends are closed (it has its own now); the host's become v's ports. */
static void keep_ports(struct vm *v, int pairs[N_PORTS][2])
{
	for (int i = 0; i < N_PORTS; i++)
		if (pairs[i][1] >= 0)
			(void)close(pairs[i][1]);
	v->ctl = pairs[0][0];
	v->in = pairs[1][0];
	v->out = pairs[2][0];
	v->err = pairs[3][0];
	v->exec = pairs[4][0];
	if (v->ctl >= 0)
		(void)fcntl(v->ctl, F_SETFL, O_NONBLOCK);
}

/* The kernel's command line; a system image's tells systemd more. Caller frees. */
static char *guest_cmdline(const struct vm *v, const struct vm_guest_plan *g, bool clone)
{
	char *cmdline = vm_kernel_cmdline_pci(v->accel, vm_host_tsc_khz(), clone);
	if (!g->systemd)
		return cmdline;
	/* kernel-command-line(7): the status lines `logs` shows (the kernel's "quiet" would
	 * hide them); no getty on the serial port, which is the kernel's log (without udev, as
	 * in a minimal image, its device never shows up and the boot waits 90 s for it); one on
	 * the console, berth's pty, only with a terminal (-t: `attach` logs in there), as a
	 * system container's: without one podman gives systemd no /dev/console, so no
	 * console-getty, and a prompt no input reaches has no place in `logs`; the machine id
	 * as a container's */
	char *more = xasprintf("%s systemd.show_status=1 systemd.getty_auto=0%s%s%s", cmdline,
			       g->tty ? " systemd.wants=console-getty.service" : "",
			       *g->machine_id ? " systemd.machine_id=" : "", g->machine_id);
	free(cmdline);
	return more;
}

/* The bound files move from g to v: watched once it boots, sent again when they change. */
static void keep_files(struct vm *v, struct vm_guest_plan *g, bool booted)
{
	v->watch = booted && g->n_files ? inotify_init1(IN_CLOEXEC | IN_NONBLOCK) : -1;
	for (size_t i = 0; i < g->n_files; i++) {
		v->files[i] = g->files[i];
		g->files[i] = (struct vm_file){0};
		if (v->watch >= 0)
			(void)inotify_add_watch(v->watch, v->files[i].source, IN_CLOSE_WRITE);
	}
	v->n_files = g->n_files;
	g->n_files = 0;
}

static int boot(const struct vm_opts *o, struct vm *out, bool clone, struct berr **err)
{
	struct vm *v = out;
	memset(v, 0, sizeof(*v));
	v->ctl = v->in = v->out = v->err = v->exec = v->watch = -1;
	v->exit_code = -1;
	v->state_dir = xstrdup(o->state_dir);
	if (mkdir(v->state_dir, 0700) < 0 && errno != EEXIST)
		return berr_set(err, errno, "create '%s'", v->state_dir);
	struct vm_guest_plan g;
	autofree char *kernel = NULL, *initrd = NULL;
	autofree char *cmdline = NULL, *console = state_file(v, "console.log");
	const char *qmp = "qmp.sock"; /* relative to the state directory, QEMU's cwd */
	memset(&g, 0, sizeof(g));
	autofree char *tpl = NULL;
	char *own[2] = {NULL, NULL}; /* a block root's image and the template's RAM file */
	int r = plan(o, v, clone, &g, &kernel, &initrd, err);
	if (r == 0)
		r = make_cgroup(v, o, o->mem_mb ? o->mem_mb : VM_MEM_DEFAULT_MB, err);
	struct vm_plan p = {.accel = v->accel,
			    .kernel = kernel,
			    .initrd = initrd,
			    .mem_mb = o->mem_mb ? o->mem_mb : VM_MEM_DEFAULT_MB,
			    .cpus = o->cpus ? o->cpus : 1,
			    .console_log = console,
			    .qmp_socket = qmp};
	char *sockets[VM_SHARES_MAX] = {0};
	if (r == 0)
		r = start_shares(v, &g, &p, sockets, err);
	int pairs[N_PORTS][2];
	for (int i = 0; i < N_PORTS; i++)
		pairs[i][0] = pairs[i][1] = -1;
	if (r == 0)
		r = open_ports(pairs, err);
	if (r == 0) {
		cmdline = guest_cmdline(v, &g, clone);
		p.cmdline = cmdline;
		int theirs[N_PORTS + VM_NICS_MAX];
		for (int i = 0; i < N_PORTS; i++)
			theirs[i] = pairs[i][1];
		if (clone)
			r = clone_plan(v, o, &g, &p, &tpl, own, err);
		if (r == 0)
			r = start_qemu(v, o, clone ? &vm_qemu_q35 : hypervisors[0], &p, theirs,
				       err);
		autofree char *qmp_path = state_file(v, qmp);
		if (r == 0 && clone)
			r = vm_template_restore(qmp_path, tpl, &p, err);
	}
	keep_ports(v, pairs);
	if (r == 0)
		send_config(v, &g);
	for (size_t i = 0; i < VM_SHARES_MAX; i++)
		free(sockets[i]);
	free(own[0]);
	free(own[1]);
	keep_files(v, &g, r == 0);
	vm_guest_plan_clear(&g);
	if (r < 0)
		vm_stop(v, false);
	return r;
}

/* One line from the control port into v->line; 1 with a line, 0 for none yet, -1 at end.
 * A line past the buffer is cut: the guest decides nothing of the host's memory. */
static int ctl_line(struct vm *v, char *out, size_t cap)
{
	for (;;) {
		char *nl = memchr(v->line, '\n', v->line_len);
		if (nl) {
			size_t n = (size_t)(nl - v->line);
			snprintf(out, cap, "%.*s", (int)n, v->line);
			memmove(v->line, nl + 1, v->line_len - n - 1);
			v->line_len -= n + 1;
			return 1;
		}
		if (v->line_len == sizeof(v->line))
			v->line_len = 0;
		ssize_t k = read(v->ctl, v->line + v->line_len, sizeof(v->line) - v->line_len);
		if (k < 0 && (errno == EAGAIN || errno == EINTR))
			return 0;
		if (k <= 0)
			return -1;
		v->line_len += (size_t)k;
	}
}

/* The length of the UTF-8 sequence at s (2 to 4), 0 when there is none; C1 controls
 * (U+0080 to U+009F) are none. */
static size_t utf8_len(const unsigned char *s)
{
	size_t n = s[0] >= 0xc2 && s[0] <= 0xdf   ? 2
		   : s[0] >= 0xe0 && s[0] <= 0xef ? 3
		   : s[0] >= 0xf0 && s[0] <= 0xf4 ? 4
						  : 0;
	for (size_t i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return n == 2 && s[0] == 0xc2 && s[1] <= 0x9f ? 0 : n;
}

/* Text the guest wrote (its console, its error lines, what QEMU logged of it) made fit for an
 * error message that a terminal shows: an ESC (or CSI, 0x9B, or its UTF-8 form) would start
 * an escape sequence of the guest's choosing there (rewrite what is on the screen, set the
 * window's title, on some terminals answer back as typed input). Control characters become
 * spaces (newlines too: the message is one line), bytes that are not UTF-8 '?'. */
static void printable(char *text)
{
	for (unsigned char *c = (unsigned char *)text; *c; c++) {
		if (*c < 0x20 || *c == 0x7f) {
			*c = ' ';
		} else if (*c >= 0x80) {
			size_t n = utf8_len(c);
			if (n == 0)
				*c = '?';
			else
				c += n - 1;
		}
	}
}

static int guest_error(const char *line, struct berr **err)
{
	int code = 125;
	char msg[256] = "";
	if (sscanf(line, "error %d %255[^\n]", &code, msg) < 1)
		snprintf(msg, sizeof(msg), "%s", line);
	printable(msg);
	int e = code == 127 ? ENOENT : code == 126 ? EACCES : EIO;
	return berr_plain(err, e, "%s", msg);
}

static int wait_line(struct vm *v, const char *want, int timeout_s, struct berr **err);

int vm_wait_started(struct vm *v, int timeout_s, struct berr **err)
{
	return wait_line(v, "started", timeout_s, err);
}

int vm_wait_ready(struct vm *v, int timeout_s, struct berr **err)
{
	return wait_line(v, "ready", timeout_s, err);
}

int vm_go(struct vm *v)
{
	return ctl_send(v, "go\n", 3);
}

bool vm_hypervisor_available(void)
{
	const char *path = getenv("PATH");
	autofree char *copy = xstrdup(path ? path : "/usr/bin:/bin");
	for (char *save = NULL, *d = strtok_r(copy, ":", &save); d;
	     d = strtok_r(NULL, ":", &save)) {
		autofree char *p = xasprintf("%s/%s", d, hypervisors[0]->binary);
		if (access(p, X_OK) == 0)
			return true;
	}
	return false;
}

static int wait_line(struct vm *v, const char *want, int timeout_s, struct berr **err)
{
	const char *env = getenv("BERTH_VM_BOOT_TIMEOUT");
	if (env && atoi(env) > 0)
		timeout_s = atoi(env);
	struct timespec t0, now;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	char line[256];
	for (;;) {
		int k;
		while ((k = ctl_line(v, line, sizeof(line))) == 1) {
			if (!strcmp(line, want))
				return 0;
			if (!strncmp(line, "error ", 6))
				return guest_error(line, err);
		}
		int st;
		bool gone = k < 0 || waitpid(v->qemu, &st, WNOHANG) == v->qemu;
		clock_gettime(CLOCK_MONOTONIC, &now);
		bool late = now.tv_sec - t0.tv_sec >= timeout_s;
		if (gone || late) {
			if (gone)
				v->qemu = 0;
			autofree char *tail = vm_console_tail(v, 1500);
			autofree char *qlog = state_file(v, "qemu.log");
			autofree char *q = NULL;
			size_t ql = 0;
			(void)fs_read_file(AT_FDCWD, qlog, 2000, &q, &ql, NULL);
			if (q)
				printable(q);
			return berr_plain(
			    err, gone ? EIO : ETIMEDOUT, "the VM %s; QEMU: %s; console: %s",
			    gone ? "ended before its guest started the process"
				 : "did not start its process in time",
			    q && *q ? q : "(nothing)", tail && *tail ? tail : "(nothing)");
		}
		/* the config, while the guest takes it; a port gone is QEMU's end (above) */
		(void)ctl_flush(v);
		struct pollfd p = {.fd = v->ctl, .events = POLLIN | (v->ctl_out_len ? POLLOUT : 0)};
		(void)poll(&p, 1, 100);
	}
}

int vm_ctl_read(struct vm *v)
{
	char line[256];
	int k;
	while ((k = ctl_line(v, line, sizeof(line))) == 1) {
		int code;
		if (sscanf(line, "exit %d", &code) == 1 && code >= 0 && code <= 255)
			v->exit_code = code;
	}
	return v->exit_code >= 0 ? 1 : 0;
}

int vm_signal(struct vm *v, int sig)
{
	if (sig == SIGKILL) {
		if (v->qemu > 0 && kill(v->qemu, SIGKILL) < 0)
			return -errno;
		v->exit_code = 137;
		return 0;
	}
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "signal %d\n", sig);
	return ctl_send(v, buf, (size_t)n);
}

void vm_files_changed(struct vm *v, int exec)
{
	char ev[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	bool changed[VM_FILES_MAX] = {false};
	ssize_t k;
	while ((k = read(v->watch, ev, sizeof(ev))) > 0)
		for (char *p = ev; p < ev + k;) {
			struct inotify_event *e = (struct inotify_event *)p;
			/* watches are numbered from 1 in the order they were added */
			if (e->wd >= 1 && (size_t)e->wd <= v->n_files)
				changed[e->wd - 1] = true;
			p += sizeof(*e) + e->len;
		}
	for (size_t i = 0; exec >= 0 && i < v->n_files; i++) {
		autofree char *data = NULL;
		size_t len = 0;
		if (!changed[i] ||
		    fs_read_file(AT_FDCWD, v->files[i].source, VM_FILE_MAX, &data, &len, NULL) < 0)
			continue;
		size_t plen = strlen(v->files[i].destination) + 1;
		if (plen + len > VM_FRAME_MAX)
			continue; /* too big to send again: the guest keeps what it got at boot */
		unsigned char h[VM_FRAME_HEADER];
		vm_frame_header(h, VM_X_FILE, 0, plen + len);
		if (fs_write_all(exec, h, sizeof(h)) < 0 ||
		    fs_write_all(exec, v->files[i].destination, plen) < 0 ||
		    fs_write_all(exec, data, len) < 0)
			return;
	}
}

int vm_pause(const char *state_dir, bool pause, struct berr **err)
{
	autofree char *qmp = xasprintf("%s/qmp.sock", state_dir);
	return vm_qmp_command(qmp, pause ? "stop" : "cont", 5000, err);
}

int vm_resize(struct vm *v, unsigned rows, unsigned cols)
{
	char buf[48];
	int n = snprintf(buf, sizeof(buf), "resize %u %u\n", rows, cols);
	return ctl_send(v, buf, (size_t)n);
}

char *vm_console_tail(const struct vm *v, size_t max)
{
	autofree char *path = state_file(v, "console.log");
	autofree char *data = NULL;
	size_t len = 0;
	if (fs_read_file(AT_FDCWD, path, 1 << 20, &data, &len, NULL) < 0)
		return xstrdup("");
	const char *from = len > max ? data + len - max : data;
	char *out = xstrdup(from);
	printable(out);
	return out;
}

/* Wait up to wait_ms for pid, then kill it. A pid reaped already (the monitor reaps every
 * child it has) is not waited for, nor killed: the number may be someone else's now. */
static bool gone(pid_t pid)
{
	pid_t r = waitpid(pid, NULL, WNOHANG);
	return r == pid || (r < 0 && errno == ECHILD);
}

static void reap(pid_t pid, int wait_ms)
{
	for (int i = 0; pid > 0 && i <= wait_ms / 10; i++) {
		if (gone(pid))
			return;
		sleep_ms(10);
	}
	if (pid > 0 && !gone(pid)) {
		(void)kill(pid, SIGKILL);
		(void)waitpid(pid, NULL, 0);
	}
}

void vm_stop(struct vm *v, bool reaped_qemu)
{
	if (!reaped_qemu && v->qemu > 0) {
		autofree char *qmp = state_file(v, "qmp.sock");
		if (!gone(v->qemu)) {
			(void)vm_qmp_command(qmp, "quit", 2000, NULL);
			reap(v->qemu, 2000);
		}
	}
	v->qemu = 0;
	for (size_t i = 0; i < v->n_fsd; i++) {
		if (gone(v->fsd[i]))
			continue;
		(void)kill(v->fsd[i], SIGTERM);
		reap(v->fsd[i], 1000);
	}
	v->n_fsd = 0;
	int *fds[] = {&v->ctl, &v->in, &v->out, &v->err, &v->exec, &v->watch};
	for (size_t i = 0; i < N_PORTS + 1; i++)
		if (*fds[i] >= 0) {
			(void)close(*fds[i]);
			*fds[i] = -1;
		}
	for (size_t i = 0; i < v->n_files; i++) {
		free(v->files[i].source);
		free(v->files[i].destination);
	}
	v->n_files = 0;
	free(v->ctl_out);
	v->ctl_out = NULL;
	v->ctl_out_len = v->ctl_out_off = 0;
	if (v->cgroup)
		(void)rt_cgroup_destroy(v->cgroup, NULL);
	free(v->cgroup);
	v->cgroup = NULL;
	if (v->state_dir)
		(void)fs_rm_rf(AT_FDCWD, v->state_dir, NULL);
	free(v->state_dir);
	v->state_dir = NULL;
	free(v->warning);
	v->warning = NULL;
}
