#!/usr/bin/env bats
# A VM container's monitor and its clients (issues #20, #23): attaches, execs and stop's
# signals all come on its attach socket (engine/monitor.c, vm/session.h). Stdin the guest
# never reads holds back the client that writes it, not the others; an exec's output is its
# own, never the container's. Skipped where QEMU or the guest kernel is missing.

load helpers
bats_require_minimum_version 1.5.0

setup() {
	store_setup
	command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86 is not installed"
	ls /boot/vmlinuz-*-cloud-amd64 >/dev/null 2>&1 || skip "linux-image-cloud-amd64 is not installed"
}

teardown() {
	store_teardown
	vm_left
}

# wait_exec NAME: until the guest runs an exec
wait_exec() {
	for _ in $(seq 1 100); do
		berth exec "$1" true 2>/dev/null && return 0
		sleep 0.3
	done
	return 1
}

@test "vm attach: stdin the guest never reads holds back its client, not execs or stop" {
	# the guest's process never reads its stdin: its pipe, the serial port and the
	# monitor's socket fill; the monitor used to block in its write (then the clients
	# were not read while the stdin waited): an exec or stop's signal hung
	berth run -d -i --name vmi --network none --isolation vm berth/default sleep 1000 >/dev/null
	wait_exec vmi
	head -c 8388608 /dev/zero >"$WORK/zeros"
	"$BERTH" --root "$STORE" --runroot "$RUNROOT" attach vmi <"$WORK/zeros" >/dev/null 2>&1 3>&- &
	apid=$!
	sleep 3
	run timeout 30 "$BERTH" --root "$STORE" --runroot "$RUNROOT" exec vmi echo while
	assert_output while
	kill -9 "$apid"
	wait "$apid" || true
	run timeout 30 "$BERTH" --root "$STORE" --runroot "$RUNROOT" exec vmi echo after
	assert_output after
	run timeout 60 "$BERTH" --root "$STORE" --runroot "$RUNROOT" stop -t 2 vmi
	assert_success
	run berth inspect -f '{{.State.Status}}' vmi
	assert_output exited
}

@test "vm attach: an exec's output has none of the container's in it" {
	# the container writes all the time; an exec's client is an attach client until its
	# first frame is read, and got the container's output meanwhile (vm_systemd.bats saw
	# agetty's "\r\n" before a machine id; here a few in a hundred execs, with and without
	# a terminal)
	berth run -d --name vmo --network none --isolation vm berth/default \
		sh -c 'while :; do echo tick; sleep 0.01; done' >/dev/null
	berth run -d -t --name vmt --network none --isolation vm berth/default \
		sh -c 'while :; do echo tock; sleep 0.01; done' >/dev/null
	wait_exec vmo
	wait_exec vmt
	bad=""
	for i in $(seq 1 40); do
		for c in vmo vmt; do
			berth exec "$c" echo "hi$i" >"$WORK/out" 2>&1
			[ "$(cat "$WORK/out")" = "hi$i" ] || bad="$bad $c:$(od -c "$WORK/out" | head -2)"
		done
	done
	[ -z "$bad" ] || { echo "not the exec's own:$bad"; return 1; }
	berth logs vmo | grep -q tick
}
