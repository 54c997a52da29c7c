#!/usr/bin/env bats
# A pod's user namespace, as podman 4.3's pod create has it (issue #19): --userns auto[:size=N]
# or --uidmap/--gidmap give the infra container a user namespace ("user" among the pod's shared
# namespaces) and every member joins it: the same maps, the same namespace, its root and
# volumes idmapped as the infra's, its network, IPC and UTS namespaces (the infra's, owned by
# that user namespace) still shared; pod rm gives the range back. What berth cannot do is
# refused.

load helpers
load pod

setup() {
	pod_setup
}

teardown() {
	pod_teardown
}

@test "pod --userns auto: members share the infra's user namespace, maps, network and volumes" {
	run berth pod create --name up --userns auto
	assert_success
	remember up
	run berth pod inspect --format '{{.SharedNamespaces}} {{.InfraConfig.userns}}' up
	assert_output "[ipc net uts user] auto"
	mkdir "$WORK/bind"
	echo from-host >"$WORK/bind/f"
	berth run -d --pod up --name server -v uvol:/data -v "$WORK/bind:/bind" berth/default \
		sh -c 'touch /data/made; mkdir /data/d; chown 7:8 /data/d; echo hello-over-lo | nc -l -p 7000 127.0.0.1; sleep 600' >/dev/null
	berth run -d --pod up --name peer berth/default sleep 600 >/dev/null
	remember up
	infra=$(berth pod inspect --format '{{.InfraContainerID}}' up)
	# one user namespace: the infra's, with its maps
	run berth exec server cat /proc/self/uid_map
	read -r inside host size <<<"$output"
	assert_equal "$inside" 0
	assert_equal "$size" 65536
	[ "$host" -ge 1073741824 ]
	[ "$(berth exec peer cat /proc/self/uid_map)" = "$(berth exec server cat /proc/self/uid_map)" ]
	[ "$(berth exec peer cat /proc/self/gid_map)" = "$(berth exec server cat /proc/self/gid_map)" ]
	a=$(berth exec server readlink /proc/self/ns/user)
	b=$(berth exec peer readlink /proc/self/ns/user)
	ipid=$(berth inspect -f '{{.State.Pid}}' "$infra")
	[ -n "$a" ] && [ "$a" = "$b" ] && [ "$a" = "$(readlink "/proc/$ipid/ns/user")" ]
	[ "$a" != "$(readlink /proc/self/ns/user)" ]
	run berth exec peer probe ids
	assert_line uid=0
	# the host sees the members' processes as the mapped root
	pid=$(berth inspect -f '{{.State.Pid}}' peer)
	[ "$(stat -c %u "/proc/$pid")" = "$host" ]
	run berth inspect -f '{{.HostConfig.UsernsMode}} {{index .HostConfig.IDMappings.UidMap 0}}' peer
	assert_output "container:$infra 0:$host:65536"
	# the network, IPC and UTS namespaces are still the pod's: localhost reaches the server
	for _ in $(seq 50); do berth exec peer netstat -ltn 2>/dev/null | grep -q ':7000 ' && break; sleep 0.1; done
	run berth exec peer nc -w 3 127.0.0.1 7000
	assert_success
	assert_output hello-over-lo
	for ns in ipc uts net; do
		[ "$(berth exec server readlink /proc/self/ns/$ns)" = "$(berth exec peer readlink /proc/self/ns/$ns)" ]
	done
	run berth exec peer hostname
	assert_output up
	# volumes are idmapped as a --userns container's: root's files are 0's on disk
	[ "$(stat -c %u:%g "$STORE/volumes/uvol/_data/made")" = 0:0 ]
	[ "$(stat -c %u:%g "$STORE/volumes/uvol/_data/d")" = 7:8 ]
	# a bind is the host's files as they are (the host's root is nobody inside, as with a
	# --userns container's binds)
	run berth exec server cat /bind/f
	assert_output from-host
	run berth exec server probe stat /data/d
	assert_line uid=7
	# the member's root is the infra's mapping too: the image's files are root's inside
	run berth exec peer probe stat /bin/busybox
	assert_line uid=0
	run berth exec peer sh -c 'touch /root-made && probe stat /root-made'
	assert_line uid=0
	# the pod restarts with its namespace: members join the new infra's
	run berth pod restart up
	assert_success
	a=$(berth exec server readlink /proc/self/ns/user)
	[ "$a" = "$(berth exec peer readlink /proc/self/ns/user)" ]
	[ "$(berth exec peer cat /proc/self/uid_map)" = "$(berth exec server cat /proc/self/uid_map)" ]
}

@test "pod --userns auto:size, --uidmap: the range, and pod rm gives it back" {
	berth pod create --name small --userns auto:size=4096 >/dev/null
	remember small
	run berth run --rm --pod small berth/default cat /proc/self/uid_map
	assert_success
	read -r inside host size <<<"$output"
	assert_equal "$size" 4096
	run berth pod inspect --format '{{.InfraConfig.userns}}' small
	assert_output auto:size=4096
	# another pod gets another range while this one holds it
	berth pod create --name other --userns auto:size=4096 >/dev/null
	remember other
	run berth run --rm --pod other berth/default cat /proc/self/uid_map
	read -r _ host2 _ <<<"$output"
	[ "$host2" != "$host" ]
	# pod rm releases the range: the next pod gets it again
	berth pod rm -f small >/dev/null
	berth pod create --name again --userns auto:size=4096 >/dev/null
	remember again
	run berth run --rm --pod again berth/default cat /proc/self/uid_map
	read -r _ host3 _ <<<"$output"
	assert_equal "$host3" "$host"
	# --uidmap and --gidmap: the given maps
	berth pod create --name maps --uidmap 0:200000:1000 --gidmap 0:300000:1000 >/dev/null
	remember maps
	run berth run --rm --pod maps berth/default sh -c 'cat /proc/self/uid_map /proc/self/gid_map'
	assert_success
	assert_line --regexp '^ +0 +200000 +1000$'
	assert_line --regexp '^ +0 +300000 +1000$'
	run berth pod inspect --format '{{.SharedNamespaces}} {{.InfraConfig.userns}}' maps
	assert_output "[ipc net uts user] private"
	# --userns host and "": no user namespace, as before
	berth pod create --name hostns --userns host >/dev/null
	remember hostns
	run berth pod inspect --format '{{.SharedNamespaces}} {{.InfraConfig.userns}}' hostns
	assert_output "[ipc net uts] host"
	run berth run --rm --pod hostns berth/default cat /proc/self/uid_map
	assert_output --regexp '^ +0 +0 +4294967295$'
}

@test "pod --userns: what berth or podman cannot do is refused with 125, nothing made" {
	run berth pod create --userns keep-id
	assert_failure 125
	assert_output --partial "keep-id is only supported in rootless mode"
	run berth pod create --userns nomap
	assert_failure 125
	assert_output --partial "nomap is only supported in rootless mode"
	run berth pod create --userns auto --share none
	assert_failure 125
	assert_output --partial "a pod's user namespace is its infra container's"
	run berth pod create --userns auto --network host
	assert_failure 125
	assert_output --partial "the pod's members join its user namespace first"
	run berth pod create --userns auto --isolation vm
	assert_failure 125
	assert_output --partial "--userns, --uidmap and --gidmap are a container's, not a VM's"
	for bad in "--userns nosuch" "--userns auto:size=0" "--uidmap 0:1" "--userns auto --uidmap 0:1:1"; do
		run berth pod create $bad
		assert_failure 125
		[ -n "$output" ]
	done
	run berth pod ls -q
	assert_output ""
	run berth ps -aq
	assert_output ""
	# a member cannot have a user namespace of its own
	berth pod create --name p --userns auto >/dev/null
	remember p
	run berth create --pod p --userns auto berth/default true
	assert_failure 125
	assert_output --partial "the pod's members run in its user namespace: not --userns auto"
	run berth create --pod p --uidmap 0:100000:10 berth/default true
	assert_failure 125
	assert_output --partial "cannot specify a new uid/gid map when entering a pod with an infra container"
	berth pod create --name plain >/dev/null
	remember plain
	run berth create --pod plain --userns auto berth/default true
	assert_failure 125
	assert_output --partial "give --userns to pod create"
	run berth pod inspect --format '{{.NumContainers}}' p
	assert_output 1
}
