#!/usr/bin/env bats
# A VM container's monitor and its clients (issues #20, #23): attaches, execs and stop's
# signals all come on its attach socket (engine/monitor.c, vm/session.h). Stdin the guest
# never reads holds back the client that writes it, not the others; an exec's output and
# status are its own, never the container's; an exec answered before it sent its end of
# stdin gets that answer. Skipped where QEMU or the guest kernel is missing.

load helpers
bats_require_minimum_version 1.5.0

setup() {
	store_setup
	command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86 is not installed"
	ls /boot/vmlinuz-*-cloud-amd64 >/dev/null 2>&1 || skip "linux-image-cloud-amd64 is not installed"
}

teardown() {
	[ -z "${SERVICE:-}" ] || api_service_stop >/dev/null
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

@test "vm attach: an exec answered at once gets that answer, not its connection's end" {
	# the monitor holds 32 exec sessions (vm/session.h) and refuses the next at once,
	# answering and closing the connection, which may come before the exec's client sends
	# its end of stdin: that write's EPIPE made exec -d say "the container's monitor went
	# away" and the API's exec end 126 without a word
	berth run -d --name vmf --network none --isolation vm berth/default sleep 1000 >/dev/null
	wait_exec vmf
	for _ in $(seq 1 32); do berth exec -d vmf sleep 1000; done
	bad=""
	for i in $(seq 1 40); do
		run berth exec -d vmf true
		[ "$status" = 126 ] && [[ "$output" == *"no exec is possible here now"* ]] ||
			bad="$bad [$i: $status $output]"
	done
	if [ -x /usr/bin/docker ]; then
		api_service_start
		for i in $(seq 1 40); do
			run timeout 30 /usr/bin/docker exec vmf true
			[ "$status" = 125 ] && [[ "$output" == *"no exec is possible here now"* ]] ||
				bad="$bad [api $i: $status $output]"
		done
	fi
	[ -z "$bad" ] || { echo "not the monitor's answer:$bad"; return 1; }
}

# exec_at_end NAME CMD...: CMD (an exec into VM NAME) connects and writes while NAME's
# monitor is stopped and its VM ends (its process exits 42), then the monitor goes on: it
# accepts the exec in its last round and tells it the end without reading it. st is CMD's
# status, $WORK/out its output.
exec_at_end() {
	local name=$1 id mon qemu xpid
	shift
	id=$(berth run -d --name "$name" --network none --isolation vm berth/default \
		sh -c 'while [ ! -e /tmp/go ]; do sleep 0.05; done; exit 42')
	wait_exec "$name"
	mon=$(jq -r .MonitorPid "$STORE/containers/$id/state.json")
	qemu=$(jq -r .Pid "$STORE/containers/$id/state.json")
	berth exec -d "$name" sh -c 'sleep 2; touch /tmp/go'
	kill -STOP "$mon"
	for _ in $(seq 1 600); do
		[ "$(awk '{print $3}' "/proc/$qemu/stat" 2>/dev/null)" = Z ] && break
		sleep 0.1
	done
	"$@" >"$WORK/out" 2>&1 &
	xpid=$!
	# its connection in the stopped monitor's backlog, then a moment for its frames
	for _ in $(seq 1 300); do
		ss -xlpH | awk -v p="pid=$mon," 'index($0, p) && $3 > 0 { f = 1 } END { exit !f }' &&
			break
		sleep 0.1
	done
	sleep 0.5
	kill -CONT "$mon"
	st=0
	wait "$xpid" || st=$?
	echo "$*: $st $(cat "$WORK/out")"
	run berth inspect -f '{{.State.ExitCode}}' "$name"
	assert_output 42
}

@test "vm attach: an exec the monitor had not read when the container ended is an error" {
	# an exec's connection is an attach client until the monitor reads its first frame,
	# and the container's end is told to every attach client: an exec that came as the VM
	# ended took the container's status (42) for its own, and exec -d took it for its start
	local b=("$BERTH" --root "$STORE" --runroot "$RUNROOT")
	exec_at_end vmx "${b[@]}" exec vmx true
	[ "$st" = 125 ]
	run cat "$WORK/out"
	assert_output "berth: the container stopped before the exec started"
	exec_at_end vmd "${b[@]}" exec -d vmd true
	[ "$st" = 126 ]
	run cat "$WORK/out"
	assert_output "berth: the container stopped before the exec started"
	[ -x /usr/bin/docker ] || return 0
	api_service_start
	exec_at_end vma timeout 30 /usr/bin/docker exec vma true
	[ "$st" = 125 ]
	run cat "$WORK/out"
	assert_output "the container stopped before the exec started"
}

@test "vm attach: an exec whose container stops under it ends 137 with a message" {
	# the VM's end ends its execs' processes; the monitor closed their sessions with no
	# frame, and berth exec exited 255 without a word (podman 4.3: 137, its process killed
	# with the container)
	local b=("$BERTH" --root "$STORE" --runroot "$RUNROOT") xpid apid= xid t0
	berth run -d --name vms --network none --isolation vm berth/default sleep 1000 >/dev/null
	wait_exec vms
	if [ -x /usr/bin/docker ]; then
		# a detached exec (exec -d's runner, engine/exec_detach.c), the only one running
		# now: its exec_die event's exitCode is read below
		t0=$(date +%s.%N)
		berth exec -d vms sh -c 'touch /tmp/det; exec sleep 100'
		xid=$(berth inspect -f '{{json .ExecIDs}}' vms | tr -dc '0-9a-f')
		[ ${#xid} -eq 64 ]
	fi
	"${b[@]}" exec vms sh -c 'touch /tmp/in; exec sleep 100' >"$WORK/out" 2>&1 &
	xpid=$!
	if [ -x /usr/bin/docker ]; then
		api_service_start
		timeout 60 /usr/bin/docker exec vms sh -c 'touch /tmp/api; exec sleep 100' \
			>"$WORK/api" 2>&1 &
		apid=$!
	fi
	# the sessions' processes run in the guest
	for _ in $(seq 1 100); do
		berth exec vms sh -c "test -e /tmp/in${apid:+ && test -e /tmp/api && test -e /tmp/det}" &&
			break
		sleep 0.3
	done
	run timeout 60 "${b[@]}" stop -t 1 vms
	assert_success
	st=0
	wait "$xpid" || st=$?
	run cat "$WORK/out"
	assert_output "berth: the container stopped during the exec"
	[ "$st" = 137 ]
	[ -n "$apid" ] || return 0
	st=0
	wait "$apid" || st=$?
	run cat "$WORK/api"
	assert_output "the container stopped during the exec"
	[ "$st" = 137 ]
	# the detached exec's status is the same 137 (it was recorded 126): its exec_die event
	local die=""
	for _ in $(seq 1 100); do
		die=$(berth events --since "$t0" --until "$(date +%s.%N)" --filter event=exec_die \
			--format '{{.Actor.Attributes.execID}} {{.Actor.Attributes.exitCode}}' |
			grep "^$xid ") && break
		sleep 0.2
	done
	assert_equal "$die" "$xid 137"
}
