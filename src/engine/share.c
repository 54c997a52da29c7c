/* --ipc, --pid and --volumes-from (share.h), as dockerd takes HostConfig's IpcMode, PidMode and
 * VolumesFrom: the modes' spellings and messages of its runconfig and daemon
 * (daemon/container_operations_unix.go), the mounts of a volumes-from container copied at
 * create as its registerMountPoints copies them (the container's own win at a destination;
 * :ro makes one read-only, :rw keeps the donor's). Docker has no idmap: a donor's idmap
 * option comes along as podman 4.3 brings it, with the mount's other options: without a
 * mode (then it maps to the new container's own user namespace), not with :ro or :rw. */
#include "engine/share.h"

#include <errno.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "engine/container.h"
#include "engine/create.h"
#include "engine/executor.h"
#include "engine/shm.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/json.h"
#include "util/xalloc.h"

static const char *str(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* The donor's IpcMode must let others in: Docker's default ("private", by its daemon's
 * default-ipc-mode) does not; berth's unset mode does (a pod's infra has none). */
static int donor_ipc(const struct eng_store *s, const char *id, const char *given,
		     struct berr **err)
{
	json_t *rec = eng_container_load(s, id, err);
	if (!rec)
		return berr_ret(err);
	const char *m = str(json_object_get(rec, "HostConfig"), "IpcMode");
	bool closed = m && (!strcmp(m, "private") || !strcmp(m, "none"));
	json_decref(rec);
	if (closed)
		return berr_plain(err, EINVAL,
				  "container %s: non-shareable IPC (hint: use IpcMode:shareable "
				  "for the donor container)",
				  given);
	return 0;
}

/* One mode: NULL or "" unset; a name of modes (each of `names`); container:X (X resolved). */
static int mode(const struct eng_store *s, const char *given, const char *const *names,
		const char *what, char **out, struct berr **err)
{
	*out = NULL;
	if (!given || !*given)
		return 0;
	for (size_t i = 0; names[i]; i++)
		if (!strcmp(given, names[i])) {
			*out = xstrdup(given);
			return 0;
		}
	if (strncmp(given, "container:", 10) || !given[10])
		return berr_plain(err, EINVAL, "invalid %s mode: %s", what, given);
	char id[ENG_ID_LEN + 1];
	int r = eng_container_resolve(s, given + 10, id, err);
	if (r == 0 && !strcmp(what, "IPC"))
		r = donor_ipc(s, id, given + 10, err);
	if (r < 0)
		return berr_wrap(err, "--%s", !strcmp(what, "IPC") ? "ipc" : "pid");
	*out = xasprintf("container:%s", id);
	return 0;
}

static bool has_dest(json_t *mounts, const char *dst)
{
	size_t i;
	json_t *m;
	json_array_foreach(mounts, i, m)
	{
		if (!strcmp(str(m, "Destination") ?: "", dst))
			return true;
	}
	return false;
}

/* --volumes-from's mode: ro or rw, and an SELinux relabel z or Z, at most one of each in a comma
 * list (Docker's parseVolumesFrom and its message; podman's getVolumesFrom takes z). berth
 * runs no SELinux: a relabel asks for nothing more, as on a host without it. *out_ro: ro. */
static int from_mode(const char *text, bool *out_ro, struct berr **err)
{
	autofree char *copy = xstrdup(text);
	bool rw_mode = false, label = false, ro = false;
	for (char *save = NULL, *o = strtok_r(copy, ",", &save); o;
	     o = strtok_r(NULL, ",", &save)) {
		bool *seen = !strcmp(o, "z") || !strcmp(o, "Z")       ? &label
			     : (!strcmp(o, "ro") || !strcmp(o, "rw")) ? &rw_mode
								      : NULL;
		if (!seen || *seen)
			return berr_plain(err, EINVAL, "invalid mode: %s", text);
		*seen = true;
		ro = ro || !strcmp(o, "ro");
	}
	*out_ro = ro;
	return 0;
}

/* X[:MODE]: X's mounts into more (destinations an earlier X has left out), the recorded form
 * "<id>[:mode]" into out. */
static int volumes_from(const struct eng_store *s, const char *spec, json_t *more, json_t *out,
			struct berr **err)
{
	autofree char *name = xstrdup(spec);
	char *colon = strrchr(name, ':');
	const char *m = colon ? colon + 1 : "";
	if (colon)
		*colon = 0;
	bool ro = false;
	int r = *m ? from_mode(m, &ro, err) : 0;
	if (r < 0)
		return r;
	char id[ENG_ID_LEN + 1];
	r = eng_container_resolve(s, name, id, err);
	if (r < 0)
		return berr_wrap(err, "--volumes-from");
	json_t *rec = eng_container_load(s, id, err);
	if (!rec)
		return berr_ret(err);
	size_t i;
	json_t *mt;
	json_array_foreach(json_object_get(json_object_get(rec, "HostConfig"), "Mounts"), i, mt)
	{
		const char *dst = str(mt, "Destination") ?: "";
		if (has_dest(more, dst))
			continue;
		json_t *cp = json_deep_copy(mt);
		if (ro)
			json_object_set_new(cp, "RW", json_false());
		/* podman 4.3 (getVolumesFrom): a mode given replaces the donor's mount options,
		 * so its idmap (a bind's or volume's Options, volume.h) stays behind */
		if (*m && strcmp(str(mt, "Type") ?: "", "tmpfs"))
			json_object_set_new(cp, "Options", json_array());
		json_object_set_new(cp, "From", json_string(id));
		json_array_append_new(more, cp);
	}
	json_decref(rec);
	json_array_append_new(out, *m ? json_sprintf("%s:%s", id, m) : json_string(id));
	return 0;
}

/* What a mode of the host's or of another container's cannot be combined with. */
static int conflicts(const struct eng_create *c, bool userns, struct berr **err)
{
	bool ipc = c->ipc && *c->ipc && strcmp(c->ipc, "private") && strcmp(c->ipc, "shareable");
	bool pid = c->pid && *c->pid;
	if (!ipc && !pid)
		return 0;
	const char *flag = ipc ? "--ipc" : "--pid";
	if (c->pod)
		return berr_plain(err, EINVAL,
				  "%s and --pod: the pod decides the namespaces its "
				  "containers share",
				  flag);
	if (c->isolation && !strcmp(c->isolation, "vm"))
		return berr_plain(err, EINVAL,
				  "%s and --isolation vm: a VM's guest has namespaces "
				  "of its own",
				  flag);
	bool host = (c->ipc && !strcmp(c->ipc, "host")) || (c->pid && !strcmp(c->pid, "host"));
	if (host && userns)
		return berr_plain(err, EINVAL,
				  "the host's IPC or PID namespace and a user namespace: use "
				  "--userns=host");
	return 0;
}

int eng_share_decide(const struct eng_store *s, const struct eng_create *c, bool userns,
		     struct eng_share *out, struct berr **err)
{
	static const char *const ipcs[] = {"none", "private", "shareable", "host", NULL};
	static const char *const pids[] = {"host", NULL};
	struct eng_share d = {0};
	json_t *more = json_array(), *from = json_array();
	int r = mode(s, c->ipc, ipcs, "IPC", &d.ipc, err);
	if (r == 0)
		r = mode(s, c->pid, pids, "PID", &d.pid, err);
	if (r == 0)
		r = conflicts(c, userns, err);
	for (char *const *v = c->volumes_from; r == 0 && v && *v; v++)
		r = volumes_from(s, *v, more, from, err);
	d.mounts = more;
	d.volumes_from = json_array_size(from) ? from : (json_decref(from), NULL);
	if (r < 0) {
		eng_share_clear(&d);
		return r;
	}
	*out = d;
	return 0;
}

void eng_share_mounts(const struct eng_share *d, json_t *plan)
{
	size_t i;
	json_t *m;
	json_array_foreach(d->mounts, i, m)
	{
		if (!has_dest(plan, str(m, "Destination") ?: ""))
			json_array_append(plan, m);
	}
}

void eng_share_record(const struct eng_share *d, json_t *hc)
{
	if (d->ipc)
		json_object_set_new(hc, "IpcMode", json_string(d->ipc));
	if (d->pid)
		json_object_set_new(hc, "PidMode", json_string(d->pid));
	if (d->volumes_from)
		json_object_set_new(hc, "VolumesFrom", json_deep_copy(d->volumes_from));
}

void eng_share_clear(struct eng_share *d)
{
	free(d->ipc);
	free(d->pid);
	json_decref(d->volumes_from);
	json_decref(d->mounts);
	*d = (struct eng_share){0};
}

/* Leave the namespace of type out of the spec (the container stays in the runtime's). */
static void no_namespace(json_t *spec, const char *type)
{
	json_t *ns = json_object_get(json_object_get(spec, "linux"), "namespaces");
	for (size_t i = json_array_size(ns); i-- > 0;)
		if (!strcmp(str(json_array_get(ns, i), "type") ?: "", type))
			json_array_remove(ns, i);
}

void eng_share_spec(json_t *rec, json_t *spec)
{
	json_t *hc = json_object_get(rec, "HostConfig");
	const char *ipc = str(hc, "IpcMode") ?: "", *pid = str(hc, "PidMode") ?: "";
	if (!strcmp(pid, "host"))
		no_namespace(spec, "pid");
	if (strcmp(ipc, "host") && strcmp(ipc, "none"))
		return;
	if (!strcmp(ipc, "host"))
		no_namespace(spec, "ipc");
	json_t *mounts = json_object_get(spec, "mounts");
	for (size_t i = json_array_size(mounts); i-- > 0;) {
		json_t *m = json_array_get(mounts, i);
		if (strcmp(str(m, "destination") ?: "", "/dev/shm"))
			continue;
		if (!strcmp(ipc, "none")) {
			json_array_remove(mounts, i);
			continue;
		}
		/* the host's /dev/shm, as Docker binds it for IpcMode host */
		json_object_set_new(m, "type", json_string("bind"));
		json_object_set_new(m, "source", json_string("/dev/shm"));
		json_object_set_new(m, "options", json_pack("[s, s]", "rbind", "rprivate"));
	}
}

/* IpcMode shareable and container:X's /dev/shm, as dockerd's setupIpcDirs: a shareable
 * container's /dev/shm is a tmpfs on the host, <container dir>/shm (its ShmSize), mounted when
 * it starts and bound into it; a container with IpcMode container:X binds X's, so POSIX shared
 * memory (files in /dev/shm) is shared with X as System V IPC is by the joined namespace. A
 * bind of X's own /dev/shm from X's mount namespace is not possible: mount(2) refuses a
 * source outside the caller's namespace. X without a shareable mode (berth's unset mode,
 * which --ipc container:X accepts, dockerd refusing it) has no such tmpfs: the joiner keeps a
 * /dev/shm of its own. The tmpfs goes when X's monitor ends or X is removed
 * (eng_share_shm_release); a joiner's bind keeps its file system alive until it stops. */
int eng_share_shm(const struct eng_store *s, const char *id, json_t *rec, json_t *spec,
		  struct berr **err)
{
	json_t *hc = json_object_get(rec, "HostConfig");
	const char *ipc = str(hc, "IpcMode") ?: "";
	if (json_object_get(rec, "Pod") || eng_is_vm(rec))
		return 0; /* its pod's /dev/shm (pod_cgroup.c); a guest's is its own */
	if (!strncmp(ipc, "container:", 10) && ipc[10] && !strchr(ipc + 10, '/')) {
		autofree char *donor = eng_container_path(s, ipc + 10, "shm");
		if (eng_shm_mounted(donor))
			eng_shm_bind(spec, donor);
		return 0;
	}
	if (strcmp(ipc, "shareable"))
		return 0;
	autofree char *path = eng_container_path(s, id, "shm");
	autofree char *what = xasprintf("the shareable /dev/shm of %.12s", id);
	int r = eng_shm_mount(path, json_integer_value(json_object_get(hc, "ShmSize")), what, err);
	if (r == 0)
		eng_shm_bind(spec, path);
	return r;
}

void eng_share_shm_release(const struct eng_store *s, const char *id)
{
	autofree char *path = eng_container_path(s, id, "shm");
	eng_shm_unmount(path);
}

void eng_share_shm_release_monitor(const struct eng_store *s, const char *id)
{
	/* stop returns once the end is recorded, before this monitor ends: a start at once has
	 * a monitor of its own, which mounted (or kept) the tmpfs its container binds now */
	json_t *st = eng_state_load(s, id);
	json_int_t owner = json_integer_value(json_object_get(st, "MonitorPid"));
	json_decref(st);
	if (owner && owner != (json_int_t)getpid())
		return;
	eng_share_shm_release(s, id);
}
