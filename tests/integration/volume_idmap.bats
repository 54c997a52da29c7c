#!/usr/bin/env bats
# podman's idmap volume option (issue #19): `-v SRC:DST:idmap` and `--mount ...,idmap` make a
# bind (or a named volume) an idmapped mount for the container's user namespace (--userns
# auto, --uidmap/--gidmap, a pod's), so the container's root writes files the host sees as
# root's; `idmap=uids=F-H-N;gids=F-H-N` gives a mapping of its own. Without the option a bind
# in a user namespace is not translated (root's files are nobody's inside, and not writable).

load helpers

setup() {
	store_setup
	mkdir "$WORK/bind"
	touch "$WORK/bind/from-host"
}

teardown() {
	berth pod rm -af >/dev/null 2>&1 || true
	vm_left || true
	store_teardown
}

# root_writes FILE FLAGS...: a container of FLAGS with $WORK/bind at /data:idmap; its root
# sees the host's root file as its own and makes /data/FILE, which the host sees as root's.
root_writes() {
	local f=$1
	shift
	run berth run --rm "$@" -v "$WORK/bind:/data:idmap" berth/default \
		sh -c "touch /data/$f && stat -c %u:%g /data/from-host /data/$f"
	assert_success
	assert_output "0:0
0:0"
	[ "$(stat -c %u:%g "$WORK/bind/$f")" = 0:0 ]
}

@test "-v SRC:DST:idmap with --userns auto: the container's root writes files the host sees as root's" {
	root_writes made --userns auto
	# without idmap the bind is the host's ids as they are: root's file is nobody's inside
	# and the container's root (an ordinary host uid) cannot write there
	run berth run --rm --userns auto -v "$WORK/bind:/data" berth/default \
		sh -c 'stat -c %u:%g /data/from-host; touch /data/plain'
	assert_failure
	assert_line 65534:65534
	[ ! -e "$WORK/bind/plain" ]
}

@test "--mount type=bind,idmap with --uidmap/--gidmap; inspect shows the option" {
	id=$(berth run -d --uidmap 0:300000:65536 --gidmap 0:300000:65536 \
		--mount "type=bind,src=$WORK/bind,dst=/data,idmap" \
		-v "$WORK/bind:/ro:ro,idmap" berth/default sleep 600)
	echo "$id" >>"$WORK/ids"
	run berth exec "$id" sh -c 'touch /data/made && stat -c %u:%g /data/made /ro/from-host'
	assert_success
	assert_output "0:0
0:0"
	[ "$(stat -c %u:%g "$WORK/bind/made")" = 0:0 ]
	run berth exec "$id" touch /ro/no
	assert_failure
	run berth inspect -f '{{range .Mounts}}{{.Destination}} {{.Options}} {{.RW}};{{end}}' "$id"
	assert_output "/ro [idmap] false;/data [idmap] true;"
	run berth inspect -f '{{json .HostConfig.Binds}}' "$id"
	assert_output "[\"$WORK/bind:/ro:ro,idmap\",\"$WORK/bind:/data:idmap\"]"
	berth rm -f "$id" >/dev/null
}

@test "idmap=uids=...;gids=...: a mapping of the mount's own, with or without a user namespace" {
	# host id 0 on disk is shown as 1000 (crun's F-H-N: file system id, host id, count)
	run berth run --rm -v "$WORK/bind:/data:idmap=uids=0-1000-1;gids=0-2000-1" berth/default \
		stat -c %u:%g /data/from-host
	assert_success
	assert_output 1000:2000
	# in a user namespace 0:300000, host id 300005 is the container's 5
	run berth run --rm --uidmap 0:300000:65536 --gidmap 0:300000:65536 \
		--mount "type=bind,src=$WORK/bind,dst=/data,idmap=uids=0-300005-1;gids=0-300006-1" \
		berth/default stat -c %u:%g /data/from-host
	assert_success
	assert_output 5:6
	# idmap=true is idmap, idmap=false none (podman-run(1) --mount)
	run berth run --rm --userns auto --mount "type=bind,src=$WORK/bind,dst=/data,idmap=true" \
		berth/default stat -c %u /data/from-host
	assert_output 0
	run berth run --rm --userns auto --mount "type=bind,src=$WORK/bind,dst=/data,idmap=false" \
		berth/default stat -c %u /data/from-host
	assert_output 65534
}

@test "named volumes with idmap: accepted by -v and --mount, idmapped once" {
	run berth run --rm --userns auto -v ivol:/v:idmap --mount type=volume,src=ivol2,dst=/w,idmap \
		berth/default sh -c 'touch /v/made /w/made && stat -c %u:%g /v/made /w/made'
	assert_success
	assert_output "0:0
0:0"
	[ "$(stat -c %u:%g "$STORE/volumes/ivol/_data/made")" = 0:0 ]
	[ "$(stat -c %u:%g "$STORE/volumes/ivol2/_data/made")" = 0:0 ]
	id=$(berth run -d --userns auto -v ivol:/v:idmap berth/default sleep 600)
	echo "$id" >>"$WORK/ids"
	run jq -c '[.mounts[] | select(.destination == "/v") | .options[] | select(startswith("idmap"))]' \
		"$STORE/containers/$id/config.json"
	assert_output '["idmap"]'
	berth rm -f "$id" >/dev/null
}

@test "a pod with --userns auto: a member's -v ...:idmap bind is idmapped to the infra's namespace" {
	run berth pod create --name ip --userns auto --network none
	assert_success
	berth pod inspect --format '{{range .Containers}}{{.Id}} {{end}}' ip | tr ' ' '\n' >>"$WORK/ids"
	root_writes member --pod ip
	run berth run --rm --pod ip -v "$WORK/bind:/data" berth/default touch /data/plain
	assert_failure
	[ ! -e "$WORK/bind/plain" ]
	berth pod rm -f ip >/dev/null
}

@test "idmap without a user namespace: the runtime refuses it when the container starts, as podman's does" {
	run berth create --name noun -v "$WORK/bind:/data:idmap" berth/default true
	assert_success
	run berth start noun
	assert_failure
	assert_output --partial "idmap without mappings needs a user namespace"
	berth rm -f noun >/dev/null
}

@test "idmap: bad values are refused with 125, one error, nothing made" {
	for bad in "-v $WORK/bind:/x:idmap=bad" "-v $WORK/bind:/x:idmap=uids=0-1" \
		"-v $WORK/bind:/x:idmap=uids=0-1-0" "-v $WORK/bind:/x:idmap=uids=0-1-1;uids=0-1-1" \
		"-v $WORK/bind:/x:idmap=uids=0-1-1#" "-v $WORK/bind:/x:idmap=uids=0-1-99999999999" \
		"--mount type=bind,src=$WORK/bind,dst=/x,idmap=gids=a-b-c"; do
		run berth run --rm --userns auto $bad berth/default true
		assert_equal "$status" 125
		assert_output --partial "invalid idmap option 'idmap="
		[ "$(echo "$output" | wc -l)" = 1 ]
	done
	run berth run --rm --userns auto -v "$WORK/bind:/x:idmap,idmap" berth/default true
	assert_equal "$status" 125
	assert_output "berth: invalid volume specification: '$WORK/bind:/x:idmap,idmap': the 'idmap' option can only be set once"
	run berth run --rm --userns auto --mount type=tmpfs,dst=/x,idmap berth/default true
	assert_equal "$status" 125
	assert_output "berth: invalid --mount 'type=tmpfs,dst=/x,idmap': idmap: invalid mount option"
	run berth ps -aq
	assert_output ""
	run berth volume ls -q
	assert_output ""
}

# podman 4.3 (observed with crun: podman run --volumes-from X, its getVolumesFrom) copies a
# donor's bind with its options, idmap too, when no mode is given, and replaces them with the
# mode given (ro, rw, z): the idmap stays behind then.
@test "--volumes-from a container with an idmap bind: the option comes along without a mode, not with :ro or :rw, as podman's" {
	run berth create --name idonor --uidmap 0:300000:65536 --gidmap 0:300000:65536 \
		-v "$WORK/bind:/data:idmap" berth/default true
	assert_success
	# no mode: idmapped to the new container's own user namespace
	run berth run --rm --uidmap 0:400000:65536 --gidmap 0:400000:65536 --volumes-from idonor \
		berth/default sh -c 'touch /data/from && stat -c %u:%g /data/from-host /data/from'
	assert_success
	assert_output "0:0
0:0"
	[ "$(stat -c %u:%g "$WORK/bind/from")" = 0:0 ]
	id=$(berth create --uidmap 0:400000:65536 --gidmap 0:400000:65536 --volumes-from idonor \
		berth/default true)
	run berth inspect -f '{{range .Mounts}}{{.Destination}} {{.Options}} {{.RW}}{{end}}' "$id"
	assert_output "/data [idmap] true"
	berth rm -f "$id" >/dev/null
	for mode in ro rw; do
		id=$(berth create --uidmap 0:400000:65536 --gidmap 0:400000:65536 \
			--volumes-from "idonor:$mode" berth/default stat -c %u:%g /data/from-host)
		run berth inspect -f '{{json .Mounts}}' "$id"
		refute_output --partial idmap
		run berth start -a "$id"
		assert_success
		assert_output 65534:65534
		berth rm -f "$id" >/dev/null
	done
}

# A VM has no user namespace (--userns is refused with --isolation vm) and its mounts reach the
# guest over virtiofs, which maps no ids: idmap is refused at create rather than dropped.
@test "idmap with --isolation vm or in a pod of one VM: refused at create with 125, nothing made" {
	command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86 is not installed"
	ls /boot/vmlinuz-*-cloud-amd64 >/dev/null 2>&1 || skip "linux-image-cloud-amd64 is not installed"
	why="idmap is not possible in a VM: a VM has no user namespace to map to, and its mounts reach the guest over virtiofs, which maps no ids"
	run berth create --isolation vm -v "$WORK/bind:/data:idmap" berth/default true
	assert_equal "$status" 125
	assert_output "berth: mount '/data': $why"
	run berth create --isolation vm \
		--mount "type=volume,src=vmvol,dst=/v,idmap=uids=0-1000-1;gids=0-1000-1" berth/default true
	assert_equal "$status" 125
	assert_output "berth: mount '/v': $why"
	run berth create --name idonor --uidmap 0:300000:65536 --gidmap 0:300000:65536 \
		-v "$WORK/bind:/data:idmap" berth/default true
	assert_success
	donor=$output
	run berth create --isolation vm --volumes-from idonor berth/default true
	assert_equal "$status" 125
	assert_output "berth: mount '/data' of --volumes-from ${donor:0:12}: $why"
	run berth pod create --isolation vm --name ivp --network none
	assert_success
	run berth create --pod ivp -v "$WORK/bind:/data:idmap" berth/default true
	assert_equal "$status" 125
	assert_output "berth: mount '/data': $why"
	# the donor and the pod's infra only
	names=$(berth ps -a --format '{{.Names}}' | sort | tr '\n' ' ')
	[[ "$names" =~ ^[0-9a-f]{12}-infra\ idonor\ $ ]]
	run berth volume ls -q
	assert_output ""
	# without its idmap (a mode given), the donor's bind reaches the VM
	run berth run --rm --isolation vm --volumes-from idonor:ro berth/default \
		sh -c 'stat -c %u:%g /data/from-host; touch /data/no'
	assert_failure
	assert_output --partial "0:0"
	assert_output --partial "Read-only file system"
	berth pod rm -f ivp >/dev/null
}
