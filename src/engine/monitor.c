/* The container monitor (see monitor.h). It is single-threaded: one poll loop over the
 * container's output, the attach socket and its clients, and a signalfd. */
#include "engine/monitor.h"

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "engine/attach.h"
#include "engine/container.h"
#include "engine/create.h"
#include "engine/endpoint.h"
#include "engine/event.h"
#include "engine/executor.h"
#include "engine/health.h"
#include "engine/layer_copies.h"
#include "engine/logfile.h"
#include "engine/pod.h"
#include "engine/pod_vm.h"
#include "engine/rootfs.h"
#include "engine/share.h"
#include "engine/volume.h"
#include "image/snapshot.h"
#include "image/store.h"
#include "runtime/console.h"
#include "runtime/container.h"
#include "runtime/state.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/timefmt.h"
#include "util/xalloc.h"
#include "vm/session.h"

#define MAX_CLIENTS    16
#define ATTACH_WAIT_MS 30000
#define PEND_MAX       (MAX_CLIENTS * FRAME_MAX) /* stdin kept for a process not reading it */

char *eng_runtime_root(const struct eng_store *s)
{
	return xasprintf("%s/runtime", s->runroot);
}

char *eng_attach_path(const struct eng_store *s, const char *id)
{
	return xasprintf("%s/%s/attach", s->runroot, id);
}

/* ---- the monitor ---- */

struct monitor {
	const struct eng_store *s;
	const char *id;
	json_t *rec;
	char *rtroot, *dir, *rootfs;
	int report;
	int listener;
	int clients[MAX_CLIENTS];
	bool held[MAX_CLIENTS]; /* some of its stdin is pending: not read until it is written */
	size_t n_clients;
	int sfd;
	struct eng_log log;
	bool tty, open_stdin;
	int out, errp, in, master; /* our ends */
	pid_t pid;
	json_t *state;
	struct eng_health *health; /* or NULL */
	struct eng_endpoints ep;   /* its networks, while it runs */
	const struct eng_executor *x;
	struct eng_exec_ctx xc;
	struct eng_proc proc;
	int ctl;                          /* the process's control channel (a VM's), or -1 */
	struct vm_session_clients x_sess; /* execs the executor runs itself (a VM's) */
	/* stdin the process has not taken yet, in the order it came, and an end of stdin that
	 * came after it: written as the process reads (stdin_write) */
	char *pend;
	size_t pend_len, pend_off;
	bool pend_eof;
};

static void report(struct monitor *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void report(struct monitor *m, const char *fmt, ...)
{
	if (m->report < 0)
		return;
	va_list ap;
	va_start(ap, fmt);
	vdprintf(m->report, fmt, ap);
	va_end(ap);
}

static void save_state(struct monitor *m)
{
	(void)eng_state_save(m->s, m->id, m->state, NULL);
}

static void set_status(struct monitor *m, const char *status)
{
	json_object_set_new(m->state, "Status", json_string(status));
	json_object_set_new(m->state, "Running", json_boolean(!strcmp(status, "running")));
	json_object_set_new(m->state, "Restarting", json_boolean(!strcmp(status, "restarting")));
}

static int listen_attach(struct monitor *m, struct berr **err)
{
	autofree char *dir = xasprintf("%s/%s", m->s->runroot, m->id);
	int r = fs_mkdir_p(dir, 0700, err);
	if (r < 0)
		return r;
	autofree char *path = eng_attach_path(m->s, m->id);
	struct sockaddr_un a;
	autoclose int dirfd = -1;
	if ((r = fs_unix_addr(path, &a, &dirfd, err)) < 0)
		return r;
	(void)unlink(path);
	m->listener = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (m->listener < 0 || bind(m->listener, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    listen(m->listener, 8) < 0)
		return berr_set(err, errno, "attach socket '%s'", path);
	return 0;
}

static void add_client(struct monitor *m, int fd)
{
	if (m->n_clients == MAX_CLIENTS) {
		(void)close(fd);
		return;
	}
	/* blocking writes to a client: a slow one slows the container's output, not its log */
	int fl = fcntl(fd, F_GETFL);
	(void)fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
	m->held[m->n_clients] = false;
	m->clients[m->n_clients++] = fd;
}

/* Out of the list, without a close: a client that asked for an exec is its session's now. */
static int take_client(struct monitor *m, size_t i)
{
	int fd = m->clients[i];
	m->n_clients--;
	m->clients[i] = m->clients[m->n_clients];
	m->held[i] = m->held[m->n_clients];
	return fd;
}

static void drop_client(struct monitor *m, size_t i)
{
	(void)close(take_client(m, i));
}

/* The clients the start waits for (an attach, a wait), ATTACH_WAIT_MS for them all. */
static int wait_clients(struct monitor *m, unsigned n, struct berr **err)
{
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (unsigned i = 0; i < n; i++) {
		struct timespec now;
		clock_gettime(CLOCK_MONOTONIC, &now);
		long spent = (now.tv_sec - t0.tv_sec) * 1000 + (now.tv_nsec - t0.tv_nsec) / 1000000;
		struct pollfd p = {.fd = m->listener, .events = POLLIN};
		int r = spent < ATTACH_WAIT_MS ? poll(&p, 1, (int)(ATTACH_WAIT_MS - spent)) : 0;
		if (r <= 0)
			return berr_plain(err, ETIMEDOUT, "nobody attached to the container");
		int fd = accept4(m->listener, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0)
			return berr_set(err, errno, "accept");
		add_client(m, fd);
	}
	return 0;
}

static void unmount_root(struct monitor *m)
{
	(void)umount2(m->rootfs, MNT_DETACH);
}

/* Docker's exit statuses for a process that could not be started. */
static int start_status(const struct berr *err)
{
	int code = berr_code(err);
	if (code == ENOENT)
		return 127;
	if (code == EACCES || code == ENOEXEC || code == EPERM)
		return 126;
	return 125;
}

static void forward_output(struct monitor *m, int stream, int fd, bool *open_)
{
	char buf[FRAME_MAX];
	ssize_t n = read(fd, buf, sizeof(buf));
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		*open_ = false;
		return;
	}
	eng_log_write(&m->log, stream, buf, (size_t)n);
	for (size_t i = 0; i < m->n_clients;) {
		if (frame_write(m->clients[i], stream, buf, (size_t)n) < 0)
			drop_client(m, i);
		else
			i++;
	}
}

static void set_nonblock(int fd)
{
	int fl = fd >= 0 ? fcntl(fd, F_GETFL) : -1;
	if (fl >= 0)
		(void)fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

/* Where a client's stdin goes: the terminal, the stdin pipe, or nowhere (-1). */
static int stdin_fd(const struct monitor *m)
{
	return m->tty ? m->master : m->in;
}

/* The pending stdin written, or dropped (its reader is gone, or the process ended): the
 * clients it held are read again, and an end of stdin that waited for it closes the pipe. */
static void pend_done(struct monitor *m)
{
	free(m->pend);
	m->pend = NULL;
	m->pend_len = m->pend_off = 0;
	memset(m->held, 0, sizeof(m->held));
	if (m->pend_eof && m->in >= 0) {
		(void)close(m->in);
		m->in = -1;
	}
	m->pend_eof = false;
}

/* Client i's stdin: as much as the process takes now (`to` does not block) unless some is
 * pending already; the rest is pending after it, and client i is not read until all of it is
 * written (relay polls `to` for room). A process that does not read its stdin holds back the
 * clients that write to it, as a full pipe holds its writers, never the monitor or another
 * client (output, signals, execs and resizes go on). A reader that is gone drops it, as
 * before. Each held client adds one frame at most; PEND_MAX bounds what clients that wrote
 * and left can leave behind. */
static void stdin_write(struct monitor *m, size_t i, int to, const char *buf, size_t len)
{
	size_t w = 0;
	while (!m->pend && w < len) {
		ssize_t k = write(to, buf + w, len - w);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0 && errno != EAGAIN)
			return;
		if (k < 0)
			break;
		w += (size_t)k;
	}
	size_t left = m->pend_len - m->pend_off;
	if (w == len)
		return;
	m->held[i] = true;
	if (left + len - w > PEND_MAX)
		return; /* over the bound: dropped (the clients that wrote the rest are gone) */
	char *p = xmalloc(left + len - w);
	if (left)
		memcpy(p, m->pend + m->pend_off, left);
	memcpy(p + left, buf + w, len - w);
	free(m->pend);
	m->pend = p;
	m->pend_len = left + len - w;
	m->pend_off = 0;
}

/* `to` can take more: the pending stdin, as much as it takes. */
static void stdin_flush(struct monitor *m, int to)
{
	ssize_t k = to >= 0 ? write(to, m->pend + m->pend_off, m->pend_len - m->pend_off) : -1;
	if (k < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (k >= 0)
		m->pend_off += (size_t)k;
	if (k < 0 || m->pend_off == m->pend_len)
		pend_done(m);
}

static void client_input(struct monitor *m, size_t i)
{
	static char buf[FRAME_MAX + 1];
	enum frame_stream s;
	size_t len;
	if (frame_read(m->clients[i], &s, buf, &len) <= 0) {
		drop_client(m, i);
		return;
	}
	if (s == FRAME_EXEC) {
		vm_session_clients_add(&m->x_sess, take_client(m, i), buf, len);
		return;
	}
	int to = stdin_fd(m);
	if (s == FRAME_STDIN && to >= 0)
		stdin_write(m, i, to, buf, len);
	else if (s == FRAME_STDIN_EOF && !m->tty && m->in >= 0 && m->pend)
		m->pend_eof = true; /* after what is pending */
	else if (s == FRAME_STDIN_EOF && !m->tty && m->in >= 0) {
		(void)close(m->in);
		m->in = -1;
	} else if (s == FRAME_SIGNAL && m->pid > 0) {
		int sig = atoi(buf);
		if (sig > 0 && sig < 65)
			(void)m->x->signal(&m->xc, &m->proc, sig, NULL);
	} else if (s == FRAME_RESIZE && m->tty) {
		struct winsize ws = {0};
		if (sscanf(buf, "%hu %hu", &ws.ws_row, &ws.ws_col) != 2)
			return;
		if (m->x->resize)
			(void)m->x->resize(&m->proc, ws.ws_row, ws.ws_col);
		else
			(void)ioctl(m->master, TIOCSWINSZ, &ws);
	}
}

/* The init's exit status as a shell gives it, once it has exited; -1 before. */
static char *health_status(struct monitor *m)
{
	json_t *hs = json_object_get(m->state, "Health");
	return xstrdup(json_string_value(json_object_get(hs, "Status")) ?: "");
}

static int reap(struct monitor *m)
{
	int code = -1, st;
	pid_t p;
	while ((p = waitpid(-1, &st, WNOHANG)) > 0) {
		if (p == m->pid) {
			code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
			/* a VM's process says its own status on the control channel */
			if (m->x->control) {
				m->x->control(&m->proc);
				code = m->proc.exit_code >= 0 ? m->proc.exit_code : 255;
			}
			m->pid = 0;
		} else {
			autofree char *was = health_status(m);
			if (eng_health_reaped(m->health, p, st, m->state)) {
				autofree char *now = health_status(m);
				if (strcmp(was, now)) { /* dockerd logs a change only */
					autofree char *action = xasprintf("health_status: %s", now);
					eng_event_container(m->s, m->id, m->rec, action, NULL);
				}
				save_state(m);
			}
		}
	}
	return code;
}

/* The relay's poll set: the signalfd, the attach listener, stdout, stderr, the health
 * check's timer (while the init lives), the executor's control and watch descriptors, stdin
 * while some is pending, each attach client, then the exec sessions' from *out_xs on.
 * Returns how many. */
static size_t poll_set(struct monitor *m, struct pollfd *p, bool out_open, bool err_open,
		       bool ctl_open, bool alive, size_t *out_xs)
{
	size_t n = 0;
	p[n++] = (struct pollfd){.fd = m->sfd, .events = POLLIN};
	p[n++] = (struct pollfd){.fd = m->listener, .events = POLLIN};
	p[n++] =
	    (struct pollfd){.fd = out_open ? (m->tty ? m->master : m->out) : -1, .events = POLLIN};
	p[n++] = (struct pollfd){.fd = err_open ? m->errp : -1, .events = POLLIN};
	p[n++] = (struct pollfd){.fd = alive ? eng_health_fd(m->health) : -1, .events = POLLIN};
	p[n++] = (struct pollfd){.fd = ctl_open ? m->ctl : -1, .events = POLLIN};
	p[n++] = (struct pollfd){.fd = m->proc.watch, .events = POLLIN};
	p[n++] = (struct pollfd){.fd = m->pend ? stdin_fd(m) : -1, .events = POLLOUT};
	for (size_t i = 0; i < m->n_clients; i++) /* a held one: only its end (POLLHUP) */
		p[n++] = (struct pollfd){.fd = m->clients[i], .events = m->held[i] ? 0 : POLLIN};
	*out_xs = n;
	return n + vm_session_clients_poll(&m->x_sess, p + n);
}

/* The signalfd said SIGCHLD: drained, and the init's exit code if it ended (reap), else -1. */
static int reaped(struct monitor *m)
{
	struct signalfd_siginfo si;
	while (read(m->sfd, &si, sizeof(si)) == sizeof(si))
		;
	return reap(m);
}

static void accept_client(struct monitor *m)
{
	int fd = accept4(m->listener, NULL, NULL, SOCK_CLOEXEC);
	if (fd >= 0)
		add_client(m, fd);
}

/* After poll, the nc clients' pollfds at p: last, as dropping or taking a client reorders
 * the list (new ones, at its end, wait for the next poll). A held client is not read (its
 * frames keep their order behind its pending stdin); one that is gone is dropped. */
static void clients_input(struct monitor *m, const struct pollfd *p, size_t nc)
{
	for (size_t i = nc; i-- > 0;) {
		if (i >= m->n_clients || p[i].fd != m->clients[i] ||
		    !(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		if (m->held[i])
			drop_client(m, i);
		else
			client_input(m, i);
	}
}

/* Relay until the init has exited and its output is drained. */
static int relay(struct monitor *m)
{
	bool out_open = m->tty ? true : m->out >= 0, err_open = !m->tty && m->errp >= 0;
	bool ctl_open = m->ctl >= 0;
	int code = -1;
	struct timespec ended = {0};
	/* A pty's master reads EIO while no one has its slave open, and a process may close
	 * its terminal and open it again later (systemd as PID 1 points its stdio at /dev/null
	 * and opens /dev/console for each message): hold the slave while the init lives, so the
	 * output ends when the init and everything it left with the terminal are gone. */
	autoclose int slave = m->tty && m->master >= 0
				  ? ioctl(m->master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC)
				  : -1;
	for (;;) {
		struct pollfd p[8 + MAX_CLIENTS + 1 + VM_SESSION_CLIENTS];
		size_t nc = m->n_clients, xs; /* xs: where the exec sessions' start */
		size_t n = poll_set(m, p, out_open, err_open, ctl_open, code < 0, &xs);
		if (code >= 0 && !out_open && !err_open)
			return code;
		int timeout = code >= 0 ? 100 : eng_health_wait_ms(m->health);
		if (code >= 0) {
			/* the init is gone: give what is still buffered two seconds */
			struct timespec t;
			clock_gettime(CLOCK_MONOTONIC, &t);
			if (t.tv_sec - ended.tv_sec >= 2)
				return code;
		}
		if (poll(p, n, timeout) < 0 && errno != EINTR)
			return code >= 0 ? code : 255;
		int c = p[0].revents & POLLIN ? reaped(m) : -1;
		if (c >= 0 && code < 0) {
			code = c;
			clock_gettime(CLOCK_MONOTONIC, &ended);
			if (slave >= 0) {
				(void)close(slave);
				slave = -1;
			}
		}
		if (p[2].revents & (POLLIN | POLLHUP | POLLERR))
			forward_output(m, 1, m->tty ? m->master : m->out, &out_open);
		if (p[3].revents & (POLLIN | POLLHUP | POLLERR))
			forward_output(m, 2, m->errp, &err_open);
		if (p[1].revents & POLLIN) /* after the output: none of this round for it */
			accept_client(m);
		if (code < 0)
			eng_health_tick(m->health, m->state);
		if (p[5].revents & POLLIN)
			m->x->control(&m->proc);
		if (p[5].revents & (POLLHUP | POLLERR))
			ctl_open = false;
		if (p[6].revents & POLLIN)
			m->x->files_changed(&m->proc);
		if (m->pend && p[7].revents & (POLLOUT | POLLHUP | POLLERR))
			stdin_flush(m, stdin_fd(m));
		vm_session_clients_handle(&m->x_sess, p + xs, n - xs);
		clients_input(m, p + 8, nc);
	}
}

static void close_stdio(struct monitor *m)
{
	int *fds[] = {&m->out, &m->errp, &m->in, &m->master, &m->ctl, &m->proc.exec};
	vm_session_clients_clear(&m->x_sess);
	pend_done(m);
	for (size_t i = 0; i < 6; i++)
		if (*fds[i] >= 0) {
			(void)close(*fds[i]);
			*fds[i] = -1;
		}
}

/* A start that failed: the client hears status `st` and why; `record` keeps the why in the
 * state's Error too. Returns -st. */
static int start_failed(struct monitor *m, int st, struct berr *err, bool record)
{
	char *msg = berr_string(err);
	report(m, "E %d %s\n", st, msg);
	if (record)
		json_object_set_new(m->state, "Error", json_string(msg));
	free(msg);
	berr_free(err);
	return -st;
}

/* The process made and started: a VM's networks first (QEMU gets their TAPs at its start),
 * a container's once its namespace exists. Returns 0, or -status with all of it undone. */
static int start_proc(struct monitor *m)
{
	struct berr *err = NULL;
	bool vm = eng_is_vm(m->rec);
	struct eng_vm_nics nics = {.n = 0};
	if (vm && eng_endpoints_attach_vm(m->s, m->id, m->rec, &nics, &m->ep, &err) < 0)
		return start_failed(m, 125, err, true);
	m->xc.nics = &nics;
	m->proc = (struct eng_proc){.in = -1,
				    .out = -1,
				    .err = -1,
				    .master = -1,
				    .ctl = -1,
				    .exec = -1,
				    .watch = -1,
				    .exit_code = -1};
	int r = m->x->create(&m->xc, &m->proc, &err);
	eng_vm_nics_close(&nics); /* QEMU has its own */
	m->xc.nics = NULL;
	m->pid = m->proc.pid;
	m->out = m->proc.out;
	m->errp = m->proc.err;
	m->in = m->proc.in;
	m->master = m->proc.master;
	/* stdin is written as the process takes it (stdin_write); the terminal's reads wait
	 * for poll and take EAGAIN as nothing yet (forward_output) */
	set_nonblock(m->tty ? m->master : m->in);
	m->ctl = m->proc.ctl;
	vm_session_clients_init(&m->x_sess, m->proc.exec);
	if (r < 0) {
		close_stdio(m);
		r = start_failed(m, start_status(err), err, true);
		m->x->destroy(&m->xc, &m->proc, false);
		if (vm)
			eng_endpoints_detach(m->s, m->id, m->rec, &m->ep);
		return r;
	}
	/* its network namespace: loopback, its networks' interfaces, its published ports */
	if (!vm && eng_endpoints_attach(m->s, m->id, m->rec, m->pid, &m->ep, &err) < 0) {
		close_stdio(m);
		r = start_failed(m, 125, err, false);
		m->x->destroy(&m->xc, &m->proc, false);
		return r;
	}
	if (m->x->start(&m->xc, &m->proc, &err) < 0) {
		close_stdio(m);
		r = start_failed(m, start_status(err), err, true);
		m->x->destroy(&m->xc, &m->proc, false);
		eng_endpoints_detach(m->s, m->id, m->rec, &m->ep);
		return r;
	}
	return 0;
}

static void mark_running(struct monitor *m)
{
	char t[40];
	timefmt_now(t);
	autofree char *paused = eng_container_path(m->s, m->id, "paused");
	(void)unlink(paused); /* a new start is not paused, whatever the last one was */
	set_status(m, "running");
	json_object_set_new(m->state, "Pid", json_integer(m->pid));
	json_object_set_new(m->state, "PidStart",
			    json_integer((json_int_t)rt_proc_start_time(m->pid)));
	json_object_set_new(m->state, "StartedAt", json_string(t));
	json_object_set_new(m->state, "Error", json_string(""));
	json_object_set(m->state, "Ports", m->ep.settings ? m->ep.settings : json_null());
	if (m->health)
		eng_health_start(m->health, m->state);
	eng_volume_events(m->s, m->id, m->rec, true);
	eng_event_container(m->s, m->id, m->rec, "start", NULL);
	save_state(m);
}

static void mark_exited(struct monitor *m, int code)
{
	char t[40];
	timefmt_now(t);
	json_object_del(m->state, "Ports");
	set_status(m, "exited");
	autofree char *stopping = eng_container_path(m->s, m->id, "stopping");
	if (access(stopping, F_OK) == 0)
		json_object_set_new(m->state, "HasBeenManuallyStopped", json_true());
	json_object_set_new(m->state, "Pid", json_integer(0));
	json_object_set_new(m->state, "ExitCode", json_integer(code));
	json_object_set_new(m->state, "FinishedAt", json_string(t));
	json_t *more = json_pack("{s:o}", "exitCode", json_sprintf("%d", code));
	eng_event_container(m->s, m->id, m->rec, "die", more);
	json_decref(more);
	save_state(m);
}

/* One life of the container: create, start, relay, end. The exit status, or <0 if it could
 * not be started (reported). */
static int run_once(struct monitor *m, bool first)
{
	int r = start_proc(m);
	if (r < 0)
		return r;
	mark_running(m);
	if (first) {
		report(m, "S %d\n", (int)m->pid);
		(void)close(m->report);
		m->report = -1;
	}
	/* The monitor now idles for the container's life, and what its start used and freed
	 * (the bundle's spec, a seccomp program compiled on a store's first start: 0.9 MB)
	 * stays in its heap below what is still in use: give those pages back (malloc_trim(3)
	 * returns free pages anywhere in the heap, not only at its top), after the start was
	 * reported, so that no one waits for it. */
	(void)malloc_trim(0);
	int code = relay(m);
	close_stdio(m);
	m->x->destroy(&m->xc, &m->proc, m->pid == 0);
	if (m->proc.exit_code >= 0 && eng_is_vm(m->rec))
		code = m->proc.exit_code;
	eng_endpoints_detach(m->s, m->id, m->rec, &m->ep);
	eng_volume_events(m->s, m->id, m->rec, false);
	mark_exited(m, code);
	return code;
}

/* Whether the restart policy brings it back after this exit. */
static bool restart(struct monitor *m, int code, int restarts)
{
	autofree char *stopping = eng_container_path(m->s, m->id, "stopping");
	if (access(stopping, F_OK) == 0)
		return false;
	json_t *p = json_object_get(json_object_get(m->rec, "HostConfig"), "RestartPolicy");
	const char *name = json_string_value(json_object_get(p, "Name"));
	int max = (int)json_integer_value(json_object_get(p, "MaximumRetryCount"));
	if (!name || !*name || !strcmp(name, "no"))
		return false;
	if (!strcmp(name, "always") || !strcmp(name, "unless-stopped"))
		return true;
	return !strcmp(name, "on-failure") && code != 0 && (max <= 0 || restarts < max);
}

static int setup(struct monitor *m, unsigned wait_attach, struct berr **err)
{
	m->rec = eng_container_load(m->s, m->id, err);
	if (!m->rec)
		return berr_ret(err);
	json_t *cfg = json_object_get(m->rec, "Config");
	m->tty = json_is_true(json_object_get(cfg, "Tty"));
	m->open_stdin = json_is_true(json_object_get(cfg, "OpenStdin"));
	m->rtroot = eng_runtime_root(m->s);
	m->dir = eng_container_path(m->s, m->id, NULL);
	m->rootfs = eng_container_path(m->s, m->id, "rootfs");
	/* health checks exec in the container; in a VM, as exec sessions through our socket */
	m->health = eng_health_new(json_object_get(cfg, "Healthcheck"), m->rtroot, m->id);
	if (eng_is_vm(m->rec)) {
		autofree char *attach = eng_attach_path(m->s, m->id);
		autofree char *config = eng_container_path(m->s, m->id, "config.json");
		eng_health_by_session(m->health, attach, config);
	}
	/* a member of a pod of one VM runs in the pod's VM (engine/pod_vm.h) */
	m->x = eng_pod_vm_executor(m->rec) ?: eng_executor_for(m->rec);
	m->xc = (struct eng_exec_ctx){.s = m->s,
				      .id = m->id,
				      .rtroot = m->rtroot,
				      .dir = m->dir,
				      .rec = m->rec,
				      .tty = m->tty,
				      .open_stdin = m->open_stdin};
	/* the container's init becomes our child when its runtime parent exits */
	(void)prctl(PR_SET_CHILD_SUBREAPER, 1);
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGPIPE);
	sigprocmask(SIG_BLOCK, &set, NULL);
	sigdelset(&set, SIGPIPE);
	m->sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (m->sfd < 0)
		return berr_set(err, errno, "signalfd");
	autofree char *log = eng_container_path(m->s, m->id, NULL);
	autofree char *logpath = xasprintf("%s/%s-json.log", log, m->id);
	int r;
	if ((r = eng_log_open(&m->log, logpath, err)) < 0 || (r = listen_attach(m, err)) < 0)
		return r;
	if (wait_attach) {
		report(m, "L\n");
		if ((r = wait_clients(m, wait_attach, err)) < 0)
			return r;
	}
	if ((r = eng_rootfs_mount_locked(m->s, m->id, m->rec, err)) < 0)
		return r;
	return eng_bundle_write(m->s, m->id, m->rec, m->rootfs, err);
}

static void finish(struct monitor *m, int code)
{
	eng_log_close(&m->log);
	unmount_root(m);
	eng_share_shm_release_monitor(m->s, m->id);
	autofree char *sock = eng_attach_path(m->s, m->id);
	(void)unlink(sock);
	autofree char *dir = xasprintf("%s/%s", m->s->runroot, m->id);
	(void)rmdir(dir);
	autofree char *stopping = eng_container_path(m->s, m->id, "stopping");
	(void)unlink(stopping);
	autofree char *paused = eng_container_path(m->s, m->id, "paused");
	(void)unlink(paused);
	/* --rm: gone before the attached command hears of the exit, as with Docker */
	json_t *host = json_object_get(m->rec, "HostConfig");
	if (json_is_true(json_object_get(host, "AutoRemove"))) {
		if (eng_container_remove(m->s, m->id, NULL) == 0) {
			eng_event_container(m->s, m->id, m->rec, "destroy", NULL);
			(void)eng_layer_copies_prune(m->s, NULL); /* those only it used, as rm */
		}
		eng_remove_anonymous_volumes(m->s, m->rec);
	}
	/* a pod's --exit-policy stop: done before an attached run hears of the exit */
	eng_pod_after_exit(m->s, m->id, m->rec);
	for (size_t i = 0; i < m->n_clients; i++) {
		char buf[16];
		int n = snprintf(buf, sizeof(buf), "%d", code);
		(void)frame_write(m->clients[i], FRAME_EXIT, buf, (size_t)n);
		(void)close(m->clients[i]);
	}
	m->n_clients = 0;
}

int eng_monitor_main(const struct eng_store *s, const char *id, int report_fd, unsigned wait_attach)
{
	struct monitor m = {
	    .s = s, .id = id, .report = report_fd, .listener = -1, .sfd = -1, .ctl = -1};
	/* inherited without close-on-exec; what the monitor starts (QEMU) must not hold it */
	if (report_fd >= 0)
		(void)fcntl(report_fd, F_SETFD, FD_CLOEXEC);
	m.state = eng_state_load(s, id);
	/* a start by hand, or at boot: not stopped, whatever a monitor that died left */
	json_object_del(m.state, "HasBeenManuallyStopped");
	autofree char *stopping = eng_container_path(s, id, "stopping");
	(void)unlink(stopping);
	json_object_set_new(m.state, "MonitorPid", json_integer(getpid()));
	json_object_set_new(m.state, "MonitorStart",
			    json_integer((json_int_t)rt_proc_start_time(getpid())));
	struct berr *err = NULL;
	int code = 125;
	if (setup(&m, wait_attach, &err) < 0) {
		char *msg = berr_string(err);
		report(&m, "E 125 %s\n", msg);
		free(msg);
		berr_free(err);
	} else {
		int restarts = (int)json_integer_value(json_object_get(m.state, "RestartCount"));
		bool first = true;
		for (;;) {
			code = run_once(&m, first);
			first = false;
			if (code < 0) {
				code = -code;
				break;
			}
			if (!restart(&m, code, restarts))
				break;
			/* Docker's back-off: 100 ms, doubled at each restart */
			long ms = 100L << (restarts < 10 ? restarts : 10);
			restarts++;
			set_status(&m, "restarting");
			json_object_set_new(m.state, "RestartCount", json_integer(restarts));
			save_state(&m);
			struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
			nanosleep(&ts, NULL);
		}
	}
	finish(&m, code);
	eng_health_free(m.health);
	json_decref(m.state);
	json_decref(m.rec);
	free(m.rtroot);
	free(m.dir);
	free(m.rootfs);
	return code;
}
