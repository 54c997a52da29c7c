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

@test "a failing create leaves the volumes as they were: none it made, the old one kept (#19)" {
	berth volume create old >/dev/null
	# --volumes-from is checked before any volume is made
	run berth create -v newvol:/x -v old:/y -v /anon --volumes-from nosuch berth/default true
	assert_failure 125
	assert_output --partial "nosuch"
	run berth volume ls -q
	assert_output old
	# a bad -v after volumes the plan has made
	run berth create -v newvol:/x -v old:/y -v /anon -v /tmp:/z:bogus berth/default true
	assert_failure 125
	assert_output --partial "bogus"
	run berth volume ls -q
	assert_output old
	# a name in use fails at the record, the last step
	berth create --name taken berth/default true >>"$WORK/ids"
	run berth create --name taken -v newvol:/x -v old:/y -v /anon berth/default true
	assert_failure 125
	run berth volume ls -q
	assert_output old
	[ -d "$STORE/volumes/old/_data" ]
}

@test "--volumes-from X:z, :Z and :ro,z: SELinux relabels, nothing to do without SELinux (#19)" {
	berth create --name donor -v dvol:/d berth/default true >>"$WORK/ids"
	for mode in z Z ro,z rw,Z; do
		id=$(berth create --volumes-from "donor:$mode" berth/default true)
		echo "$id" >>"$WORK/ids"
		run berth inspect -f '{{range .Mounts}}{{.Name}} {{.RW}}{{end}} {{.HostConfig.VolumesFrom}}' "$id"
		case $mode in ro,*) rw=false ;; *) rw=true ;; esac
		assert_output "dvol $rw [$(berth inspect -f '{{.Id}}' donor):$mode]"
	done
	for bad in z,Z ro,rw ro,z,ro x shared; do
		run berth create --volumes-from "donor:$bad" berth/default true
		assert_failure 125
		assert_output "berth: invalid mode: $bad"
	done
	[ "$(berth ps -aq | wc -l)" -eq 5 ]
}
