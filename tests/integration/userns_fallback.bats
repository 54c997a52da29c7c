#!/usr/bin/env bats
# A container with a user namespace whose image layers sit on a file system that takes no
# idmapped mount (FUSE here: fuse-overlayfs, which sets no FUSE_ALLOW_IDMAP): each layer is
# used through a copy with its owners shifted to the container's maps, made once per layer and
# mapping under <store>/layers-chown and removed when no container uses it (podman's chown
# copy). The store's layers are moved onto a fuse-overlayfs mount after the image is loaded
# (the store's own temp files need O_TMPFILE, which fuse-overlayfs lacks); the containers'
# own directories stay on the store's file system and are idmapped as usual.

load helpers

setup() {
	store_setup
	command -v fuse-overlayfs >/dev/null && [ -c /dev/fuse ] || skip "no fuse-overlayfs"
}

# The store's layers on fuse-overlayfs (with image IMG loaded first).
layers_on_fuse() {
	berth image inspect -f '{{.Id}}' "${1:-berth/default}" >/dev/null
	mkdir "$WORK/up" "$WORK/wk"
	mv "$STORE/layers" "$WORK/layers"
	mkdir "$STORE/layers"
	fuse-overlayfs -o "lowerdir=$WORK/layers,upperdir=$WORK/up,workdir=$WORK/wk" \
		"$STORE/layers" 2>/dev/null
	[ "$(stat -f -c %T "$STORE/layers")" = fuseblk ]
}

teardown() {
	local id
	[ -z "${SERVICE:-}" ] || api_service_stop >/dev/null
	for id in $(berth ps -aq --no-trunc 2>/dev/null); do berth rm -f "$id" >/dev/null 2>&1; done
	local m
	for m in layers containers; do
		! mountpoint -q "$STORE/$m" 2>/dev/null || umount "$STORE/$m"
	done
	store_teardown
}

copies() { ls -A "$STORE/layers-chown" 2>/dev/null | grep -v '^\.' || true; }

@test "userns on layers that refuse idmapping: chowned copies per map, root's files inside, removed with the last user" {
	layers_on_fuse
	id=$(berth run -d --userns auto berth/default sleep 60)
	run berth exec "$id" stat -c %u:%g /bin/sh /etc
	assert_success
	assert_output "0:0
0:0"
	run berth exec "$id" sh -c 'echo hi >/etc/made && cat /etc/made && stat -c %u:%g /etc/made'
	assert_output "hi
0:0"
	# the container's own changes are stored in its ids, as on any store
	[ "$(stat -c %u:%g "$STORE/containers/$id/diff/etc/made")" = 0:0 ]
	read -r _ host _ < <(berth exec "$id" cat /proc/self/uid_map)
	[ "$(copies | wc -l)" = 1 ]
	c=$(copies)
	[ "$(stat -c %u:%g "$STORE/layers-chown/$c/bin")" = "$host:$host" ]
	# the layer itself is untouched
	[ "$(stat -c %u:%g "$WORK/layers/${c%%.*}/diff/bin")" = 0:0 ]
	# a second map: a copy of its own, the first one reused by a container with the first map
	id2=$(berth run -d --uidmap 0:200000:65536 --gidmap 0:300000:65536 berth/default sleep 60)
	run berth exec "$id2" sh -c 'stat -c %u:%g /bin/sh; touch /root/x && stat -c %u:%g /root/x'
	assert_output "0:0
0:0"
	[ "$(copies | wc -l)" = 2 ]
	[ -n "$(find "$STORE/layers-chown" -maxdepth 2 -name bin -uid 200000 -gid 300000)" ]
	berth rm -f "$id2" >/dev/null
	[ "$(copies)" = "$c" ]
	berth restart -t 0 "$id" >/dev/null
	run berth exec "$id" cat /etc/made
	assert_output hi
	[ "$(copies)" = "$c" ]
	berth rm -f "$id" >/dev/null
	[ ! -e "$STORE/layers-chown" ]
	# a copy left by a monitor that was killed goes at system prune
	mkdir -p "$STORE/layers-chown/${c%%.*}.$(printf %064d 0)"
	berth system prune -f >/dev/null
	[ ! -e "$STORE/layers-chown" ]
	[ -z "$(awk '{print $5}' /proc/self/mountinfo | grep -F "$STORE/" | grep -vx "$STORE/layers")" ]
}

@test "userns on layers that refuse idmapping: hard links, symlinks, fifos, modes and a v3 file capability kept, owners shifted" {
	id=$(berth run -d berth/default sh -c 'mkdir /t && echo a >/t/f && ln /t/f /t/g &&
		ln -s f /t/l && chown 7:8 /t/f && chmod 4750 /t/f && mkfifo /t/p && sleep 60')
	for _ in $(seq 50); do [ -p "$STORE/containers/$id/diff/t/p" ] && break; sleep 0.1; done
	diff="$STORE/containers/$id/diff"
	cp /bin/true "$diff/t/capped"
	# a v3 capability (a namespace's): its root id is a uid to shift
	setcap -n 1 cap_net_raw+ep "$diff/t/capped"
	berth commit "$id" special:1 >/dev/null
	berth rm -f "$id" >/dev/null
	layers_on_fuse special:1
	id=$(berth run -d --uidmap 0:500000:65536 --gidmap 0:600000:65536 special:1 sleep 60)
	run berth exec "$id" sh -c 'stat -c "%u:%g %a %h" /t/f /t/g; readlink /t/l'
	assert_line "7:8 4750 2"
	assert_line f
	c=$(find "$STORE/layers-chown" -mindepth 2 -maxdepth 2 -name t)
	[ -n "$c" ]
	[ "$(stat -c %i "$c/f")" = "$(stat -c %i "$c/g")" ]
	[ "$(stat -c %u:%g:%a "$c/f")" = 500007:600008:4750 ]
	[ "$(stat -c %u:%g "$c/l")" = 500000:600000 ]
	[ -p "$c/p" ]
	run getcap -n "$c/capped"
	assert_output --partial "[rootid=500001]"
}

@test "userns on layers that refuse idmapping: when no copy can be made, the refusal and the copy's failure are said" {
	layers_on_fuse
	touch "$STORE/layers-chown"
	run berth run --rm --userns auto berth/default true
	assert_failure 125
	assert_output --partial "which this kernel does not idmap"
	assert_output --partial "a copy chowned to the container's ids failed"
	assert_output --partial "Not a directory"
	rm "$STORE/layers-chown"
}

@test "userns with the containers' own directories on a file system that refuses idmapping: the refusal, naming it, and no copy made" {
	berth image inspect -f '{{.Id}}' berth/default >/dev/null
	mkdir -p "$STORE/containers" "$WORK/lo" "$WORK/up" "$WORK/wk"
	fuse-overlayfs -o "lowerdir=$WORK/lo,upperdir=$WORK/up,workdir=$WORK/wk" \
		"$STORE/containers" 2>/dev/null
	run berth run --rm --userns auto berth/default true
	assert_failure 125
	assert_output --regexp "idmap '$STORE/containers/[0-9a-f]{64}': the store is on a FUSE file system"
	[ ! -e "$STORE/layers-chown" ]
}

# copies_become NAME...: within 5 s, layers-chown holds just the copies named (a container
# stopped is removed by its monitor after stop returns)
copies_become() {
	for _ in $(seq 50); do [ "$(copies | xargs)" = "$*" ] && return 0; sleep 0.1; done
	echo "copies: $(copies | xargs), not: $*" >&2
	return 1
}

@test "userns on layers that refuse idmapping: a --rm container's copies go with it (run, run -d and stop, the API's AutoRemove), those another container uses stay" {
	layers_on_fuse
	A=(--uidmap 0:700000:65536 --gidmap 0:700000:65536)
	B=(--uidmap 0:800000:65536 --gidmap 0:800000:65536)
	berth run -d "${A[@]}" berth/default sleep 60 >/dev/null
	c=$(copies)
	[ -n "$c" ] && [ "$(copies | wc -l)" = 1 ]
	# the copy another container uses stays
	run berth run --rm "${A[@]}" berth/default stat -c %u:%g /bin/busybox
	assert_output 0:0
	[ "$(copies)" = "$c" ]
	# a map nothing else uses: its copy is gone when run returns
	run berth run --rm "${B[@]}" berth/default stat -c %u:%g /bin/busybox
	assert_output 0:0
	[ "$(copies)" = "$c" ]
	# several at once with the same map: each removal leaves the copy the others are mounting
	pids=()
	for i in 1 2 3 4; do
		berth run --rm "${B[@]}" berth/default stat -c %u:%g /bin/busybox >"$WORK/par$i" 2>&1 &
		pids+=($!)
	done
	wait "${pids[@]}"
	for i in 1 2 3 4; do [ "$(cat "$WORK/par$i")" = 0:0 ] || { cat "$WORK/par$i"; false; }; done
	[ "$(copies)" = "$c" ]
	# run -d --rm, then stop
	id=$(berth run -d --rm "${B[@]}" berth/default sleep 60)
	[ "$(copies | wc -l)" = 2 ]
	berth stop -t 0 "$id" >/dev/null
	copies_become "$c"
	# the Docker API's AutoRemove, with a --userns auto map of its own
	api_service_start
	id=$(curl -s --unix-socket "$SOCK" -H 'Content-Type: application/json' -d \
		'{"Image":"berth/default","Cmd":["sleep","60"],"HostConfig":{"AutoRemove":true,"UsernsMode":"auto"}}' \
		http://d/containers/create | jq -r .Id)
	[ "$(curl -s -o /dev/null -w '%{http_code}' --unix-socket "$SOCK" -X POST \
		"http://d/containers/$id/start")" = 204 ]
	[ "$(copies | wc -l)" = 2 ]
	[ "$(curl -s -o /dev/null -w '%{http_code}' --unix-socket "$SOCK" -X POST \
		"http://d/containers/$id/stop?t=0")" = 204 ]
	copies_become "$c"
	[ -z "$(berth ps -aq --filter id="$id")" ]
}
