#!/usr/bin/env bats
# podman as a real client of berth-runtime (`podman --runtime`). Skipped only where podman is
# not installed. podman keeps its images, containers and runtime state in a directory of this
# file's own; its cgroups live under /berth-podman-test, removed at the end.
load helpers

setup_file() {
	command -v podman >/dev/null || return 0
	podman_peer_setup berth-podman "$RUNTIME"
	mkdir -p "$PM_DIR/rootfs/bin"
	cp "$BUSYBOX" "$PM_DIR/rootfs/bin/busybox"
	cp "$PROBE" "$PM_DIR/rootfs/bin/probe"
	for c in sh true echo cat sleep id head tr; do ln -s busybox "$PM_DIR/rootfs/bin/$c"; done
	tar -C "$PM_DIR/rootfs" -cf "$PM_DIR/rootfs.tar" .
	pm import "$PM_DIR/rootfs.tar" localhost/berth-test:latest >/dev/null
}

# podman leaves its own conmon cgroup under the parent; ours is gone with each container.
teardown_file() {
	command -v podman >/dev/null || return 0
	podman_peer_teardown berth-podman-test
}

setup() {
	load_libs
	command -v podman >/dev/null || skip "podman is not installed"
}

# podman with its own storage, berth-runtime as the OCI runtime (helpers.bash's podman_peer).
pm() { podman_peer "$@"; }

# The flags every container needs here: root lacks CAP_SYS_RESOURCE, its hard nofile is 20000.
RUN_FLAGS=(--network none --cgroup-parent /berth-podman-test
	--ulimit nofile=1024:1024 --ulimit nproc=1024:1024)

@test "podman run: output, exit code, isolation" {
	run pm run --rm "${RUN_FLAGS[@]}" localhost/berth-test echo hello from berth
	assert_success
	assert_output "hello from berth"
	run pm run --rm "${RUN_FLAGS[@]}" localhost/berth-test sh -c 'exit 7'
	assert_failure 7
	run pm run --rm "${RUN_FLAGS[@]}" localhost/berth-test probe pid
	assert_success
	assert_output --partial "pid=1"
}

@test "podman exec, then stop: SIGTERM ignored by PID 1, so SIGKILL after the timeout" {
	pm run -d --name bt-pm-exec "${RUN_FLAGS[@]}" localhost/berth-test sleep 100
	run pm exec bt-pm-exec sh -c 'echo in-exec; id -u'
	assert_success
	assert_output $'in-exec\n0'
	run pm exec bt-pm-exec sh -c 'exit 3'
	assert_failure 3
	run pm stop -t 1 bt-pm-exec
	assert_success
	run pm inspect --format '{{.State.Status}} {{.State.ExitCode}}' bt-pm-exec
	assert_output "exited 137"
	pm rm bt-pm-exec
}

@test "podman run -it: a real terminal" {
	# script(1) gives podman a terminal; its stdin stays open (an EOF on it ends the session
	# before podman has attached: then the output is lost, with crun as with berth).
	command -v script >/dev/null || skip "script (util-linux) is not installed"
	cd "$PM_DIR"
	run script -qec "podman --root $PM_DIR/storage --runroot $PM_DIR/run --cgroup-manager cgroupfs --events-backend file --runtime $RUNTIME run --rm -it ${RUN_FLAGS[*]} localhost/berth-test sh -c 'test -t 0 && test -t 1 && echo TTY-OK'" /dev/null < <(sleep 5)
	assert_success
	assert_output --partial "TTY-OK"
}

@test "podman --memory: the limit is set and an allocation over it is killed" {
	run pm run --rm "${RUN_FLAGS[@]}" --memory 32m localhost/berth-test \
		sh -c 'cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max'
	assert_success
	assert_output "33554432"
	# 100 MB into a shell variable: the OOM killer ends it (137), it never prints.
	run pm run --rm "${RUN_FLAGS[@]}" --memory 32m localhost/berth-test \
		sh -c 'x=$(head -c 100000000 /dev/zero | tr "\0" a); echo survived ${#x}'
	assert_failure 137
	refute_output --partial survived
}

@test "podman --pids-limit: forks beyond the limit fail" {
	run pm run --rm "${RUN_FLAGS[@]}" --pids-limit 5 localhost/berth-test \
		sh -c 'for i in 1 2 3 4 5 6 7 8; do sleep 5 & done; echo all forked'
	assert_failure
	assert_output --partial "can't fork"
	refute_output --partial "all forked"
}

@test "podman --runtime berth-runtime-vm: the container runs in a VM, its exit code comes back" {
	command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86 is not installed"
	ls /boot/vmlinuz-*-cloud-amd64 >/dev/null 2>&1 || skip "linux-image-cloud-amd64 is not installed"
	run bash -c "cd '$PM_DIR' && podman --root '$PM_DIR/storage' --runroot '$PM_DIR/run' \
		--cgroup-manager cgroupfs --events-backend file --runtime '$BUILD/bin/berth-runtime-vm' \
		run --rm ${RUN_FLAGS[*]} localhost/berth-test sh -c 'cat /proc/version; exit 4'"
	assert_equal "$status" 4
	assert_output --partial "cloud-amd64"
}

@test "podman exec, pause and --memory/--cpus with berth-runtime-vm: output, status, -t, the VM's size" {
	command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86 is not installed"
	ls /boot/vmlinuz-*-cloud-amd64 >/dev/null 2>&1 || skip "linux-image-cloud-amd64 is not installed"
	local vmpm="podman --root '$PM_DIR/storage' --runroot '$PM_DIR/run' \
		--cgroup-manager cgroupfs --events-backend file --runtime '$BUILD/bin/berth-runtime-vm'"
	bash -c "cd '$PM_DIR' && $vmpm run -d --name pvm --memory 256m --cpus 2 ${RUN_FLAGS[*]} localhost/berth-test sh -c 'echo up; exec sleep 300'" >/dev/null
	for _ in $(seq 100); do bash -c "cd '$PM_DIR' && $vmpm logs pvm" 2>/dev/null | grep -q up && break; sleep 0.1; done
	run bash -c "cd '$PM_DIR' && $vmpm exec pvm sh -c 'cat /proc/version; exit 3'"
	assert_equal "$status" 3
	assert_output --partial "cloud-amd64"
	run bash -c "cd '$PM_DIR' && echo in | $vmpm exec -i pvm cat"
	assert_output in
	run script -qec "cd '$PM_DIR' && $vmpm exec -t pvm sh -c 'tty; exit 2'; echo rc=\$?" /dev/null
	assert_output --regexp '/dev/pts/[0-9]+'
	assert_output --partial rc=2
	# the VM is as big as the container was allowed to be: 256 MiB, 2 vCPUs
	run bash -c "cd '$PM_DIR' && $vmpm exec pvm sh -c 'busybox nproc; grep MemTotal /proc/meminfo'"
	assert_line 2
	kb=$(echo "$output" | awk '/MemTotal/ { print $2 }')
	[ "$kb" -gt 180000 ] && [ "$kb" -le 262144 ]
	# pause: the VM's CPUs stop (QMP), exec is refused; unpause: it goes on
	bash -c "cd '$PM_DIR' && $vmpm pause pvm" >/dev/null
	run bash -c "cd '$PM_DIR' && $vmpm inspect -f '{{.State.Status}}' pvm"
	assert_output paused
	run bash -c "cd '$PM_DIR' && $vmpm exec pvm true"
	assert_failure
	bash -c "cd '$PM_DIR' && $vmpm unpause pvm" >/dev/null
	run bash -c "cd '$PM_DIR' && $vmpm exec pvm echo after"
	assert_output after
	bash -c "cd '$PM_DIR' && $vmpm rm -f -t 0 pvm" >/dev/null
}

@test "podman run -t with berth-runtime-vm: the VM's process on a terminal, of the caller's size" {
	command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86 is not installed"
	ls /boot/vmlinuz-*-cloud-amd64 >/dev/null 2>&1 || skip "linux-image-cloud-amd64 is not installed"
	local vmpm="podman --root '$PM_DIR/storage' --runroot '$PM_DIR/run' \
		--cgroup-manager cgroupfs --events-backend file --runtime '$BUILD/bin/berth-runtime-vm'"
	run script -qec "stty rows 31 cols 97; cd '$PM_DIR' && $vmpm run --rm -t ${RUN_FLAGS[*]} localhost/berth-test \
		sh -c 'tty; stty size; exit 6'; echo rc=\$?" /dev/null
	assert_output --regexp '/dev/pts/[0-9]+'
	assert_output --partial "31 97"
	assert_output --partial rc=6
}

@test "podman with berth-runtime-vm on a CNI network: the VM takes the container's address, -p reaches it" {
	command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86 is not installed"
	ls /boot/vmlinuz-*-cloud-amd64 >/dev/null 2>&1 || skip "linux-image-cloud-amd64 is not installed"
	local vmpm="podman --root '$PM_DIR/storage' --runroot '$PM_DIR/run' \
		--cgroup-manager cgroupfs --events-backend file --runtime '$BUILD/bin/berth-runtime-vm'"
	local flags="--cgroup-parent /berth-podman-test --ulimit nofile=1024:1024 --ulimit nproc=1024:1024"
	# podman's default network (CNI's bridge), in the suite's own network namespace
	bash -c "cd '$PM_DIR' && $vmpm run -d --name pnet -p 127.0.0.1:18081:80 $flags localhost/berth-test \
		sh -c 'echo from-the-vm >/index.html; exec busybox httpd -f -p 80 -h /'" >/dev/null
	ip=$(bash -c "cd '$PM_DIR' && $vmpm inspect -f '{{.NetworkSettings.IPAddress}}' pnet")
	[[ "$ip" =~ ^10\.88\. ]]
	run bash -c "cd '$PM_DIR' && $vmpm exec pnet sh -c 'cat /proc/version; busybox ip -4 addr show eth0'"
	assert_output --partial "cloud-amd64"
	assert_output --partial "inet $ip/"
	for _ in $(seq 100); do curl -sf -m 2 "http://$ip/index.html" >/dev/null && break; sleep 0.1; done
	run curl -sf -m 5 "http://$ip/index.html"
	assert_output from-the-vm
	run curl -sf -m 5 "http://127.0.0.1:18081/index.html"
	assert_output from-the-vm
	# from the guest out, through the namespace's gateway
	mkdir -p "$PM_DIR/www" && echo from-outside >"$PM_DIR/www/out.html"
	busybox httpd -f -p 10.88.0.1:18999 -h "$PM_DIR/www" &
	local srv=$!
	run bash -c "cd '$PM_DIR' && $vmpm exec pnet busybox wget -q -O- http://10.88.0.1:18999/out.html"
	kill "$srv"
	assert_output from-outside
	# the namespace is the VM's: a second VM in it is refused, with why
	run bash -c "cd '$PM_DIR' && $vmpm run --rm --network container:pnet $flags localhost/berth-test true"
	assert_failure
	assert_output --partial "taken already"
	bash -c "cd '$PM_DIR' && $vmpm rm -f -t 0 pnet" >/dev/null
}
