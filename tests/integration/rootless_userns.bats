#!/usr/bin/env bats
# --userns keep-id[:uid=N,gid=N] and nomap as an ordinary user (issue #22, podman 4.3's rootless
# modes): keep-id maps the user to its own id inside and runs the process as it, nomap leaves
# the user out of the container's namespace; a pod's keep-id namespace is every member's. A
# real user made here (as rootless_engine.bats does), berth run as it with setpriv.

load helpers

setup_file() {
	export RX_BLOCKED
	RX_BLOCKED=$(userns_blocked newuidmap)
	[ -z "$RX_BLOCKED" ] || return 0
	# a range of our own, above the other rootless files'
	rootless_user_make "brx$$" $((4026531840 + ($$ % 1024) * 65536)) berth-rootless-userns
}

teardown_file() {
	rootless_user_remove
}

setup() {
	load_libs
	[ -z "$RX_BLOCKED" ] || skip "rootless berth cannot run here: $RX_BLOCKED"
	N="rx$$-$BATS_TEST_NUMBER"
}

teardown() {
	[ -z "$RX_BLOCKED" ] || return 0
	[ -z "${STORE:-}" ] || store_teardown
	local ids
	ids=$(ub ps -aq 2>/dev/null || true)
	[ -z "$ids" ] || ub rm -f $ids >/dev/null 2>&1 || true
	ub pod rm -f "$N" >/dev/null 2>&1 || true
}

@test "keep-id: the user's own uid and gid inside, files written to the user's directory are the user's" {
	data="$RU_WORK/home/data"
	setpriv --reuid="$RU_UID" --regid="$RU_GID" --init-groups -- mkdir "$data"
	run ub run --rm --network none --userns keep-id -v "$data:/data" berth/default \
		sh -c 'id -u; id -g; touch /data/made; echo "HOME=$HOME"; grep "^'"$RU_USER"':" /etc/passwd; stat -c %u:%g /bin/busybox; cat /proc/self/uid_map'
	assert_success
	assert_line --index 0 "$RU_UID"
	assert_line --index 1 "$RU_GID"
	assert_line --index 2 "HOME=/"
	assert_line --index 3 "$RU_USER:*:$RU_UID:$RU_GID::/:/bin/sh"
	# the image's files are root's inside, as without a user namespace of its own
	assert_line --index 4 0:0
	# the user is the namespace's 0 (the engine's), the range around it
	assert_line --regexp "^ +$RU_UID +0 +1\$"
	assert_line --regexp "^ +0 +1 +$RU_UID\$"
	[ "$(stat -c %U:%G "$data/made")" = "$RU_USER:$RU_USER" ]
	# uid= and gid= name the ids inside; --user wins over the default
	run ub run --rm --network none --userns keep-id:uid=200,gid=210 -v "$data:/data" \
		berth/default sh -c 'id -u; id -g; touch /data/made2'
	assert_success
	assert_output "200
210"
	[ "$(stat -c %U:%G "$data/made2")" = "$RU_USER:$RU_USER" ]
	run ub run --rm --network none --userns keep-id --user 0 berth/default id -u
	assert_output 0
	# create, then start: the same
	run ub create --name "$N" --network none --userns keep-id berth/default id -u
	assert_success
	run ub start -a "$N"
	assert_output "$RU_UID"
	run ub inspect -f '{{.HostConfig.UsernsMode}}' "$N"
	assert_output keep-id
	run ub run --rm --network none --userns keep-id:size=5 berth/default true
	assert_failure 125
	assert_output --partial "invalid --userns option 'size=5'"
}

@test "nomap: the user's own uid is not mapped into the container" {
	# the container's root is not the user: the store's private parents are named
	run ub run --rm --network none --userns nomap berth/default true
	assert_failure 125
	assert_output --partial "cannot reach berth's store through '$RU_WORK/home/.local/share' (mode 0700)"
	chmod o+x "$RU_WORK/home/.local" "$RU_WORK/home/.local/share"
	run ub run --rm --network none --userns nomap -v "$RU_WORK/home:/h" berth/default \
		sh -c 'id -u; stat -c %u /h; cat /proc/self/uid_map'
	assert_success
	assert_line --index 0 0
	# the user's files are nobody's inside
	assert_line --index 1 65534
	assert_line --regexp "^ +0 +1 +65536\$"
	refute_line --regexp "^ +[0-9]+ +0 +[0-9]+\$"
}

@test "pod create --userns keep-id as the user: every member runs as the user in the infra's namespace" {
	run ub pod create --name "$N" --network none --userns keep-id
	assert_success
	run ub run --rm --pod "$N" berth/default sh -c 'id -u; readlink /proc/self/ns/user'
	assert_success
	assert_line --index 0 "$RU_UID"
	ns=${lines[1]}
	infra=$(ub pod inspect -f '{{.InfraContainerID}}' "$N")
	pid=$(ub inspect -f '{{.State.Pid}}' "$infra")
	[ "$(readlink "/proc/$pid/ns/user")" = "$ns" ]
	run ub pod inspect -f '{{.InfraConfig.userns}}' "$N"
	assert_output keep-id
	ub pod rm -f "$N" >/dev/null
}

@test "keep-id and nomap as root: podman's words, nothing made" {
	store_setup
	run berth run --rm --userns keep-id berth/default true
	assert_failure 125
	assert_output --partial "keep-id is only supported in rootless mode"
	run berth run --rm --userns nomap berth/default true
	assert_failure 125
	assert_output --partial "nomap is only supported in rootless mode"
	run berth pod create --userns keep-id
	assert_failure 125
	assert_output --partial "keep-id is only supported in rootless mode"
	run berth ps -aq
	assert_output ""
}
