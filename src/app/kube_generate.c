/* kube generate (kube.h): a pod or a container of the engine written as a Kubernetes Pod
 * (apiVersion v1) as podman 4.3's libpod/kube.go writes it: metadata name, labels app=<name>
 * and creationTimestamp; per container the image, command (the ENTRYPOINT when it is not the
 * image's, with the CMD as args, since a Kubernetes command drops the image's CMD) or args
 * (the CMD when only it differs), the env the image does not set, the workingDir when it is
 * not the image's, the pod's published ports (on the first container, as podman puts them),
 * volumeMounts (a named volume a persistentVolumeClaim, a bind a hostPath, an anonymous
 * volume or a tmpfs an emptyDir), the securityContext and the limits; the restartPolicy.
 * With a Service (-s): type NodePort, one port a published port, its nodePort the host port
 * (podman picks a random one; the host port is what the host really offers). berth's own
 * change: a container named "<pod>-<name>" is written as <name>, so that playing the YAML
 * back gives the same names. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app/kube.h"
#include "compose/yaml.h"
#include "engine/container.h"
#include "engine/pod.h"
#include "engine/volume.h"
#include "image/config.h"
#include "image/image_view.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/json.h"
#include "util/version.h"
#include "util/xalloc.h"

static const char *str(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static bool same_strv(json_t *a, char *const *v)
{
	size_t n = json_array_size(a);
	if (n != strv_len(v))
		return false;
	for (size_t i = 0; i < n; i++)
		if (strcmp(json_string_value(json_array_get(a, i)) ?: "", v[i]))
			return false;
	return true;
}

static bool in_strv(char *const *v, const char *s)
{
	for (size_t i = 0; v && v[i]; i++)
		if (!strcmp(v[i], s))
			return true;
	return false;
}

/* command/args with Kubernetes' meaning (the header). */
static void process(json_t *cfg, const struct img_config *ic, json_t *out)
{
	json_t *ep = json_object_get(cfg, "Entrypoint"), *cmd = json_object_get(cfg, "Cmd");
	char *const *iep = ic ? ic->entrypoint : NULL, *const *icmd = ic ? ic->cmd : NULL;
	bool ep_same = same_strv(ep, iep);
	if (!ep_same && json_array_size(ep)) {
		json_object_set(out, "command", ep);
		if (json_array_size(cmd))
			json_object_set(out, "args", cmd);
	} else if (!ep_same) { /* the image's ENTRYPOINT cleared: the CMD is the command */
		json_object_set(out, "command", cmd);
	} else if (!same_strv(cmd, icmd) && json_array_size(cmd)) {
		json_object_set(out, "args", cmd);
	}
	json_t *env = json_array();
	size_t i;
	json_t *e;
	json_array_foreach(json_object_get(cfg, "Env"), i, e)
	{
		const char *kv = json_string_value(e);
		const char *eq = kv ? strchr(kv, '=') : NULL;
		if (!eq || in_strv(ic ? ic->env : NULL, kv))
			continue;
		json_array_append_new(
		    env, json_pack("{s:s%, s:s}", "name", kv, (size_t)(eq - kv), "value", eq + 1));
	}
	if (json_array_size(env))
		json_object_set(out, "env", env);
	json_decref(env);
	const char *wd = str(cfg, "WorkingDir");
	const char *iwd = ic && ic->working_dir ? ic->working_dir : "";
	if (wd && *wd && strcmp(wd, iwd) && !(!*iwd && !strcmp(wd, "/")))
		json_object_set_new(out, "workingDir", json_string(wd));
	if (json_is_true(json_object_get(cfg, "Tty")))
		json_object_set_new(out, "tty", json_true());
	if (json_is_true(json_object_get(cfg, "OpenStdin")))
		json_object_set_new(out, "stdin", json_true());
}

/* A volume name Kubernetes takes (DNS-1123 label): lower-case, digits, '-'. */
static char *k8s_name(const char *s, const char *suffix)
{
	char *out = xasprintf("%s%s", s, suffix), *o = out;
	for (const char *c = out; *c; c++) {
		char ch = (char)tolower((unsigned char)*c);
		if (!isalnum((unsigned char)ch))
			ch = '-';
		if (ch == '-' && (o == out || o[-1] == '-'))
			continue;
		*o++ = ch;
	}
	while (o > out && o[-1] == '-')
		o--;
	*o = '\0';
	if (strlen(out) > 63)
		out[63] = '\0';
	return out;
}

/* What a named volume is to Kubernetes: an anonymous one or one kube play made for an
 * emptyDir ("<pod>-<volume>", labelled) is an emptyDir again; another a claim. */
static bool empty_dir(const struct eng_store *s, const char *name)
{
	json_t *v = eng_volume_load(s, name, NULL);
	const char *kind =
	    json_string_value(json_object_get(json_object_get(v, "Labels"), "io.berth.kube.kind"));
	bool empty =
	    json_is_true(json_object_get(v, "Anonymous")) || (kind && !strcmp(kind, "emptyDir"));
	json_decref(v);
	return empty;
}

static void mounts(const struct eng_store *s, const char *pod, json_t *hc, json_t *ctr,
		   json_t *vols)
{
	json_t *vm = json_array();
	size_t i;
	json_t *m;
	json_array_foreach(json_object_get(hc, "Mounts"), i, m)
	{
		const char *type = str(m, "Type") ?: "", *src = str(m, "Source") ?: "";
		autofree char *name = NULL;
		json_t *vol;
		if (!strcmp(type, "bind")) {
			name = k8s_name(src, "-host");
			vol = json_pack("{s:s, s:{s:s, s:s}}", "name", name, "hostPath", "path",
					src, "type", "Directory");
		} else if (!strcmp(type, "volume") && !empty_dir(s, src)) {
			name = k8s_name(src, "-pvc");
			vol = json_pack("{s:s, s:{s:s}}", "name", name, "persistentVolumeClaim",
					"claimName", src);
		} else if (!strcmp(type, "volume") && *pod && !strncmp(src, pod, strlen(pod)) &&
			   src[strlen(pod)] == '-') {
			name = xstrdup(src + strlen(pod) + 1);
			vol = json_pack("{s:s, s:{}}", "name", name, "emptyDir");
		} else {
			name = xasprintf("emptydir-%zu", i);
			vol = json_pack("{s:s, s:{}}", "name", name, "emptyDir");
			if (!strcmp(type, "tmpfs"))
				json_object_set_new(json_object_get(vol, "emptyDir"), "medium",
						    json_string("Memory"));
		}
		json_t *vmount =
		    json_pack("{s:s, s:s}", "name", name, "mountPath", str(m, "Destination") ?: "");
		if (json_is_false(json_object_get(m, "RW")))
			json_object_set_new(vmount, "readOnly", json_true());
		json_array_append_new(vm, vmount);
		bool known = false;
		size_t j;
		json_t *v;
		json_array_foreach(vols, j, v) known = known || !strcmp(str(v, "name"), name);
		if (!known)
			json_array_append(vols, vol);
		json_decref(vol);
	}
	if (json_array_size(vm))
		json_object_set(ctr, "volumeMounts", vm);
	json_decref(vm);
}

static json_t *strv_or_null(json_t *a)
{
	return json_array_size(a) ? json_incref(a) : NULL;
}

static void security(json_t *cfg, json_t *hc, json_t *ctr)
{
	json_t *sc = json_object();
	if (json_is_true(json_object_get(hc, "Privileged")))
		json_object_set_new(sc, "privileged", json_true());
	if (json_is_true(json_object_get(hc, "ReadonlyRootfs")))
		json_object_set_new(sc, "readOnlyRootFilesystem", json_true());
	if (json_is_true(json_object_get(hc, "NoNewPrivileges")))
		json_object_set_new(sc, "allowPrivilegeEscalation", json_false());
	json_t *add = strv_or_null(json_object_get(hc, "CapAdd"));
	json_t *drop = strv_or_null(json_object_get(hc, "CapDrop"));
	if (add || drop) {
		json_t *caps = json_object();
		if (add)
			json_object_set_new(caps, "add", add);
		if (drop)
			json_object_set_new(caps, "drop", drop);
		json_object_set_new(sc, "capabilities", caps);
	}
	const char *user = str(cfg, "User");
	unsigned long uid, gid;
	char extra;
	if (user && sscanf(user, "%lu:%lu%c", &uid, &gid, &extra) == 2) {
		json_object_set_new(sc, "runAsUser", json_integer((json_int_t)uid));
		json_object_set_new(sc, "runAsGroup", json_integer((json_int_t)gid));
	} else if (user && sscanf(user, "%lu%c", &uid, &extra) == 1) {
		json_object_set_new(sc, "runAsUser", json_integer((json_int_t)uid));
	}
	if (json_object_size(sc))
		json_object_set(ctr, "securityContext", sc);
	json_decref(sc);
}

static void limits(json_t *hc, json_t *ctr)
{
	json_int_t mem = json_integer_value(json_object_get(hc, "Memory"));
	json_int_t nano = json_integer_value(json_object_get(hc, "NanoCpus"));
	json_t *l = json_object();
	if (mem > 0)
		json_object_set_new(l, "memory",
				    mem % (1 << 20) ? json_sprintf("%lld", (long long)mem)
						    : json_sprintf("%lldMi", (long long)mem >> 20));
	if (nano > 0)
		json_object_set_new(l, "cpu", json_sprintf("%lldm", (long long)nano / 1000000));
	if (json_object_size(l))
		json_object_set_new(ctr, "resources", json_pack("{s:O}", "limits", l));
	json_decref(l);
}

/* Docker's Config.Healthcheck → a livenessProbe (durations in ns → seconds). */
static void probe(json_t *cfg, json_t *ctr)
{
	json_t *hc = json_object_get(cfg, "Healthcheck");
	json_t *test = json_object_get(hc, "Test");
	const char *kind = json_string_value(json_array_get(test, 0));
	if (!kind || (strcmp(kind, "CMD") && strcmp(kind, "CMD-SHELL")))
		return;
	json_t *cmd = json_array();
	if (!strcmp(kind, "CMD-SHELL")) {
		json_array_append_new(cmd, json_string("/bin/sh"));
		json_array_append_new(cmd, json_string("-c"));
	}
	for (size_t i = 1; i < json_array_size(test); i++)
		json_array_append(cmd, json_array_get(test, i));
	json_t *p = json_pack("{s:{s:o}}", "exec", "command", cmd);
	static const char *const keys[][2] = {{"Interval", "periodSeconds"},
					      {"Timeout", "timeoutSeconds"},
					      {"StartPeriod", "initialDelaySeconds"}};
	for (size_t i = 0; i < 3; i++) {
		json_int_t ns = json_integer_value(json_object_get(hc, keys[i][0]));
		if (ns >= 1000000000)
			json_object_set_new(p, keys[i][1], json_integer(ns / 1000000000));
	}
	json_int_t retries = json_integer_value(json_object_get(hc, "Retries"));
	if (retries > 0)
		json_object_set_new(p, "failureThreshold", json_integer(retries));
	json_object_set_new(ctr, "livenessProbe", p);
}

/* PortBindings → [{containerPort, hostPort, protocol[, hostIP]}]. */
static json_t *ports(json_t *hc)
{
	json_t *out = json_array();
	const char *k;
	json_t *v;
	json_object_foreach(json_object_get(hc, "PortBindings"), k, v)
	{
		int port = atoi(k);
		const char *proto = strchr(k, '/') ? strchr(k, '/') + 1 : "tcp";
		size_t i;
		json_t *b;
		json_array_foreach(v, i, b)
		{
			json_t *p = json_pack("{s:i, s:i, s:s}", "containerPort", port, "hostPort",
					      atoi(str(b, "HostPort") ?: "0"), "protocol",
					      !strcmp(proto, "udp") ? "UDP" : "TCP");
			const char *ip = str(b, "HostIp");
			if (ip && *ip && strcmp(ip, "0.0.0.0"))
				json_object_set_new(p, "hostIP", json_string(ip));
			if (!json_integer_value(json_object_get(p, "hostPort")))
				json_object_del(p, "hostPort");
			json_array_append_new(out, p);
		}
	}
	return out;
}

struct gen {
	const struct eng_store *s;
	struct img_store *is;
};

static json_t *container(const struct gen *g, json_t *rec, const char *pod, json_t *vols)
{
	json_t *cfg = json_object_get(rec, "Config"), *hc = json_object_get(rec, "HostConfig");
	const char *name = str(rec, "Name") ?: "";
	if (*name == '/')
		name++;
	size_t pl = strlen(pod);
	if (!strncmp(name, pod, pl) && name[pl] == '-' && name[pl + 1])
		name += pl + 1; /* "<pod>-<name>": the name play gave it */
	const char *image = str(cfg, "Image") ?: str(rec, "ImageName");
	autoptr(img_config) ic = NULL;
	json_decref(img_image_open(g->is, str(rec, "Image") ?: image, &ic, NULL));
	json_t *c = json_pack("{s:s, s:s}", "name", name, "image", image ?: "");
	process(cfg, ic, c);
	mounts(g->s, pod, hc, c, vols);
	probe(cfg, c);
	limits(hc, c);
	security(cfg, hc, c);
	return c;
}

static const char *restart_policy(json_t *rec)
{
	const char *rp =
	    str(json_object_get(json_object_get(rec, "HostConfig"), "RestartPolicy"), "Name");
	if (rp && !strcmp(rp, "always"))
		return "Always";
	if (rp && (!strcmp(rp, "on-failure") || !strcmp(rp, "unless-stopped")))
		return !strcmp(rp, "on-failure") ? "OnFailure" : "Always";
	return "Never";
}

static json_t *pod_doc(const char *name, json_t *labels, const char *hostname, json_t *ctrs,
		       json_t *vols, const char *restart)
{
	char now[32];
	time_t t = time(NULL);
	struct tm tm;
	strftime(now, sizeof now, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
	json_t *l = json_pack("{s:s}", "app", name);
	const char *k;
	json_t *v;
	json_object_foreach(labels, k, v) json_object_set(l, k, v);
	json_t *spec = json_pack("{s:O}", "containers", ctrs);
	if (hostname && *hostname && strcmp(hostname, name))
		json_object_set_new(spec, "hostname", json_string(hostname));
	json_object_set_new(spec, "restartPolicy", json_string(restart));
	if (json_array_size(vols))
		json_object_set(spec, "volumes", vols);
	return json_pack("{s:s, s:s, s:{s:s, s:o, s:s}, s:o}", "apiVersion", "v1", "kind", "Pod",
			 "metadata", "creationTimestamp", now, "labels", l, "name", name, "spec",
			 spec);
}

static json_t *service_doc(json_t *pod, json_t *ports_list)
{
	json_t *meta = json_object_get(pod, "metadata");
	json_t *sp = json_array();
	size_t i;
	json_t *p;
	json_array_foreach(ports_list, i, p)
	{
		json_int_t host = json_integer_value(json_object_get(p, "hostPort"));
		json_int_t port = json_integer_value(json_object_get(p, "containerPort"));
		if (!host)
			continue;
		/* podman names a port by its number; names and ports are unique in a Service */
		json_int_t sport = port;
		for (size_t j = 0; j < i; j++) {
			json_t *q = json_array_get(ports_list, j);
			if (json_integer_value(json_object_get(q, "containerPort")) == port)
				sport = host; /* a second container on the same port */
		}
		json_array_append_new(sp, json_pack("{s:o, s:I, s:I, s:O, s:I}", "name",
						    json_sprintf("%lld", (long long)sport),
						    "nodePort", host, "port", sport, "protocol",
						    json_object_get(p, "protocol"), "targetPort",
						    port));
	}
	return json_pack("{s:s, s:s, s:{s:O, s:O, s:O}, s:{s:o, s:{s:O}, s:s}}", "apiVersion", "v1",
			 "kind", "Service", "metadata", "creationTimestamp",
			 json_object_get(meta, "creationTimestamp"), "labels",
			 json_object_get(meta, "labels"), "name", json_object_get(meta, "name"),
			 "spec", "ports", sp, "selector", "app", json_object_get(meta, "name"),
			 "type", "NodePort");
}

/* The Pod (and Service) of a pod (members: its containers, ports the infra's), or of
 * containers of no pod (pod NULL: named after the first, "-pod" since the name is taken, as
 * podman does; each container's ports its own). */
static int pod_docs(const struct gen *g, json_t *pod, char *const *members, bool service,
		    json_t *docs, struct berr **err)
{
	json_t *ctrs = json_array(), *vols = json_array(), *first = NULL, *all = json_array();
	json_auto_t *infra = NULL;
	const char *infra_id = str(pod, "InfraContainerId");
	if (infra_id && *infra_id)
		infra = eng_container_load(g->s, infra_id, NULL);
	autofree char *pod_name = pod ? xstrdup(str(pod, "Name")) : NULL;
	int r = 0;
	for (size_t i = 0; members && members[i]; i++) {
		json_t *rec = eng_container_load(g->s, members[i], err);
		if (!rec) {
			r = -ENOENT;
			break;
		}
		if (!pod_name) {
			const char *cn = str(rec, "Name") ?: "";
			pod_name = xasprintf("%s-pod", *cn == '/' ? cn + 1 : cn);
		}
		if (!first)
			first = json_incref(rec);
		json_t *c = container(g, rec, pod ? pod_name : "", vols);
		/* a pod's ports are its infra's, on its first container (podman's place) */
		json_t *pl = (!pod || !infra_id || !*infra_id || i == 0)
				 ? ports(json_object_get(infra ? infra : rec, "HostConfig"))
				 : json_array();
		if (json_array_size(pl))
			json_object_set(c, "ports", pl);
		json_array_extend(all, pl);
		json_decref(pl);
		json_array_append_new(ctrs, c);
		json_decref(rec);
	}
	if (r == 0 && json_array_size(ctrs) == 0)
		r = berr_plain(err, EINVAL, "pod %s has no containers to generate", pod_name);
	if (r == 0) {
		json_t *doc =
		    pod_doc(pod_name, json_object_get(pod, "Labels"),
			    pod ? str(pod, "Hostname") : NULL, ctrs, vols, restart_policy(first));
		/* a VM's pod plays back as one VM (kube/pod.c reads a class naming vm so), and
		 * on a cluster runs under README's RuntimeClass for berth-runtime-vm */
		const char *iso = str(json_object_get(first, "HostConfig"), "Isolation");
		if (iso && !strcmp(iso, "vm"))
			json_object_set_new(json_object_get(doc, "spec"), "runtimeClassName",
					    json_string("berth-vm"));
		json_array_append_new(docs, doc);
		if (service)
			json_array_append_new(docs, service_doc(doc, all));
	}
	json_decref(first);
	json_decref(all);
	json_decref(ctrs);
	json_decref(vols);
	return r;
}

int app_kube_generate(const struct eng_store *s, struct img_store *is, char *const *refs,
		      bool service, FILE *f, struct berr **err)
{
	struct gen g = {s, is};
	json_auto_t *docs = json_array();
	size_t n = strv_len(refs), n_lone = 0;
	char **lone = xcalloc(n + 1, sizeof(*lone));
	int r = 0;
	/* pods each a Pod; the containers named together one Pod (podman's) */
	for (size_t i = 0; r == 0 && i < n; i++) {
		char id[ENG_ID_LEN + 1];
		if (eng_pod_resolve(s, refs[i], id, NULL) == 0) {
			json_auto_t *pod = eng_pod_load(s, id, err);
			char **members = pod ? eng_pod_containers(s, id, false) : NULL;
			r = pod ? pod_docs(&g, pod, members, service, docs, err) : -ENOENT;
			strv_free(members);
		} else if (eng_container_resolve(s, refs[i], id, NULL) == 0) {
			lone[n_lone++] = xstrdup(id);
		} else {
			r = berr_plain(err, ENOENT, "%s: no such pod or container", refs[i]);
		}
	}
	if (r == 0 && n_lone)
		r = pod_docs(&g, NULL, lone, service, docs, err);
	strv_free(lone);
	if (r < 0)
		return r;
	fprintf(f,
		"# Save the output of this file and use kubectl create -f to import\n"
		"# it into Kubernetes.\n#\n# Created with berth-%s\n",
		BERTH_VERSION);
	size_t i;
	json_t *d;
	json_array_foreach(docs, i, d)
	{
		if (i)
			fprintf(f, "---\n");
		if ((r = cmp_yaml_emit(d, f, err)) < 0)
			return r;
	}
	return 0;
}
