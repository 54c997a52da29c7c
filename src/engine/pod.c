/* Pod records, the infra container, and what joining a pod does to a container's create
 * (see pod.h). The lifecycle is in pod_lifecycle.c, the documents in pod_view.c. */
#include "engine/pod.h"

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
#include "image/builtin.h"
#include "util/cleanup.h"
#include "util/digest.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/timefmt.h"
#include "util/xalloc.h"

#define POD_RECORD_MAX (1 << 20)

/* The namespaces a pod may share, podman's names; cgroup and pid are podman's too, not ours
 * yet. */
static const char *const shareable[] = {"ipc", "net", "uts", NULL};

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

/* --share: each of ipc, net, uts, or none (alone); into an array of names. */
static json_t *share_parse(const char *share, struct berr **err)
{
	json_t *out = json_array();
	if (!share)
		share = "ipc,net,uts";
	if (!strcmp(share, "none"))
		return out;
	autofree char *copy = xstrdup(share);
	for (char *save = NULL, *t = strtok_r(copy, ",", &save); t;
	     t = strtok_r(NULL, ",", &save)) {
		bool known = false;
		for (const char *const *k = shareable; *k; k++)
			known = known || !strcmp(*k, t);
		if (!known) {
			json_decref(out);
			berr_plain(err, EINVAL,
				   "invalid kernel namespace to share: %s. Options are: ipc, net, "
				   "uts or none",
				   t);
			return NULL;
		}
		bool dup = false;
		size_t i;
		json_t *v;
		json_array_foreach(out, i, v) dup = dup || !strcmp(json_string_value(v), t);
		if (!dup)
			json_array_append_new(out, json_string(t));
	}
	return out;
}

static bool shares(json_t *pod, const char *ns)
{
	size_t i;
	json_t *v;
	json_array_foreach(json_object_get(pod, "SharedNamespaces"), i, v)
	{
		if (!strcmp(json_string_value(v) ?: "", ns))
			return true;
	}
	return false;
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

/* The infra container: the built-in image (it is there offline) with berth-pause bound in
 * read-only as its only process, the pod's network, ports and hostname. */
static int infra_create(const struct eng_store *s, struct img_store *is,
			const struct eng_pod_create *c, json_t *pod, char out_id[ENG_ID_LEN + 1],
			struct berr **err)
{
	if (!c->pause_path)
		return berr_plain(err, ENOENT, "berth's berth-pause is not installed");
	if (img_builtin_ensure(is, err) < 0)
		return -EIO;
	const char *id = json_string_value(json_object_get(pod, "Id"));
	autofree char *name = xasprintf("%.12s-infra", id);
	autofree char *bind = xasprintf("%s:/berth-pause:ro", c->pause_path);
	char *volumes[] = {bind, NULL};
	struct eng_create ic = {.image = "berth/default",
				.name = name,
				.stop_timeout = -1,
				.volumes = volumes,
				.publish = c->publish};
	ic.run.entrypoint = "/berth-pause";
	ic.run.network = c->network ? c->network : ENG_NET_DEFAULT;
	if (shares(pod, "uts"))
		ic.run.hostname = json_string_value(json_object_get(pod, "Hostname"));
	int r = eng_create(s, is, &ic, out_id, err);
	if (r < 0)
		return r;
	json_t *rec = eng_container_load(s, out_id, err);
	if (!rec)
		return -EIO;
	json_object_set_new(rec, "Pod", json_string(id));
	json_object_set_new(rec, "PodInfra", json_true());
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

int eng_pod_create(const struct eng_store *s, struct img_store *is, const struct eng_pod_create *c,
		   char out_id[ENG_ID_LEN + 1], struct berr **err)
{
	if (c->name && !eng_name_valid(c->name))
		return berr_plain(err, EINVAL, "names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*: '%s'",
				  c->name);
	json_t *ns = share_parse(c->share, err);
	if (!ns)
		return -EINVAL;
	bool infra = json_array_size(ns) > 0;
	if (!infra && c->publish && *c->publish) {
		json_decref(ns);
		return berr_plain(err, EINVAL,
				  "you must have an infra container to publish port bindings to "
				  "the host");
	}
	autofree char *name = c->name ? xstrdup(c->name) : eng_name_random();
	char now[40];
	json_t *rec =
	    json_pack("{s:s, s:s, s:s, s:o, s:o, s:s}", "Name", name, "Created", timefmt_now(now),
		      "Hostname", c->hostname ? c->hostname : name, "Labels",
		      labels_json(c->labels), "SharedNamespaces", ns, "InfraContainerId", "");
	char id[ENG_ID_LEN + 1];
	int r = pod_add(s, rec, id, err);
	char infra_id[ENG_ID_LEN + 1];
	if (r == 0 && infra && (r = infra_create(s, is, c, rec, infra_id, err)) < 0) {
		autofree char *dir = pod_path(s, id, NULL);
		(void)fs_rm_rf(AT_FDCWD, dir, NULL);
	}
	if (r == 0 && infra) {
		json_object_set_new(rec, "InfraContainerId", json_string(infra_id));
		r = pod_save(s, id, rec, err);
	}
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
	if (c->isolation && !strcmp(c->isolation, "vm") &&
	    json_array_size(json_object_get(pod, "SharedNamespaces")))
		return berr_plain(err, EINVAL, "--pod: pods of VMs are not there yet (issue #19)");
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
		if (shares(pod, "net"))
			out->run.network = keep[1] = xasprintf("container:%s", infra);
		if (shares(pod, "uts"))
			out->run.hostname = keep[2] =
			    xstrdup(json_string_value(json_object_get(pod, "Hostname")) ?: "");
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
	if (shares(pod, "ipc"))
		json_object_set_new(hc, "IpcMode", json_sprintf("container:%s", infra));
	if (shares(pod, "uts"))
		json_object_set_new(hc, "UTSMode", json_sprintf("container:%s", infra));
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
