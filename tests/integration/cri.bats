#!/usr/bin/env bats
# Kubernetes' way in: a RuntimeClass names a handler of containerd's CRI plugin, and the
# handler here is containerd's runc shim with berth-runtime-vm (or berth-runtime) as its
# binary. A containerd of the test's own with the CRI plugin (its root, state, sockets, CNI
# configuration and IP leases in a temporary directory; a CNI bridge in the suite's network
# namespace), driven as a kubelet drives it through tests/helpers/cri (the CRI's gRPC calls;
# crictl is not in Debian 12). Skipped where containerd, the CNI plugins, QEMU or the guest
# kernel is missing.

load helpers
bats_require_minimum_version 1.5.0

setup() {
	command -v containerd >/dev/null || skip "containerd is not installed"
	[ -x /usr/lib/cni/bridge ] || skip "the CNI plugins (containernetworking-plugins) are not installed"
	command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86 is not installed"
	ls /boot/vmlinuz-*-cloud-amd64 >/dev/null 2>&1 || skip "linux-image-cloud-amd64 is not installed"
	store_setup
	CRID=$(mktemp -d /tmp/berth-cri.XXXXXX)
	mkdir -p "$CRID/cni" "$CRID/logs"
	cat >"$CRID/cni/10-berth-test.conflist" <<-EOF
		{"cniVersion": "0.4.0", "name": "berth-cri-test", "plugins": [
		 {"type": "bridge", "bridge": "bcri0", "isGateway": true, "ipMasq": false,
		  "ipam": {"type": "host-local", "ranges": [[{"subnet": "10.77.0.0/24"}]],
		           "routes": [{"dst": "0.0.0.0/0"}], "dataDir": "$CRID/ipam"}}]}
	EOF
	local cri='plugins."io.containerd.grpc.v1.cri"'
	# root lacks CAP_SYS_RESOURCE here: the sandbox's oom_score_adj is kept at containerd's own
	cat >"$CRID/config.toml" <<-EOF
		version = 2
		root = "$CRID/root"
		state = "$CRID/state"
		[grpc]
		  address = "$CRID/c.sock"
		[ttrpc]
		  address = "$CRID/t.sock"
		[$cri]
		  sandbox_image = "docker.io/berth/pause:latest"
		  restrict_oom_score_adj = true
		  stream_server_address = "127.0.0.1"
		  stream_server_port = "0"
		  [$cri.cni]
		    bin_dir = "/usr/lib/cni"
		    conf_dir = "$CRID/cni"
		  [$cri.containerd]
		    snapshotter = "overlayfs"
		    default_runtime_name = "berth"
		    [$cri.containerd.runtimes.berth]
		      runtime_type = "io.containerd.runc.v2"
		      [$cri.containerd.runtimes.berth.options]
		        BinaryName = "$BUILD/bin/berth-runtime"
		        Root = "$CRID/runc"
		    [$cri.containerd.runtimes.berth-vm]
		      runtime_type = "io.containerd.runc.v2"
		      [$cri.containerd.runtimes.berth-vm.options]
		        BinaryName = "$BUILD/bin/berth-runtime-vm"
		        Root = "$CRID/runc"
	EOF
	containerd --config "$CRID/config.toml" >"$CRID/log" 2>&1 &
	CRID_PID=$!
	for _ in $(seq 100); do [ -S "$CRID/c.sock" ] && break; sleep 0.1; done
	# the images: the default one, and a pause image of it (the sandbox's: it sleeps)
	berth create --name pause berth/default >/dev/null
	berth commit -c 'CMD ["sleep", "2147483647"]' pause berth/pause:latest >/dev/null
	berth rm pause >/dev/null
	berth save -o "$WORK/img.tar" berth/default berth/pause:latest
	ctr --address "$CRID/c.sock" -n k8s.io images import "$WORK/img.tar" >/dev/null
	POD='{"metadata": {"name": "p1", "uid": "uid-p1", "namespace": "default"}, "hostname": "p1",
	      "log_directory": "'"$CRID/logs"'", "linux": {"cgroup_parent": "/berth-cri-test"}}'
}

cri() { "$BATS_TEST_DIRNAME/../helpers/cri" "$CRID/c.sock" "$@"; }

teardown() {
	local left=""
	if [ -n "${CRID_PID:-}" ]; then
		# what a kubelet does at the end: every pod stopped and removed
		for p in ${PODS:-}; do
			cri StopPodSandbox "{\"pod_sandbox_id\": \"$p\"}" >/dev/null 2>&1
			cri RemovePodSandbox "{\"pod_sandbox_id\": \"$p\"}" >/dev/null 2>&1 ||
				left="$left pod:$p"
		done
		kill "$CRID_PID" 2>/dev/null
		wait "$CRID_PID" 2>/dev/null || true
	fi
	if [ -n "${CRID:-}" ]; then
		pgrep -f "containerd-shim-runc-v2 .*-address $CRID/" >/dev/null &&
			{ left="$left shims"; pkill -9 -f "containerd-shim-runc-v2 .*-address $CRID/"; }
		grep -q " $CRID/" /proc/self/mountinfo &&
			{ left="$left mounts"; grep " $CRID/" /proc/self/mountinfo | awk '{print $5}' | sort -r | xargs -r umount -l; }
		pgrep -f "qemu-system.*$CRID/" >/dev/null && { left="$left qemu"; pkill -9 -f "qemu-system.*$CRID/"; }
		[ -z "$(ls -A "$CRID/runc/k8s.io/.vm" 2>/dev/null | grep -vx .cache)" ] ||
			left="$left vm-state"
		[ -z "$(ls -A "$CRID/ipam/berth-cri-test" 2>/dev/null | grep -v -e lock -e last_reserved)" ] ||
			left="$left leases"
		rm -rf "$CRID"
	fi
	for d in /sys/fs/cgroup/*/berth-cri-test /sys/fs/cgroup/berth-cri-test; do
		[ -d "$d" ] || continue
		[ -z "$(find "$d" -mindepth 1 -type d)" ] || left="$left cgroup:$d"
		find "$d" -mindepth 1 -depth -type d -exec rmdir {} + 2>/dev/null
		rmdir "$d" 2>/dev/null || true
	done
	# the CNI bridge, only in a network namespace of the suite's own (never the machine's)
	if [ "$(readlink /proc/self/ns/net)" != "$(readlink /proc/1/ns/net)" ]; then
		ip link del bcri0 2>/dev/null || true
	fi
	store_teardown
	[ -z "$left" ] || { echo "left behind:$left" >&2; return 1; }
}

# A pod with the handler $1 and one container of berth/default running $2; sets POD_ID, CTR.
pod_with() {
	run cri RunPodSandbox "{\"config\": $POD, \"runtime_handler\": \"$1\"}"
	assert_success
	POD_ID=$(echo "$output" | jq -r .pod_sandbox_id)
	PODS="${PODS:-} $POD_ID"
	run cri CreateContainer "{\"pod_sandbox_id\": \"$POD_ID\", \"config\": {\"metadata\": {\"name\": \"c1\"},
		\"image\": {\"image\": \"docker.io/berth/default:latest\"}, \"command\": [\"sh\", \"-c\", \"$2\"],
		\"log_path\": \"c1.log\"}, \"sandbox_config\": $POD}"
	assert_success
	CTR=$(echo "$output" | jq -r .container_id)
	cri StartContainer "{\"container_id\": \"$CTR\"}" >/dev/null
}

@test "CRI: a pod with the RuntimeClass handler berth-vm: its container is a VM on the pod's network" {
	pod_with berth-vm 'uname -r; echo ready; exec sleep 1000'
	run cri PodSandboxStatus "{\"pod_sandbox_id\": \"$POD_ID\"}"
	assert_output --partial '"runtime_handler": "berth-vm"'
	ip=$(echo "$output" | jq -r .status.network.ip)
	[[ "$ip" =~ ^10\.77\.0\. ]]
	# the sandbox is an ordinary container holding the pod's namespaces; the container a VM
	[ -d "$CRID/runc/k8s.io/.vm/$CTR" ]
	[ ! -d "$CRID/runc/k8s.io/.vm/$POD_ID" ]
	for _ in $(seq 100); do grep -q ready "$CRID/logs/c1.log" 2>/dev/null && break; sleep 0.1; done
	run grep -c cloud-amd64 "$CRID/logs/c1.log"
	assert_output 1
	# ExecSync: in the guest, on the pod's address, with the command's status
	run cri ExecSync "{\"container_id\": \"$CTR\", \"cmd\": [\"sh\", \"-c\", \"uname -r; ip -4 addr show eth0; exit 3\"], \"timeout\": 60}"
	assert_success
	[ "$(echo "$output" | jq -r .exit_code)" = 3 ]
	assert_output --partial "cloud-amd64"
	assert_output --partial "inet $ip/24"
	# the pod's address reaches the guest
	cri ExecSync "{\"container_id\": \"$CTR\", \"cmd\": [\"sh\", \"-c\", \"httpd -p 80 -h /etc </dev/null >/dev/null 2>&1\"], \"timeout\": 30}" >/dev/null
	run curl -sf -m 10 "http://$ip/hostname"
	assert_output p1
	# StopContainer: the stop signal reaches the guest's process; its status comes back
	run cri StopContainer "{\"container_id\": \"$CTR\", \"timeout\": 5}"
	assert_success
	run cri ContainerStatus "{\"container_id\": \"$CTR\"}"
	[ "$(echo "$output" | jq -r .status.state)" = 2 ]
	[ "$(echo "$output" | jq -r .status.exit_code)" = 143 ]
	cri RemoveContainer "{\"container_id\": \"$CTR\"}" >/dev/null
	[ ! -d "$CRID/runc/k8s.io/.vm/$CTR" ]
}

@test "CRI: the default handler (berth-runtime) runs the pod's container on the host's kernel" {
	pod_with berth 'echo ready; exec sleep 1000'
	run cri ExecSync "{\"container_id\": \"$CTR\", \"cmd\": [\"sh\", \"-c\", \"uname -r; exit 4\"], \"timeout\": 30}"
	[ "$(echo "$output" | jq -r .exit_code)" = 4 ]
	[ "$(echo "$output" | jq -r .stdout)" = "$(uname -r)" ]
	run cri StopContainer "{\"container_id\": \"$CTR\", \"timeout\": 2}"
	assert_success
}
