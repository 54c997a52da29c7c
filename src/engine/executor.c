/* The two executors (see executor.h). */
#include "engine/executor.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "engine/container.h"
#include "engine/rootless.h"
#include "runtime/cgroup_owner.h"
#include "runtime/console.h"
#include "runtime/container.h"
#include "runtime/spec.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/xalloc.h"
#include "vm/template.h"
#include "vm/vm.h"

static const char *hc_str(json_t *rec, const char *k)
{
	return json_string_value(json_object_get(json_object_get(rec, "HostConfig"), k));
}

bool eng_is_vm(json_t *rec)
{
	const char *iso = hc_str(rec, "Isolation");
	return iso && !strcmp(iso, "vm");
}

bool eng_container_is_vm(const struct eng_store *s, const char *id)
{
	json_t *rec = eng_container_load(s, id, NULL);
	bool vm = rec && eng_is_vm(rec);
	json_decref(rec);
	return vm;
}

/* ---- namespaces and cgroups, through the runtime ---- */

/* stdio for the container: a pty through the console socket, or pipes. The init inherits
 * fds 0-2 of the calling process: ours are pointed at the pipes for the create. */
static int rt_create(const struct eng_exec_ctx *c, struct eng_proc *p, struct berr **err)
{
	int sock[2] = {-1, -1}, out[2] = {-1, -1}, errp[2] = {-1, -1}, in[2] = {-1, -1};
	if (c->tty && socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sock) < 0)
		return berr_set(err, errno, "console socket");
	if (!c->tty && (pipe2(out, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0))
		return berr_set(err, errno, "pipe");
	if (!c->tty && c->open_stdin && pipe2(in, O_CLOEXEC) < 0)
		return berr_set(err, errno, "pipe");
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (!c->tty) {
		dup2(in[0] >= 0 ? in[0] : null, 0);
		dup2(out[1], 1);
		dup2(errp[1], 2);
	}
	/* the rootless engine makes the container's cgroup only where the user's cgroup v2
	 * subtree is delegated (eng_bundle_cgroup put it there): a system container's systemd
	 * needs one of its own, limits or not; elsewhere none (it refused limits at create,
	 * engine/rootless.h) */
	autofree char *delegated = eng_rootless() ? rt_cgroup_user_base(NULL) : NULL;
	struct rt_create_opts co = {.root = c->rtroot,
				    .id = c->id,
				    .bundle = c->dir,
				    .has_console_fd = c->tty,
				    .console_fd = sock[1],
				    .rootless = eng_rootless(),
				    .no_cgroup = eng_rootless() && !delegated};
	int r = rt_container_create(&co, &p->pid, err);
	dup2(null, 0);
	dup2(null, 1);
	dup2(null, 2);
	(void)close(null);
	int *theirs[] = {&sock[1], &out[1], &errp[1], &in[0]};
	for (size_t i = 0; i < 4; i++)
		if (*theirs[i] >= 0)
			(void)close(*theirs[i]);
	p->out = out[0];
	p->err = errp[0];
	p->in = in[1];
	if (r == 0 && c->tty) {
		p->master = rt_console_recv(sock[0], 0, err);
		if (p->master < 0)
			r = -EIO;
	}
	if (sock[0] >= 0)
		(void)close(sock[0]);
	return r;
}

static int rt_start(const struct eng_exec_ctx *c, struct eng_proc *p, struct berr **err)
{
	return rt_container_start(c->rtroot, c->id, err);
}

static int rt_signal(const struct eng_exec_ctx *c, struct eng_proc *p, int sig, struct berr **err)
{
	return rt_container_kill(c->rtroot, c->id, sig, sig == 9, err);
}

static void rt_destroy(const struct eng_exec_ctx *c, struct eng_proc *p, bool reaped)
{
	(void)rt_container_delete(c->rtroot, c->id, true, NULL);
}

static const struct eng_executor runtime_executor = {.name = "runtime",
						     .create = rt_create,
						     .start = rt_start,
						     .signal = rt_signal,
						     .destroy = rt_destroy};

/* ---- a VM ---- */

static int vm_create(const struct eng_exec_ctx *c, struct eng_proc *p, struct berr **err)
{
	autofree char *config = xasprintf("%s/config.json", c->dir);
	autoptr(rt_spec) spec = rt_spec_load(config, c->dir, err);
	if (!spec)
		return -EINVAL;
	json_t *hc = json_object_get(c->rec, "HostConfig");
	int64_t mem = json_integer_value(json_object_get(hc, "Memory"));
	int64_t nano = json_integer_value(json_object_get(hc, "NanoCpus"));
	autofree char *state = xasprintf("%s/%s/vm", c->s->runroot, c->id);
	autofree char *cache = xasprintf("%s/vm", c->s->root);
	struct vm_opts o = {.id = c->id,
			    .state_dir = state,
			    .cache_dir = cache,
			    .init_path = hc_str(c->rec, "VmInitPath"),
			    .kernel = hc_str(c->rec, "VmKernel"),
			    .accel = hc_str(c->rec, "VmAccel"),
			    .template = json_is_true(json_object_get(hc, "VmTemplate")),
			    .mem_mb = mem > 0 ? (unsigned)(mem >> 20) : 0,
			    .cpus = nano > 0 ? (unsigned)((nano + 999999999) / 1000000000) : 0,
			    .spec = spec,
			    .nics = c->nics ? c->nics->nic : NULL,
			    .n_nics = c->nics ? c->nics->n : 0};
	if (!o.init_path)
		return berr_plain(err, EINVAL, "the container's record has no guest init");
	struct vm *v = xzalloc(sizeof(*v));
	if (vm_boot(&o, v, err) < 0) {
		free(v);
		return -EIO;
	}
	p->priv = v;
	p->pid = v->qemu;
	p->ctl = v->ctl;
	p->exec = v->exec;
	p->watch = v->watch;
	if (c->tty) {
		/* the guest relays its pty on the stdout port, both ways */
		p->master = v->out;
		v->out = -1;
	} else {
		p->out = v->out;
		p->err = v->err;
		p->in = v->in;
		/* the monitor owns these now (it closes them with the process's stdio) */
		v->out = v->err = v->in = -1;
		if (!c->open_stdin && p->in >= 0) {
			(void)close(p->in); /* the guest's stdin reads its end */
			p->in = -1;
		}
	}
	v->exec = -1;
	return 0;
}

static int vm_start(const struct eng_exec_ctx *c, struct eng_proc *p, struct berr **err)
{
	return vm_wait_started(p->priv, VM_BOOT_TIMEOUT_S, err);
}

static void vm_control(struct eng_proc *p)
{
	struct vm *v = p->priv;
	if (vm_ctl_read(v))
		p->exit_code = v->exit_code;
}

static int vm_signal_(const struct eng_exec_ctx *c, struct eng_proc *p, int sig, struct berr **err)
{
	struct vm *v = p->priv;
	int r = vm_signal(v, sig);
	if (r < 0)
		return berr_set(err, -r, "signal the VM");
	if (sig == 9)
		p->exit_code = 137;
	return 0;
}

static void vm_files_changed_(struct eng_proc *p)
{
	vm_files_changed(p->priv, p->exec);
}

static int vm_resize_(struct eng_proc *p, unsigned rows, unsigned cols)
{
	return vm_resize(p->priv, rows, cols);
}

static void vm_destroy(const struct eng_exec_ctx *c, struct eng_proc *p, bool reaped)
{
	struct vm *v = p->priv;
	if (!v)
		return;
	vm_ctl_read(v);
	if (v->exit_code >= 0 && p->exit_code < 0)
		p->exit_code = v->exit_code;
	v->ctl = -1; /* the monitor's */
	vm_stop(v, reaped);
	free(v);
	p->priv = NULL;
}

static const struct eng_executor vm_executor = {.name = "vm",
						.create = vm_create,
						.start = vm_start,
						.control = vm_control,
						.signal = vm_signal_,
						.resize = vm_resize_,
						.files_changed = vm_files_changed_,
						.destroy = vm_destroy};

/* Every executor, the first the default. */
static const struct eng_executor *const executors[] = {&runtime_executor, &vm_executor};

const struct eng_executor *eng_executor_for(json_t *rec)
{
	return eng_is_vm(rec) ? executors[1] : executors[0];
}

bool eng_vm_template_default(void)
{
	return vm_template_default();
}

int eng_vm_template_prune(const struct eng_store *s, int64_t until_ns, int *count, int64_t *bytes,
			  struct berr **err)
{
	autofree char *cache = xasprintf("%s/vm", s->root);
	return vm_template_prune(cache, until_ns, count, bytes, err);
}
