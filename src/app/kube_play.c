/* kube play and kube down (kube.h): the model's pods, containers and volumes made and taken
 * down. Deciding first: each container's eng_create from its Compose-form service
 * (app_service_map, with a plan that knows only the model's volumes), every image present
 * (pulled by its policy), no name taken; then doing: volumes (a ConfigMap's or Secret's
 * filled with its keys, one file each, as podman fills them), then per pod the berth pod
 * (its infra publishing the pod's ports; a VM runtimeClassName's pod is one VM, as Kata's:
 * `pod create --isolation vm`), its containers joined to it, and the start. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app/kube.h"
#include "app/plan.h"
#include "app/service.h"
#include "engine/container.h"
#include "engine/create.h"
#include "engine/network.h"
#include "engine/pod.h"
#include "engine/volume.h"
#include "image/builtin.h"
#include "image/http.h"
#include "image/image.h"
#include "image/pull.h"
#include "kube/kube.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/xalloc.h"
#include "vm/vm.h"

#define KUBE_LABEL_KIND "io.berth.kube.kind" /* on the volumes play makes */

static const char *str(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

struct kpod_plan {
	json_t *pod;
	struct app_service *svcs;
	size_t n;
};

struct kplan {
	struct app_plan plan; /* the volumes app_service_map looks names up in */
	struct kpod_plan *pods;
	size_t n_pods;
};

static void kplan_free(struct kplan *k)
{
	for (size_t i = 0; i < k->n_pods; i++) {
		for (size_t j = 0; j < k->pods[i].n; j++)
			app_service_clear(&k->pods[i].svcs[j]);
		free(k->pods[i].svcs);
	}
	free(k->pods);
	free(k->plan.volumes);
	json_decref(k->plan.warnings);
}

static int kplan_make(json_t *model, struct kplan *k, struct berr **err)
{
	json_t *vols = json_object_get(model, "volumes");
	k->plan.project = "kube";
	k->plan.warnings = json_array();
	k->plan.volumes = xcalloc(json_array_size(vols) + 1, sizeof(*k->plan.volumes));
	size_t i;
	json_t *v;
	json_array_foreach(vols, i, v)
	{
		struct app_resource *r = &k->plan.volumes[k->plan.n_volumes++];
		r->key = r->name = str(v, "name");
	}
	json_t *pods = json_object_get(model, "pods");
	k->pods = xcalloc(json_array_size(pods) + 1, sizeof(*k->pods));
	json_t *p;
	json_array_foreach(pods, i, p)
	{
		struct kpod_plan *kp = &k->pods[k->n_pods++];
		json_t *ctrs = json_object_get(p, "containers");
		kp->pod = p;
		kp->svcs = xcalloc(json_array_size(ctrs) + 1, sizeof(*kp->svcs));
		size_t j;
		json_t *c;
		json_array_foreach(ctrs, j, c)
		{
			struct app_service *s = &kp->svcs[kp->n++];
			s->name = str(c, "name");
			if (app_service_map(&k->plan, json_object_get(c, "service"), s, err) < 0)
				return berr_wrap(err, "pod %s: container %s", str(p, "name"),
						 str(c, "short"));
		}
	}
	return 0;
}

static int image_present(struct img_store *is, const char *image, const char *policy,
			 struct berr **err)
{
	if (img_builtin_is(image))
		return img_builtin_ensure(is, err) < 0 ? -EIO : 0;
	json_t *rec = img_image_lookup(is, image, NULL);
	json_decref(rec);
	if (rec && strcmp(policy, "always"))
		return 0;
	if (!rec && !strcmp(policy, "never"))
		return berr_plain(err, ENOENT, "no such image: %s (imagePullPolicy Never)", image);
	struct img_pull_opts po = {0};
	img_http_opts_default(&po.http);
	return img_pull(is, image, &po, NULL, NULL, err) < 0 ? -EIO : 0;
}

/* Everything that can be known before making anything: the network, images, names. */
static int precheck(const struct eng_store *s, struct img_store *is, const struct kplan *k,
		    bool replace, const char *network, struct berr **err)
{
	int r = img_builtin_ensure(is, err) < 0 ? -EIO : 0; /* the infra containers' */
	json_t *net = r == 0 && network ? eng_network_load(s, network, err) : NULL;
	if (r == 0 && network && !net)
		return -ENOENT;
	json_decref(net);
	for (size_t i = 0; r == 0 && i < k->n_pods; i++) {
		const struct kpod_plan *kp = &k->pods[i];
		const char *name = str(kp->pod, "name");
		char id[ENG_ID_LEN + 1];
		if (!replace && eng_pod_resolve(s, name, id, NULL) == 0)
			return berr_plain(err, EEXIST,
					  "pod %s: name \"%s\" is in use: pod already exists (use "
					  "--replace)",
					  name, name);
		for (size_t j = 0; r == 0 && j < kp->n; j++) {
			const struct app_service *svc = &kp->svcs[j];
			json_t *rec = NULL;
			if (eng_container_resolve(s, svc->name, id, NULL) == 0)
				rec = eng_container_load(s, id, NULL);
			const char *owner = str(rec, "Pod");
			bool mine = replace && owner && eng_pod_resolve(s, name, id, NULL) == 0 &&
				    !strcmp(owner, id);
			const char *cname = str(rec, "Name") ?: "";
			if (*cname == '/')
				cname++;
			if (rec && !mine && !strcmp(cname, svc->name))
				r = berr_plain(
				    err, EEXIST,
				    "pod %s: the container name \"%s\" is already in use", name,
				    svc->name);
			json_decref(rec);
			const char *policy = svc->pull_policy ? svc->pull_policy : "missing";
			if (r == 0 && image_present(is, svc->image, policy, err) < 0)
				r = berr_wrap(err, "pod %s: container %s", name, svc->name);
		}
	}
	return r;
}

/* A ConfigMap's or Secret's keys as files of its volume, each replaced whole (never written
 * through what a container may have left there: unlinked, then made O_EXCL|O_NOFOLLOW). */
static int fill_volume(const struct eng_store *s, json_t *vol, struct berr **err)
{
	autofree char *dir = eng_volume_data(s, str(vol, "name"));
	autoclose int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return berr_set(err, errno, "open volume '%s'", str(vol, "name"));
	size_t i;
	json_t *f;
	json_array_foreach(json_object_get(vol, "files"), i, f)
	{
		const char *name = str(f, "path");
		size_t n;
		autofree char *data = kube_base64_decode(str(f, "data"), &n);
		if (!data)
			return berr_plain(err, EINVAL, "volume %s: %s: bad data", str(vol, "name"),
					  name);
		if (unlinkat(dfd, name, 0) < 0 && errno != ENOENT)
			return berr_set(err, errno, "volume %s: replace '%s'", str(vol, "name"),
					name);
		mode_t mode = (mode_t)json_integer_value(json_object_get(f, "mode"));
		autoclose int fd =
		    openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
		if (fd < 0 || fs_write_all(fd, data, n) < 0 || fchmod(fd, mode) < 0)
			return berr_set(err, errno, "volume %s: write '%s'", str(vol, "name"),
					name);
	}
	return 0;
}

static int make_volumes(const struct eng_store *s, json_t *model, json_t *report, struct berr **err)
{
	size_t i;
	json_t *v;
	json_array_foreach(json_object_get(model, "volumes"), i, v)
	{
		const char *name = str(v, "name");
		json_t *existed = eng_volume_load(s, name, NULL);
		json_decref(existed);
		autofree char *kind = xasprintf("%s=%s", KUBE_LABEL_KIND, str(v, "kind"));
		json_t *labels = json_array();
		const char *k;
		json_t *l;
		json_object_foreach(json_object_get(v, "labels"), k, l)
		    json_array_append_new(labels, json_sprintf("%s=%s", k, json_string_value(l)));
		json_array_append_new(labels, json_string(kind));
		autofree char **vec = xcalloc(json_array_size(labels) + 1, sizeof(*vec));
		for (size_t j = 0; j < json_array_size(labels); j++)
			vec[j] = (char *)json_string_value(json_array_get(labels, j));
		int r = eng_volume_create(s, name, vec, false, true, NULL, err);
		json_decref(labels);
		if (r == 0)
			r = fill_volume(s, v, err);
		if (r < 0)
			return berr_wrap(err, "volume %s", name);
		if (!existed && strcmp(str(v, "kind"), "emptyDir"))
			json_array_append_new(json_object_get(report, "Volumes"),
					      json_string(name));
	}
	return 0;
}

static char **pod_labels(json_t *pod)
{
	json_t *l = json_object_get(pod, "labels");
	char **v = xcalloc(json_object_size(l) + 1, sizeof(*v));
	size_t n = 0;
	const char *k;
	json_t *val;
	json_object_foreach(l, k, val) v[n++] = xasprintf("%s=%s", k, json_string_value(val));
	return v;
}

static int make_containers(const struct eng_store *s, struct img_store *is,
			   const struct kpod_plan *kp, const char *pod_id, json_t *ids,
			   struct berr **err)
{
	bool vm = json_is_true(json_object_get(kp->pod, "vm"));
	int r = 0;
	for (size_t i = 0; r == 0 && i < kp->n; i++) {
		struct eng_create c = kp->svcs[i].c;
		c.name = kp->svcs[i].name;
		c.pod = pod_id;
		if (vm) /* the pod's VM runs it (engine/pod_vm.h) */
			c.isolation = NULL;
		char id[ENG_ID_LEN + 1];
		r = eng_create(s, is, &c, id, err);
		if (r < 0)
			berr_wrap(err, "create container %s", c.name);
		else
			json_array_append_new(ids, json_string(id));
	}
	return r;
}

/* A VM pod's size from its containers' limits, as Kata's static sandbox sizing: the default
 * guest memory plus the sum of their memory limits, the default vCPU plus the sum of their
 * CPU limits rounded up (at most the host's CPUs, Kata's default_maxvcpus); nothing where no
 * container has a limit (the VM's defaults then). The pod's memory is the VM's cgroup's:
 * the guest's and QEMU's own (pod_create.c). */
static void vm_size(const struct kpod_plan *kp, struct eng_pod_create *pc)
{
	int64_t mem = 0;
	double cpus = 0;
	for (size_t i = 0; i < kp->n; i++) {
		mem += kp->svcs[i].c.run.memory > 0 ? kp->svcs[i].c.run.memory : 0;
		cpus += kp->svcs[i].c.run.cpus > 0 ? kp->svcs[i].c.run.cpus : 0;
	}
	if (mem)
		pc->memory = mem + ((int64_t)(VM_MEM_DEFAULT_MB + VM_OVERHEAD_MB) << 20);
	if (cpus > 0) {
		long host = sysconf(_SC_NPROCESSORS_ONLN);
		double whole = (double)(long)cpus;
		double v = 1 + whole + (cpus - whole > 1e-9 ? 1 : 0);
		pc->cpus = host > 0 && v > (double)host ? (double)host : v;
	}
}

static int make_pod(const struct eng_store *s, struct img_store *is, const struct kpod_plan *kp,
		    const struct app_kube_play_opts *o, json_t *report, struct berr **err)
{
	json_t *pod = kp->pod;
	bool vm = json_is_true(json_object_get(pod, "vm"));
	autofree char *pause = img_builtin_file("berth-pause", err);
	if (!pause)
		return -ENOENT;
	/* a VM runtimeClassName: the pod is one VM, its infra's, as Kata's */
	autofree char *vm_init = vm ? img_builtin_file("berth-vm-init", err) : NULL;
	if (vm && !vm_init)
		return -ENOENT;
	char **labels = pod_labels(pod);
	json_t *publish = json_object_get(pod, "publish");
	char **pub = xcalloc(json_array_size(publish) + 1, sizeof(*pub));
	for (size_t i = 0; i < json_array_size(publish); i++)
		pub[i] = (char *)json_string_value(json_array_get(publish, i));
	struct eng_pod_create pc = {.name = str(pod, "name"),
				    .hostname = str(pod, "hostname"),
				    .labels = labels,
				    .publish = pub,
				    .network = o->network,
				    .isolation = vm ? "vm" : NULL,
				    .vm_init_path = vm_init,
				    .pause_path = pause};
	if (vm)
		vm_size(kp, &pc);
	char id[ENG_ID_LEN + 1];
	int r = eng_pod_create(s, is, &pc, id, err);
	strv_free(labels);
	free(pub);
	if (r < 0)
		return r;
	json_t *ids = json_array();
	r = make_containers(s, is, kp, id, ids, err);
	if (r == 0 && o->start)
		r = eng_pod_start(s, id, err);
	if (r < 0) { /* this pod goes; those before it stay, as podman leaves them */
		(void)eng_pod_remove(s, id, true, NULL);
		json_decref(ids);
		return r;
	}
	json_array_append_new(
	    json_object_get(report, "Pods"),
	    json_pack("{s:s, s:s, s:o}", "Id", id, "Name", str(pod, "name"), "Containers", ids));
	return 0;
}

static int remove_pod(const struct eng_store *s, const char *name, json_t *stopped, json_t *removed,
		      struct berr **err)
{
	char id[ENG_ID_LEN + 1];
	if (eng_pod_resolve(s, name, id, NULL) < 0)
		return 0;
	int r = eng_pod_stop(s, id, -1, err);
	if (r == 0 && stopped)
		json_array_append_new(stopped, json_string(id));
	if (r == 0)
		r = eng_pod_remove(s, id, true, err);
	if (r == 0 && removed)
		json_array_append_new(removed, json_string(id));
	return r < 0 ? berr_wrap(err, "pod %s", name) : 0;
}

int app_kube_play(const struct eng_store *s, struct img_store *is, json_t *model,
		  const struct app_kube_play_opts *o, json_t **out_report, struct berr **err)
{
	struct kplan k = {0};
	int r = kplan_make(model, &k, err);
	if (r == 0)
		r = precheck(s, is, &k, o->replace, o->network, err);
	json_t *report = json_pack("{s:[], s:[]}", "Pods", "Volumes");
	for (size_t i = 0; r == 0 && o->replace && i < k.n_pods; i++)
		r = remove_pod(s, str(k.pods[i].pod, "name"), NULL, NULL, err);
	if (r == 0)
		r = make_volumes(s, model, report, err);
	for (size_t i = 0; r == 0 && i < k.n_pods; i++)
		if ((r = make_pod(s, is, &k.pods[i], o, report, err)) < 0)
			berr_wrap(err, "pod %s", str(k.pods[i].pod, "name"));
	kplan_free(&k);
	if (r < 0) {
		json_decref(report);
		return r;
	}
	*out_report = report;
	return 0;
}

int app_kube_down(const struct eng_store *s, json_t *model, bool volumes, json_t **out_report,
		  struct berr **err)
{
	json_t *report = json_pack("{s:[], s:[], s:[]}", "Stopped", "Removed", "Volumes");
	int r = 0;
	size_t i;
	json_t *p;
	json_array_foreach(json_object_get(model, "pods"), i, p)
	{
		if (r == 0)
			r = remove_pod(s, str(p, "name"), json_object_get(report, "Stopped"),
				       json_object_get(report, "Removed"), err);
	}
	json_t *v;
	json_array_foreach(json_object_get(model, "volumes"), i, v)
	{
		const char *name = str(v, "name");
		json_t *rec = r == 0 ? eng_volume_load(s, name, NULL) : NULL;
		if (!rec)
			continue;
		json_decref(rec);
		/* an emptyDir lives and dies with its pod; the others only with --force */
		if (strcmp(str(v, "kind"), "emptyDir") && !volumes)
			continue;
		if ((r = eng_volume_remove(s, name, false, err)) < 0)
			berr_wrap(err, "volume %s", name);
		else
			json_array_append_new(json_object_get(report, "Volumes"),
					      json_string(name));
	}
	if (r < 0) {
		json_decref(report);
		return r;
	}
	*out_report = report;
	return 0;
}
