#!/usr/bin/env bats
# Pods, as podman 4 has them (issue #19, first step): `berth pod create|ls|inspect|start|stop|
# restart|kill|rm|top|stats|prune`, an infra container running berth-pause that holds the
# pod's network, IPC and UTS namespaces, `run --pod` (the container joins them; its ports are
# the pod's), `ps --pod`, pod events, podman's errors, and nothing left behind. Where podman
# 4.3 decides, it was asked (see docs/DESIGN.md "Pods").

load helpers

setup() {
	store_setup
	command -v nft >/dev/null || skip "nft (nftables) is not installed"
}

teardown() {
	berth pod rm -af >/dev/null 2>&1 || true
	net_teardown
	store_teardown
	[ -z "$LEFT" ] || { echo "left behind:$LEFT" >&2; return 1; }
}

# Every container of the pod (the infra's too), remembered for store_teardown's cgroup check.
remember() {
	berth pod inspect --format '{{range .Containers}}{{.Id}} {{end}}' "$1" | tr ' ' '\n' >>"$WORK/ids"
}

@test "pod: create, ls, inspect, run --pod, ps --pod, stop, start, restart, kill, rm" {
	T0=$(date +%s.%N)
	run berth pod create --name web -l tier=front -l team=a
	assert_success
	pod=$output
	[ ${#pod} -eq 64 ]
	run berth pod ls
	assert_success
	assert_line --index 0 --regexp '^POD ID +NAME +STATUS +CREATED +INFRA ID +# OF CONTAINERS$'
	assert_line --index 1 --regexp "^${pod:0:12} +web +Created +.* +[0-9a-f]{12} +1$"
	run berth pod inspect web
	assert_success
	infra=$(echo "$output" | jq -r .InfraContainerID)
	[ "$(echo "$output" | jq -r '.Name, .State, .Hostname, .Labels.tier, (.SharedNamespaces | join(",")), .NumContainers, .Containers[0].Name')" = \
	  "$(printf 'web\nCreated\nweb\nfront\nipc,net,uts\n1\n%s-infra' "${pod:0:12}")" ]
	[ "$(echo "$output" | jq -r .Containers[0].Id)" = "$infra" ]
	# a container made in the pod starts the infra with it
	berth create --pod web --name one berth/default sleep 600 >/dev/null
	berth start one >/dev/null
	run berth pod inspect --format '{{.State}} {{.NumContainers}}' web
	assert_output "Running 2"
	berth run -d --pod "${pod:0:10}" --name two berth/default sleep 600 >/dev/null
	remember web
	run berth ps --pod --format '{{.Names}} {{.Pod}} {{.PodName}}'
	assert_success
	assert_line "one ${pod:0:12} web"
	assert_line "two ${pod:0:12} web"
	assert_line "${pod:0:12}-infra ${pod:0:12} web"
	run berth ps --pod
	assert_line --index 0 --regexp 'NAMES +POD ID +PODNAME$'
	berth run -d --name alone berth/default sleep 600 >/dev/null
	run berth ps --filter pod=web --format '{{.Names}}'
	assert_success
	[ "$(echo "$output" | sort | tr '\n' ' ')" = "${pod:0:12}-infra one two " ]
	run berth ps --filter pod=nosuchpod --format '{{.Names}}'
	assert_success
	assert_output ""
	# ls: --format, -q (podman's: whole ids), --filter
	other=$(berth pod create --name other)
	run berth pod ls --format '{{.Name}} {{.Status}} {{.NumberOfContainers}}'
	assert_output "$(printf 'other Created 1\nweb Running 3')"
	run berth pod ls -q --filter label=tier=front
	assert_output "$pod"
	run berth pod ps --filter status=created --format '{{.Name}}'
	assert_output other
	run berth pod list --filter name=we --filter id="${pod:0:5}" --format '{{.Name}}'
	assert_output web
	# a container removed leaves the pod
	berth rm -f one >/dev/null
	run berth pod inspect --format '{{.NumContainers}}' web
	assert_output 2
	# stop: containers, then the infra; start: the infra first
	run berth pod stop -t 1 web
	assert_success
	assert_output "$pod"
	run berth pod inspect --format '{{.State}} {{range .Containers}}{{.State}} {{end}}' web
	assert_output "Exited exited exited "
	run berth pod start web
	assert_success
	run berth pod inspect --format '{{.State}}' web
	assert_output Running
	berth stop -t 1 two >/dev/null
	run berth pod ls --filter name=web --format '{{.Status}}'
	assert_output Degraded
	run berth pod restart web
	assert_success
	run berth pod inspect --format '{{.State}}' web
	assert_output Running
	# TERM ends berth-pause; sleep, PID 1 of its container, has no handler and stays
	run berth pod kill -s TERM web
	assert_success
	for _ in $(seq 50); do [ "$(berth pod inspect --format '{{.State}}' web)" = Degraded ] && break; sleep 0.1; done
	run berth pod inspect --format '{{range .Containers}}{{.Name}}={{.State}} {{end}}' web
	assert_output "${pod:0:12}-infra=exited two=running "
	run berth pod kill web
	assert_success
	for _ in $(seq 50); do [ "$(berth pod inspect --format '{{.State}}' web)" = Exited ] && break; sleep 0.1; done
	run berth pod inspect --format '{{.State}}' web
	assert_output Exited
	# rm: a stopped pod goes with its containers (as podman's)
	berth pod start web >/dev/null
	run berth pod rm web
	assert_failure 125
	assert_output --partial "pod web has running containers"
	run berth pod rm -f web
	assert_success
	assert_output "$pod"
	run berth ps -a --format '{{.Names}}'
	assert_output "$(printf '%s-infra\nalone' "${other:0:12}")"
	run berth pod ls --format '{{.Name}}'
	assert_output other
	# podman's pod events
	run berth events --since "$T0" --until "$(date +%s.%N)" --filter type=pod \
		--format '{{.Action}} {{.Actor.Attributes.name}}'
	assert_line --index 0 "create web"
	assert_line "stop web"
	assert_line "start web"
	assert_line "kill web"
	assert_line "remove web"
}

@test "pod: its containers share net (localhost), uts (the pod's hostname) and ipc" {
	berth pod create --name shared >/dev/null
	berth run -d --pod shared --name server berth/default sh -c 'echo hello-over-lo | nc -l -p 7000 127.0.0.1; sleep 600' >/dev/null
	berth run -d --pod shared --name peer berth/default sleep 600 >/dev/null
	remember shared
	for _ in $(seq 50); do berth exec peer netstat -ltn 2>/dev/null | grep -q ':7000 ' && break; sleep 0.1; done
	run berth exec peer nc -w 3 127.0.0.1 7000
	assert_success
	assert_output hello-over-lo
	run berth exec peer hostname
	assert_output shared
	run berth exec server cat /etc/hostname
	assert_output shared
	for ns in ipc uts net; do
		a=$(berth exec server readlink /proc/self/ns/$ns)
		b=$(berth exec peer readlink /proc/self/ns/$ns)
		[ -n "$a" ] && [ "$a" = "$b" ] || { echo "$ns: $a != $b"; false; }
	done
	# the pid and mount namespaces stay each container's own
	[ "$(berth exec server readlink /proc/self/ns/pid)" != "$(berth exec peer readlink /proc/self/ns/pid)" ]
	# a container outside the pod shares nothing with it
	run berth run --rm berth/default readlink /proc/self/ns/ipc
	[ "$output" != "$(berth exec peer readlink /proc/self/ns/ipc)" ]
}

@test "pod: --share ipc shares only ipc; --share none makes no infra container" {
	berth pod create --name onlyipc --share ipc --hostname h-ipc >/dev/null
	berth run -d --pod onlyipc --name ca berth/default sleep 600 >/dev/null
	berth run -d --pod onlyipc --name cb --hostname mine berth/default sleep 600 >/dev/null
	remember onlyipc
	[ "$(berth exec ca readlink /proc/self/ns/ipc)" = "$(berth exec cb readlink /proc/self/ns/ipc)" ]
	[ "$(berth exec ca readlink /proc/self/ns/net)" != "$(berth exec cb readlink /proc/self/ns/net)" ]
	run berth exec cb hostname
	assert_output mine
	run berth pod create --name nothing --share none
	assert_success
	run berth pod inspect --format '{{.InfraContainerID}}|{{.NumContainers}}|{{.SharedNamespaces}}|{{.State}}' nothing
	assert_output '|0|[]|Created'
	berth run -d --pod nothing --name cc berth/default sleep 600 >/dev/null
	berth run -d --pod nothing --name cd berth/default sleep 600 >/dev/null
	[ "$(berth exec cc readlink /proc/self/ns/ipc)" != "$(berth exec cd readlink /proc/self/ns/ipc)" ]
	[ "$(berth exec cc readlink /proc/self/ns/net)" != "$(berth exec cd readlink /proc/self/ns/net)" ]
	run berth pod inspect --format '{{.State}} {{.NumContainers}}' nothing
	assert_output "Running 2"
	run berth pod stop -t 1 nothing
	assert_success
	run berth pod rm nothing
	assert_success
	# (not --filter name=cc: a name filter matches inside names, and another pod's infra
	# container is named after its random id)
	run berth ps -a --format '{{.Names}}'
	assert_success
	refute_line cc
	refute_line cd
}

@test "pod: ports published on the pod reach a container listening inside it" {
	port=$(free_port)
	berth pod create --name pub -p "$port:80" >/dev/null
	berth run -d --pod pub --name www berth/default httpd -f -p 80 -h /etc >/dev/null
	remember pub
	for _ in $(seq 50); do curl -s --max-time 2 "http://127.0.0.1:$port/hostname" >/dev/null && break; sleep 0.1; done
	run curl -s --max-time 5 "http://127.0.0.1:$port/hostname"
	assert_success
	assert_output pub
	infra=$(berth pod inspect --format '{{.InfraContainerID}}' pub)
	run berth port "$infra"
	assert_output --partial "80/tcp -> 0.0.0.0:$port"
	berth pod rm -f pub >/dev/null
	run curl -s --max-time 2 "http://127.0.0.1:$port/hostname"
	assert_failure
}

@test "pod: errors as podman's (exit 125, nothing made)" {
	run berth run --rm --pod nosuch berth/default true
	assert_failure 125
	assert_output --partial "no pod with name or ID nosuch found: no such pod"
	for cmd in inspect start stop rm kill top; do
		run berth pod $cmd nosuch
		assert_failure 125
		assert_output --partial "no pod with name or ID nosuch found"
	done
	berth pod create --name taken >/dev/null
	run berth pod create --name taken
	assert_failure 125
	assert_output --partial 'name "taken" is in use: pod already exists'
	run berth run --rm --pod taken -p 8080:80 berth/default true
	assert_failure 125
	assert_output --partial "published or exposed ports must be defined when the pod is created"
	run berth run --rm --pod taken --network none berth/default true
	assert_failure 125
	assert_output --partial "networks must be defined when the pod is created"
	run berth run --rm --pod taken --hostname h berth/default true
	assert_failure 125
	assert_output --partial "cannot set hostname when joining the pod UTS namespace"
	run berth pod create --share ipc,pid
	assert_failure 125
	assert_output --partial "invalid kernel namespace to share: pid"
	run berth pod create --share none -p 8080:80
	assert_failure 125
	assert_output --partial "you must have an infra container to publish port bindings"
	run berth pod create --name 'bad name'
	assert_failure 125
	run berth pod ls --filter colour=red
	assert_failure 125
	run berth pod ls --filter status=sleepy
	assert_failure 125
	assert_output --partial "sleepy is not a valid pod status"
	run berth pod kill taken
	assert_failure 125
	assert_output --partial "no containers in pod"
	# the infra goes with its pod only; container prune passes over it (podman's)
	infra=$(berth pod inspect --format '{{.InfraContainerID}}' taken)
	run berth rm -f "$infra"
	assert_failure
	assert_output --partial "is the infra container of pod"
	run berth container prune -f
	assert_success
	run berth ps -aq --no-trunc
	assert_output "$infra"
	# nothing made by the refusals: one pod, its infra only
	run berth pod ls --format '{{.Name}} {{.NumberOfContainers}}'
	assert_output "taken 1"
	run berth ps -aq
	[ "$(echo "$output" | wc -l)" -eq 1 ]
}

@test "pod: top, stats, prune; nothing left behind" {
	busy=$(berth pod create --name busy)
	berth run -d --pod busy --name worker berth/default sleep 600 >/dev/null
	idle=$(berth pod create --name idle)
	remember busy
	remember idle
	run berth pod top busy
	assert_success
	assert_line --index 0 --regexp '^UID +PID +PPID'
	assert_line --regexp 'sleep 600$'
	assert_line --regexp '/berth-pause$'
	run berth pod stats --no-stream --format '{{.Name}}' busy
	assert_success
	assert_line worker
	assert_line "${busy:0:12}-infra"
	run berth pod prune -f
	assert_success
	assert_output "$idle"
	run berth pod ls --format '{{.Name}}'
	assert_output busy
	berth pod rm -f busy >/dev/null
	run berth ps -aq
	assert_output ""
	[ -z "$(ls "$STORE/pods")" ]
	for id in $(cat "$WORK/ids"); do
		[ -z "$(find /sys/fs/cgroup -maxdepth 3 -type d -path "*/berth/$id" 2>/dev/null)" ]
	done
	! grep -q "$STORE" /proc/self/mountinfo
}
