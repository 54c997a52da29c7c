/* `berth exec -d`: a process started in a running container and left to run (see exec.h,
 * eng_exec_detached). As dockerd's exec -d, a process that cannot start is the caller's error
 * (its answer waits for the start); once it runs, the caller is gone, so a runner of its own
 * session waits for it and logs its end (exec_die with the exit code, as dockerd's), which
 * no one would see otherwise: the runtime's detached exec leaves the process to the
 * container's init, and a VM's session ends with the connection of whoever opened it.
 *
 * The runner is a grandchild (the child between them calls setsid and ends at once), so no
 * one waits for it and no terminal or group signal of the caller's reaches it. Its stdio is
 * /dev/null, which the process inherits (Docker's exec -d has none): a copy of the caller's
 * stdout would keep a `$(berth exec -d ...)` waiting for the process's end. It tells the
 * caller how the start went on a pipe: nothing (its end) once the process runs, else
 * "ERRNO message". */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine/attach.h"
#include "engine/exec.h"
#include "engine/executor.h"
#include "engine/monitor.h"
#include "runtime/container.h"
#include "runtime/spec.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/frame.h"
#include "util/fs.h"
#include "util/xalloc.h"
#include "vm/guestcfg.h"

#define REPORT_FD  3
#define REPORT_MAX 4096

/* The runner's descriptors: /dev/null on 0, 1 and 2, the report pipe on REPORT_FD, no other. */
static void runner_fds(int report)
{
	int fd = fcntl(report, F_DUPFD_CLOEXEC, 10);
	if (fd < 0 || dup3(fd, REPORT_FD, O_CLOEXEC) < 0)
		_exit(1);
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	for (int i = 0; i < 3; i++)
		if (null < 0 || dup2(null, i) < 0)
			_exit(1);
	(void)syscall(SYS_close_range, (unsigned)REPORT_FD + 1, ~0U, 0);
}

static void report_error(int code, const char *msg)
{
	(void)dprintf(REPORT_FD, "%d %s", code, msg);
	(void)close(REPORT_FD);
}

/* A runtime container's: started as the runtime's detached exec, reparented to us (a
 * subreaper) when its stage 1 ends, then waited for. */
static int run_runtime(const struct eng_store *s, const char *cid, struct rt_process *pr,
		       const char *pidfile)
{
	(void)prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
	autofree char *rtroot = eng_runtime_root(s);
	struct rt_exec_opts eo = {
	    .root = rtroot, .id = cid, .process = pr, .pid_file = pidfile, .detach = true};
	int status = 0;
	struct berr *err = NULL;
	if (rt_container_exec(&eo, &status, &err) < 0) {
		autofree char *msg = berr_string(err);
		report_error(berr_code(err), msg);
		berr_free(err);
		_exit(0);
	}
	(void)close(REPORT_FD);
	autofree char *text = NULL;
	size_t len = 0;
	long pid = 0;
	if (fs_read_file(AT_FDCWD, pidfile, 32, &text, &len, NULL) == 0)
		pid = strtol(text, NULL, 10);
	return pid > 0 ? rt_wait_forward((pid_t)pid) : 255;
}

/* A VM's: a session of its monitor (vm/session.h) without input, held until its EXIT. The
 * guest's ERROR before the start ("CODE message": 127 not found, 126 cannot run) is the
 * caller's, as vm/exec.c reads it. */
static int run_vm(const struct eng_store *s, const char *cid, struct rt_process *pr,
		  const char *pidfile)
{
	char pid[16];
	int n = snprintf(pid, sizeof(pid), "%d", (int)getpid());
	(void)fs_replace_file(pidfile, pid, (size_t)n, 0600, NULL);
	signal(SIGPIPE, SIG_IGN);
	size_t len = 0;
	autofree char *records = vm_guest_process(pr, &len);
	autofree char *buf = xmalloc(FRAME_MAX + 1);
	struct berr *err = NULL;
	autoclose int sock = eng_attach_connect(s, cid, &err);
	if (sock < 0 || frame_exec_send(sock, records, len, false) < 0) {
		autofree char *msg = err ? berr_string(err)
					 : xstrdup("the container's monitor "
						   "went away");
		report_error(err ? berr_code(err) : EIO, msg);
		berr_free(err);
		_exit(0);
	}
	bool started = false;
	for (;;) {
		enum frame_stream st;
		size_t got = 0;
		if (frame_read(sock, &st, buf, &got) <= 0) {
			if (!started)
				report_error(EIO, "the container's monitor went away");
			return 255;
		}
		if (frame_exec_early(&started, &st, buf, &got))
			continue;
		if (st == FRAME_ERROR && !started) {
			const char *sp = strchr(buf, ' ');
			int code = atoi(buf);
			report_error(code == 127   ? ENOENT
				     : code == 126 ? EACCES
						   : EIO,
				     sp ? sp + 1 : buf);
			_exit(0);
		}
		if (st == FRAME_STARTED)
			(void)close(REPORT_FD);
		/* after the start: its status, or the monitor's ERROR's code ("137 the container
		 * stopped during the exec", vm/session.c) */
		if (st == FRAME_EXIT || st == FRAME_ERROR)
			return st == FRAME_EXIT || atoi(buf) > 0 ? atoi(buf) : 126;
	}
}

static void __attribute__((noreturn)) runner(const struct eng_store *s, const char *cid,
					     const char *exec_id, struct rt_process *pr, int report)
{
	runner_fds(report);
	sigset_t none;
	sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);
	/* the record's pid file (Running, as the API shows it), or one of our own */
	autofree char *rel =
	    *exec_id ? xasprintf("execs/%s.pid", exec_id) : xasprintf("exec-%d.pid", (int)getpid());
	autofree char *pidfile = eng_container_path(s, cid, rel);
	int status = eng_container_is_vm(s, cid) ? run_vm(s, cid, pr, pidfile)
						 : run_runtime(s, cid, pr, pidfile);
	if (*exec_id)
		eng_exec_finish(s, cid, exec_id, status);
	(void)unlink(pidfile); /* the record's end is written: nothing stands for the process */
	_exit(0);
}

int eng_exec_detached(const struct eng_store *s, const char *cid, const char *exec_id,
		      struct rt_process *pr, struct berr **err)
{
	/* a terminal would have no reader: it runs without one, as the API's detached exec */
	pr->terminal = false;
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return berr_set(err, errno, "pipe");
	pid_t child = fork();
	if (child == 0) {
		(void)close(p[0]);
		(void)setsid();
		pid_t again = fork();
		if (again == 0)
			runner(s, cid, exec_id, pr, p[1]);
		_exit(again < 0 ? 1 : 0);
	}
	(void)close(p[1]);
	autoclose int rd = p[0];
	int st = 0;
	while (child > 0 && waitpid(child, &st, 0) < 0 && errno == EINTR)
		;
	if (child < 0 || !WIFEXITED(st) || WEXITSTATUS(st))
		return berr_set(err, child < 0 ? errno : EAGAIN, "exec: start its runner");
	char buf[REPORT_MAX + 1];
	size_t n = 0;
	while (n < REPORT_MAX) {
		ssize_t k = read(rd, buf + n, REPORT_MAX - n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		n += (size_t)k;
	}
	if (!n)
		return 0; /* it runs */
	buf[n] = '\0';
	const char *sp = strchr(buf, ' ');
	int code = atoi(buf);
	return berr_plain(err, code > 0 ? code : EIO, "%s", sp ? sp + 1 : buf);
}
