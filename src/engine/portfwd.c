/* The published ports' forwarder (see portfwd.h). The process is single-threaded: a poll loop
 * over the holds and the UDP clients' sockets; each TCP connection is copied by a child of its
 * own (in the forwarder's process group, ended with it). */
#include "engine/portfwd.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util/child.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/pidfile.h"
#include "util/xalloc.h"

#define FWD_NAME        "berth-portfwd"
#define HOLDS_MAX       64
#define UDP_CLIENTS     64
#define UDP_IDLE_S      60
#define COPY_BUF        65536
#define CONNECT_TIMEOUT 10000

/* Where each hold's traffic goes. */
struct target {
	struct sockaddr_storage sa;
	socklen_t len;
};

/* A UDP client: its address, the hold it wrote to and the socket connected to the container
 * for it (the answers come back on it). */
struct udp_client {
	int fd, hold;
	struct sockaddr_storage from;
	socklen_t from_len;
	time_t used;
};

static bool make_target(int family, const char *addr, uint16_t port, struct target *t)
{
	memset(t, 0, sizeof(*t));
	if (!addr || !*addr)
		return false;
	if (family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&t->sa;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		t->len = sizeof(*s6);
		return inet_pton(AF_INET6, addr, &s6->sin6_addr) == 1;
	}
	struct sockaddr_in *s4 = (struct sockaddr_in *)&t->sa;
	s4->sin_family = AF_INET;
	s4->sin_port = htons(port);
	t->len = sizeof(*s4);
	return inet_pton(AF_INET, addr, &s4->sin_addr) == 1;
}

/* ---- the forwarder's process ---- */

/* Copy a's bytes to b and b's to a until both have ended (each end's EOF passed on as a
 * shutdown of the other's writing side). */
static void copy_both(int a, int b)
{
	static char buf[COPY_BUF];
	int fds[2] = {a, b};
	bool open_in[2] = {true, true};
	while (open_in[0] || open_in[1]) {
		struct pollfd p[2] = {{open_in[0] ? a : -1, POLLIN, 0},
				      {open_in[1] ? b : -1, POLLIN, 0}};
		if (poll(p, 2, -1) < 0 && errno != EINTR)
			return;
		for (int i = 0; i < 2; i++) {
			if (!open_in[i] || !(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			ssize_t got = read(fds[i], buf, sizeof(buf));
			if (got <= 0) {
				open_in[i] = false;
				(void)shutdown(fds[1 - i], SHUT_WR);
				continue;
			}
			for (ssize_t off = 0; off < got;) {
				ssize_t w = write(fds[1 - i], buf + off, (size_t)(got - off));
				if (w <= 0)
					return;
				off += w;
			}
		}
	}
}

static int connect_to(const struct target *t, int type)
{
	int fd = socket(t->sa.ss_family, type | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	struct timeval tv = {CONNECT_TIMEOUT / 1000, 0};
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (const struct sockaddr *)&t->sa, t->len) < 0) {
		(void)close(fd);
		return -1;
	}
	return fd;
}

/* One TCP connection, copied by a child of its own. */
static void tcp_accept(int lfd, const struct target *t)
{
	int c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (c < 0)
		return;
	pid_t pid = fork();
	if (pid == 0) {
		(void)prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
		int up = connect_to(t, SOCK_STREAM);
		if (up >= 0)
			copy_both(c, up);
		_exit(0);
	}
	(void)close(c);
}

/* A datagram from a client on hold i: to the container through the client's own socket. */
static void udp_in(int i, int hfd, const struct target *t, struct udp_client *cl)
{
	static char buf[COPY_BUF];
	struct sockaddr_storage from;
	socklen_t len = sizeof(from);
	ssize_t got = recvfrom(hfd, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&from, &len);
	if (got < 0)
		return;
	time_t now = time(NULL);
	struct udp_client *c = NULL, *oldest = &cl[0];
	for (int k = 0; k < UDP_CLIENTS && !c; k++) {
		if (cl[k].fd >= 0 && cl[k].hold == i && cl[k].from_len == len &&
		    !memcmp(&cl[k].from, &from, len))
			c = &cl[k];
		if (cl[k].fd < 0 || now - cl[k].used > UDP_IDLE_S || cl[k].used < oldest->used)
			oldest = &cl[k];
	}
	if (!c) {
		c = oldest; /* a free slot, an idle client's, or the least recent one's */
		if (c->fd >= 0)
			(void)close(c->fd);
		*c = (struct udp_client){
		    .fd = connect_to(t, SOCK_DGRAM), .hold = i, .from_len = len};
		memcpy(&c->from, &from, len);
		if (c->fd < 0)
			return;
	}
	c->used = now;
	(void)send(c->fd, buf, (size_t)got, MSG_DONTWAIT);
}

static void udp_out(struct udp_client *c, int hfd)
{
	static char buf[COPY_BUF];
	ssize_t got = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT);
	if (got >= 0)
		(void)sendto(hfd, buf, (size_t)got, MSG_DONTWAIT, (struct sockaddr *)&c->from,
			     c->from_len);
}

static _Noreturn void serve(const int *fds, const bool *udp, const struct target *t, size_t n)
{
	struct udp_client cl[UDP_CLIENTS];
	for (int k = 0; k < UDP_CLIENTS; k++)
		cl[k] = (struct udp_client){.fd = -1, .hold = -1};
	struct pollfd p[HOLDS_MAX + UDP_CLIENTS];
	for (;;) {
		size_t np = 0;
		for (size_t i = 0; i < n; i++)
			p[np++] = (struct pollfd){fds[i], POLLIN, 0};
		for (int k = 0; k < UDP_CLIENTS; k++)
			p[np++] = (struct pollfd){cl[k].fd, POLLIN, 0};
		if (poll(p, np, -1) < 0) {
			if (errno == EINTR)
				continue;
			_exit(1);
		}
		for (size_t i = 0; i < n; i++) {
			if (!(p[i].revents & POLLIN))
				continue;
			if (udp[i])
				udp_in((int)i, fds[i], &t[i], cl);
			else
				tcp_accept(fds[i], &t[i]);
		}
		for (int k = 0; k < UDP_CLIENTS; k++)
			if (cl[k].fd >= 0 && (p[n + (size_t)k].revents & POLLIN))
				udp_out(&cl[k], fds[cl[k].hold]);
	}
}

/* Every descriptor but keep[] (sorted ascending, all ≥ 3) closed. */
static void close_others(const int *keep, size_t n)
{
	unsigned from = 3;
	for (size_t i = 0; i < n; i++) {
		if ((unsigned)keep[i] > from)
			(void)syscall(SYS_close_range, from, (unsigned)keep[i] - 1, 0);
		from = (unsigned)keep[i] + 1;
	}
	(void)syscall(SYS_close_range, from, ~0U, 0);
}

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/* The child: its own process group and stdio; listening; into the namespace; ready. Forked,
 * not started through util/spawn, which only execs a program: this runs berth's own code
 * (serve) with the host's sockets and then the namespace, and keeps its listening sockets
 * where util/daemon's detach would close every descriptor. */
static _Noreturn void child(int *fds, const bool *udp, const struct target *t, size_t n,
			    int netns_fd, int report)
{
	(void)setpgid(0, 0);
	(void)prctl(PR_SET_NAME, FWD_NAME, 0, 0, 0);
	sigset_t none;
	sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);
	struct sigaction ign = {.sa_handler = SIG_IGN};
	(void)sigaction(SIGPIPE, &ign, NULL);
	(void)sigaction(SIGHUP, &ign, NULL);
	(void)sigaction(SIGINT, &ign, NULL);
	struct sigaction nowait = {.sa_handler = SIG_IGN, .sa_flags = SA_NOCLDWAIT};
	(void)sigaction(SIGCHLD, &nowait, NULL);
	int err = 0;
	for (size_t i = 0; i < n && !err; i++)
		if (!udp[i] && listen(fds[i], 128) < 0)
			err = errno;
	if (!err && netns_fd >= 0 && setns(netns_fd, CLONE_NEWNET) < 0)
		err = errno;
	(void)!write(report, &err, sizeof(err));
	if (err)
		_exit(1);
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	for (int fd = 0; fd < 3; fd++)
		if (null >= 0)
			(void)dup2(null, fd);
	int keep[HOLDS_MAX];
	memcpy(keep, fds, n * sizeof(*fds));
	qsort(keep, n, sizeof(*keep), cmp_int);
	close_others(keep, n);
	serve(fds, udp, t, n);
}

int eng_portfwd_start(const struct eng_port_hold *h, size_t n, int netns_fd, const char *addr4,
		      const char *addr6, const char *pidfile, struct berr **err)
{
	if (n > HOLDS_MAX)
		return berr_plain(err, E2BIG, "more than %d published ports", HOLDS_MAX);
	int fds[HOLDS_MAX];
	bool udp[HOLDS_MAX];
	struct target t[HOLDS_MAX];
	for (size_t i = 0; i < n; i++) {
		/* an IPv6 host port goes to the container's IPv4 address when it has no other */
		bool six = h[i].family == AF_INET6 && addr6 && *addr6;
		if (!make_target(six ? AF_INET6 : AF_INET, six ? addr6 : addr4, h[i].port, &t[i]) &&
		    !make_target(AF_INET6, addr6, h[i].port, &t[i]))
			return berr_plain(err, EINVAL,
					  "publish port %u: the container has no address",
					  h[i].port);
		fds[i] = h[i].fd;
		udp[i] = !strcmp(h[i].proto, "udp");
	}
	int report;
	pid_t pid = child_fork_piped(&report);
	if (pid < 0)
		return berr_set(err, (int)-pid, "fork the port forwarder");
	if (pid == 0)
		child(fds, udp, t, n, netns_fd, report);
	int code = EIO;
	ssize_t got = read(report, &code, sizeof(code));
	(void)close(report);
	if (got != sizeof(code) || code) {
		(void)kill(pid, SIGKILL);
		(void)waitpid(pid, NULL, 0);
		return berr_set(err, code ? code : EIO, "start the port forwarder");
	}
	char text[32];
	int len = snprintf(text, sizeof(text), "%d\n", (int)pid);
	int r = fs_write_file_atomic(pidfile, text, (size_t)len, 0600, err);
	if (r < 0)
		(void)kill(-pid, SIGKILL);
	return r;
}

void eng_portfwd_stop(const char *pidfile)
{
	/* only the forwarder's group: a pid file left by a killed monitor may name a process
	 * that has since taken its number */
	static const char *const names[] = {FWD_NAME, NULL};
	pidfile_kill(pidfile, names, SIGKILL, true);
}
