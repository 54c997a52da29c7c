/* Kubernetes YAML for `berth kube play|down` (issue #19, podman 4.3's kube play): the
 * documents of a file (Pod, Deployment, ConfigMap, Secret, PersistentVolumeClaim, Service)
 * checked and turned into one model of what berth makes, deciding only (app/kube_play.c does
 * it). A layer beside compose/: it uses util/ and compose/yaml only. Each container becomes a
 * service in the Compose model's long form (the form app/service.c maps to eng_create), so
 * Kubernetes and Compose share one way to options: command → entrypoint (it replaces the
 * image's ENTRYPOINT and drops its CMD, as --entrypoint does), args → command.
 *
 * The model (a JSON object):
 *   {"pods": [{"name", "kind" ("Pod"|"Deployment"), "hostname", "labels": {}, "annotations": {},
 *              "publish": ["[ip:]host:container/proto"], "vm": bool, "restart",
 *              "containers": [{"name": "<pod>-<container>", "short": "<container>",
 *                              "service": {compose service}}]}],
 *    "volumes": [{"name", "kind" ("persistentVolumeClaim"|"configMap"|"secret"),
 *                 "labels": {}, "files": [{"path", "data" (base64), "mode"}]}],
 *    "warnings": ["..."]}
 * Every error names the file, the line and the key ("app.yaml:12: Pod web:
 * spec.containers[0].ports[0].containerPort: must be an integer"). */
#ifndef BERTH_KUBE_KUBE_H
#define BERTH_KUBE_KUBE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

struct berr;

#define KUBE_MAX_DOCS     256
#define KUBE_MAX_REPLICAS 100

/* One YAML text of several documents → [{"doc": parsed, "pos": {path: "file:line"},
 * "index": n (1-based)}], empty documents left out. */
json_t *kube_documents(const char *text, size_t len, const char *file, struct berr **err);

struct kube_opts {
	const char *file;        /* the name errors give */
	json_t *configmaps;      /* documents (kube_documents) of --configmap files, or NULL */
	bool vm_runtime_classes; /* runtimeClassName naming "vm"/"kata" runs the pod as VMs */
	bool for_down;           /* kube down: the names matter, not what ConfigMaps and Secrets
				    the pods refer to (each reference taken as optional) */
};

/* The documents of text → the model above. EINVAL with file:line: key for bad input. */
int kube_model(const char *text, size_t len, const struct kube_opts *o, json_t **out,
	       struct berr **err);

/* The pods' names only (kube down): the same checks as kube_model. */
json_t *kube_pod_names(json_t *model);

/* base64 (RFC 4648, with padding), for Secret data and the model's files. */
char *kube_base64_encode(const void *data, size_t len);
/* NULL when text is not base64; out_len gets the length (a NUL is added after it). */
char *kube_base64_decode(const char *text, size_t *out_len);

/* "128Mi", "1G", "1e3", "500" → bytes; "500m", "0.5", "2" CPUs → CPUs (as the Kubernetes
 * resource.Quantity reads them). -1 when not a quantity. */
int64_t kube_quantity_bytes(const char *s);
double kube_quantity_cpus(const char *s);

#endif
