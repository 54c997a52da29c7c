/* The starting command's side of a container's monitor (see monitor.h): the monitor started
 * as a daemon of its own, its report read, the attach socket it listens on joined. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine/attach.h"
#include "engine/container.h"
#include "engine/monitor.h"
#include "engine/pod.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/selfexec.h"

int eng_monitor_spawn(const struct eng_store *s, const char *id, unsigned wait_clients,
		      struct berr **err)
{
	/* a pod's member joins its infra's namespaces: the infra runs first */
	int pr = eng_pod_before_start(s, id, err);
	if (pr < 0)
		return pr;
	char wait_arg[32] = "--no-wait";
	if (wait_clients)
		snprintf(wait_arg, sizeof(wait_arg), "--wait-attach=%u", wait_clients);
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return berr_set(err, errno, "pipe");
	pid_t child = fork();
	if (child < 0) {
		int e = errno;
		(void)close(p[0]);
		(void)close(p[1]);
		return berr_set(err, e, "fork the monitor");
	}
	if (child == 0) {
		/* a session of its own, and a second fork: the monitor is nobody's child and
		 * no terminal's */
		(void)setsid();
		if (fork() != 0)
			_exit(0);
		int null = open("/dev/null", O_RDWR);
		if (null >= 0) {
			dup2(null, 0);
			dup2(null, 1);
			dup2(null, 2);
		}
		dup2(p[1], 3); /* the report pipe, without close-on-exec */
		char *argv[] = {"berth",     "--root",   s->root,
				"--runroot", s->runroot, "container-monitor",
				wait_arg,    (char *)id, NULL};
		int r = selfexec_sealed(argv);
		dprintf(3, "E 125 start the monitor: %s\n", strerror(-r));
		_exit(1);
	}
	(void)close(p[1]);
	int st;
	while (waitpid(child, &st, 0) < 0 && errno == EINTR)
		;
	return p[0];
}

int eng_monitor_report(int fd, enum eng_report *out, pid_t *out_pid, int *out_status,
		       struct berr **err)
{
	char line[4096];
	size_t n = 0;
	for (;;) {
		ssize_t k = read(fd, line + n, 1);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0 || line[n] == '\n' || n + 2 >= sizeof(line))
			break;
		n++;
	}
	line[n] = '\0';
	*out_status = 125;
	if (n == 0) {
		*out = ENG_REPORT_FAILED;
		return berr_plain(err, EIO, "the container's monitor ended without a report");
	}
	*out = (enum eng_report)line[0];
	if (line[0] == 'S')
		*out_pid = (pid_t)strtol(line + 2, NULL, 10);
	if (line[0] == 'E') {
		char *msg = NULL;
		*out_status = (int)strtol(line + 2, &msg, 10);
		return berr_plain(err, EIO, "%s", msg && *msg ? msg + 1 : "start failed");
	}
	return 0;
}

/* A monitor that reported a failure ends soon: wait (at most 30 s) for its pipe to close. */
static void wait_monitor_end(int rep)
{
	char c;
	struct pollfd p = {.fd = rep, .events = POLLIN};
	for (int i = 0; i < 300 && poll(&p, 1, 100) >= 0; i++)
		if ((p.revents & (POLLIN | POLLHUP)) && read(rep, &c, 1) <= 0)
			return;
}

int eng_monitor_start(const struct eng_store *s, const char *id, bool attach, int *out_sock,
		      int *out_status, struct berr **err)
{
	*out_status = 125;
	autoclose int rep = eng_monitor_spawn(s, id, attach ? 1 : 0, err);
	if (rep < 0)
		return rep;
	enum eng_report kind;
	pid_t pid = 0;
	autoclose int sock = -1;
	int r = eng_monitor_report(rep, &kind, &pid, out_status, err);
	if (r == 0 && kind == ENG_REPORT_LISTENING) {
		sock = eng_attach_connect(s, id, err);
		if (sock < 0)
			return sock;
		eng_container_event(s, id, "attach", NULL); /* as dockerd, before the start */
		r = eng_monitor_report(rep, &kind, &pid, out_status, err);
	}
	if (r < 0) {
		wait_monitor_end(rep);
		return r;
	}
	if (attach && sock < 0)
		return berr_plain(err, EPROTO, "the container's monitor did not wait for us");
	*out_sock = take_fd(&sock);
	return 0;
}

int eng_monitor_start_awaited(const struct eng_store *s, const char *id, unsigned clients,
			      int *out_status, struct berr **err)
{
	*out_status = 125;
	autoclose int rep = eng_monitor_spawn(s, id, clients ? clients : 1, err);
	if (rep < 0)
		return rep;
	enum eng_report kind;
	pid_t pid = 0;
	int r = eng_monitor_report(rep, &kind, &pid, out_status, err);
	if (r == 0 && kind == ENG_REPORT_LISTENING)
		r = eng_monitor_report(rep, &kind, &pid, out_status, err);
	if (r < 0)
		wait_monitor_end(rep);
	return r;
}
