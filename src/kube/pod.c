/* A Pod's spec (or a Deployment's template) → one pod of the model: its hostname, labels,
 * restart policy, runtime class, the volumes its containers mount (hostPath a bind,
 * emptyDir a volume of the pod's own or a tmpfs, configMap and secret a volume named after
 * the object and filled with its keys as podman does, persistentVolumeClaim the named
 * volume), and its containers (container.c), whose hostPorts the pod publishes. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "kube/check.h"
#include "kube/kube.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/json.h"
#include "util/xalloc.h"

static const char *const spec_keys[] = {"containers",
					"volumes",
					"restartPolicy",
					"hostname",
					"runtimeClassName",
					"securityContext",
					"terminationGracePeriodSeconds",
					"initContainers",
					"hostNetwork",
					NULL};
static const char *const spec_inert[] = {"dnsPolicy",
					 "enableServiceLinks",
					 "automountServiceAccountToken",
					 "nodeSelector",
					 "affinity",
					 "tolerations",
					 "serviceAccountName",
					 "serviceAccount",
					 "schedulerName",
					 "priority",
					 "priorityClassName",
					 "subdomain",
					 "dnsConfig",
					 "hostAliases",
					 "nodeName",
					 "imagePullSecrets",
					 "preemptionPolicy",
					 "readinessGates",
					 "topologySpreadConstraints",
					 "setHostnameAsFQDN",
					 "os",
					 "overhead",
					 NULL};

/* A key or item path of a configMap/secret volume: a file name in the volume (no '/': the
 * files are written into the volume's directory by name, never through a path). */
static int file_name(const struct kdoc *d, const char *path, const char *name, struct berr **err)
{
	bool ok = *name && strcmp(name, ".") && strcmp(name, "..") && strlen(name) <= 253;
	for (const char *c = name; ok && *c; c++)
		ok = isalnum((unsigned char)*c) || *c == '-' || *c == '_' || *c == '.';
	if (!ok)
		return kfail(d, path, err,
			     "'%s': a file name of letters, digits, '-', '_' and '.' (no '/' yet)",
			     name);
	return 0;
}

/* items: the keys picked, each as the file its path names. */
static int item_files(const struct kmodel *m, const struct kdoc *d, json_t *items, const char *path,
		      const char *kind, const char *name, json_t *data, int64_t mode, json_t *files,
		      struct berr **err)
{
	static const char *const keys[] = {"key", "path", "mode", NULL};
	autofree char *p = kpath(path, "items");
	size_t i;
	json_t *it;
	json_array_foreach(items, i, it)
	{
		autofree char *ip = kpath_i(p, i);
		const char *key = NULL, *fpath = NULL;
		int64_t fmode = mode;
		int r = kkeys(d, it, ip, keys, NULL, err);
		if (r == 0)
			r = kstr_req(d, it, ip, "key", &key, err);
		if (r == 0)
			r = kstr_req(d, it, ip, "path", &fpath, err);
		if (r == 0)
			r = kint(d, it, ip, "mode", 0, 0777, &fmode, err);
		if (r == 0)
			r = file_name(d, ip, fpath, err);
		json_t *val = r == 0 ? json_object_get(data, key) : NULL;
		if (r == 0 && !val && !m->o->for_down)
			r = kfail(d, ip, err, "%s '%s' has no key '%s'", kind, name, key);
		if (r < 0)
			return r;
		if (val) /* absent only for kube down */
			json_array_append_new(files, json_pack("{s:s, s:O, s:I}", "path", fpath,
							       "data", val, "mode", fmode));
	}
	return 0;
}

/* configMap/secret volume: the model's volume named after the object, with its files (every
 * key, or the items). */
static int data_volume(struct kmodel *m, const struct kdoc *d, json_t *src, const char *path,
		       const char *kind, const char *name_key, json_t *store, const char **out,
		       struct berr **err)
{
	static const char *const keys[] = {"name",     "secretName",  "items",
					   "optional", "defaultMode", NULL};
	const char *name = NULL;
	json_t *items = NULL;
	bool optional = false;
	int64_t mode = 0644;
	int r = kkeys(d, src, path, keys, NULL, err);
	if (r == 0)
		r = kstr_req(d, src, path, name_key, &name, err);
	if (r == 0)
		r = karr(d, src, path, "items", &items, err);
	if (r == 0)
		r = kbool(d, src, path, "optional", &optional, err);
	if (r == 0)
		r = kint(d, src, path, "defaultMode", 0, 0777, &mode, err);
	if (r < 0)
		return r;
	json_t *data = json_object_get(store, name);
	if (!data && !optional && !m->o->for_down)
		return kfail(d, path, err, "no %s named '%s' in the file", kind, name);
	json_t *vol = json_object_get(m->volumes, name);
	if (vol && strcmp(json_string_value(json_object_get(vol, "kind")), kind))
		return kfail(d, path, err, "a volume '%s' is declared twice", name);
	json_auto_t *files = json_array();
	if (items && (r = item_files(m, d, items, path, kind, name, data, mode, files, err)) < 0)
		return r;
	const char *k;
	json_t *v;
	json_object_foreach(items ? NULL : data, k, v)
	{
		if ((r = file_name(d, path, k, err)) < 0)
			return r;
		json_array_append_new(
		    files, json_pack("{s:s, s:O, s:I}", "path", k, "data", v, "mode", mode));
	}
	/* one volume per object: the last pod's items win when pods pick differently */
	json_object_set_new(m->volumes, name,
			    json_pack("{s:s, s:s, s:{}, s:O}", "name", name, "kind", kind, "labels",
				      "files", files));
	*out = json_string_value(json_object_get(json_object_get(m->volumes, name), "name"));
	return 0;
}

static int host_path(const struct kdoc *d, json_t *hp, const char *p, json_t **out,
		     struct berr **err)
{
	static const char *const keys[] = {"path", "type", NULL};
	const char *name = NULL, *type = "";
	int r = kkeys(d, hp, p, keys, NULL, err);
	if (r == 0)
		r = kstr_req(d, hp, p, "path", &name, err);
	if (r == 0)
		r = kstr(d, hp, p, "type", &type, err);
	if (r == 0 && name[0] != '/')
		r = kfail(d, p, err, "path '%s' must be absolute", name);
	if (r < 0)
		return r;
	/* DirectoryOrCreate makes the directory as -v does; the others must exist */
	*out = json_pack("{s:s, s:s, s:{s:b}}", "type", "bind", "source", name, "bind",
			 "create_host_path", !strcmp(type, "DirectoryOrCreate"));
	return 0;
}

/* emptyDir: the pod's own volume "<pod>-<name>", shared by its containers and gone with the
 * pod; medium Memory a tmpfs (one a container). */
static int empty_dir(struct kmodel *m, const struct kdoc *d, const char *pod, const char *vol,
		     json_t *ed, const char *p, json_t **out, struct berr **err)
{
	static const char *const keys[] = {"medium", "sizeLimit", NULL};
	const char *medium = "", *size = NULL;
	int r = kkeys(d, ed, p, keys, NULL, err);
	if (r == 0)
		r = kstr(d, ed, p, "medium", &medium, err);
	if (r == 0)
		r = kstr(d, ed, p, "sizeLimit", &size, err);
	if (r < 0)
		return r;
	if (!strcmp(medium, "Memory")) {
		int64_t b = size ? kube_quantity_bytes(size) : 0;
		if (b < 0)
			return kfail(d, p, err, "sizeLimit '%s' is not a quantity", size);
		*out = json_pack("{s:s, s:{s:I}}", "type", "tmpfs", "tmpfs", "size", (json_int_t)b);
		if (!b)
			json_object_del(json_object_get(*out, "tmpfs"), "size");
		return 0;
	}
	autofree char *vname = xasprintf("%s-%s", pod, vol);
	json_object_set_new(m->volumes, vname,
			    json_pack("{s:s, s:s, s:{}, s:[], s:s}", "name", vname, "kind",
				      "emptyDir", "labels", "files", "pod", pod));
	*out = json_pack("{s:s, s:s}", "type", "volume", "source", vname);
	return 0;
}

static int claim(struct kmodel *m, const struct kdoc *d, json_t *pvc, const char *p, json_t **out,
		 struct berr **err)
{
	static const char *const keys[] = {"claimName", "readOnly", NULL};
	const char *name = NULL;
	bool ro = false;
	int r = kkeys(d, pvc, p, keys, NULL, err);
	if (r == 0)
		r = kstr_req(d, pvc, p, "claimName", &name, err);
	if (r == 0)
		r = kbool(d, pvc, p, "readOnly", &ro, err);
	json_t *known = r == 0 ? json_object_get(m->volumes, name) : NULL;
	if (known &&
	    strcmp(json_string_value(json_object_get(known, "kind")), "persistentVolumeClaim"))
		r = kfail(d, p, err, "'%s' is not a PersistentVolumeClaim", name);
	if (r < 0)
		return r;
	if (!known) /* not in the file: the named volume, made when missing (podman's) */
		json_object_set_new(m->volumes, name,
				    json_pack("{s:s, s:s, s:{}, s:[]}", "name", name, "kind",
					      "persistentVolumeClaim", "labels", "files"));
	*out = json_pack("{s:s, s:s, s:b}", "type", "volume", "source", name, "read_only", ro);
	return 0;
}

/* One entry of spec.volumes (its name checked) → its mount's compose form (no target). */
static int volume(struct kmodel *m, const struct kdoc *d, const char *pod, const char *vol,
		  json_t *v, const char *path, json_t **out, struct berr **err)
{
	static const char *const keys[] = {
	    "name", "hostPath", "emptyDir", "configMap", "secret", "persistentVolumeClaim", NULL};
	json_t *hp = NULL, *ed = NULL, *cm = NULL, *sec = NULL, *pvc = NULL;
	int r = kkeys(d, v, path, keys, NULL, err);
	if (r == 0)
		r = kobj(d, v, path, "hostPath", &hp, err);
	if (r == 0)
		r = kobj(d, v, path, "emptyDir", &ed, err);
	if (r == 0)
		r = kobj(d, v, path, "configMap", &cm, err);
	if (r == 0)
		r = kobj(d, v, path, "secret", &sec, err);
	if (r == 0)
		r = kobj(d, v, path, "persistentVolumeClaim", &pvc, err);
	if (r == 0 && !!hp + !!ed + !!cm + !!sec + !!pvc != 1)
		r = kfail(d, path, err,
			  "one of hostPath, emptyDir, configMap, secret, persistentVolumeClaim");
	if (r < 0)
		return r;
	autofree char *p = kpath(path, hp    ? "hostPath"
				       : ed  ? "emptyDir"
				       : cm  ? "configMap"
				       : sec ? "secret"
					     : "persistentVolumeClaim");
	if (hp)
		return host_path(d, hp, p, out, err);
	if (ed)
		return empty_dir(m, d, pod, vol, ed, p, out, err);
	if (pvc)
		return claim(m, d, pvc, p, out, err);
	const char *name = NULL;
	r = data_volume(m, d, cm ? cm : sec, p, cm ? "configMap" : "secret",
			cm ? "name" : "secretName", cm ? m->configmaps : m->secrets, &name, err);
	if (r == 0)
		*out =
		    json_pack("{s:s, s:s, s:b}", "type", "volume", "source", name, "read_only", 1);
	return r;
}

static int volumes(struct kmodel *m, const struct kdoc *d, const char *pod, json_t *spec,
		   const char *path, json_t *out, struct berr **err)
{
	json_t *list = NULL;
	autofree char *p = kpath(path, "volumes");
	int r = karr(d, spec, path, "volumes", &list, err);
	size_t i;
	json_t *v;
	json_array_foreach(list, i, v)
	{
		autofree char *vp = kpath_i(p, i);
		const char *name = NULL;
		json_t *mount = NULL;
		if (r == 0 && !json_is_object(v))
			r = kfail(d, vp, err, "must be a mapping");
		if (r == 0)
			r = kstr_req(d, v, vp, "name", &name, err);
		autofree char *np = kpath(vp, "name");
		if (r == 0)
			r = kname(d, np, name, 63, err);
		if (r == 0 && json_object_get(out, name))
			r = kfail(d, vp, err, "volume '%s' is declared twice", name);
		if (r == 0)
			r = volume(m, d, pod, name, v, vp, &mount, err);
		if (r < 0)
			return r;
		json_object_set_new(out, name, mount);
	}
	return r;
}

static int restart_policy(const struct kdoc *d, json_t *spec, const char *path, const char **out,
			  struct berr **err)
{
	const char *rp = "Always";
	int r = kstr(d, spec, path, "restartPolicy", &rp, err);
	if (r < 0)
		return r;
	if (!strcmp(rp, "Always"))
		*out = "always";
	else if (!strcmp(rp, "OnFailure"))
		*out = "on-failure";
	else if (!strcmp(rp, "Never"))
		*out = "no";
	else {
		autofree char *p = kpath(path, "restartPolicy");
		return kfail(d, p, err, "'%s': Always, OnFailure or Never", rp);
	}
	return 0;
}

/* spec.securityContext: runAsUser/runAsGroup as the containers' default user. */
static int pod_user(const struct kdoc *d, json_t *spec, const char *path, char **out,
		    struct berr **err)
{
	static const char *const keys[] = {"runAsUser", "runAsGroup", NULL};
	static const char *const inert[] = {"fsGroup",
					    "supplementalGroups",
					    "runAsNonRoot",
					    "seLinuxOptions",
					    "seccompProfile",
					    "sysctls",
					    "fsGroupChangePolicy",
					    NULL};
	json_t *sc = NULL;
	autofree char *p = kpath(path, "securityContext");
	int64_t uid = -1, gid = -1;
	int r = kobj(d, spec, path, "securityContext", &sc, err);
	if (r == 0)
		r = kkeys(d, sc, p, keys, inert, err);
	if (r == 0)
		r = kint(d, sc, p, "runAsUser", 0, UINT32_MAX - 1, &uid, err);
	if (r == 0)
		r = kint(d, sc, p, "runAsGroup", 0, UINT32_MAX - 1, &gid, err);
	if (r == 0 && uid >= 0)
		*out = gid >= 0 ? xasprintf("%lld:%lld", (long long)uid, (long long)gid)
				: xasprintf("%lld", (long long)uid);
	return r;
}

/* runtimeClassName naming a VM handler ("kata", "berth-vm", "berth-runtime-vm"): the pod is
 * one VM, as Kata's (berth's reading; podman ignores the field). */
static bool vm_class(const char *rc)
{
	autofree char *l = xstrdup(rc);
	for (char *c = l; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	return strstr(l, "vm") || strstr(l, "kata");
}

static int pod_checks(const struct kdoc *d, json_t *spec, const char *path, bool *out_vm,
		      struct berr **err)
{
	json_t *init = NULL;
	bool host_net = false;
	const char *rc = NULL;
	int r = kkeys(d, spec, path, spec_keys, spec_inert, err);
	if (r == 0)
		r = karr(d, spec, path, "initContainers", &init, err);
	if (r == 0 && json_array_size(init)) {
		autofree char *p = kpath(path, "initContainers");
		r = kfail(d, p, err, "init containers are not supported by berth yet");
	}
	if (r == 0)
		r = kbool(d, spec, path, "hostNetwork", &host_net, err);
	if (r == 0 && host_net) {
		autofree char *p = kpath(path, "hostNetwork");
		r = kfail(d, p, err, "the host's network for a pod is not supported by berth yet");
	}
	if (r == 0)
		r = kstr(d, spec, path, "runtimeClassName", &rc, err);
	*out_vm = rc && vm_class(rc);
	return r;
}

static json_t *pod_record(const char *name, const char *kind, const char *hostname, json_t *meta,
			  const char *restart, bool vm, int64_t grace)
{
	json_t *labels = json_object_get(meta, "labels");
	json_t *ann = json_object_get(meta, "annotations");
	json_t *p = json_pack("{s:s, s:s, s:s, s:o, s:o, s:[], s:b, s:s, s:[], s:{}}", "name", name,
			      "kind", kind, "hostname", hostname, "labels",
			      labels ? json_incref(labels) : json_object(), "annotations",
			      ann ? json_incref(ann) : json_object(), "publish", "vm", vm,
			      "restart", restart, "containers", "port_names");
	if (grace >= 0)
		json_object_set_new(p, "stop_grace_period", json_integer(grace));
	return p;
}

static int containers(struct kmodel *m, const struct kdoc *d, const struct kpod *kp, json_t *spec,
		      const char *path, json_t *pod, struct berr **err)
{
	json_t *list = NULL;
	autofree char *p = kpath(path, "containers");
	int r = karr(d, spec, path, "containers", &list, err);
	if (r == 0 && !json_array_size(list))
		r = kfail(d, p, err, "a pod needs at least one container");
	size_t i;
	json_t *c;
	json_array_foreach(list, i, c)
	{
		autofree char *cp = kpath_i(p, i);
		json_t *out = NULL;
		if (r == 0 && !json_is_object(c))
			r = kfail(d, cp, err, "must be a mapping");
		if (r == 0)
			r = kube_container(m, d, kp, c, cp, &out, pod, err);
		if (r < 0)
			return r;
		json_array_append_new(json_object_get(pod, "containers"), out);
	}
	return r;
}

int kube_pod_add(struct kmodel *m, const struct kdoc *d, const char *name, json_t *meta,
		 const char *meta_path, json_t *spec, const char *spec_path, const char *kind,
		 struct berr **err)
{
	size_t i;
	json_t *p;
	json_array_foreach(m->pods, i, p)
	{
		if (!strcmp(json_string_value(json_object_get(p, "name")), name))
			return kfail(d, meta_path, err, "a pod '%s' is declared twice", name);
	}
	bool vm = false;
	const char *hostname = name, *restart = "always";
	int64_t grace = -1;
	autofree char *user = NULL;
	int r = pod_checks(d, spec, spec_path, &vm, err);
	/* berth's bundle annotation (berth-runtime-vm reads it; podman passes a Pod's on) */
	const char *iso = json_string_value(
	    json_object_get(json_object_get(meta, "annotations"), "org.berth.isolation"));
	vm = vm || (iso && !strcmp(iso, "vm"));
	if (r == 0)
		r = kstr(d, spec, spec_path, "hostname", &hostname, err);
	if (r == 0)
		r = restart_policy(d, spec, spec_path, &restart, err);
	if (r == 0)
		r = kint(d, spec, spec_path, "terminationGracePeriodSeconds", 0, 86400, &grace,
			 err);
	if (r == 0)
		r = pod_user(d, spec, spec_path, &user, err);
	json_auto_t *vols = json_object();
	if (r == 0)
		r = volumes(m, d, name, spec, spec_path, vols, err);
	if (r < 0)
		return r;
	json_auto_t *pod = pod_record(name, kind, hostname, meta, restart, vm, grace);
	struct kpod kp = {.name = name,
			  .restart = restart,
			  .user = user,
			  .volumes = vols,
			  .vm = vm,
			  .grace = grace};
	r = containers(m, d, &kp, spec, spec_path, pod, err);
	if (r == 0)
		json_array_append(m->pods, pod);
	return r;
}
