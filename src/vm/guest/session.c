/* PID 1's loop while the VM's process runs (see guest.h): the control port ("signal N",
 * "resize ROWS COLS"), the process's terminal when it has one, and the exec sessions of the
 * port berth.exec (vm/proto.h): each OPEN runs a process in the container's root with pipes
 * or a pty, relayed as frames until its EXIT. SIGCHLD comes through a signalfd, so an exit is
 * seen at once. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guest.h"
#include "vm/proto.h"

#define SESSIONS_MAX 32
#define INBUF_MAX    (1 << 20) /* frames from the host held while ours wait to be written */

struct session {
	unsigned id; /* 0: a free slot */
	pid_t pid;   /* 0 once reaped */
	int status;
	int in, out, err, master; /* ours; -1 when closed */
	struct config cfg;
};

struct loop {
	int sfd, exec, tty_port, master; /* master: the VM's process's terminal */
	pid_t pid;
	bool agent; /* systemd is PID 1 and pid; we are its agent (see agent()) */
	int code;   /* the VM's process's, -1 while it runs */
	struct session s[SESSIONS_MAX];
	unsigned char *in;
	size_t in_len, in_cap;
	char line[256];
	size_t line_len;
};

static void closefd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* ---- frames to the host ---- */

/* Frames from the host read while we wait to write: kept for later, so that neither side
 * waits for the other forever. */
static void take_input(struct loop *l)
{
	if (l->in_len == l->in_cap) {
		if (l->in_cap >= INBUF_MAX)
			return;
		size_t cap = l->in_cap ? l->in_cap * 2 : 2 * (VM_FRAME_HEADER + VM_FRAME_MAX);
		unsigned char *p = realloc(l->in, cap);
		if (!p)
			return;
		l->in = p;
		l->in_cap = cap;
	}
	ssize_t k = read(l->exec, l->in + l->in_len, l->in_cap - l->in_len);
	if (k > 0)
		l->in_len += (size_t)k;
}

static void send_all(struct loop *l, const void *buf, size_t len)
{
	const char *p = buf;
	while (len) {
		ssize_t k = write(l->exec, p, len);
		if (k < 0 && errno == EAGAIN) {
			struct pollfd pf = {.fd = l->exec, .events = POLLOUT | POLLIN};
			(void)poll(&pf, 1, -1);
			if (pf.revents & POLLIN)
				take_input(l);
			continue;
		}
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return;
		p += k;
		len -= (size_t)k;
	}
}

static void send_frame(struct loop *l, enum vm_frame type, unsigned id, const void *data,
		       size_t len)
{
	unsigned char h[VM_FRAME_HEADER];
	vm_frame_header(h, type, id, len);
	send_all(l, h, sizeof(h));
	if (len)
		send_all(l, data, len);
}

/* ---- sessions ---- */

static struct session *find(struct loop *l, unsigned id)
{
	for (size_t i = 0; i < SESSIONS_MAX; i++)
		if (l->s[i].id == id)
			return &l->s[i];
	return NULL;
}

static void open_session(struct loop *l, unsigned id, const unsigned char *data, size_t len)
{
	char why[600];
	struct session *s = id ? find(l, 0) : NULL;
	if (!s || find(l, id)) {
		int n = snprintf(why, sizeof(why), "125 %s",
				 id && !s ? "too many execs at once" : "bad session id");
		send_frame(l, VM_X_ERROR, id, why, (size_t)n);
		return;
	}
	*s = (struct session){.id = id, .in = -1, .out = -1, .err = -1, .master = -1};
	s->cfg.data = malloc(len + 1);
	if (s->cfg.data) {
		memcpy(s->cfg.data, data, len);
		s->cfg.data[len] = '\0';
		s->cfg.len = len;
		config_index(&s->cfg);
	}
	int in[2] = {-1, -1}, out[2] = {-1, -1}, err[2] = {-1, -1}, code = 125;
	bool tty = s->cfg.data && config_value(&s->cfg, "tty");
	pid_t pid = -1;
	if (!s->cfg.data)
		snprintf(why, sizeof(why), "out of memory");
	else if (!tty && (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC | O_NONBLOCK) < 0 ||
			  pipe2(err, O_CLOEXEC | O_NONBLOCK) < 0))
		snprintf(why, sizeof(why), "pipe: %s", strerror(errno));
	else if (config_value(&s->cfg, "query")) /* top or stats of a pod member */
		pid = member_query(&s->cfg, out[1], &code, why, sizeof(why));
	else
		pid =
		    proc_spawn(&s->cfg, in[0], out[1], err[1], &s->master, &code, why, sizeof(why));
	closefd(&in[0]);
	closefd(&out[1]);
	closefd(&err[1]);
	if (pid < 0) {
		closefd(&in[1]);
		closefd(&out[0]);
		closefd(&err[0]);
		free(s->cfg.data);
		*s = (struct session){0};
		char msg[700];
		int n = snprintf(msg, sizeof(msg), "%d %s", code, why);
		send_frame(l, VM_X_ERROR, id, msg, (size_t)n);
		return;
	}
	s->pid = pid;
	s->in = in[1];
	s->out = out[0];
	s->err = err[0];
	if (s->master >= 0)
		(void)fcntl(s->master, F_SETFL, O_NONBLOCK);
	send_frame(l, VM_X_STARTED, id, NULL, 0);
}

/* What fd has now, as one frame; false at its end. */
static bool pass_output(struct loop *l, unsigned id, enum vm_frame type, int fd)
{
	static char buf[VM_FRAME_MAX];
	ssize_t k = read(fd, buf, sizeof(buf));
	if (k < 0 && (errno == EAGAIN || errno == EINTR))
		return true;
	if (k <= 0) /* EIO: a pty whose other side is gone */
		return false;
	send_frame(l, type, id, buf, (size_t)k);
	return true;
}

/* After its process has exited: what is left of its output, then EXIT. */
static void end_session(struct loop *l, struct session *s)
{
	int *fds[] = {&s->out, &s->err, &s->master};
	for (size_t i = 0; i < 3; i++)
		while (*fds[i] >= 0 &&
		       pass_output(l, s->id, i == 1 ? VM_X_STDERR : VM_X_STDOUT, *fds[i])) {
			struct pollfd pf = {.fd = *fds[i], .events = POLLIN};
			if (poll(&pf, 1, 0) <= 0)
				break;
		}
	char msg[16];
	int n = snprintf(msg, sizeof(msg), "%d", s->status);
	send_frame(l, VM_X_EXIT, s->id, msg, (size_t)n);
	closefd(&s->in);
	closefd(&s->out);
	closefd(&s->err);
	closefd(&s->master);
	free(s->cfg.data);
	*s = (struct session){0};
}

static void session_input(struct loop *l, enum vm_frame type, unsigned id,
			  const unsigned char *data, size_t len)
{
	if (type == VM_X_OPEN) {
		open_session(l, id, data, len);
		return;
	}
	if (type == VM_X_FILE) {
		/* rewritten in place: the container has the inode bound */
		const unsigned char *nul = memchr(data, '\0', len);
		int fd = nul ? bound_file((const char *)data) : -1;
		size_t at = nul ? (size_t)(nul + 1 - data) : 0;
		if (fd >= 0 && ftruncate(fd, 0) == 0)
			(void)!pwrite(fd, data + at, len - at, 0);
		return;
	}
	struct session *s = id ? find(l, id) : NULL;
	if (!s)
		return; /* ended already */
	char text[64] = "";
	memcpy(text, data, len < sizeof(text) - 1 ? len : sizeof(text) - 1);
	int to = s->master >= 0 ? s->master : s->in;
	if (type == VM_X_STDIN && to >= 0)
		(void)write_full(to, data, len);
	else if (type == VM_X_STDIN_EOF)
		closefd(&s->in);
	else if (type == VM_X_SIGNAL && s->pid > 0) {
		int sig = atoi(text);
		if (sig > 0 && sig < 65)
			(void)kill(s->pid, sig);
	} else if (type == VM_X_RESIZE && s->master >= 0) {
		struct winsize ws = {0};
		if (sscanf(text, "%hu %hu", &ws.ws_row, &ws.ws_col) == 2)
			(void)ioctl(s->master, TIOCSWINSZ, &ws);
	}
}

/* The frames read so far; false when the host sent something malformed (the channel is
 * dropped: the VM's own process goes on). */
static bool exec_frames(struct loop *l)
{
	size_t off = 0;
	bool ok = true;
	for (;;) {
		enum vm_frame type;
		unsigned id;
		size_t len;
		long n = vm_frame_parse(l->in + off, l->in_len - off, &type, &id, &len);
		if (n < 0)
			ok = false;
		if (n <= 0)
			break;
		session_input(l, type, id, l->in + off + VM_FRAME_HEADER, len);
		off += (size_t)n;
	}
	memmove(l->in, l->in + off, l->in_len - off);
	l->in_len -= off;
	return ok;
}

/* ---- the VM's process ---- */

static void control_line(struct loop *l, const char *line)
{
	int sig;
	struct winsize ws = {0};
	if (sscanf(line, "signal %d", &sig) == 1 && sig > 0 && sig < 65) {
		/* systemd's halt (a system container's stop signal) leaves a VM halted, and
		 * QEMU with it, for good: a VM's is poweroff (systemd(1): SIGRTMIN+4) */
		if (l->agent && sig == SIGRTMIN + 3)
			sig = SIGRTMIN + 4;
		(void)kill(l->pid, sig);
	} else if (sscanf(line, "resize %hu %hu", &ws.ws_row, &ws.ws_col) == 2 && l->master >= 0)
		(void)ioctl(l->master, TIOCSWINSZ, &ws);
}

static void control(struct loop *l)
{
	ssize_t k = read(ctl, l->line + l->line_len, sizeof(l->line) - 1 - l->line_len);
	if (k <= 0)
		return;
	l->line_len += (size_t)k;
	l->line[l->line_len] = '\0';
	char *nl;
	while ((nl = strchr(l->line, '\n'))) {
		*nl = '\0';
		control_line(l, l->line);
		size_t used = (size_t)(nl + 1 - l->line);
		memmove(l->line, nl + 1, l->line_len - used + 1);
		l->line_len -= used;
	}
	if (l->line_len == sizeof(l->line) - 1)
		l->line_len = 0; /* a line too long from the host: dropped */
}

/* Whether PID 1 is systemd's last step (systemd-shutdown, exec'd by systemd to kill what is
 * left, unmount and power off): its comm, cut at 15 characters. */
static bool shutting_down(void)
{
	char comm[32] = "";
	int fd = open("/proc/1/comm", O_RDONLY | O_CLOEXEC);
	ssize_t k = fd >= 0 ? read(fd, comm, sizeof(comm) - 1) : -1;
	if (fd >= 0)
		close(fd);
	return k > 0 && !strncmp(comm, "systemd-shutdow", 15);
}

static void reap(struct loop *l)
{
	struct signalfd_siginfo si;
	while (read(l->sfd, &si, sizeof(si)) == sizeof(si))
		if (l->agent && si.ssi_signo == SIGTERM && shutting_down())
			l->code = 0; /* the machine powers off: said to the host, then gone */
	int st;
	pid_t p;
	while ((p = waitpid(-1, &st, WNOHANG)) > 0) {
		member_reaped(p);
		if (p == l->pid)
			l->code = proc_status(st);
		for (size_t i = 0; i < SESSIONS_MAX; i++)
			if (l->s[i].id && l->s[i].pid == p) {
				l->s[i].status = proc_status(st);
				l->s[i].pid = 0;
				end_session(l, &l->s[i]);
			}
	}
}

/* The terminal's output to the host, or the host's input to it; false at an end. */
static bool tty_copy(int from, int to)
{
	char buf[16384];
	ssize_t k = read(from, buf, sizeof(buf));
	if (k < 0 && (errno == EAGAIN || errno == EINTR))
		return true;
	return k > 0 && write_full(to, buf, (size_t)k) == 0;
}

static int run(pid_t pid, int master, int tty_port, int exec_port, bool agent)
{
	struct loop l = {.exec = exec_port,
			 .tty_port = tty_port,
			 .master = master,
			 .pid = pid,
			 .agent = agent,
			 .code = -1};
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	if (agent)
		sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, NULL);
	l.sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (master >= 0)
		(void)fcntl(master, F_SETFL, O_NONBLOCK);
	reap(&l); /* what exited before the signalfd */
	while (l.code < 0) {
		struct pollfd p[5 + 3 * SESSIONS_MAX];
		size_t n = 0;
		p[n++] = (struct pollfd){.fd = l.sfd, .events = POLLIN};
		p[n++] = (struct pollfd){.fd = ctl, .events = POLLIN};
		p[n++] = (struct pollfd){.fd = l.exec, .events = POLLIN};
		p[n++] = (struct pollfd){.fd = l.master, .events = POLLIN};
		p[n++] = (struct pollfd){.fd = l.master >= 0 ? l.tty_port : -1, .events = POLLIN};
		for (size_t i = 0; i < SESSIONS_MAX; i++) {
			p[n++] = (struct pollfd){.fd = l.s[i].out, .events = POLLIN};
			p[n++] = (struct pollfd){.fd = l.s[i].err, .events = POLLIN};
			p[n++] = (struct pollfd){.fd = l.s[i].master, .events = POLLIN};
		}
		if (l.in_len && !exec_frames(&l))
			closefd(&l.exec);
		if (poll(p, n, -1) < 0 && errno != EINTR)
			continue;
		if (p[1].revents & POLLIN)
			control(&l);
		if (p[2].revents & POLLIN) {
			take_input(&l);
			if (!exec_frames(&l))
				closefd(&l.exec);
		}
		if (p[3].revents & (POLLIN | POLLHUP | POLLERR) && !tty_copy(l.master, l.tty_port))
			l.master = -1; /* the process's side is closed: kept open for the drain */
		if (p[4].revents & POLLIN)
			(void)tty_copy(l.tty_port, master);
		for (size_t i = 0; i < SESSIONS_MAX; i++) {
			struct session *s = &l.s[i];
			struct pollfd *q = &p[5 + 3 * i];
			if (q[0].revents & (POLLIN | POLLHUP) &&
			    !pass_output(&l, s->id, VM_X_STDOUT, s->out))
				closefd(&s->out);
			if (q[1].revents & (POLLIN | POLLHUP) &&
			    !pass_output(&l, s->id, VM_X_STDERR, s->err))
				closefd(&s->err);
			if (q[2].revents & (POLLIN | POLLHUP | POLLERR) &&
			    !pass_output(&l, s->id, VM_X_STDOUT, s->master))
				closefd(&s->master);
		}
		if (p[0].revents & POLLIN)
			reap(&l);
	}
	/* the rest of its terminal's output */
	while (master >= 0 && tty_copy(master, tty_port)) {
		struct pollfd pf = {.fd = master, .events = POLLIN};
		if (poll(&pf, 1, 0) <= 0)
			break;
	}
	return l.code;
}

int supervise(pid_t pid, int master, int tty_port, int exec_port)
{
	return run(pid, master, tty_port, exec_port, false);
}

/* The agent beside systemd: PID 1 is not our child, so the loop never sees it exit; the host's
 * signals go to it, its console's pty is relayed, execs run as ever. We live outside every
 * unit, so systemd's stop of its units leaves us be; its last step, systemd-shutdown, sends
 * SIGTERM to every process left (systemd's "killing spree"): then the machine is on its way
 * off, and we end, having said so. */
int agent(int master, int tty_port, int exec_port)
{
	return run(1, master, tty_port, exec_port, true);
}
