#!/usr/bin/env bats
# The API against its reference (issue #18): the same docker CLI commands (Debian's 20.10) run
# against berth's service and against Debian's dockerd 20.10 (tests/helpers/dockerd: namespaces,
# storage and cgroups of its own, offline, no bridge: --network none on both sides) must print
# the same things and exit with the same codes: outputs, streams, exit statuses, inspect's
# fields, errors, and the events a container's life writes.

load helpers

DOCKER=/usr/bin/docker # /usr/local/bin/docker, first in PATH, is another docker's CLI

setup_file() {
	dockerd_peer_start || return 1
	export PEER="${DOCKERD_HOST:-}"
}

teardown_file() { dockerd_peer_stop; }

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
	store_teardown
	[ -z "$left" ] || { echo "left behind: $left" >&2; return 1; }
}

# on SIDE ARGS...: the docker CLI against berth's service (b) or dockerd (d); stdout and
# stderr apart in $WORK/SIDE.out and .err, the status in $WORK/SIDE.rc.
on() {
	local side=$1 host
	shift
	[ "$side" = b ] && host=$DOCKER_HOST || host=$PEER
	local rc=0
	DOCKER_CONFIG="$WORK/client-$side" timeout 60 "$DOCKER" -H "$host" "$@" \
		>"$WORK/$side.out" 2>"$WORK/$side.err" </dev/null || rc=$?
	echo "$rc" >"$WORK/$side.rc"
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

IMG=berth/default
N=(--network none)

@test "api peer: run's streams and exit statuses are dockerd's" {
	same run --rm "${N[@]}" $IMG sh -c 'echo out; echo err >&2; exit 3'
	[ "$(cat "$WORK/b.err")" = err ] && [ "$(cat "$WORK/d.err")" = err ]
	same run --rm "${N[@]}" -e A=b -w /tmp -u 1000:100 $IMG sh -c 'echo $A $(pwd) $(id -u) $(id -g)'
	same run --rm "${N[@]}" --entrypoint echo $IMG a 'b c'
	same run --rm "${N[@]}" -i $IMG cat
	same run --rm "${N[@]}" $IMG sh -c 'kill -9 $$'
	same run --rm "${N[@]}" $IMG /nonexistent
	same run --rm "${N[@]}" $IMG /etc
	same run --rm "${N[@]}" -t $IMG sh -c 'test -t 1 && echo tty'
}

@test "api peer: inspect's fields after create, run and exit are dockerd's" {
	local f='{{.Config.Entrypoint}}|{{.Config.Cmd}}|{{.Config.WorkingDir}}|{{.Config.User}}|{{.Config.Env}}|{{.Config.Tty}}|{{.Config.OpenStdin}}|{{.HostConfig.AutoRemove}}|{{.HostConfig.RestartPolicy.Name}}|{{.HostConfig.NetworkMode}}|{{.State.Status}}|{{.State.Running}}|{{.State.ExitCode}}|{{.Name}}|{{.Config.Labels}}'
	for side in b d; do
		on $side create "${N[@]}" --name pc1 --entrypoint sh -w /w -u 7 -e X=y -l k=v \
			$IMG -c 'exit 2'
		on $side create "${N[@]}" --name pc2 -it --restart on-failure:2 -e PATH=/x $IMG
	done
	same inspect -f "$f" pc1
	same inspect -f "$f" pc2
	same start pc1
	same wait pc1
	same inspect -f '{{.State.Status}} {{.State.ExitCode}} {{.State.Running}} {{.State.OOMKilled}}' pc1
	same ps -a --filter name=pc --format '{{.Names}} {{.Image}}'
}

@test "api peer: errors (unknown container, image, a conflict) are dockerd's" {
	same_err start nosuch
	same_err rm nosuch
	same_err inspect nosuch
	same_err exec nosuch true
	for side in b d; do on $side run -d "${N[@]}" --name pe1 $IMG sleep 60; done
	same_err rm pe1
	same_err create "${N[@]}" --name pe1 $IMG
	same_err rmi nosuch:1
	same exec pe1 sh -c 'exit 4'
	same kill pe1
	same wait pe1
	same_err exec pe1 true
}

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
