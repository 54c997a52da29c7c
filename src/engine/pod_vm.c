/* A pod of one VM (see pod_vm.h): the share, and the executor of its members. */
#include "engine/pod_vm.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine/attach.h"
#include "engine/container.h"
#include "engine/executor.h"
#include "engine/pod.h"
#include "engine/pod_vm_exec.h"
#include "runtime/spec.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/frame.h"
#include "util/fs.h"
#include "util/path.h"
#include "util/xalloc.h"
#include "vm/guestcfg.h"
#include "vm/proto.h"

#ifndef STATX_ATTR_MOUNT_ROOT
#define STATX_ATTR_MOUNT_ROOT 0x00002000
#endif

bool eng_pod_is_vm(json_t *pod)
{
	const char *iso = json_string_value(json_object_get(pod, "Isolation"));
	return iso && !strcmp(iso, "vm");
}

char *eng_pod_vm_share(const struct eng_store *s, const char *pod_id)
{
	return xasprintf("%s/pods/%s/vm", s->root, pod_id);
}

static bool mount_root(const char *path)
{
	struct statx st;
	return statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, 0, &st) == 0 &&
	       (st.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) &&
	       (st.stx_attributes & STATX_ATTR_MOUNT_ROOT);
}

int eng_pod_vm_share_ensure(const struct eng_store *s, const char *pod_id, struct berr **err)
{
	autofree char *path = eng_pod_vm_share(s, pod_id);
	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		return berr_set(err, errno, "mkdir %s", path);
	if (mount_root(path))
		return 0;
	/* shared before virtiofsd copies it (as a slave): later mounts under it reach it */
	if (mount(path, path, NULL, MS_BIND, NULL) < 0 ||
	    mount(NULL, path, NULL, MS_SHARED, NULL) < 0)
		return berr_set(err, errno, "mount the VM share of pod %.12s", pod_id);
	return 0;
}

void eng_pod_vm_share_remove(const struct eng_store *s, const char *pod_id)
{
	autofree char *path = eng_pod_vm_share(s, pod_id);
	while (mount_root(path) && umount2(path, MNT_DETACH) == 0)
		;
}

/* ---- a member: an exec session of the infra's monitor, in its own root ---- */

struct member {
	int sock;  /* to the infra's monitor: the session (the relay's to write) */
	int ctl;   /* to the relay: signals and window sizes for it to send, or -1 */
	char *mnt; /* <share>/<id>, the bind of the member's root */
};

/* What the monitor asks the relay to send, in one atomic write to a pipe (so that its frames
 * and the relay's never interleave on the session's socket). */
struct relay_msg {
	unsigned char stream; /* FRAME_SIGNAL, FRAME_RESIZE */
	char text[31];
};

/* One more record ("key=value", NUL-terminated) at the end of recs. */
static char *add_record(char *recs, size_t *len, char *rec)
{
	size_t n = strlen(rec) + 1;
	recs = xrealloc(recs, *len + n);
	memcpy(recs + *len, rec, n);
	*len += n;
	free(rec);
	return recs;
}

char *eng_pod_vm_limit_records(char *recs, size_t *len, json_t *res)
{
	json_t *mem = json_object_get(res, "memory"), *cpu = json_object_get(res, "cpu");
	json_int_t limit = json_integer_value(json_object_get(mem, "limit"));
	json_int_t quota = json_integer_value(json_object_get(cpu, "quota"));
	json_int_t period = json_integer_value(json_object_get(cpu, "period"));
	json_int_t shares = json_integer_value(json_object_get(cpu, "shares"));
	json_t *pids = json_object_get(json_object_get(res, "pids"), "limit");
	if (limit > 0)
		recs = add_record(recs, len, xasprintf("memory=%lld", (long long)limit));
	if (quota > 0)
		recs = add_record(recs, len,
				  xasprintf("cpu=%lld %lld", (long long)quota,
					    (long long)(period > 0 ? period : 100000)));
	else if (quota < 0 || period > 0) /* no quota (-1), or a new period alone */
		recs = add_record(
		    recs, len,
		    xasprintf("cpu=max %lld", (long long)(period > 0 ? period : 100000)));
	/* runc's cpu.shares to cpu.weight */
	if (shares >= 2)
		recs = add_record(
		    recs, len,
		    xasprintf("weight=%lld", 1 + ((long long)shares - 2) * 9999 / 262142));
	if (json_integer_value(pids) > 0)
		recs = add_record(recs, len,
				  xasprintf("pids=%lld", (long long)json_integer_value(pids)));
	else if (pids)
		recs = add_record(recs, len, xstrdup("pids=max"));
	return recs;
}

/* Its records: the bundle's process, the root the guest enters, its id (its cgroup there)
 * and limits, and a PID namespace of its own unless the pod shares pid (as Kata's). */
static char *member_records(const struct eng_exec_ctx *c, bool own_pidns, size_t *len,
			    struct berr **err)
{
	autofree char *config = xasprintf("%s/config.json", c->dir);
	autoptr(rt_spec) spec = rt_spec_load(config, c->dir, err);
	if (!spec || !spec->process)
		return spec ? (berr_plain(err, EINVAL, "config.json has no process"), NULL) : NULL;
	char *recs = vm_guest_process(spec->process, len);
	recs = add_record(recs, len, xasprintf("root=%s/%s", POD_VM_GUEST_DIR, c->id));
	recs = add_record(recs, len, xasprintf("member=%s", c->id));
	if (own_pidns)
		recs = add_record(recs, len, xstrdup("pidns=1"));
	return eng_pod_vm_limit_records(recs, len, spec->resources);
}

/* /dev, /proc and /sys are the guest's (process.c), whatever the bundle mounts there. */
static bool guest_own(const char *dest)
{
	static const char *const own[] = {"/dev", "/proc", "/sys"};
	for (size_t i = 0; i < 3; i++) {
		size_t n = strlen(own[i]);
		if (!strncmp(dest, own[i], n) && (dest[n] == '/' || !dest[n]))
			return true;
	}
	return false;
}

/* Whether the bundle's mount is made under the member's root on the host: a directory bound
 * in (-v, volumes) or a tmpfs. Bound files are the pod's (the guest binds the VM's hosts,
 * resolv.conf and hostname). */
static bool member_mount(const struct rt_mount *mt)
{
	struct stat st;
	if (mt->type && !strcmp(mt->type, "tmpfs"))
		return !guest_own(mt->destination);
	return mt->bind && mt->source && stat(mt->source, &st) == 0 && S_ISDIR(st.st_mode);
}

/* A detached copy of path, made read-only before it is attached at dst (an fd, or the path
 * dst_path): a remount would not reach virtiofsd's copy, an attached mount's flags do. */
static int attach_copy(const char *path, bool readonly, int dst, const char *dst_path)
{
	autoclose int tree =
	    open_tree(AT_FDCWD, path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
	struct mount_attr ro = {.attr_set = MOUNT_ATTR_RDONLY};
	if (tree < 0 || (readonly && mount_setattr(tree, "", AT_EMPTY_PATH | AT_RECURSIVE, &ro,
						   sizeof(ro)) < 0))
		return -errno;
	unsigned flags = MOVE_MOUNT_F_EMPTY_PATH | (dst_path ? 0 : MOVE_MOUNT_T_EMPTY_PATH);
	return move_mount(tree, "", dst_path ? AT_FDCWD : dst, dst_path ? dst_path : "", flags) < 0
		   ? -errno
		   : 0;
}

/* The member's mounts under its root's bind in the share (so they reach virtiofsd's view as
 * the root did); their mount points made first in the root itself, which may be read-only
 * where they are mounted. tmpfs is made on the host. */
static int member_mounts(const struct rt_spec *spec, const char *mnt, bool points,
			 struct berr **err)
{
	autoclose int root = open(points ? spec->root_path : mnt, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return berr_set(err, errno, "open %s", points ? spec->root_path : mnt);
	for (size_t i = 0; i < spec->n_mounts; i++) {
		const struct rt_mount *mt = &spec->mounts[i];
		if (!member_mount(mt))
			continue;
		autoclose int dst = path_mkdir_in_root(root, mt->destination, 0755, err);
		if (dst < 0)
			return dst;
		char fdp[32];
		if (points)
			continue;
		if (!mt->bind) {
			if (mount("tmpfs", path_fd(dst, fdp), "tmpfs", mt->flags, mt->data) < 0)
				return berr_set(err, errno, "mount the tmpfs %s", mt->destination);
			continue;
		}
		int r = attach_copy(mt->source, mt->flags & MS_RDONLY, dst, NULL);
		if (r < 0)
			return berr_set(err, -r, "bind %s into the pod's VM share", mt->source);
	}
	return 0;
}

static int member_bind(const struct eng_exec_ctx *c, const char *pod_id, struct member *m,
		       struct berr **err)
{
	autofree char *config = xasprintf("%s/config.json", c->dir);
	autoptr(rt_spec) spec = rt_spec_load(config, c->dir, err);
	if (!spec)
		return berr_ret(err);
	int r = eng_pod_vm_share_ensure(c->s, pod_id, err);
	if (r < 0)
		return r;
	autofree char *share = eng_pod_vm_share(c->s, pod_id);
	m->mnt = xasprintf("%s/%s", share, c->id);
	if (mkdir(m->mnt, 0755) < 0 && errno != EEXIST)
		return berr_set(err, errno, "mkdir %s", m->mnt);
	r = member_mounts(spec, m->mnt, true, err);
	if (r < 0)
		return r;
	r = attach_copy(spec->root_path, spec->root_readonly, -1, m->mnt);
	if (r < 0)
		return berr_set(err, -r, "bind the root into the pod's VM share");
	return member_mounts(spec, m->mnt, false, err);
}

/* The infra's answer to the session: 0 once it runs, its error else. */
static int member_started(int sock, char *buf, struct berr **err)
{
	for (;;) {
		enum frame_stream st;
		size_t len;
		if (frame_read(sock, &st, buf, &len) <= 0)
			return berr_plain(err, EIO, "the pod's VM went away");
		if (st == FRAME_STARTED)
			return 0;
		if (st == FRAME_ERROR) {
			int code = atoi(buf);
			const char *sp = strchr(buf, ' ');
			return berr_plain(err,
					  code == 127   ? ENOENT
					  : code == 126 ? EACCES
							: EIO,
					  "%s", sp ? sp + 1 : buf);
		}
	}
}

/* The relay (the member's process for its monitor): stdin to the session, its output to the
 * pipes, execs both ways (pod_vm_exec.h), until its exit status (137 when the pod's VM goes
 * first). */
static int relay(int sock, int in, int out, int errfd, int ctl, struct pod_vm_execs *x)
{
	char *buf = xmalloc(FRAME_MAX + VM_FRAME_HEADER + 1);
	bool in_open = in >= 0;
	if (!in_open)
		(void)frame_write(sock, FRAME_STDIN_EOF, NULL, 0);
	struct pollfd p[4 + POD_VM_EXECS_MAX];
	for (;;) {
		p[0] = (struct pollfd){.fd = sock, .events = POLLIN};
		p[1] = (struct pollfd){.fd = in_open ? in : -1, .events = POLLIN};
		p[2] = (struct pollfd){.fd = ctl, .events = POLLIN};
		size_t n = pod_vm_execs_poll(x, p + 3);
		if (poll(p, 3 + n, -1) < 0 && errno != EINTR)
			return 255;
		pod_vm_execs_handle(x, p + 3, n, buf);
		struct relay_msg msg;
		if ((p[2].revents & (POLLIN | POLLHUP | POLLERR)) &&
		    read(ctl, &msg, sizeof(msg)) == (ssize_t)sizeof(msg))
			(void)frame_write(sock, (enum frame_stream)msg.stream, msg.text,
					  strnlen(msg.text, sizeof(msg.text)));
		else if (p[2].revents & (POLLHUP | POLLERR))
			ctl = -1; /* the monitor went: PR_SET_PDEATHSIG ends us */
		if (p[1].revents & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t k = read(in, buf, FRAME_MAX);
			in_open = k > 0;
			(void)frame_write(sock, k > 0 ? FRAME_STDIN : FRAME_STDIN_EOF, buf,
					  k > 0 ? (size_t)k : 0);
		}
		if (!(p[0].revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		enum frame_stream st;
		size_t len;
		if (frame_read(sock, &st, buf, &len) <= 0)
			return 137;
		if (st == FRAME_EXIT)
			return atoi(buf);
		if (st == FRAME_STDOUT || st == FRAME_STDERR)
			(void)fs_write_all(st == FRAME_STDERR ? errfd : out, buf, len);
	}
}

/* Close every fd from 3 up but those in keep. */
static void close_except(const int *keep, size_t n)
{
	unsigned from = 3;
	for (;;) {
		unsigned next = ~0U;
		for (size_t i = 0; i < n; i++)
			if (keep[i] >= (int)from && (unsigned)keep[i] < next)
				next = (unsigned)keep[i];
		if (next > from)
			(void)close_range(from, next - 1, 0);
		if (next == ~0U)
			return;
		from = next + 1;
	}
}

static int member_fork(const struct eng_exec_ctx *c, struct eng_proc *p, struct member *m,
		       const char *infra, struct berr **err)
{
	int out[2] = {-1, -1}, errp[2] = {-1, -1}, in[2] = {-1, -1}, ex[2] = {-1, -1};
	int ctl[2] = {-1, -1};
	/* a terminal: the guest's pty, relayed both ways on one socket the monitor takes for
	 * its master (as a VM's stdout port) */
	if (c->tty ? socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, out) < 0
		   : pipe2(out, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0 ||
			 (c->open_stdin && pipe2(in, O_CLOEXEC) < 0))
		return berr_set(err, errno, "pipe");
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ex) < 0 || pipe2(ctl, O_CLOEXEC) < 0)
		return berr_set(err, errno, "socketpair");
	m->ctl = ctl[1];
	if (c->tty) {
		in[0] = errp[1] = out[1];
		p->master = out[0];
		out[0] = -1;
	}
	pid_t pid = fork();
	if (pid == 0) {
		(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
		signal(SIGPIPE, SIG_IGN);
		/* none of the monitor's fds (its close of stdin must reach us as an end of
		 * file, its clients' closes theirs) */
		int keep[] = {m->sock, in[0], out[1], errp[1], ex[1], ctl[0]};
		close_except(keep, 6);
		autofree char *root = xasprintf("root=%s/%s", POD_VM_GUEST_DIR, c->id);
		struct pod_vm_execs x = {
		    .chan = ex[1], .s = c->s, .infra = infra, .root_rec = root, .member = c->id};
		_exit(relay(m->sock, in[0], out[1], errp[1], ctl[0], &x));
	}
	int theirs[] = {out[1], c->tty ? -1 : errp[1], c->tty ? -1 : in[0], ex[1], ctl[0]};
	for (size_t i = 0; i < 5; i++)
		if (theirs[i] >= 0)
			(void)close(theirs[i]);
	p->out = out[0];
	p->err = errp[0];
	p->in = in[1];
	p->exec = ex[0];
	if (pid < 0)
		return berr_set(err, errno, "fork the relay of a container in a pod's VM");
	p->pid = pid;
	return 0;
}

/* Whether the pod's members share a PID namespace (--share pid). */
static bool shares_pid(json_t *pod)
{
	size_t i;
	json_t *v;
	json_array_foreach(json_object_get(pod, "SharedNamespaces"), i, v)
	{
		if (!strcmp(json_string_value(v) ?: "", "pid"))
			return true;
	}
	return false;
}

static int member_create(const struct eng_exec_ctx *c, struct eng_proc *p, struct berr **err)
{
	const char *pod_id = json_string_value(json_object_get(c->rec, "Pod"));
	json_t *pod = pod_id ? eng_pod_load(c->s, pod_id, err) : NULL;
	if (!pod)
		return pod_id ? berr_ret(err) : -ENOENT;
	autofree char *infra =
	    xstrdup(json_string_value(json_object_get(pod, "InfraContainerId")) ?: "");
	bool own_pidns = !shares_pid(pod);
	json_decref(pod);
	size_t len = 0;
	autofree char *recs = member_records(c, own_pidns, &len, err);
	if (!recs)
		return berr_ret(err);
	struct member *m = xzalloc(sizeof(*m));
	m->sock = m->ctl = -1;
	p->priv = m;
	int r = member_bind(c, pod_id, m, err);
	if (r < 0)
		return r;
	m->sock = eng_attach_connect(c->s, infra, err);
	if (m->sock < 0)
		return berr_wrap(err, "the VM of pod %.12s", pod_id);
	autofree char *buf = xmalloc(FRAME_MAX + 1);
	if (frame_write(m->sock, FRAME_EXEC, recs, len) < 0)
		return berr_plain(err, EIO, "the pod's VM went away");
	r = member_started(m->sock, buf, err);
	if (r < 0)
		return r;
	return member_fork(c, p, m, infra, err);
}

static int member_start(const struct eng_exec_ctx *c, struct eng_proc *p, struct berr **err)
{
	return 0; /* it runs since its create */
}

static int member_signal(const struct eng_exec_ctx *c, struct eng_proc *p, int sig,
			 struct berr **err)
{
	struct member *m = p->priv;
	struct relay_msg msg = {.stream = FRAME_SIGNAL};
	snprintf(msg.text, sizeof(msg.text), "%d", sig);
	if (!m || m->ctl < 0 || write(m->ctl, &msg, sizeof(msg)) != (ssize_t)sizeof(msg)) {
		if (p->pid > 0 && sig == SIGKILL)
			(void)kill(p->pid, SIGKILL);
		else
			return berr_plain(err, ESRCH, "the pod's VM went away");
	}
	return 0;
}

static int member_resize(struct eng_proc *p, unsigned rows, unsigned cols)
{
	struct member *m = p->priv;
	struct relay_msg msg = {.stream = FRAME_RESIZE};
	snprintf(msg.text, sizeof(msg.text), "%u %u", rows, cols);
	return m && m->ctl >= 0 && write(m->ctl, &msg, sizeof(msg)) == (ssize_t)sizeof(msg)
		   ? 0
		   : -ESRCH;
}

static void member_destroy(const struct eng_exec_ctx *c, struct eng_proc *p, bool reaped)
{
	struct member *m = p->priv;
	if (!m)
		return;
	if (!reaped && p->pid > 0) {
		(void)kill(p->pid, SIGKILL);
		(void)waitpid(p->pid, NULL, 0);
	}
	if (m->sock >= 0)
		(void)close(m->sock);
	if (m->ctl >= 0)
		(void)close(m->ctl);
	if (m->mnt) {
		(void)umount2(m->mnt, MNT_DETACH);
		(void)rmdir(m->mnt);
	}
	free(m->mnt);
	free(m);
	p->priv = NULL;
}

static const struct eng_executor member_executor = {.name = "vm-pod",
						    .create = member_create,
						    .start = member_start,
						    .signal = member_signal,
						    .resize = member_resize,
						    .destroy = member_destroy};

const struct eng_executor *eng_pod_vm_executor(json_t *rec)
{
	json_t *hc = json_object_get(rec, "HostConfig");
	return json_is_true(json_object_get(hc, "VmPod")) ? &member_executor : NULL;
}
