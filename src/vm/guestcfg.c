/* The guest's config from an OCI spec (see guestcfg.h). */
#include "vm/guestcfg.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "runtime/spec.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/xalloc.h"

struct recs {
	char *s;
	size_t len, cap;
};

static void put(struct recs *r, const char *key, const char *value)
{
	size_t n = strlen(key) + 1 + strlen(value) + 1;
	if (r->len + n > r->cap) {
		r->cap = (r->len + n) * 2 + 256;
		r->s = xrealloc(r->s, r->cap);
	}
	r->len += (size_t)sprintf(r->s + r->len, "%s=%s", key, value) + 1;
}

/* a record that is only its content (after "file=PATH") */
static void put_raw(struct recs *r, const char *data, size_t len)
{
	if (r->len + len + 1 > r->cap) {
		r->cap = (r->len + len + 1) * 2 + 256;
		r->s = xrealloc(r->s, r->cap);
	}
	memcpy(r->s + r->len, data, len);
	r->len += len;
	r->s[r->len++] = '\0';
}

static void putf(struct recs *r, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void putf(struct recs *r, const char *key, const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	put(r, key, buf);
}

static bool guest_own(const char *type)
{
	static const char *const own[] = {"proc",   "sysfs",   "devpts", "mqueue",
					  "cgroup", "cgroup2", NULL};
	for (const char *const *o = own; *o; o++)
		if (type && !strcmp(type, *o))
			return true;
	return false;
}

static int plan_mounts(const struct rt_spec *spec, struct vm_guest_plan *p, struct recs *r,
		       struct berr **err)
{
	for (size_t i = 0; i < spec->n_mounts; i++) {
		const struct rt_mount *m = &spec->mounts[i];
		if (!m->bind) {
			/* /dev, /dev/shm and the pseudo file systems are the guest's own; a
			 * tmpfs elsewhere is made in the guest */
			if (m->type && !strcmp(m->type, "tmpfs") &&
			    strcmp(m->destination, "/dev") && strcmp(m->destination, "/dev/shm"))
				put(r, "tmpfs", m->destination);
			else if (!guest_own(m->type) && !(m->type && !strcmp(m->type, "tmpfs")))
				return berr_plain(err, EINVAL,
						  "mount '%s' of type %s is not possible in a VM",
						  m->destination, m->type ? m->type : "?");
			continue;
		}
		/* podman's idmap (a runtime's mount option, as crun's): a VM has no user
		 * namespace, and virtiofs maps no ids (engine/volume.c's eng_mounts_guest_check
		 * refuses it at berth's create): dropped, the files would show the host's ids */
		if (m->idmap)
			return berr_plain(err, EINVAL,
					  "mount '%s': idmap is not possible in a VM: a VM has no "
					  "user namespace, and virtiofs maps no ids",
					  m->destination);
		struct stat st;
		if (!m->source || stat(m->source, &st) < 0)
			return berr_set(err, errno, "bind source '%s'", m->source ? m->source : "");
		bool ro = m->flags & MS_RDONLY;
		if (S_ISREG(st.st_mode)) {
			autofree char *data = NULL;
			size_t len = 0;
			if (st.st_size > VM_FILE_MAX)
				return berr_plain(
				    err, E2BIG, "bind of file '%s': a VM takes files up to %d KiB",
				    m->source, VM_FILE_MAX >> 10);
			int rc = fs_read_file(AT_FDCWD, m->source, VM_FILE_MAX, &data, &len, err);
			if (rc < 0)
				return rc;
			if (memchr(data, '\0', len))
				return berr_plain(err, EINVAL,
						  "bind of file '%s': binary files are "
						  "not carried into a VM",
						  m->source);
			if (p->n_files == VM_FILES_MAX)
				return berr_plain(err, E2BIG, "more than %d files bound into a VM",
						  VM_FILES_MAX);
			p->files[p->n_files++] =
			    (struct vm_file){xstrdup(m->source), xstrdup(m->destination)};
			put(r, "file", m->destination);
			put_raw(r, data, len);
			continue;
		}
		if (!S_ISDIR(st.st_mode))
			return berr_plain(err, EINVAL,
					  "bind of '%s': only files and directories "
					  "reach a VM",
					  m->source);
		if (p->n_shares == VM_SHARES_MAX)
			return berr_plain(err, E2BIG, "more than %d directories for a VM",
					  VM_SHARES_MAX - 1);
		struct vm_share *sh = &p->shares[p->n_shares];
		snprintf(sh->tag, sizeof(sh->tag), "vol%zu", p->n_shares - 1);
		sh->source = xstrdup(m->source);
		sh->destination = xstrdup(m->destination);
		sh->readonly = ro;
		p->n_shares++;
		putf(r, "volume", "%s:%s:%s", sh->tag, m->destination, ro ? "ro" : "rw");
	}
	return 0;
}

/* The process's records: what an exec into the VM sends too. */
static void put_process(struct recs *r, const struct rt_process *pr)
{
	for (char **a = pr->args; a && *a; a++)
		put(r, "arg", *a);
	for (char **e = pr->env; e && *e; e++)
		put(r, "env", *e);
	put(r, "cwd", pr->cwd ? pr->cwd : "/");
	putf(r, "uid", "%u", (unsigned)pr->uid);
	putf(r, "gid", "%u", (unsigned)pr->gid);
	for (size_t i = 0; i < pr->n_additional_gids; i++)
		putf(r, "group", "%u", (unsigned)pr->additional_gids[i]);
	for (size_t i = 0; i < pr->n_rlimits; i++)
		putf(r, "rlimit", "%d:%llu:%llu", pr->rlimits[i].resource,
		     (unsigned long long)pr->rlimits[i].soft,
		     (unsigned long long)pr->rlimits[i].hard);
	if (pr->has_caps)
		putf(r, "caps", "%llx:%llx:%llx:%llx",
		     (unsigned long long)pr->caps[RT_CAP_BOUNDING],
		     (unsigned long long)pr->caps[RT_CAP_EFFECTIVE],
		     (unsigned long long)pr->caps[RT_CAP_PERMITTED],
		     (unsigned long long)pr->caps[RT_CAP_INHERITABLE]);
	if (pr->no_new_privileges)
		put(r, "nnp", "1");
	if (pr->terminal) {
		put(r, "tty", "1");
		if (pr->console_height && pr->console_width) {
			putf(r, "rows", "%u", pr->console_height);
			putf(r, "cols", "%u", pr->console_width);
		}
	}
}

char *vm_guest_process(const struct rt_process *pr, size_t *out_len)
{
	struct recs r = {0};
	put_process(&r, pr);
	*out_len = r.len;
	return r.s ? r.s : xstrdup("");
}

int vm_guest_plan(const struct rt_spec *spec, struct vm_guest_plan *out, struct berr **err)
{
	memset(out, 0, sizeof(*out));
	const struct rt_process *pr = spec->process;
	if (!pr)
		return berr_plain(err, EINVAL, "config.json has no process");
	struct recs r = {0};
	out->shares[0] = (struct vm_share){
	    .tag = "root", .source = xstrdup(spec->root_path), .readonly = spec->root_readonly};
	out->n_shares = 1;
	put_process(&r, pr);
	out->tty = pr->terminal;
	if (spec->hostname)
		put(&r, "hostname", spec->hostname);
	if (spec->root_readonly)
		put(&r, "readonly", "1");
	const char *sd =
	    json_string_value(json_object_get(spec->annotations, VM_SYSTEMD_ANNOTATION));
	if (sd && !strcmp(sd, "true")) {
		out->systemd = true;
		put(&r, "systemd", "1");
		const char *id =
		    json_string_value(json_object_get(spec->annotations, "org.berth.container.id"));
		size_t n = id ? strspn(id, "0123456789abcdef") : 0;
		if (n >= 32)
			snprintf(out->machine_id, sizeof(out->machine_id), "%.32s", id);
	}
	int rc = plan_mounts(spec, out, &r, err);
	if (rc < 0) {
		free(r.s);
		vm_guest_plan_clear(out);
		return rc;
	}
	out->config = r.s ? r.s : xstrdup("");
	out->config_len = r.len;
	return 0;
}

void vm_guest_plan_clear(struct vm_guest_plan *p)
{
	for (size_t i = 0; i < p->n_shares; i++) {
		free(p->shares[i].source);
		free(p->shares[i].destination);
	}
	for (size_t i = 0; i < p->n_files; i++) {
		free(p->files[i].source);
		free(p->files[i].destination);
	}
	free(p->config);
	memset(p, 0, sizeof(*p));
}

bool vm_is_init_command(const char *cmd)
{
	static const char *const inits[] = {"/sbin/init", "/usr/sbin/init", "/usr/local/sbin/init"};
	for (size_t i = 0; i < sizeof(inits) / sizeof(inits[0]); i++)
		if (!strcmp(cmd, inits[i]))
			return true;
	const char *slash = strrchr(cmd, '/');
	return !strcmp(slash ? slash + 1 : cmd, "systemd");
}
