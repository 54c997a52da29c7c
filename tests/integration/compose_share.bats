#!/usr/bin/env bats
# What a container shares with another or with the host (issue #19, engine/share.c): `berth
# run --volumes-from X[:ro|:rw]`, `--ipc host|none|shareable|private|container:X` (X's IPC
# namespace and, X shareable, X's /dev/shm), `--pid host|container:X` as Docker's, and compose's `volumes_from` (service[:mode] and
# container:name[:mode]), `ipc:` and `pid:` (service:x, container:x, host, ...) mapped to them,
# the service named started first (the implicit dependency Compose v2 adds). Namespaces are
# compared by their /proc/<pid>/ns links. Only the built-in image (busybox).
load helpers

setup() {
	compose_setup
}

teardown() {
	compose_teardown
}

# the namespace link of type $2 of container $1 (an exec's own, which joins the container's:
# with --pid host its PID 1 is the host's init, whose links it may not read)
ns_of() {
	berth exec "$1" readlink "/proc/self/ns/$2"
}

@test "run --volumes-from, --ipc and --pid: another container's mounts and namespaces, or the host's" {
	run berth run -d --name donor --network none -v data:/data -v /anon berth/default \
		sh -c 'echo d >/data/f; echo a >/anon/g; exec sleep 1001'
	assert_success
	for _ in $(seq 50); do berth exec donor cat /anon/g >/dev/null 2>&1 && break; sleep 0.1; done
	# its volumes, read-only with :ro, the anonymous one too
	run berth run --rm --network none --volumes-from donor:ro berth/default \
		sh -c 'cat /data/f /anon/g; echo x >/data/new'
	assert_failure
	assert_output --partial "$(printf 'd\na')"
	assert_output --partial "Read-only file system"
	run berth run --rm --network none --volumes-from donor berth/default sh -c 'echo w >/data/w'
	assert_success
	run berth exec donor cat /data/w
	assert_output w
	# an own mount at the same destination wins
	run berth run --rm --network none --volumes-from donor --tmpfs /data berth/default ls /data
	assert_success
	assert_output ""
	# its IPC and PID namespaces
	run berth run --rm --network none --ipc container:donor --pid container:donor berth/default \
		sh -c 'readlink /proc/self/ns/ipc; readlink /proc/self/ns/pid; ps -o args'
	assert_success
	assert_line --index 0 "$(ns_of donor ipc)"
	assert_line --index 1 "$(ns_of donor pid)"
	assert_line "sleep 1001"
	# the host's (this test's) namespaces, and the host's /dev/shm
	: >/dev/shm/berth-share-$$
	run berth run --rm --network none --ipc host --pid host berth/default \
		sh -c "readlink /proc/self/ns/ipc; readlink /proc/self/ns/pid; ls /dev/shm/berth-share-$$"
	rm -f /dev/shm/berth-share-$$
	assert_success
	assert_line --index 0 "$(readlink /proc/self/ns/ipc)"
	assert_line --index 1 "$(readlink /proc/self/ns/pid)"
	# none: no /dev/shm at all; private: a namespace of its own
	run berth run --rm --network none --ipc none berth/default ls /dev/shm
	assert_failure
	run berth run --rm --network none --ipc private berth/default readlink /proc/self/ns/ipc
	assert_success
	refute_output "$(ns_of donor ipc)"
	# bad modes, and a private donor, refused before anything is made (Docker's messages)
	run berth run --rm --network none --ipc bogus berth/default true
	[ "$status" -eq 125 ]
	assert_output "berth: invalid IPC mode: bogus"
	run berth run --rm --network none --pid container:nope berth/default true
	[ "$status" -eq 125 ]
	assert_output --partial "no such container: nope"
	run berth run --rm --network none --volumes-from donor:xx berth/default true
	[ "$status" -eq 125 ]
	assert_output "berth: invalid mode: xx"
	run berth run -d --name closed --network none --ipc private berth/default sleep 1000
	assert_success
	run berth run --rm --network none --ipc container:closed berth/default true
	[ "$status" -eq 125 ]
	assert_output --partial "non-shareable IPC (hint: use IpcMode:shareable for the donor container)"
	run berth inspect -f '{{.HostConfig.IpcMode}}' closed
	assert_output private
	# rm -v of a container with --volumes-from leaves the donor's anonymous volume
	run berth create --name user --network none --volumes-from donor berth/default true
	assert_success
	run berth rm -v user
	assert_success
	run berth exec donor cat /anon/g
	assert_output a
	run berth rm -f -v donor closed
	assert_success
	run berth volume rm data
	assert_success
	run berth volume ls -q
	assert_output ""
}

@test "run --ipc shareable and container:X: X's /dev/shm too, as dockerd's (a tmpfs on the host, gone with X)" {
	run berth run -d --name shr --network none --ipc shareable --shm-size 8m berth/default \
		sh -c 'echo hi >/dev/shm/f; exec sleep 1000'
	assert_success
	for _ in $(seq 50); do berth exec shr cat /dev/shm/f >/dev/null 2>&1 && break; sleep 0.1; done
	# the joiner sees X's files and X sees the joiner's; the size is X's --shm-size
	run berth run --rm --network none --ipc container:shr --shm-size 16m berth/default \
		sh -c 'cat /dev/shm/f; echo back >/dev/shm/g; df -k /dev/shm | tail -n 1'
	assert_success
	assert_line --index 0 hi
	[ "$(echo "${lines[1]}" | awk '{print $2}')" = 8192 ]
	run berth exec shr cat /dev/shm/g
	assert_output back
	grep -q " $STORE/containers/.*/shm " /proc/self/mountinfo
	# a donor of berth's unset mode: its IPC namespace is joined, its /dev/shm is its own
	run berth run -d --name plain --network none berth/default sh -c 'echo p >/dev/shm/p; exec sleep 1000'
	assert_success
	for _ in $(seq 50); do berth exec plain cat /dev/shm/p >/dev/null 2>&1 && break; sleep 0.1; done
	run berth run --rm --network none --ipc container:plain berth/default ls /dev/shm
	assert_success
	assert_output ""
	# the shareable tmpfs goes when X stops (its monitor ends just after stop returns), and
	# again nothing at rm
	run berth stop -t 0 shr
	assert_success
	for _ in $(seq 100); do
		grep -q " $STORE/containers/.*/shm " /proc/self/mountinfo || break
		sleep 0.1
	done
	run grep " $STORE/containers/.*/shm " /proc/self/mountinfo
	assert_failure
	run berth start shr
	assert_success
	run berth rm -f shr plain
	assert_success
	run grep " $STORE/" /proc/self/mountinfo
	assert_failure
}

@test "compose volumes_from, ipc and pid: a service's container or a container, the service started first" {
	run berth run -d --name outside --network none -v /ext berth/default \
		sh -c 'echo ext >/ext/e; exec sleep 1000'
	assert_success
	local before
	before=$(berth volume ls -q)
	[ -n "$before" ]
	cat >compose.yaml <<'YML'
services:
  reader:
    image: berth/default
    command: ["sleep", "1002"]
    stop_signal: SIGKILL
    volumes_from: ["data:ro", "container:outside"]
    ipc: service:data
    pid: service:data
  data:
    image: berth/default
    command: ["sh", "-c", "echo d >/data/f; exec sleep 1001"]
    stop_signal: SIGKILL
    ipc: shareable
    volumes: [vol:/data, /anon]
  hosted:
    image: berth/default
    command: ["sleep", "1003"]
    stop_signal: SIGKILL
    ipc: host
    pid: host
volumes:
  vol: {}
YML
	# the implicit dependencies, as Compose v2's config prints them
	run berth compose config --format json
	assert_success
	[ "$(echo "$output" | jq -c .services.reader.depends_on)" = \
		'{"data":{"condition":"service_started","required":true,"restart":true}}' ]
	run berth compose up -d
	assert_success
	# data is made and started before reader
	[ "$(echo "$output" | grep -n 'shop-data-1  Started' | cut -d: -f1)" -lt \
		"$(echo "$output" | grep -n 'shop-reader-1  Created' | cut -d: -f1)" ]
	for _ in $(seq 50); do berth exec shop-data-1 cat /data/f >/dev/null 2>&1 && break; sleep 0.1; done
	run berth compose exec -T reader sh -c 'cat /data/f /ext/e; ls -d /anon; ps -o args | grep -c "sleep 100[12]"'
	assert_success
	assert_output "$(printf 'd\next\n/anon\n2')"
	run berth compose exec -T reader sh -c 'echo x >/data/x'
	assert_failure
	assert_output --partial "Read-only file system"
	[ "$(ns_of shop-reader-1 ipc)" = "$(ns_of shop-data-1 ipc)" ]
	# ipc: service:data is data's /dev/shm too (data is shareable, as Docker needs)
	run berth compose exec -T data sh -c 'echo s >/dev/shm/s'
	assert_success
	run berth compose exec -T reader cat /dev/shm/s
	assert_success
	assert_output s
	[ "$(ns_of shop-reader-1 pid)" = "$(ns_of shop-data-1 pid)" ]
	[ "$(ns_of shop-hosted-1 ipc)" = "$(readlink /proc/self/ns/ipc)" ]
	[ "$(ns_of shop-hosted-1 pid)" = "$(readlink /proc/self/ns/pid)" ]
	run berth inspect -f '{{.HostConfig.VolumesFrom}}' shop-reader-1
	assert_output --partial ":ro"
	# down -v: the project's volume and data's anonymous one go; outside's stays its own
	run berth compose down -v -t 0
	assert_success
	run berth volume ls -q
	assert_output "$before"
	run berth rm -f -v outside
	assert_success
}

@test "compose ipc, pid and volumes_from: bad values refused by name before anything is made" {
	printf 'services:\n  a:\n    image: berth/default\n    ipc: bogus\n' >compose.yaml
	run berth compose up -d
	[ "$status" -eq 15 ]
	assert_output "berth: service 'a': ipc 'bogus': invalid IPC mode"
	printf 'services:\n  a:\n    image: berth/default\n    pid: private\n' >compose.yaml
	run berth compose up -d
	[ "$status" -eq 15 ]
	assert_output "berth: service 'a': pid 'private': invalid PID mode"
	printf 'services:\n  a:\n    image: berth/default\n    volumes_from: ["b:rx"]\n  b:\n    image: berth/default\n' >compose.yaml
	run berth compose up -d
	[ "$status" -eq 15 ]
	assert_output "berth: service 'a': volumes_from 'b:rx': the mode is ro or rw"
	printf 'services:\n  a:\n    image: berth/default\n    volumes_from: [nope]\n' >compose.yaml
	run berth compose up -d
	[ "$status" -eq 15 ]
	assert_output "berth: compose.yaml:2: services.a.depends_on.nope: service 'a' depends on undefined service 'nope'"
	run berth ps -aq
	assert_output ""
}

@test "compose ipc: a donor must be shareable as dockerd's (a service without ipc: is Docker's private)" {
	# service:x with x of the default mode, or private: refused before anything is made,
	# with dockerd's words (Docker refuses it at the joiner's start)
	for mode in '' 'ipc: private' 'ipc: none'; do
		printf 'services:\n  a:\n    image: berth/default\n    ipc: service:b\n  b:\n    image: berth/default\n    %s\n' "$mode" >compose.yaml
		run berth compose up -d
		[ "$status" -eq 15 ]
		assert_output "berth: service 'a': ipc 'service:b': container shop-b-1: non-shareable IPC (hint: use IpcMode:shareable for the donor container)"
	done
	run berth ps -aq
	assert_output ""
	# a service without ipc: records dockerd's default, which `run --ipc container:` may not join
	cat >compose.yaml <<'YML'
services:
  plain:
    image: berth/default
    command: ["sleep", "1004"]
    stop_signal: SIGKILL
    network_mode: none
YML
	run berth compose up -d
	assert_success
	run berth inspect -f '{{.HostConfig.IpcMode}}' shop-plain-1
	assert_output private
	run berth run --rm --network none --ipc container:shop-plain-1 berth/default true
	[ "$status" -eq 125 ]
	assert_output --partial "non-shareable IPC (hint: use IpcMode:shareable for the donor container)"
	run berth compose down -t 0
	assert_success
	# container:x: x of berth's unset mode (run without --ipc) is refused as Docker's private
	# one would be, naming the service; a shareable x is joined
	run berth run -d --name outside --network none berth/default sleep 1005
	assert_success
	run berth run -d --name open --network none --ipc shareable berth/default sleep 1006
	assert_success
	printf 'services:\n  a:\n    image: berth/default\n    command: ["sleep", "1007"]\n    network_mode: none\n    ipc: container:outside\n' >compose.yaml
	run berth compose up -d
	assert_failure
	assert_output --partial "service 'a': ipc 'container:outside': container outside: non-shareable IPC (hint: use IpcMode:shareable for the donor container)"
	run berth ps -aq --filter label=com.docker.compose.project=shop
	assert_output ""
	sed -i 's/container:outside/container:open/' compose.yaml
	run berth compose up -d
	assert_success
	[ "$(ns_of shop-a-1 ipc)" = "$(ns_of open ipc)" ]
	run berth compose down -t 0
	assert_success
	run berth rm -f outside open
	assert_success
}
