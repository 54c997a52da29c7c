/* One container of a pod → a service in the Compose model's long form (kube.h), as podman
 * 4.3's kube play reads it (pkg/specgen/generate/kube): command replaces the image's
 * ENTRYPOINT (and its CMD goes, as with --entrypoint), args replace CMD; env after envFrom,
 * ConfigMap and Secret keys resolved now (a missing one, not optional, is an error); ports
 * with a hostPort published on the pod; the liveness probe (else readiness, else startup) as
 * the healthcheck; limits; the securityContext. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kube/check.h"
#include "kube/kube.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/json.h"
#include "util/xalloc.h"

static const char *const keys[] = {"name",          "image",           "command",
				   "args",          "workingDir",      "env",
				   "envFrom",       "ports",           "volumeMounts",
				   "livenessProbe", "readinessProbe",  "startupProbe",
				   "resources",     "securityContext", "tty",
				   "stdin",         "imagePullPolicy", NULL};
static const char *const inert[] = {"terminationMessagePath",
				    "terminationMessagePolicy",
				    "stdinOnce",
				    "lifecycle",
				    "resizePolicy",
				    NULL};

/* A key of a ConfigMap or Secret as text; NULL (with an error) when absent and not optional,
 * or when it holds a NUL. */
static int ref_value(const struct kdoc *d, const char *path, json_t *store, const char *kind,
		     json_t *ref, json_t *env, const char *var, bool for_down, struct berr **err)
{
	static const char *const rkeys[] = {"name", "key", "optional", NULL};
	const char *name = NULL, *key = NULL;
	bool optional = false;
	int r = kkeys(d, ref, path, rkeys, NULL, err);
	if (r == 0)
		r = kstr_req(d, ref, path, "name", &name, err);
	if (r == 0)
		r = kstr_req(d, ref, path, "key", &key, err);
	if (r == 0)
		r = kbool(d, ref, path, "optional", &optional, err);
	if (r < 0)
		return r;
	json_t *b64 = json_object_get(json_object_get(store, name), key);
	if (!b64)
		return optional || for_down
			   ? 0
			   : kfail(d, path, err, "no %s '%s' with a key '%s'", kind, name, key);
	size_t n;
	autofree char *v = kube_base64_decode(json_string_value(b64), &n);
	if (!v || strlen(v) != n)
		return kfail(d, path, err, "%s '%s' key '%s' is not text", kind, name, key);
	json_object_set_new(env, var, json_string(v));
	return 0;
}

static int env_from(struct kmodel *m, const struct kdoc *d, json_t *c, const char *path,
		    json_t *env, struct berr **err)
{
	json_t *list = NULL;
	autofree char *p = kpath(path, "envFrom");
	int r = karr(d, c, path, "envFrom", &list, err);
	size_t i;
	json_t *e;
	json_array_foreach(list, i, e)
	{
		static const char *const ekeys[] = {"configMapRef", "secretRef", "prefix", NULL};
		static const char *const rkeys[] = {"name", "optional", NULL};
		autofree char *ep = kpath_i(p, i);
		json_t *cm = NULL, *sec = NULL;
		const char *prefix = "", *name = NULL;
		bool optional = false;
		r = r < 0 ? r : kkeys(d, e, ep, ekeys, NULL, err);
		if (r == 0)
			r = kobj(d, e, ep, "configMapRef", &cm, err);
		if (r == 0)
			r = kobj(d, e, ep, "secretRef", &sec, err);
		if (r == 0)
			r = kstr(d, e, ep, "prefix", &prefix, err);
		if (r == 0 && !!cm + !!sec != 1)
			r = kfail(d, ep, err, "one of configMapRef and secretRef");
		json_t *ref = cm ? cm : sec;
		autofree char *rp = kpath(ep, cm ? "configMapRef" : "secretRef");
		if (r == 0)
			r = kkeys(d, ref, rp, rkeys, NULL, err);
		if (r == 0)
			r = kstr_req(d, ref, rp, "name", &name, err);
		if (r == 0)
			r = kbool(d, ref, rp, "optional", &optional, err);
		if (r < 0)
			return r;
		json_t *data = json_object_get(cm ? m->configmaps : m->secrets, name);
		if (!data && !optional && !m->o->for_down)
			return kfail(d, rp, err, "no %s named '%s'", cm ? "ConfigMap" : "Secret",
				     name);
		const char *k;
		json_t *v;
		json_object_foreach(data, k, v)
		{
			size_t n;
			autofree char *val = kube_base64_decode(json_string_value(v), &n);
			autofree char *var = xasprintf("%s%s", prefix, k);
			if (val && strlen(val) == n)
				json_object_set_new(env, var, json_string(val));
		}
	}
	return r;
}

static int env_var(struct kmodel *m, const struct kdoc *d, const struct kpod *kp, json_t *e,
		   const char *path, json_t *env, struct berr **err)
{
	static const char *const ekeys[] = {"name", "value", "valueFrom", NULL};
	static const char *const fkeys[] = {"configMapKeyRef", "secretKeyRef", "fieldRef", NULL};
	const char *name = NULL, *value = NULL;
	json_t *from = NULL, *cm = NULL, *sec = NULL, *field = NULL;
	int r = kkeys(d, e, path, ekeys, NULL, err);
	if (r == 0)
		r = kstr_req(d, e, path, "name", &name, err);
	if (r == 0)
		r = kstr(d, e, path, "value", &value, err);
	if (r == 0)
		r = kobj(d, e, path, "valueFrom", &from, err);
	if (r < 0 || !from) {
		if (r == 0)
			json_object_set_new(env, name, json_string(value ? value : ""));
		return r;
	}
	autofree char *fp = kpath(path, "valueFrom");
	r = kkeys(d, from, fp, fkeys, NULL, err);
	if (r == 0)
		r = kobj(d, from, fp, "configMapKeyRef", &cm, err);
	if (r == 0)
		r = kobj(d, from, fp, "secretKeyRef", &sec, err);
	if (r == 0)
		r = kobj(d, from, fp, "fieldRef", &field, err);
	if (r == 0 && !!cm + !!sec + !!field != 1)
		r = kfail(d, fp, err, "one of configMapKeyRef, secretKeyRef and fieldRef");
	if (r < 0)
		return r;
	if (cm || sec) {
		autofree char *p = kpath(fp, cm ? "configMapKeyRef" : "secretKeyRef");
		return ref_value(d, p, cm ? m->configmaps : m->secrets, cm ? "ConfigMap" : "Secret",
				 cm ? cm : sec, env, name, m->o->for_down, err);
	}
	autofree char *p = kpath(fp, "fieldRef");
	static const char *const rkeys[] = {"fieldPath", "apiVersion", NULL};
	const char *fpath = NULL;
	r = kkeys(d, field, p, rkeys, NULL, err);
	if (r == 0)
		r = kstr_req(d, field, p, "fieldPath", &fpath, err);
	if (r < 0)
		return r;
	if (strcmp(fpath, "metadata.name"))
		return kfail(d, p, err, "fieldPath '%s': only metadata.name in berth", fpath);
	json_object_set_new(env, name, json_string(kp->name));
	return 0;
}

static int environment(struct kmodel *m, const struct kdoc *d, const struct kpod *kp, json_t *c,
		       const char *path, json_t *svc, struct berr **err)
{
	json_t *env = json_object(), *list = NULL;
	json_object_set_new(svc, "environment", env);
	int r = env_from(m, d, c, path, env, err);
	if (r == 0)
		r = karr(d, c, path, "env", &list, err);
	autofree char *p = kpath(path, "env");
	size_t i;
	json_t *e;
	json_array_foreach(list, i, e)
	{
		autofree char *ep = kpath_i(p, i);
		if (r == 0 && !json_is_object(e))
			r = kfail(d, ep, err, "must be a mapping");
		if (r == 0)
			r = env_var(m, d, kp, e, ep, env, err);
	}
	return r;
}

/* ports: each with a hostPort published on the pod ("[ip:]host:container/proto"), and
 * their names for probes and Services. */
static int ports(struct kmodel *m, const struct kdoc *d, const struct kpod *kp, json_t *c,
		 const char *path, json_t *pod, struct berr **err)
{
	static const char *const pkeys[] = {"containerPort", "hostPort", "protocol",
					    "hostIP",        "name",     NULL};
	json_t *list = NULL;
	autofree char *p = kpath(path, "ports");
	int r = karr(d, c, path, "ports", &list, err);
	size_t i;
	json_t *e;
	json_array_foreach(list, i, e)
	{
		autofree char *pp = kpath_i(p, i);
		int64_t cport = 0, hport = 0;
		const char *proto = "TCP", *ip = NULL, *name = NULL;
		r = r < 0 ? r : kkeys(d, e, pp, pkeys, NULL, err);
		if (r == 0)
			r = kint(d, e, pp, "containerPort", 1, 65535, &cport, err);
		if (r == 0 && !cport)
			r = kfail(d, pp, err, "containerPort is required");
		if (r == 0)
			r = kint(d, e, pp, "hostPort", 0, 65535, &hport, err);
		if (r == 0)
			r = kstr(d, e, pp, "protocol", &proto, err);
		if (r == 0)
			r = kstr(d, e, pp, "hostIP", &ip, err);
		if (r == 0)
			r = kstr(d, e, pp, "name", &name, err);
		if (r == 0 && strcmp(proto, "TCP") && strcmp(proto, "UDP"))
			r = kfail(d, pp, err, "protocol '%s': TCP or UDP", proto);
		if (r < 0)
			return r;
		const char *lp = !strcmp(proto, "TCP") ? "tcp" : "udp";
		if (name)
			json_object_set_new(json_object_get(pod, "port_names"), name,
					    json_integer(cport));
		if (!hport)
			continue; /* podman publishes only what has a hostPort */
		autofree char *key = xasprintf("%s/%s:%lld", lp, ip ? ip : "", (long long)hport);
		const char *owner = json_string_value(json_object_get(m->host_ports, key));
		if (owner)
			return kfail(d, pp, err, "hostPort %lld/%s is taken by pod %s",
				     (long long)hport, lp, owner);
		json_object_set_new(m->host_ports, key, json_string(kp->name));
		json_array_append_new(
		    json_object_get(pod, "publish"),
		    ip ? json_sprintf("%s:%lld:%lld/%s", ip, (long long)hport, (long long)cport, lp)
		       : json_sprintf("%lld:%lld/%s", (long long)hport, (long long)cport, lp));
	}
	return r;
}

static int mounts(const struct kdoc *d, const struct kpod *kp, json_t *c, const char *path,
		  json_t *svc, struct berr **err)
{
	static const char *const mkeys[] = {"name", "mountPath", "readOnly", NULL};
	static const char *const minert[] = {"mountPropagation", NULL};
	json_t *list = NULL, *out = json_array();
	json_object_set_new(svc, "volumes", out);
	autofree char *p = kpath(path, "volumeMounts");
	int r = karr(d, c, path, "volumeMounts", &list, err);
	size_t i;
	json_t *e;
	json_array_foreach(list, i, e)
	{
		autofree char *mp = kpath_i(p, i);
		const char *name = NULL, *target = NULL;
		bool ro = false;
		r = r < 0 ? r : kkeys(d, e, mp, mkeys, minert, err);
		if (r == 0 && json_object_get(e, "subPath"))
			r = kfail(d, mp, err, "subPath is not supported by berth yet");
		if (r == 0)
			r = kstr_req(d, e, mp, "name", &name, err);
		if (r == 0)
			r = kstr_req(d, e, mp, "mountPath", &target, err);
		if (r == 0)
			r = kbool(d, e, mp, "readOnly", &ro, err);
		json_t *vol = r == 0 ? json_object_get(kp->volumes, name) : NULL;
		if (r == 0 && !vol)
			r = kfail(d, mp, err, "no volume named '%s' in the pod", name);
		if (r == 0 && target[0] != '/')
			r = kfail(d, mp, err, "mountPath '%s' must be absolute", target);
		if (r < 0)
			return r;
		json_t *m = json_deep_copy(vol);
		json_object_set_new(m, "target", json_string(target));
		if (ro)
			json_object_set_new(m, "read_only", json_true());
		json_array_append_new(out, m);
	}
	return r;
}

static int basics(const struct kdoc *d, const struct kpod *kp, json_t *c, const char *path,
		  json_t *svc, const char **out_name, struct berr **err)
{
	const char *image = NULL, *wd = NULL, *pull = NULL;
	json_t *cmd = NULL, *args = NULL;
	bool tty = false, in = false;
	int r = kkeys(d, c, path, keys, inert, err);
	autofree char *np = kpath(path, "name");
	if (r == 0)
		r = kstr_req(d, c, path, "name", out_name, err);
	if (r == 0)
		r = kname(d, np, *out_name, 63, err);
	if (r == 0)
		r = kstr_req(d, c, path, "image", &image, err);
	if (r == 0)
		r = kstrs(d, c, path, "command", &cmd, err);
	if (r == 0)
		r = kstrs(d, c, path, "args", &args, err);
	if (r == 0)
		r = kstr(d, c, path, "workingDir", &wd, err);
	if (r == 0)
		r = kbool(d, c, path, "tty", &tty, err);
	if (r == 0)
		r = kbool(d, c, path, "stdin", &in, err);
	if (r == 0)
		r = kstr(d, c, path, "imagePullPolicy", &pull, err);
	if (r == 0 && pull && strcmp(pull, "Always") && strcmp(pull, "IfNotPresent") &&
	    strcmp(pull, "Never")) {
		autofree char *p = kpath(path, "imagePullPolicy");
		r = kfail(d, p, err, "'%s': Always, IfNotPresent or Never", pull);
	}
	if (r < 0)
		return r;
	json_object_set_new(svc, "image", json_string(image));
	/* Kubernetes' command is the ENTRYPOINT (the image's CMD dropped), args the CMD */
	if (cmd && json_array_size(cmd))
		json_object_set(svc, "entrypoint", cmd);
	if (args && json_array_size(args))
		json_object_set(svc, "command", args);
	else if (cmd && json_array_size(cmd))
		json_object_set_new(svc, "command", json_array());
	if (wd)
		json_object_set_new(svc, "working_dir", json_string(wd));
	json_object_set_new(svc, "tty", json_boolean(tty));
	json_object_set_new(svc, "stdin_open", json_boolean(in));
	json_object_set_new(svc, "restart", json_string(kp->restart));
	json_object_set_new(svc, "network_mode", json_string("bridge"));
	if (pull)
		json_object_set_new(svc, "pull_policy",
				    json_string(!strcmp(pull, "Always")  ? "always"
						: !strcmp(pull, "Never") ? "never"
									 : "missing"));
	if (kp->grace >= 0)
		json_object_set_new(svc, "stop_grace_period",
				    json_sprintf("%llds", (long long)kp->grace));
	if (kp->vm)
		json_object_set_new(svc, "isolation", json_string("vm"));
	return 0;
}

int kube_container(struct kmodel *m, const struct kdoc *d, const struct kpod *kp, json_t *c,
		   const char *path, json_t **out, json_t *pod, struct berr **err)
{
	json_auto_t *svc = json_object();
	const char *name = NULL;
	int r = basics(d, kp, c, path, svc, &name, err);
	if (r == 0)
		r = environment(m, d, kp, c, path, svc, err);
	if (r == 0)
		r = ports(m, d, kp, c, path, pod, err);
	if (r == 0)
		r = mounts(d, kp, c, path, svc, err);
	if (r == 0)
		r = kube_probe(d, c, path, pod, svc, err);
	if (r == 0)
		r = kube_limits(d, c, path, svc, err);
	if (r == 0)
		r = kube_security(d, c, path, kp->user, svc, err);
	if (r < 0)
		return r;
	size_t i;
	json_t *o;
	json_array_foreach(json_object_get(pod, "containers"), i, o)
	{
		if (!strcmp(json_string_value(json_object_get(o, "short")), name)) {
			autofree char *np = kpath(path, "name");
			return kfail(d, np, err, "container '%s' is declared twice", name);
		}
	}
	/* podman's names: "<pod>-<container>" */
	*out = json_pack("{s:o, s:s, s:O}", "name", json_sprintf("%s-%s", kp->name, name), "short",
			 name, "service", svc);
	return 0;
}
