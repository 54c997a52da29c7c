#!/usr/bin/env bats
# System containers (issue #20): a Debian 12 image whose command is /sbin/init boots systemd as
# the container's PID 1 under `--systemd` (podman's flag), reaches `running`, logs its boot to
# the console `logs` reads, shuts down cleanly on `stop` (SIGRTMIN+3, not SIGKILL), boots
# again on `restart`, and leaves no cgroup and no mount behind. `--systemd=false` gives none of
# it.
#
# The image is scripts/system-image's tar (mmdebstrap from Debian's archive), made once by
# scripts/setup into /var/cache/berth (or $BERTH_SYSTEM_TAR) and imported once per run into
# this file's store; without it (and without a network to make it: the suite runs in a
# network namespace of its own) the tests are skipped.

load helpers

SYSTEM_TAR=${BERTH_SYSTEM_TAR:-/var/cache/berth/debian-bookworm-systemd.tar}
IMAGE=debian:system
# booting and stopping a whole system a few times on a busy machine
BATS_TEST_TIMEOUT=$((${BATS_TEST_TIMEOUT:-60} > 120 ? ${BATS_TEST_TIMEOUT:-60} : 120))

setup_file() {
	if [ ! -s "$SYSTEM_TAR" ]; then
		BERTH_SYSTEM_TAR=$SYSTEM_TAR "$BATS_TEST_DIRNAME/../../scripts/system-image" --tar-only \
			>/dev/null 2>&1 || true
	fi
	[ -s "$SYSTEM_TAR" ] || return 0
	store_setup
	export STORE WORK RUNROOT
	berth import --change 'CMD ["/sbin/init"]' "$SYSTEM_TAR" "$IMAGE" >/dev/null
}

teardown_file() {
	[ -z "${STORE:-}" ] || store_teardown
}

setup() {
	load_libs
	[ -s "$SYSTEM_TAR" ] ||
		skip "no system image at $SYSTEM_TAR: run scripts/system-image --tar-only (needs Debian's archive)"
	NAME="sys-$$-$BATS_TEST_NUMBER"
}

# Each test's containers removed, and checked to leave no cgroup (systemd makes its own below
# the container's) and no mount.
teardown() {
	[ -n "${STORE:-}" ] || return 0
	local id left=""
	for id in $(berth ps -aq --no-trunc 2>/dev/null); do
		berth rm -f "$id" >/dev/null 2>&1 || true
		left="$left$(find /sys/fs/cgroup -maxdepth 3 -type d -path "*/berth/$id" 2>/dev/null)"
	done
	left="$left$(awk '{print $5}' /proc/self/mountinfo | grep -E "^($STORE|$RUNROOT)/" || true)"
	[ -z "$left" ] || { echo "left behind: $left" >&2; return 1; }
}

# wait_running NAME: systemctl is-system-running --wait answers once D-Bus is up; until then
# it fails to connect. Prints the state; fails on "degraded" after naming the failed units.
wait_running() {
	local state="" i
	for i in $(seq 1 150); do
		state=$(timeout 20 "$BERTH" --root "$STORE" --runroot "$RUNROOT" exec "$1" \
			systemctl is-system-running --wait 2>/dev/null) && break
		[ "$state" = degraded ] && break
		sleep 0.2
	done
	echo "state: $state"
	if [ "$state" = degraded ]; then
		berth exec "$1" systemctl --failed --no-pager >&2
		return 1
	fi
	[ "$state" = running ]
}

@test "systemd: --systemd=always boots Debian to running, PID 1 is systemd with berth's interface" {
	berth run -d --name "$NAME" --network none --systemd=always "$IMAGE" >/dev/null
	run wait_running "$NAME"
	assert_success
	run berth exec "$NAME" cat /proc/1/comm
	assert_output systemd
	run berth exec "$NAME" sh -c 'tr "\0" "\n" </proc/1/environ'
	assert_line container=berth
	id=$(berth inspect -f '{{.Id}}' "$NAME")
	assert_line "container_uuid=${id:0:32}"
	# systemd took the machine id from container_uuid (the image's /etc/machine-id is empty)
	run berth exec "$NAME" cat /etc/machine-id
	assert_output "${id:0:32}"
	for d in /run /run/lock /tmp /var/log/journal; do
		run berth exec "$NAME" stat -f -c %T "$d"
		assert_output tmpfs
	done
	run berth exec "$NAME" cat /run/host/container-manager
	assert_output berth
	run berth exec "$NAME" cat /run/host/os-release
	assert_output "$(cat /etc/os-release 2>/dev/null || cat /usr/lib/os-release)"
	run berth exec "$NAME" sh -c 'echo x >/run/host/x'
	assert_failure
	run berth exec "$NAME" sh -c 'grep " /sys " /proc/self/mountinfo'
	assert_output --regexp ' /sys ro,'
	# systemd moved itself into a cgroup of its own, below the container's
	run berth exec "$NAME" grep -E '^0::|name=systemd' /proc/1/cgroup
	assert_output --partial /init.scope
	run berth inspect -f '{{.Config.SystemdMode}} {{.Config.StopSignal}} {{.Config.Tty}}' "$NAME"
	assert_output "true SIGRTMIN+3 true"
	# journald runs and has PID 1's account of the boot
	run berth exec "$NAME" journalctl -b --no-pager -o cat _PID=1
	assert_output --partial "Startup finished"
}

@test "systemd: logs show the boot, stop is a clean shutdown within the timeout, restart boots again" {
	berth run -d --name "$NAME" --network none --stop-timeout 20 "$IMAGE" >/dev/null
	run wait_running "$NAME"
	assert_success
	run berth logs "$NAME"
	assert_output --partial "Welcome to"
	assert_output --partial "Debian GNU/Linux 12 (bookworm)"
	# Debian's getty on the console (console-getty.service) greets with /etc/issue there
	# (its "login: " prompt has no newline, so the log holds it back)
	for _ in $(seq 1 50); do
		berth logs "$NAME" 2>&1 | grep -q 'Debian GNU/Linux 12 .* console' && break
		sleep 0.1
	done
	run berth logs "$NAME"
	assert_output --regexp 'Debian GNU/Linux 12 [0-9a-f]{12} console'
	t0=$(date +%s)
	berth stop "$NAME" >/dev/null
	t1=$(date +%s)
	[ $((t1 - t0)) -lt 20 ] || { echo "stop took $((t1 - t0)) s" >&2; false; }
	# systemd halted (exit 0), it was not killed (137)
	run berth inspect -f '{{.State.Status}} {{.State.ExitCode}}' "$NAME"
	assert_output "exited 0"
	run berth logs "$NAME"
	assert_output --partial "Reached target"
	assert_output --partial "System Shutdown"
	assert_output --partial "Halting system"
	# restart: a second boot in the same container
	berth start "$NAME" >/dev/null
	run wait_running "$NAME"
	assert_success
	run berth restart "$NAME"
	assert_success
	run wait_running "$NAME"
	assert_success
	run berth logs "$NAME"
	[ "$(grep -c 'Welcome to' <<<"$output")" -eq 3 ]
}

@test "systemd: --systemd=true (the default) follows the command, --systemd=false gives none of it" {
	run berth create --name "$NAME-a" "$IMAGE"
	assert_success
	run berth inspect -f '{{.Config.SystemdMode}}' "$NAME-a"
	assert_output true
	run berth create --name "$NAME-b" "$IMAGE" /bin/sleep 1
	assert_success
	run berth inspect -f '{{.Config.SystemdMode}} {{.Config.StopSignal}}' "$NAME-b"
	assert_output "<no value> <no value>"
	run berth create --name "$NAME-c" --systemd=always --stop-signal SIGTERM "$IMAGE" /bin/sleep 1
	assert_success
	run berth inspect -f '{{.Config.SystemdMode}} {{.Config.StopSignal}}' "$NAME-c"
	assert_output "true SIGTERM"
	run berth create --systemd=maybe "$IMAGE"
	assert_failure 125
	assert_output --partial "invalid --systemd 'maybe'"
	run berth create --systemd=always --init "$IMAGE"
	assert_failure 125
	assert_output --partial "systemd must be the container's PID 1"
	run berth create --userns auto "$IMAGE"
	assert_failure 125
	assert_output --partial "systemd mode in a user namespace is not supported yet"
	# bad input creates nothing: the three above are all there is
	[ "$(berth ps -aq | wc -l)" -eq 3 ]
	# /sbin/init without systemd mode: none of the setup, and systemd cannot run
	berth run -d --name "$NAME" --network none --systemd=false "$IMAGE" >/dev/null
	run berth inspect -f '{{.Config.SystemdMode}} {{.Config.StopSignal}} {{.Config.Tty}}' "$NAME"
	assert_output "<no value> <no value> false"
	id=$(berth inspect -f '{{.Id}}' "$NAME")
	run jq -r '.process.env[], .mounts[].destination' "$STORE/containers/$id/config.json"
	refute_line container=berth
	refute_line /run
	refute_line /run/host
	refute_line /var/log/journal
}
