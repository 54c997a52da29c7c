#!/usr/bin/env bats
# Volumes: -v binds (ro), named volumes filled from the image on first use, anonymous volumes
# (the image's VOLUMEs too) removed by --rm and rm -v, --mount, --tmpfs, and the volume
# commands.

load helpers

setup() { store_setup; }
teardown() {
	store_teardown
	rm -rf "${HOSTDIR:-/nonexistent}"
}

@test "-v: a host directory, read-only with :ro" {
	HOSTDIR=$(mktemp -d /tmp/berth-host.XXXXXX)
	echo from-host >"$HOSTDIR/f"
	run berth run --rm -v "$HOSTDIR":/h berth/default sh -c 'cat /h/f; echo back >/h/g'
	assert_success
	assert_output from-host
	[ "$(cat "$HOSTDIR/g")" = back ]
	run berth run --rm -v "$HOSTDIR":/h:ro berth/default sh -c 'touch /h/x'
	assert_failure
	assert_output --partial "Read-only file system"
	run berth run --rm --mount type=bind,source="$HOSTDIR",target=/m,readonly berth/default cat /m/f
	assert_output from-host
	run berth run --rm --mount type=bind,source=/nonexistent/x,target=/m berth/default true
	assert_equal "$status" 125
	assert_output --partial "bind source path does not exist"
}

@test "named volumes: made on first use, filled from the image once, kept across containers" {
	run berth run --rm -v conf:/etc berth/default sh -c 'ls /etc/passwd && echo mine >/etc/mine'
	assert_success
	run berth volume ls --format '{{.Name}} {{.Driver}}'
	assert_output "conf local"
	run berth run --rm -v conf:/data berth/default sh -c 'cat /data/mine; ls /data/passwd'
	assert_output "mine
/data/passwd"
	run berth volume inspect -f '{{.Name}} {{.Mountpoint}}' conf
	assert_output "conf $STORE/volumes/conf/_data"
	id=$(berth create -v conf:/c berth/default true)
	echo "$id" >>"$WORK/ids"
	run berth volume rm conf
	assert_failure
	assert_output --partial "in use"
	berth rm "$id"
	run berth volume rm conf
	assert_output conf
	run berth volume ls -q
	assert_output ""
}

@test "anonymous volumes: -v /path and the image's VOLUME, removed with --rm and rm -v" {
	mkdir -p "$WORK/root/bin" "$WORK/root/var/data"
	cp "$BUSYBOX" "$WORK/root/bin/busybox"
	ln -s busybox "$WORK/root/bin/sh"
	echo seeded >"$WORK/root/var/data/seed"
	tar -C "$WORK/root" -cf "$WORK/root.tar" .
	berth import -c 'VOLUME /var/data' "$WORK/root.tar" withvol:1 >/dev/null
	run berth run --rm withvol:1 /bin/busybox cat /var/data/seed
	assert_output seeded
	run berth volume ls -q
	assert_output ""
	id=$(berth create -v /scratch withvol:1 /bin/busybox true)
	echo "$id" >>"$WORK/ids"
	[ "$(berth volume ls -q | wc -l)" -eq 2 ]
	berth rm -v "$id"
	run berth volume ls -q
	assert_output ""
}

@test "--tmpfs and --mount type=tmpfs; volume create, prune" {
	run berth run --rm --tmpfs /scratch:size=1m --mount type=tmpfs,target=/t2,tmpfs-size=2m berth/default sh -c 'grep -E " /(scratch|t2) " /proc/mounts'
	assert_line --partial "/scratch tmpfs rw,nosuid,nodev,relatime,size=1024k"
	assert_line --partial "/t2 tmpfs"
	run berth volume create --label team=a keepme
	assert_output keepme
	run berth volume ls --filter label=team=a -q
	assert_output keepme
	berth volume create >/dev/null
	# an anonymous volume left by a container
	id=$(berth create -v /anon berth/default true)
	berth rm "$id" >/dev/null
	[ "$(berth volume ls -q | wc -l)" -eq 3 ]
	run berth volume prune -f
	assert_success
	[ "$(berth volume ls -q | wc -l)" -eq 2 ]
	run berth volume prune -f -a
	run berth volume ls -q
	assert_output ""
	run berth run --rm -v relative:path berth/default true
	assert_equal "$status" 125
	run berth volume create 'bad name'
	assert_failure
}
