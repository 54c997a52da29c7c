#!/usr/bin/env bats
# The Docker Engine API (issue #18): `berth system service` on a socket of the test's own,
# driven by Debian's docker CLI 20.10 (/usr/bin/docker: /usr/local/bin/docker is another) and
# by curl for what the CLI does not show (headers, error bodies).

load helpers

setup() {
	store_setup
	[ -x /usr/bin/docker ] || skip "Debian's docker.io (the docker CLI) is not installed"
	api_service_start
}

teardown() {
	registry_stop
	# no connection's process outlives its client
	local left
	left=$(api_service_stop)
	store_teardown
	[ -z "$left" ] || { echo "left behind: $left" >&2; return 1; }
}

docker() { timeout 30 /usr/bin/docker "$@"; }
api() { curl -s --unix-socket "$SOCK" "$@"; }

@test "api: _ping, version and info as dockerd answers them; errors as Docker's" {
	run curl -sI --unix-socket "$SOCK" http://d/_ping
	assert_output --partial 'Api-Version: 1.41'
	assert_output --partial 'Ostype: linux'
	run api http://d/_ping
	assert_output OK
	run docker version --format '{{.Server.APIVersion}} {{.Server.Os}}'
	assert_success
	assert_output '1.41 linux'
	run docker info --format '{{.Driver}} {{.OSType}}'
	assert_output 'overlay linux'
	# a version prefix, too new or too old
	run api http://d/v1.41/version
	assert_output --partial '"ApiVersion":"1.41"'
	run api -w ' %{http_code}' http://d/v1.99/version
	assert_output --partial 'is too new'
	assert_output --regexp ' 400$'
	run api -w ' %{http_code}' http://d/v1.12/version
	assert_output --regexp ' 400$'
	# unknown things: 404 with a message
	run api -w ' %{http_code}' http://d/containers/nosuch/json
	assert_output '{"message":"No such container: nosuch"}
 404'
	run api -w ' %{http_code}' http://d/nosuch
	assert_output --regexp ' 404$'
	# bad input: 400, nothing made
	run api -w ' %{http_code}' -X POST -H 'Content-Type: application/json' -d '{"Image":' \
		http://d/containers/create
	assert_output --partial 'invalid JSON'
	assert_output --regexp ' 400$'
	run api -w ' %{http_code}' -X POST -d '{}' http://d/containers/create
	assert_output --regexp ' 400$'
	run api -w ' %{http_code}' -X POST 'http://d/containers/create?name=x' \
		-d '{"Image": "nosuch:image"}'
	assert_output --partial 'No such image: nosuch:image'
	assert_output --regexp ' 404$'
	run berth ps -aq
	assert_output ""
}

@test "api: docker run: output, stdin, exit codes, --rm, -d, wait" {
	run docker run --rm berth/default sh -c 'echo out; echo err >&2; exit 3'
	assert_equal "$status" 3
	assert_line out
	assert_line err
	run sh -c "echo piped | timeout 30 /usr/bin/docker run --rm -i berth/default sh -c 'cat; exit 4'"
	assert_equal "$status" 4
	assert_output piped
	# a process that ends at once still gives its output and code
	run docker run --name kept berth/default sh -c 'echo quick; exit 5'
	assert_equal "$status" 5
	assert_output quick
	run docker inspect -f '{{.State.Status}} {{.State.ExitCode}}' kept
	assert_output 'exited 5'
	run docker start -a kept
	assert_equal "$status" 5
	assert_output quick
	id=$(docker run -d berth/default sh -c 'sleep 1; exit 6')
	run docker wait "$id"
	assert_output 6
	run docker rm kept "$id"
	assert_success
	run berth ps -aq
	assert_output ""
}

@test "api: logs (--tail, -t, -f, stderr apart), stop, kill, restart, rm -f" {
	id=$(docker run -d berth/default sh -c 'echo one; echo two >&2; sleep 1; echo three; sleep 30')
	sleep 1.5
	run docker logs "$id"
	assert_line one
	assert_line two
	assert_line three
	run sh -c "timeout 30 /usr/bin/docker logs $id 2>/dev/null"
	refute_line two
	run docker logs --tail 1 "$id"
	assert_output three
	run docker logs -t --tail 1 "$id"
	assert_output --regexp '^20[0-9-]+T[0-9:.]+Z three$'
	# -f follows until the container ends
	(sleep 1; /usr/bin/docker kill -s TERM "$id" >/dev/null) &
	run docker logs -f --tail 0 "$id"
	assert_success
	run docker inspect -f '{{.State.Status}}' "$id"
	assert_output exited
	run docker restart -t 1 "$id"
	assert_success
	run docker inspect -f '{{.State.Running}}' "$id"
	assert_output true
	run docker stop -t 1 "$id"
	assert_success
	run docker kill "$id"
	assert_failure
	assert_output --partial 'is not running'
	run docker start "$id"
	run docker rm "$id"
	assert_failure
	assert_output --partial 'cannot remove a running container'
	run docker rm -f "$id"
	assert_success
	run berth ps -aq
	assert_output ""
}

@test "api: the service and the command line see the same containers and images" {
	berth run -d --name from-cli berth/default sleep 30 >/dev/null
	run docker ps --format '{{.Names}} {{.Image}} {{.State}}'
	assert_output 'from-cli berth/default running'
	docker run -d --name from-api --label k=v berth/default sleep 30 >/dev/null
	run berth ps --format '{{.Names}}'
	assert_line from-api
	run docker ps -q --filter label=k=v
	assert_output "$(berth inspect -f '{{.Id}}' from-api | cut -c1-12)"
	run docker ps -a --filter status=exited -q
	assert_output ""
	run docker inspect -f '{{.Config.Labels.k}} {{.State.Running}}' from-api
	assert_output 'v true'
	run docker images --format '{{.Repository}}:{{.Tag}}'
	assert_output 'berth/default:latest'
	run docker image inspect -f '{{.Os}} {{.Architecture}}' berth/default
	assert_output --regexp '^linux '
	run docker system df --format '{{.Type}} {{.TotalCount}}'
	assert_line 'Containers 2'
	berth rm -f from-cli >/dev/null
	run docker rm -f from-api
	assert_success
}

@test "api: the list follows every change the command line makes, at once (the listener's record cache)" {
	berth create --name cache-a berth/default sleep 30 >/dev/null
	sleep 1.5 # the listener, idle, has read the record and made its list item
	run docker ps -a --format '{{.Names}} {{.State}}'
	assert_output 'cache-a created'
	# each change is seen by the next request, before the listener catches up
	berth rename cache-a cache-b
	run docker ps -a --format '{{.Names}} {{.State}}'
	assert_output 'cache-b created'
	berth start cache-b >/dev/null
	run docker ps --format '{{.Names}} {{.State}} {{.Status}}'
	assert_output --regexp '^cache-b running Up '
	run docker ps -a --filter name=cache-b -q
	assert_output "$(berth inspect -f '{{.Id}}' cache-b | cut -c1-12)"
	berth kill cache-b >/dev/null
	berth wait cache-b >/dev/null || true
	run docker ps -a --format '{{.Names}} {{.State}}'
	assert_output 'cache-b exited'
	berth rm cache-b >/dev/null
	run docker ps -a -q
	assert_output ''
	run docker inspect cache-b
	assert_failure
	berth create --name cache-b berth/default true >/dev/null # the name again, a new record
	run docker ps -a --format '{{.Names}} {{.Command}}'
	assert_output 'cache-b "true"'
	berth rm cache-b >/dev/null
}

@test "system service: its socket's mode, the idle timeout, TCP refused" {
	[ "$(stat -c %a "$SOCK")" = 600 ] || [ "$(stat -c %a "$SOCK")" = 660 ]
	# a second service on the same socket is refused while the first answers
	run "$BERTH" --root "$STORE" --runroot "$RUNROOT" system service "unix://$SOCK"
	assert_equal "$status" 125
	assert_output --partial 'already answers'
	run "$BERTH" system service tcp://127.0.0.1:2375
	assert_equal "$status" 125
	assert_output --partial 'TLS'
	# --time: gone after that long without a request, its socket with it
	"$BERTH" --root "$STORE" --runroot "$RUNROOT" system service --time 1 "unix://$WORK/idle.sock" &
	local idle=$!
	for _ in $(seq 50); do [ -S "$WORK/idle.sock" ] && break; sleep 0.1; done
	curl -s --unix-socket "$WORK/idle.sock" http://d/_ping >/dev/null
	SECONDS=0
	wait "$idle"
	[ "$SECONDS" -le 5 ]
	[ ! -e "$WORK/idle.sock" ]
}

@test "system service: berth.socket and berth.service as systemd runs them (socket activation)" {
	command -v systemd-socket-activate >/dev/null || skip "systemd-socket-activate is not installed"
	local units="$BATS_TEST_DIRNAME/../../contrib/systemd" bindir
	bindir=$(dirname "$BERTH")
	sed "s|@BINDIR@|$bindir|" "$units/berth.service" >"$WORK/berth.service"
	cp "$units/berth.socket" "$WORK/berth.socket"
	if command -v systemd-analyze >/dev/null; then
		run systemd-analyze verify "$WORK/berth.socket" "$WORK/berth.service"
		assert_success
	fi
	grep -qx 'KillMode=process' "$WORK/berth.service" # stopping it stops no container
	grep -qx 'ListenStream=/run/berth/berth.sock' "$WORK/berth.socket"
	# its ExecStart, on the test's store, under a socket systemd-socket-activate holds
	local exec
	exec=$(sed -n 's/^ExecStart=//p' "$WORK/berth.service")
	exec=${exec/"$bindir/berth"/"$bindir/berth --root $STORE --runroot $RUNROOT"}
	# shellcheck disable=SC2086 # the unit's command line, split as systemd splits it
	systemd-socket-activate -l "$WORK/act.sock" $exec 3>&- &
	local act=$!
	for _ in $(seq 50); do [ -S "$WORK/act.sock" ] && break; sleep 0.1; done
	run timeout 30 /usr/bin/docker -H "unix://$WORK/act.sock" run --rm berth/default echo activated
	assert_success
	assert_output activated
	# the service gave the socket to root alone (no "berth" group here) and left its file to
	# systemd; it idles out after --time 5
	getent group berth >/dev/null || [ "$(stat -c %a "$WORK/act.sock")" = 600 ]
	SECONDS=0
	wait "$act" || true
	[ "$SECONDS" -le 10 ]
}

@test "api: docker pull from a registry (JSON progress), run of an image not there pulls it, tag, rmi" {
	registry_start plain
	# an image with a layer of its own, in the registry only
	berth run --name mk berth/default sh -c 'echo new > /new' >/dev/null
	berth commit mk "$REG/lib/app:1" >/dev/null
	berth rm mk >/dev/null
	berth push --tls-verify=false "$REG/lib/app:1" >/dev/null
	berth rmi "$REG/lib/app:1" >/dev/null
	run docker pull "$REG/lib/app:1"
	assert_success
	assert_output --partial 'Pull complete'
	assert_output --regexp 'Digest: sha256:[0-9a-f]{64}'
	assert_output --partial "Status: Downloaded newer image for $REG/lib/app:1"
	run docker pull "$REG/lib/app:1"
	assert_output --partial 'Image is up to date'
	run berth images --format '{{.Repository}}:{{.Tag}}' "$REG/lib/app"
	assert_output "$REG/lib/app:1"
	run docker pull "$REG/lib/nothere:1"
	assert_failure
	run docker tag "$REG/lib/app:1" mine:v2
	assert_success
	run berth images -q mine:v2
	refute_output ""
	run docker rmi mine:v2
	assert_success
	assert_output 'Untagged: mine:v2'
	run docker rmi "$REG/lib/app:1"
	assert_success
	assert_output --partial 'Deleted: sha256:'
	# run of an image that is not there: the CLI pulls it through the API first
	run docker run --rm "$REG/lib/app:1" cat /new
	assert_success
	assert_output --partial 'Pull complete'
	assert_output --partial 'new'
	run docker rmi nosuch:image
	assert_failure
	assert_output --partial 'No such image'
	registry_stop
}
