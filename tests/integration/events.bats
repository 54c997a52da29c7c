#!/usr/bin/env bats
# The store's event log (issue #18): what the command line, the containers' monitors and the
# API service do, written by each of them to one log and read back by `berth events` and by
# GET /events (Debian's docker CLI 20.10 `docker events` through `berth system service`).

load helpers
bats_require_minimum_version 1.5.0

setup() {
	store_setup
}

teardown() {
	local left=""
	[ -z "${EVENTS:-}" ] || kill "$EVENTS" 2>/dev/null || true
	[ -z "${EVENTS:-}" ] || wait "$EVENTS" 2>/dev/null || true
	[ -z "${SERVICE:-}" ] || left=$(api_service_stop)
	for id in $(berth ps -aq 2>/dev/null); do berth rm -f "$id" >/dev/null 2>&1 || true; done
	berth network prune -f >/dev/null 2>&1 || true
	store_teardown
	[ -z "$left" ] || { echo "left behind: $left" >&2; return 1; }
}

# The actions of the log so far (since the test began), one "TYPE ACTION NAME" per line.
actions() {
	berth events --since "$T0" --until "$(date +%s.%N)" "$@" \
		--format '{{.Type}} {{.Action}} {{if .Actor.Attributes.name}}{{.Actor.Attributes.name}}{{else}}{{.Actor.ID}}{{end}}'
}

@test "events: a container's life as dockerd logs it, from the command line and its monitor" {
	T0=$(date +%s.%N)
	berth network create evnet >/dev/null
	berth run -d --name ev1 --network evnet --label team=a -v evvol:/data berth/default sleep 30 >/dev/null
	berth stop -t 1 ev1 >/dev/null
	berth rm ev1 >/dev/null
	berth volume rm evvol >/dev/null
	berth network rm evnet >/dev/null
	run actions
	assert_success
	assert_output "network create evnet
volume create evvol
container create ev1
network connect evnet
volume mount evvol
container start ev1
container kill ev1
container kill ev1
network disconnect evnet
volume unmount evvol
container die ev1
container stop ev1
container destroy ev1
volume destroy evvol
network destroy evnet"
	# a volume's mount names the container, where and how (as dockerd's)
	run berth events --since "$T0" --until "$(date +%s.%N)" --filter event=mount
	assert_output --regexp ' volume mount evvol \(container=[0-9a-f]{64}, destination=/data, driver=local, propagation=, read/write=true\)$'
	# the default line: time, type, action, id, the attributes sorted
	run berth events --since "$T0" --until "$(date +%s.%N)" --filter event=die
	assert_output --regexp '^20[0-9-]{8}T[0-9:]{8}\.[0-9]{9}Z container die [0-9a-f]{64} \(exitCode=137, image=berth/default, name=ev1, team=a\)$'
	run berth events --since "$T0" --until "$(date +%s.%N)" --filter event=kill --format '{{.Actor.Attributes.signal}}'
	assert_output "15
9"
}

@test "events: a copy out is archive-path, a copy in extract-to-dir, export export, as dockerd logs them" {
	berth create --name evcp berth/default true >/dev/null
	echo hi >"$WORK/hi"
	T0=$(date +%s.%N)
	berth cp "$WORK/hi" evcp:/hi
	berth cp evcp:/hi "$WORK/back"
	berth cp evcp:/hi - >/dev/null
	tar -C "$WORK" -cf - hi | berth cp - evcp:/
	run berth cp "$WORK/nothing" evcp:/x # a failed copy is no event
	assert_failure
	berth export evcp >/dev/null
	run actions --filter container=evcp
	assert_success
	assert_output "container extract-to-dir evcp
container archive-path evcp
container archive-path evcp
container extract-to-dir evcp
container export evcp"
	berth rm evcp >/dev/null
}

@test "events: berth exec's own execs are logged as the API's (exec_create, exec_start, exec_die with its status)" {
	berth run -d --name evx berth/default sleep 30 >/dev/null
	T0=$(date +%s.%N)
	berth exec evx true
	run berth exec evx sh -c 'exit 3'
	assert_equal "$status" 3
	run berth events --since "$T0" --until "$(date +%s.%N)" --filter container=evx \
		--format '{{.Action}}|{{.Actor.Attributes.exitCode}}|{{len .Actor.Attributes.execID}}'
	assert_output "exec_create: true |<no value>|64
exec_start: true |<no value>|64
exec_die|0|64
exec_create: sh -c exit 3|<no value>|64
exec_start: sh -c exit 3|<no value>|64
exec_die|3|64"
	# the records go with their ends: inspect lists no exec
	run berth inspect -f '{{len .ExecIDs}}' evx
	assert_output 0
	berth rm -f evx >/dev/null
}

# wait_exec_die CONTAINER [SECONDS]: until the log has an exec_die of it since T0
wait_exec_die() {
	local _
	for _ in $(seq $((${2:-30} * 10))); do
		berth events --since "$T0" --until "$(date +%s.%N)" --filter container="$1" \
			--filter event=exec_die --format x | grep -q x && return 0
		sleep 0.1
	done
	return 1
}

@test "events: berth exec -d logs its exec's end too (exec_die with the exit code), as dockerd's detached execs" {
	berth run -d --name evy berth/default sleep 60 >/dev/null
	T0=$(date +%s.%N)
	run berth exec -d evy sh -c 'exit 4'
	assert_success
	assert_output ""
	wait_exec_die evy
	run berth events --since "$T0" --until "$(date +%s.%N)" --filter container=evy \
		--format '{{.Action}}|{{.Actor.Attributes.exitCode}}|{{len .Actor.Attributes.execID}}'
	assert_output "exec_create: sh -c exit 4|<no value>|64
exec_start: sh -c exit 4|<no value>|64
exec_die|4|64"
	# its record (and pid file) go with its end, as a foreground exec's record (just after
	# the event is written)
	cid=$(berth inspect -f '{{.Id}}' evy)
	for _ in $(seq 100); do [ -z "$(ls "$STORE/containers/$cid/execs")" ] && break; sleep 0.1; done
	run ls "$STORE/containers/$cid/execs"
	assert_output ""
	run berth inspect -f '{{len .ExecIDs}}' evy
	assert_output 0
	# what cannot start is the caller's error, as docker exec -d's
	run -127 berth exec -d evy /nonexistent
	# the caller's stdout is not the process's: \$(...) does not wait for its end
	run timeout 20 "$BERTH" --root "$STORE" --runroot "$RUNROOT" exec -d evy sleep 40
	assert_success
	berth rm -f evy >/dev/null
}

@test "events: berth exec -d into a VM container (--isolation vm) logs its exec_die" {
	command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86 is not installed"
	ls /boot/vmlinuz-*-cloud-amd64 >/dev/null 2>&1 || skip "linux-image-cloud-amd64 is not installed"
	berth run -d --name evv --isolation vm berth/default sleep 300 >/dev/null
	T0=$(date +%s.%N)
	run berth exec -d evv sh -c 'sleep 1; exit 5'
	assert_success
	wait_exec_die evv 120
	run berth events --since "$T0" --until "$(date +%s.%N)" --filter container=evv \
		--filter event=exec_die --format '{{.Actor.Attributes.exitCode}}'
	assert_output 5
	run -127 berth exec -d evv /nonexistent
	berth rm -f evv >/dev/null
}

@test "events: filters (type, event, container, image, label, network, volume) as docker's" {
	T0=$(date +%s.%N)
	berth run --name ev2 --label tier=web berth/default true
	berth run --rm --name ev3 berth/default sh -c 'exit 3' || true
	berth tag berth/default evimg:1
	berth rmi evimg:1 >/dev/null
	run actions --filter type=image
	assert_output --regexp '^image tag evimg:1
image untag sha256:[0-9a-f]{64}$'
	run actions --filter container=ev3 --filter event=die
	assert_output "container die ev3"
	run berth events --since "$T0" --until "$(date +%s.%N)" --filter container=ev3 --filter event=die --format '{{.Actor.Attributes.exitCode}}'
	assert_output 3
	# values of one key are alternatives; keys must all hold
	run actions --filter event=create --filter event=destroy
	assert_output "container create ev2
container create ev3
container destroy ev3"
	run actions --filter label=tier=web --filter event=start
	assert_output "container start ev2"
	id=$(berth inspect -f '{{.Id}}' ev2)
	run actions --filter "container=${id:0:12}" --filter event=start
	assert_output "container start ev2"
	run actions --filter image=berth/default --filter event=start
	assert_output "container start ev2
container start ev3"
	run actions --filter network=nosuch
	assert_output ""
	run berth events --filter nosuch=1 --until 0s
	assert_failure 125
	assert_output --partial "invalid filter 'nosuch'"
	run berth events --since yesterday
	assert_failure 125
	run berth events --format '{{json .}}' --since "$T0" --until "$(date +%s.%N)" --filter event=start --filter container=ev2
	assert_output --regexp '^\{"status":"start","id":"[0-9a-f]{64}","from":"berth/default","Type":"container","Action":"start","Actor":\{"ID":"[0-9a-f]{64}","Attributes":\{.*"name":"ev2".*\}\},"scope":"local","time":[0-9]+,"timeNano":[0-9]+\}$'
}

@test "events: berth events follows the log as it grows; until ends it" {
	T0=$(date +%s.%N)
	berth events --until "$(($(date +%s) + 4))" --filter type=container --format '{{.Action}}' >"$WORK/live" &
	EVENTS=$!
	sleep 0.5
	berth run --rm berth/default true
	wait "$EVENTS"
	EVENTS=""
	run cat "$WORK/live"
	assert_output "create
attach
start
die
destroy"
	# history only: --since alone shows the past, then follows (bounded here)
	run timeout 2 "$BERTH" --root "$STORE" --runroot "$RUNROOT" events --since "$T0" --format '{{.Action}}' --filter event=create
	assert_equal "$status" 124
	assert_output create
}

@test "events: the log is bounded; a rotated log is still read, a torn line skipped" {
	T0=$(date +%s.%N)
	berth volume create evrot >/dev/null
	# a log past its bound moves aside on the next event; a crash's torn line is skipped
	printf '{"torn": \n' >>"$STORE/events.log"
	truncate -s 5M "$STORE/events.log"
	berth volume rm evrot >/dev/null
	[ -e "$STORE/events.log.1" ]
	[ "$(stat -c %s "$STORE/events.log")" -lt 4096 ]
	run actions --filter type=volume
	assert_output "volume create evrot
volume destroy evrot"
}

@test "events: docker events through the API sees the CLI's, the monitors' and its own" {
	[ -x /usr/bin/docker ] || skip "Debian's docker.io (the docker CLI) is not installed"
	api_service_start
	T0=$(date +%s.%N)
	timeout 30 /usr/bin/docker events --filter type=container --format '{{.Status}} {{.Actor.Attributes.name}}' >"$WORK/live" 2>&1 &
	EVENTS=$!
	sleep 0.5
	berth run --name evc berth/default true                      # the command line
	timeout 30 /usr/bin/docker run -d --name evd berth/default sleep 30 >/dev/null # the API
	timeout 30 /usr/bin/docker exec evd true
	timeout 30 /usr/bin/docker kill evd >/dev/null
	sleep 0.5
	kill "$EVENTS"
	wait "$EVENTS" || true
	EVENTS=""
	run cat "$WORK/live"
	assert_output "create evc
attach evc
start evc
die evc
create evd
start evd
exec_create: true  evd
exec_start: true  evd
exec_die evd
kill evd
die evd"
	# a window in the past: the stream ends by itself; filters as the CLI's
	run timeout 30 /usr/bin/docker events --since "$T0" --until "$(date +%s.%N)" --filter event=die --filter container=evd --format '{{.Actor.Attributes.exitCode}}'
	assert_success
	assert_output 137
	run curl -s --unix-socket "$SOCK" -w ' %{http_code}' "http://d/events?until=1&filters=%7B%22nosuch%22%3A%5B%22x%22%5D%7D"
	assert_output --partial "invalid filter 'nosuch'"
	assert_output --regexp ' 400$'
	run curl -s --unix-socket "$SOCK" -w ' %{http_code}' "http://d/events?since=yesterday"
	assert_output --regexp ' 400$'
}
