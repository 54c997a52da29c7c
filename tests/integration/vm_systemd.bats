#!/usr/bin/env bats
# The same system image as a VM (issue #20): `--isolation vm --systemd` boots the image's own
# systemd as the guest's PID 1 (berth's guest init prepares the root, the network and the
# ports, then hands over; its agent keeps `exec` and the console). The guest is a machine:
# systemd-detect-virt names the hypervisor, no container interface, the guest kernel's own
# cgroup2. `logs` has systemd's console, `stop` powers the guest off through it (exit 0, not
# 137), published ports reach a Debian service under systemd, nothing is left behind.
#
# The images are scripts/system-image's tars (as in systemd.bats); without them, QEMU or the
# guest kernel, the tests are skipped. TCG (this host's /dev/kvm runs no standard guest) boots
# Debian to `running` in about 20 s here, a stop takes about 5.

load helpers
load console
bats_require_minimum_version 1.5.0

SYSTEM_TAR=${BERTH_SYSTEM_TAR:-/var/cache/berth/debian-bookworm-systemd.tar}
NGINX_TAR=${BERTH_SYSTEM_NGINX_TAR:-/var/cache/berth/debian-bookworm-systemd-nginx.tar}
IMAGE=debian:system
# a TCG boot of a whole Debian system plus a stop takes ~30 s on a quiet machine, two
# minutes on a busy one
BATS_TEST_TIMEOUT=$((${BATS_TEST_TIMEOUT:-60} > 240 ? ${BATS_TEST_TIMEOUT:-60} : 240))

setup_file() {
	[ -s "$SYSTEM_TAR" ] || return 0
	store_setup
	export STORE WORK RUNROOT
	berth import --change 'CMD ["/sbin/init"]' "$SYSTEM_TAR" "$IMAGE" >/dev/null
	if [ -s "$NGINX_TAR" ]; then
		berth import --change 'CMD ["/sbin/init"]' "$NGINX_TAR" "$IMAGE-nginx" >/dev/null
	fi
}

teardown_file() {
	[ -z "${STORE:-}" ] || store_teardown
}

setup() {
	load_libs
	command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86 is not installed"
	ls /boot/vmlinuz-*-cloud-amd64 >/dev/null 2>&1 || skip "linux-image-cloud-amd64 is not installed"
	[ -s "$SYSTEM_TAR" ] ||
		skip "no system image at $SYSTEM_TAR: run scripts/system-image --tar-only (needs Debian's archive)"
	NAME="vsys-$$-$BATS_TEST_NUMBER"
}

# Each test's containers and networks removed; no QEMU, virtiofsd, cgroup or mount left.
teardown() {
	[ -n "${STORE:-}" ] || return 0
	local id left=""
	for id in $(berth ps -aq --no-trunc 2>/dev/null); do
		berth rm -f "$id" >/dev/null 2>&1 || true
		left="$left$(find /sys/fs/cgroup -maxdepth 3 -type d -path "*/berth/$id" 2>/dev/null)"
	done
	net_teardown
	[ -z "$LEFT" ] || left="$left $LEFT"
	left="$left$(awk '{print $5}' /proc/self/mountinfo | grep -E "^($STORE|$RUNROOT)/" || true)"
	left="$left$(pgrep -af "qemu-system.*($RUNROOT|$WORK)|virtiofsd.*($STORE|$WORK)" || true)"
	[ -z "$left" ] || { echo "left behind: $left" >&2; return 1; }
}

# wait_running NAME: until systemctl is-system-running --wait answers (the exec channel is
# there once the guest init has handed over; D-Bus comes later). Prints the state; on
# "degraded" names the failed units and fails.
wait_running() {
	local state="" i
	for i in $(seq 1 150); do
		state=$(timeout 50 "$BERTH" --root "$STORE" --runroot "$RUNROOT" exec "$1" \
			systemctl is-system-running --wait 2>/dev/null) && break
		[ "$state" = degraded ] && break
		sleep 0.3
	done
	echo "state: $state"
	if [ "$state" = degraded ]; then
		berth exec "$1" systemctl --failed --no-pager >&2
		return 1
	fi
	[ "$state" = running ]
}

@test "vm systemd: --systemd=always boots Debian in a VM to running; logs, exec, attach to the console; stop powers it off" {
	berth run -d --name "$NAME" --network none --isolation vm --systemd=always \
		--stop-timeout 60 "$IMAGE" >/dev/null
	run wait_running "$NAME"
	assert_success
	# PID 1 is the image's systemd, in the guest kernel's own cgroup2, at its init.scope
	run berth exec "$NAME" cat /proc/1/comm
	assert_output systemd
	run berth exec "$NAME" cat /proc/1/cgroup
	assert_output 0::/init.scope
	run berth exec "$NAME" stat -f -c %T /sys/fs/cgroup
	assert_output cgroup2fs
	# a VM, not a container: the hypervisor is named, no container interface
	run berth exec "$NAME" systemd-detect-virt
	assert_output --regexp '^(qemu|kvm)$'
	run berth exec "$NAME" systemd-detect-virt --container
	assert_equal "$status" 1
	assert_output none
	run berth exec "$NAME" test -e /run/host/container-manager
	assert_failure
	# the machine id is the container's id's first 32 digits, as in a system container
	id=$(berth inspect -f '{{.Id}}' "$NAME")
	run berth exec "$NAME" cat /etc/machine-id
	assert_output "${id:0:32}"
	run berth exec "$NAME" journalctl -b --no-pager -o cat _PID=1
	assert_output --partial "Startup finished"
	run berth inspect -f '{{.HostConfig.Isolation}} {{.Config.SystemdMode}} {{.Config.StopSignal}}' "$NAME"
	assert_output "vm true SIGRTMIN+3"
	# the console: systemd's boot, then the getty there
	run berth logs "$NAME"
	assert_output --partial "Welcome to"
	assert_output --partial "Debian GNU/Linux 12 (bookworm)"
	assert_output --partial "Reached target"
	# Debian's getty on that console (console-getty.service) greets with /etc/issue
	for _ in $(seq 1 50); do
		berth logs "$NAME" 2>&1 | grep -q 'Debian GNU/Linux 12 .* console' && break
		sleep 0.1
	done
	run berth logs "$NAME"
	assert_output --regexp 'Debian GNU/Linux 12 [0-9a-f]+ console'
	# it is console-getty.service, which the kernel's command line wants when the container
	# has a terminal (berth's systemd mode always gives one: Tty true below; without one,
	# podman_vm_systemd.bats, none); no getty on the serial port (systemd.getty_auto=0)
	run berth exec "$NAME" systemctl is-active console-getty.service
	assert_output active
	run berth exec "$NAME" systemctl list-units --no-legend --plain --state=active '*getty*.service'
	refute_output --partial serial-getty
	# attach: the guest's console, in a terminal; its getty asks for a login, a key typed
	# there reaches it (the guest's pty echoes it), ctrl-p ctrl-q detaches and the VM runs on
	run berth inspect -f '{{.Config.OpenStdin}} {{.Config.Tty}}' "$NAME"
	assert_output "true true"
	if command -v script >/dev/null; then
		run console_attach "$NAME" "$BATS_TEST_TMPDIR/console"
		assert_output --partial "${id:0:12} login: x"
		assert_output --partial "read escape sequence"
		assert_line --partial "rc=0"
		run berth inspect -f '{{.State.Status}}' "$NAME"
		assert_output running
		# what the console wrote while attached is in the log too (the prompt, ended
		# by the Enter typed there)
		run berth logs "$NAME"
		assert_output --partial "${id:0:12} login:"
	fi
	# stop: SIGRTMIN+3 becomes the guest's poweroff; the VM ends with it (exit 0 and the
	# power-off in its console), not killed when the timeout (60 s) runs out (137)
	start=$(date +%s)
	berth stop "$NAME" >/dev/null
	echo "stop took $(($(date +%s) - start))s"
	run berth inspect -f '{{.State.Status}} {{.State.ExitCode}}' "$NAME"
	assert_output "exited 0"
	run berth logs "$NAME"
	assert_output --partial "System Power Off"
	run pgrep -af "qemu-system.*$RUNROOT"
	assert_failure
}

@test "vm systemd: --systemd's default follows the command; a missing init is an error" {
	# /sbin/init as the command: systemd mode; another command, or --systemd=false: none
	run berth create --isolation vm "$IMAGE" true
	assert_success
	run berth inspect -f '{{.Config.SystemdMode}} {{.Config.StopSignal}}' "$output"
	assert_output "<no value> <no value>"
	run berth create --isolation vm --systemd=false "$IMAGE"
	assert_success
	run berth inspect -f '{{.Config.SystemdMode}} {{.Config.StopSignal}}' "$output"
	assert_output "<no value> <no value>"
	run -125 berth create --isolation vm --systemd=maybe "$IMAGE"
	assert_output --partial "invalid --systemd 'maybe'"
	# an init that is not there: the guest says so, the VM ends
	run -127 berth run --rm --isolation vm --network none --systemd=always "$IMAGE" /nosuch/init
	assert_output --partial 'exec: "/nosuch/init": executable file not found'
	run berth ps -aq --filter status=running
	assert_output ""
}

@test "vm systemd: a Debian service under the guest's systemd answers on a published port" {
	[ -s "$NGINX_TAR" ] || skip "no system image with nginx at $NGINX_TAR: run scripts/system-image --include nginx --tar-only"
	berth network create vsnet >/dev/null
	berth run -d --name "$NAME" --isolation vm --network vsnet -p 8089:80 --stop-timeout 60 \
		"$IMAGE-nginx" >/dev/null
	run berth inspect -f '{{.Config.SystemdMode}}' "$NAME"
	assert_output true
	run wait_running "$NAME"
	assert_success
	run berth exec "$NAME" systemctl is-active nginx
	assert_output active
	# the guest's eth0 is the network's, set before systemd took over, and kept
	ip=$(berth inspect -f '{{.NetworkSettings.Networks.vsnet.IPAddress}}' "$NAME")
	run berth exec "$NAME" cat /proc/net/fib_trie
	assert_output --partial "$ip"
	run curl -s --max-time 10 http://127.0.0.1:8089/
	assert_success
	assert_output --partial "Welcome to nginx"
	start=$(date +%s)
	berth stop "$NAME" >/dev/null
	echo "stop took $(($(date +%s) - start))s"
	run berth inspect -f '{{.State.ExitCode}}' "$NAME"
	assert_output 0
	run curl -s --max-time 2 http://127.0.0.1:8089/
	assert_failure
}
