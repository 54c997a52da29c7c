#!/usr/bin/env bats
# berth kube play|down|generate (issue #19, podman 4.3's): a pod of two containers talking on
# localhost, a ConfigMap and a Secret as env and as files, a PersistentVolumeClaim's volume
# outliving the pod, a hostPort and a Service's nodePort reached from the host on
# 127.0.0.1, a Deployment's replicas, --start=false, stdin, --configmap, --replace; bad input
# naming its line and key and creating nothing; down leaving nothing (down --force: the
# volumes too); generate's YAML checked for the Kubernetes schema's shape (kinds, required
# fields, types), by Debian's kubectl 1.20 where BERTH_KUBECTL names it, and played back to the
# same application; runtimeClassName kata running the pod as a VM. Only the built-in image
# (offline): busybox's httpd, wget and sh.
load helpers
load pod

setup() {
	pod_setup
	cd "$WORK"
}

teardown() {
	[ -z "${FAKE_API:-}" ] || kill "$FAKE_API" 2>/dev/null || true
	pod_teardown
}

app_file() {
	cat >app.yaml <<'YML'
apiVersion: v1
kind: ConfigMap
metadata:
  name: cfg
data:
  GREETING: hello
  app.conf: |
    port=80
---
apiVersion: v1
kind: Secret
metadata:
  name: sec
type: Opaque
data:
  PASSWORD: czNjcmV0
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: data
spec:
  accessModes: [ReadWriteOnce]
  resources:
    requests:
      storage: 1Gi
---
apiVersion: v1
kind: Pod
metadata:
  name: web
  labels:
    app: web
spec:
  containers:
  - name: srv
    image: berth/default
    command: ["sh", "-c"]
    args: ["echo hi-$(cat /data/n 2>/dev/null || echo 0) > /www/index.html; echo 1 > /data/n; exec httpd -f -p 80 -h /www"]
    ports:
    - containerPort: 80
      hostPort: 18080
    env:
    - name: GREETING
      valueFrom:
        configMapKeyRef: {name: cfg, key: GREETING}
    - name: PASSWORD
      valueFrom:
        secretKeyRef: {name: sec, key: PASSWORD}
    volumeMounts:
    - {name: www, mountPath: /www}
    - {name: conf, mountPath: /etc/app}
    - {name: secret, mountPath: /etc/secret}
    - {name: pvc, mountPath: /data}
    resources:
      limits: {memory: 64Mi, cpu: 500m}
    livenessProbe:
      exec:
        command: ["wget", "-q", "-O", "/dev/null", "http://localhost:80/"]
      periodSeconds: 1
  - name: client
    image: berth/default
    command: ["sleep", "1000"]
    securityContext:
      allowPrivilegeEscalation: false
      capabilities: {drop: [NET_RAW]}
  volumes:
  - name: www
    emptyDir: {}
  - name: conf
    configMap: {name: cfg}
  - name: secret
    secret: {secretName: sec}
  - name: pvc
    persistentVolumeClaim: {claimName: data}
YML
}

# Wait until the host reaches url (the pod's start is asynchronous: httpd takes a moment).
fetch() {
	local i
	for i in $(seq 50); do
		curl -fs --max-time 2 "$1" 2>/dev/null && return 0
		sleep 0.2
	done
	return 1
}

@test "kube play: a pod of two containers on localhost, ConfigMap and Secret as env and files, a PVC, a hostPort; down" {
	app_file
	run berth kube play app.yaml
	assert_success
	remember
	assert_line --index 0 "Pod:"
	assert_line --index 2 "Containers:"
	assert_line "Volume:"
	assert_line "data"
	run berth pod ps --format '{{.Name}} {{.Status}} {{.NumberOfContainers}}'
	assert_success
	assert_output "web Running 3"
	run berth ps --format '{{.Names}}' --filter name=web-
	assert_line web-srv
	assert_line web-client
	# the two containers share the pod's localhost
	run fetch http://127.0.0.1:18080/
	assert_success
	assert_output hi-0
	run berth exec web-client wget -q -O - http://localhost:80/
	assert_success
	assert_output hi-0
	run berth exec web-srv sh -c 'echo $GREETING $PASSWORD; cat /etc/app/app.conf /etc/secret/PASSWORD; echo; hostname'
	assert_success
	assert_output "$(printf 'hello s3cret\nport=80\ns3cret\nweb')"
	# configMap files are read-only, as Kubernetes mounts them
	run berth exec web-srv sh -c 'echo x > /etc/app/new'
	assert_failure
	run berth inspect --format '{{.HostConfig.Memory}} {{.HostConfig.NanoCpus}} {{.HostConfig.RestartPolicy.Name}}' web-srv
	assert_output "67108864 500000000 always"
	run berth inspect --format '{{.HostConfig.SecurityOpt}} {{.HostConfig.CapDrop}}' web-client
	assert_output "[no-new-privileges] [NET_RAW]"
	# the liveness probe is the healthcheck
	for _ in $(seq 50); do
		[ "$(berth inspect --format '{{.State.Health.Status}}' web-srv)" = healthy ] && break
		sleep 0.2
	done
	run berth inspect --format '{{.State.Health.Status}}' web-srv
	assert_output healthy

	run berth kube down app.yaml
	assert_success
	assert_line "Pods removed:"
	assert_line web-www
	run berth ps -aq
	assert_output ""
	run berth pod ps -q
	assert_output ""
	# podman's down keeps the claims' volumes (and the ConfigMap's and Secret's): played
	# again, the PVC's data is there
	run berth volume ls -q
	assert_output "$(printf 'cfg\ndata\nsec')"
	run berth kube play app.yaml
	assert_success
	remember
	run fetch http://127.0.0.1:18080/
	assert_output hi-1
	run berth kube down --force app.yaml
	assert_success
	run berth volume ls -q
	assert_output ""
	run berth ps -aq
	assert_output ""
}

@test "kube play: a Deployment's replicas as pods <name>-pod-<n>, a Service's nodePort reached from the host" {
	cat >dep.yaml <<'YML'
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  replicas: 2
  selector:
    matchLabels: {app: api}
  template:
    metadata:
      labels: {app: api}
    spec:
      containers:
      - name: app
        image: berth/default
        command: ["sh", "-c", "mkdir /w && hostname > /w/index.html && exec httpd -f -p 8000 -h /w"]
        ports:
        - {containerPort: 8000, name: http}
---
apiVersion: v1
kind: Service
metadata:
  name: api
spec:
  type: NodePort
  selector: {app: api}
  ports:
  - {port: 80, targetPort: http, nodePort: 30080}
YML
	run berth kube play dep.yaml
	assert_success
	remember
	assert_output --partial "selects 2 pods: published on api-pod-0 only"
	run berth pod ps --format '{{.Name}} {{.Status}}'
	assert_line "api-pod-0 Running"
	assert_line "api-pod-1 Running"
	run berth ps --format '{{.Names}}' --filter name=api-pod
	assert_line api-pod-0-app
	assert_line api-pod-1-app
	run fetch http://127.0.0.1:30080/
	assert_success
	assert_output api-pod-0
	run berth kube down dep.yaml
	assert_success
	run berth pod ps -q
	assert_output ""
	run berth ps -aq
	assert_output ""
}

@test "kube play: - (stdin), --start=false, --configmap, --replace, --down" {
	cat >cm.yaml <<'YML'
apiVersion: v1
kind: ConfigMap
metadata: {name: settings}
data: {LEVEL: debug}
YML
	cat >pod.yaml <<'YML'
apiVersion: v1
kind: Pod
metadata: {name: lone}
spec:
  restartPolicy: Never
  containers:
  - name: c
    image: berth/default
    command: ["sh", "-c", "echo level=$LEVEL; sleep 100"]
    envFrom: [{configMapRef: {name: settings}}]
YML
	run berth kube play --start=false - <pod.yaml
	assert_failure
	assert_output --partial "no ConfigMap named 'settings'"
	run berth kube play --start=false --configmap cm.yaml - <pod.yaml
	assert_success
	remember
	run berth ps -a --format '{{.Names}} {{.State}}' --filter name=lone-c
	assert_output "lone-c created"
	first=$(berth pod ps -q --no-trunc)
	# the name is taken: an error, unless --replace
	run berth kube play --configmap cm.yaml pod.yaml
	assert_failure
	assert_output --partial 'name "lone" is in use: pod already exists'
	run berth kube play --replace --configmap cm.yaml pod.yaml
	assert_success
	remember
	[ "$(berth pod ps -q --no-trunc)" != "$first" ]
	for _ in $(seq 50); do berth logs lone-c 2>/dev/null | grep -q level= && break; sleep 0.1; done
	run berth logs lone-c
	assert_output "level=debug"
	run berth inspect --format '{{.HostConfig.RestartPolicy.Name}}' lone-c
	assert_output "no"
	run berth kube play --down - <pod.yaml
	assert_success
	run berth ps -aq
	assert_output ""
}

@test "kube play: bad input names its line and key and creates nothing" {
	app_file
	cat >bad.yaml <<'YML'
apiVersion: v1
kind: Pod
metadata: {name: good}
spec:
  containers:
  - {name: c, image: berth/default, command: [sleep, "100"]}
---
apiVersion: v1
kind: Pod
metadata: {name: bad}
spec:
  containers:
  - name: c
    image: berth/default
    ports:
    - containerPort: 80
      hostPort: "8080"
YML
	run berth kube play bad.yaml
	assert_failure 125
	assert_output "berth: bad.yaml:17: Pod bad: spec.containers[0].ports[0].hostPort: must be an integer"
	sed -i 's/hostPort: "8080"/hostPorts: 8080/' bad.yaml
	run berth kube play bad.yaml
	assert_failure 125
	assert_output "berth: bad.yaml:17: Pod bad: spec.containers[0].ports[0].hostPorts: unknown key"
	# a missing Secret key, after the ConfigMap and PVC documents that are fine
	sed -i 's/key: PASSWORD}/key: PASS}/' app.yaml
	run berth kube play app.yaml
	assert_failure 125
	assert_output --partial "app.yaml:49: Pod web: spec.containers[0].env[1].valueFrom.secretKeyRef: no Secret 'sec' with a key 'PASS'"
	# a network that is not there, an image that is not there: nothing is made
	app_file
	run berth kube play --network nosuch app.yaml
	assert_failure 125
	assert_output "berth: network nosuch not found"
	sed -i 's|image: berth/default|image: localhost:1/none:latest|' app.yaml
	run berth kube play app.yaml
	assert_failure 125
	run berth pod ps -q
	assert_output ""
	run berth ps -aq
	assert_output ""
	run berth volume ls -q
	assert_output ""
}

# The YAML's shape as the Kubernetes schema has it, for the kinds generate writes.
check_shape() {
	/usr/bin/python3 - "$1" <<'PY'
import sys, yaml
docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d is not None]
def need(c, msg):
    if not c:
        sys.exit("bad YAML: " + msg)
strs = lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v)
kinds = [d.get("kind") for d in docs]
need(kinds == ["Pod", "Service"], "kinds %s" % kinds)
for d in docs:
    need(d.get("apiVersion") == "v1", "apiVersion")
    need(isinstance(d["metadata"]["name"], str), "metadata.name")
    need(all(isinstance(k, str) and isinstance(v, str) for k, v in d["metadata"]["labels"].items()), "labels")
pod, svc = docs
need(pod["metadata"]["labels"].get("app") == pod["metadata"]["name"], "label app")
spec = pod["spec"]
need(spec.get("restartPolicy") in ("Always", "OnFailure", "Never"), "restartPolicy")
vols = {v["name"]: v for v in spec.get("volumes", [])}
for v in vols.values():
    need(len(set(v) & {"hostPath", "emptyDir", "persistentVolumeClaim"}) == 1, "volume source")
need(isinstance(spec["containers"], list) and spec["containers"], "containers")
for c in spec["containers"]:
    need(isinstance(c["name"], str) and isinstance(c["image"], str), "name/image")
    for k in ("command", "args"):
        need(k not in c or strs(c[k]), k)
    for e in c.get("env", []):
        need(set(e) == {"name", "value"} and all(isinstance(x, str) for x in e.values()), "env")
    for p in c.get("ports", []):
        need(isinstance(p["containerPort"], int) and isinstance(p.get("hostPort", 0), int), "ports")
        need(p.get("protocol", "TCP") in ("TCP", "UDP"), "protocol")
    for m in c.get("volumeMounts", []):
        need(m["name"] in vols and m["mountPath"].startswith("/"), "volumeMounts")
    lim = c.get("resources", {}).get("limits", {})
    need(all(isinstance(v, str) for v in lim.values()), "limits are quantities")
    sc = c.get("securityContext", {})
    need(all(isinstance(sc[k], bool) for k in sc if k in ("privileged", "readOnlyRootFilesystem", "allowPrivilegeEscalation")), "securityContext")
need(svc["spec"]["type"] == "NodePort" and svc["spec"]["selector"] == {"app": pod["metadata"]["name"]}, "service")
for p in svc["spec"]["ports"]:
    need(all(isinstance(p[k], int) for k in ("port", "nodePort", "targetPort")), "service ports")
PY
}

# Debian's kubectl 1.20 (kubernetes-client; BERTH_KUBECTL names it) needs an API server's
# discovery even for a client dry run: a fake one on 127.0.0.1 lists the kinds (started
# outside `run`, its output nowhere, stopped in teardown), then kubectl decodes the YAML as
# those kinds.
fake_api_start() {
	cat >"$WORK/fake_api.py" <<'PY'
import http.server, json, sys
res = lambda gv, l: {"kind": "APIResourceList", "groupVersion": gv, "resources": [
    {"name": n, "singularName": n[:-1], "namespaced": True, "kind": k, "verbs": ["create"]} for n, k in l]}
routes = {"/api": {"kind": "APIVersions", "versions": ["v1"]},
          "/apis": {"kind": "APIGroupList", "apiVersion": "v1", "groups": [{"name": "apps",
              "versions": [{"groupVersion": "apps/v1", "version": "v1"}],
              "preferredVersion": {"groupVersion": "apps/v1", "version": "v1"}}]},
          "/api/v1": res("v1", [("pods", "Pod"), ("services", "Service")]),
          "/apis/apps/v1": res("apps/v1", [("deployments", "Deployment")])}
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = routes.get(self.path.split("?")[0])
        data = json.dumps(body).encode() if body else b""
        self.send_response(200 if body else 404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
    def log_message(self, *a): pass
http.server.HTTPServer(("127.0.0.1", 18999), H).serve_forever()
PY
	/usr/bin/python3 "$WORK/fake_api.py" >/dev/null 2>&1 3>&- &
	FAKE_API=$!
	printf 'apiVersion: v1\nkind: Config\nclusters:\n- name: f\n  cluster: {server: "http://127.0.0.1:18999"}\ncontexts:\n- name: f\n  context: {cluster: f}\ncurrent-context: f\n' >"$WORK/kubeconfig"
	for _ in $(seq 50); do curl -fs http://127.0.0.1:18999/api >/dev/null && break; sleep 0.1; done
}

kubectl_check() {
	HOME=$WORK KUBECONFIG=$WORK/kubeconfig timeout 30 "$BERTH_KUBECTL" create --dry-run=client \
		--validate=false -o yaml -f "$1"
}

@test "kube generate: a Pod and a Service of Kubernetes' shape, played back to the same application" {
	app_file
	run berth kube play app.yaml
	assert_success
	remember
	run fetch http://127.0.0.1:18080/
	assert_success
	run berth kube generate -s -f gen.yaml web
	assert_success
	run check_shape gen.yaml
	assert_success
	run grep -c '^kind: ' gen.yaml
	assert_output 2
	if [ -n "${BERTH_KUBECTL:-}" ]; then
		fake_api_start
		run kubectl_check gen.yaml
		assert_success
		assert_output --partial "kind: Pod"
		assert_output --partial "kind: Service"
	fi
	# podman refuses to write over a file
	run berth kube generate -f gen.yaml web
	assert_failure 125
	# the application as the engine runs it: images, commands, env, ports
	what() {
		local c
		for c in web-srv web-client; do
			berth inspect --format '{{.Config.Image}} {{json .Config.Entrypoint}} {{json .Config.Cmd}} {{json .HostConfig.Binds}} {{json .Mounts}}' "$c" |
				sed 's/[0-9a-f]\{64\}//g'
			berth inspect --format '{{range .Config.Env}}{{println .}}{{end}}' "$c" | sort
		done
		berth port "$(berth pod inspect --format '{{.InfraContainerID}}' web)"
	}
	before=$(what)
	run berth kube down app.yaml
	assert_success
	run berth kube play gen.yaml
	assert_success
	remember
	after=$(what)
	[ "$before" = "$after" ] || { diff <(echo "$before") <(echo "$after"); false; }
	run fetch http://127.0.0.1:18080/
	assert_success
	assert_output hi-1
	# a container of no pod: its pod is "<name>-pod"
	run berth run -d --name lone -p 18090:80 -e X=1 berth/default sleep 100
	assert_success
	remember
	run berth create --name lone2 -w /srv berth/default sleep 100
	assert_success
	remember
	# the containers named together are one Pod, named after the first (podman's)
	run berth kube generate lone lone2
	assert_success
	assert_line "  name: lone-pod"
	assert_line "  - name: lone"
	assert_line "  - name: lone2"
	assert_line "    workingDir: /srv"
	assert_line "      hostPort: 18090"
	run grep -c '^kind: Pod' <(berth kube generate lone lone2)
	assert_output 1
	run berth kube generate nosuch
	assert_failure 125
	assert_output "berth: nosuch: no such pod or container"
	run berth kube down --force gen.yaml
	assert_success
	run berth pod ps -q
	assert_output ""
}

@test "kube play: runtimeClassName berth-vm makes the pod one VM (as Kata's); kube down removes it" {
	command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86 is not installed"
	ls /boot/vmlinuz-*-cloud-amd64 >/dev/null 2>&1 || skip "linux-image-cloud-amd64 is not installed"
	# README's RuntimeClass for berth-runtime-vm is berth-vm
	cat >vmpod.yaml <<'YML'
apiVersion: v1
kind: Pod
metadata: {name: vmtwo}
spec:
  runtimeClassName: berth-vm
  containers:
  - name: web
    image: berth/default
    command: ["httpd", "-f", "-p", "80", "-h", "/tmp"]
    ports: [{containerPort: 80, hostPort: 18082}]
  - name: side
    image: berth/default
    command: ["sleep", "600"]
    resources: {limits: {memory: 100Mi, cpu: 500m}}
YML
	run berth kube play vmpod.yaml
	assert_success
	remember
	run berth pod inspect --format '{{.InfraContainerID}}' vmtwo
	assert_success
	infra=$output
	run berth inspect --format '{{.HostConfig.Isolation}}' "$infra" vmtwo-web vmtwo-side
	assert_output $'vm\nvm\nvm'
	# one QEMU for the pod: the infra's (it runs in its state directory)
	local p qemus=""
	for p in $(pgrep qemu-system); do
		case $(readlink "/proc/$p/cwd") in "$RUNROOT"/*) qemus="$qemus $(readlink "/proc/$p/cwd")" ;; esac
	done
	[ "$qemus" = " $RUNROOT/$infra/vm" ]
	# the members reach each other on the VM's localhost, the hostPort reaches the VM
	berth exec vmtwo-web sh -c "hostname >/tmp/hostname"
	for _ in $(seq 120); do
		berth exec vmtwo-side wget -q -O- http://127.0.0.1:80/hostname >/dev/null 2>&1 && break
		sleep 0.5
	done
	run berth exec vmtwo-side wget -q -O- http://127.0.0.1:80/hostname
	assert_success
	assert_output vmtwo
	run fetch http://127.0.0.1:18082/hostname
	assert_success
	assert_output vmtwo
	# the container's limit is its own, in the guest
	run berth stats --no-stream --format '{{.MemUsage}}' vmtwo-side
	assert_output --regexp ' / 100MiB$'
	# the VM is sized as Kata's: the default 512 MiB and 1 vCPU, plus the containers' limits
	# (100Mi; 500m rounded up), QEMU's 256 MiB on top in the pod's limit
	run berth inspect --format '{{.HostConfig.Memory}} {{.HostConfig.NanoCpus}}' "$infra"
	# (Kata's default_maxvcpus: the host's CPUs at most)
	local vcpus=$(($(nproc) < 2 ? $(nproc) : 2))
	assert_output "$(((512 + 100) << 20)) ${vcpus}000000000"
	run berth exec vmtwo-side grep -c ^processor /proc/cpuinfo
	assert_output "$vcpus"
	run berth exec vmtwo-side awk '/^MemTotal/ {print ($2 > 540000)}' /proc/meminfo
	assert_output 1
	# generate names the class again, so the YAML plays back as one VM
	run berth kube generate vmtwo
	assert_success
	assert_line '  runtimeClassName: berth-vm'
	run berth kube down vmpod.yaml
	assert_success
	run berth pod ps -q
	assert_output ""
	run berth ps -aq
	assert_output ""
	for p in $(pgrep qemu-system); do
		case $(readlink "/proc/$p/cwd") in "$RUNROOT"/*) false ;; esac
	done
}

@test "kube play: runtimeClassName kata runs the pod's container as a VM (berth's reading)" {
	command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86 is not installed"
	ls /boot/vmlinuz-*-cloud-amd64 >/dev/null 2>&1 || skip "linux-image-cloud-amd64 is not installed"
	cat >vm.yaml <<'YML'
apiVersion: v1
kind: Pod
metadata: {name: vmpod}
spec:
  runtimeClassName: kata
  containers:
  - name: web
    image: berth/default
    command: ["httpd", "-f", "-p", "80", "-h", "/etc"]
    ports: [{containerPort: 80, hostPort: 18081}]
YML
	run berth kube play vm.yaml
	assert_success
	remember
	run berth inspect --format '{{.HostConfig.Isolation}}' vmpod-web
	assert_output vm
	run fetch http://127.0.0.1:18081/hostname
	assert_success
	assert_output vmpod
	run berth kube down vm.yaml
	assert_success
	run berth ps -aq
	assert_output ""
}
