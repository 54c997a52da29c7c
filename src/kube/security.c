/* A container's resources.limits and securityContext → the service's limits, user, privileges
 * and capabilities (check.h), as podman 4.3's kube play maps them: the container's
 * runAsUser/runAsGroup over the pod's, allowPrivilegeEscalation: false as no-new-privileges,
 * capabilities without their CAP_ prefix as Docker's --cap-add takes them too. */
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

/* A quantity as YAML gives it: "128Mi", 1, 0.5. */
static char *quantity_text(json_t *v)
{
	if (json_is_string(v))
		return xstrdup(json_string_value(v));
	if (json_is_integer(v))
		return xasprintf("%lld", (long long)json_integer_value(v));
	if (json_is_real(v))
		return xasprintf("%.17g", json_real_value(v));
	return NULL;
}

int kube_limits(const struct kdoc *d, json_t *c, const char *path, json_t *svc, struct berr **err)
{
	static const char *const keys[] = {"limits", "requests", NULL};
	static const char *const lkeys[] = {"memory", "cpu", NULL};
	static const char *const linert[] = {"ephemeral-storage", "hugepages-2Mi", "hugepages-1Gi",
					     NULL};
	json_t *res = NULL, *lim = NULL;
	autofree char *p = kpath(path, "resources");
	autofree char *lp = kpath(p, "limits");
	int r = kobj(d, c, path, "resources", &res, err);
	if (r == 0)
		r = kkeys(d, res, p, keys, NULL, err);
	if (r == 0)
		r = kobj(d, res, p, "limits", &lim, err);
	if (r == 0)
		r = kkeys(d, lim, lp, lkeys, linert, err);
	if (r < 0 || !lim)
		return r;
	json_t *out = json_object();
	json_object_set_new(svc, "deploy", json_pack("{s:{s:o}}", "resources", "limits", out));
	autofree char *mem = quantity_text(json_object_get(lim, "memory"));
	autofree char *cpu = quantity_text(json_object_get(lim, "cpu"));
	if (json_object_get(lim, "memory")) {
		int64_t b = mem ? kube_quantity_bytes(mem) : -1;
		autofree char *mp = kpath(lp, "memory");
		if (b <= 0)
			return kfail(d, mp, err, "'%s' is not a memory quantity", mem ? mem : "");
		json_object_set_new(out, "memory", json_integer(b));
	}
	if (json_object_get(lim, "cpu")) {
		double n = cpu ? kube_quantity_cpus(cpu) : -1;
		autofree char *cp = kpath(lp, "cpu");
		if (n <= 0)
			return kfail(d, cp, err, "'%s' is not a CPU quantity", cpu ? cpu : "");
		json_object_set_new(out, "cpus", json_sprintf("%g", n));
	}
	return 0;
}

static int capabilities(const struct kdoc *d, json_t *sc, const char *path, json_t *svc,
			struct berr **err)
{
	static const char *const keys[] = {"add", "drop", NULL};
	json_t *caps = NULL, *add = NULL, *drop = NULL;
	autofree char *p = kpath(path, "capabilities");
	int r = kobj(d, sc, path, "capabilities", &caps, err);
	if (r == 0)
		r = kkeys(d, caps, p, keys, NULL, err);
	if (r == 0)
		r = kstrs(d, caps, p, "add", &add, err);
	if (r == 0)
		r = kstrs(d, caps, p, "drop", &drop, err);
	if (r == 0 && add)
		json_object_set(svc, "cap_add", add);
	if (r == 0 && drop)
		json_object_set(svc, "cap_drop", drop);
	return r;
}

static int seccomp(const struct kdoc *d, json_t *sc, const char *path, json_t *opts,
		   struct berr **err)
{
	static const char *const keys[] = {"type", "localhostProfile", NULL};
	json_t *prof = NULL;
	const char *type = NULL;
	autofree char *p = kpath(path, "seccompProfile");
	int r = kobj(d, sc, path, "seccompProfile", &prof, err);
	if (r == 0)
		r = kkeys(d, prof, p, keys, NULL, err);
	if (r == 0 && prof)
		r = kstr_req(d, prof, p, "type", &type, err);
	if (r < 0 || !type || !strcmp(type, "RuntimeDefault"))
		return r;
	if (strcmp(type, "Unconfined"))
		return kfail(d, p, err, "type '%s': RuntimeDefault or Unconfined in berth", type);
	json_array_append_new(opts, json_string("seccomp=unconfined"));
	return 0;
}

int kube_security(const struct kdoc *d, json_t *c, const char *path, const char *pod_user,
		  json_t *svc, struct berr **err)
{
	static const char *const keys[] = {"runAsUser",      "runAsGroup",
					   "privileged",     "readOnlyRootFilesystem",
					   "capabilities",   "allowPrivilegeEscalation",
					   "seccompProfile", NULL};
	static const char *const inert[] = {"runAsNonRoot",   "seLinuxOptions",  "procMount",
					    "windowsOptions", "appArmorProfile", NULL};
	json_t *sc = NULL;
	autofree char *p = kpath(path, "securityContext");
	int64_t uid = -1, gid = -1;
	bool priv = false, ro = false, escalate = true;
	int r = kobj(d, c, path, "securityContext", &sc, err);
	if (r == 0)
		r = kkeys(d, sc, p, keys, inert, err);
	if (r == 0)
		r = kint(d, sc, p, "runAsUser", 0, UINT32_MAX - 1, &uid, err);
	if (r == 0)
		r = kint(d, sc, p, "runAsGroup", 0, UINT32_MAX - 1, &gid, err);
	if (r == 0)
		r = kbool(d, sc, p, "privileged", &priv, err);
	if (r == 0)
		r = kbool(d, sc, p, "readOnlyRootFilesystem", &ro, err);
	if (r == 0)
		r = kbool(d, sc, p, "allowPrivilegeEscalation", &escalate, err);
	if (r == 0)
		r = capabilities(d, sc, p, svc, err);
	json_t *opts = json_array();
	json_object_set_new(svc, "security_opt", opts);
	if (r == 0)
		r = seccomp(d, sc, p, opts, err);
	if (r < 0)
		return r;
	if (uid >= 0 && gid >= 0)
		json_object_set_new(svc, "user",
				    json_sprintf("%lld:%lld", (long long)uid, (long long)gid));
	else if (uid >= 0)
		json_object_set_new(svc, "user", json_sprintf("%lld", (long long)uid));
	else if (pod_user)
		json_object_set_new(svc, "user", json_string(pod_user));
	if (priv)
		json_object_set_new(svc, "privileged", json_true());
	if (ro)
		json_object_set_new(svc, "read_only", json_true());
	if (!escalate)
		json_array_append_new(opts, json_string("no-new-privileges"));
	return 0;
}
