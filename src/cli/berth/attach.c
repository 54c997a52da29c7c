/* The attached end of a container (`run` in the foreground, `start -a`, `attach`): frames from
 * the monitor to our stdout and stderr, our stdin to the container, our terminal in raw mode
 * with its size following, ctrl-p ctrl-q to detach, and signals we get passed on to the
 * container (Docker's --sig-proxy). */
#include "cli/berth/attach.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "engine/attach.h"
#include "engine/monitor.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/fs.h"

static void send_size(int sock)
{
	struct winsize ws;
	if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) < 0)
		return;
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%u %u", ws.ws_row, ws.ws_col);
	(void)frame_write(sock, FRAME_RESIZE, buf, (size_t)n);
}

struct keys {
	int seen; /* how much of ctrl-p ctrl-q has been typed */
};

/* Input with the detach keys (ctrl-p ctrl-q) taken out; true when they were typed. */
static bool detach_keys(struct keys *k, char *buf, size_t *len)
{
	static const char seq[] = {0x10, 0x11};
	size_t o = 0;
	for (size_t i = 0; i < *len; i++) {
		if (buf[i] == seq[k->seen]) {
			if (++k->seen == 2)
				return true;
			continue;
		}
		/* a ctrl-p not followed by ctrl-q goes through after all */
		if (k->seen)
			buf[o++] = seq[0];
		k->seen = 0;
		buf[o++] = buf[i];
	}
	*len = o;
	return false;
}

static int pump(const struct eng_store *s, const char *id, int sock, const struct cli_attach *a,
		int sfd)
{
	static char buf[FRAME_MAX + 1];
	bool in_open = a->stdin_ && !a->tty_raw ? true : a->stdin_;
	struct keys keys = {0};
	bool started = !a->exec;
	for (;;) {
		struct pollfd p[3] = {{.fd = sock, .events = POLLIN},
				      {.fd = in_open ? STDIN_FILENO : -1, .events = POLLIN},
				      {.fd = sfd, .events = POLLIN}};
		if (poll(p, 3, -1) < 0 && errno != EINTR)
			return 125;
		if (p[2].revents & POLLIN) {
			struct signalfd_siginfo si;
			if (read(sfd, &si, sizeof(si)) == sizeof(si)) {
				if (si.ssi_signo == SIGWINCH)
					send_size(sock);
				else if (a->sig_proxy)
					(void)eng_container_kill(s, id, (int)si.ssi_signo, NULL);
			}
		}
		if (p[1].revents & (POLLIN | POLLHUP)) {
			ssize_t n = read(STDIN_FILENO, buf, FRAME_MAX);
			if (n <= 0) {
				in_open = false;
				(void)frame_write(sock, FRAME_STDIN_EOF, NULL, 0);
			} else {
				size_t len = (size_t)n;
				bool detach = a->tty_raw && detach_keys(&keys, buf, &len);
				if (len)
					(void)frame_write(sock, FRAME_STDIN, buf, len);
				if (detach)
					return -1;
			}
		}
		if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			enum frame_stream st;
			size_t len;
			int r = frame_read(sock, &st, buf, &len);
			if (r <= 0) {
				/* no status: the monitor ended, or reset a connection it had
				 * not taken yet; an exec's session would have been told, so
				 * it did not run (the API's exec says the same) */
				fprintf(stderr, "berth: the container's monitor went away\n");
				return a->exec ? 126 : 255;
			}
			if (frame_exec_early(&started, &st, buf, &len))
				continue;
			if (st == FRAME_EXIT)
				return (int)strtol(buf, NULL, 10);
			if (st == FRAME_ERROR) { /* an exec that could not be run: "CODE message" */
				char *msg = strchr(buf, ' ');
				int code = atoi(buf);
				fprintf(stderr, "berth: %s\n", msg ? msg + 1 : buf);
				return code > 0 ? code : 126;
			}
			if (st == FRAME_STDOUT && a->stdout_)
				(void)fs_write_all(STDOUT_FILENO, buf, len);
			if (st == FRAME_STDERR && a->stderr_)
				(void)fs_write_all(STDERR_FILENO, buf, len);
		}
	}
}

int cli_attach_run(const struct eng_store *s, const char *id, int sock, const struct cli_attach *a)
{
	struct termios saved;
	bool raw = a->tty_raw && isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved) == 0;
	if (raw) {
		struct termios t = saved;
		cfmakeraw(&t);
		tcsetattr(STDIN_FILENO, TCSANOW, &t);
		send_size(sock);
	}
	sigset_t set, old;
	sigemptyset(&set);
	sigaddset(&set, SIGWINCH);
	if (a->sig_proxy) {
		int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};
		for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
			sigaddset(&set, sigs[i]);
	}
	sigprocmask(SIG_BLOCK, &set, &old);
	int sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	int code = pump(s, id, sock, a, sfd);
	if (sfd >= 0)
		(void)close(sfd);
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (raw)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved);
	if (code == -1)
		fprintf(stderr, "\nread escape sequence\n");
	return code;
}
