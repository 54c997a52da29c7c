/* A file of Kubernetes documents → the model of kube.h. Documents are split at their `---`
 * lines and each parsed by compose/yaml (its lines kept: a document's text is padded with the
 * lines before it, so each error names the line of the file). Then, as podman sorts the
 * kinds before it plays them: ConfigMaps, Secrets and PersistentVolumeClaims first (what the
 * pods refer to), then Pods and Deployments, then Services (their ports published on the pods
 * they select). Everything is checked before the model exists: nothing is made for a file
 * with an error in it. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compose/yaml.h"
#include "kube/check.h"
#include "kube/kube.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/json.h"
#include "util/xalloc.h"

/* Does line (its text up to the end of line) start a new document? */
static bool separator(const char *line, const char *end)
{
	if (end - line < 3 || strncmp(line, "---", 3))
		return false;
	return end - line == 3 || line[3] == ' ' || line[3] == '\t' || line[3] == '\r';
}

/* Only comments, blanks and the markers "---" and "...": nothing to play. */
static bool blank(const char *s, size_t n)
{
	bool comment = false;
	for (size_t i = 0; i < n; i++) {
		bool bol = i == 0 || s[i - 1] == '\n';
		if (bol && n - i >= 3 && (!strncmp(s + i, "---", 3) || !strncmp(s + i, "...", 3)))
			i += 2;
		else if (s[i] == '\n')
			comment = false;
		else if (s[i] == '#')
			comment = true;
		else if (!comment && s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
			return false;
	}
	return true;
}

static int add_doc(json_t *docs, const char *text, size_t from, size_t to, unsigned long line,
		   const char *file, struct berr **err)
{
	if (blank(text + from, to - from))
		return 0;
	if (json_array_size(docs) >= KUBE_MAX_DOCS)
		return berr_plain(err, EINVAL, "%s:%lu: more than %d documents", file, line,
				  KUBE_MAX_DOCS);
	/* padded with the lines before it, so the parser's lines are the file's */
	size_t pad = line - 1, n = to - from;
	autofree char *buf = xmalloc(pad + n + 1);
	memset(buf, '\n', pad);
	memcpy(buf + pad, text + from, n);
	buf[pad + n] = '\0';
	json_t *pos = json_object();
	json_t *doc = cmp_yaml_parse(buf, pad + n, file, pos, err);
	if (!doc) {
		json_decref(pos);
		return -EINVAL;
	}
	json_array_append_new(docs, json_pack("{s:o, s:o, s:I, s:I}", "doc", doc, "pos", pos,
					      "index", (json_int_t)json_array_size(docs) + 1,
					      "line", (json_int_t)line));
	return 0;
}

json_t *kube_documents(const char *text, size_t len, const char *file, struct berr **err)
{
	if (len > CMP_YAML_MAX_BYTES) {
		berr_plain(err, EFBIG, "%s: larger than %u bytes", file, CMP_YAML_MAX_BYTES);
		return NULL;
	}
	json_t *docs = json_array();
	size_t start = 0, at = 0;
	unsigned long line = 1, start_line = 1;
	while (at <= len) {
		const char *nl = memchr(text + at, '\n', len - at);
		size_t eol = nl ? (size_t)(nl - text) : len;
		if (at > start && separator(text + at, text + eol)) {
			if (add_doc(docs, text, start, at, start_line, file, err) < 0) {
				json_decref(docs);
				return NULL;
			}
			start = at;
			start_line = line;
		}
		if (!nl)
			break;
		at = eol + 1;
		line++;
	}
	if (add_doc(docs, text, start, len, start_line, file, err) < 0) {
		json_decref(docs);
		return NULL;
	}
	return docs;
}

/* ---- the kinds ---- */

/* what an API server writes into metadata (kube generate writes creationTimestamp, as
 * podman's does) is accepted and means nothing here */
static const char *const meta_keys[] = {
    "name", "labels",          "annotations", "namespace", "creationTimestamp",
    "uid",  "resourceVersion", "generation",  "selfLink",  "managedFields",
    NULL};
static const char *const meta_inert[] = {"ownerReferences", "finalizers", "generateName",
					 "deletionTimestamp", NULL};

/* metadata: its name checked; out_meta the mapping. */
static int metadata(const struct kdoc *d, json_t **out_meta, const char **out_name,
		    struct berr **err)
{
	json_t *meta = NULL;
	int r = kobj(d, d->doc, "", "metadata", &meta, err);
	if (r == 0 && !meta)
		r = kfail(d, "metadata", err, "required");
	if (r == 0)
		r = kkeys(d, meta, "metadata", meta_keys, meta_inert, err);
	json_t *m = NULL;
	if (r == 0)
		r = kmap(d, meta, "metadata", "labels", &m, err);
	if (r == 0)
		r = kmap(d, meta, "metadata", "annotations", &m, err);
	if (r == 0)
		r = kstr_req(d, meta, "metadata", "name", out_name, err);
	if (r == 0)
		r = kname(d, "metadata.name", *out_name, 253, err);
	if (r == 0)
		*out_meta = meta;
	return r;
}

/* data (text) and binaryData (base64) → {key: base64}. */
static int config_data(const struct kdoc *d, const char *text_key, const char *b64_key,
		       json_t **out, struct berr **err)
{
	json_t *text = NULL, *bin = NULL;
	int r = kmap(d, d->doc, "", text_key, &text, err);
	if (r == 0)
		r = kmap(d, d->doc, "", b64_key, &bin, err);
	if (r < 0)
		return r;
	json_t *data = json_object();
	const char *k;
	json_t *v;
	json_object_foreach(bin, k, v)
	{
		size_t n;
		autofree char *raw = kube_base64_decode(json_string_value(v), &n);
		if (!raw) {
			autofree char *p = kpath(b64_key, k);
			json_decref(data);
			return kfail(d, p, err, "not base64");
		}
		json_object_set_new(data, k, json_string(json_string_value(v)));
	}
	json_object_foreach(text, k, v)
	{
		const char *s = json_string_value(v);
		autofree char *enc = kube_base64_encode(s, strlen(s));
		json_object_set_new(data, k, json_string(enc));
	}
	*out = data;
	return 0;
}

static int config_map(struct kmodel *m, const struct kdoc *d, struct berr **err)
{
	static const char *const keys[] = {"apiVersion", "kind",       "metadata",
					   "data",       "binaryData", NULL};
	static const char *const inert[] = {"immutable", NULL};
	json_t *meta;
	const char *name;
	int r = kkeys(d, d->doc, "", keys, inert, err);
	if (r == 0)
		r = metadata(d, &meta, &name, err);
	json_t *data = NULL;
	if (r == 0)
		r = config_data(d, "data", "binaryData", &data, err);
	if (r == 0)
		json_object_set_new(m->configmaps, name, data);
	return r;
}

static int secret(struct kmodel *m, const struct kdoc *d, struct berr **err)
{
	static const char *const keys[] = {"apiVersion", "kind", "metadata", "data",
					   "stringData", "type", NULL};
	static const char *const inert[] = {"immutable", NULL};
	json_t *meta;
	const char *name, *type = NULL;
	int r = kkeys(d, d->doc, "", keys, inert, err);
	if (r == 0)
		r = metadata(d, &meta, &name, err);
	if (r == 0)
		r = kstr(d, d->doc, "", "type", &type, err);
	json_t *data = NULL;
	/* a Secret's data is base64 and its stringData text: the reverse of a ConfigMap's
	 * data and binaryData */
	if (r == 0)
		r = config_data(d, "stringData", "data", &data, err);
	if (r == 0)
		json_object_set_new(m->secrets, name, data);
	return r;
}

static int pvc(struct kmodel *m, const struct kdoc *d, struct berr **err)
{
	static const char *const keys[] = {"apiVersion", "kind", "metadata", "spec", NULL};
	static const char *const inert[] = {"status", NULL};
	json_t *meta, *spec = NULL, *labels = NULL;
	const char *name;
	int r = kkeys(d, d->doc, "", keys, inert, err);
	if (r == 0)
		r = metadata(d, &meta, &name, err);
	if (r == 0)
		r = kobj(d, d->doc, "", "spec", &spec, err);
	if (r == 0 && json_object_get(m->volumes, name))
		r = kfail(d, "metadata.name", err, "a volume '%s' is declared twice", name);
	if (r < 0)
		return r;
	/* the claim's size, access modes and storage class are a cluster's business: a local
	 * volume has none of them */
	static const char *const spec_keys[] = {"accessModes", "resources",  "storageClassName",
						"volumeMode",  "volumeName", "selector",
						"dataSource",  NULL};
	if ((r = kkeys(d, spec, "spec", spec_keys, NULL, err)) < 0)
		return r;
	labels = json_object_get(meta, "labels");
	json_object_set_new(m->volumes, name,
			    json_pack("{s:s, s:s, s:o, s:[]}", "name", name, "kind",
				      "persistentVolumeClaim", "labels",
				      labels ? json_incref(labels) : json_object(), "files"));
	return 0;
}

static int deployment(struct kmodel *m, const struct kdoc *d, struct berr **err)
{
	static const char *const keys[] = {"apiVersion", "kind", "metadata", "spec", NULL};
	static const char *const inert[] = {"status", NULL};
	static const char *const spec_keys[] = {"replicas", "selector", "template", NULL};
	static const char *const spec_inert[] = {"strategy",
						 "revisionHistoryLimit",
						 "progressDeadlineSeconds",
						 "minReadySeconds",
						 "paused",
						 NULL};
	static const char *const tmpl_keys[] = {"metadata", "spec", NULL};
	json_t *meta, *spec = NULL, *tmpl = NULL, *tmeta = NULL, *tspec = NULL, *sel = NULL;
	const char *name;
	int64_t replicas = 1;
	int r = kkeys(d, d->doc, "", keys, inert, err);
	if (r == 0)
		r = metadata(d, &meta, &name, err);
	if (r == 0)
		r = kobj(d, d->doc, "", "spec", &spec, err);
	if (r == 0 && !spec)
		r = kfail(d, "spec", err, "required");
	if (r == 0)
		r = kkeys(d, spec, "spec", spec_keys, spec_inert, err);
	if (r == 0)
		r = kint(d, spec, "spec", "replicas", 0, KUBE_MAX_REPLICAS, &replicas, err);
	if (r == 0)
		r = kobj(d, spec, "spec", "selector", &sel, err);
	if (r == 0)
		r = kobj(d, spec, "spec", "template", &tmpl, err);
	if (r == 0 && !tmpl)
		r = kfail(d, "spec.template", err, "required");
	if (r == 0)
		r = kkeys(d, tmpl, "spec.template", tmpl_keys, NULL, err);
	if (r == 0)
		r = kobj(d, tmpl, "spec.template", "metadata", &tmeta, err);
	if (r == 0)
		r = kobj(d, tmpl, "spec.template", "spec", &tspec, err);
	if (r == 0 && !tspec)
		r = kfail(d, "spec.template.spec", err, "required");
	json_t *dummy = NULL;
	if (r == 0)
		r = kmap(d, tmeta, "spec.template.metadata", "labels", &dummy, err);
	if (r == 0)
		r = kmap(d, tmeta, "spec.template.metadata", "annotations", &dummy, err);
	/* podman 4.3: one pod a replica, "<deployment>-pod-<n>" */
	for (int64_t i = 0; r == 0 && i < replicas; i++) {
		autofree char *pod = xasprintf("%s-pod-%lld", name, (long long)i);
		r = kube_pod_add(m, d, pod, tmeta, "spec.template.metadata", tspec,
				 "spec.template.spec", "Deployment", err);
	}
	return r;
}

static int pod(struct kmodel *m, const struct kdoc *d, struct berr **err)
{
	static const char *const keys[] = {"apiVersion", "kind", "metadata", "spec", NULL};
	static const char *const inert[] = {"status", NULL};
	json_t *meta, *spec = NULL;
	const char *name;
	int r = kkeys(d, d->doc, "", keys, inert, err);
	if (r == 0)
		r = metadata(d, &meta, &name, err);
	if (r == 0)
		r = kobj(d, d->doc, "", "spec", &spec, err);
	if (r == 0 && !spec)
		r = kfail(d, "spec", err, "required");
	if (r == 0)
		r = kube_pod_add(m, d, name, meta, "metadata", spec, "spec", "Pod", err);
	return r;
}

struct kind {
	const char *kind, *api;
	int pass;
	int (*fn)(struct kmodel *m, const struct kdoc *d, struct berr **err);
};

static const struct kind kinds[] = {
    {"ConfigMap", "v1", 0, config_map},       {"Secret", "v1", 0, secret},
    {"PersistentVolumeClaim", "v1", 0, pvc},  {"Pod", "v1", 1, pod},
    {"Deployment", "apps/v1", 1, deployment}, {"Service", "v1", 2, kube_service},
};

static int doc_kind(struct kdoc *d, const struct kind **out, struct berr **err)
{
	const char *kind = NULL, *api = NULL;
	if (!json_is_object(d->doc))
		return kfail(d, "", err, "a document must be a mapping");
	int r = kstr_req(d, d->doc, "", "kind", &kind, err);
	if (r == 0)
		r = kstr_req(d, d->doc, "", "apiVersion", &api, err);
	if (r < 0)
		return r;
	const char *name =
	    json_string_value(json_object_get(json_object_get(d->doc, "metadata"), "name"));
	snprintf(d->what, sizeof d->what, "%s %s", kind, name ? name : "(no name)");
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		if (strcmp(kinds[i].kind, kind))
			continue;
		if (strcmp(kinds[i].api, api))
			return kfail(d, "apiVersion", err, "%s is %s, not '%s'", kind, kinds[i].api,
				     api);
		*out = &kinds[i];
		return 0;
	}
	return kfail(d, "kind", err,
		     "'%s' is not supported (Pod, Deployment, Service, ConfigMap, Secret, "
		     "PersistentVolumeClaim)",
		     kind);
}

static int run_pass(struct kmodel *m, json_t *docs, const char *file, int pass, bool only_cm,
		    struct berr **err)
{
	size_t i;
	json_t *e;
	json_array_foreach(docs, i, e)
	{
		struct kdoc d = {.file = file,
				 .doc = json_object_get(e, "doc"),
				 .pos = json_object_get(e, "pos"),
				 .warnings = m->warnings};
		snprintf(d.what, sizeof d.what, "document %zu", i + 1);
		const struct kind *k = NULL;
		int r = doc_kind(&d, &k, err);
		if (r == 0 && only_cm && strcmp(k->kind, "ConfigMap"))
			r = kfail(&d, "kind", err,
				  "--configmap: a ConfigMap, not a %s (podman's rule)", k->kind);
		if (r == 0 && k->pass == pass)
			r = k->fn(m, &d, err);
		if (r < 0)
			return r;
	}
	return 0;
}

int kube_model(const char *text, size_t len, const struct kube_opts *o, json_t **out,
	       struct berr **err)
{
	const char *file = o->file ? o->file : "-";
	json_auto_t *docs = kube_documents(text, len, file, err);
	if (!docs)
		return -EINVAL;
	struct kmodel m = {.o = o,
			   .configmaps = json_object(),
			   .secrets = json_object(),
			   .volumes = json_object(),
			   .pods = json_array(),
			   .host_ports = json_object(),
			   .warnings = json_array()};
	int r = 0;
	size_t i;
	json_t *cm;
	json_array_foreach(o->configmaps, i, cm)
	{
		const char *cfile = json_string_value(json_object_get(cm, "file"));
		if (r == 0)
			r = run_pass(&m, json_object_get(cm, "docs"), cfile ? cfile : "-", 0, true,
				     err);
	}
	for (int pass = 0; r == 0 && pass < 3; pass++)
		r = run_pass(&m, docs, file, pass, false, err);
	if (r == 0 && json_array_size(m.pods) == 0 && json_object_size(m.volumes) == 0)
		r = berr_plain(err, EINVAL,
			       json_object_size(m.configmaps) || json_object_size(m.secrets)
				   ? "%s: ConfigMaps and Secrets are not standalone objects and "
				     "must be used in a container"
				   : "%s: YAML document does not contain any supported kube kind",
			       file);
	if (r == 0) {
		json_t *vols = json_array();
		const char *k;
		json_t *v;
		json_object_foreach(m.volumes, k, v) json_array_append(vols, v);
		*out = json_pack("{s:O, s:o, s:O}", "pods", m.pods, "volumes", vols, "warnings",
				 m.warnings);
	}
	json_decref(m.configmaps);
	json_decref(m.secrets);
	json_decref(m.volumes);
	json_decref(m.pods);
	json_decref(m.host_ports);
	json_decref(m.warnings);
	return r;
}

json_t *kube_pod_names(json_t *model)
{
	json_t *out = json_array();
	size_t i;
	json_t *p;
	json_array_foreach(json_object_get(model, "pods"), i, p)
	    json_array_append(out, json_object_get(p, "name"));
	return out;
}
