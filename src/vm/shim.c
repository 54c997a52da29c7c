/* berth-runtime-vm's containers (see shim.h). The shim is single-threaded: one poll loop over
 * its stdio, the VM's ports, the start fifo and a signalfd. */
#include "vm/shim.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "runtime/cgroup.h"
#include "runtime/console.h"
#include "runtime/spec.h"
#include "runtime/state.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/xalloc.h"
#include "vm/netns.h"
#include "vm/session.h"
#include "vm/shim_systemd.h"
#include "vm/template.h"
#include "vm/vm.h"

#define START_WAIT_S 60

static char *dir_of(const char *root, const char *id, const char *file)
{
	return file ? xasprintf("%s/.vm/%s/%s", root, id, file) : xasprintf("%s/.vm/%s", root, id);
}

bool vm_rt_wanted(const char *config_path, bool vm_runtime)
{
	json_t *c = json_load_path(AT_FDCWD, config_path, RT_SPEC_MAX_BYTES, NULL);
	json_t *a = json_object_get(c, "annotations");
	const char *v = json_string_value(json_object_get(a, "org.berth.isolation"));
	/* a pod's sandbox (its pause process) holds the pod's namespaces: a container, so that
	 * the pod's container is the VM that takes its network (containerd's, CRI-O's names) */
	const char *c1 = json_string_value(json_object_get(a, "io.kubernetes.cri.container-type"));
	const char *c2 = json_string_value(json_object_get(a, "io.kubernetes.cri-o.ContainerType"));
	bool sandbox = (c1 && !strcmp(c1, "sandbox")) || (c2 && !strcmp(c2, "sandbox"));
	bool yes = v ? !strcmp(v, "vm") : vm_runtime && !sandbox;
	json_decref(c);
	return yes;
}

bool vm_rt_exists(const char *root, const char *id)
{
	autofree char *p = dir_of(root, id, "state.json");
	return access(p, F_OK) == 0;
}

static void now(char buf[40])
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	struct tm tm;
	gmtime_r(&ts.tv_sec, &tm);
	size_t n = strftime(buf, 40, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, 40 - n, ".%09ldZ", ts.tv_nsec);
}

static int save(const char *root, const char *id, json_t *st)
{
	autofree char *p = dir_of(root, id, "state.json");
	return json_replace_file(st, p, NULL);
}

/* ---- the shim ---- */

struct shim {
	const char *root, *id;
	json_t *st;
	struct vm v;
	int fifo, sfd;
	bool tty;                        /* a terminal: stdio is a pty's slave, v.out both ways */
	bool systemd;                    /* a system's init is PID 1 (see stdin_to) */
	int netns;                       /* config.json's network namespace, or -1 */
	struct vm_nic nics[VM_NICS_MAX]; /* its interfaces, taken over (vm/netns.h) */
	size_t n_nics;
	int listener;                /* <root>/.vm/<id>/exec.sock: berth-runtime-vm exec */
	struct vm_session_clients x; /* the execs */
};

/* A connection to exec.sock: its first frame must be FRAME_EXEC (a second at most). */
static void exec_client(struct shim *sh)
{
	int fd = accept4(sh->listener, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		return;
	struct timeval tv = {2, 0};
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	static char buf[FRAME_MAX + 1];
	enum frame_stream s;
	size_t len;
	if (frame_read(fd, &s, buf, &len) <= 0 || s != FRAME_EXEC) {
		(void)close(fd);
		return;
	}
	tv.tv_sec = 0;
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	vm_session_clients_add(&sh->x, fd, buf, len);
}

static int listen_exec(struct shim *sh, struct berr **err)
{
	autofree char *path = dir_of(sh->root, sh->id, "exec.sock");
	struct sockaddr_un a;
	autoclose int dirfd = -1;
	if (fs_unix_addr(path, &a, &dirfd, err) < 0)
		return -ENAMETOOLONG;
	sh->listener = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (sh->listener < 0 || bind(sh->listener, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    listen(sh->listener, 8) < 0)
		return berr_set(err, errno, "exec socket '%s'", path);
	return 0;
}

static void set_status(struct shim *sh, const char *status)
{
	json_object_set_new(sh->st, "status", json_string(status));
	(void)save(sh->root, sh->id, sh->st);
}

/* Copy what fd has to to (best effort; -1 at its end). */
static int pump(int fd, int to)
{
	char buf[1 << 16];
	ssize_t k = read(fd, buf, sizeof(buf));
	if (k < 0 && (errno == EINTR || errno == EAGAIN))
		return 0;
	if (k <= 0)
		return -1;
	if (to >= 0)
		(void)fs_write_all(to, buf, (size_t)k);
	return 0;
}

/* The terminal's size (the console socket's owner sets it on the master) to the guest's. */
static void follow_size(struct shim *sh)
{
	struct winsize ws;
	if (ioctl(0, TIOCGWINSZ, &ws) == 0 && ws.ws_row && ws.ws_col)
		(void)vm_resize(&sh->v, ws.ws_row, ws.ws_col);
}

/* Where the shim's stdin goes: with a terminal the guest's pty master (v.out both ways); a
 * system's init without one has no stdin (-1: read and dropped). systemd as PID 1 puts
 * /dev/null on its stdio, and crun with podman's --systemd and no -t gives it no /dev/console:
 * what `podman attach` types goes nowhere there, so here neither; nothing in the guest reads
 * its stdin port then, which a write would block on once QEMU's buffer is full. */
static int stdin_to(const struct shim *sh)
{
	if (sh->tty)
		return sh->v.out;
	return sh->systemd ? -1 : sh->v.in;
}

/* Relay until QEMU ends: stdio both ways, signals to the guest. The process's status. */
static int relay(struct shim *sh)
{
	struct vm *v = &sh->v;
	bool in_open = v->in >= 0 || sh->tty, out_open = true, err_open = true, ctl_open = true;
	vm_session_clients_init(&sh->x, v->exec);
	for (;;) {
		struct pollfd p[7 + VM_SESSION_CLIENTS] = {
		    {.fd = sh->sfd, .events = POLLIN},
		    {.fd = in_open ? 0 : -1, .events = POLLIN},
		    {.fd = out_open ? v->out : -1, .events = POLLIN},
		    {.fd = err_open ? v->err : -1, .events = POLLIN},
		    {.fd = ctl_open ? v->ctl : -1, .events = POLLIN},
		    {.fd = sh->listener, .events = POLLIN}};
		size_t n = 6 + vm_session_clients_poll(&sh->x, p + 6);
		if (poll(p, n, -1) < 0 && errno != EINTR)
			break;
		if (p[5].revents & POLLIN)
			exec_client(sh);
		vm_session_clients_handle(&sh->x, p + 6, n - 6);
		if (p[0].revents & POLLIN) {
			struct signalfd_siginfo si;
			while (read(sh->sfd, &si, sizeof(si)) == sizeof(si)) {
				if (si.ssi_signo == SIGWINCH && sh->tty) {
					follow_size(sh);
					continue;
				}
				if (si.ssi_signo != SIGCHLD) {
					(void)vm_signal(v, (int)si.ssi_signo);
					continue;
				}
				int status;
				if (waitpid(v->qemu, &status, WNOHANG) == v->qemu) {
					v->qemu = 0;
					/* the ports still hold the last output: to their ends */
					(void)fcntl(v->out, F_SETFL, O_NONBLOCK);
					(void)fcntl(v->err, F_SETFL, O_NONBLOCK);
					while (out_open && pump(v->out, 1) == 0 && (errno = 0, 1))
						if (errno == EAGAIN)
							break;
					while (err_open && pump(v->err, 2) == 0)
						if (errno == EAGAIN)
							break;
					vm_ctl_read(v);
					vm_session_clients_clear(&sh->x);
					return v->exit_code >= 0 ? v->exit_code : 255;
				}
			}
		}
		if ((p[1].revents & (POLLIN | POLLHUP)) && pump(0, stdin_to(sh)) < 0) {
			in_open = false;
			if (!sh->tty) {
				(void)close(v->in); /* the guest's stdin ends */
				v->in = -1;
			}
		}
		if ((p[2].revents & (POLLIN | POLLHUP)) && pump(v->out, 1) < 0)
			out_open = false;
		if ((p[3].revents & (POLLIN | POLLHUP)) && pump(v->err, 2) < 0)
			err_open = false;
		if (p[4].revents & POLLIN)
			vm_ctl_read(v);
		if (p[4].revents & (POLLHUP | POLLERR))
			ctl_open = false;
	}
	return 255;
}

/* The shim's life after create's report: wait for start, run, relay, end. Never returns. */
static void __attribute__((noreturn)) shim_main(struct shim *sh)
{
	struct vm *v = &sh->v;
	/* start writes one byte into the fifo */
	for (;;) {
		struct pollfd p[2] = {{.fd = sh->fifo, .events = POLLIN},
				      {.fd = sh->sfd, .events = POLLIN}};
		if (poll(p, 2, -1) < 0 && errno != EINTR)
			break;
		if (p[0].revents & POLLIN)
			break;
		if (p[1].revents & POLLIN) {
			struct signalfd_siginfo si;
			while (read(sh->sfd, &si, sizeof(si)) == sizeof(si))
				if (si.ssi_signo == SIGCHLD &&
				    waitpid(v->qemu, NULL, WNOHANG) == v->qemu) {
					v->qemu = 0;
					vm_stop(v, true);
					vm_netns_release(sh->netns, sh->nics, sh->n_nics);
					set_status(sh, "stopped");
					_exit(255);
				}
		}
	}
	struct berr *err = NULL;
	int code = 255;
	if (vm_go(v) < 0 || vm_wait_started(v, START_WAIT_S, &err) < 0) {
		char *msg = err ? berr_string(err) : xstrdup("the guest did not start");
		fprintf(stderr, "berth-runtime-vm: %s\n", msg);
		json_object_set_new(sh->st, "error", json_string(msg));
		free(msg);
		berr_free(err);
		code = 127;
	} else {
		set_status(sh, "running");
		if (sh->tty)
			follow_size(sh); /* set since create, perhaps */
		code = relay(sh);
	}
	json_object_set_new(sh->st, "exit_code", json_integer(code));
	vm_stop(v, v->qemu == 0);
	vm_netns_release(sh->netns, sh->nics, sh->n_nics);
	set_status(sh, "stopped");
	_exit(code);
}

/* The shim's stdio becomes a new pty's slave, its master sent to the console socket's owner
 * (runc's protocol), raw: the guest's own pty does the line discipline. */
static int terminal(const char *console_socket, const struct rt_process *pr, struct berr **err)
{
	(void)setsid(); /* the slave becomes our controlling terminal: SIGWINCH, SIGHUP */
	autoclose int cs = rt_console_connect(console_socket, err);
	struct rt_console con = {
	    .rootfd = -1, .rows = pr->console_height, .cols = pr->console_width};
	if (cs < 0 || rt_console_setup(cs, &con, err) < 0)
		return -EIO;
	struct termios t;
	if (tcgetattr(0, &t) == 0) {
		cfmakeraw(&t);
		(void)tcsetattr(0, TCSANOW, &t);
	}
	return 0;
}

/* The VM's size from what the caller asked of the container, as Kata sizes its VMs: the
 * memory limit is the guest's memory (QEMU's cgroup gets VM_OVERHEAD_MB more), the CPU
 * quota its vCPUs (rounded up); the annotation org.berth.vm.memory-mb overrides the memory.
 * Neither given: vm.h's defaults. */
static void vm_size(const struct rt_spec *spec, struct vm_opts *vo)
{
	json_t *mem = json_object_get(spec->resources, "memory");
	json_int_t limit = json_integer_value(json_object_get(mem, "limit"));
	if (limit > 0)
		vo->mem_mb = limit >> 20 > UINT32_MAX ? UINT32_MAX : (unsigned)(limit >> 20);
	json_t *cpu = json_object_get(spec->resources, "cpu");
	json_int_t quota = json_integer_value(json_object_get(cpu, "quota"));
	json_int_t period = json_integer_value(json_object_get(cpu, "period"));
	if (quota > 0 && period > 0 && quota / period < 256)
		vo->cpus = (unsigned)((quota + period - 1) / period);
	const char *mb = json_string_value(
	    json_object_get(json_object_get(spec->json, "annotations"), "org.berth.vm.memory-mb"));
	if (mb)
		vo->mem_mb = (unsigned)strtoul(mb, NULL, 10);
}

/* config.json, in systemd mode rewritten for a VM first (shim_systemd.h). */
static struct rt_spec *load_spec(const char *config, const char *bundle, const char *id,
				 bool *systemd_out, struct berr **err)
{
	autofree char *text = NULL;
	size_t len = 0;
	if (fs_read_file(AT_FDCWD, config, RT_SPEC_MAX_BYTES, &text, &len, err) < 0)
		return NULL;
	json_t *j = json_loadb(text, len, 0, NULL);
	autofree char *systemd = j && vm_rt_systemd(j, id) ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	*systemd_out = systemd != NULL;
	struct rt_spec *spec = systemd ? rt_spec_parse(systemd, strlen(systemd), bundle, err)
				       : rt_spec_parse(text, len, bundle, err);
	if (!spec)
		berr_wrap(err, "load '%s'", config);
	return spec;
}

/* In the shim, before its report: the VM booted to "ready". */
static int boot(struct shim *sh, const struct vm_rt_create *o, const char *bundle,
		struct berr **err)
{
	autofree char *config =
	    o->config ? xstrdup(o->config) : xasprintf("%s/config.json", bundle);
	autoptr(rt_spec) spec = load_spec(config, bundle, o->id, &sh->systemd, err);
	if (!spec)
		return -EINVAL;
	sh->tty = spec->process && spec->process->terminal;
	if (sh->tty != (o->console_socket != NULL))
		return berr_plain(err, EINVAL,
				  sh->tty ? "process.terminal needs --console-socket"
					  : "--console-socket needs process.terminal");
	if (sh->tty && terminal(o->console_socket, spec->process, err) < 0)
		return -EIO;
	autofree char *state = dir_of(o->root, o->id, "run");
	autofree char *cache = xasprintf("%s/.vm/.cache", o->root);
	struct vm_opts vo = {.id = o->id,
			     .state_dir = state,
			     .cache_dir = cache,
			     .init_path = o->init_path,
			     .accel = o->accel,
			     .spec = spec,
			     .wait_go = true,
			     /* a clone of a template, when the bundle asks (vm/template.h) */
			     .template = vm_template_wanted(spec->annotations)};
	const struct rt_namespace *ns = &spec->ns[RT_NS_NET];
	if (ns->enabled && ns->path) {
		/* podman's, CNI's: the guest becomes its interfaces */
		sh->netns = open(ns->path, O_RDONLY | O_CLOEXEC);
		if (sh->netns < 0)
			return berr_set(err, errno, "open network namespace '%s'", ns->path);
		if (vm_netns_take(sh->netns, sh->nics, VM_NICS_MAX, &sh->n_nics, err) < 0)
			return berr_wrap(err, "network namespace '%s'", ns->path);
		/* the shim is the container's process: its namespace is the one another
		 * container joins by /proc/<pid>/ns/net (podman's --network container:) */
		if (setns(sh->netns, CLONE_NEWNET) < 0) {
			vm_netns_release(sh->netns, sh->nics, sh->n_nics);
			return berr_set(err, errno, "enter network namespace '%s'", ns->path);
		}
		vo.nics = sh->nics;
		vo.n_nics = sh->n_nics;
	}
	vm_size(spec, &vo);
	if (vm_boot(&vo, &sh->v, err) < 0) {
		vm_netns_release(sh->netns, sh->nics, sh->n_nics);
		return -EIO;
	}
	if (vm_wait_ready(&sh->v, VM_BOOT_TIMEOUT_S, err) < 0) {
		vm_stop(&sh->v, false);
		vm_netns_release(sh->netns, sh->nics, sh->n_nics);
		return -EIO;
	}
	return 0;
}

/* The shim's start, in the child create forked: its descriptors, signals, exec socket and
 * VM; what failed is written to rep (create's error), and rep closed once it is created.
 * Never returns. */
static void __attribute__((noreturn))
shim_start(const struct vm_rt_create *o, json_t *st, const char *fifo, int rep)
{
	/* what the caller left open is not the shim's to hold (as a container's process
	 * keeps only its stdio): all but the report pipe */
	if (rep > 3)
		(void)syscall(SYS_close_range, 3, (unsigned)rep - 1, 0);
	(void)syscall(SYS_close_range, (unsigned)rep + 1, ~0U, 0);
	struct shim sh = {.root = o->root, .id = o->id, .st = st, .netns = -1, .listener = -1};
	sigset_t set;
	sigfillset(&set);
	sigdelset(&set, SIGKILL);
	sigdelset(&set, SIGSTOP);
	sigprocmask(SIG_BLOCK, &set, NULL);
	sh.sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	sh.fifo = open(fifo, O_RDWR | O_CLOEXEC | O_NONBLOCK);
	struct berr *e = NULL;
	if (sh.sfd < 0 || sh.fifo < 0 || listen_exec(&sh, &e) < 0 ||
	    boot(&sh, o, o->bundle, &e) < 0) {
		char *msg = e ? berr_string(e) : xstrdup(strerror(errno));
		dprintf(rep, "%s", msg);
		_exit(1);
	}
	json_object_set_new(st, "pid", json_integer(getpid()));
	json_object_set_new(st, "pid_start",
			    json_integer((json_int_t)rt_proc_start_time(getpid())));
	set_status(&sh, "created");
	(void)close(rep); /* ready: create returns */
	shim_main(&sh);
}

int vm_rt_create(const struct vm_rt_create *o, struct berr **err)
{
	if (rt_state_validate_id(o->id, err) < 0)
		return -EINVAL;
	if (!o->init_path)
		return berr_plain(err, ENOENT, "the guest init berth-vm-init is not installed");
	autofree char *vmroot = xasprintf("%s/.vm", o->root);
	autofree char *dir = dir_of(o->root, o->id, NULL);
	if (fs_mkdir_p(vmroot, 0700, err) < 0)
		return -EIO;
	if (mkdir(dir, 0700) < 0)
		return errno == EEXIST ? berr_plain(err, EEXIST, "container '%s' exists", o->id)
				       : berr_set(err, errno, "create '%s'", dir);
	autofree char *fifo = dir_of(o->root, o->id, "start");
	if (mkfifo(fifo, 0600) < 0) {
		int e = errno;
		(void)fs_rm_rf(AT_FDCWD, dir, NULL);
		return berr_set(err, e, "mkfifo '%s'", fifo);
	}
	char created[40];
	now(created);
	json_t *st = json_pack("{s:s, s:s, s:s, s:s, s:s}", "ociVersion", "1.1.0", "id", o->id,
			       "status", "creating", "bundle", o->bundle, "created", created);
	int rep[2];
	if (pipe2(rep, O_CLOEXEC) < 0) {
		json_decref(st);
		(void)fs_rm_rf(AT_FDCWD, dir, NULL);
		return berr_set(err, errno, "pipe");
	}
	pid_t pid = fork();
	if (pid < 0) {
		json_decref(st);
		(void)fs_rm_rf(AT_FDCWD, dir, NULL);
		return berr_set(err, errno, "fork the VM's shim");
	}
	if (pid == 0) {
		(void)close(rep[0]);
		shim_start(o, st, fifo, rep[1]);
	}
	(void)close(rep[1]);
	char msg[4096];
	ssize_t k, n = 0;
	while (n < (ssize_t)sizeof(msg) - 1 && (k = read(rep[0], msg + n, sizeof(msg) - 1 - n)) > 0)
		n += k;
	(void)close(rep[0]);
	msg[n] = '\0';
	json_decref(st);
	if (n > 0) {
		(void)waitpid(pid, NULL, 0);
		(void)fs_rm_rf(AT_FDCWD, dir, NULL);
		return berr_plain(err, EIO, "%s", msg);
	}
	if (o->pid_file) {
		char p[32];
		int len = snprintf(p, sizeof(p), "%d", (int)pid);
		if (fs_replace_file(o->pid_file, p, (size_t)len, 0644, err) < 0) {
			(void)kill(pid, SIGKILL);
			(void)fs_rm_rf(AT_FDCWD, dir, NULL);
			return -EIO;
		}
	}
	return 0;
}

/* The state as recorded, with status corrected by whether the shim lives. */
static json_t *load(const char *root, const char *id, struct berr **err)
{
	autofree char *p = dir_of(root, id, "state.json");
	json_t *st = json_load_path(AT_FDCWD, p, 1 << 20, NULL);
	if (!st) {
		berr_plain(err, ENOENT, "container '%s' does not exist", id);
		return NULL;
	}
	pid_t pid = (pid_t)json_integer_value(json_object_get(st, "pid"));
	uint64_t start = (uint64_t)json_integer_value(json_object_get(st, "pid_start"));
	bool alive = pid > 0 && rt_proc_start_time(pid) == start;
	if (!alive)
		json_object_set_new(st, "status", json_string("stopped"));
	return st;
}

static const char *status_of(json_t *st)
{
	return json_string_value(json_object_get(st, "status")) ?: "stopped";
}

int vm_rt_start(const char *root, const char *id, struct berr **err)
{
	json_t *st = load(root, id, err);
	if (!st)
		return -ENOENT;
	bool created = !strcmp(status_of(st), "created");
	json_decref(st);
	if (!created)
		return berr_plain(err, EINVAL, "cannot start container '%s': it is not created",
				  id);
	autofree char *fifo = dir_of(root, id, "start");
	autoclose int fd = open(fifo, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0 || write(fd, "1", 1) != 1)
		return berr_set(err, errno, "start '%s'", id);
	(void)unlink(fifo);
	/* as runc: back once the process runs (or has ended already) */
	for (int i = 0; i < START_WAIT_S * 50; i++) {
		st = load(root, id, NULL);
		const char *s = st ? status_of(st) : "stopped";
		bool done = strcmp(s, "created");
		const char *e = json_string_value(json_object_get(st, "error"));
		int r = e ? berr_plain(err, EIO, "%s", e) : 0;
		json_decref(st);
		if (done)
			return r;
		struct timespec ts = {0, 20 * 1000000L};
		nanosleep(&ts, NULL);
	}
	return berr_plain(err, ETIMEDOUT, "container '%s' did not start", id);
}

int vm_rt_pause(const char *root, const char *id, bool pause, struct berr **err)
{
	json_t *st = load(root, id, err);
	if (!st)
		return -ENOENT;
	const char *want = pause ? "running" : "paused";
	int r = 0;
	if (strcmp(status_of(st), want))
		r = berr_plain(err, EINVAL, "container '%s' is %s, not %s", id, status_of(st),
			       want);
	autofree char *run = dir_of(root, id, "run");
	if (r == 0)
		r = vm_pause(run, pause, err);
	if (r == 0) {
		json_object_set_new(st, "status", json_string(pause ? "paused" : "running"));
		r = save(root, id, st);
		if (r < 0)
			r = berr_set(err, -r, "record the state of '%s'", id);
	}
	json_decref(st);
	return r;
}

/* QEMU's cgroup, as vm_boot made it from the bundle's cgroupsPath, of a VM that runs. */
static char *cgroup_of(const char *root, const char *id, struct berr **err)
{
	json_t *st = load(root, id, err);
	if (!st)
		return NULL;
	bool stopped = !strcmp(status_of(st), "stopped");
	const char *bundle = json_string_value(json_object_get(st, "bundle"));
	autofree char *config = bundle ? xasprintf("%s/config.json", bundle) : NULL;
	autofree char *dir = bundle ? xstrdup(bundle) : NULL;
	json_decref(st);
	if (stopped) {
		berr_plain(err, EINVAL, "'%s': container not running", id);
		return NULL;
	}
	autoptr(rt_spec) spec = config ? rt_spec_load(config, dir, err) : NULL;
	return spec ? rt_cgroup_path(spec->cgroups_path, id) : NULL;
}

int vm_rt_update(const char *root, const char *id, json_t *resources, struct berr **err)
{
	/* what a VM cannot change once it runs: its memory (no hot-plug), and the pids of a
	 * cgroup that holds QEMU's threads, not the container's processes */
	const char *fixed[] = {"memory", "pids", "hugepageLimits", "blockIO"};
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		json_t *v = json_object_get(resources, fixed[i]);
		if (v && !(json_is_object(v) && json_object_size(v) == 0) &&
		    !(json_is_array(v) && json_array_size(v) == 0))
			return berr_plain(
			    err, EINVAL,
			    "update '%s': a VM's %s is set when it boots; only its CPU "
			    "limits change",
			    id, fixed[i]);
	}
	autofree char *cgroup = cgroup_of(root, id, err);
	if (!cgroup)
		return -EINVAL;
	json_t *given = json_object_get(resources, "cpu");
	json_t *cpu = given ? json_pack("{s:O}", "cpu", given) : json_pack("{s:{}}", "cpu");
	int r = rt_cgroup_update(cgroup, cpu, err);
	json_decref(cpu);
	return r;
}

int vm_rt_pids(const char *root, const char *id, pid_t **out_pids, size_t *out_n, struct berr **err)
{
	autofree char *cgroup = cgroup_of(root, id, err);
	if (!cgroup)
		return -EINVAL;
	return rt_cgroup_pids(cgroup, out_pids, out_n, err);
}

json_t *vm_rt_state(const char *root, const char *id, struct berr **err)
{
	json_t *st = load(root, id, err);
	if (!st)
		return NULL;
	json_t *out = json_pack("{s:s, s:s, s:s, s:I, s:s, s:s}", "ociVersion", "1.1.0", "id", id,
				"status", status_of(st), "pid",
				strcmp(status_of(st), "stopped")
				    ? json_integer_value(json_object_get(st, "pid"))
				    : (json_int_t)0,
				"bundle", json_string_value(json_object_get(st, "bundle")) ?: "",
				"created", json_string_value(json_object_get(st, "created")) ?: "");
	json_object_set_new(out, "annotations", json_pack("{s:s}", "org.berth.isolation", "vm"));
	json_decref(st);
	return out;
}

int vm_rt_kill(const char *root, const char *id, int sig, bool all, struct berr **err)
{
	json_t *st = load(root, id, err);
	if (!st)
		return -ENOENT;
	pid_t pid = (pid_t)json_integer_value(json_object_get(st, "pid"));
	bool stopped = !strcmp(status_of(st), "stopped");
	json_decref(st);
	if (stopped)
		return all ? 0
			   : berr_plain(err, EINVAL, "cannot kill '%s': container not running", id);
	if (kill(pid, sig) < 0)
		return berr_set(err, errno, "kill '%s'", id);
	return 0;
}

int vm_rt_delete(const char *root, const char *id, bool force, struct berr **err)
{
	json_t *st = load(root, id, err);
	if (!st)
		return -ENOENT;
	pid_t pid = (pid_t)json_integer_value(json_object_get(st, "pid"));
	const char *s = status_of(st);
	bool running = !strcmp(s, "running") || !strcmp(s, "paused");
	bool alive = strcmp(s, "stopped") != 0;
	json_decref(st);
	if (running && !force)
		return berr_plain(err, EBUSY, "cannot delete container '%s': it is running", id);
	if (alive) {
		(void)kill(pid, SIGKILL); /* QEMU goes with it (PR_SET_PDEATHSIG) */
		for (int i = 0; i < 250 && rt_proc_start_time(pid); i++) {
			struct timespec ts = {0, 20 * 1000000L};
			nanosleep(&ts, NULL);
		}
	}
	autofree char *dir = dir_of(root, id, NULL);
	return fs_rm_rf(AT_FDCWD, dir, err);
}

json_t *vm_rt_list(const char *root)
{
	json_t *out = json_array();
	autofree char *vmroot = xasprintf("%s/.vm", root);
	autoclosedir DIR *d = opendir(vmroot);
	struct dirent *de;
	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		json_t *s = vm_rt_state(root, de->d_name, NULL);
		if (s)
			json_array_append_new(out, s);
	}
	return out;
}
