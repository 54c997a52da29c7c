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

char *eng_pod_path(const struct eng_store *s, const char *id, const char *file)
{
	return file ? xasprintf("%s/pods/%s/%s", s->root, id, file)
		    : xasprintf("%s/pods/%s", s->root, id);
}

json_t *eng_pod_load(const struct eng_store *s, const char *id, struct berr **err)
{
	autofree char *path = eng_pod_path(s, id, "pod.json");
	return json_load_path(AT_FDCWD, path, POD_RECORD_MAX, err);
}

int eng_pod_save(const struct eng_store *s, const char *id, json_t *rec, struct berr **err)
{
	autofree char *path = eng_pod_path(s, id, "pod.json");
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
char *eng_pod_find_name(const struct eng_store *s, const char *name)
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
	autofree char *named = eng_pod_find_name(s, ref);
	if (named) {
		memcpy(out_id, named, ENG_ID_LEN + 1);
		return 0;
	}
	char **ids = NULL;
	int r = eng_pod_list(s, &ids, err);
	if (r < 0)
		return r;
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

bool eng_pod_shares(json_t *pod, const char *ns)
{
	return shares_ns(json_object_get(pod, "SharedNamespaces"), ns);
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
	/* a member's user namespace is its pod's (the infra's, when the pod has one) */
	const char *infra = json_string_value(json_object_get(pod, "InfraContainerId")) ?: "";
	if (*infra && (strv_any(c->userns.uidmap) || strv_any(c->userns.gidmap)))
		return berr_plain(err, EINVAL,
				  "cannot specify a new uid/gid map when entering a pod with an "
				  "infra container: invalid argument");
	bool own = c->userns.mode && *c->userns.mode && strcmp(c->userns.mode, "host");
	if (eng_pod_shares(pod, "user") && c->userns.mode && *c->userns.mode)
		return berr_plain(err, EINVAL,
				  "--pod: the pod's members run in its user namespace: not "
				  "--userns %s",
				  c->userns.mode);
	if (own)
		return berr_plain(err, EINVAL,
				  "--pod: a member's user namespace is its pod's: give --userns to "
				  "pod create");
	if (!eng_pod_shares(pod, "net"))
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

/* first then more (json strings, or C strings), NULL-terminated in one allocation: one
 * free() releases it (the plan's keep[] are plain free()d). */
static char **strv_block(const char *first, json_t *more, char *const *rest)
{
	size_t n = (first != NULL) + json_array_size(more), bytes = first ? strlen(first) + 1 : 0;
	size_t i;
	json_t *v;
	json_array_foreach(more, i, v) bytes += strlen(json_string_value(v) ?: "") + 1;
	for (char *const *r = rest; r && *r; r++, n++)
		bytes += strlen(*r) + 1;
	char **out = xmalloc((n + 1) * sizeof(char *) + bytes);
	char *at = (char *)(out + n + 1);
	size_t k = 0;
#define STRV_PUT(str) (out[k++] = strcpy(at, (str)), at += strlen(at) + 1)
	if (first)
		STRV_PUT(first);
	json_array_foreach(more, i, v) STRV_PUT(json_string_value(v) ?: "");
	for (char *const *r = rest; r && *r; r++)
		STRV_PUT(*r);
#undef STRV_PUT
	out[k] = NULL;
	return out;
}

/* What a member inherits of the infra (podman's InfraInherit, pod_create.c): the infra's
 * mounts (as --volumes-from the infra: the same named and anonymous volumes; berth-pause's
 * bind is dropped by eng_pod_member_record), its devices before the member's, its seccomp
 * profile unless the member names one, its no-new-privileges. */
static void inherit_plan(json_t *pod, const char *infra, struct eng_create *out,
			 char *keep[ENG_POD_KEEP])
{
	json_t *in = json_object_get(pod, "Inherit");
	if (!in || !*infra)
		return;
	if (json_is_true(json_object_get(in, "Mounts")))
		out->volumes_from =
		    (char *const *)(keep[3] = (char *)strv_block(infra, NULL, out->volumes_from));
	json_t *devices = json_object_get(in, "Devices");
	if (json_array_size(devices))
		out->run.devices =
		    (char *const *)(keep[4] = (char *)strv_block(NULL, devices, out->run.devices));
	const char *seccomp = json_string_value(json_object_get(in, "Seccomp"));
	if (seccomp && !out->run.seccomp)
		out->run.seccomp = keep[5] = xstrdup(seccomp);
	out->run.no_new_privileges =
	    out->run.no_new_privileges || json_is_true(json_object_get(in, "NoNewPrivileges"));
}

int eng_pod_member_plan(const struct eng_store *s, const struct eng_create *c,
			struct eng_create *out, char *keep[ENG_POD_KEEP], struct berr **err)
{
	char id[ENG_ID_LEN + 1];
	int r = eng_pod_resolve(s, c->pod, id, err);
	if (r < 0)
		return r;
	json_t *pod = eng_pod_load(s, id, err);
	if (!pod)
		return berr_ret(err);
	r = member_check(c, pod, err);
	if (r == 0 && eng_pod_shares(pod, "uts") && c->run.hostname && *c->run.hostname)
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
		else if (eng_pod_shares(pod, "net"))
			out->run.network = keep[1] = xasprintf("container:%s", infra);
		if (eng_pod_shares(pod, "uts"))
			out->run.hostname = keep[2] =
			    xstrdup(json_string_value(json_object_get(pod, "Hostname")) ?: "");
		/* podman's: the pod's --shm-size is its members' (with a shared ipc, the pod's
		 * /dev/shm is theirs anyway) */
		if (!out->run.shm_size)
			out->run.shm_size = json_integer_value(json_object_get(pod, "ShmSize"));
		if (!eng_pod_is_vm(pod))
			inherit_plan(pod, infra, out, keep);
	}
	json_decref(pod);
	return r;
}

/* The infra's mounts came as --volumes-from the infra (inherit_plan): but for berth-pause's
 * bind, and not named in VolumesFrom (the member did not ask for it; podman's shows none). */
static void drop_infra_own(json_t *hc, const char *infra)
{
	json_t *mounts = json_object_get(hc, "Mounts"), *from = json_object_get(hc, "VolumesFrom");
	for (size_t i = json_array_size(mounts); i-- > 0;) {
		json_t *m = json_array_get(mounts, i);
		if (!strcmp(json_string_value(json_object_get(m, "From")) ?: "", infra) &&
		    !strcmp(json_string_value(json_object_get(m, "Destination")) ?: "",
			    "/berth-pause"))
			json_array_remove(mounts, i);
	}
	for (size_t i = json_array_size(from); i-- > 0;)
		if (!strcmp(json_string_value(json_array_get(from, i)) ?: "", infra))
			json_array_remove(from, i);
	if (from && !json_array_size(from))
		json_object_del(hc, "VolumesFrom");
}

/* A member of a pod with a user namespace joins the infra's (create.c's bundle joins
 * UsernsMode container:X): the infra's IDMappings are its own too, so its root and volumes are
 * idmapped as the infra's are and its spec's maps are the namespace's; the range stays the
 * infra's (eng_userns_claim finds no Auto to claim). */
static void member_userns(const struct eng_store *s, const char *infra, json_t *hc)
{
	json_t *irec = eng_container_load(s, infra, NULL);
	json_t *maps = json_object_get(json_object_get(irec, "HostConfig"), "IDMappings");
	if (json_object_get(maps, "UidMap")) {
		json_object_set_new(hc, "IDMappings", json_deep_copy(maps));
		json_object_set_new(hc, "UsernsMode", json_sprintf("container:%s", infra));
	}
	json_decref(irec);
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
	if (!vm && eng_pod_shares(pod, "ipc"))
		json_object_set_new(hc, "IpcMode", json_sprintf("container:%s", infra));
	if (!vm && eng_pod_shares(pod, "uts"))
		json_object_set_new(hc, "UTSMode", json_sprintf("container:%s", infra));
	if (!vm && eng_pod_shares(pod, "pid"))
		json_object_set_new(hc, "PidMode", json_sprintf("container:%s", infra));
	if (!vm && eng_pod_shares(pod, "cgroup"))
		json_object_set_new(hc, "CgroupnsMode", json_sprintf("container:%s", infra));
	if (!vm && *infra && eng_pod_shares(pod, "user"))
		member_userns(s, infra, hc);
	if (*infra)
		drop_infra_own(hc, infra);
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
	autofree char *path = eng_pod_path(s, pod, "pod.json");
	if (access(path, F_OK) < 0)
		return 0; /* its pod is being removed, or gone */
	return berr_plain(err, EBUSY,
			  "container %s is the infra container of pod %s and cannot be removed "
			  "without removing the pod",
			  json_string_value(json_object_get(rec, "Id")) ?: "", pod);
}
