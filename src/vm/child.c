/* The VM's processes on the host (see child.h). */
#include "vm/child.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "runtime/cgroup.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/json.h"
#include "util/xalloc.h"

#define FDS_MAX 64

/* QEMU needs no capability: what it opens (the kernel, the initramfs, /dev/kvm, its sockets)
 * is root's to open by ownership. So it runs with none, and no way to get any back
 * (no_new_privs; -sandbox also denies it setuid). */
void vm_drop_capabilities(void)
{
	for (int cap = 0; cap < 64; cap++)
		(void)prctl(PR_CAPBSET_DROP, cap, 0, 0, 0);
	struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct d[2] = {{0, 0, 0}, {0, 0, 0}};
	if (syscall(SYS_capset, &h, d) < 0 || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		_exit(125);
}

void vm_child_setup(const char *cgroup, int in, int out, int err_)
{
	if (cgroup && rt_cgroup_enter_self(cgroup, false, NULL) < 0)
		_exit(125);
	/* QEMU and virtiofsd end with whoever runs the VM (a monitor, berth-runtime-vm's
	 * shim): a VM nobody watches would be out of anyone's reach */
	(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
	/* the monitor's and the shim's blocked signals (their signalfd's) are not theirs: a
	 * virtiofsd with SIGTERM blocked outlives its stop by the second we then wait */
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	int null = open("/dev/null", O_RDWR);
	dup2(in >= 0 ? in : null, 0);
	dup2(out >= 0 ? out : null, 1);
	dup2(err_ >= 0 ? err_ : null, 2);
}

pid_t vm_qemu_start(char **argv, const char *dir, const char *cgroup, const int *fds, int n_fds,
		    int first_fd, struct berr **err)
{
	if (n_fds > FDS_MAX) {
		strv_free(argv);
		return berr_plain(err, EINVAL, "QEMU: %d descriptors, at most %d", n_fds, FDS_MAX);
	}
	autofree char *log = xasprintf("%s/qemu.log", dir);
	int logfd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		strv_free(argv);
		if (logfd >= 0)
			(void)close(logfd);
		return berr_set(err, e, "fork QEMU");
	}
	if (pid == 0) {
		vm_child_setup(cgroup, -1, logfd, logfd);
		/* the sockets are named relative to the state directory */
		if (chdir(dir) < 0)
			_exit(126);
		/* out of the way first: one of fds may already be one of the numbers below */
		int high[FDS_MAX];
		for (int i = 0; i < n_fds; i++)
			high[i] = fcntl(fds[i], F_DUPFD_CLOEXEC, first_fd + n_fds + 100);
		for (int i = 0; i < n_fds; i++)
			dup2(high[i], first_fd + i); /* dup2 clears close-on-exec */
		vm_drop_capabilities();
		execvp(argv[0], argv);
		dprintf(2, "exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	strv_free(argv);
	if (logfd >= 0)
		(void)close(logfd);
	return pid;
}
