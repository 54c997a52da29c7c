/* berth-runtime-vm exec (see shim.h): the process goes to the container's shim as an exec
 * session (vm/session.h) on <root>/.vm/<id>/exec.sock, and the shim relays it to the
 * guest init. A relay process stands for it on the host, as runc's exec'd process would: its
 * pid is the pid file's, its stdio (or the pty whose master went to --console-socket) the
 * process's, the signals it gets go to the process, and it exits with the process's status. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "runtime/console.h"
#include "runtime/spec.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/frame.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/xalloc.h"
#include "vm/guestcfg.h"
#include "vm/shim.h"

static int connect_shim(const char *root, const char *id, struct berr **err)
{
	autofree char *path = xasprintf("%s/.vm/%s/exec.sock", root, id);
	struct sockaddr_un a;
	autoclose int dirfd = -1;
	int r = fs_unix_addr(path, &a, &dirfd, err);
	if (r < 0)
		return r;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		int e = errno;
		if (fd >= 0)
			(void)close(fd);
		return berr_set(err, e, "connect to the VM's shim '%s'", path);
	}
	return fd;
}

/* The first answer: 0 once it runs; its error (the guest's message) else. */
static int started(int sock, char *buf, struct berr **err)
{
	for (;;) {
		enum frame_stream s;
		size_t len;
		if (frame_read(sock, &s, buf, &len) <= 0)
			return berr_plain(err, EIO, "exec: the VM's shim went away");
		if (s == FRAME_STARTED)
			return 0;
		if (s == FRAME_ERROR) {
			const char *sp = strchr(buf, ' ');
			int code = atoi(buf);
			return berr_plain(err,
					  code == 127   ? ENOENT
					  : code == 126 ? EACCES
							: EIO,
					  "%s", sp ? sp + 1 : buf);
		}
	}
}

/* The relay: stdin to the process, its output to ours, signals to it, until its status. */
static int relay(int sock, bool tty, char *buf)
{
	sigset_t set;
	sigemptyset(&set);
	int sigs[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH, SIGCONT};
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaddset(&set, sigs[i]);
	sigprocmask(SIG_BLOCK, &set, NULL);
	int sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	bool in_open = true;
	if (tty) {
		struct winsize ws;
		if (ioctl(0, TIOCGWINSZ, &ws) == 0 && ws.ws_row) {
			int n = snprintf(buf, 64, "%u %u", ws.ws_row, ws.ws_col);
			(void)frame_write(sock, FRAME_RESIZE, buf, (size_t)n);
		}
	}
	for (;;) {
		struct pollfd p[3] = {{.fd = sock, .events = POLLIN},
				      {.fd = in_open ? 0 : -1, .events = POLLIN},
				      {.fd = sfd, .events = POLLIN}};
		if (poll(p, 3, -1) < 0 && errno != EINTR)
			return 255;
		if (p[2].revents & POLLIN) {
			struct signalfd_siginfo si;
			while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
				struct winsize ws;
				int n;
				if (si.ssi_signo == SIGWINCH && ioctl(0, TIOCGWINSZ, &ws) == 0) {
					n = snprintf(buf, 64, "%u %u", ws.ws_row, ws.ws_col);
					(void)frame_write(sock, FRAME_RESIZE, buf, (size_t)n);
				} else if (si.ssi_signo != SIGWINCH) {
					n = snprintf(buf, 16, "%u", si.ssi_signo);
					(void)frame_write(sock, FRAME_SIGNAL, buf, (size_t)n);
				}
			}
		}
		if (p[1].revents & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t k = read(0, buf, FRAME_MAX);
			if (k <= 0) {
				in_open = false;
				(void)frame_write(sock, FRAME_STDIN_EOF, NULL, 0);
			} else {
				(void)frame_write(sock, FRAME_STDIN, buf, (size_t)k);
			}
		}
		if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			enum frame_stream s;
			size_t len;
			if (frame_read(sock, &s, buf, &len) <= 0)
				return 255; /* the shim went away: the VM with it */
			if (s == FRAME_EXIT)
				return atoi(buf);
			if (s == FRAME_ERROR) { /* "137 the container stopped during the exec" */
				const char *sp = strchr(buf, ' ');
				fprintf(stderr, "berth-runtime-vm: exec: %s\n", sp ? sp + 1 : buf);
				return atoi(buf) > 0 ? atoi(buf) : 255;
			}
			if (s == FRAME_STDOUT || s == FRAME_STDERR)
				(void)fs_write_all(s == FRAME_STDERR && !tty ? 2 : 1, buf, len);
		}
	}
}

/* The relay's start in its own process: a terminal of its own when asked (the slave its
 * stdio and controlling terminal, raw: the guest's pty does the line discipline). */
static void __attribute__((noreturn))
relay_main(int sock, const struct vm_rt_exec *o, char *buf, int ready)
{
	signal(SIGPIPE, SIG_IGN);
	if (o->console_socket) {
		/* the master goes to the caller before exec returns, as with runc */
		struct berr *err = NULL;
		int cs = rt_console_connect(o->console_socket, &err);
		(void)setsid();
		struct rt_console con = {.rootfd = -1,
					 .rows = o->process->console_height,
					 .cols = o->process->console_width};
		if (cs < 0 || rt_console_setup(cs, &con, &err) < 0) {
			char *msg = berr_string(err);
			dprintf(ready, "%s", msg ? msg : "the terminal");
			(void)frame_write(sock, FRAME_SIGNAL, "9", 1);
			_exit(255);
		}
		(void)close(cs);
		struct termios t;
		if (tcgetattr(0, &t) == 0) {
			cfmakeraw(&t);
			(void)tcsetattr(0, TCSANOW, &t);
		}
	}
	(void)close(ready);
	_exit(relay(sock, o->process->terminal, buf));
}

/* The relay's process, once it has started (with its terminal when one was asked for). */
static int start_relay(int sock, const struct vm_rt_exec *o, char *buf, pid_t *out_pid,
		       struct berr **err)
{
	int ready[2];
	if (pipe2(ready, O_CLOEXEC) < 0)
		return berr_set(err, errno, "pipe");
	pid_t pid = fork();
	if (pid < 0) {
		(void)close(ready[0]);
		(void)close(ready[1]);
		return berr_set(err, errno, "fork the exec's relay");
	}
	if (pid == 0) {
		(void)close(ready[0]);
		relay_main(sock, o, buf, ready[1]);
	}
	(void)close(ready[1]);
	ssize_t k = read(ready[0], buf, 512);
	(void)close(ready[0]);
	if (k > 0) {
		buf[k] = '\0';
		(void)waitpid(pid, NULL, 0);
		return berr_plain(err, EIO, "exec: %s", buf);
	}
	*out_pid = pid;
	return 0;
}

/* In the foreground: what we get is the process's too. Its status, a shell's way. */
static int wait_relay(pid_t pid)
{
	sigset_t set;
	sigfillset(&set);
	sigdelset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, NULL);
	int sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	int ws;
	for (;;) {
		if (waitpid(pid, &ws, WNOHANG) == pid)
			break;
		struct pollfd p = {.fd = sfd, .events = POLLIN};
		(void)poll(&p, 1, 100);
		struct signalfd_siginfo si;
		while (sfd >= 0 && read(sfd, &si, sizeof(si)) == sizeof(si))
			(void)kill(pid, (int)si.ssi_signo);
	}
	if (sfd >= 0)
		(void)close(sfd);
	return WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
}

int vm_rt_exec(const struct vm_rt_exec *o, int *out_status, struct berr **err)
{
	json_auto_t *st = vm_rt_state(o->root, o->id, err);
	if (!st)
		return berr_ret(err);
	if (strcmp(json_string_value(json_object_get(st, "status")) ?: "", "running"))
		return berr_plain(err, EINVAL, "cannot exec in a container that is not running");
	if (o->process->terminal && o->detach && !o->console_socket)
		return berr_plain(err, EINVAL, "exec --tty --detach needs --console-socket");
	size_t len = 0;
	autofree char *records = vm_guest_process(o->process, &len);
	autoclose int sock = connect_shim(o->root, o->id, err);
	if (sock < 0)
		return sock;
	signal(SIGPIPE, SIG_IGN);
	autofree char *buf = xmalloc(FRAME_MAX + 1);
	if (frame_write(sock, FRAME_EXEC, records, len) < 0)
		return berr_plain(err, EIO, "exec: the VM's shim went away");
	int r = started(sock, buf, err);
	pid_t pid = -1;
	if (r == 0)
		r = start_relay(sock, o, buf, &pid, err);
	if (r < 0)
		return r;
	if (o->pid_file) {
		char p[32];
		int n = snprintf(p, sizeof(p), "%d", (int)pid);
		r = fs_replace_file(o->pid_file, p, (size_t)n, 0644, err);
		if (r < 0) {
			(void)kill(pid, SIGKILL);
			return r;
		}
	}
	*out_status = o->detach ? 0 : wait_relay(pid);
	return 0;
}
