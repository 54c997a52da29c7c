#!/usr/bin/env bats
# berth's container commands with Docker's command line: run (foreground, -d, -i, -t, --rm),
# exit codes, the defaults a Docker user relies on, limits, stop/kill/restart policies, logs,
# ps, inspect, and a monitor that dies. Each test has its own store and runroot and leaves no
# container, cgroup or mount (store_teardown checks).

load helpers
bats_require_minimum_version 1.5.0

setup() { store_setup; }
teardown() { store_teardown; }

# kill_dead PID: SIGKILL, and back once PID is a zombie or gone: kill(2) returns before its
# target has died, and on a busy machine berth could otherwise still find it alive
kill_dead() {
	kill -9 "$1"
	timeout 10 sh -c 'while [ -e /proc/$1 ] && ! grep -q ") [ZX] " /proc/$1/stat; do sleep 0.05; done' sh "$1"
}

@test "run: output and exit code come back; --rm leaves nothing" {
	run berth run --rm berth/default sh -c 'echo out; echo err >&2; exit 3'
	assert_equal "$status" 3
	assert_line out
	assert_line err
	run berth ps -aq
	assert_output ""
	[ -z "$(ls "$STORE/containers")" ]
	[ -z "$(ls "$RUNROOT" | grep -vx -e runtime -e networks)" ]
	run berth run --rm berth/default echo hello
	assert_success
	assert_output hello
}

@test "run: exit codes 125, 126, 127 as docker run's, and nothing created for bad input" {
	run -127 berth run --rm berth/default nosuchcmd
	assert_output --partial "executable file not found"
	run berth run --rm berth/default /etc/passwd
	assert_equal "$status" 126
	# a directory is found but not executable: 126 too (issue #23; it was 127)
	run berth run --rm berth/default /etc
	assert_equal "$status" 126
	assert_output --partial 'Permission denied'
	# a relative working directory (the flag's, or an image config's): refused at create, as
	# dockerd's setWorkingDir (issue #23: it was refused only at start, by the runtime)
	run berth run -w rel berth/default true
	assert_equal "$status" 125
	assert_output --partial "the working directory 'rel' is invalid, it needs to be an absolute path"
	run berth run --bogus berth/default true
	assert_equal "$status" 125
	assert_output --partial "unknown flag: --bogus"
	run berth run --memory lots berth/default true
	assert_equal "$status" 125
	assert_output --partial "invalid size"
	run berth run --pull never nosuch/image:1 true
	assert_equal "$status" 125
	run berth run --ulimit nofile=9:1 berth/default true
	assert_equal "$status" 125
	run berth run --cap-add NOT_A_CAP berth/default true
	assert_equal "$status" 125
	assert_output --partial "unknown capability"
	run berth run --restart sometimes berth/default true
	assert_equal "$status" 125
	run berth ps -aq
	assert_output ""
}

@test "run -d: ps, logs -f, wait and inspect tell the truth" {
	id=$(berth run -d --name web berth/default sh -c 'echo one; sleep 1; echo two; exit 4')
	[ ${#id} -eq 64 ]
	echo "$id" >>"$WORK/ids"
	run berth ps --format '{{.Names}} {{.Status}}'
	assert_output --regexp '^web Up '
	run berth logs -f web
	assert_output "one
two"
	run berth wait web
	assert_output 4
	run berth ps -a --format '{{.ID}} {{.Status}}'
	assert_output --regexp "^${id:0:12} Exited \(4\) "
	run berth inspect -f '{{.State.Status}} {{.State.ExitCode}} {{.Name}} {{.Config.Image}} {{json .Config.Cmd}}' web
	assert_output 'exited 4 /web berth/default ["sh","-c","echo one; sleep 1; echo two; exit 4"]'
	run berth logs --tail 1 -t web
	assert_output --regexp '^[0-9-]+T[0-9:.]+Z two$'
	run berth ps -q
	assert_output ""
}

@test "run -i streams stdin; -it gives a real terminal" {
	run bash -c "printf 'a\nb\n' | '$BERTH' --root '$STORE' --runroot '$RUNROOT' run --rm -i berth/default sh -c 'cat; echo done'"
	assert_success
	assert_output "a
b
done"
	# without -i the container's stdin is empty
	run bash -c "echo nope | '$BERTH' --root '$STORE' --runroot '$RUNROOT' run --rm berth/default cat"
	assert_output ""
	run script -qec "'$BERTH' --root '$STORE' --runroot '$RUNROOT' run --rm -it berth/default sh -c 'tty; echo \$TERM'" /dev/null
	assert_success
	assert_output --partial "/dev/pts/0"
	assert_output --partial "xterm"
}

@test "defaults: Docker's capabilities, masked paths, hostname, hosts, image config, user" {
	run berth run --rm berth/default probe caps
	assert_success
	# Docker's 14: chown dac_override fowner fsetid kill setgid setuid setpcap
	# net_bind_service net_raw sys_chroot mknod audit_write setfcap
	assert_line "CapEff=00000000a80425fb"
	assert_line "CapBnd=00000000a80425fb"
	run berth run --rm berth/default sh -c 'cat /proc/timer_list | wc -c; hostname; cat /etc/hostname; grep -c localhost /etc/hosts; echo $PATH; echo $HOME; pwd'
	assert_success
	assert_line --index 0 0
	host=${lines[1]}
	[ ${#host} -eq 12 ]
	assert_line --index 2 "$host"
	assert_line --index 4 /usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
	assert_line --index 5 /root
	assert_line --index 6 /
	echo 'FROM_FILE=yes' >"$WORK/env"
	run berth run --rm -u nobody -w /tmp -h box -e A=1 --env-file "$WORK/env" --entrypoint /bin/sh berth/default -c 'id -u; id -g; pwd; hostname; echo $A $FROM_FILE; echo $HOME'
	assert_success
	assert_output "65534
65534
/tmp
box
1 yes
/nonexistent"
	# its own network namespace, loopback up (and eth0 on the default bridge); the host's
	# with --network host
	run berth run --rm berth/default sh -c 'ping -c1 -W2 127.0.0.1 >/dev/null && echo lo-up; ls /sys/class/net'
	assert_output "lo-up
eth0
lo"
	run berth run --rm --network host berth/default readlink /proc/self/ns/net
	assert_output "$(readlink /proc/self/ns/net)"
	# -p means nothing there: Docker's warning, and the run goes on
	run berth run --rm --network host -p 8080:80 berth/default true
	assert_success
	assert_output "WARNING: Published ports are discarded when using host network mode"
	run berth run --rm -u nosuchuser berth/default true
	assert_failure
	assert_output --partial "unable to find user nosuchuser"
	run berth run --rm --read-only berth/default touch /x
	assert_failure
	run berth run --rm --cap-drop ALL --cap-add CHOWN berth/default probe caps
	assert_line "CapEff=0000000000000001"
	run berth run --rm --privileged berth/default sh -c 'probe caps | grep CapEff; cat /proc/timer_list | head -c 1 | wc -c'
	assert_line --index 1 1
}

@test "limits: --memory, --pids-limit and --ulimit reach the container" {
	id=$(berth run -d --memory 64m --pids-limit 20 --ulimit nofile=512:1024 berth/default sleep 30)
	echo "$id" >>"$WORK/ids"
	if [ -f /sys/fs/cgroup/memory/berth/"$id"/memory.limit_in_bytes ]; then
		[ "$(cat /sys/fs/cgroup/memory/berth/"$id"/memory.limit_in_bytes)" = 67108864 ]
		[ "$(cat /sys/fs/cgroup/pids/berth/"$id"/pids.max)" = 20 ]
	else
		[ "$(cat /sys/fs/cgroup/berth/"$id"/memory.max)" = 67108864 ]
	fi
	berth rm -f "$id"
	run berth run --rm --ulimit nofile=512:1024 berth/default sh -c 'ulimit -n; ulimit -Hn'
	assert_output "512
1024"
	run berth run --rm --pids-limit 10 berth/default sh -c 'for i in $(seq 20); do sleep 5 & done; wait'
	assert_output --partial "can't fork"
}

@test "stop: the stop signal, then SIGKILL after the timeout; kill; restart" {
	id=$(berth run -d berth/default sleep 100)
	echo "$id" >>"$WORK/ids"
	start=$(date +%s)
	run berth stop -t 1 "$id"
	assert_success
	[ $(($(date +%s) - start)) -lt 8 ]
	run berth inspect -f '{{.State.ExitCode}}' "$id"
	assert_output 137
	# a process that handles SIGTERM ends at once with its own status
	# (PID 1 of a pid namespace gets only the signals it handles, as with Docker)
	berth run -d --name trap berth/default sh -c 'trap "exit 7" TERM; trap "exit 8" USR1; while :; do sleep 0.1; done' >/dev/null
	sleep 0.5
	run berth stop -t 20 trap
	assert_output trap
	run berth inspect -f '{{.State.ExitCode}}' trap
	assert_output 7
	run berth start trap
	assert_success
	sleep 0.5
	run berth kill -s USR1 trap
	assert_success
	run timeout 20 "$BERTH" --root "$STORE" --runroot "$RUNROOT" wait trap
	assert_output 8
	run berth restart -t 1 trap
	assert_success
	run berth inspect -f '{{.State.Status}}' trap
	assert_output running
	run berth rm trap
	assert_failure
	assert_output --partial "cannot remove a running container"
	run berth rm -f trap
	assert_success
}

@test "restart policies: on-failure:N gives up after N; always comes back; stop ends it" {
	id=$(berth run -d --restart on-failure:2 berth/default sh -c 'exit 3')
	echo "$id" >>"$WORK/ids"
	for _ in $(seq 100); do
		[ "$(berth inspect -f '{{.State.Status}}' "$id")" = exited ] && break
		sleep 0.1
	done
	run berth inspect -f '{{.State.Status}} {{.RestartCount}} {{.State.ExitCode}}' "$id"
	assert_output "exited 2 3"
	run berth logs "$id"
	id2=$(berth run -d --restart always berth/default sh -c 'sleep 0.2; exit 1')
	echo "$id2" >>"$WORK/ids"
	sleep 1.5
	run berth inspect -f '{{.RestartCount}}' "$id2"
	[ "$output" -ge 1 ]
	berth stop -t 1 "$id2"
	run berth inspect -f '{{.State.Status}}' "$id2"
	assert_output exited
}

@test "system boot: after the host went down, the restart policies bring back what Docker's would" {
	berth run -d --name always --restart always berth/default sleep 1000 >/dev/null
	berth run -d --name unless --restart unless-stopped berth/default sleep 1000 >/dev/null
	berth run -d --name unless-byhand --restart unless-stopped berth/default sleep 1000 >/dev/null
	berth run -d --name always-byhand --restart always berth/default sleep 1000 >/dev/null
	berth run -d --name onfail --restart on-failure berth/default sleep 1000 >/dev/null
	berth run -d --name none --network none berth/default sleep 1000 >/dev/null
	berth create --name created --restart always berth/default sleep 1000 >/dev/null
	berth ps -aq --no-trunc >>"$WORK/ids"
	# stopped by hand: stop, and kill with SIGKILL (as Docker's, both count)
	berth stop -t 0 unless-byhand >/dev/null
	berth kill always-byhand >/dev/null
	berth wait always-byhand >/dev/null
	run berth inspect -f '{{.State.Status}}' always-byhand
	assert_output exited
	# the host goes down: every monitor and container process killed at once; the runtime's
	# records, the mounts and the cgroups stay as such a crash leaves them
	for id in $(berth ps -q --no-trunc); do
		kill -9 "$(jq -r .MonitorPid "$STORE/containers/$id/state.json")"
		kill -9 "$(jq -r .Pid "$STORE/containers/$id/state.json")"
	done
	sleep 0.3
	run berth ps -a --format '{{.Names}} {{.Status}}'
	assert_line --regexp '^always Exited \(255\)'
	run berth system boot
	assert_success
	[ "${#lines[@]}" -eq 3 ]
	run berth ps --format '{{.Names}}'
	assert_output --partial always
	[ "$(echo "$output" | sort | tr '\n' ' ')" = "always always-byhand unless " ]
	run berth ps -a --format '{{.Names}} {{.Status}}'
	assert_line --regexp '^unless-byhand Exited \(137\)'
	assert_line --regexp '^onfail Exited \(255\)'
	assert_line --regexp '^none Exited \(255\)'
	assert_line 'created Created'
	run berth inspect -f '{{.State.Error}}' onfail
	assert_output --partial "the host went down"
	# back on its network, and nothing the crash left is a problem now
	run berth exec always cat /proc/net/route
	assert_output --partial eth0
	run berth system check
	assert_output "No problems found"
	# podman's start --all, with filters
	berth stop -t 0 always unless always-byhand >/dev/null
	run berth start --all --filter restart-policy=unless-stopped
	assert_success
	[ "${#lines[@]}" -eq 2 ]
	run berth ps --format '{{.Names}}'
	[ "$(echo "$output" | sort | tr '\n' ' ')" = "unless unless-byhand " ]
	run berth start --all always
	assert_failure 125
}

@test "names: unique, renamed, resolved by prefix; create then start -a" {
	berth create --name one berth/default echo created-then-started >/dev/null
	run berth create --name one berth/default true
	assert_failure
	assert_output --partial 'is already in use'
	[ "$(berth ps -aq | wc -l)" -eq 1 ]
	run berth ps -a --format '{{.Status}}'
	assert_output Created
	berth rename one two
	run berth start -a two
	assert_success
	assert_output created-then-started
	id=$(berth inspect -f '{{.Id}}' two)
	run berth logs "${id:0:5}"
	assert_output created-then-started
	run berth rename two 'bad name'
	assert_failure
	run berth container prune -f
	assert_line --partial "$id"
	run berth ps -aq
	assert_output ""
}

@test "prune --filter: until and labels choose what goes; a bad filter removes nothing" {
	berth create --name keep -l keep=yes berth/default true >/dev/null
	berth create --name other -l team=a berth/default true >/dev/null
	berth volume create --label keep=yes vkeep >/dev/null
	berth volume create vother >/dev/null
	berth network create --label keep=yes nkeep >/dev/null
	berth network create nother >/dev/null
	# a bad filter, or until for volumes, is refused before anything goes
	for bad in "container prune -f --filter nosuch=1" "container prune -f --filter until=soon" \
		"volume prune -af --filter until=1h" "system prune -f --volumes --filter until=1h" \
		"network prune -f --filter label"; do
		# shellcheck disable=SC2086
		run berth $bad
		assert_equal "$status" 125
	done
	run berth ps -aq
	assert_equal "$(echo "$output" | wc -l)" 2
	# until: only what was made before then; nothing here is an hour old
	run berth container prune -f --filter until=1h
	assert_success
	refute_output --partial "Deleted"
	run berth network prune -f --filter until=1h
	assert_output ""
	# labels: what has (label=) or has not (label!=) the label
	other=$(berth inspect -f '{{.Id}}' other)
	run berth container prune -f --filter label!=keep=yes
	assert_line "$other"
	run berth ps -a --format '{{.Names}}'
	assert_output keep
	run berth volume prune -af --filter label!=keep
	assert_line vother
	run berth network prune -f --filter label=keep=yes
	assert_line nkeep
	run berth network ls --filter type=custom --format '{{.Name}}'
	assert_output nother
	run berth system prune -af --volumes --filter label=keep
	run berth ps -aq
	assert_output ""
	run berth volume ls -q
	assert_output vkeep # system prune takes anonymous volumes only, as Docker's
	run berth images -q
	assert_output --regexp '^[0-9a-f]{12}$' # berth/default has no label "keep": kept
	# until as a time: what was made before it goes
	berth create --name young berth/default true >/dev/null
	run berth container prune -f --filter "until=$(date -u -d '+1 hour' +%Y-%m-%dT%H:%M:%SZ)"
	assert_line --regexp '^[0-9a-f]{64}$'
	run berth ps -aq
	assert_output ""
}

@test "a monitor that dies: ps says so rather than lying, rm cleans up" {
	id=$(berth run -d berth/default sleep 100)
	echo "$id" >>"$WORK/ids"
	mon=$(jq -r .MonitorPid "$STORE/containers/$id/state.json")
	kill_dead "$mon"
	run berth inspect -f '{{.State.Status}} {{.State.Error}}' "$id"
	assert_output --partial "running the container's monitor is gone"
	pid=$(jq -r .Pid "$STORE/containers/$id/state.json")
	kill -9 "$pid"
	sleep 0.3
	run berth ps -a --format '{{.Status}}'
	assert_output --regexp '^Exited \(255\)'
	run berth rm "$id"
	assert_success
	! grep -q "$id" /proc/self/mountinfo
}

@test "signals sent to a foreground run reach the container" {
	# the binary itself, not the berth() function: the signal must reach berth, not a subshell
	"$BERTH" --root "$STORE" --runroot "$RUNROOT" run --rm berth/default sh -c 'trap "echo got-term; exit 9" TERM; echo ready; while :; do sleep 0.1; done' >"$WORK/out" &
	cli=$!
	for _ in $(seq 50); do grep -q ready "$WORK/out" && break; sleep 0.1; done
	kill -TERM "$cli"
	wait "$cli" || status=$?
	[ "${status:-0}" -eq 9 ]
	grep -q got-term "$WORK/out"
}

@test "20 parallel run --rm all succeed and leave nothing" {
	pids=()
	for i in $(seq 20); do
		berth run --rm berth/default sh -c "echo run-$i" >"$WORK/p$i" 2>&1 &
		pids+=($!)
	done
	for i in "${!pids[@]}"; do
		wait "${pids[$i]}"
	done
	for i in $(seq 20); do grep -qx "run-$i" "$WORK/p$i"; done
	run berth ps -aq
	assert_output ""
	[ -z "$(ls "$STORE/containers")" ]
}

@test "exec: a command in a running container, with -e -w -u -i -t, and its exit code" {
	id=$(berth run -d --name ex berth/default sleep 60)
	echo "$id" >>"$WORK/ids"
	run berth exec ex sh -c 'echo in; hostname'
	assert_success
	assert_output "in
${id:0:12}"
	run berth exec -u nobody -w /tmp -e X=1 ex sh -c 'id -u; pwd; echo $X'
	assert_output "65534
/tmp
1"
	run bash -c "echo data | '$BERTH' --root '$STORE' --runroot '$RUNROOT' exec -i ex cat"
	assert_output data
	run bash -c "echo data | '$BERTH' --root '$STORE' --runroot '$RUNROOT' exec ex cat"
	assert_output ""
	run -127 berth exec ex nosuch
	run -5 berth exec ex sh -c 'exit 5'
	run script -qec "'$BERTH' --root '$STORE' --runroot '$RUNROOT' exec -it ex tty" /dev/null
	assert_output --partial /dev/pts/
	berth stop -t 1 ex
	run berth exec ex true
	assert_failure
}

@test "rmi: an image a container uses is refused as dockerd refuses; -f keeps the layers the container needs" {
	berth tag berth/default mine:1
	berth rmi berth/default >/dev/null
	img=$(berth image inspect -f '{{.Id}}' mine:1)
	img=${img#sha256:}
	# a running container: by id not even with -f; by its last name, -f only untags it
	run_id=$(berth run -d mine:1 sleep 1000)
	echo "$run_id" >>"$WORK/ids"
	run berth rmi -f "$img"
	assert_failure
	assert_output "berth: conflict: unable to delete ${img:0:12} (cannot be forced) - image is being used by running container ${run_id:0:12}"
	run berth rmi mine:1
	assert_failure
	assert_output "berth: conflict: unable to remove repository reference \"mine:1\" (must force) - container ${run_id:0:12} is using its referenced image ${img:0:12}"
	run berth rmi -f mine:1
	assert_success
	assert_output "Untagged: docker.io/library/mine:1"
	run berth image inspect -f '{{.RepoTags}}' "$img"
	assert_output "[]"
	berth rm -f "$run_id" >/dev/null
	berth tag "$img" mine:1
	# a stopped one: refused without -f, by id or name; -f deletes it
	id=$(berth create mine:1 echo still-here)
	echo "$id" >>"$WORK/ids"
	run berth rmi "$img"
	assert_failure
	assert_output --partial "conflict: unable to delete ${img:0:12} (must be forced) - image is being used by stopped container ${id:0:12}"
	run berth rmi mine:1
	assert_failure
	assert_output --partial "(must force) - container ${id:0:12} is using its referenced image"
	run berth rmi -f mine:1
	assert_success
	run berth start -a "$id"
	assert_output still-here
	berth rm "$id"
	berth image prune -f >/dev/null
	[ -z "$(ls "$STORE/layers" | grep -v '^\.')" ]
}

@test "pause, unpause, top, stats, attach, port" {
	berth run -d --name p1 berth/default sh -c 'i=0; while :; do i=$((i+1)); echo $i; sleep 0.1; done' >"$WORK/ids"
	sleep 0.5
	run berth pause p1
	assert_output p1
	run berth ps --format '{{.Status}}'
	assert_output --regexp '\(Paused\)$'
	n1=$(berth logs p1 | wc -l)
	sleep 0.5
	[ "$(berth logs p1 | wc -l)" -eq "$n1" ]
	berth unpause p1
	sleep 0.5
	[ "$(berth logs p1 | wc -l)" -gt "$n1" ]
	run berth top p1
	assert_line --index 0 --regexp '^UID +PID +PPID'
	assert_output --partial 'sh -c i=0'
	run berth stats --no-stream --format '{{.Name}} {{.PIDs}}'
	assert_output --regexp '^p1 [1-9]'
	run berth port p1
	assert_output ""
	run berth port p1 80
	assert_failure
	# (attach passes SIGTERM on to the container: timeout must kill it)
	run timeout -s KILL 2 "$BERTH" --root "$STORE" --runroot "$RUNROOT" attach --no-stdin p1
	[ "${#lines[@]}" -ge 5 ]
	run berth pause p1
	run berth stop -t 1 p1
	assert_success
	run berth inspect -f '{{.State.Status}}' p1
	assert_output exited
}

@test "attach: stdin a container never reads holds back its client, not the monitor: output still reaches the log, stop works" {
	# -i and a process that never reads its stdin: the pipe fills (64 KiB); the monitor used
	# to block in its write, and then relayed nothing more (the log stopped)
	id=$(berth run -d -i berth/default sh -c 'i=0; while :; do i=$((i+1)); echo line$i; sleep 0.2; done')
	echo "$id" >>"$WORK/ids"
	head -c 8388608 /dev/zero >"$WORK/zeros"
	"$BERTH" --root "$STORE" --runroot "$RUNROOT" attach "$id" <"$WORK/zeros" >/dev/null 2>&1 3>&- &
	apid=$!
	sleep 2
	n1=$(berth logs "$id" | wc -l)
	sleep 2
	n2=$(berth logs "$id" | wc -l)
	kill -9 "$apid"
	wait "$apid" || true
	[ "$n2" -gt "$n1" ]
	run berth stop -t 1 "$id"
	assert_success
	run berth inspect -f '{{.State.Status}}' "$id"
	assert_output exited
	# stdin a process does read still arrives whole, past the pipe's size
	run sh -c "head -c 1048576 /dev/zero | timeout 60 \"$BERTH\" --root \"$STORE\" --runroot \"$RUNROOT\" run --rm -i berth/default wc -c"
	assert_success
	assert_output 1048576
}

@test "--init: a reaper at PID 1 passes SIGTERM on and returns the command's status" {
	run berth run --rm --init berth/default sh -c 'cat /proc/1/cmdline | tr "\0" " "; exit 4'
	assert_equal "$status" 4
	assert_output --partial "/sbin/berth-init -- sh -c"
	id=$(berth run -d --init berth/default sleep 100)
	echo "$id" >>"$WORK/ids"
	sleep 0.3
	start=$(date +%s)
	berth stop -t 20 "$id"
	[ $(($(date +%s) - start)) -lt 5 ]
	run berth inspect -f '{{.State.ExitCode}} {{.Path}}' "$id"
	assert_output "143 sleep"
}

@test "system check finds what a killed monitor left and repairs it; info, system df, prune" {
	id=$(berth run -d berth/default sleep 100)
	echo "$id" >>"$WORK/ids"
	sleep 0.3
	kill_dead "$(jq -r .MonitorPid "$STORE/containers/$id/state.json")"
	run berth system check
	assert_failure
	assert_output --partial "its monitor is gone"
	run berth system check --repair
	assert_success
	assert_line --partial "its monitor is gone (repaired)"
	! grep -q "$STORE/containers/$id/rootfs" /proc/self/mountinfo
	run berth system check
	assert_success
	assert_output "No problems found"
	! pgrep -f "sleep 100" >/dev/null || ! grep -q "$id" /proc/$(pgrep -f "sleep 100" | head -1)/cgroup
	run berth ps -a --format '{{.Status}}'
	assert_output --regexp '^Exited \(137\)'
	# a cgroup a create cut short left (no runtime record for it)
	cg=/sys/fs/cgroup/pids/berth/$id
	[ -d /sys/fs/cgroup/pids ] || cg=/sys/fs/cgroup/berth/$id
	mkdir -p "$cg"
	run berth system check
	assert_failure
	assert_output --partial "its cgroup is left behind"
	run berth system check --repair
	assert_success
	[ ! -d "$cg" ]
	mkdir -p "$cg"
	run berth info --format '{{.Containers}} {{.ContainersStopped}} {{.Driver}}'
	assert_output "1 1 overlay"
	run berth version --format '{{.Client.Version}} {{.Client.Os}}'
	assert_output --regexp '^[0-9]+\.[0-9]+\.[0-9]+ linux$'
	run berth version --bogus
	assert_failure 125
	run berth system df --format '{{.Type}} {{.TotalCount}}'
	assert_line "Containers 1"
	run berth system prune -f
	assert_success
	run berth ps -aq
	assert_output ""
	[ ! -d "$cg" ] # rm clears it too
}

@test "seccomp: berth's default profile, unconfined, --privileged, a profile file" {
	run berth run --rm berth/default sh -c 'grep "^Seccomp:" /proc/self/status; unshare -n true 2>/dev/null; echo unshare=$?; echo ok >/tmp/x && cat /tmp/x'
	assert_output "Seccomp:	2
unshare=1
ok"
	# with CAP_SYS_ADMIN the namespaces are allowed again
	run berth run --rm --cap-add SYS_ADMIN berth/default sh -c 'unshare -n true; echo unshare=$?'
	assert_output "unshare=0"
	run berth run --rm --security-opt seccomp=unconfined berth/default grep "^Seccomp:" /proc/self/status
	assert_output "Seccomp:	0"
	run berth run --rm --privileged berth/default grep "^Seccomp:" /proc/self/status
	assert_output "Seccomp:	0"
	cat >"$WORK/profile.json" <<-'JSON'
	{"defaultAction": "SCMP_ACT_ALLOW",
	 "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13},
	              {"names": ["chmod"], "action": "SCMP_ACT_ERRNO", "includes": {"caps": ["CAP_SYS_ADMIN"]}}]}
	JSON
	run berth run --rm --security-opt seccomp="$WORK/profile.json" berth/default sh -c 'mkdir /tmp/d; echo mkdir=$?; chmod 700 /tmp; echo chmod=$?'
	assert_output --partial "mkdir=1"
	assert_output --partial "Permission denied"
	assert_output --partial "chmod=0"
	run berth run --rm --security-opt seccomp=/nonexistent berth/default true
	assert_equal "$status" 125
}

@test "cp both ways stays inside the container; diff; export; update" {
	id=$(berth create --name files berth/default sh -c 'echo x >/tmp/new; rm /etc/group; ln -s / /escape')
	echo "$id" >>"$WORK/ids"
	berth start -a files
	run berth diff files
	assert_output "A /escape
C /etc
D /etc/group
C /tmp
A /tmp/new"
	berth cp files:/tmp/new "$WORK/new"
	[ "$(cat "$WORK/new")" = x ]
	mkdir "$WORK/etc-out"
	berth cp files:/etc "$WORK/etc-out"
	[ -f "$WORK/etc-out/etc/passwd" ]
	# a symlink in the container resolves inside it, in both directions
	run berth cp files:/escape/etc/group "$WORK/group"
	assert_failure
	[ ! -e "$WORK/group" ]
	echo in >"$WORK/in"
	berth cp "$WORK/in" files:/escape/tmp/landed
	[ ! -e /tmp/landed ]
	run berth diff files
	assert_line "A /tmp/landed"
	berth cp "$WORK/in" files:/root/
	run berth export files
	assert_success
	berth export -o "$WORK/fs.tar" files
	tar -xOf "$WORK/fs.tar" root/in | grep -qx in
	tar -tf "$WORK/fs.tar" | grep -qx 'bin/busybox'
	run berth update --memory 96m --restart always files
	assert_output files
	run berth inspect -f '{{.HostConfig.Memory}} {{.HostConfig.RestartPolicy.Name}}' files
	assert_output "100663296 always"
}

@test "cp with '-': a tar on stdout and from stdin, neither escaping through links or '..'" {
	id=$(berth create --name tars berth/default sh -c 'mkdir -p /data/sub; echo a >/data/a; echo b >/data/sub/b; ln -s / /data/up; ln -s /data/a /link')
	echo "$id" >>"$WORK/ids"
	berth start -a tars
	berth cp tars:/data - >"$WORK/data.tar"
	run tar -tvf "$WORK/data.tar"
	assert_line --regexp '^d.* data/?$'
	assert_line --regexp ' data/sub/b$'
	assert_line --regexp '^l.* data/up -> /$'
	[ "$(berth cp tars:/data/a - | tar -xOf -)" = a ]
	# a link is copied as a link; -L follows it, inside the container
	berth cp tars:/link - >"$WORK/link.tar"
	run tar -tvf "$WORK/link.tar"
	assert_output --regexp '^l.* link -> /data/a$'
	[ "$(berth cp -L tars:/link - | tar -xOf - link)" = a ]
	# in: owners and modes from the tar; a ".wh." name is just a name
	mkdir -p "$WORK/src/new"
	echo n >"$WORK/src/new/file"
	echo w >"$WORK/src/new/.wh.a"
	chmod 0640 "$WORK/src/new/file"
	tar -C "$WORK/src" --owner=7 --group=8 -cf "$WORK/in.tar" new
	berth cp - tars:/data <"$WORK/in.tar"
	run berth diff tars
	assert_line "A /data/new/file"
	assert_line "A /data/new/.wh.a"
	berth cp tars:/data/new/file - | tar -tvf - | grep -q '^-rw-r----- 7/8 '
	# hostile tars change nothing
	python3 - "$WORK" <<-'PY'
		import io, sys, tarfile
		for name, member in (("dotdot", "../../evil"), ("abs", "/tmp/evil"), ("link", "up/tmp/evil")):
		    with tarfile.open(f"{sys.argv[1]}/{name}.tar", "w") as t:
		        info = tarfile.TarInfo(member); info.size = 5
		        t.addfile(info, io.BytesIO(b"evil\n"))
	PY
	for t in dotdot abs link; do
		run berth cp - tars:/data <"$WORK/$t.tar"
		assert_failure
	done
	[ ! -e /tmp/evil ]
	run berth diff tars
	assert_success
	refute_output --partial evil
	# the destination is a directory; a directory does not replace a file
	run berth cp - tars:/data/a <"$WORK/in.tar"
	assert_failure
	assert_output --partial "must be a directory"
	mkdir -p "$WORK/clash/a"
	tar -C "$WORK/clash" -cf "$WORK/clash.tar" a
	run berth cp - tars:/data <"$WORK/clash.tar"
	assert_failure
	assert_output --partial "cannot overwrite non-directory"
	[ "$(berth cp tars:/data/a - | tar -xOf -)" = a ]
}

@test "cp -a: what is copied in is the container's user's, by its own /etc/passwd; without -a the owners stay" {
	berth create --name cpa --user 4321:8765 berth/default true >/dev/null
	mkdir -p "$WORK/t/sub" && echo x >"$WORK/t/sub/f" && ln -s sub/f "$WORK/t/l" && chown -R 42:43 "$WORK/t"
	chown -h 42:43 "$WORK/t/l"
	berth cp -a "$WORK/t" cpa:/owned
	berth cp "$WORK/t" cpa:/kept
	tar -C "$WORK" -cf - t | berth cp -a - cpa:/
	berth cp cpa:/ - | tar -tvf - 2>/dev/null | awk '{print $2, $6}' | grep -E ' /(owned|kept|t)(/|$)' | sort >"$WORK/owners"
	run cat "$WORK/owners"
	assert_line "4321/8765 /owned/sub/f"
	assert_line "4321/8765 /owned/l"
	assert_line "4321/8765 /owned/"
	assert_line "42/43 /kept/sub/f"
	assert_line "4321/8765 /t/sub/f"
	refute_line --regexp '^42/43 /(owned|t)/'
	# a user the container's files do not know: the reason, nothing copied
	berth create --name cpu --user nosuchuser berth/default true >/dev/null
	run berth cp -a "$WORK/t" cpu:/t
	assert_failure
	assert_output --partial "nosuchuser"
	run berth diff cpu
	assert_output ""
	berth rm cpa cpu >/dev/null
}

@test "cp sees what the container sees: its volumes and tmpfs while it runs, volumes after" {
	id=$(berth run -d --name live -v cpvol:/vol --tmpfs /scratch berth/default sh -c 'ln -s / /esc; sleep 100')
	echo "$id" >>"$WORK/ids"
	echo in >"$WORK/in"
	berth cp "$WORK/in" live:/scratch/a
	berth cp "$WORK/in" live:/vol/b
	berth cp "$WORK/in" live:/esc/tmp/c
	[ ! -e /tmp/c ]
	run berth exec live cat /scratch/a /vol/b /tmp/c
	assert_output "in
in
in"
	berth exec live sh -c 'echo from-tmpfs >/scratch/d'
	berth cp live:/scratch/d "$WORK/d"
	[ "$(cat "$WORK/d")" = from-tmpfs ]
	berth stop -t 0 live
	# stopped: the volume is reached through its record, the tmpfs is gone
	[ "$(berth cp live:/vol/b - | tar -xOf -)" = in ]
	berth cp "$WORK/in" live:/vol/e
	run berth run --rm -v cpvol:/v berth/default cat /v/e
	assert_output in
	run berth cp live:/scratch/d "$WORK/d2"
	assert_failure
	berth rm live
	berth volume rm cpvol
}

@test "commit: the container's changes (deletions too) and config become an image" {
	id=$(berth create --name c1 -e X=1 berth/default sh -c 'echo made >/made; rm /etc/group')
	echo "$id" >>"$WORK/ids"
	berth start -a c1
	run berth commit -m "my change" -a me -c 'CMD ["cat","/made"]' c1 committed:1
	assert_success
	assert_output --regexp '^sha256:[0-9a-f]{64}$'
	run berth run --rm committed:1
	assert_output made
	run berth run --rm committed:1 sh -c 'test -e /etc/group || echo gone; echo $X'
	assert_output "gone
1"
	run berth history --format '{{.CreatedBy}}|{{.Comment}}' committed:1
	assert_line --index 0 "berth commit|my change"
	run berth image inspect -f '{{.Author}} {{len .RootFS.Layers}}' committed:1
	assert_output "me 2"
	run berth ps -a -s --format '{{.Size}}'
	assert_output --regexp '^[0-9.]+k?B \(virtual [0-9.]+MB\)$'
	# a running container, paused while its files are read
	berth run -d --name live berth/default sh -c 'echo hi >/x; sleep 30' >>"$WORK/ids"
	sleep 0.3
	berth commit live live:1 >/dev/null
	run berth inspect -f '{{.State.Status}}' live
	assert_output running
	run berth run --rm live:1 cat /x
	assert_output hi
	# one never started: an empty layer, the config changed (as Docker's)
	berth create --name fresh berth/default >>"$WORK/ids"
	berth commit -c 'CMD ["echo", "from-fresh"]' fresh fresh:1 >/dev/null
	run berth run --rm fresh:1
	assert_output from-fresh
}

@test "#16 an image whose /etc/passwd is a FIFO: run -u and exec -u answer at once, cp and export do not hang" {
	id=$(berth create --name mk berth/default sh -c 'rm /etc/passwd && mkfifo /etc/passwd')
	echo "$id" >>"$WORK/ids"
	berth start -a mk
	berth commit mk fifo:1 >/dev/null
	# as if the image had no passwd: a name is not found, a number needs none
	run timeout -k 5 30 "$BERTH" --root "$STORE" --runroot "$RUNROOT" run --rm -u nobody fifo:1 true
	assert_failure
	[ "$status" -ne 124 ] # not the timeout's
	assert_output --partial "unable to find user nobody: no matching entries in passwd file"
	run timeout -k 5 30 "$BERTH" --root "$STORE" --runroot "$RUNROOT" run --rm -u 1000 fifo:1 probe ids
	assert_success
	assert_line uid=1000
	berth run -d --name fr fifo:1 sleep 30 >>"$WORK/ids"
	run timeout -k 5 30 "$BERTH" --root "$STORE" --runroot "$RUNROOT" exec -u nobody fr true
	assert_failure
	[ "$status" -ne 124 ]
	assert_output --partial "unable to find user nobody"
	# and the FIFO comes out of cp and export as a FIFO, without hanging either
	run timeout -k 5 30 sh -c "\"$BERTH\" --root \"$STORE\" --runroot \"$RUNROOT\" cp fr:/etc/passwd - | tar -tvf -"
	assert_success
	assert_output --regexp '^p'
}

@test "--device: the node in the container, its permissions enforced by the cgroup" {
	[ -e /dev/loop0 ] && [ -e /dev/fuse ] || skip "no /dev/loop0 or /dev/fuse here"
	run berth run --rm --device /dev/fuse berth/default sh -c 'test -c /dev/fuse && echo there'
	assert_output there
	run berth run --rm --device /dev/loop0:/dev/xloop:r berth/default sh -c 'head -c 1 /dev/xloop >/dev/null; echo read=$?; echo x 2>/dev/null >/dev/xloop; echo write=$?'
	assert_output "read=0
write=1"
	run berth run --rm --device /etc/passwd berth/default true
	assert_equal "$status" 125
	assert_output --partial "is not a device"
}

@test "health checks: starting, healthy, unhealthy, in ps and inspect; --no-healthcheck" {
	berth run -d --name h1 --health-cmd 'test -e /tmp/ok' --health-interval 300ms --health-retries 2 \
		berth/default sh -c 'sleep 1; touch /tmp/ok; sleep 1.5; rm /tmp/ok; sleep 30' >"$WORK/ids"
	run berth ps --format '{{.Status}}'
	assert_output --partial "(health: starting)"
	for _ in $(seq 50); do
		[ "$(berth inspect -f '{{.State.Health.Status}}' h1)" = healthy ] && break
		sleep 0.1
	done
	run berth ps --format '{{.Status}}'
	assert_output --regexp '\(healthy\)$'
	for _ in $(seq 80); do
		[ "$(berth inspect -f '{{.State.Health.Status}}' h1)" = unhealthy ] && break
		sleep 0.1
	done
	run berth inspect -f '{{.State.Health.Status}} {{index .State.Health.Log 0 | json}}' h1
	assert_output --regexp '^unhealthy \{"Start":'
	berth rm -f h1
	run berth run --rm --no-healthcheck --health-cmd true berth/default true
	assert_success
}
