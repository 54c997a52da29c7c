#!/usr/bin/env bats
# podman with berth-runtime-vm in systemd mode (issue #20): `podman run` of a system image
# whose command is /sbin/init (podman's --systemd=true, its default) boots the image's own
# systemd as the VM's PID 1, as `berth run --isolation vm --systemd` does. podman says nothing
# of systemd to its runtime: berth-runtime-vm reads podman's systemd mode from config.json
# (container_uuid in the environment) and makes the guest a machine (no container=podman,
# no /run/.containerenv, no host cgroup binds: vm/shim_systemd.c). `exec`, `logs` (the
# console) and `stop` (SIGRTMIN+3 becomes the guest's poweroff: exit 0) work through podman.
# Without -t the console has no getty and typing into `podman attach` reaches no login, as
# with crun (the standard, tested beside it here); with -t, podman attach is the console's
# terminal (the getty).
#
# Skipped without podman, QEMU, the guest kernel or the system image (scripts/system-image's
# tar, as in vm_systemd.bats). podman keeps its store in a directory of this file's own; its
# cgroups live under /berth-podman-vmsys, removed at the end. A TCG boot of Debian takes
# ~25 s here: generous timeouts, no timing checks.

load helpers
load console
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

# wait_running NAME: until NAME's systemd says running (asserted; degraded names its failed
# units), through `exec` (the VM's channel answers before its systemd does).
wait_running() {
	local state="" i
	for i in $(seq 1 100); do
		state=$(cd "$PM_DIR" && timeout -k 5 60 podman --root "$PM_DIR/storage" \
			--runroot "$PM_DIR/run" --cgroup-manager cgroupfs --events-backend file \
			--runtime "$PM_RUNTIME" exec "$1" \
			systemctl is-system-running --wait 2>/dev/null) && break
		[ "$state" = degraded ] && break
		sleep 1
	done
	[ "$state" = degraded ] && pmv exec "$1" systemctl --failed --no-pager >&2
	assert_equal "$state" running
}

# type_into NAME: `podman attach NAME` without a terminal (NAME has none: run without -t)
# types a login name, then MORE bytes (0: none) of zeros, and is ended after a while, as the
# output of a non-tty attach has no end before the container's; its output in $output.
# Without --sig-proxy=false the timeout's SIGTERM would go to the container's systemd.
type_into() {
	run timeout -k 5 20 bash -c '{ sleep 3; printf "root\n"; head -c "$2" /dev/zero; sleep 8; } |
		(cd "$PM_DIR" && exec podman --root "$PM_DIR/storage" --runroot "$PM_DIR/run" \
			--cgroup-manager cgroupfs --events-backend file --runtime "$PM_RUNTIME" \
			attach --sig-proxy=false "$1")' bash "$1" "${2:-0}"
}

# console_login NAME OUT: console.bash's console_attach through `podman attach NAME` (run with
# -t): "root" and Enter at the console's getty, until login asks for the password, then
# podman's detach keys; the transcript in OUT, ending with the attach's exit status ("rc=N").
console_login() {
	(cd "$PM_DIR" && CONSOLE_ATTACH="podman --root '$PM_DIR/storage' --runroot '$PM_DIR/run' \
		--cgroup-manager cgroupfs --events-backend file --runtime '$PM_RUNTIME' attach '$1'" \
		console_attach "$1" "$2" 'root\r' Password:)
}

# The flags every container needs here: root lacks CAP_SYS_RESOURCE, its hard nofile is 20000.
RUN_FLAGS=(--network none --cgroup-parent /berth-podman-vmsys
	--ulimit nofile=1024:1024 --ulimit nproc=1024:1024)

@test "podman --runtime berth-runtime-vm: a system image's /sbin/init boots as the VM's systemd to running; exec, logs, stop powers it off" {
	pmv run -d --name pvsys "${RUN_FLAGS[@]}" localhost/debian-system >/dev/null
	wait_running pvsys
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

# The standard: podman with crun, --systemd=always and no -t. podman gives the container no
# /dev/console without a terminal, so systemd's console-getty.service is skipped
# (ConditionPathExists=/dev/console) and systemd, as PID 1, puts /dev/null on its own stdio:
# what `podman attach` types goes nowhere and asks no login.
@test "podman --systemd=always without -t, crun (the standard): no console, typing into podman attach reaches no login" {
	# crun is missing, or runs no container on this host (a hybrid one whose cgroup2 holds
	# controllers): the standard cannot be seen here
	local why
	why=$(peer_runtime --why)
	[ -z "$why" ] || skip "$why"
	pmv run -d -i --runtime crun --systemd=always --name pcsys "${RUN_FLAGS[@]}" \
		localhost/debian-system /sbin/init >/dev/null
	wait_running pcsys
	run pmv exec pcsys test -e /dev/console
	assert_failure
	run pmv exec pcsys systemctl is-active console-getty.service
	assert_output inactive
	run pmv exec pcsys readlink /proc/1/fd/0
	assert_output /dev/null
	type_into pcsys
	refute_output --partial "Password:"
	run pmv logs pcsys
	refute_output --partial "Password:"
	run pmv exec pcsys pidof login
	assert_failure
	run pmv rm -f -t 0 pcsys
	assert_success
}

# The same with berth-runtime-vm: a VM always has a console (berth's pty over the guest's
# /dev/console), whose output is the container's (logs, attach: systemd's boot); without -t no
# getty is wanted there (vm/vm.c's kernel command line; issue #20: it showed a login prompt
# that no input reached), as crun's console-getty is skipped, and what `podman attach` types
# goes nowhere (the shim drops its stdin: vm/shim.c's stdin_to); 8 MiB of it leave the shim
# relaying (writing them to the guest's stdin port, which nothing reads in a system's guest,
# blocked the shim once QEMU's buffers were full). With -t the console is the terminal both
# ways, its getty there (the next test).
@test "podman --systemd=always without -t, berth-runtime-vm: no getty on the console, typing into podman attach reaches no login, as with crun" {
	pmv run -d -i --systemd=always --name pvin "${RUN_FLAGS[@]}" localhost/debian-system \
		/sbin/init >/dev/null
	wait_running pvin
	type_into pvin $((8 << 20))
	refute_output --partial "Password:"
	# the boot is in the log, a getty's prompt is not (it came a moment after running,
	# before type_into's 11 s were over)
	run pmv logs pvin
	assert_output --partial "Welcome to"
	assert_output --partial "Reached target"
	refute_output --partial "login:"
	refute_output --partial "Password:"
	# no getty on the console, nor on the serial ports (a VT's, getty@tty1, is no console's)
	run pmv exec pvin systemctl is-active console-getty.service
	assert_output inactive
	run pmv exec pvin systemctl list-units --no-legend --plain --state=active '*getty*.service'
	refute_output --regexp '(console|serial|container)-getty'
	run pmv exec pvin pidof login
	assert_failure
	# the shim still relays: an exec answers, and stop powers the machine off
	run pmv exec pvin echo still here
	assert_output "still here"
	run pmv stop -t 120 pvin
	assert_success
	run pmv inspect -f '{{.State.Status}} {{.State.ExitCode}}' pvin
	assert_output "exited 0"
	run pmv rm -f -t 0 pvin
	assert_success
	run pgrep -af "qemu-system.*$PM_DIR"
	assert_failure
}

# With -t, as with crun's -t (whose /dev/console is podman's pty, the getty there): the
# console is `podman attach`'s terminal both ways, and podman's detach keys leave it running.
@test "podman -t --systemd=always, berth-runtime-vm: podman attach types into the console's getty (login, password prompt) and detaches" {
	pmv run -d -t --systemd=always --name pvtty "${RUN_FLAGS[@]}" localhost/debian-system \
		/sbin/init >/dev/null
	wait_running pvtty
	run pmv exec pvtty systemctl is-active console-getty.service
	assert_output active
	run console_login pvtty "$BATS_TEST_TMPDIR/console"
	assert_output --partial "login: root"
	assert_output --partial "Password:"
	assert_output --partial "rc=0"
	# the console's output, the getty's prompt with it, is the container's log
	run pmv logs pvtty
	assert_output --partial "Welcome to"
	assert_output --partial "login:"
	run pmv inspect -f '{{.State.Status}}' pvtty
	assert_output running
	run pmv rm -f -t 0 pvtty
	assert_success
	run pgrep -af "qemu-system.*$PM_DIR"
	assert_failure
}
