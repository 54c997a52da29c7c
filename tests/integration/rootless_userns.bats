#!/usr/bin/env bats
# --userns keep-id[:uid=N,gid=N], nomap, auto[:size=N] and --uidmap/--gidmap as an ordinary user
# (issue #22, podman 4.3's rootless modes): keep-id maps the user to its own id inside and runs
# the process as it, nomap leaves the user out of the container's namespace, auto and the maps
# take the user's intermediate ids (0 the user, 1.. its subordinate ids); a pod's keep-id
# namespace is every member's. A real user made here (rootless.bash's), berth run
# as it with setpriv.

load helpers
load rootless

setup_file() {
	# a range of our own, above the other rootless files'
	rootless_file_setup "brx$$" $((4026531840 + ($$ % 1024) * 65536)) berth-rootless-userns
}

teardown_file() {
	rootless_user_remove
}

setup() {
	rootless_setup rx
}

teardown() {
	[ -z "$RU_BLOCKED" ] || return 0
	[ -z "${STORE:-}" ] || store_teardown
	[ -z "${RX_FEW:-}" ] || few_user_remove
	rootless_teardown
	ub pod rm -f "$N" >/dev/null 2>&1 || true
}

# The container's root (auto, nomap, --uidmap without the user) is not the user: it must pass
# through the store's parents. As podman 4.3 does, berth gives others search permission on
# the user's own that lack it (the home's 0700 too), o+x alone; the store's layers stay 0700
# and a container's directory is its root's group's (0710). First in the file: a fresh store.
@test "auto as the user, fresh store in a 0700 home: runs without a chmod, the parents get o+x" {
	chmod 0700 "$RU_WORK/home"
	run ub run -d --name "$N" --network none --userns auto berth/default sleep 300
	assert_success
	id=$output
	s="$RU_WORK/home/.local/share/berth"
	run stat -c '%a %n' "$RU_WORK/home" "$RU_WORK/home/.local" "$RU_WORK/home/.local/share" \
		"$s" "$s/containers" "$s/layers" "$s/blobs" "$s/containers/$id"
	assert_output "701 $RU_WORK/home
701 $RU_WORK/home/.local
701 $RU_WORK/home/.local/share
701 $s
701 $s/containers
700 $s/layers
700 $s/blobs
710 $s/containers/$id"
	ub rm -f "$N" >/dev/null
	# a parent that is not the user's and lacks o+x: named, nothing changed
	chown "0:$RU_GID" "$RU_WORK"
	chmod 0750 "$RU_WORK"
	run ub run --rm --network none --userns auto berth/default true
	chown 0:0 "$RU_WORK"
	chmod 0755 "$RU_WORK"
	assert_failure 125
	assert_output --partial "cannot reach berth's store through '$RU_WORK' (mode 0750, not yours): its owner may give others search permission (chmod o+x '$RU_WORK')"
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

# host_uid NAME: the host uid of the container's process
host_uid() {
	awk '/^Uid:/ {print $2}' "/proc/$(ub inspect -f '{{.State.Pid}}' "$1")/status"
}

@test "auto as the user: ranges of the user's own subordinate ids (1024 for an image of few ids), never one twice" {
	run ub run --rm --network none --userns auto berth/default \
		sh -c 'cat /proc/self/uid_map /proc/self/gid_map; id -u; touch /made; stat -c %u:%g /made'
	assert_success
	# podman 4.3's: intermediate ids from 1 (the first subordinate id), first fit
	assert_line --index 0 --regexp "^ +0 +1 +1024\$"
	assert_line --index 1 --regexp "^ +0 +1 +1024\$"
	assert_line --index 2 0
	assert_line --index 3 0:0
	# two at once: ranges side by side, each the container's root on the host
	ub run -d --name "$N-a" --network none --userns auto berth/default sleep 300
	ub run -d --name "$N-b" --network none --userns auto:size=2000 berth/default sleep 300
	run ub inspect -f '{{json .HostConfig.IDMappings}}' "$N-a" "$N-b"
	assert_line --index 0 '{"UidMap":["0:1:1024"],"GidMap":["0:1:1024"]}'
	assert_line --index 1 '{"UidMap":["0:1025:2000"],"GidMap":["0:1025:2000"]}'
	[ "$(host_uid "$N-a")" = "$RU_SUB" ]
	[ "$(host_uid "$N-b")" = $((RU_SUB + 1024)) ]
	# what is left is too small, and a keep-id container holds every id (podman's)
	run ub create --network none --userns auto:size=65536 berth/default true
	assert_failure 125
	assert_output --partial "no free range of 65536 ids for --userns=auto among your 65536 subordinate ids (/etc/subuid)"
	ub rm -f "$N-a" "$N-b" >/dev/null
	ub create --name "$N-k" --network none --userns keep-id berth/default true >/dev/null
	run ub create --network none --userns auto berth/default true
	assert_failure 125
	assert_output --partial "a keep-id or nomap container holds them all"
	ub rm -f "$N-k" >/dev/null
	run ub run --rm --network none --userns auto:size=65536 berth/default cat /proc/self/uid_map
	assert_success
	assert_output --regexp "^ +0 +1 +65536\$"
}

@test "auto as the user without size=: the image's /etc/passwd and /etc/group make the size, podman's estimate" {
	# an image naming user 5000 (group 5001) and group 7000: ids up to 7000
	ub run --name "$N-mk" --network none berth/default \
		sh -c 'echo app:x:5000:5001::/:/bin/sh >>/etc/passwd; echo grp:x:7000: >>/etc/group'
	ub commit "$N-mk" "$N/ids" >/dev/null
	run ub run --rm --network none --userns auto --user 5000:7000 "$N/ids" \
		sh -c 'cat /proc/self/uid_map /proc/self/gid_map; id -u; id -g'
	assert_success
	# podman 4.3 gives 5001 here: its c/storage reads no /etc/group and skips a gid just
	# above the largest uid; berth maps every id the image names
	assert_line --index 0 --regexp "^ +0 +1 +7001\$"
	assert_line --index 1 --regexp "^ +0 +1 +7001\$"
	assert_line --index 2 5000
	assert_line --index 3 7000
	# an id past podman's auto-userns-max-size (65536): said, with the way out
	ub run --name "$N-big" --network none berth/default sh -c 'echo big:x:70000:0::/:/bin/sh >>/etc/passwd'
	ub commit "$N-big" "$N/big" >/dev/null
	run ub create --network none --userns auto "$N/big" true
	assert_failure 125
	assert_output --partial "needs a user namespace with size 70001 that is bigger than the maximum value allowed with userns=auto 65536"
	run ub run --rm --network none --userns auto:size=100 "$N/big" cat /proc/self/uid_map
	assert_success
	assert_output --regexp "^ +0 +1 +100\$"
	ub rm "$N-mk" "$N-big" >/dev/null
	ub rmi "$N/ids" "$N/big" >/dev/null
}

@test "--uidmap and --gidmap as the user: the middle ids are the user's namespace's (0 the user)" {
	run ub run --rm --network none --uidmap 0:1:1000 --gidmap 0:1:2000 berth/default \
		sh -c 'cat /proc/self/uid_map /proc/self/gid_map; id -u'
	assert_success
	assert_line --index 0 --regexp "^ +0 +1 +1000\$"
	assert_line --index 1 --regexp "^ +0 +1 +2000\$"
	assert_line --index 2 0
	# the user as the container's 1000, its root the first subordinate id
	data="$RU_WORK/home/data-$BATS_TEST_NUMBER"
	setpriv --reuid="$RU_UID" --regid="$RU_GID" --init-groups -- mkdir "$data"
	ub run -d --name "$N" --network none --uidmap 0:1:1000 --uidmap 1000:0:1 -v "$data:/data" \
		berth/default sleep 300
	[ "$(host_uid "$N")" = "$RU_SUB" ]
	run ub exec -u 1000 "$N" sh -c 'touch /data/by1000; stat -c %u /data'
	assert_success
	assert_output 1000
	[ "$(stat -c %U "$data/by1000")" = "$RU_USER" ]
	# past the user's 65536 subordinate ids: refused at create, nothing made
	ub rm -f "$N" >/dev/null
	run ub run --rm --network none --uidmap 0:1:65537 berth/default true
	assert_failure 125
	assert_output --partial "invalid --uidmap '0:1:65537': as a user the middle ids are your namespace's, 0 (you) and 1 to 65536 (your subordinate ids in /etc/subuid)"
	run ub create --network none --gidmap 0:65536:2 berth/default true
	assert_failure 125
	assert_output --partial "invalid --gidmap '0:65536:2'"
	run ub ps -aq
	assert_output ""
}

@test "auto:uidmapping= and gidmapping= as the user: maps forced in (intermediate ids), left out of the range" {
	data="$RU_WORK/home/data-$BATS_TEST_NUMBER"
	setpriv --reuid="$RU_UID" --regid="$RU_GID" --init-groups -- mkdir "$data"
	# the user (intermediate 0) as the container's 1000, the other 1999 ids from the range
	ub run -d --name "$N" --network none -v "$data:/data" \
		--userns auto:size=2000,uidmapping=1000:0:1,gidmapping=1000:0:1 berth/default sleep 300
	run ub inspect -f '{{json .HostConfig.IDMappings}}' "$N"
	assert_output '{"UidMap":["0:1:1000","1000:0:1","1001:1001:999"],"GidMap":["0:1:1000","1000:0:1","1001:1001:999"]}'
	[ "$(host_uid "$N")" = "$RU_SUB" ]
	run ub exec -u 1000:1000 "$N" sh -c 'touch /data/by1000; cat /proc/self/uid_map'
	assert_success
	assert_line --index 0 --regexp "^ +0 +1 +1000\$"
	assert_line --index 1 --regexp "^ +1000 +0 +1\$"
	assert_line --index 2 --regexp "^ +1001 +1001 +999\$"
	[ "$(stat -c %U:%G "$data/by1000")" = "$RU_USER:$RU_USER" ]
	# another auto container's range is clear of them all
	ub create --name "$N-b" --network none --userns auto:size=1000 berth/default true >/dev/null
	run ub inspect -f '{{json .HostConfig.IDMappings}}' "$N-b"
	assert_output '{"UidMap":["0:2000:1000"],"GidMap":["0:2000:1000"]}'
	# several, no size= (the image's estimate, 1024): the forced ids are not the range's
	ub run -d --name "$N-c" --network none \
		--userns auto:uidmapping=0:3050:1,uidmapping=1:3051:1,gidmapping=0:3050:1 \
		berth/default sleep 300
	run ub inspect -f '{{json .HostConfig.IDMappings}}' "$N-c"
	assert_output '{"UidMap":["0:3050:1","1:3051:1","2:3052:1022"],"GidMap":["0:3050:1","1:3051:1023"]}'
	[ "$(host_uid "$N-c")" = $((RU_SUB + 3049)) ]
	# past the user's ids, or not C:H:S: refused at create, nothing made
	run ub create --network none --userns auto:uidmapping=0:1:65537 berth/default true
	assert_failure 125
	assert_output --partial "invalid --userns uidmapping '0:1:65537': as a user the middle ids are your namespace's, 0 (you) and 1 to 65536 (your subordinate ids in /etc/subuid)"
	run ub create --network none --userns auto:size=10,gidmapping=0:1 berth/default true
	assert_failure 125
	assert_output --partial "invalid --userns option 'gidmapping=0:1' in 'auto:size=10,gidmapping=0:1': expected gidmapping=CONTAINER_ID:HOST_ID:SIZE"
	run ub ps -aq
	assert_success
	[ "${#lines[@]}" = 3 ]
}

# few_user_make: a second user, RX_FEW, whose /etc/subgid range (1000) is smaller than its
# /etc/subuid one (65536; both inside the file's user's range, so teardown_file's kill finds
# its containers too); uf runs berth as it. few_user_remove undoes it all.
few_user_make() {
	export RX_FEW="brxf$$" RX_FEW_UID
	useradd -M -d /nonexistent -s /usr/sbin/nologin -U -K SUB_UID_COUNT=0 -K SUB_GID_COUNT=0 "$RX_FEW"
	RX_FEW_UID=$(id -u "$RX_FEW")
	echo "$RX_FEW:$RU_SUB:65536" >>/etc/subuid
	echo "$RX_FEW:$RU_SUB:1000" >>/etc/subgid
	install -d -o "$RX_FEW_UID" -g "$RX_FEW_UID" -m 0700 "$RU_WORK/few" "$RU_WORK/few-run"
}

few_user_remove() {
	local ids
	ids=$(uf ps -aq 2>/dev/null || true)
	[ -z "$ids" ] || uf rm -f $ids >/dev/null 2>&1 || true
	for _ in $(seq 50); do rootless_user_kill "$RX_FEW_UID" || break; sleep 0.1; done
	rm -rf "$RU_WORK/few" "$RU_WORK/few-run" "/tmp/berth-run-$RX_FEW_UID"
	sed -i "/^$RX_FEW:/d" /etc/subuid /etc/subgid
	userdel "$RX_FEW"
	RX_FEW=
}

uf() {
	setpriv --reuid="$RX_FEW_UID" --regid="$RX_FEW_UID" --init-groups -- \
		env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME="$RU_WORK/few" \
		XDG_RUNTIME_DIR="$RU_WORK/few-run" "$BERTH" "$@"
}

@test "--uidmap alone as a user with fewer subgids than subuids: refused at create, the subgids named" {
	few_user_make
	# podman uses the one map for both: past the user's 1000 gids the kernel would refuse it
	# at start (EPERM)
	run uf create --network none --uidmap 0:1:2000 berth/default true
	assert_failure 125
	assert_output --partial "invalid --uidmap '0:1:2000' for the gids too (without --gidmap it is both: give --gidmap): as a user the middle ids are your namespace's, 0 (you) and 1 to 1000 (your subordinate ids in /etc/subgid)"
	run uf create --network none --gidmap 0:1:1001 berth/default true
	assert_failure 125
	assert_output --partial "invalid --gidmap '0:1:1001': as a user the middle ids are your namespace's, 0 (you) and 1 to 1000 (your subordinate ids in /etc/subgid)"
	run uf ps -aq
	assert_success
	assert_output ""
	# within both, or with a --gidmap of its own: runs
	run uf run --rm --network none --uidmap 0:1:1000 berth/default cat /proc/self/gid_map
	assert_success
	assert_output --regexp "^ +0 +1 +1000\$"
	run uf run --rm --network none --uidmap 0:1:2000 --gidmap 0:1:1000 berth/default \
		cat /proc/self/uid_map
	assert_success
	assert_output --regexp "^ +0 +1 +2000\$"
}

@test "auto:uidmapping= as root: host ids, left out of the range" {
	store_setup
	run berth run --rm --network none --userns auto:size=1024,uidmapping=1000:5000:1 \
		berth/default cat /proc/self/uid_map /proc/self/gid_map
	assert_success
	[ "${#lines[@]}" = 4 ]
	read -r c0 h0 n0 <<<"${lines[0]}"
	[ "$c0 $n0" = "0 1000" ]
	assert_line --index 1 --regexp "^ +1000 +5000 +1\$"
	assert_line --index 2 --regexp "^ +1001 +$((h0 + 1000)) +23\$"
	assert_line --index 3 --regexp "^ +0 +[0-9]+ +1024\$"
	# the root's own: what it writes is stored as 0 all the same
	run berth run --rm --network none --userns auto:size=1024,uidmapping=0:5000:1 \
		berth/default sh -c 'touch /made; stat -c %u /made; cat /proc/self/uid_map'
	assert_success
	assert_line --index 0 0
	assert_line --index 1 --regexp "^ +0 +5000 +1\$"
	assert_line --index 2 --regexp "^ +1 +[0-9]+ +1023\$"
	run berth run --rm --network none --userns auto:gidmapping=0:1 berth/default true
	assert_failure 125
	assert_output --partial "invalid --userns option 'gidmapping=0:1'"
	run berth ps -aq
	assert_output ""
}

@test "--uidmap lines in any order: the container's root is the line that maps 0, as a user and as root" {
	run ub run --rm --network none --uidmap 1:2:1000 --uidmap 0:1:1 berth/default \
		sh -c 'touch /made; stat -c %u:%g /made; cat /proc/self/uid_map'
	assert_success
	assert_line --index 0 0:0
	assert_line --index 1 --regexp "^ +1 +2 +1000\$"
	assert_line --index 2 --regexp "^ +0 +1 +1\$"
	store_setup
	run berth run --rm --network none --uidmap 1:1073741825:1000 --uidmap 0:1073741824:1 \
		berth/default sh -c 'touch /made; stat -c %u:%g /made'
	assert_success
	assert_output 0:0
}

@test "inspect of a keep-id container: Config.User is the ids it runs as, podman's UID:GID" {
	ub create --name "$N-1" --network none --userns keep-id berth/default true >/dev/null
	ub create --name "$N-2" --network none --userns keep-id:uid=200,gid=210 berth/default true >/dev/null
	ub create --name "$N-3" --network none --userns keep-id --user 0 berth/default true >/dev/null
	run ub inspect -f '{{.Config.User}}' "$N-1" "$N-2" "$N-3"
	assert_success
	assert_output "$RU_UID:$RU_GID
200:210
0"
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
