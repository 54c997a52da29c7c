/* Relay between the caller's stdio and a container's pty master (see terminal.h). */
#include "runtime/terminal.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "runtime/console.h"
#include "util/err.h"
#include "util/fs.h"

int rt_terminal_open(struct rt_terminal *t, struct berr **err)
{
	memset(t, 0, sizeof(*t));
	t->master = -1;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, t->sock) < 0)
		return berr_set(err, errno, "console socket pair");
	return 0;
}

/* The master being relayed, for rt_terminal_resize (a signal handler). */
static volatile sig_atomic_t relayed_master = -1;

bool rt_terminal_resize(void)
{
	int m = relayed_master;
	struct winsize ws;
	if (m < 0 || ioctl(0, TIOCGWINSZ, &ws) < 0)
		return false;
	(void)ioctl(m, TIOCSWINSZ, &ws); /* the kernel signals the pty's foreground group */
	return true;
}

static void setup_master(struct rt_terminal *t)
{
	relayed_master = t->master;
	struct winsize ws;
	if (ioctl(0, TIOCGWINSZ, &ws) == 0)
		(void)ioctl(t->master, TIOCSWINSZ, &ws);
	if (isatty(0) && tcgetattr(0, &t->saved) == 0) {
		struct termios raw = t->saved;
		cfmakeraw(&raw);
		t->raw = tcsetattr(0, TCSANOW, &raw) == 0;
	}
}

static void *relay(void *arg)
{
	struct rt_terminal *t = arg;
	if (t->master < 0) {
		t->master = rt_console_recv(t->sock[0], 0, NULL);
		if (t->master < 0)
			return NULL; /* the container failed before it had a terminal */
		setup_master(t);
	}
	struct pollfd p[2] = {{.fd = 0, .events = POLLIN}, {.fd = t->master, .events = POLLIN}};
	char buf[8192];
	for (;;) {
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[1].revents) {
			ssize_t n = read(t->master, buf, sizeof(buf));
			if (n <= 0 && !(n < 0 && errno == EINTR))
				break; /* EIO: every slave fd is closed */
			if (n > 0 && fs_write_all(1, buf, (size_t)n) < 0)
				break;
		}
		if (p[0].revents) {
			ssize_t n = read(0, buf, sizeof(buf));
			if (n > 0)
				(void)fs_write_all(t->master, buf, (size_t)n);
			else if (!(n < 0 && errno == EINTR))
				p[0].fd = -1; /* stdin ended: keep relaying output */
		}
	}
	return NULL;
}

int rt_terminal_start(struct rt_terminal *t, struct berr **err)
{
	if (pthread_create(&t->relay, NULL, relay, t) != 0)
		return berr_set(err, EAGAIN, "start terminal relay");
	t->relaying = true;
	return 0;
}

int rt_terminal_adopt(struct rt_terminal *t, struct berr **err)
{
	t->master = rt_console_recv(t->sock[0], MSG_DONTWAIT, NULL);
	if (t->master < 0)
		return 0; /* the container has no terminal */
	setup_master(t);
	return rt_terminal_start(t, err);
}

void rt_terminal_handed_over(struct rt_terminal *t)
{
	if (t->sock[1] >= 0)
		(void)close(t->sock[1]);
	t->sock[1] = -1;
}

void rt_terminal_close(struct rt_terminal *t)
{
	rt_terminal_handed_over(t);
	relayed_master = -1;
	if (t->relaying)
		(void)pthread_join(t->relay, NULL);
	if (t->raw)
		(void)tcsetattr(0, TCSANOW, &t->saved);
	for (int i = 0; i < 2; i++)
		if (t->sock[i] >= 0)
			(void)close(t->sock[i]);
	if (t->master >= 0)
		(void)close(t->master);
	t->sock[0] = t->sock[1] = t->master = -1;
	t->relaying = t->raw = false;
}
