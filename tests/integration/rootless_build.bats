#!/usr/bin/env bats
# berth build, system check and --isolation vm run by an ordinary user (issue #22), as
# rootless_engine.bats does it: a real user made here (useradd, a range in /etc/subuid and
# /etc/subgid), berth run as that user with setpriv. Everything the user made (processes,
# QEMU and virtiofsd, files) is gone after the file.

load helpers
load rootless

setup_file() {
	# a range of our own, above rootless_engine.bats' (which ends at 3758096384)
	rootless_file_setup "brb$$" $((3825205248 + ($$ % 1024) * 65536)) berth-rootless-build
}

teardown_file() {
	rootless_user_remove
}

setup() {
	rootless_setup rb
}

teardown() {
	[ -z "$RU_BLOCKED" ] || return 0
	rootless_teardown
	rootless_uplink_remove
	ip link del berth0 2>/dev/null || true
	ub rmi -f "$N" >/dev/null 2>&1 || true
}

@test "build as the user: RUN as root of the user namespace, COPY, --chown; layers on disk with the mapped ids; the image runs as the user" {
	ctx="$RU_WORK/ctx$BATS_TEST_NUMBER"
	mkdir -p "$ctx"
	echo copied >"$ctx/f.txt"
	cat >"$ctx/Containerfile" <<-'EOF'
		FROM berth/default
		RUN mkdir -p /app && echo built >/app/b && chown 1000:1000 /app/b && cat /proc/self/uid_map
		COPY f.txt /app/f.txt
		COPY --chown=42:43 f.txt /app/g.txt
		CMD ["sh", "-c", "cat /app/b /app/f.txt; stat -c '%u:%g %n' /app/b /app/f.txt /app/g.txt"]
	EOF
	chmod -R a+rX "$ctx"
	run ub build --network none -t "$N" "$ctx"
	assert_success
	# RUN in the user's namespace: 0 is the user, 1.. its range
	assert_output --regexp "RUN .* +0 +$RU_UID +1"
	assert_output --regexp "RUN .* +1 +$RU_SUB +65536"
	run ub images --format '{{.Repository}}'
	assert_line "$N"
	run ub run --rm --network none "$N"
	assert_success
	assert_line built
	assert_line copied
	assert_line "1000:1000 /app/b"
	assert_line "0:0 /app/f.txt"
	assert_line "42:43 /app/g.txt"
	# on disk: container uid 1000 is RU_SUB + 999, 42:43 is RU_SUB + 41:42, 0 the user
	f=$(find "$(RU_STORE)/layers" -path '*/diff/app/b')
	[ "$(stat -c %u:%g "$f")" = "$((RU_SUB + 999)):$((RU_SUB + 999))" ]
	f=$(find "$(RU_STORE)/layers" -path '*/diff/app/g.txt')
	[ "$(stat -c %u:%g "$f")" = "$((RU_SUB + 41)):$((RU_SUB + 42))" ]
	f=$(find "$(RU_STORE)/layers" -path '*/diff/app/f.txt')
	[ "$(stat -c %u:%g "$f")" = "$RU_UID:$RU_GID" ]
	# again: every step from the cache; the build left nothing behind
	run ub build --network none -t "$N" "$ctx"
	assert_success
	assert_output --partial CACHED
	run ub ps -aq
	assert_output ""
	run ub system check
	assert_success
	assert_line "No problems found"
	# root's store has none of it
	run env -u BERTH_ROOT -u BERTH_RUNROOT "$BERTH" images --format '{{.Repository}}'
	refute_line "$N"
}

@test "build as the user: a failing RUN is the build's error; its container and mounts are gone" {
	ctx="$RU_WORK/ctx$BATS_TEST_NUMBER"
	mkdir -p "$ctx"
	printf 'FROM berth/default\nRUN id -u && cat /proc/self/uid_map | wc -l\nRUN exit 3\n' >"$ctx/Containerfile"
	chmod -R a+rX "$ctx"
	run ub build --network none "$ctx"
	assert_failure
	assert_output --partial "exit 3"
	assert_output --partial "did not complete successfully: exit code: 3"
	run ub ps -aq
	assert_output ""
}

@test "system check as the user: what it has and lacks, one line each, then the store's findings" {
	# a bridge named as the user's default network's: root's, not a finding of the user's
	ub run --rm --network none berth/default true
	ip link add berth0 type bridge
	ip link set berth0 up
	run ub system check
	assert_success
	assert_line --index 0 "rootless: has subordinate ids: uids $RU_SUB-$((RU_SUB + 65535)) (/etc/subuid), gids $RU_SUB-$((RU_SUB + 65535)) (/etc/subgid)"
	assert_line --regexp "^rootless: has newuidmap: /.*/newuidmap \((setuid|file capabilities)\)$"
	assert_line --regexp "^rootless: has newgidmap: /.*/newgidmap \((setuid|file capabilities)\)$"
	assert_line --regexp "^rootless: (has overlayfs in the user namespace \(userxattr; kernel|lacks overlayfs in the user namespace: )"
	assert_line --regexp "^rootless: (has|lacks) fuse-overlayfs: "
	if command -v pasta >/dev/null; then
		assert_line "rootless: has pasta: $(command -v pasta) (the default network, -p)"
	else
		assert_line --partial "rootless: lacks pasta: not installed (Debian's package passt)"
	fi
	if command -v passt >/dev/null; then
		assert_line "rootless: has passt: $(command -v passt) (a VM's network, -p)"
	else
		assert_line --partial "rootless: lacks passt: not installed"
	fi
	start=$(cat /proc/sys/net/ipv4/ip_unprivileged_port_start)
	if [ "$start" -gt 0 ]; then
		assert_line --partial "rootless: lacks ports below $start: -p refuses them; as root, 'sysctl net.ipv4.ip_unprivileged_port_start=0'"
	fi
	if [ ! -e /sys/fs/cgroup/cgroup.controllers ]; then
		assert_line --partial "rootless: lacks cgroup delegation: this host has cgroup v1"
	else
		assert_line --regexp "^rootless: (has|lacks) cgroup delegation: cgroup v2"
	fi
	# KVM: the user's own right to open /dev/kvm (not root's)
	if setpriv --reuid="$RU_UID" --regid="$RU_GID" --init-groups -- sh -c ': <>/dev/kvm' 2>/dev/null; then
		assert_line "rootless: has KVM: /dev/kvm (--isolation vm at full speed)"
	else
		assert_line --regexp "^rootless: lacks KVM: /dev/kvm: .*: --isolation vm emulates the CPU \(TCG, much slower\); as root, add the user to group kvm$"
	fi
	assert_line --regexp "^rootless: (has|lacks) QEMU"
	assert_line "No problems found"
	refute_output --partial "network bridge"
	# the overlay probe's scratch directory is gone, and nothing is mounted there
	run find "$RU_XDG/berth" -maxdepth 1 -name 'overlay-probe.*'
	assert_output ""
	# as root: no rootless lines (and root's bridge would be root's finding)
	ip link del berth0
	store_setup
	run berth system check
	assert_success
	refute_output --partial "rootless:"
	store_teardown
}

@test "--isolation vm as the user: QEMU and virtiofsd run as the user (TCG without /dev/kvm); -m and --cpus size the guest; exec, stop, rm" {
	command -v qemu-system-x86_64 >/dev/null || skip "no QEMU (qemu-system-x86)"
	[ -x /usr/lib/qemu/virtiofsd ] || skip "no virtiofsd (qemu-system-common)"
	run ub_within 300 run --rm --isolation vm --network none \
		-m 300m --cpus 2 berth/default sh -c 'echo in-vm; id -u; nproc; grep MemTotal /proc/meminfo'
	assert_success
	assert_line in-vm
	assert_line --index 1 0
	# -m and --cpus size the guest: no cgroup is needed for them (a container's are refused)
	assert_line --index 2 2
	mem=$(echo "${lines[3]}" | awk '{print $2}')
	[ "$mem" -gt 200000 ] && [ "$mem" -lt 310000 ]
	run ub_within 300 run -d --name "$N" --isolation vm --network none berth/default sleep 600
	assert_success
	for _ in $(seq 300); do ub exec "$N" true 2>/dev/null && break; sleep 1; done
	run ub exec "$N" sh -c 'echo w >/root/w && cat /root/w'
	assert_success
	assert_output w
	# QEMU and virtiofsd are the user's processes on the host
	run rootless_procs -f qemu-system-x86_64
	assert_success
	run rootless_procs -f virtiofsd
	assert_success
	run ub stop -t 2 "$N"
	assert_success
	run ub rm "$N"
	assert_success
	run rootless_gone -f 'qemu-system|virtiofsd'
	assert_success
}

@test "--isolation vm as the user, its network through passt: -p reached from the host, outbound through the host's sockets; slirp4netns refused, saying why" {
	command -v qemu-system-x86_64 >/dev/null || skip "no QEMU (qemu-system-x86)"
	[ -x /usr/lib/qemu/virtiofsd ] || skip "no virtiofsd (qemu-system-common)"
	command -v passt >/dev/null || skip "passt is not installed (Debian's passt)"
	# an address and default route for passt to copy (gone in teardown)
	rootless_uplink "brb$$"
	port=$(free_port)
	run ub_within 300 run -d --name "$N" --isolation vm -p "$port:80" \
		berth/default sh -c 'echo hello-vm >/tmp/i; exec httpd -f -p 80 -h /tmp'
	assert_success
	run ub inspect -f '{{.HostConfig.NetworkMode}}' "$N"
	assert_output pasta
	run ub port "$N"
	assert_output "80/tcp -> 0.0.0.0:$port"
	for _ in $(seq 300); do curl -s -m 2 "http://127.0.0.1:$port/i" >/dev/null && break; sleep 1; done
	run curl -s -m 5 "http://127.0.0.1:$port/i"
	assert_output hello-vm
	# the guest has the host's address and default route, as pasta gives a container
	run ub exec "$N" ip -4 addr show eth0
	assert_output --partial "198.51.100.2/24"
	run ub exec "$N" ip route
	assert_line --partial "default via 198.51.100.1"
	# outbound: a server at another address of this namespace, reached through passt
	rootless_host_server
	run ub exec "$N" wget -q -O - "http://198.51.100.7:$SPORT/h"
	assert_output from-host
	# passt is the user's, and goes with the VM
	run rootless_procs -f passt
	assert_success
	run ub rm -f "$N"
	assert_success
	run rootless_gone -f 'qemu-system|virtiofsd|passt'
	assert_success
	# slirp4netns has no end for a VM (a user network's TAP: rootless_vm_net.bats)
	run ub run --rm --isolation vm --network slirp4netns berth/default true
	assert_failure 125
	assert_output --partial "--isolation vm as a user (rootless): network 'slirp4netns' is a container's"
	run ub ps -aq
	assert_output ""
}
