/* A Service → host ports on the pods it selects. berth has one node, so a port with a
 * nodePort (type NodePort, what `kube generate -s` writes, as podman's does) is published on
 * the host at that port, forwarded to targetPort (a number, or a containerPort's name) of each
 * selected pod; a second pod cannot take the same host port, so a Service selecting several
 * pods publishes on the first one only (warned). A port without a nodePort is not published
 * (cluster IPs have no meaning here: warned). podman 4.3 ignores Services altogether. */
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

static bool selects(json_t *selector, json_t *pod)
{
	json_t *labels = json_object_get(pod, "labels");
	const char *k;
	json_t *v;
	if (!json_object_size(selector))
		return false;
	json_object_foreach(selector, k, v)
	{
		if (!json_equal(json_object_get(labels, k), v))
			return false;
	}
	return true;
}

/* The first pod the selector picks (a warning when it picks more), or NULL. */
static json_t *selected(struct kmodel *m, const struct kdoc *d, json_t *sel)
{
	json_t *pod = NULL;
	size_t i, n = 0;
	json_t *p;
	json_array_foreach(m->pods, i, p)
	{
		if (selects(sel, p) && n++ == 0)
			pod = p;
	}
	if (n > 1)
		kwarn(d, "spec.selector", "selects %zu pods: published on %s only", n,
		      json_string_value(json_object_get(pod, "name")));
	return pod;
}

struct sport {
	int64_t port, node;
	json_t *target; /* a number or a name */
	const char *proto;
};

static int service_port(const struct kdoc *d, json_t *e, const char *path, struct sport *out,
			struct berr **err)
{
	static const char *const keys[] = {"name",     "port",     "targetPort",
					   "nodePort", "protocol", NULL};
	static const char *const inert[] = {"appProtocol", NULL};
	const char *name = NULL;
	out->proto = "TCP";
	out->node = 0;
	int r = kkeys(d, e, path, keys, inert, err);
	if (r == 0)
		r = kstr(d, e, path, "name", &name, err);
	if (r == 0)
		r = kint(d, e, path, "port", 1, 65535, &out->port, err);
	if (r == 0 && !json_object_get(e, "port"))
		r = kfail(d, path, err, "port is required");
	if (r == 0)
		r = kint(d, e, path, "nodePort", 0, 65535, &out->node, err);
	if (r == 0)
		r = kstr(d, e, path, "protocol", &out->proto, err);
	if (r == 0 && strcmp(out->proto, "TCP") && strcmp(out->proto, "UDP"))
		r = kfail(d, path, err, "protocol '%s': TCP or UDP", out->proto);
	out->target = json_object_get(e, "targetPort");
	if (r == 0 && out->target && !json_is_integer(out->target) &&
	    !json_is_string(out->target)) {
		autofree char *p = kpath(path, "targetPort");
		r = kfail(d, p, err, "a port number or the name of a containerPort");
	}
	return r;
}

static int publish(struct kmodel *m, const struct kdoc *d, const char *path, json_t *pod,
		   const struct sport *sp, struct berr **err)
{
	json_int_t target = sp->port;
	if (json_is_integer(sp->target))
		target = json_integer_value(sp->target);
	else if (sp->target) {
		json_t *n = json_object_get(json_object_get(pod, "port_names"),
					    json_string_value(sp->target));
		if (!n)
			return kfail(d, path, err, "targetPort '%s' names no port of pod %s",
				     json_string_value(sp->target),
				     json_string_value(json_object_get(pod, "name")));
		target = json_integer_value(n);
	}
	const char *lp = !strcmp(sp->proto, "TCP") ? "tcp" : "udp";
	autofree char *key = xasprintf("%s/:%lld", lp, (long long)sp->node);
	json_t *owner = json_object_get(m->host_ports, key);
	const char *pod_name = json_string_value(json_object_get(pod, "name"));
	if (owner && strcmp(json_string_value(owner), pod_name))
		return kfail(d, path, err, "nodePort %lld/%s is taken by pod %s",
			     (long long)sp->node, lp, json_string_value(owner));
	if (owner)
		return 0; /* the pod's own hostPort already */
	json_object_set_new(m->host_ports, key, json_string(pod_name));
	json_array_append_new(
	    json_object_get(pod, "publish"),
	    json_sprintf("%lld:%lld/%s", (long long)sp->node, (long long)target, lp));
	return 0;
}

int kube_service(struct kmodel *m, const struct kdoc *d, struct berr **err)
{
	static const char *const keys[] = {"apiVersion", "kind", "metadata", "spec", NULL};
	static const char *const inert[] = {"status", NULL};
	static const char *const spec_keys[] = {"ports", "selector", "type", NULL};
	static const char *const spec_inert[] = {"clusterIP",
						 "clusterIPs",
						 "sessionAffinity",
						 "externalTrafficPolicy",
						 "ipFamilies",
						 "ipFamilyPolicy",
						 "internalTrafficPolicy",
						 "externalIPs",
						 "loadBalancerIP",
						 "publishNotReadyAddresses",
						 "allocateLoadBalancerNodePorts",
						 NULL};
	json_t *spec = NULL, *sel = NULL, *list = NULL;
	const char *type = "ClusterIP";
	int r = kkeys(d, d->doc, "", keys, inert, err);
	if (r == 0)
		r = kobj(d, d->doc, "", "spec", &spec, err);
	if (r == 0)
		r = kkeys(d, spec, "spec", spec_keys, spec_inert, err);
	if (r == 0)
		r = kmap(d, spec, "spec", "selector", &sel, err);
	if (r == 0)
		r = karr(d, spec, "spec", "ports", &list, err);
	if (r == 0)
		r = kstr(d, spec, "spec", "type", &type, err);
	json_t *meta = json_object_get(d->doc, "metadata");
	const char *name = NULL;
	if (r == 0)
		r = kstr_req(d, meta, "metadata", "name", &name, err);
	if (r < 0)
		return r;
	json_t *pod = selected(m, d, sel);
	size_t i;
	json_t *e;
	json_array_foreach(list, i, e)
	{
		autofree char *pp = xasprintf("spec.ports[%zu]", i);
		struct sport sp;
		if (!json_is_object(e))
			return kfail(d, pp, err, "must be a mapping");
		if ((r = service_port(d, e, pp, &sp, err)) < 0)
			return r;
		if (!sp.node) {
			kwarn(d, pp, "no nodePort (type %s): not published on the host", type);
			continue;
		}
		if (!pod) {
			kwarn(d, "spec.selector", "selects no pod of the file: nothing published");
			continue;
		}
		if ((r = publish(m, d, pp, pod, &sp, err)) < 0)
			return r;
	}
	return 0;
}
