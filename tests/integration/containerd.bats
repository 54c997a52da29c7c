#!/usr/bin/env bats
# containerd as a real client of berth-runtime-vm: its runc shim (io.containerd.runc.v2, the
# runtime type a Kubernetes RuntimeClass handler names, with BinaryName pointing at
# berth-runtime-vm) runs the task in a VM. A containerd of the test's own (root, state and
# sockets in a temporary directory, no CRI plugin), stopped at the end. Skipped where
# containerd, QEMU or the guest kernel is missing.

load helpers
bats_require_minimum_version 1.5.0

setup() {
	command -v containerd >/dev/null || skip "containerd is not installed"
	command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86 is not installed"
	ls /boot/vmlinuz-*-cloud-amd64 >/dev/null 2>&1 || skip "linux-image-cloud-amd64 is not installed"
	store_setup
	CTRD=$(mktemp -d /tmp/berth-ctrd.XXXXXX)
	NS="berthtest$$"
	cat >"$CTRD/config.toml" <<-EOF
		version = 2
		root = "$CTRD/root"
		state = "$CTRD/state"
		disabled_plugins = ["io.containerd.grpc.v1.cri"]
		[grpc]
		  address = "$CTRD/c.sock"
		[ttrpc]
		  address = "$CTRD/t.sock"
	EOF
	containerd --config "$CTRD/config.toml" >"$CTRD/log" 2>&1 &
	CTRD_PID=$!
	for _ in $(seq 100); do [ -S "$CTRD/c.sock" ] && break; sleep 0.1; done
	berth save -o "$WORK/img.tar" berth/default
	c images import "$WORK/img.tar" >/dev/null
}

c() { ctr --address "$CTRD/c.sock" -n "$NS" "$@"; }

teardown() {
	if [ -n "${CTRD_PID:-}" ]; then
		for t in $(c tasks ls -q 2>/dev/null); do c tasks kill -s SIGKILL "$t" >/dev/null 2>&1; done
		sleep 0.5
		for t in $(c tasks ls -q 2>/dev/null); do c tasks delete -f "$t" >/dev/null 2>&1; done
		for t in $(c containers ls -q 2>/dev/null); do c containers delete "$t" >/dev/null 2>&1; done
		kill "$CTRD_PID" 2>/dev/null
		wait "$CTRD_PID" 2>/dev/null || true
	fi
	local left=""
	if [ -n "${CTRD:-}" ]; then
		grep -q " $CTRD/" /proc/self/mountinfo &&
			{ left="$left mounts"; grep " $CTRD/" /proc/self/mountinfo | awk '{print $5}' | sort -r | xargs -r umount -l; }
		pgrep -f "qemu-system.*/$NS/" >/dev/null && { left="$left qemu"; pkill -9 -f "qemu-system.*/$NS/"; }
		rm -rf "$CTRD"
	fi
	# the shim's runtime root (/run/containerd/runc/NAMESPACE): no VM's state is left in it
	local rt="/run/containerd/runc/${NS:-none}"
	if [ -d "$rt" ]; then
		# (.cache: the initramfs, kept for the next boot)
		[ -z "$(ls -A "$rt/.vm" 2>/dev/null | grep -vx .cache)" ] || left="$left vm-state:$(ls "$rt/.vm")"
		rm -rf "$rt"
	fi
	# the VM's cgroup (containerd's cgroupsPath is /NAMESPACE/ID) is gone; its parent too
	for d in /sys/fs/cgroup/*/"${NS:-none}" /sys/fs/cgroup/"${NS:-none}"; do
		[ -d "$d" ] || continue
		[ -z "$(find "$d" -mindepth 1 -type d)" ] || left="$left cgroup:$d"
		find "$d" -mindepth 1 -depth -type d -exec rmdir {} + 2>/dev/null
		rmdir "$d" 2>/dev/null || true
	done
	store_teardown
	[ -z "$left" ] || { echo "left behind:$left" >&2; return 1; }
}

@test "containerd's runc shim with berth-runtime-vm: the task runs in a VM, its exit code" {
	run -3 c run --rm --runtime io.containerd.runc.v2 --runc-binary "$BUILD/bin/berth-runtime-vm" \
		docker.io/berth/default:latest t1 sh -c 'uname -r; echo out; exit 3'
	assert_line --regexp '^6\.[0-9.]+-[0-9]+-cloud-amd64$'
	refute_line "$(uname -r)"
	assert_line out
	# the annotation chooses a VM as well, with the plain runtime's name
	run c run --rm --runtime io.containerd.runc.v2 --runc-binary "$BUILD/bin/berth-runtime" \
		--annotation org.berth.isolation=vm docker.io/berth/default:latest t2 uname -r
	assert_success
	assert_output --regexp 'cloud-amd64$'
}

@test "containerd: a detached VM task is listed running, exec'd into, killed, deleted" {
	c run -d --runtime io.containerd.runc.v2 --runc-binary "$BUILD/bin/berth-runtime-vm" \
		docker.io/berth/default:latest t3 sh -c 'trap "exit 7" TERM; while true; do sleep 1; done'
	for _ in $(seq 100); do c tasks ls | grep -q "t3.*RUNNING" && break; sleep 0.1; done
	run c tasks ls
	assert_output --regexp 't3 +[0-9]+ +RUNNING'
	sleep 3 # the guest's process sets its trap once the VM is up
	# an exec: in the guest, its status to ctr
	run -5 c tasks exec --exec-id e1 t3 sh -c 'uname -r; exit 5'
	assert_output --regexp 'cloud-amd64$'
	c tasks kill -s SIGTERM t3
	for _ in $(seq 100); do c tasks ls | grep -q "t3.*STOPPED" && break; sleep 0.1; done
	run c tasks ls
	assert_output --regexp 't3 +[0-9]+ +STOPPED'
	run c tasks delete t3
	assert_success
	assert_output --partial "exit code 7"
	c containers delete t3
	run pgrep -f "qemu-system.*/$NS/"
	assert_failure
}
