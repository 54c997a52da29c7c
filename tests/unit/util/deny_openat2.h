/* For the tests of root-confined and procfs opens: from the call on, openat2 fails with ENOSYS
 * in this process (as on kernels before 5.6), so the code under test must take its walk. Fails
 * (non-zero) unless the filter is proven in force, else the tests after it would test nothing
 * new. Include after <seccomp.h>, <sys/prctl.h>, <sys/syscall.h>, <errno.h>, <fcntl.h>. */
#ifndef BERTH_TESTS_DENY_OPENAT2_H
#define BERTH_TESTS_DENY_OPENAT2_H

static int deny_openat2(void)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	if (!ctx)
		return -1;
	int r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(openat2), 0);
	if (r == 0)
		r = prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	if (r == 0)
		r = seccomp_load(ctx);
	seccomp_release(ctx);
	if (r == 0 && (syscall(SYS_openat2, AT_FDCWD, ".", NULL, 0) != -1 || errno != ENOSYS))
		return -1;
	return r;
}

#endif
