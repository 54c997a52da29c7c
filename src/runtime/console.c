/* Pseudo-terminals for container processes. The pty comes from the container's own devpts
 * (opened after pivot_root), so the slave's path in the container is right. */
#include "runtime/console.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/err.h"

int rt_console_connect(const char *path, struct berr **err)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof(addr.sun_path))
		return berr_set(err, ENAMETOOLONG, "console socket '%s'", path);
	strcpy(addr.sun_path, path);
	autoclose int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0 || connect(s, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		return berr_set(err, errno, "connect to console socket '%s'", path);
	return take_fd(&s);
}

static int send_fd(int sock, int fd, const char *name, struct berr **err)
{
	struct iovec iov = {.iov_base = (void *)name, .iov_len = strlen(name)};
	char cbuf[CMSG_SPACE(sizeof(int))];
	memset(cbuf, 0, sizeof(cbuf));
	struct msghdr mh = {
	    .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf)};
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	if (sendmsg(sock, &mh, MSG_NOSIGNAL) < 0)
		return berr_set(err, errno, "send terminal to console socket");
	return 0;
}

int rt_console_setup(int sock, unsigned rows, unsigned cols, struct berr **err)
{
	autoclose int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0)
		return berr_set(err, errno, "open /dev/ptmx");
	int unlock = 0;
	if (ioctl(master, TIOCSPTLCK, &unlock) < 0)
		return berr_set(err, errno, "unlock pty");
	/* TIOCGPTPEER opens the slave through the master: no path lookup an attacker could
	 * race (since Linux 4.13). */
	autoclose int slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (slave < 0)
		return berr_set(err, errno, "open pty slave");
	if (rows && cols) {
		struct winsize ws = {.ws_row = (unsigned short)rows,
				     .ws_col = (unsigned short)cols};
		(void)ioctl(slave, TIOCSWINSZ, &ws);
	}
	int ptn = 0;
	char name[64] = "/dev/pts/?";
	if (ioctl(master, TIOCGPTN, &ptn) == 0)
		snprintf(name, sizeof(name), "/dev/pts/%d", ptn);
	if (send_fd(sock, master, name, err) < 0)
		return -EIO;
	if (ioctl(slave, TIOCSCTTY, 0) < 0)
		return berr_set(err, errno, "set controlling terminal");
	for (int i = 0; i < 3; i++)
		if (dup2(slave, i) < 0)
			return berr_set(err, errno, "dup terminal");
	return 0;
}

int rt_console_open(bool has_fd, int fd, const char *path, int *out, struct berr **err)
{
	*out = -1;
	if (has_fd && (*out = fcntl(fd, F_DUPFD_CLOEXEC, 3)) < 0)
		return berr_set(err, errno, "console socket");
	if (path && (*out = rt_console_connect(path, err)) < 0) {
		int r = *out;
		*out = -1;
		return r;
	}
	return 0;
}

int rt_console_recv(int sock, int flags, struct berr **err)
{
	char name[256];
	struct iovec iov = {.iov_base = name, .iov_len = sizeof(name)};
	char cbuf[CMSG_SPACE(sizeof(int))];
	memset(cbuf, 0, sizeof(cbuf));
	struct msghdr mh = {
	    .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf)};
	ssize_t n;
	do
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC | flags);
	while (n < 0 && errno == EINTR);
	struct cmsghdr *c = n > 0 ? CMSG_FIRSTHDR(&mh) : NULL;
	if (!c || c->cmsg_type != SCM_RIGHTS)
		return berr_set(err, n < 0 ? errno : EPROTO, "receive the container's terminal");
	int fd;
	memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
}
