/* Container processes, child side. Nothing here returns an error up the stack: a failure is
 * sent to the parent over the sync socket and the process _exit()s (STYLE.md).
 *
 * Why two stages: a joined pid namespace (setns) and a new one (unshare) both apply only to
 * children, and a new user namespace must exist and be mapped by the parent before the other
 * namespaces are made, so that they are owned by it. Stage 1 does that and forks stage 2, which
 * is then PID 1 of a new pid namespace (or a member of the joined one). */
#include "runtime/init.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/keyctl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "runtime/cgroup.h"
#include "runtime/console.h"
#include "runtime/hooks.h"
#include "runtime/mask.h"
#include "runtime/mount.h"
#include "runtime/namespace.h"
#include "runtime/process.h"
#include "runtime/sync.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/path.h"
#include "util/procfs.h"
#include "util/xalloc.h"

/* A step that failed (r < 0) ends the process here: its error, *err, goes to the parent over
 * the sync socket (rt_sync_fail exits). err is passed by address so that it is read after
 * the step set it. */
static void must(const struct rt_init_ctx *ctx, int r, struct berr **err)
{
	if (r < 0)
		rt_sync_fail(ctx->sync_fd, *err);
}

/* A failure of a call that gives a code, not an error value (a syscall: errno; a sync
 * message: its negative return): the error made here goes to the parent, the process ends. */
__attribute__((noreturn, format(printf, 3, 4))) static void fail(const struct rt_init_ctx *ctx,
								 int code, const char *fmt, ...)
{
	struct berr *err = NULL;
	va_list ap;
	va_start(ap, fmt);
	berr_setv(&err, code, fmt, ap);
	va_end(ap);
	rt_sync_fail(ctx->sync_fd, err);
}

/* A message to the parent that must go (the sync socket gives -errno, sets no error). */
static void must_send(const struct rt_init_ctx *ctx, enum rt_msg_type type, int64_t value,
		      const char *what)
{
	int r = rt_sync_send(ctx->sync_fd, type, value);
	if (r < 0)
		fail(ctx, -r, "send %s to the runtime", what);
}

/* A failure after the sync socket may be gone (past `start`): the caller of `run` or the
 * container's log is the only one left to tell. */
static _Noreturn void fail_late(struct rt_init_ctx *ctx, struct berr *err)
{
	if (ctx->sync_fd >= 0)
		rt_sync_fail(ctx->sync_fd, err);
	autofree char *msg = berr_string(err);
	dprintf(2, "berth-runtime: %s\n", msg);
	_exit(1);
}

/* Through the runtime's procfs, never the container's /proc (util/procfs.c has the attack):
 * /proc/sys answers for the namespaces of the writer, which are the container's by now. */
static int write_sysctls(const struct rt_init_ctx *ctx, struct berr **err)
{
	const struct rt_spec *spec = ctx->spec;
	for (size_t i = 0; i < spec->n_sysctls; i++) {
		autofree char *rel = xstrdup(spec->sysctls[i].key);
		for (char *c = rel; *c; c++)
			if (*c == '.')
				*c = '/';
		autofree char *path = xasprintf("sys/%s", rel);
		const char *v = spec->sysctls[i].value;
		if (procfs_write(ctx->procfd, path, v, strlen(v), err) < 0)
			return berr_wrap(err, "sysctl '%s'", spec->sysctls[i].key);
	}
	return 0;
}

static int set_names(const struct rt_spec *spec, struct berr **err)
{
	bool uts = spec->ns[RT_NS_UTS].enabled;
	if ((spec->hostname && *spec->hostname) || (spec->domainname && *spec->domainname)) {
		if (!uts)
			return berr_set(err, EINVAL,
					"hostname: cannot be set without a private UTS namespace");
	}
	if (spec->hostname && *spec->hostname &&
	    sethostname(spec->hostname, strlen(spec->hostname)) < 0)
		return berr_set(err, errno, "set hostname '%s'", spec->hostname);
	if (spec->domainname && *spec->domainname &&
	    setdomainname(spec->domainname, strlen(spec->domainname)) < 0)
		return berr_set(err, errno, "set domainname '%s'", spec->domainname);
	return 0;
}

static char *state_json(struct rt_init_ctx *ctx, const char *status, pid_t host_pid)
{
	json_t *o = json_pack("{s:s,s:s,s:s,s:I,s:s}", "ociVersion", "1.1.0", "id", ctx->id,
			      "status", status, "pid", (json_int_t)host_pid, "bundle", ctx->bundle);
	if (ctx->spec->annotations)
		json_object_set(o, "annotations", ctx->spec->annotations);
	char *s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return s;
}

/* Wait for GO: the parent has recorded us, and tells our pid as the host sees it. */
static int await_go(void *arg, struct berr **err)
{
	struct rt_init_ctx *ctx = arg;
	struct rt_msg m;
	int r = rt_sync_expect(ctx->sync_fd, RT_MSG_GO, &m, err);
	if (r < 0)
		return r;
	ctx->host_pid = (pid_t)m.value;
	return 0;
}

/* A session keyring of the container's own ("_ses.<id>", as runc names it), so that keys
 * the host's session holds are not the container's. Search permission is added for the
 * container's user (a user namespace: for "other"). A kernel or a seccomp profile without
 * keyctl leaves the caller's keyring (runc does the same). */
static int join_keyring(struct rt_init_ctx *ctx, struct berr **err)
{
	autofree char *name = xasprintf("_ses.%s", ctx->id);
	long id = syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, name, 0, 0, 0);
	if (id < 0)
		return errno == ENOSYS ? 0
				       : berr_set(err, errno, "join session keyring '%s'", name);
	char desc[512];
	long n = syscall(SYS_keyctl, KEYCTL_DESCRIBE, id, desc, sizeof(desc), 0);
	if (n <= 0 || n > (long)sizeof(desc))
		return berr_set(err, errno, "describe session keyring");
	/* "type;uid;gid;perm;description", perm in hex */
	char *perm = desc;
	for (int i = 0; i < 3 && perm; i++)
		perm = strchr(perm, ';') ? strchr(perm, ';') + 1 : NULL;
	if (!perm)
		return berr_set(err, EPROTO, "describe session keyring: '%s'", desc);
	unsigned long p = strtoul(perm, NULL, 16);
	p |= ctx->spec->ns[RT_NS_USER].enabled ? 0x08 /* other: search */ : 0x80000 /* user */;
	if (syscall(SYS_keyctl, KEYCTL_SETPERM, id, p, 0, 0) < 0)
		return berr_set(err, errno, "set session keyring permissions");
	return 0;
}

/* Filesystem, names and hooks: everything before the process settings (create only). */
static void setup_container(struct rt_init_ctx *ctx, bool has_runtime_hooks)
{
	const struct rt_spec *spec = ctx->spec;
	struct berr *err = NULL;
	int rootfd;
	if (spec->ns[RT_NS_MOUNT].enabled) {
		/* The config's mounts go on while the parent records the state. */
		rootfd = rt_mount_prepare(spec, ctx->mount_source_fds, ctx->cgroup_path, await_go,
					  ctx, &err);
		must(ctx, rootfd, &err);
	} else {
		rootfd = open(spec->root_path, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (rootfd < 0)
			fail(ctx, errno, "open rootfs '%s'", spec->root_path);
	}
	if (ctx->process && ctx->process->cwd) {
		int fd = path_mkdir_in_root(rootfd, ctx->process->cwd, 0755, &err);
		must(ctx, fd, &err);
		(void)close(fd);
	}
	if (has_runtime_hooks) {
		must_send(ctx, RT_MSG_RUNTIME_HOOKS, 0, "runtime hooks");
		struct rt_msg m;
		must(ctx, rt_sync_expect(ctx->sync_fd, RT_MSG_HOOKS_DONE, &m, &err), &err);
	}
	if (spec->hooks[RT_HOOK_CREATE_CONTAINER].n) {
		autofree char *st = state_json(ctx, "created", ctx->host_pid);
		must(ctx,
		     rt_hooks_run(&spec->hooks[RT_HOOK_CREATE_CONTAINER], "createContainer", st,
				  &err),
		     &err);
	}
	if (spec->ns[RT_NS_MOUNT].enabled) {
		must(ctx, rt_mount_enter_root(spec, rootfd, ctx->no_pivot, &err), &err);
		must(ctx, write_sysctls(ctx, &err), &err);
		must(ctx, rt_mask_apply(spec, &err), &err);
	} else {
		if (fchdir(rootfd) < 0 || chroot(".") < 0 || chdir("/") < 0)
			fail(ctx, errno, "chroot into rootfs");
	}
	(void)close(rootfd);
	if (!spec->ns[RT_NS_MOUNT].enabled)
		must(ctx, write_sysctls(ctx, &err), &err);
	must(ctx, set_names(spec, &err), &err);
}

/* Load the filter. A notify fd goes to the runtime, which hands it to the listener: the
 * listener's path is one of the runtime's mount namespace, not the container's. So this needs
 * the sync socket open, as runc has it. */
static void load_seccomp(struct rt_init_ctx *ctx)
{
	struct berr *err = NULL;
	int fd;
	must(ctx, rt_seccomp_load(ctx->seccomp, &fd, &err), &err);
	if (fd < 0)
		return;
	int r = rt_sync_send_fd(ctx->sync_fd, RT_MSG_SECCOMP_FD, fd);
	(void)close(fd);
	if (r < 0)
		fail(ctx, -r, "send seccomp notify fd");
	struct rt_msg m;
	must(ctx, rt_sync_expect(ctx->sync_fd, RT_MSG_SECCOMP_DONE, &m, &err), &err);
}

/* The process settings, up to no_new_privs; returns the executable's path. Sets
 * *seccomp_loaded when the filter went in here. */
static char *apply_process(struct rt_init_ctx *ctx, bool *seccomp_loaded)
{
	const struct rt_spec *spec = ctx->spec;
	struct rt_process *p = ctx->process;
	struct berr *err = NULL;
	if (p->terminal) {
		if (ctx->console_fd < 0)
			fail(ctx, EINVAL, "process.terminal needs --console-socket");
		autoclose int rootfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
		struct rt_console con = {.rootfd = rootfd,
					 .procfd = ctx->procfd,
					 .bind_console = !ctx->exec_mode,
					 .rows = p->console_height,
					 .cols = p->console_width};
		if (rootfd < 0)
			fail(ctx, errno, "open /");
		must(ctx, rt_console_setup(ctx->console_fd, &con, &err), &err);
		(void)close(ctx->console_fd);
	}
	must(ctx, rt_process_oom_score(p, ctx->procfd, &err), &err);
	must(ctx, rt_process_rlimits(p, &err), &err);
	rt_process_home_env(p);
	char *exe = rt_process_find_exec(p, &err);
	if (!exe)
		rt_sync_fail(ctx->sync_fd, err);
	/* Before any seccomp filter: a profile may well refuse close_range. */
	must(ctx, rt_process_fds(ctx->preserve_fds, ctx->procfd, &err), &err);
	/* Without no_new_privs, loading a filter needs CAP_SYS_ADMIN: do it before the
	 * capabilities go (runc does the same); with it, as late as possible. */
	if (ctx->seccomp && !p->no_new_privileges) {
		load_seccomp(ctx);
		*seccomp_loaded = true;
	}
	json_t *keep = spec->annotations
			   ? json_object_get(spec->annotations, "run.oci.keep_original_groups")
			   : NULL;
	bool keep_groups = json_is_string(keep) && !strcmp(json_string_value(keep), "1");
	must(ctx, rt_process_identity(p, spec->ns[RT_NS_USER].enabled, keep_groups, &err), &err);
	if (p->no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		fail(ctx, errno, "set no_new_privs");
	/* A listener needs the sync socket, which create closes at READY. */
	if (ctx->seccomp && !*seccomp_loaded && ctx->seccomp->listener_path &&
	    *ctx->seccomp->listener_path && !ctx->exec_mode) {
		load_seccomp(ctx);
		*seccomp_loaded = true;
	}
	return exe;
}

/* create: READY to the runtime, then block on exec.fifo until `start`; startContainer hooks.
 * Exits when there is nothing to run. */
static void wait_for_start(struct rt_init_ctx *ctx)
{
	const struct rt_spec *spec = ctx->spec;
	struct berr *err = NULL;
	must_send(ctx, RT_MSG_READY, 0, "ready");
	(void)close(ctx->sync_fd);
	ctx->sync_fd = -1;
	char c;
	ssize_t n;
	do
		n = read(ctx->fifo_fd, &c, 1);
	while (n < 0 && errno == EINTR);
	/* fifo_fd stays open (close-on-exec) until execve: start waits for that. */
	if (n != 1 || !ctx->process)
		_exit(n == 1 ? 0 : 1);
	if (spec->hooks[RT_HOOK_START_CONTAINER].n) {
		autofree char *st = state_json(ctx, "running", ctx->host_pid);
		if (rt_hooks_run(&spec->hooks[RT_HOOK_START_CONTAINER], "startContainer", st,
				 &err) < 0) {
			autofree char *msg = berr_string(err);
			dprintf(2, "berth-runtime: %s\n", msg);
			_exit(1);
		}
	}
}

/* Stage 2: the container's process. */
__attribute__((noreturn)) static void stage2(struct rt_init_ctx *ctx)
{
	const struct rt_spec *spec = ctx->spec;
	struct rt_process *p = ctx->process;
	struct berr *err = NULL;

	/* exec, or a container without a mount namespace: no mounts to do meanwhile. */
	if (ctx->exec_mode || !spec->ns[RT_NS_MOUNT].enabled)
		must(ctx, await_go(ctx, &err), &err);
	bool seccomp_loaded = false;
	bool new_userns = ctx->unshare_flags & CLONE_NEWUSER;
	if (new_userns && (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0))
		fail(ctx, errno, "become root in user namespace");
	if (setsid() < 0 && !ctx->exec_mode)
		fail(ctx, errno, "setsid");
	umask(0); /* device nodes and mount points get exactly the modes we ask for */
	if (!ctx->exec_mode && !ctx->no_new_keyring)
		must(ctx, join_keyring(ctx, &err), &err);

	if (!ctx->exec_mode) {
		bool runtime_hooks =
		    spec->hooks[RT_HOOK_PRESTART].n || spec->hooks[RT_HOOK_CREATE_RUNTIME].n;
		setup_container(ctx, runtime_hooks);
	}
	autofree char *exe = p ? apply_process(ctx, &seccomp_loaded) : NULL;
	/* The host's procfs is the last thing the process should hold at execve (a magic link
	 * away from the host's root): it is close-on-exec, and closed here all the same. */
	if (ctx->procfd >= 0)
		(void)close(ctx->procfd);
	ctx->procfd = -1;
	if (!ctx->exec_mode)
		wait_for_start(ctx);
	if (ctx->seccomp && !seccomp_loaded) {
		if (ctx->exec_mode) {
			load_seccomp(ctx); /* the sync socket is open until execve */
		} else {
			int fd;
			if (rt_seccomp_load(ctx->seccomp, &fd, &err) < 0)
				fail_late(ctx, err);
		}
	}
	/* The container starts with no signal blocked and none ignored, whatever its caller had:
	 * a blocked SIGTERM would make `stop` wait for SIGKILL (execve keeps both; runc resets
	 * them too). */
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			(void)signal(sig, SIG_DFL);
	sigset_t none;
	sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);
	char *empty[] = {NULL};
	execve(exe, p->args, p->env ? p->env : empty);
	int code = errno;
	berr_set(&err, code, "exec '%s'", p->args[0]);
	if (ctx->sync_fd >= 0)
		rt_sync_fail(ctx->sync_fd, err);
	autofree char *msg = berr_string(err);
	dprintf(2, "berth-runtime: %s\n", msg);
	/* the shell's and Docker's statuses: not found 127, found but not executable 126 */
	_exit(code == ENOENT || code == ENOTDIR ? 127 : 126);
}

static int write_time_offsets(int procfd, json_t *offsets, struct berr **err)
{
	const char *clock;
	json_t *v;
	json_object_foreach(offsets, clock, v)
	{
		int64_t secs = 0, nanos = 0;
		if (json_opt_i64(v, "linux.timeOffsets", "secs", &secs, NULL, err) < 0 ||
		    json_opt_i64(v, "linux.timeOffsets", "nanosecs", &nanos, NULL, err) < 0)
			return -EINVAL;
		char line[128];
		int n = snprintf(line, sizeof(line), "%s %lld %lld", clock, (long long)secs,
				 (long long)nanos);
		if (procfs_write(procfd, "self/timens_offsets", line, (size_t)n, err) < 0)
			return berr_wrap(err, "set time offset for '%s'", clock);
	}
	return 0;
}

int rt_init_procfs(int preserve_fds, struct berr **err)
{
	autoclose int fd = procfs_open(err);
	if (fd < 0 || fd >= 3 + preserve_fds)
		return fd < 0 ? fd : take_fd(&fd);
	int high = fcntl(fd, F_DUPFD_CLOEXEC, 3 + preserve_fds);
	return high < 0 ? berr_set(err, errno, "move the procfs handle") : high;
}

void rt_init_stage1(struct rt_init_ctx *ctx)
{
	struct berr *err = NULL;
	struct rt_msg m;
	/* Die with the runtime if it dies before we are set up. */
	(void)prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	if (ctx->cgroup_path)
		must(ctx, rt_cgroup_enter_self(ctx->cgroup_path, ctx->cgroup_v2_done, &err), &err);
	bool joined_user = ctx->ns_fds[RT_NS_USER] >= 0;
	must(ctx, rt_ns_join(ctx->ns_fds, &err), &err);
	/* A joined user namespace (a pod's, runc's order: it first): its root, as a new one's
	 * below, so what the mounts make is owned inside (the host's root is unmapped there).
	 * Where the maps leave 0 out the ids stay as they were (EINVAL) and the process's own
	 * user is set later all the same. */
	if (joined_user && ((setresgid(0, 0, 0) < 0 && errno != EINVAL) ||
			    (setresuid(0, 0, 0) < 0 && errno != EINVAL)))
		fail(ctx, errno, "become root in the joined user namespace");
	if (ctx->unshare_flags & CLONE_NEWUSER) {
		if (unshare(CLONE_NEWUSER) < 0)
			fail(ctx, errno, "create user namespace");
		/* The parent writes our maps; dumpable lets it open /proc/PID/uid_map. */
		if (prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) < 0)
			fail(ctx, errno, "make the runtime's process dumpable for its maps");
		must_send(ctx, RT_MSG_USERNS_READY, 0, "userns ready");
		must(ctx, rt_sync_expect(ctx->sync_fd, RT_MSG_USERNS_MAPPED, &m, &err), &err);
		/* Not dumpable again before anything of the container's can run beside us: a
		 * dumpable process of the container's user may be ptraced and its /proc/PID/fd
		 * opened by the container's own processes, and this one holds the host's procfs
		 * and the sync socket (runc's CVE-2016-9962). Failing to reset it is fatal. */
		if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
			fail(ctx, errno, "make the runtime's process not dumpable");
		if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
			fail(ctx, errno, "become root in user namespace");
	}
	int flags = ctx->unshare_flags & ~CLONE_NEWUSER;
	if (flags && unshare(flags) < 0)
		fail(ctx, errno, "create namespaces");
	if (ctx->spec->time_offsets && (flags & CLONE_NEWTIME) &&
	    write_time_offsets(ctx->procfd, ctx->spec->time_offsets, &err) < 0)
		rt_sync_fail(ctx->sync_fd, err);
	pid_t pid = fork();
	if (pid < 0)
		fail(ctx, errno, "fork container process");
	if (pid == 0) {
		(void)prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0);
		stage2(ctx);
	}
	must_send(ctx, RT_MSG_INIT_PID, pid, "init pid");
	_exit(0);
}
