/* kube/: Kubernetes documents → the model kube play executes (kube.h): the kinds, names of a
 * Deployment's pods, Kubernetes' command/args, env from ConfigMaps and Secrets, volumes,
 * ports and Services, probes, limits, securityContext, runtimeClassName; and each kind of
 * bad input failing with its file, line and key. */
/* cmocka.h needs setjmp.h, stdarg.h and stddef.h before it: keep this order. */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
// clang-format on

#include "kube/kube.h"
#include "util/err.h"
#include "util/json.h"

static const char *const app_yaml =
    "# an application\n"
    "apiVersion: v1\n"
    "kind: ConfigMap\n"
    "metadata:\n"
    "  name: cfg\n"
    "data:\n"
    "  MODE: fast\n"
    "  app.conf: \"port=80\\n\"\n"
    "---\n"
    "apiVersion: v1\n"
    "kind: Secret\n"
    "metadata: {name: sec}\n"
    "data:\n"
    "  PASSWORD: czNjcmV0\n"
    "---\n"
    "apiVersion: apps/v1\n"
    "kind: Deployment\n"
    "metadata: {name: api}\n"
    "spec:\n"
    "  replicas: 2\n"
    "  selector: {matchLabels: {app: api}}\n"
    "  template:\n"
    "    metadata: {labels: {app: api}}\n"
    "    spec:\n"
    "      restartPolicy: OnFailure\n"
    "      securityContext: {runAsUser: 1000}\n"
    "      containers:\n"
    "      - name: app\n"
    "        image: berth/default\n"
    "        command: [sh, -c]\n"
    "        args: [\"exec httpd -f\"]\n"
    "        workingDir: /srv\n"
    "        envFrom: [{configMapRef: {name: cfg}, prefix: CFG_}]\n"
    "        env:\n"
    "        - {name: A, value: \"1\"}\n"
    "        - name: PW\n"
    "          valueFrom: {secretKeyRef: {name: sec, key: PASSWORD}}\n"
    "        - name: ME\n"
    "          valueFrom: {fieldRef: {fieldPath: metadata.name}}\n"
    "        ports: [{containerPort: 80, name: http}]\n"
    "        livenessProbe:\n"
    "          httpGet: {path: /health, port: http}\n"
    "          periodSeconds: 5\n"
    "        resources: {limits: {memory: 64Mi, cpu: 250m}}\n"
    "        securityContext:\n"
    "          readOnlyRootFilesystem: true\n"
    "          allowPrivilegeEscalation: false\n"
    "          capabilities: {add: [NET_ADMIN], drop: [ALL]}\n"
    "        volumeMounts:\n"
    "        - {name: conf, mountPath: /etc/app}\n"
    "        - {name: scratch, mountPath: /tmp/s}\n"
    "      volumes:\n"
    "      - {name: conf, configMap: {name: cfg, items: [{key: app.conf, "
    "path: a.conf}]}}\n"
    "      - {name: scratch, emptyDir: {}}\n"
    "---\n"
    "apiVersion: v1\n"
    "kind: Service\n"
    "metadata: {name: api}\n"
    "spec:\n"
    "  type: NodePort\n"
    "  selector: {app: api}\n"
    "  ports: [{port: 80, targetPort: http, nodePort: 30080}]\n";

static json_t *model_of(const char *text, char **out_err)
{
	struct kube_opts o = {.file = "app.yaml", .vm_runtime_classes = true};
	json_t *m = NULL;
	struct berr *err = NULL;
	int r = kube_model(text, strlen(text), &o, &m, &err);
	if (out_err)
		*out_err = r < 0 ? berr_string(err) : NULL;
	berr_free(err);
	return r < 0 ? NULL : m;
}

static const char *s_at(json_t *o, const char *path)
{
	json_t *v = o;
	char buf[256];
	snprintf(buf, sizeof buf, "%s", path);
	for (char *save = NULL, *k = strtok_r(buf, "/", &save); k; k = strtok_r(NULL, "/", &save))
		v = json_is_array(v) ? json_array_get(v, strtoul(k, NULL, 10))
				     : json_object_get(v, k);
	return json_string_value(v);
}

static void test_deployment(void **state)
{
	char *e = NULL;
	json_t *m = model_of(app_yaml, &e);
	assert_null(e);
	json_t *pods = json_object_get(m, "pods");
	assert_int_equal(json_array_size(pods), 2);
	assert_string_equal(s_at(pods, "0/name"), "api-pod-0");
	assert_string_equal(s_at(pods, "1/name"), "api-pod-1");
	assert_string_equal(s_at(pods, "0/containers/0/name"), "api-pod-0-app");
	json_t *svc = json_object_get(
	    json_array_get(json_object_get(json_array_get(pods, 0), "containers"), 0), "service");
	/* command → entrypoint, args → command */
	assert_string_equal(s_at(svc, "entrypoint/0"), "sh");
	assert_string_equal(s_at(svc, "command/0"), "exec httpd -f");
	assert_string_equal(s_at(svc, "working_dir"), "/srv");
	assert_string_equal(s_at(svc, "restart"), "on-failure");
	assert_string_equal(s_at(svc, "user"), "1000");
	assert_string_equal(s_at(svc, "environment/CFG_MODE"), "fast");
	assert_string_equal(s_at(svc, "environment/PW"), "s3cret");
	assert_string_equal(s_at(svc, "environment/A"), "1");
	assert_string_equal(s_at(svc, "environment/ME"), "api-pod-0");
	assert_int_equal(
	    json_integer_value(json_object_get(
		json_object_get(json_object_get(json_object_get(svc, "deploy"), "resources"),
				"limits"),
		"memory")),
	    64 << 20);
	assert_string_equal(s_at(svc, "deploy/resources/limits/cpus"), "0.25");
	assert_true(json_is_true(json_object_get(svc, "read_only")));
	assert_string_equal(s_at(svc, "security_opt/0"), "no-new-privileges");
	assert_string_equal(s_at(svc, "cap_add/0"), "NET_ADMIN");
	assert_string_equal(s_at(svc, "cap_drop/0"), "ALL");
	assert_string_equal(s_at(svc, "healthcheck/test/0"), "CMD-SHELL");
	assert_non_null(strstr(s_at(svc, "healthcheck/test/1"), "http://localhost:80/health"));
	assert_string_equal(s_at(svc, "healthcheck/interval"), "5s");
	/* the configMap volume by the object's name, the emptyDir the pod's own */
	assert_string_equal(s_at(svc, "volumes/0/source"), "cfg");
	assert_true(json_is_true(
	    json_object_get(json_array_get(json_object_get(svc, "volumes"), 0), "read_only")));
	assert_string_equal(s_at(svc, "volumes/1/source"), "api-pod-0-scratch");
	/* the Service's nodePort on the first pod it selects, its named targetPort resolved */
	assert_string_equal(s_at(pods, "0/publish/0"), "30080:80/tcp");
	assert_int_equal(json_array_size(json_object_get(json_array_get(pods, 1), "publish")), 0);
	json_t *vols = json_object_get(m, "volumes");
	bool cfg = false;
	size_t i;
	json_t *v;
	json_array_foreach(vols, i, v)
	{
		if (strcmp(s_at(v, "name"), "cfg"))
			continue;
		cfg = true;
		assert_string_equal(s_at(v, "kind"), "configMap");
		assert_string_equal(s_at(v, "files/0/path"), "a.conf");
		size_t n;
		char *data = kube_base64_decode(s_at(v, "files/0/data"), &n);
		assert_string_equal(data, "port=80\n");
		free(data);
	}
	assert_true(cfg);
	json_decref(m);
}

static void test_pod_ports_and_vm(void **state)
{
	const char *y = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n"
			"  runtimeClassName: kata-qemu\n"
			"  hostname: h\n"
			"  containers:\n"
			"  - name: c\n    image: i\n"
			"    ports: [{containerPort: 53, hostPort: 5353, protocol: UDP, hostIP: "
			"127.0.0.1}]\n";
	char *e = NULL;
	json_t *m = model_of(y, &e);
	assert_null(e);
	json_t *p = json_array_get(json_object_get(m, "pods"), 0);
	assert_true(json_is_true(json_object_get(p, "vm")));
	assert_string_equal(s_at(p, "hostname"), "h");
	assert_string_equal(s_at(p, "publish/0"), "127.0.0.1:5353:53/udp");
	assert_string_equal(s_at(p, "containers/0/service/isolation"), "vm");
	assert_string_equal(s_at(p, "restart"), "always");
	json_decref(m);
}

/* berth's bundle annotation org.berth.isolation=vm on a Pod makes it one VM too. */
static void test_pod_vm_annotation(void **state)
{
	const char *y = "apiVersion: v1\nkind: Pod\n"
			"metadata: {name: p, annotations: {org.berth.isolation: vm}}\nspec:\n"
			"  containers:\n  - {name: a, image: i}\n  - {name: b, image: i}\n";
	char *e = NULL;
	json_t *m = model_of(y, &e);
	assert_null(e);
	json_t *p = json_array_get(json_object_get(m, "pods"), 0);
	assert_true(json_is_true(json_object_get(p, "vm")));
	assert_string_equal(s_at(p, "containers/1/service/isolation"), "vm");
	json_decref(m);
}

/* Each bad input: the error names the file, the line and the key. */
static void test_errors(void **state)
{
	static const struct {
		const char *yaml, *want;
	} cases[] = {
	    {"apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n"
	     "  - name: c\n    image: i\n    imagePolicy: x\n",
	     "app.yaml:8: Pod p: spec.containers[0].imagePolicy: unknown key"},
	    {"apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n"
	     "  - name: c\n    image: i\n    ports: [{containerPort: \"80\"}]\n",
	     "app.yaml:8: Pod p: spec.containers[0].ports[0].containerPort: must be an integer"},
	    {"kind: ConfigMap\napiVersion: v1\nmetadata: {name: a}\n---\n"
	     "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n"
	     "  - name: c\n    image: i\n    env:\n    - name: X\n"
	     "      valueFrom: {configMapKeyRef: {name: a, key: nope}}\n",
	     "app.yaml:14: Pod p: spec.containers[0].env[0].valueFrom.configMapKeyRef: no "
	     "ConfigMap 'a' with a key 'nope'"},
	    {"apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n"
	     "  - {name: c, image: i, ports: [{containerPort: 1, hostPort: 8080}]}\n---\n"
	     "apiVersion: v1\nkind: Pod\nmetadata: {name: q}\nspec:\n  containers:\n"
	     "  - {name: c, image: i, ports: [{containerPort: 1, hostPort: 8080}]}\n",
	     "app.yaml:13: Pod q: spec.containers[0].ports[0]: hostPort 8080/tcp is taken by "
	     "pod p"},
	    {"apiVersion: v1\nkind: Job\nmetadata: {name: j}\n",
	     "app.yaml:2: Job j: kind: 'Job' is not supported"},
	    {"apiVersion: v1\nkind: Deployment\nmetadata: {name: d}\n",
	     "app.yaml:1: Deployment d: apiVersion: Deployment is apps/v1, not 'v1'"},
	    {"apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata: {k: \"!!\"}\n",
	     "app.yaml:4: Secret s: data.k: not base64"},
	    {"apiVersion: v1\nkind: Pod\nmetadata: {name: Bad_Name}\nspec: {containers: []}\n",
	     "app.yaml:3: Pod Bad_Name: metadata.name: 'Bad_Name' is not a valid name"},
	    {"apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n"
	     "  - {name: c, image: i}\n  - {name: c, image: j}\n",
	     "app.yaml:7: Pod p: spec.containers[1].name: container 'c' is declared twice"},
	    {"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n",
	     "app.yaml: ConfigMaps and Secrets are not standalone objects"},
	    {"apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n"
	     "  - name: c\n    image: i\n    volumeMounts: [{name: v, mountPath: /v}]\n",
	     "app.yaml:8: Pod p: spec.containers[0].volumeMounts[0]: no volume named 'v'"},
	    {"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {k: v}\n---\n"
	     "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: c, "
	     "image: i}]\n  volumes:\n  - name: v\n    configMap:\n      name: a\n"
	     "      items:\n      - {key: x, path: y}\n",
	     "app.yaml:16: Pod p: spec.volumes[0].configMap.items[0]: configMap 'a' has no key "
	     "'x'"},
	    {"a: [1\n", "app.yaml:"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *e = NULL;
		json_t *m = model_of(cases[i].yaml, &e);
		if (m || !e || !strstr(e, cases[i].want))
			fail_msg("case %zu: got '%s', want '%s'", i, e ? e : "(no error)",
				 cases[i].want);
		free(e);
	}
}

static void test_documents(void **state)
{
	const char *y = "---\n# nothing\n---\na: 1\n---\n\n---\nb: [x]\n...\n";
	struct berr *err = NULL;
	json_t *docs = kube_documents(y, strlen(y), "f", &err);
	assert_non_null(docs);
	assert_int_equal(json_array_size(docs), 2);
	assert_string_equal(s_at(docs, "1/pos/b"), "f:8");
	json_decref(docs);
}

static void test_quantities(void **state)
{
	assert_int_equal(kube_quantity_bytes("128Mi"), 128 << 20);
	assert_int_equal(kube_quantity_bytes("1G"), 1000000000);
	assert_int_equal(kube_quantity_bytes("1e3"), 1000);
	assert_int_equal(kube_quantity_bytes("12"), 12);
	assert_int_equal(kube_quantity_bytes("1Xi"), -1);
	assert_int_equal(kube_quantity_bytes(""), -1);
	assert_true(kube_quantity_cpus("500m") == 0.5);
	assert_true(kube_quantity_cpus("2") == 2);
	assert_true(kube_quantity_cpus("2k") < 0);
	size_t n;
	char *enc = kube_base64_encode("hello!?", 7);
	assert_string_equal(enc, "aGVsbG8hPw==");
	char *dec = kube_base64_decode(enc, &n);
	assert_int_equal(n, 7);
	assert_string_equal(dec, "hello!?");
	free(enc);
	free(dec);
	assert_null(kube_base64_decode("abc", &n));
	assert_null(kube_base64_decode("a=bc", &n));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_deployment),        cmocka_unit_test(test_pod_ports_and_vm),
	    cmocka_unit_test(test_pod_vm_annotation), cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_documents),         cmocka_unit_test(test_quantities),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
