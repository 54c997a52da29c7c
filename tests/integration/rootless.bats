#!/usr/bin/env bats
# berth-runtime started by an ordinary user (issue #22, runc's rootless mode): a real user made
# here (useradd, a range in /etc/subuid and /etc/subgid), a bundle it owns, the runtime run as
# that user with setpriv. The container's root is the user on the host; wider maps go through
# Debian's newuidmap/newgidmap; cgroups are skipped, and limits refused, without delegation.

load helpers

setup_file() {
	export RL_BLOCKED
	RL_BLOCKED=$(userns_blocked)
	[ -z "$RL_BLOCKED" ] || return 0
	export RL_USER="brl$$"
	# No automatic subordinate ranges (useradd adds some when /etc/subuid exists): the test
	# writes the user's own, and checks that a range outside it is refused.
	useradd -M -d /nonexistent -s /usr/sbin/nologin -U -K SUB_UID_COUNT=0 -K SUB_GID_COUNT=0 "$RL_USER"
	export RL_UID RL_GID
	RL_UID=$(id -u "$RL_USER")
	RL_GID=$(id -g "$RL_USER")
	# A range of our own, far from the auto pool [2^30, 2^31) and from other tests' users.
	export RL_SUB=$((3221225472 + ($$ % 4096) * 65536))
	echo "$RL_USER:$RL_SUB:65536" >>/etc/subuid
	echo "$RL_USER:$RL_SUB:65536" >>/etc/subgid
	# As pam_systemd would make it.
	export RL_XDG="/run/user/$RL_UID" RL_MADE_RUN_USER=
	[ -d /run/user ] || RL_MADE_RUN_USER=1
	mkdir -p "$RL_XDG"
	chown "$RL_UID:$RL_GID" "$RL_XDG"
	chmod 0700 "$RL_XDG"
	export RL_WORK
	RL_WORK=$(mktemp -d /tmp/berth-rootless.XXXXXX)
	chown "$RL_UID:$RL_GID" "$RL_WORK"
}

teardown_file() {
	[ -n "${RL_USER:-}" ] || return 0
	local pids
	pids=$(pgrep -u "$RL_UID" || true)
	[ -z "$pids" ] || kill -KILL $pids 2>/dev/null || true
	for _ in $(seq 50); do pgrep -u "$RL_UID" >/dev/null || break; sleep 0.1; done
	rm -rf "$RL_WORK" "$RL_XDG" "/tmp/berth-runtime-$RL_UID"
	[ -z "$RL_MADE_RUN_USER" ] || rmdir /run/user 2>/dev/null || true
	sed -i "/^$RL_USER:/d" /etc/subuid /etc/subgid
	userdel "$RL_USER" 2>/dev/null || true
	! pgrep -u "$RL_UID" >/dev/null
}

# as_user CMD...: CMD as the test's user, with a clean environment and its runtime dir.
as_user() {
	setpriv --reuid="$RL_UID" --regid="$RL_GID" --init-groups -- \
		env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/ XDG_RUNTIME_DIR="$RL_XDG" "$@"
}
urt() { as_user "$RUNTIME" "$@"; }

# set_user_config JQ: edit the user's config.json (the file stays the user's).
set_user_config() {
	as_user sh -c 'jq "$1" "$2/config.json" >"$2/config.new" && mv "$2/config.new" "$2/config.json"' \
		sh "$1" "$B"
}

setup() {
	load_libs
	[ -z "$RL_BLOCKED" ] || skip "unprivileged user namespaces are disabled here: $RL_BLOCKED"
	ID="rl-$$-${BATS_TEST_NUMBER}"
	B="$RL_WORK/b$BATS_TEST_NUMBER"
	as_user mkdir -p "$B/rootfs/bin" "$B/rootfs/tmp" "$B/data"
	as_user cp "$BUSYBOX" "$B/rootfs/bin/busybox"
	as_user cp "$PROBE" "$B/rootfs/bin/probe"
	for c in sh true cat ls sleep touch chown stat id grep; do as_user ln -s busybox "$B/rootfs/bin/$c"; done
	(cd "$B" && as_user "$RUNTIME" spec --rootless)
	set_user_config '.process.terminal = false | .process.args = ["probe","ids"] | .root.readonly = false
		| .mounts += [{"destination":"/data","type":"bind","source":"'"$B"'/data","options":["rbind","rw"]}]'
	cd "$B"
}

teardown() {
	[ -z "$RL_BLOCKED" ] || return 0
	urt delete --force "$ID" >/dev/null 2>&1 || true
	rt delete --force "$ID-root" >/dev/null 2>&1 || true
	cd /
	[ ! -e "$RL_XDG/berth-runtime/$ID" ] || { echo "leftover state of $ID" >&2; return 1; }
	rm -rf "$B"
}

@test "spec --rootless: a user namespace of the user's own ids, no network namespace, no resources" {
	run jq -c '[.linux.uidMappings, .linux.gidMappings, [.linux.namespaces[].type], .linux.resources]' "$B/config.json"
	assert_output "[[{\"containerID\":0,\"hostID\":$RL_UID,\"size\":1}],[{\"containerID\":0,\"hostID\":$RL_GID,\"size\":1}],[\"pid\",\"ipc\",\"uts\",\"mount\",\"cgroup\",\"user\"],null]"
	run jq -r '.mounts[] | select(.destination == "/sys") | .source' "$B/config.json"
	assert_output /sys
}

@test "run: root inside, the user outside; what it writes in a bind is the user's; state under XDG_RUNTIME_DIR" {
	set_user_config '.process.args = ["sh","-c","probe ids; touch /data/made; echo x > /dev/null && echo null-ok; cat /proc/self/uid_map /proc/self/setgroups"]'
	run urt run "$ID"
	assert_success
	assert_line uid=0
	assert_line gid=0
	assert_line null-ok
	assert_line --regexp "^ +0 +$RL_UID +1\$"
	assert_line deny
	# no cgroup could be made: said once, not an error
	assert_output --partial "runs without a cgroup of its own"
	[ "$(stat -c %u:%g "$B/data/made")" = "$RL_UID:$RL_GID" ]
	[ -d "$RL_XDG/berth-runtime" ]
	[ "$(stat -c %U:%a "$RL_XDG/berth-runtime")" = "$RL_USER:700" ]
}

@test "lifecycle as the user: create, state, start, ps, exec, kill, delete" {
	set_user_config '.process.args = ["sleep","60"]'
	# the container's init keeps the caller's stdout until start: not bats' pipe
	urt create "$ID" >"$RL_WORK/out$BATS_TEST_NUMBER" 2>&1 3>&-
	[ -d "$RL_XDG/berth-runtime/$ID" ]
	run urt state "$ID"
	assert_output --partial '"status": "created"'
	urt start "$ID"
	pid=$(urt state "$ID" | jq .pid)
	[ "$pid" -gt 0 ]
	# the user's uid and gid on the host, 0 inside
	run grep -E '^(Uid|Gid):' "/proc/$pid/status"
	assert_line --regexp "^Uid:\s+$RL_UID\s+$RL_UID\s+$RL_UID\s+$RL_UID\$"
	assert_line --regexp "^Gid:\s+$RL_GID\s+$RL_GID\s+$RL_GID\s+$RL_GID\$"
	run urt ps "$ID"
	assert_success
	assert_output --partial "$pid"
	run urt exec "$ID" probe ids
	assert_success
	assert_line uid=0
	run urt exec "$ID" cat /proc/1/comm
	assert_output --partial sleep
	run urt list -q
	assert_line "$ID"
	# no cgroup to freeze or read: said, not crashed
	run urt pause "$ID"
	assert_failure
	assert_output --partial "has no cgroup of its own"
	run urt events --stats "$ID"
	assert_failure
	assert_output --partial "has no cgroup of its own"
	run urt kill "$ID" KILL
	assert_success
	for _ in $(seq 50); do urt state "$ID" | grep -q stopped && break; sleep 0.1; done
	run urt state "$ID"
	assert_output --partial '"status": "stopped"'
	run urt delete "$ID"
	assert_success
	[ ! -e "$RL_XDG/berth-runtime/$ID" ]
	# gone, or a zombie its new parent has yet to reap
	[ ! -e "/proc/$pid" ] || grep -q '^State:.*Z' "/proc/$pid/status"
}

@test "multi-id maps go through newuidmap/newgidmap: container 1000 is subuid start + 999 on the host" {
	command -v newuidmap >/dev/null || skip "newuidmap is not installed (Debian's uidmap)"
	set_user_config '.linux.uidMappings = [{"containerID":0,"hostID":'"$RL_UID"',"size":1},{"containerID":1,"hostID":'"$RL_SUB"',"size":65536}]
		| .linux.gidMappings = [{"containerID":0,"hostID":'"$RL_GID"',"size":1},{"containerID":1,"hostID":'"$RL_SUB"',"size":65536}]
		| .process.capabilities.bounding += ["CAP_CHOWN"] | .process.capabilities.effective += ["CAP_CHOWN"]
		| .process.capabilities.permitted += ["CAP_CHOWN"]
		| .process.args = ["sh","-c","touch /data/f; chown 1000:1000 /data/f; cat /proc/self/uid_map"]'
	run urt run "$ID"
	assert_success
	assert_line --regexp "^ +1 +$RL_SUB +65536\$"
	# container id 1000 is the range's 1000 - 1 = 999th id
	[ "$(stat -c %u:%g "$B/data/f")" = "$((RL_SUB + 999)):$((RL_SUB + 999))" ]
	# a range beyond the user's is refused by newuidmap, and said so
	set_user_config '.linux.uidMappings[1].hostID = 100000'
	run urt run "$ID"
	assert_failure
	assert_output --partial "not within $RL_USER's ranges in /etc/subuid"
	[ ! -e "$RL_XDG/berth-runtime/$ID" ]
}

@test "a memory limit without delegated cgroups is refused, naming the cause; --rootless false needs the cgroup; no userns, no container" {
	set_user_config '.linux.resources = {"memory":{"limit":104857600}}'
	run urt run "$ID"
	assert_failure
	assert_output --partial "linux.resources asks for limits (memory)"
	assert_output --partial "cgroups are not delegated to uid $RL_UID"
	assert_output --partial "Permission denied"
	[ ! -e "$RL_XDG/berth-runtime/$ID" ]
	set_user_config 'del(.linux.resources)'
	run urt --rootless false run "$ID"
	assert_failure
	assert_output --partial "Permission denied"
	run urt --rootless=true run "$ID"
	assert_success
	run urt --rootless nonsense run "$ID"
	assert_failure
	# a config without a user namespace: runc's words, before anything is made
	set_user_config '.linux.namespaces |= map(select(.type != "user")) | del(.linux.uidMappings, .linux.gidMappings)'
	run urt run "$ID"
	assert_failure
	assert_output --partial "rootless container requires user namespaces"
	[ ! -e "$RL_XDG/berth-runtime/$ID" ]
}

@test "sysfs: its own with a network namespace of its own, the host's /sys bound without one" {
	set_user_config '(.mounts[] | select(.destination == "/sys")) |= {"destination":"/sys","type":"sysfs","source":"sysfs","options":["nosuid","noexec","nodev","ro"]}
		| .process.args = ["sh","-c","ls /sys/class/net; touch /sys/x 2>&1 || true"]'
	run urt run "$ID"
	assert_success
	for dev in /sys/class/net/*; do assert_line "$(basename "$dev")"; done
	assert_output --partial "Read-only file system"
	set_user_config '.linux.namespaces += [{"type":"network"}]'
	run urt run "$ID"
	assert_success
	assert_output --partial lo
	assert_output --partial "Read-only file system"
	# lo alone: the container's own network namespace (the warning and touch's line aside)
	[ "$(printf '%s\n' "$output" | grep -v -e warning -e Read-only)" = lo ]
}

@test "linux.devices: the host's nodes bound in (no mknod), with the host's permissions" {
	[ -c /dev/fuse ] || skip "no /dev/fuse here"
	devs='{"path":"/dev/fuse","type":"c","major":10,"minor":229}'
	echo 'stat -c "%F %t:%T" /dev/fuse' | as_user tee "$B/rootfs/check" >/dev/null
	# /dev/kvm (root:kvm 0660, the user not in kvm): bound, but no more usable than outside
	if [ -c /dev/kvm ] && ! id -nG "$RL_USER" | grep -qw kvm; then
		devs="$devs"',{"path":"/dev/kvm","type":"c","major":10,"minor":232}'
		echo "cat /dev/kvm 2>&1 | grep -o 'Permission denied'" | as_user tee -a "$B/rootfs/check" >/dev/null
	fi
	set_user_config ".linux.devices = [$devs] | .process.args = [\"sh\",\"/check\"]"
	run urt run "$ID"
	assert_success
	assert_line "character special file a:e5"
	if [[ $devs == *kvm* ]]; then assert_line "Permission denied"; fi
	# a device the host does not have cannot be made
	set_user_config '.linux.devices = [{"path":"/dev/berth-nosuch","type":"c","major":1,"minor":3}]'
	run urt run "$ID"
	assert_failure
	assert_output --partial "/dev/berth-nosuch"
	[ ! -e "$RL_XDG/berth-runtime/$ID" ]
}

@test "nothing the user could not reach: root's files, root's containers" {
	# a file only root may read, bound in: the container's root is the user, so no
	install -d -m 0755 "$RL_WORK/rootonly$BATS_TEST_NUMBER"
	echo secret >"$RL_WORK/rootonly$BATS_TEST_NUMBER/f"
	chmod 0600 "$RL_WORK/rootonly$BATS_TEST_NUMBER/f"
	set_user_config '.mounts += [{"destination":"/secret","type":"bind","source":"'"$RL_WORK/rootonly$BATS_TEST_NUMBER"'","options":["rbind","ro"]}]
		| .process.capabilities.bounding += ["CAP_DAC_OVERRIDE"] | .process.capabilities.effective += ["CAP_DAC_OVERRIDE"]
		| .process.capabilities.permitted += ["CAP_DAC_OVERRIDE"]
		| .process.args = ["sh","-c","cat /secret/f || echo denied"]'
	run urt run "$ID"
	assert_success
	assert_line denied
	refute_line secret
	rm -rf "$RL_WORK/rootonly$BATS_TEST_NUMBER"
	# root's container, under root's state root: not listed, not reachable
	mkdir -p "$B/rootb"
	make_bundle "$B/rootb"
	set_config "$B/rootb" ".process.args = [\"sleep\",\"60\"] | .linux.cgroupsPath = \"/berth-test/$ID-root\""
	rt create --bundle "$B/rootb" "$ID-root" >/dev/null 2>&1 3>&-
	[ -d "$STATE_ROOT/$ID-root" ]
	run urt list -q
	refute_output --partial "$ID-root"
	run urt --root "$STATE_ROOT" list -q
	assert_failure
	assert_output --partial "Permission denied"
	# not even its existence
	run urt --root "$STATE_ROOT" state "$ID-root"
	assert_failure
	assert_output --partial "does not exist"
	run urt --root "$STATE_ROOT" kill "$ID-root" KILL
	assert_failure
	rt delete --force "$ID-root"
	[ ! -e "$STATE_ROOT/$ID-root" ]
}

@test "without XDG_RUNTIME_DIR: a private /tmp/berth-runtime-UID; one made by someone else is refused" {
	dir="/tmp/berth-runtime-$RL_UID"
	rm -rf "$dir"
	run setpriv --reuid="$RL_UID" --regid="$RL_GID" --init-groups -- \
		env -i PATH=/usr/bin:/bin "$RUNTIME" list -q
	assert_success
	[ "$(stat -c %U:%a "$dir")" = "$RL_USER:700" ]
	rm -rf "$dir"
	mkdir -m 0777 "$dir"
	run setpriv --reuid="$RL_UID" --regid="$RL_GID" --init-groups -- \
		env -i PATH=/usr/bin:/bin "$RUNTIME" list -q
	assert_failure
	assert_output --partial "not a private directory of uid $RL_UID"
	rm -rf "$dir"
}
