#!/usr/bin/env bats
# berth-runtime with runc's command line: lifecycle, isolation, limits, bad input.

load helpers

setup() { common_setup; }
teardown() { common_teardown; }

@test "run: the process runs as configured and its exit code comes back" {
	set_config "$BUNDLE" '.process.args = ["probe","ids","hostname","seccomp","exit","3"] | .process.user = {"uid":1000,"gid":1000,"additionalGids":[5]}'
	run rt run "$ID"
	assert_equal "$status" 3
	assert_line "uid=1000"
	assert_line "gid=1000"
	assert_line "groups=5"
	assert_line "hostname=berth"
	assert_line "NoNewPrivs=1"
	[ ! -e "$STATE_ROOT/$ID" ]
}

@test "lifecycle: create, state, start, kill, delete" {
	set_config "$BUNDLE" '.process.args = ["sleep","30"]'
	rt create --bundle "$BUNDLE" --pid-file "$BUNDLE/pid" "$ID" >"$BUNDLE/out" 2>&1
	run rt state "$ID"
	assert_success
	assert_output --partial '"status": "created"'
	pid=$(cat "$BUNDLE/pid")
	assert_output --partial "\"pid\": $pid"
	run rt start "$ID"
	assert_success
	run rt state "$ID"
	assert_output --partial '"status": "running"'
	run rt start "$ID"
	assert_failure
	run rt delete "$ID"
	assert_failure
	assert_output --partial "it is running"
	run rt kill "$ID" KILL
	assert_success
	for _ in $(seq 50); do rt state "$ID" | grep -q stopped && break; sleep 0.1; done
	run rt state "$ID"
	assert_output --partial '"status": "stopped"'
	run rt kill "$ID" TERM
	assert_failure
	run rt delete "$ID"
	assert_success
	[ ! -e "$STATE_ROOT/$ID" ]
}

@test "delete: a created container goes without --force (as runc); a running one needs it" {
	rt create --bundle "$BUNDLE" "$ID" >"$BUNDLE/out" 2>&1
	pid=$(rt state "$ID" | jq .pid)
	run rt delete "$ID"
	assert_success
	[ ! -e "$STATE_ROOT/$ID" ]
	! kill -0 "$pid" 2>/dev/null
	set_config "$BUNDLE" '.process.args = ["sleep","30"]'
	rt run -d --bundle "$BUNDLE" "$ID" >"$BUNDLE/out" 2>&1
	run rt delete "$ID"
	assert_failure
	assert_output --partial "it is running"
	run rt delete --force "$ID"
	assert_success
}

@test "list: table and json" {
	set_config "$BUNDLE" '.process.args = ["sleep","30"]'
	rt create --bundle "$BUNDLE" "$ID" >"$BUNDLE/out" 2>&1
	run rt list
	assert_output --partial "$ID"
	run rt list --format json
	assert_output --partial "\"id\":\"$ID\""
	run rt list -q
	assert_line "$ID"
}

@test "isolation: namespaces, masked and read-only paths, read-only root" {
	set_config "$BUNDLE" '.root.readonly = true | .process.args = ["sh","-c","echo pid=$$; cat /proc/timer_list | wc -c; echo x > /proc/sys/kernel/hostname && echo sysw; echo x > /f && echo rootw; probe fds"]'
	run rt run "$ID"
	assert_line "pid=1"
	assert_line "0"
	refute_line "sysw"
	refute_line "rootw"
	# Only stdio: no descriptor of the runtime leaks in (CVE-2024-21626).
	assert_line --regexp '^fds=0:[^,]*,1:[^,]*,2:[^,]*$'
}

@test "capabilities: the five sets are applied" {
	set_config "$BUNDLE" '.process.capabilities = {"bounding":["CAP_KILL","CAP_CHOWN"],"effective":["CAP_KILL"],"permitted":["CAP_KILL"],"inheritable":[],"ambient":[]} | .process.args = ["probe","caps"]'
	run rt run "$ID"
	assert_line "CapBnd=0000000000000021"
	assert_line "CapEff=0000000000000020"
	assert_line "CapPrm=0000000000000020"
}

@test "rlimits and oom_score_adj are applied" {
	set_config "$BUNDLE" '.process.rlimits = [{"type":"RLIMIT_NOFILE","soft":100,"hard":200}] | .process.oomScoreAdj = 500 | .process.args = ["probe","rlimits","oom"]'
	run rt run "$ID"
	assert_line "RLIMIT_NOFILE=100:200"
	assert_line "500"
}

@test "cgroups: memory limit written and pids limit bites" {
	set_config "$BUNDLE" '.linux.resources.memory = {"limit": 67108864} | .linux.resources.pids = {"limit": 10} | .process.args = ["sh","-c","probe fork 50; sleep 5"]'
	rt create --bundle "$BUNDLE" "$ID" >"$BUNDLE/out" 2>&1
	run cat "$(cgroup_file memory memory.limit_in_bytes)"
	[ -f /sys/fs/cgroup/cgroup.controllers ] || assert_output 67108864
	rt start "$ID" >/dev/null 2>&1
	sleep 0.5
	run rt ps "$ID"
	assert_success
	run rt kill "$ID" KILL
	for _ in $(seq 50); do rt state "$ID" | grep -q stopped && break; sleep 0.1; done
}

@test "cgroups: the pids limit stops a fork bomb" {
	set_config "$BUNDLE" '.linux.resources.pids = {"limit": 10} | .process.args = ["probe","fork","50"]'
	run rt run "$ID"
	assert_success
	forked=$(sed -n 's/^forked=//p' <<<"$output")
	[ "$forked" -lt 10 ]
}

@test "cgroups: the init and an exec are in the container's cgroup in every hierarchy" {
	# No cgroup namespace here, so /proc/self/cgroup shows the full paths.
	set_config "$BUNDLE" '.linux.namespaces |= map(select(.type != "cgroup")) | .process.args = ["sh","-c","cat /proc/self/cgroup; sleep 30"]'
	rt run -d "$ID" --bundle "$BUNDLE" >"$BUNDLE/out" 2>&1
	run rt exec "$ID" cat /proc/self/cgroup
	assert_success
	local exec_out=$output n
	n=$(grep -c . /proc/self/cgroup)
	for _ in $(seq 50); do [ "$(grep -c . "$BUNDLE/out")" -ge "$n" ] && break; sleep 0.1; done
	for out in "$(cat "$BUNDLE/out")" "$exec_out"; do
		# one line per hierarchy of the host, each ending in the container's cgroup
		[ "$(grep -c . <<<"$out")" -eq "$n" ]
		run grep -vc ":/berth-test/$ID\$" <<<"$out"
		assert_output 0
	done
}

@test "exec: runs inside the container's namespaces" {
	set_config "$BUNDLE" '.process.args = ["sleep","30"] | .hostname = "inside"'
	rt run -d "$ID" --bundle "$BUNDLE" >"$BUNDLE/out" 2>&1
	run rt exec "$ID" probe hostname pid
	assert_success
	assert_line "hostname=inside"
	run rt exec "$ID" sh -c 'exit 7'
	assert_equal "$status" 7
	run rt exec --env FOO=bar "$ID" sh -c 'echo $FOO'
	assert_output "bar"
	# --cap: bounding, effective and permitted, as runc and crun; an unknown name is a
	# warning and ignored (runtime spec 1.1, as crun)
	set_config "$BUNDLE" '.process.capabilities = {}'
	rt delete -f "$ID"
	rt run -d "$ID" --bundle "$BUNDLE" >"$BUNDLE/out" 2>&1
	run rt exec --cap CAP_NOPE "$ID" probe caps
	assert_success
	assert_output --partial "--cap: capability 'CAP_NOPE' unknown, ignored"
	assert_line "CapBnd=0000000000000000"
	run rt exec --cap CAP_KILL "$ID" probe caps
	assert_success
	assert_line "CapBnd=0000000000000020"
	assert_line "CapEff=0000000000000020"
	assert_line "CapInh=0000000000000000"
	assert_line "CapAmb=0000000000000000"
}

@test "seccomp: a denied syscall returns the configured errno" {
	set_config "$BUNDLE" '.linux.seccomp = {"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["sethostname"],"action":"SCMP_ACT_ERRNO","errnoRet":1}]} | .process.args = ["sh","-c","hostname x 2>&1; probe seccomp"] | .process.noNewPrivileges = true'
	run rt run "$ID"
	assert_output --partial "Operation not permitted"
	assert_line "Seccomp=2"
}

@test "mounts: a symlink in the rootfs cannot redirect a mount to the host" {
	hostdir=$(mktemp -d "$BATS_TEST_TMPDIR/host.XXXXXX") # bats removes it, pass or fail
	ln -s "$hostdir" "$BUNDLE/rootfs/evil"
	set_config "$BUNDLE" '.mounts += [{"destination":"/evil/x","type":"tmpfs","source":"tmpfs"}] | .process.args = ["probe","write","/evil/x/f","y"]'
	run rt run "$ID"
	assert_success
	# The tmpfs went to <rootfs>/<hostdir>/x, inside the rootfs; the host dir is untouched.
	[ -z "$(ls -A "$hostdir")" ]
	[ -d "$BUNDLE/rootfs$hostdir/x" ]
}

@test "bad input: malformed config.json gives one line and leaves nothing" {
	echo '{"ociVersion": "1.0.0", "root": ' >"$BUNDLE/config.json"
	run rt create --bundle "$BUNDLE" "$ID"
	assert_equal "$status" 1
	assert_equal "${#lines[@]}" 1
	assert_output --partial "invalid JSON"
	[ ! -e "$STATE_ROOT/$ID" ]
}

@test "capabilities: an unknown name is a warning and ignored, the rest apply (runtime spec 1.1, issue #23)" {
	set_config "$BUNDLE" '.process.args = ["probe","caps"] | .process.capabilities = {"bounding": ["CAP_KILL","CAP_TEST"], "effective": ["CAP_TEST","CAP_KILL"], "permitted": ["CAP_KILL"], "ambient": ["UNKNOWN_CAP"]}'
	run rt run --bundle "$BUNDLE" "$ID"
	assert_success
	assert_output --partial "process.capabilities.bounding: capability 'CAP_TEST' unknown, ignored"
	assert_output --partial "process.capabilities.ambient: capability 'UNKNOWN_CAP' unknown, ignored"
	assert_line "CapBnd=0000000000000020"
	assert_line "CapEff=0000000000000020"
	assert_line "CapAmb=0000000000000000"
}

@test "capabilities: one the runtime itself lacks is a warning (runtime spec 1.1), the rest apply" {
	set_config "$BUNDLE" '.process.args = ["probe","caps"] | .process.capabilities = {"bounding": ["CAP_KILL","CAP_SYS_RESOURCE"], "effective": ["CAP_KILL","CAP_SYS_RESOURCE"], "permitted": ["CAP_KILL","CAP_SYS_RESOURCE"]}'
	run setpriv --bounding-set -sys_resource "$RUNTIME" --root "$STATE_ROOT" run --bundle "$BUNDLE" "$ID"
	assert_success
	assert_output --partial "capability CAP_SYS_RESOURCE cannot be granted"
	assert_line "CapEff=0000000000000020"
}

@test "bad input: ids with a slash, and ids that exist, are refused" {
	run rt create --bundle "$BUNDLE" "a/b"
	assert_failure
	assert_output --partial "invalid container id"
	rt create --bundle "$BUNDLE" "$ID" >"$BUNDLE/out" 2>&1
	run rt create --bundle "$BUNDLE" "$ID"
	assert_failure
	assert_output --partial "already exists"
}

@test "bad input: missing rootfs and failing process leave no state or cgroup" {
	set_config "$BUNDLE" '.root.path = "nope"'
	run rt create --bundle "$BUNDLE" "$ID"
	assert_failure
	assert_output --partial "root.path"
	set_config "$BUNDLE" '.root.path = "rootfs" | .process.args = ["/no/such/program"]'
	run rt create --bundle "$BUNDLE" "$ID"
	assert_failure
	assert_output --partial "/no/such/program"
	[ ! -e "$STATE_ROOT/$ID" ]
}

@test "hooks: run at their times with the state on stdin; poststart failure only warns" {
	log="$BUNDLE/hooks.log"
	for h in prestart createRuntime poststart poststop; do
		printf '#!/bin/sh\nread s; echo "%s $s" >> %s\n' "$h" "$log" >"$BUNDLE/$h.sh"
		chmod +x "$BUNDLE/$h.sh"
	done
	set_config "$BUNDLE" ".process.args = [\"true\"] | .hooks = {\"prestart\":[{\"path\":\"$BUNDLE/prestart.sh\"}],\"createRuntime\":[{\"path\":\"$BUNDLE/createRuntime.sh\"}],\"poststart\":[{\"path\":\"$BUNDLE/poststart.sh\"},{\"path\":\"/bin/false\"}],\"poststop\":[{\"path\":\"$BUNDLE/poststop.sh\"}]}"
	run rt run "$ID"
	assert_success
	assert_output --partial "poststart hook"
	run cat "$log"
	assert_line --index 0 --partial "prestart {"
	assert_line --index 1 --partial "createRuntime {"
	assert_line --index 2 --partial "poststart {"
	assert_line --index 3 --partial "poststop {"
	assert_output --partial "\"id\":\"$ID\""
}

@test "events: stats at once and every --interval, an oom event, the end when it stops" {
	set_config "$BUNDLE" '.linux.resources.memory = {"limit": 16777216} | .process.args = ["sh","-c","sleep 1; x=$(head -c 100000000 /dev/zero | tr \"\\0\" a); echo survived"]'
	rt create --bundle "$BUNDLE" "$ID" >"$BUNDLE/out" 2>&1
	timeout 20 "$RUNTIME" --root "$STATE_ROOT" events --interval 300ms "$ID" >"$BUNDLE/events" &
	ev=$!
	rt start "$ID"
	wait "$ev"   # events ends by itself once the container has stopped
	run cat "$BUNDLE/events"
	assert_line --index 0 --partial "{\"type\":\"stats\",\"id\":\"$ID\",\"data\":"
	assert_line "{\"type\":\"oom\",\"id\":\"$ID\"}"
	[ "$(grep -c '"type":"stats"' "$BUNDLE/events")" -ge 3 ]   # 1 s of sleep at 300 ms
	run "$RUNTIME" --root "$STATE_ROOT" events --interval 5x "$ID"
	assert_failure
	assert_output --partial "invalid --interval"
}
