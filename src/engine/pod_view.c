/* What a pod is, as podman's `pod inspect` shows it, its State from its containers', and the
 * filters of `pod ps` (see pod.h). */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "engine/container_view.h"
#include "engine/pod.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/filter.h"
#include "util/json.h"
#include "util/xalloc.h"

/* The container's state as podman names it: created, running, paused, exited. */
static const char *ctr_state(json_t *st)
{
	const char *s = json_string_value(json_object_get(st, "Status")) ?: "created";
	if (!strcmp(s, "restarting"))
		return "running";
	if (!strcmp(s, "dead"))
		return "exited";
	return s;
}

/* podman's pod state of its containers' (define.CreatePodStatusResults): Running when all
 * run, Degraded when some do, Paused or Exited when all are, Stopped when some exited, else
 * Created (also a pod without containers). */
static const char *pod_state(json_t *ctrs)
{
	size_t n = json_array_size(ctrs), running = 0, paused = 0, stopped = 0;
	size_t i;
	json_t *c;
	json_array_foreach(ctrs, i, c)
	{
		const char *st = json_string_value(json_object_get(c, "State"));
		running += !strcmp(st, "running");
		paused += !strcmp(st, "paused");
		stopped += !strcmp(st, "exited");
	}
	if (n == 0)
		return "Created";
	if (running > 0)
		return running == n ? "Running" : "Degraded";
	if (paused == n)
		return "Paused";
	if (stopped == n)
		return "Exited";
	return stopped > 0 ? "Stopped" : "Created";
}

/* "key" of pod into doc when it is set (not null, not empty). */
static void copy_set(json_t *doc, const char *key, json_t *pod, const char *pod_key)
{
	json_t *v = json_object_get(pod, pod_key);
	if (v && !json_is_null(v) && (!json_is_array(v) || json_array_size(v)))
		json_object_set(doc, key, v);
}

/* What podman's inspect shows of its infra: ExitPolicy (after Created), InfraConfig (after
 * InfraContainerID: the pod's network, DNS and hosts, ports, pid, userns and uts), then
 * mounts, security_opt and volumes_from, each only when set. */
static void infra_parts(const struct eng_store *s, json_t *pod, json_t *doc)
{
	json_t *out = json_object(), *mounts = NULL;
	const char *key;
	json_t *v;
	json_object_foreach(doc, key, v)
	{
		json_object_set(out, key, v);
		if (!strcmp(key, "Created"))
			json_object_set_new(
			    out, "ExitPolicy",
			    json_string(json_string_value(json_object_get(pod, "ExitPolicy"))
					    ?: "continue"));
		const char *infra = json_string_value(json_object_get(pod, "InfraContainerId"));
		json_t *cfg = json_object_get(pod, "InfraConfig");
		if (strcmp(key, "InfraContainerID") || !infra || !*infra || !cfg)
			continue;
		json_t *rec = eng_container_load(s, infra, NULL);
		json_t *hc = json_object_get(rec, "HostConfig"), *ports;
		ports = json_object_get(hc, "PortBindings");
		json_t *ic = json_pack("{s:O}", "PortBindings", ports ? ports : json_object());
		json_object_update(ic, cfg);
		json_object_set_new(out, "InfraConfig", ic);
		mounts = rec ? eng_container_mounts(s, rec) : NULL;
		for (size_t i = json_array_size(mounts); i-- > 0;)
			if (!strcmp(json_string_value(
					json_object_get(json_array_get(mounts, i), "Destination"))
					?: "",
				    "/berth-pause"))
				json_array_remove(mounts, i);
		json_decref(rec);
	}
	if (json_array_size(mounts))
		json_object_set(out, "mounts", mounts);
	json_decref(mounts);
	copy_set(out, "security_opt", pod, "SecurityOpt");
	copy_set(out, "volumes_from", pod, "VolumesFrom");
	json_object_clear(doc);
	json_object_update(doc, out);
	json_decref(out);
}

json_t *eng_pod_inspect(const struct eng_store *s, const char *id, struct berr **err)
{
	json_t *pod = eng_pod_load(s, id, err);
	if (!pod)
		return NULL;
	json_t *ctrs = json_array();
	char **ids = eng_pod_containers(s, id, true);
	for (size_t i = 0; ids[i]; i++) {
		json_t *rec = eng_container_load(s, ids[i], NULL);
		json_t *st = eng_state_load(s, ids[i]);
		const char *name = json_string_value(json_object_get(rec, "Name")) ?: "";
		json_array_append_new(ctrs,
				      json_pack("{s:s, s:s, s:s}", "Id", ids[i], "Name",
						name + (*name == '/'), "State", ctr_state(st)));
		json_decref(rec);
		json_decref(st);
	}
	strv_free(ids);
	const char *cgroup = json_string_value(json_object_get(pod, "CgroupPath")) ?: "";
	json_t *doc =
	    json_pack("{s:O, s:O, s:O, s:s, s:O, s:O, s:b, s:s, s:s, s:b, s:O, s:O, s:I, s:o}",
		      "Id", json_object_get(pod, "Id"), "Name", json_object_get(pod, "Name"),
		      "Created", json_object_get(pod, "Created"), "State", pod_state(ctrs),
		      "Hostname", json_object_get(pod, "Hostname"), "Labels",
		      json_object_get(pod, "Labels"), "CreateCgroup", *cgroup != 0, "CgroupParent",
		      json_string_value(json_object_get(pod, "CgroupParent")) ?: "/berth",
		      "CgroupPath", cgroup, "CreateInfra",
		      *(json_string_value(json_object_get(pod, "InfraContainerId")) ?: ""),
		      "InfraContainerID", json_object_get(pod, "InfraContainerId"),
		      "SharedNamespaces", json_object_get(pod, "SharedNamespaces"), "NumContainers",
		      (json_int_t)json_array_size(ctrs), "Containers", ctrs);
	/* podman's limits, each only when set */
	json_object_update(doc, json_object_get(pod, "Limits"));
	infra_parts(s, pod, doc);
	json_decref(pod);
	return doc;
}

int eng_pod_filter_check(json_t *filters, struct berr **err)
{
	static const char *const keys[] = {"name", "id", "label", "status", NULL};
	static const char *const states[] = {"created", "running", "paused",   "exited",
					     "stopped", "dead",    "degraded", NULL};
	int r = filter_check(filters, keys, err);
	json_t *vals = filter_values(filters, "status"), *v;
	size_t i;
	json_array_foreach(vals, i, v)
	{
		bool ok = false;
		for (const char *const *st = states; *st; st++)
			ok = ok || !strcasecmp(*st, json_string_value(v));
		if (r == 0 && !ok)
			r = berr_plain(err, EINVAL, "%s is not a valid pod status",
				       json_string_value(v));
	}
	return r;
}

/* Any value of key is a prefix of (prefix) or equal to source; true when key is not
 * filtered. */
static bool any_of(json_t *filters, const char *key, const char *source, bool prefix)
{
	json_t *vals = filter_values(filters, key), *v;
	size_t i;
	if (!vals)
		return true;
	json_array_foreach(vals, i, v)
	{
		const char *want = json_string_value(v);
		if (prefix ? !strncmp(source, want, strlen(want)) : !strcasecmp(source, want))
			return true;
	}
	return false;
}

bool eng_pod_filter(json_t *filters, json_t *doc)
{
	const char *id = json_string_value(json_object_get(doc, "Id")) ?: "";
	const char *name = json_string_value(json_object_get(doc, "Name")) ?: "";
	const char *state = json_string_value(json_object_get(doc, "State")) ?: "";
	/* podman matches names as regular expressions; berth as a substring, as docker ps's */
	json_t *names = filter_values(filters, "name"), *v;
	bool named = !names;
	size_t i;
	json_array_foreach(names, i, v) named = named || strstr(name, json_string_value(v));
	return named && any_of(filters, "id", id, true) &&
	       any_of(filters, "status", state, false) &&
	       filter_labels(filters, "label", json_object_get(doc, "Labels"));
}
