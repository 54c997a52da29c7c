#!/usr/bin/env bats
# podman with berth-runtime-vm in systemd mode (issue #20): `podman run` of a system image
# whose command is /sbin/init (podman's --systemd=true, its default) boots the image's own
# systemd as the VM's PID 1, as `berth run --isolation vm --systemd` does. podman says nothing
# of systemd to its runtime: berth-runtime-vm reads podman's systemd mode from config.json
# (container_uuid in the environment) and makes the guest a machine (no container=podman,
# no /run/.containerenv, no host cgroup binds: vm/shim_systemd.c). `exec`, `logs` (the
# console) and `stop` (SIGRTMIN+3 becomes the guest's poweroff: exit 0) work through podman.
#
# Skipped without podman, QEMU, the guest kernel or the system image (scripts/system-image's
# tar, as in vm_systemd.bats). podman keeps its store in a directory of this file's own; its
# cgroups live under /berth-podman-vmsys, removed at the end. A TCG boot of Debian takes
# ~25 s here: generous timeouts, no timing checks.

load helpers
bats_require_minimum_version 1.5.0

SYSTEM_TAR=${BERTH_SYSTEM_TAR:-/var/cache/berth/debian-bookworm-systemd.tar}
BATS_TEST_TIMEOUT=$((${BATS_TEST_TIMEOUT:-60} > 240 ? ${BATS_TEST_TIMEOUT:-60} : 240))

have_all() {
	command -v podman >/dev/null && command -v qemu-system-x86_64 >/dev/null &&
		ls /boot/vmlinuz-*-cloud-amd64 >/dev/null 2>&1 && [ -s "$SYSTEM_TAR" ]
}

setup_file() {
	have_all || return 0
	podman_peer_setup berth-podman-vmsys "$BUILD/bin/berth-runtime-vm"
	pmv import --change 'CMD ["/sbin/init"]' "$SYSTEM_TAR" localhost/debian-system >/dev/null
}

teardown_file() {
	podman_peer_teardown berth-podman-vmsys
}

setup() {
	load_libs
	command -v podman >/dev/null || skip "podman is not installed"
	command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86 is not installed"
	ls /boot/vmlinuz-*-cloud-amd64 >/dev/null 2>&1 || skip "linux-image-cloud-amd64 is not installed"
	[ -s "$SYSTEM_TAR" ] ||
		skip "no system image at $SYSTEM_TAR: run scripts/system-image --tar-only (needs Debian's archive)"
}

teardown() {
	[ -n "${PM_DIR:-}" ] || return 0
	pmv rm -af -t 0 >/dev/null 2>&1 || true
	local left
	left=$(pgrep -af "qemu-system.*$PM_DIR|virtiofsd.*$PM_DIR" || true)
	[ -z "$left" ] || { echo "left behind: $left" >&2; return 1; }
}

# podman with its own store, berth-runtime-vm as the OCI runtime (helpers.bash's podman_peer).
pmv() { podman_peer "$@"; }

# The flags every container needs here: root lacks CAP_SYS_RESOURCE, its hard nofile is 20000.
RUN_FLAGS=(--network none --cgroup-parent /berth-podman-vmsys
	--ulimit nofile=1024:1024 --ulimit nproc=1024:1024)

@test "podman --runtime berth-runtime-vm: a system image's /sbin/init boots as the VM's systemd to running; exec, logs, stop powers it off" {
	pmv run -d --name pvsys "${RUN_FLAGS[@]}" localhost/debian-system >/dev/null
	local state="" i
	for i in $(seq 1 100); do
		state=$(timeout 60 podman --root "$PM_DIR/storage" --runroot "$PM_DIR/run" \
			--cgroup-manager cgroupfs --events-backend file \
			--runtime "$BUILD/bin/berth-runtime-vm" exec pvsys \
			systemctl is-system-running --wait 2>/dev/null) && break
		[ "$state" = degraded ] && break
		sleep 1
	done
	[ "$state" = degraded ] && pmv exec pvsys systemctl --failed --no-pager >&2
	assert_equal "$state" running
	run pmv exec pvsys cat /proc/1/comm
	assert_output systemd
	# a machine: the hypervisor named, no container (no container=podman, no
	# /run/.containerenv), the guest kernel's cgroup2, the machine id from the container's id
	run pmv exec pvsys systemd-detect-virt
	assert_output --regexp '^(qemu|kvm)$'
	run pmv exec pvsys systemd-detect-virt --container
	assert_output none
	run pmv exec pvsys test -e /run/.containerenv
	assert_failure
	run pmv exec pvsys stat -f -c %T /sys/fs/cgroup
	assert_output cgroup2fs
	id=$(pmv inspect -f '{{.Id}}' pvsys)
	run pmv exec pvsys cat /etc/machine-id
	assert_output "${id:0:32}"
	# podman's logs: the console, systemd's boot
	run pmv logs pvsys
	assert_output --partial "Welcome to"
	assert_output --partial "Reached target"
	# podman's stop sends SIGRTMIN+3 (its systemd mode's stop signal): the guest powers off
	run pmv inspect -f '{{.Config.StopSignal}}' pvsys
	assert_output 37
	run pmv stop -t 120 pvsys
	assert_success
	run pmv inspect -f '{{.State.Status}} {{.State.ExitCode}}' pvsys
	assert_output "exited 0"
	run pmv logs pvsys
	assert_output --partial "System Power Off"
	run pgrep -af "qemu-system.*$PM_DIR"
	assert_failure
}
