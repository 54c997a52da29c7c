/* Pod records, the infra container, and what joining a pod does to a container's create
 * (see pod.h). The lifecycle is in pod_lifecycle.c, the documents in pod_view.c. */
#include "engine/pod.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/create.h"
#include "engine/event.h"
#include "engine/monitor.h"
#include "engine/network.h"
#include "engine/pod_vm.h"
#include "image/builtin.h"
#include "util/cleanup.h"
#include "util/digest.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/timefmt.h"
#include "util/xalloc.h"
#include "vm/vm.h"

#define POD_RECORD_MAX (1 << 20)

/* The namespaces a pod may share, podman's names. */
static const char *const shareable[] = {"cgroup", "ipc", "net", "pid", "uts", NULL};

static char *pod_path(const struct eng_store *s, const char *id, const char *file)
{
	return file ? xasprintf("%s/pods/%s/%s", s->root, id, file)
		    : xasprintf("%s/pods/%s", s->root, id);
}

json_t *eng_pod_load(const struct eng_store *s, const char *id, struct berr **err)
{
	autofree char *path = pod_path(s, id, "pod.json");
	return json_load_path(AT_FDCWD, path, POD_RECORD_MAX, err);
}

static int pod_save(const struct eng_store *s, const char *id, json_t *rec, struct berr **err)
{
	autofree char *path = pod_path(s, id, "pod.json");
	return json_write_atomic(rec, path, err);
}

int eng_pod_list(const struct eng_store *s, char ***out_ids, struct berr **err)
{
	autofree char *dir = xasprintf("%s/pods", s->root);
	autoclosedir DIR *d = opendir(dir);
	if (!d && errno != ENOENT)
		return berr_set(err, errno, "read '%s'", dir);
	json_t *byage = json_array();
	struct dirent *de;
	while (d && (de = readdir(d))) {
		if (strlen(de->d_name) != ENG_ID_LEN)
			continue;
		json_t *rec = eng_pod_load(s, de->d_name, NULL);
		const char *created = json_string_value(json_object_get(rec, "Created"));
		if (created)
			json_array_append_new(byage, json_pack("[s, s]", created, de->d_name));
		json_decref(rec);
	}
	size_t n = json_array_size(byage);
	char **ids = xcalloc(n + 1, sizeof(char *));
	/* newest first: RFC 3339 times in UTC compare as strings */
	for (size_t k = 0; k < n; k++) {
		size_t best = 0;
		for (size_t i = 1; i < json_array_size(byage); i++)
			if (strcmp(json_string_value(json_array_get(json_array_get(byage, i), 0)),
				   json_string_value(
				       json_array_get(json_array_get(byage, best), 0))) > 0)
				best = i;
		ids[k] = xstrdup(json_string_value(json_array_get(json_array_get(byage, best), 1)));
		json_array_remove(byage, best);
	}
	json_decref(byage);
	*out_ids = ids;
	return 0;
}

/* The id of the pod named name, or NULL. */
static char *find_name(const struct eng_store *s, const char *name)
{
	char **ids = NULL;
	if (eng_pod_list(s, &ids, NULL) < 0)
		return NULL;
	char *found = NULL;
	for (size_t i = 0; ids[i] && !found; i++) {
		json_t *rec = eng_pod_load(s, ids[i], NULL);
		if (!strcmp(json_string_value(json_object_get(rec, "Name")) ?: "", name))
			found = xstrdup(ids[i]);
		json_decref(rec);
	}
	strv_free(ids);
	return found;
}

int eng_pod_resolve(const struct eng_store *s, const char *ref, char out_id[ENG_ID_LEN + 1],
		    struct berr **err)
{
	autofree char *named = find_name(s, ref);
	if (named) {
		memcpy(out_id, named, ENG_ID_LEN + 1);
		return 0;
	}
	char **ids = NULL;
	if (eng_pod_list(s, &ids, err) < 0)
		return -EIO;
	const char *hit = NULL;
	int hits = 0;
	for (size_t i = 0; ids[i] && *ref; i++)
		if (!strncmp(ids[i], ref, strlen(ref)))
			hit = ids[i], hits++;
	if (hits == 1)
		memcpy(out_id, hit, ENG_ID_LEN + 1);
	strv_free(ids);
	if (hits > 1)
		return berr_plain(err, EINVAL, "more than one result for pod ID %s", ref);
	return hits == 1
		   ? 0
		   : berr_plain(err, ENOENT, "no pod with name or ID %s found: no such pod", ref);
}

char **eng_pod_containers(const struct eng_store *s, const char *id, bool infra)
{
	char **all = NULL;
	if (eng_container_list(s, &all, NULL) < 0)
		return xcalloc(1, sizeof(char *));
	size_t n = 0, total = 0;
	while (all[total])
		total++;
	char **out = xcalloc(total + 1, sizeof(char *));
	/* the list is newest first: oldest first here, the order they were added to the pod */
	for (size_t i = total; i-- > 0;) {
		json_t *rec = eng_container_load(s, all[i], NULL);
		if (!strcmp(json_string_value(json_object_get(rec, "Pod")) ?: "", id) &&
		    (infra || !json_is_true(json_object_get(rec, "PodInfra"))))
			out[n++] = xstrdup(all[i]);
		json_decref(rec);
	}
	strv_free(all);
	return out;
}

/* --share, podman's: a list replacing the default "ipc,net,uts", or "+list" adding to it;
 * "none" (or "") shares nothing and makes no infra; "none" within a list shares nothing but
 * keeps the infra (podman 4.3 does both). Into an array of names; out_infra: whether the pod
 * gets an infra container. */
static json_t *share_parse(const struct eng_pod_create *c, bool *out_infra, struct berr **err)
{
	const char *share = c->share;
	bool nothing = share && (!*share || !strcmp(share, "none"));
	if (c->no_infra && share && !nothing) {
		berr_plain(err, EINVAL,
			   "cannot set share(%s) namespaces without an infra container", share);
		return NULL;
	}
	*out_infra = !c->no_infra && !nothing;
	json_t *out = json_array();
	if (!*out_infra)
		return out;
	autofree char *list = !share          ? xstrdup("ipc,net,uts")
			      : *share == '+' ? xasprintf("ipc,net,uts,%s", share + 1)
					      : xstrdup(share);
	bool none = false;
	for (char *save = NULL, *t = strtok_r(list, ",", &save); t;
	     t = strtok_r(NULL, ",", &save)) {
		bool known = !strcmp(t, "none");
		none = none || known;
		for (const char *const *k = shareable; *k; k++)
			known = known || !strcmp(*k, t);
		if (!known) {
			json_decref(out);
			berr_plain(
			    err, EINVAL,
			    "invalid kernel namespace to share: %s. Options are: cgroup, ipc, "
			    "net, pid, uts or none",
			    t);
			return NULL;
		}
		bool dup = !strcmp(t, "none");
		size_t i;
		json_t *v;
		json_array_foreach(out, i, v) dup = dup || !strcmp(json_string_value(v), t);
		if (!dup)
			json_array_append_new(out, json_string(t));
	}
	if (none)
		json_array_clear(out);
	return out;
}

static bool shares_ns(json_t *list, const char *ns)
{
	size_t i;
	json_t *v;
	json_array_foreach(list, i, v)
	{
		if (!strcmp(json_string_value(v) ?: "", ns))
			return true;
	}
	return false;
}

static bool shares(json_t *pod, const char *ns)
{
	return shares_ns(json_object_get(pod, "SharedNamespaces"), ns);
}

/* Under pods.lock: the record, its name free among pods. */
static int pod_add(const struct eng_store *s, json_t *rec, char out_id[ENG_ID_LEN + 1],
		   struct berr **err)
{
	autofree char *dir = xasprintf("%s/pods", s->root);
	if (fs_mkdir_p(dir, 0700, err) < 0)
		return -EIO;
	autofree char *lockpath = xasprintf("%s/pods.lock", s->root);
	autoclose int lock = fs_lock(lockpath, err);
	if (lock < 0)
		return -EIO;
	const char *name = json_string_value(json_object_get(rec, "Name"));
	autofree char *owner = find_name(s, name);
	if (owner)
		return berr_plain(err, EEXIST, "name \"%s\" is in use: pod already exists", name);
	uint8_t raw[32];
	if (getrandom(raw, sizeof(raw), 0) != sizeof(raw))
		return berr_set(err, errno, "random id");
	char id[ENG_ID_LEN + 1];
	digest_to_hex(raw, sizeof(raw), id);
	autofree char *pdir = pod_path(s, id, NULL);
	if (mkdir(pdir, 0700) < 0)
		return berr_set(err, errno, "create '%s'", pdir);
	json_object_set_new(rec, "Id", json_string(id));
	if (pod_save(s, id, rec, err) < 0) {
		(void)fs_rm_rf(AT_FDCWD, pdir, NULL);
		return -EIO;
	}
	memcpy(out_id, id, sizeof(id));
	return 0;
}

/* --infra-command: a JSON array of strings, or words split at white space (podman's). */
static char **infra_argv(const char *cmd, struct berr **err)
{
	json_t *j = *cmd == '[' ? json_loads(cmd, 0, NULL) : NULL;
	size_t n = 0, i;
	json_t *v;
	char **argv = xcalloc(strlen(cmd) / 2 + 2 + json_array_size(j), sizeof(char *));
	if (j) {
		json_array_foreach(j, i, v)
		{
			if (json_is_string(v))
				argv[n++] = xstrdup(json_string_value(v));
		}
		if (n != json_array_size(j))
			n = 0;
	} else {
		autofree char *copy = xstrdup(cmd);
		for (char *save = NULL, *t = strtok_r(copy, " \t\n", &save); t;
		     t = strtok_r(NULL, " \t\n", &save))
			argv[n++] = xstrdup(t);
	}
	json_decref(j);
	if (n == 0) {
		strv_free(argv);
		berr_plain(err, EINVAL, "invalid --infra-command '%s'", cmd);
		return NULL;
	}
	return argv;
}

/* The infra container: the built-in image (it is there offline) with berth-pause bound in
 * read-only as its only process, or --infra-image and --infra-command; the pod's network,
 * ports, hostname and cgroup. */
static int infra_create(const struct eng_store *s, struct img_store *is,
			const struct eng_pod_create *c, json_t *pod, char out_id[ENG_ID_LEN + 1],
			struct berr **err)
{
	if (!c->infra_image && !c->pause_path)
		return berr_plain(err, ENOENT, "berth's berth-pause is not installed");
	if (!c->infra_image && img_builtin_ensure(is, err) < 0)
		return -EIO;
	char **argv = c->infra_command ? infra_argv(c->infra_command, err) : NULL;
	if (c->infra_command && !argv)
		return -EINVAL;
	const char *id = json_string_value(json_object_get(pod, "Id"));
	autofree char *name = c->infra_name ? xstrdup(c->infra_name) : xasprintf("%.12s-infra", id);
	autofree char *bind = xasprintf("%s:/berth-pause:ro", c->pause_path);
	char *volumes[] = {bind, NULL, NULL};
	/* a pod of one VM: berth-pause's directory (a file that big is no bound file of a
	 * VM's) and the share its members' roots are bound into */
	bool vm = eng_pod_is_vm(pod);
	autofree char *share =
	    vm ? eng_pod_vm_share(s, json_string_value(json_object_get(pod, "Id"))) : NULL;
	autofree char *pause_dir = vm && c->pause_path ? xstrdup(c->pause_path) : NULL;
	if (pause_dir && strrchr(pause_dir, '/'))
		*strrchr(pause_dir, '/') = '\0';
	autofree char *bind_dir = pause_dir ? xasprintf("%s:/.berth:ro", pause_dir) : NULL;
	autofree char *bind_share = vm ? xasprintf("%s:%s", share, POD_VM_GUEST_DIR) : NULL;
	if (vm) {
		volumes[0] = c->infra_image ? bind_share : bind_dir;
		volumes[1] = c->infra_image ? NULL : bind_share;
	}
	struct eng_create ic = {.image = c->infra_image ? c->infra_image : "berth/default",
				.name = name,
				.stop_timeout = -1,
				.volumes = c->infra_image && !vm ? NULL : volumes,
				.publish = c->publish};
	if (vm) {
		ic.isolation = "vm";
		ic.vm_init_path = c->vm_init_path;
		/* the pod's limits size its VM: the guest gets what QEMU's own leaves of
		 * --memory (the VM's cgroup is the guest's memory and that), vCPUs --cpus */
		if (c->memory)
			ic.run.memory = c->memory - ((int64_t)VM_OVERHEAD_MB << 20);
		ic.run.cpus = c->cpus;
	}
	ic.run.entrypoint = argv             ? argv[0]
			    : c->infra_image ? NULL
			    : vm             ? "/.berth/berth-pause"
					     : "/berth-pause";
	ic.run.entrypoint_rest = argv ? argv + 1 : NULL;
	ic.run.network = c->network ? c->network : ENG_NET_DEFAULT;
	ic.run.shm_size = c->shm_size;
	if (shares(pod, "uts"))
		ic.run.hostname = json_string_value(json_object_get(pod, "Hostname"));
	int r = eng_create(s, is, &ic, out_id, err);
	strv_free(argv);
	if (r < 0)
		return r;
	json_t *rec = eng_container_load(s, out_id, err);
	if (!rec)
		return -EIO;
	json_object_set_new(rec, "Pod", json_string(id));
	json_object_set_new(rec, "PodInfra", json_true());
	const char *cgroup = json_string_value(json_object_get(pod, "CgroupPath")) ?: "";
	if (*cgroup)
		json_object_set_new(json_object_get(rec, "HostConfig"), "CgroupParent",
				    json_string(cgroup));
	r = eng_container_save(s, out_id, rec, err);
	json_decref(rec);
	return r;
}

static json_t *labels_json(char *const *labels)
{
	json_t *o = json_object();
	for (char *const *l = labels; l && *l; l++) {
		const char *eq = strchr(*l, '=');
		autofree char *k = eq ? xstrndup(*l, (size_t)(eq - *l)) : xstrdup(*l);
		json_object_set_new(o, k, json_string(eq ? eq + 1 : ""));
	}
	return o;
}

/* --isolation: vm needs the infra (the VM) and its guest init. */
static int vm_check(const struct eng_pod_create *c, bool infra, struct berr **err)
{
	const char *iso = c->isolation;
	if (!iso || !strcmp(iso, "default") || !strcmp(iso, "process"))
		return 0;
	if (strcmp(iso, "vm"))
		return berr_plain(err, EINVAL, "invalid --isolation '%s': default, process or vm",
				  iso);
	if (!infra)
		return berr_plain(err, EINVAL,
				  "--isolation vm: the pod's VM is its infra container: not with "
				  "--infra=false or --share none");
	if (!c->vm_init_path)
		return berr_plain(err, ENOENT, "the guest init berth-vm-init is not installed");
	if (c->memory && c->memory < (int64_t)(VM_MEM_MIN_MB + VM_OVERHEAD_MB) << 20)
		return berr_plain(err, EINVAL,
				  "--isolation vm: a pod's VM needs --memory %um at least (%u MiB "
				  "for the guest, %u for QEMU)",
				  VM_MEM_MIN_MB + VM_OVERHEAD_MB, VM_MEM_MIN_MB, VM_OVERHEAD_MB);
	return 0;
}

/* What create checks before anything is made: the name, --share, --cgroup-parent, the limits,
 * ports without an infra. The namespaces and limits are returned. */
static int create_check(const struct eng_pod_create *c, json_t **out_ns, json_t **out_limits,
			bool *out_infra, struct berr **err)
{
	/* podman's rule for a pod's name (libpod's NameRegex: one character is a name) */
	if (c->name && !(isalnum((unsigned char)c->name[0]) && !c->name[1]) &&
	    !eng_name_valid(c->name))
		return berr_plain(err, EINVAL, "names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*: '%s'",
				  c->name);
	if (c->infra_name && !eng_name_valid(c->infra_name))
		return berr_plain(err, EINVAL, "names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*: '%s'",
				  c->infra_name);
	if (c->cgroup_parent && eng_pod_cgroup_parent_check(c->cgroup_parent, err) < 0)
		return -EINVAL;
	json_t *ns = share_parse(c, out_infra, err);
	if (!ns)
		return -EINVAL;
	int vr = vm_check(c, *out_infra, err);
	if (vr < 0) {
		json_decref(ns);
		return vr;
	}
	json_t *limits = eng_pod_limits(c, err);
	int r = limits ? 0 : -EINVAL;
	if (r == 0 && shares_ns(ns, "cgroup") && !c->no_share_parent)
		r = berr_plain(err, EINVAL,
			       "cannot define the pod as the cgroup parent at the same time as "
			       "joining the infra container's cgroupNS");
	if (r == 0 && json_object_size(limits) && c->no_share_parent)
		r = berr_plain(err, EINVAL,
			       "--cpus, --cpuset-cpus and --memory limit the pod's cgroup: not "
			       "with --share-parent=false");
	if (r == 0 && !*out_infra && c->publish && *c->publish)
		r = berr_plain(err, EINVAL,
			       "you must have an infra container to publish port bindings to the "
			       "host");
	if (r < 0) {
		json_decref(ns);
		json_decref(limits);
		return r;
	}
	*out_ns = ns;
	*out_limits = limits;
	return 0;
}

/* The record's cgroup, then the infra; the pod goes again when either fails. */
static int create_parts(const struct eng_store *s, struct img_store *is,
			const struct eng_pod_create *c, json_t *rec, bool infra, struct berr **err)
{
	const char *id = json_string_value(json_object_get(rec, "Id"));
	const char *parent = json_string_value(json_object_get(rec, "CgroupParent"));
	if (!c->no_share_parent)
		json_object_set_new(rec, "CgroupPath",
				    json_sprintf("%s/%s", strcmp(parent, "/") ? parent : "", id));
	int r = eng_pod_cgroup_ensure(rec, err);
	char infra_id[ENG_ID_LEN + 1];
	if (r == 0 && infra && (r = infra_create(s, is, c, rec, infra_id, err)) == 0)
		json_object_set_new(rec, "InfraContainerId", json_string(infra_id));
	if (r == 0)
		r = pod_save(s, id, rec, err);
	if (r < 0) {
		eng_pod_cgroup_remove(rec);
		autofree char *dir = pod_path(s, id, NULL);
		(void)fs_rm_rf(AT_FDCWD, dir, NULL);
	}
	return r;
}

int eng_pod_create(const struct eng_store *s, struct img_store *is, const struct eng_pod_create *c,
		   char out_id[ENG_ID_LEN + 1], struct berr **err)
{
	json_t *ns = NULL, *limits = NULL;
	bool infra = false;
	int r = create_check(c, &ns, &limits, &infra, err);
	if (r < 0)
		return r;
	autofree char *old = c->replace && c->name ? find_name(s, c->name) : NULL;
	if (old && (r = eng_pod_remove(s, old, true, err)) < 0) {
		json_decref(ns);
		json_decref(limits);
		return r;
	}
	autofree char *name = c->name ? xstrdup(c->name) : eng_name_random();
	/* a relative parent is placed under the hierarchies' roots, as runc's cgroupfs does */
	autofree char *parent = !c->cgroup_parent          ? xstrdup("/berth")
				: *c->cgroup_parent == '/' ? xstrdup(c->cgroup_parent)
							   : xasprintf("/%s", c->cgroup_parent);
	char now[40];
	json_t *rec = json_pack(
	    "{s:s, s:s, s:s, s:o, s:o, s:s, s:s, s:s, s:I, s:o}", "Name", name, "Created",
	    timefmt_now(now), "Hostname", c->hostname ? c->hostname : name, "Labels",
	    labels_json(c->labels), "SharedNamespaces", ns, "InfraContainerId", "", "CgroupParent",
	    parent, "CgroupPath", "", "ShmSize", (json_int_t)c->shm_size, "Limits", limits);
	if (c->isolation && !strcmp(c->isolation, "vm"))
		json_object_set_new(rec, "Isolation", json_string("vm"));
	char id[ENG_ID_LEN + 1];
	r = pod_add(s, rec, id, err);
	if (r == 0)
		r = create_parts(s, is, c, rec, infra, err);
	if (r == 0) {
		eng_event_pod(s, id, name, "create");
		memcpy(out_id, id, sizeof(id));
	}
	json_decref(rec);
	return r;
}

/* ---- a container joining a pod ---- */

static bool strv_any(char *const *v)
{
	return v && *v;
}

/* What a member may not decide for itself, podman's words. */
static int member_check(const struct eng_create *c, json_t *pod, struct berr **err)
{
	/* a VM joins no namespace of the host's: only a pod that shares none (--share none,
	 * kube play's pods of VMs) takes one */
	if (c->isolation && !strcmp(c->isolation, "vm") && !eng_pod_is_vm(pod) &&
	    json_array_size(json_object_get(pod, "SharedNamespaces")))
		return berr_plain(
		    err, EINVAL,
		    "--pod: a VM joins no namespace of a pod's infra: a pod whose "
		    "containers run in one VM is made with pod create --isolation vm");
	if (c->userns.mode && *c->userns.mode && strcmp(c->userns.mode, "host"))
		return berr_plain(err, EINVAL, "--pod: --userns is not supported in a pod yet");
	if (!shares(pod, "net"))
		return 0;
	if (strv_any(c->publish) || c->publish_all || strv_any(c->expose))
		return berr_plain(err, EINVAL,
				  "invalid config provided: published or exposed ports must be "
				  "defined when the pod is created: network cannot be configured "
				  "when it is shared with a pod");
	const char *net = c->run.network;
	if ((net && strcmp(net, ENG_NET_DEFAULT)) || strv_any(c->more_networks) || c->ip ||
	    c->mac || strv_any(c->aliases))
		return berr_plain(err, EINVAL,
				  "invalid config provided: networks must be defined when the pod "
				  "is created: network cannot be configured when it is shared with "
				  "a pod");
	return 0;
}

int eng_pod_member_plan(const struct eng_store *s, const struct eng_create *c,
			struct eng_create *out, char *keep[3], struct berr **err)
{
	char id[ENG_ID_LEN + 1];
	if (eng_pod_resolve(s, c->pod, id, err) < 0)
		return -ENOENT;
	json_t *pod = eng_pod_load(s, id, err);
	if (!pod)
		return -EIO;
	int r = member_check(c, pod, err);
	if (r == 0 && shares(pod, "uts") && c->run.hostname && *c->run.hostname)
		r = berr_plain(err, EINVAL,
			       "invalid config provided: cannot set hostname when joining the pod "
			       "UTS namespace: invalid configuration");
	const char *infra = json_string_value(json_object_get(pod, "InfraContainerId")) ?: "";
	if (r == 0) {
		*out = *c;
		out->pod = keep[0] = xstrdup(id);
		/* in a pod of one VM the VM's network is the member's (engine/pod_vm.h) */
		if (eng_pod_is_vm(pod))
			out->run.network = keep[1] = xstrdup("none");
		else if (shares(pod, "net"))
			out->run.network = keep[1] = xasprintf("container:%s", infra);
		if (shares(pod, "uts"))
			out->run.hostname = keep[2] =
			    xstrdup(json_string_value(json_object_get(pod, "Hostname")) ?: "");
		/* podman's: the pod's --shm-size is its members' (with a shared ipc, the pod's
		 * /dev/shm is theirs anyway) */
		if (!out->run.shm_size)
			out->run.shm_size = json_integer_value(json_object_get(pod, "ShmSize"));
	}
	json_decref(pod);
	return r;
}

void eng_pod_member_record(const struct eng_store *s, const char *pod_id, json_t *rec)
{
	json_t *pod = eng_pod_load(s, pod_id, NULL);
	json_t *hc = json_object_get(rec, "HostConfig");
	const char *infra = json_string_value(json_object_get(pod, "InfraContainerId")) ?: "";
	json_object_set_new(rec, "Pod", json_string(pod_id));
	/* a member of a pod of one VM: the VM's namespaces are its own (engine/pod_vm.h) */
	bool vm = eng_pod_is_vm(pod);
	if (vm) {
		json_object_set_new(hc, "Isolation", json_string("vm"));
		json_object_set_new(hc, "VmPod", json_true());
	}
	if (!vm && shares(pod, "ipc"))
		json_object_set_new(hc, "IpcMode", json_sprintf("container:%s", infra));
	if (!vm && shares(pod, "uts"))
		json_object_set_new(hc, "UTSMode", json_sprintf("container:%s", infra));
	if (!vm && shares(pod, "pid"))
		json_object_set_new(hc, "PidMode", json_sprintf("container:%s", infra));
	if (!vm && shares(pod, "cgroup"))
		json_object_set_new(hc, "CgroupnsMode", json_sprintf("container:%s", infra));
	/* its cgroup below the pod's (pod_cgroup.c) */
	const char *cgroup = json_string_value(json_object_get(pod, "CgroupPath")) ?: "";
	if (*cgroup)
		json_object_set_new(hc, "CgroupParent", json_string(cgroup));
	json_decref(pod);
}

int eng_pod_before_start(const struct eng_store *s, const char *id, struct berr **err)
{
	json_t *rec = eng_container_load(s, id, NULL);
	const char *pod_id = json_string_value(json_object_get(rec, "Pod"));
	bool member = pod_id && !json_is_true(json_object_get(rec, "PodInfra"));
	json_t *pod = member ? eng_pod_load(s, pod_id, NULL) : NULL;
	const char *infra = json_string_value(json_object_get(pod, "InfraContainerId"));
	int r = 0;
	if (infra && *infra) {
		json_t *st = eng_state_load(s, infra);
		bool running = json_is_true(json_object_get(st, "Running"));
		json_decref(st);
		int sock = -1, status = 0;
		if (!running && (r = eng_monitor_start(s, infra, false, &sock, &status, err)) < 0)
			berr_wrap(err, "start the infra container of pod %.12s", pod_id);
		if (sock >= 0)
			(void)close(sock);
	}
	json_decref(pod);
	json_decref(rec);
	return r;
}

int eng_pod_infra_guard(const struct eng_store *s, json_t *rec, struct berr **err)
{
	const char *pod = json_string_value(json_object_get(rec, "Pod"));
	if (!pod || !json_is_true(json_object_get(rec, "PodInfra")))
		return 0;
	autofree char *path = pod_path(s, pod, "pod.json");
	if (access(path, F_OK) < 0)
		return 0; /* its pod is being removed, or gone */
	return berr_plain(err, EBUSY,
			  "container %s is the infra container of pod %s and cannot be removed "
			  "without removing the pod",
			  json_string_value(json_object_get(rec, "Id")) ?: "", pod);
}
