/* Inside src/kube: the checking context of one document (its file, its lines by path, the
 * object it describes) and typed getters that fail naming the line and the key, so that the
 * rooms reading Kubernetes objects (model.c, pod.c, container.c) say only what they read. */
#ifndef BERTH_KUBE_CHECK_H
#define BERTH_KUBE_CHECK_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

struct berr;

struct kdoc {
	const char *file;
	json_t *doc, *pos; /* the parsed document and its lines by dotted path */
	char what[160];    /* "Pod web", "Deployment api" */
	json_t *warnings;  /* the model's */
};

/* The shared state of one model being made. */
struct kmodel {
	const struct kube_opts *o;
	json_t *configmaps; /* name → {key: base64 data} */
	json_t *secrets;    /* name → {key: base64 data} */
	json_t *volumes;    /* name → the model's volume */
	json_t *pods;       /* the model's pods */
	json_t *host_ports; /* "proto/ip:port" → pod name */
	json_t *warnings;
};

/* "file:line: What: path: message" (the nearest line known for path); returns -EINVAL. */
int kfail(const struct kdoc *d, const char *path, struct berr **err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void kwarn(const struct kdoc *d, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* "path.key" or "key" (caller frees). */
char *kpath(const char *path, const char *key);
char *kpath_i(const char *path, size_t i);

/* Keys of obj at path: each in known, or in inert (a warning says it is ignored); any other
 * is an error "unknown key". */
int kkeys(const struct kdoc *d, json_t *obj, const char *path, const char *const *known,
	  const char *const *inert, struct berr **err);

/* Typed getters of obj[key] (path is obj's): absent leaves *out as it is; the wrong type is
 * an error. kstr_req: absent or empty is an error too. */
int kobj(const struct kdoc *d, json_t *obj, const char *path, const char *key, json_t **out,
	 struct berr **err);
int karr(const struct kdoc *d, json_t *obj, const char *path, const char *key, json_t **out,
	 struct berr **err);
int kstr(const struct kdoc *d, json_t *obj, const char *path, const char *key, const char **out,
	 struct berr **err);
int kstr_req(const struct kdoc *d, json_t *obj, const char *path, const char *key, const char **out,
	     struct berr **err);
int kbool(const struct kdoc *d, json_t *obj, const char *path, const char *key, bool *out,
	  struct berr **err);
int kint(const struct kdoc *d, json_t *obj, const char *path, const char *key, int64_t min,
	 int64_t max, int64_t *out, struct berr **err);
/* A list of strings. */
int kstrs(const struct kdoc *d, json_t *obj, const char *path, const char *key, json_t **out,
	  struct berr **err);
/* A map of strings to strings (labels, annotations, data). */
int kmap(const struct kdoc *d, json_t *obj, const char *path, const char *key, json_t **out,
	 struct berr **err);
/* A DNS-1123 name (a-z, 0-9, '-', '.'), at most max long. */
int kname(const struct kdoc *d, const char *path, const char *name, size_t max, struct berr **err);

/* pod.c: a Pod's or a Deployment template's spec → pods of the model. */
int kube_pod_add(struct kmodel *m, const struct kdoc *d, const char *name, json_t *meta,
		 const char *meta_path, json_t *spec, const char *spec_path, const char *kind,
		 struct berr **err);
/* service.c: a Service's ports published on the pods its selector picks. */
int kube_service(struct kmodel *m, const struct kdoc *d, struct berr **err);
/* container.c: one container → {"name", "short", "service"}; volumes: the pod's volumes by
 * name → the compose long-form volume (its source and type) they mount. */
struct kpod {
	const char *name, *restart, *user; /* user: the pod's securityContext ("uid[:gid]") */
	json_t *volumes;
	bool vm;
	int64_t grace; /* terminationGracePeriodSeconds, or -1 */
};
int kube_container(struct kmodel *m, const struct kdoc *d, const struct kpod *p, json_t *c,
		   const char *path, json_t **out, json_t *publish, struct berr **err);
/* probe.c: the first of the liveness, readiness and startup probes → svc's healthcheck. */
int kube_probe(const struct kdoc *d, json_t *c, const char *path, json_t *pod, json_t *svc,
	       struct berr **err);
/* security.c: resources.limits → svc's deploy.resources.limits; securityContext (pod_user:
 * the pod's runAsUser[:runAsGroup], or NULL) → user, privileged, read_only, caps, no-new-
 * privileges, seccomp. */
int kube_limits(const struct kdoc *d, json_t *c, const char *path, json_t *svc, struct berr **err);
int kube_security(const struct kdoc *d, json_t *c, const char *path, const char *pod_user,
		  json_t *svc, struct berr **err);

#endif
