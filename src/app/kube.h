/* `berth kube play|down|generate` (issue #19, podman 4.3's): the model of Kubernetes YAML
 * (kube/kube.h) made into pods, containers and volumes of the engine (kube_play.c), taken
 * down again, and the other way, pods and containers written as Kubernetes YAML
 * (kube_generate.c). Each pod of the model is a berth pod (engine/pod.h) named as the YAML
 * names it ("<deployment>-pod-<n>" for a Deployment's replicas), its containers
 * "<pod>-<container>"; their options are built by app/service.c from the Compose-form
 * service the model holds, as compose up builds its containers'. */
#ifndef BERTH_APP_KUBE_H
#define BERTH_APP_KUBE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

struct berr;
struct eng_store;
struct img_store;

struct app_kube_play_opts {
	const char *network; /* --network: the pods' network (NULL: the default bridge) */
	bool start;          /* --start (true) */
	bool replace;        /* --replace: pods of the same names are removed first */
};

/* Play the model: everything decided and checked first (each container's options, images
 * present or pulled, no pod or container name taken unless replace), then volumes, pods and
 * containers made and (start) started. A failure while making a pod removes that pod and
 * leaves those made before it, as podman does. out_report: {"Pods": [{"Id", "Name",
 * "Containers": [ids]}], "Volumes": [names]}. */
int app_kube_play(const struct eng_store *s, struct img_store *is, json_t *model,
		  const struct app_kube_play_opts *o, json_t **out_report, struct berr **err);

/* kube down: the model's pods stopped and removed (those that do not exist passed over),
 * their emptyDir volumes too; with volumes, also the PersistentVolumeClaim, ConfigMap and
 * Secret volumes (podman's --force). out_report: {"Stopped": [ids], "Removed": [ids],
 * "Volumes": [names]}. */
int app_kube_down(const struct eng_store *s, json_t *model, bool volumes, json_t **out_report,
		  struct berr **err);

/* kube generate: YAML of a Pod for each pod or container named (refs: pod or container names
 * or ids), each followed by a Service (service) of its published ports; written to f. */
int app_kube_generate(const struct eng_store *s, struct img_store *is, char *const *refs,
		      bool service, FILE *f, struct berr **err);

#endif
