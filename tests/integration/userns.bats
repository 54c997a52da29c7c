#!/usr/bin/env bats
# --userns, --uidmap, --gidmap: a container's root is not the host's, files keep their ids on
# disk (idmapped layers and volumes), each container gets a range of its own.

load helpers

setup() { store_setup; }
teardown() { store_teardown; }

@test "--userns auto: root inside, a range of host ids outside, files stored as 0" {
	id=$(berth run -d --userns auto -v uvol:/data berth/default \
		sh -c 'touch /made /data/made; mkdir /d; chown 7:8 /d; sleep 60')
	echo "$id" >>"$WORK/ids"
	for _ in $(seq 50); do [ -e "$STORE/volumes/uvol/_data/made" ] && break; sleep 0.1; done
	run berth exec "$id" probe ids
	assert_line uid=0
	assert_line euid=0
	run berth exec "$id" cat /proc/self/uid_map
	read -r inside host size <<<"$output"
	assert_equal "$inside" 0
	assert_equal "$size" 65536
	[ "$host" -ge 1073741824 ]
	# the host sees its processes as the mapped ids
	pid=$(berth inspect -f '{{.State.Pid}}' "$id")
	[ "$(stat -c %u "/proc/$pid")" = "$host" ]
	# on disk, what its root wrote is 0's, what it gave 7:8 is 7:8
	[ "$(stat -c %u:%g "$STORE/containers/$id/diff/made")" = 0:0 ]
	[ "$(stat -c %u:%g "$STORE/containers/$id/diff/d")" = 7:8 ]
	[ "$(stat -c %u:%g "$STORE/volumes/uvol/_data/made")" = 0:0 ]
	# the image's files are root's inside
	run berth exec "$id" probe stat /bin/busybox
	assert_line uid=0
	run berth inspect -f '{{.HostConfig.UsernsMode}} {{index .HostConfig.IDMappings.UidMap 0}}' "$id"
	assert_output "auto 0:$host:65536"
	# a second container gets a range of its own
	id2=$(berth run -d --userns=auto:size=4096 berth/default sleep 60)
	echo "$id2" >>"$WORK/ids"
	run berth exec "$id2" cat /proc/self/uid_map
	read -r inside2 host2 size2 <<<"$output"
	assert_equal "$size2" 4096
	[ "$host2" -ge $((host + 65536)) ] || [ $((host2 + 4096)) -le "$host" ]
	berth rm -f "$id" "$id2" >/dev/null
	[ -z "$(grep -F "$STORE" /proc/self/mountinfo)" ]
}

@test "--uidmap and --gidmap: the mapping given; the default is the host's" {
	run berth run --rm --uidmap 0:200000:1000 --gidmap 0:300000:1000 berth/default \
		sh -c 'cat /proc/self/uid_map /proc/self/gid_map'
	assert_success
	assert_line --regexp '^ +0 +200000 +1000$'
	assert_line --regexp '^ +0 +300000 +1000$'
	run berth run --rm berth/default cat /proc/self/uid_map
	assert_output --regexp '^ +0 +0 +4294967295$'
	run berth run --rm --userns host berth/default cat /proc/self/uid_map
	assert_output --regexp '^ +0 +0 +4294967295$'
}

@test "--userns: bad values are refused with 125 and nothing is made" {
	for bad in "--userns nosuch" "--userns auto:size=0" "--userns auto:color=red" \
		"--uidmap 0:1" "--uidmap x:1:2" "--userns auto --uidmap 0:1:1" \
		"--userns host --uidmap 0:100000:10"; do
		run berth run --rm $bad -v badvol:/v berth/default true
		assert_equal "$status" 125
	done
	run berth ps -aq
	assert_output ""
	run berth volume ls -q
	assert_output ""
}

@test "cp in and out of a running container with --userns auto: owners as the container sees them" {
	id=$(berth run -d --userns auto -v ucp:/vol berth/default sleep 60)
	echo "$id" >>"$WORK/ids"
	echo hi >"$WORK/f"
	chown 5:6 "$WORK/f"
	run berth cp "$WORK/f" "$id:/f"
	assert_success
	berth cp "$WORK/f" "$id:/vol/f"
	run berth exec "$id" sh -c 'stat -c %u:%g /f /vol/f'
	assert_output "5:6
5:6"
	[ "$(stat -c %u:%g "$STORE/containers/$id/diff/f")" = 5:6 ]
	[ "$(stat -c %u:%g "$STORE/volumes/ucp/_data/f")" = 5:6 ]
	berth cp "$id:/etc/passwd" "$WORK/p"
	[ "$(stat -c %u:%g "$WORK/p")" = 0:0 ]
	run bash -c "'$BERTH' --root '$STORE' --runroot '$RUNROOT' cp '$id:/bin/busybox' - | tar tvf -"
	assert_output --partial " 0/0 "
	tar -C "$WORK" -cf - f | berth cp - "$id:/tmp"
	run berth exec "$id" stat -c %u:%g /tmp/f
	assert_output 5:6
	berth rm -f "$id" >/dev/null
}

@test "--userns auto with a volume, with --rm or not, and with a host directory: the root mounts" {
	# the volume is filled through a plain (volatile with --rm) mount first; the idmapped one
	# then mounts the same upper and work directories
	run berth run --rm --userns auto -v urmvol:/x berth/default sh -c 'touch /x/f; echo ok'
	assert_success
	assert_output ok
	[ -e "$STORE/volumes/urmvol/_data/f" ]
	run berth run --userns auto -v urmvol:/x berth/default ls /x
	assert_success
	assert_output f
	mkdir "$WORK/hostdir"
	touch "$WORK/hostdir/g"
	run berth run --rm --userns auto -v "$WORK/hostdir:/x" berth/default ls /x
	assert_success
	assert_output g
	run berth run --userns auto -v "$WORK/hostdir:/x" berth/default ls /x
	assert_success
	assert_output g
	berth rm -f $(berth ps -aq) >/dev/null
	[ -z "$(grep -F "$STORE" /proc/self/mountinfo)" ]
}
