#!/usr/bin/env bats
# The API against its reference (issue #18): the same docker CLI commands (Debian's 20.10) run
# against berth's service and against Debian's dockerd 20.10 (tests/helpers/dockerd: namespaces,
# storage and cgroups of its own, offline, no bridge: --network none on both sides) must print
# the same things and exit with the same codes: outputs, streams, exit statuses, inspect's
# fields, errors, and the events a container's life writes. Podman 4.3's `podman system
# service` (its own storage in a directory of this file's, cgroupfs, file events, on a socket
# there) is a peer too, where it answers as dockerd does (same3, same3_err); where podman
# differs from dockerd the comparison is with dockerd alone, and a comment says how it differs.

load helpers

DOCKER=/usr/bin/docker # /usr/local/bin/docker, first in PATH, is another docker's CLI

# podman_peer_start: for setup_file, podman's service on PODMAN_DIR/podman.sock (its pid in
# PODMAN_PID, the socket's URL in PODMAN_HOST) with berth's image loaded; without podman,
# NO_PODMAN says so and the podman comparisons are left out.
PODMAN_CGROUP=/berth-podman-peer # podman's containers' (and conmon's) cgroups, removed at the end
pm() {
	podman --root "$PODMAN_DIR/storage" --runroot "$PODMAN_DIR/run" --tmpdir "$PODMAN_DIR/tmp" \
		--cgroup-manager cgroupfs --events-backend file --runtime "$(peer_runtime)" "$@"
}
podman_peer_start() {
	if ! command -v podman >/dev/null; then
		export NO_PODMAN="podman is not installed"
		return 0
	fi
	PODMAN_DIR=$(mktemp -d /tmp/berth-podman-peer.XXXXXX)
	export PODMAN_DIR PODMAN_HOST="unix://$PODMAN_DIR/podman.sock"
	# podman itself in the background (not pm, whose subshell $! would name), its stdio to a
	# log and fd 3 closed: bats waits for whoever holds fd 3
	podman --root "$PODMAN_DIR/storage" --runroot "$PODMAN_DIR/run" --tmpdir "$PODMAN_DIR/tmp" \
		--cgroup-manager cgroupfs --events-backend file --runtime "$(peer_runtime)" \
		system service --time 0 "$PODMAN_HOST" \
		</dev/null >"$PODMAN_DIR/service.log" 2>&1 3>&- &
	export PODMAN_PID=$!
	local _ store r=0
	for _ in $(seq 150); do
		DOCKER_CONFIG="$PODMAN_DIR/client" /usr/bin/docker -H "$PODMAN_HOST" version \
			>/dev/null 2>&1 && break
		sleep 0.2
	done
	store=$(mktemp -d /tmp/berth-store.XXXXXX)
	"$BERTH" --root "$store/root" --runroot "$store/run" save -o "$PODMAN_DIR/default.tar" \
		berth/default &&
		DOCKER_CONFIG="$PODMAN_DIR/client" timeout 120 /usr/bin/docker -H "$PODMAN_HOST" \
			load -i "$PODMAN_DIR/default.tar" >/dev/null || r=1
	rm -rf "$store"
	return $r
}

# podman_peer_stop: for teardown_file; its service, containers, images, mounts, cgroups and
# directory go.
podman_peer_stop() {
	[ -n "${PODMAN_DIR:-}" ] || return 0
	[ -z "${PODMAN_PID:-}" ] || kill "$PODMAN_PID" 2>/dev/null || true
	[ -z "${PODMAN_PID:-}" ] || wait "$PODMAN_PID" 2>/dev/null || true
	pm rm -af >/dev/null 2>&1 || true
	pm rmi -af >/dev/null 2>&1 || true
	# an exec's conmon outlives its container (podman keeps it --exit-delay 300 s for the
	# exit code); each of them names the directory
	local m d left
	left=$(pgrep -f -- "$PODMAN_DIR/" || true)
	[ -z "$left" ] || kill $left 2>/dev/null || true
	for _ in $(seq 50); do pgrep -f -- "$PODMAN_DIR/" >/dev/null || break; sleep 0.1; done
	for m in $(awk '{print $5}' /proc/self/mountinfo | grep "^$PODMAN_DIR/" | sort -r); do
		umount -l "$m" || true
	done
	for d in /sys/fs/cgroup/*"$PODMAN_CGROUP" /sys/fs/cgroup"$PODMAN_CGROUP"; do
		[ -d "$d" ] || continue
		find "$d" -mindepth 1 -depth -type d -exec rmdir {} + 2>/dev/null || true
		rmdir "$d" 2>/dev/null || true
	done
	rm -rf "$PODMAN_DIR"
}

setup_file() {
	dockerd_peer_start || return 1
	export PEER="${DOCKERD_HOST:-}"
	[ -n "${NO_DOCKER:-}" ] || podman_peer_start || return 1
}

teardown_file() {
	podman_peer_stop
	dockerd_peer_stop
}

setup() {
	[ -z "${NO_DOCKER:-}" ] || skip "$NO_DOCKER"
	store_setup
	api_service_start
}

teardown() {
	[ -n "${NO_DOCKER:-}" ] && return 0
	local left
	left=$(api_service_stop)
	DOCKER_CONFIG="$DOCKERD_DIR/client" "$DOCKER" -H "$PEER" rm -f $(DOCKER_CONFIG="$DOCKERD_DIR/client" "$DOCKER" -H "$PEER" ps -aq) >/dev/null 2>&1 || true
	[ -z "${PODMAN_HOST:-}" ] || DOCKER_CONFIG="$PODMAN_DIR/client" "$DOCKER" -H "$PODMAN_HOST" rm -f $(DOCKER_CONFIG="$PODMAN_DIR/client" "$DOCKER" -H "$PODMAN_HOST" ps -aq) >/dev/null 2>&1 || true
	store_teardown
	[ -z "$left" ] || { echo "left behind: $left" >&2; return 1; }
}

# on SIDE ARGS...: the docker CLI against berth's service (b), dockerd (d) or podman's
# service (p: its run and create with the limits podman needs here, root lacking
# CAP_SYS_RESOURCE, and its cgroups under PODMAN_CGROUP); stdout and stderr apart in
# $WORK/SIDE.out and .err, the status in $WORK/SIDE.rc.
on() {
	local side=$1 host
	shift
	case $side in
	b) host=$DOCKER_HOST ;;
	d) host=$PEER ;;
	p) host=$PODMAN_HOST ;;
	esac
	if [ "$side" = p ] && { [ "$1" = run ] || [ "$1" = create ]; }; then
		set -- "$1" --ulimit nofile=1024:1024 --ulimit nproc=1024:1024 \
			--cgroup-parent "$PODMAN_CGROUP" "${@:2}"
	fi
	local rc=0
	DOCKER_CONFIG="$WORK/client-$side" timeout 60 "$DOCKER" -H "$host" "$@" \
		>"$WORK/$side.out" 2>"$WORK/$side.err" </dev/null || rc=$?
	echo "$rc" >"$WORK/$side.rc"
}

# on_all ARGS...: on each side there is (podman's when it is installed).
on_all() {
	local side
	for side in b d ${PODMAN_HOST:+p}; do on $side "$@"; done
}

# same ARGS...: both sides print the same stdout and exit with the same status.
same() {
	on b "$@"
	on d "$@"
	local b d
	b="$(cat "$WORK/b.rc") $(cat "$WORK/b.out")"
	d="$(cat "$WORK/d.rc") $(cat "$WORK/d.out")"
	if [ "$b" != "$d" ]; then
		echo "docker $*" >&2
		echo "berth:   $b | $(cat "$WORK/b.err")" >&2
		echo "dockerd: $d | $(cat "$WORK/d.err")" >&2
		return 1
	fi
}

# same_err ARGS...: the same status and the same stderr (error messages).
same_err() {
	same "$@"
	local b d
	b=$(sed 's/[0-9a-f]\{64\}/ID/g' "$WORK/b.err")
	d=$(sed 's/[0-9a-f]\{64\}/ID/g' "$WORK/d.err")
	[ "$b" = "$d" ] || { echo "stderr: berth '$b' dockerd '$d'" >&2; return 1; }
}

# same3 ARGS...: same, and podman's service prints the same stdout with the same status
# (when podman is installed). same3_err: same_err, and podman's stderr too.
same3() {
	same "$@"
	[ -n "${PODMAN_HOST:-}" ] || return 0
	on p "$@"
	local b p
	b="$(cat "$WORK/b.rc") $(cat "$WORK/b.out")"
	p="$(cat "$WORK/p.rc") $(cat "$WORK/p.out")"
	if [ "$b" != "$p" ]; then
		echo "docker $*" >&2
		echo "berth:  $b | $(cat "$WORK/b.err")" >&2
		echo "podman: $p | $(cat "$WORK/p.err")" >&2
		return 1
	fi
}
same3_err() {
	same3 "$@"
	same_err "$@"
	[ -n "${PODMAN_HOST:-}" ] || return 0
	on p "$@"
	local b p
	b=$(sed 's/[0-9a-f]\{64\}/ID/g' "$WORK/b.err")
	p=$(sed 's/[0-9a-f]\{64\}/ID/g' "$WORK/p.err")
	[ "$b" = "$p" ] || { echo "stderr: berth '$b' podman '$p'" >&2; return 1; }
}

IMG=berth/default
N=(--network none)

@test "api peer: run's streams and exit statuses are dockerd's" {
	# podman 4.3's service: `docker run --rm` exits 0 whatever the process's status (the
	# CLI's wait loses to the removal), and a process that cannot start is "unable to
	# upgrade to tcp, received 409", status 1: those statuses are dockerd's alone
	same run --rm "${N[@]}" $IMG sh -c 'echo out; echo err >&2; exit 3'
	[ "$(cat "$WORK/b.err")" = err ] && [ "$(cat "$WORK/d.err")" = err ]
	same3 run --rm "${N[@]}" -e A=b -w /tmp -u 1000:100 $IMG sh -c 'echo $A $(pwd) $(id -u) $(id -g)'
	same3 run --rm "${N[@]}" --entrypoint echo $IMG a 'b c'
	same3 run --rm "${N[@]}" -i $IMG cat
	same3 run --rm "${N[@]}" $IMG sh -c 'kill -9 $$'
	same run --rm "${N[@]}" $IMG /nonexistent
	same run --rm "${N[@]}" $IMG /etc
	same3 run --rm "${N[@]}" -t $IMG sh -c 'test -t 1 && echo tty'
}

@test "api peer: inspect's fields after create, run and exit are dockerd's" {
	local f='{{.Config.Entrypoint}}|{{.Config.Cmd}}|{{.Config.WorkingDir}}|{{.Config.User}}|{{.Config.Env}}|{{.Config.Tty}}|{{.Config.OpenStdin}}|{{.HostConfig.AutoRemove}}|{{.HostConfig.RestartPolicy.Name}}|{{.HostConfig.NetworkMode}}|{{.State.Status}}|{{.State.Running}}|{{.State.ExitCode}}|{{.Name}}|{{.Config.Labels}}'
	on_all create "${N[@]}" --name pc1 --entrypoint sh -w /w -u 7 -e X=y -l k=v $IMG -c 'exit 2'
	on_all create "${N[@]}" --name pc2 -it --restart on-failure:2 -e PATH=/x $IMG
	same inspect -f "$f" pc1
	same inspect -f "$f" pc2
	# podman adds TERM=xterm and container=podman to Env, and gives "/" as the WorkingDir of
	# an image without one: the other fields are compared with it too
	local fp='{{.Config.Entrypoint}}|{{.Config.Cmd}}|{{.Config.User}}|{{.Config.Tty}}|{{.Config.OpenStdin}}|{{.HostConfig.AutoRemove}}|{{.HostConfig.RestartPolicy.Name}}|{{.HostConfig.RestartPolicy.MaximumRetryCount}}|{{.HostConfig.NetworkMode}}|{{.State.Status}}|{{.State.Running}}|{{.State.ExitCode}}|{{.Name}}|{{.Config.Labels}}'
	same3 inspect -f "$fp" pc1
	same3 inspect -f "$fp" pc2
	same3 start pc1
	same3 wait pc1
	same3 inspect -f '{{.State.Status}} {{.State.ExitCode}} {{.State.Running}} {{.State.OOMKilled}}' pc1
	# podman's list names the image localhost/berth/default:latest: dockerd's alone
	same ps -a --filter name=pc --format '{{.Names}} {{.Image}}'
	same3 ps -a --filter name=pc2 --format '{{.Names}} {{.Status}}'
	# the command as dockerd's list writes it (an argument with a space quoted); podman's
	# leaves the entrypoint out ("-c exit 2")
	same ps -a --filter name=pc1 --format '{{.Names}} {{.Command}}'
	same ps -a --no-trunc --filter name=pc1 --format '{{.Command}}'
	# no --hostname: the id's first 12 digits (dockerd's generateHostname), as the container
	# calls itself; --hostname's own
	on_all create "${N[@]}" --name pc3 --hostname hh $IMG
	same inspect -f '{{.Config.Hostname}}' pc3
	for side in b d; do
		on $side inspect -f '{{.Id}} {{.Config.Hostname}}' pc1
		read -r id host <"$WORK/$side.out"
		[ "$host" = "${id:0:12}" ] || { echo "$side: hostname '$host' of $id" >&2; false; }
	done
}

@test "api peer: errors (unknown container, image, a conflict) are dockerd's" {
	# podman words the errors of start, of a conflict and of an exec into a stopped
	# container its own way ("no container with name or ID", "container state improper"):
	# their statuses are compared with it, their text with dockerd's alone
	same3 start nosuch
	same_err start nosuch
	same3_err rm nosuch
	same3_err inspect nosuch
	same3_err exec nosuch true
	on_all run -d "${N[@]}" --name pe1 $IMG sleep 60
	same3 rm pe1
	same_err rm pe1
	same3 create "${N[@]}" --name pe1 $IMG
	same_err create "${N[@]}" --name pe1 $IMG
	same3_err rmi nosuch:1
	same3 exec pe1 sh -c 'exit 4'
	same3 kill pe1
	same3 wait pe1
	same3 exec pe1 true
	same_err exec pe1 true
}

# same_err_ids ARGS...: same_err with every id (12 to 64 hex digits) read as ID: the two
# sides' containers have ids of their own.
same_err_ids() {
	on b "$@"
	on d "$@"
	local b d
	b="$(cat "$WORK/b.rc") $(sed 's/[0-9a-f]\{12,64\}/ID/g' "$WORK/b.err")"
	d="$(cat "$WORK/d.rc") $(sed 's/[0-9a-f]\{12,64\}/ID/g' "$WORK/d.err")"
	[ "$b" = "$d" ] || { echo "docker $*: berth '$b' dockerd '$d'" >&2; return 1; }
}

@test "api peer: rmi of an image in use, a second connect, a disconnect of what is not connected: dockerd's refusals" {
	# an image of one name (committed on each side), a running container of it
	for side in b d; do
		on $side run "${N[@]}" --name pc $IMG true
		on $side commit pc pe:img
		on $side rm pc
		on $side run -d "${N[@]}" --name pe2 pe:img sleep 60
	done
	# by its last name, without -f
	same_err_ids rmi pe:img
	grep -q 'unable to remove repository reference "pe:img" (must force)' "$WORK/b.err"
	# by id, even with -f: each side's own id
	for side in b d; do
		on $side image inspect -f '{{.Id}}' pe:img
		id=$(cat "$WORK/$side.out")
		on $side rmi -f "${id#sha256:}"
		echo "$(cat "$WORK/$side.rc") $(sed 's/[0-9a-f]\{12,64\}/ID/g' "$WORK/$side.err")" >"$WORK/$side.rmi"
	done
	[ "$(cat "$WORK/b.rmi")" = "$(cat "$WORK/d.rmi")" ] ||
		{ echo "rmi -f ID: berth '$(cat "$WORK/b.rmi")' dockerd '$(cat "$WORK/d.rmi")'" >&2; false; }
	grep -q 'cannot be forced) - image is being used by running container' "$WORK/b.rmi"
	# -f by name only untags it: the image stays, its container runs on
	same rmi -f pe:img
	grep -qx 'Untagged: pe:img' "$WORK/b.out"
	on b ps -q --filter name=pe2
	[ -n "$(cat "$WORK/b.out")" ]
	# a second connect (403), a disconnect from a network it is not on (dockerd's 500)
	on b network create pn1
	on d network create pn1
	on b network create pn2
	on d network create pn2
	on b run -d --network pn1 --name pe3 $IMG sleep 60
	on d run -d --network pn1 --name pe3 $IMG sleep 60
	same_err_ids network connect pn1 pe3
	grep -q 'endpoint with name pe3 already exists in network pn1' "$WORK/b.err"
	same_err_ids network disconnect pn2 pe3
	grep -q 'is not connected to network pn2' "$WORK/b.err"
	# the statuses, through the API itself
	for path in /networks/pn1/connect /networks/pn2/disconnect; do
		req b POST $path '{"Container": "pe3"}'
		req d POST $path '{"Container": "pe3"}'
		[ "$(cat "$WORK/b.code")" = "$(cat "$WORK/d.code")" ] ||
			{ echo "$path: berth $(cat "$WORK/b.code"), dockerd $(cat "$WORK/d.code")" >&2; false; }
	done
	for side in b d; do
		on $side rm -f pe2 pe3
		on $side network rm pn1 pn2
		on $side image prune -f
	done
}

# podman 4.3's service answers GET /events?since=&until= with nothing from its file backend:
# the events are compared with dockerd's alone
@test "api peer: a container's events are dockerd's (create, start, exec, kill, die, destroy)" {
	local t0
	t0=$(date +%s.%N)
	for side in b d; do
		on $side run -d "${N[@]}" --name pv1 $IMG sleep 60
		on $side exec pv1 true
		on $side restart -t 1 pv1
		on $side stop -t 1 pv1
		on $side rm pv1
		on $side run --rm "${N[@]}" --name pv2 $IMG sh -c 'exit 3'
	done
	local until
	until=$(date +%s.%N)
	same events --since "$t0" --until "$until" --filter type=container \
		--format '{{.Status}} {{.Actor.Attributes.name}} {{.Actor.Attributes.exitCode}}{{.Actor.Attributes.signal}}'
	same events --since "$t0" --until "$until" --filter event=die --filter container=pv2 \
		--format '{{.Type}} {{.Action}} {{.From}} {{.Actor.Attributes.image}}'
}

# req SIDE METHOD PATH [JSON]: the API itself, with curl, on one side's socket: the status in
# $WORK/SIDE.code, the body in $WORK/SIDE.body
req() {
	local side=$1 method=$2 path=$3 host
	case $side in
	b) host=$DOCKER_HOST ;;
	d) host=$PEER ;;
	p) host=$PODMAN_HOST ;;
	esac
	curl -s --unix-socket "${host#unix://}" -X "$method" -o "$WORK/$side.body" \
		-w '%{http_code}' -H 'Content-Type: application/json' ${4:+-d "$4"} \
		"http://d/v1.41$path" >"$WORK/$side.code"
}

# same_status METHOD PATH [JSON]: the same status on each side there is, an error body
# {"message": "..."} on each (podman's has more keys), berth's message dockerd's
same_status() {
	local side
	for side in b d ${PODMAN_HOST:+p}; do req $side "$@"; done
	local b d p
	b=$(cat "$WORK/b.code") d=$(cat "$WORK/d.code")
	[ "$b" = "$d" ] || { echo "$*: berth $b, dockerd $d" >&2; return 1; }
	[ "$(jq -r .message "$WORK/b.body")" = "$(jq -r .message "$WORK/d.body")" ] ||
		{ echo "$*: berth '$(cat "$WORK/b.body")' dockerd '$(cat "$WORK/d.body")'" >&2; return 1; }
	[ -n "${PODMAN_HOST:-}" ] || return 0
	p=$(cat "$WORK/p.code")
	[ "$b" = "$p" ] || { echo "$*: berth $b, podman $p" >&2; return 1; }
	jq -e '.message | type == "string"' "$WORK/p.body" >/dev/null ||
		{ echo "$*: podman's body '$(cat "$WORK/p.body")'" >&2; return 1; }
}

# keys SIDE JQ: the sorted keys of what JQ picks of SIDE's body, one line
keys() { jq -c "$2 | keys" "$WORK/$1.body"; }

# keydiff JQ: where what JQ picks of berth's body and of dockerd's differ in their keys, one
# line each ("missing .HostConfig.Init", "extra .Config.X"): recursively where both values
# are objects, and in two lists of objects as the union of their items' keys (dockerd's
# Mounts come in no fixed order); nothing when the same
keydiff() {
	jq -rn --slurpfile b "$WORK/b.body" --slurpfile d "$WORK/d.body" '
		def kd($b; $d; $p):
			if ($b|type) == "object" and ($d|type) == "object" then
				[($d|keys[]) as $k | select($b|has($k)|not) | "missing \($p).\($k)"] +
				[($b|keys[]) as $k | select($d|has($k)|not) | "extra \($p).\($k)"] +
				[($d|keys[]) as $k | select($b|has($k)) | kd($b[$k]; $d[$k]; "\($p).\($k)")[]]
			elif ($b|type) == "array" and ($d|type) == "array" and
				($b|length) > 0 and ($d|length) > 0 and
				($b + $d | all(type == "object")) then kd($b | add; $d | add; "\($p)[]")
			else [] end;
		kd($b[0] | '"$1"'; $d[0] | '"$1"'; "")[]'
}

@test "api peer: statuses, error bodies and documents' shapes (curl) are dockerd's, and podman's where it agrees" {
	# an unknown container or image: 404 with {"message": ...} from all three; an image's
	# named as dockerd names it (nosuch:latest; inspect's with the name given first)
	same_status GET /containers/nosuch/json
	same_status GET /images/nosuch/json
	same_status GET /images/nosuch:1/json
	# (an id: podman 4.3 answers 500)
	PODMAN_HOST='' same_status GET /images/0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef/json
	same_status DELETE /images/nosuch
	same_status GET /images/nosuch/history
	same_status POST '/images/nosuch/tag?repo=x'
	same_status GET /networks/nosuch
	same_status DELETE /networks/nosuch
	same_status GET /volumes/nosuch
	same_status DELETE /volumes/nosuch
	same_status POST /containers/nosuch/start
	same_status POST /containers/nosuch/stop
	same_status DELETE /containers/nosuch
	same_status POST /containers/create '{"Image": "nosuch:1"}'
	assert_equal "$(cat "$WORK/b.code")" 404
	on_all run -d "${N[@]}" --name ps1 $IMG sleep 60
	# a list item has dockerd's keys; podman 4.3's has all of them but HostConfig (and more)
	local side part
	for side in b d ${PODMAN_HOST:+p}; do req $side GET '/containers/json?filters=%7B%22name%22%3A%5B%22ps1%22%5D%7D'; done
	assert_equal "$(keys b '.[0]')" "$(keys d '.[0]')"
	if [ -n "${PODMAN_HOST:-}" ]; then
		run jq -n --argjson b "$(keys b '.[0] | del(.HostConfig)')" --argjson p "$(keys p '.[0]')" '$b - $p'
		assert_output '[]'
	fi
	# inspect: dockerd's keys, all of them and no other, down to HostConfig's, Config's,
	# GraphDriver's and each network's (with and without ?size=true); podman's has all of
	# berth's top-level and State keys (and more)
	for side in b d ${PODMAN_HOST:+p}; do req $side GET /containers/ps1/json; done
	run keydiff .
	assert_output ''
	for part in . .State; do
		[ -n "${PODMAN_HOST:-}" ] || continue
		run jq -n --argjson b "$(keys b "$part")" --argjson p "$(keys p "$part")" '$b - $p'
		assert_output '[]'
	done
	for side in b d; do req $side GET '/containers/ps1/json?size=true'; done
	run keydiff .
	assert_output ''
	[ "$(jq '.SizeRw | type' "$WORK/b.body")" = '"number"' ]
	# a created container with a volume, a bind, a user network, a label, ulimits and --init
	# (omitempty keys of dockerd's: Init, Sysctls), and an exec in a running one (ExecIDs)
	for side in b d; do
		on $side volume create pv1
		on $side network create pn1
		on $side create --name pc3 --network pn1 -v pv1:/v -v /tmp:/t:ro -l a=b --init \
			--sysctl net.ipv4.ip_forward=1 --ulimit nofile=100:200 --cap-drop NET_RAW $IMG
		req $side GET /containers/pc3/json
	done
	run keydiff .
	assert_output ''
	# (dockerd adds its --default-ulimit nproc after the container's own; the docker CLI
	# sends -v's Binds in its Go map's order, which changes from run to run: sorted)
	local f='[(.HostConfig.Binds | sort), .HostConfig.Init, .HostConfig.Sysctls, .HostConfig.Ulimits[0], .HostConfig.CapDrop, .ExecIDs]'
	assert_equal "$(jq -c "$f" "$WORK/b.body")" "$(jq -c "$f" "$WORK/d.body")"
	local exec_id
	for side in b d; do
		req $side POST /containers/ps1/exec '{"Cmd": ["true"]}'
		exec_id=$(jq -r .Id "$WORK/$side.body")
		req $side GET /containers/ps1/json
		assert_equal "$(jq -c .ExecIDs "$WORK/$side.body")" "[\"$exec_id\"]"
	done
	# images, networks (a user one and none), volumes: dockerd's keys, recursively (a
	# network's Containers apart: ids as keys, and dockerd lists a created container there
	# too, berth only those with an endpoint, which a start makes)
	for path in /images/$IMG/json /networks/pn1 /networks/none /volumes/pv1; do
		for side in b d; do req $side GET "$path"; done
		assert_equal "$(cat "$WORK/b.code") $(cat "$WORK/d.code")" "200 200"
		run keydiff 'del(.Containers?)'
		assert_output ''
	done
	# in use: a volume's removal 409 naming its containers, a network's with a running
	# container on it 403 (libnetwork's active endpoints are Forbidden)
	local m
	for side in b d; do
		on $side run -d --name pc4 --network pn1 -v pv1:/v $IMG sleep 60
		req $side DELETE /volumes/pv1
		m=$(jq -r .message "$WORK/$side.body" | sed 's/[0-9a-f]\{64\}/ID/g')
		echo "$(cat "$WORK/$side.code") $m" >"$WORK/$side.vol"
		req $side DELETE /networks/pn1
		m=$(jq -r .message "$WORK/$side.body" | sed 's/[0-9a-f]\{64\}/ID/g')
		echo "$(cat "$WORK/$side.code") $m" >"$WORK/$side.net"
	done
	assert_equal "$(cat "$WORK/b.vol")" "409 remove pv1: volume is in use - [ID, ID]"
	assert_equal "$(cat "$WORK/d.vol")" "409 remove pv1: volume is in use - [ID, ID]"
	assert_equal "$(cat "$WORK/b.net")" "$(cat "$WORK/d.net")"
	assert_equal "$(cut -c1-4 "$WORK/b.net")" "403 "
	for side in b d; do
		on $side rm -f pc3 pc4
		on $side network rm pn1
		on $side volume rm pv1
	done
	# where podman 4.3 answers otherwise, dockerd's statuses: a running container's removal
	# and a name in use are 409 (podman: 500), a signal that does not exist 400 (podman: 500),
	# an API version past 1.41 400 (podman serves it)
	for side in b d; do req $side DELETE /containers/ps1; done
	assert_equal "$(cat "$WORK/b.code") $(cat "$WORK/d.code")" "409 409"
	for side in b d; do req $side POST '/containers/create?name=ps1' '{"Image": "berth/default"}'; done
	assert_equal "$(cat "$WORK/b.code") $(cat "$WORK/d.code")" "409 409"
	for side in b d; do req $side POST '/containers/ps1/kill?signal=BOGUS'; done
	assert_equal "$(cat "$WORK/b.code") $(cat "$WORK/d.code")" "400 400"
	assert_equal "$(jq -r .message "$WORK/b.body")" "$(jq -r .message "$WORK/d.body")"
}
