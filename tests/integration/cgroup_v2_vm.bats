#!/usr/bin/env bats
# berth on the hosts most users have (issues #20 and #22): a pure cgroup v2 host with systemd
# as PID 1. These machines are a v1/v2 hybrid without systemd, so the proof runs berth inside
# a VM whose guest is such a host: scripts/system-image --berth-guest's Debian 12 (systemd,
# D-Bus, a user session, uidmap, passt and the libraries berth's binaries need) booted with
# `--isolation vm --systemd`, berth's build under test bound in at /opt/berth, the kernel's
# modules at /lib/modules (overlay). Inside the guest, root's store is an ext4 file system in a
# file on a tmpfs, mounted through a loop device, and the test user's on a tmpfs (overlayfs
# takes no upper directory on virtiofs, the guest's root; --userns needs idmapped layers,
# which the guest kernel's tmpfs (Linux 6.1) does not take: tmpfs does from 6.3).
#
# Proven there: the guest's cgroup2 alone at /sys/fs/cgroup; root's containers get their
# limits (berth hands the controllers down its cgroup levels, as runc does: systemd enables
# only memory and pids at the root); a system container boots its systemd to running in a
# cgroup namespace of its own whose cgroup its systemd writes, with -m as its memory.max; and
# a rootless user's limits apply in the user's delegated subtree (user@UID.service,
# Delegate=yes, started by `loginctl enable-linger`), and are refused, saying why, from a
# cgroup that is not the user's. A system container with --userns auto boots to running
# there too: its root a range of the guest's ids, its cgroup its root's; and on a store that
# cannot be idmapped (tmpfs on this kernel) --userns is refused, saying why. And the
# lingering user's own system container (the tree root tars, the user imports) boots to
# running in a scope of the user's systemd instance: its cgroup below user@UID.service/berth,
# the user's, with its systemd in init.scope there and a read-write cgroup2 of its own inside;
# stop shuts it down (exit status 0) and leaves no cgroup and no process.
#
# TCG: the guest boots to running in one to two minutes on a busy 2-core machine, and each
# step inside it is slow: the three default tests take 3 to 7 minutes (a quiet or a busy
# machine). The system containers' (importing a system tree inside the guest, booting and
# stopping it, then again with --userns auto, then the user's) add 4-7 more, so they run only
# with BERTH_CGROUP_V2_VM_SYSTEM=1;
# BERTH_CGROUP_V2_VM=0 skips the file. Without QEMU, the guest kernel or the tar (made
# from Debian's archive, scripts/setup does it once), the tests are skipped.

load helpers
bats_require_minimum_version 1.5.0

GUEST_TAR=${BERTH_GUEST_TAR:-/var/cache/berth/debian-bookworm-systemd-berth.tar}
GUEST_IMAGE=debian:system-berth
VM=cg2-guest
# a TCG boot of the guest and an import inside it, on a machine others use too
BATS_TEST_TIMEOUT=$((${BATS_TEST_TIMEOUT:-60} > 480 ? ${BATS_TEST_TIMEOUT:-60} : 480))

setup_file() {
	[ "${BERTH_CGROUP_V2_VM:-1}" != 0 ] || return 0
	if [ ! -s "$GUEST_TAR" ]; then
		BERTH_SYSTEM_TAR=$GUEST_TAR "$BATS_TEST_DIRNAME/../../scripts/system-image" --tar-only \
			--berth-guest >/dev/null 2>&1 || true
	fi
	[ -s "$GUEST_TAR" ] || return 0
	store_setup
	export STORE WORK RUNROOT
	berth import --change 'CMD ["/sbin/init"]' "$GUEST_TAR" "$GUEST_IMAGE" >/dev/null
}

teardown_file() {
	[ -n "${STORE:-}" ] || return 0
	berth rm -f "$VM" >/dev/null 2>&1 || true
	store_teardown
}

setup() {
	load_libs
	[ "${BERTH_CGROUP_V2_VM:-1}" != 0 ] || skip "BERTH_CGROUP_V2_VM=0"
	command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86 is not installed"
	ls /boot/vmlinuz-*-cloud-amd64 >/dev/null 2>&1 || skip "linux-image-cloud-amd64 is not installed"
	[ -s "$GUEST_TAR" ] ||
		skip "no guest image at $GUEST_TAR: run scripts/system-image --berth-guest --tar-only"
	if [ "$BATS_TEST_NUMBER" -gt 1 ]; then
		[ -e "$WORK/guest-up" ] || skip "the guest did not boot (the first test)"
	fi
}

# g CMD...: a command in the guest, as its root (berth exec --privileged: mount, useradd)
g() {
	timeout 300 "$BERTH" --root "$STORE" --runroot "$RUNROOT" exec --privileged "$VM" "$@"
}

# gb ARGS...: the guest's berth as the guest's root, its store on the guest's ext4 disk
gb() {
	g /opt/berth/bin/berth "$@"
}

# the guest's own system tree, as a tar on stdout (root's: it reads the files only root may)
SYS_TAR='tar -C / --one-file-system -cf - --exclude=./proc --exclude=./sys --exclude=./dev \
	--exclude=./run --exclude=./tmp --exclude=./opt/berth --exclude=./lib/modules \
	--exclude=./usr/lib/modules --exclude=./var/lib/berth --exclude=./srv/disk --exclude=./home .'

# sys_image: the guest's own system tree (systemd-sysv, dbus) as berth's image sys:inner inside
# the guest, unless it is there (the system container tests share it)
sys_image() {
	gb image inspect sys:inner >/dev/null 2>&1 && return 0
	g sh -c "$SYS_TAR | /opt/berth/bin/berth import --change 'CMD [\"/sbin/init\"]' - sys:inner"
}

# user_up: the test user cg2user, made once: a subordinate range and a systemd instance of its
# own (lingering: its user@UID.service, Delegate=yes, runs without a login); sets uid and env
user_up() {
	uid=$(g sh -c 'id -u cg2user 2>/dev/null && exit; useradd -m -s /bin/sh cg2user &&
		echo cg2user:200000:65536 >/etc/subuid && echo cg2user:200000:65536 >/etc/subgid &&
		loginctl enable-linger cg2user && id -u cg2user' | tail -1)
	[ -n "$uid" ] || return 1
	local i
	for i in $(seq 1 60); do
		g systemctl is-active --quiet "user@$uid.service" && g test -S "/run/user/$uid/bus" && break
		sleep 1
	done
	env="XDG_RUNTIME_DIR=/run/user/$uid DBUS_SESSION_BUS_ADDRESS=unix:path=/run/user/$uid/bus"
}

# ub ARGS...: the guest's berth as cg2user, in a scope of its systemd instance (user_up first)
ub() {
	g runuser -u cg2user -- env $env systemd-run --user --scope --quiet /opt/berth/bin/berth "$@"
}

# inner_running NAME: the guest's system container NAME reaches running (the failed units
# named otherwise)
inner_running() {
	local state="" i
	for i in $(seq 1 100); do
		state=$(g timeout 60 /opt/berth/bin/berth exec "$1" systemctl is-system-running --wait \
			2>/dev/null) && break
		[ "$state" = degraded ] && break
		sleep 1
	done
	echo "state: $state"
	[ "$state" = running ] || { gb exec "$1" systemctl --failed --no-pager >&2; return 1; }
}

@test "cgroup v2 vm: the guest is a pure cgroup v2 host under systemd" {
	berth run -d --name "$VM" --network none --isolation vm --systemd=always -m 2g --cpus 2 \
		--stop-timeout 60 -v "$BERTH_BUILD:/opt/berth:ro" -v /lib/modules:/lib/modules:ro \
		"$GUEST_IMAGE" >/dev/null
	local state="" i
	for i in $(seq 1 100); do
		state=$(timeout 120 "$BERTH" --root "$STORE" --runroot "$RUNROOT" exec "$VM" \
			systemctl is-system-running --wait 2>/dev/null) && break
		[ "$state" = degraded ] && break
		sleep 1
	done
	[ "$state" = running ] || g systemctl --failed --no-pager >&2 || true
	assert_equal "$state" running
	run g cat /proc/1/comm
	assert_output systemd
	# cgroup2 alone at /sys/fs/cgroup: no v1 hierarchy, no hybrid "unified"
	run g stat -f -c %T /sys/fs/cgroup
	assert_output cgroup2fs
	run g sh -c 'grep -c " cgroup " /proc/mounts; test -e /sys/fs/cgroup/unified'
	assert_line --index 0 0
	assert_failure 1
	run g cat /sys/fs/cgroup/cgroup.controllers
	assert_output --partial memory
	assert_output --partial pids
	assert_output --partial cpu
	# root's store on ext4 (in a file on a tmpfs: discard gives freed blocks back), the test
	# user's home on a tmpfs
	run g sh -c 'set -e; modprobe loop 2>/dev/null || true; mkdir -p /var/lib/berth /home /srv/disk
		mount -t tmpfs -o size=1300m tmpfs /srv/disk; truncate -s 1250m /srv/disk/store.ext4
		mkfs.ext4 -q /srv/disk/store.ext4
		mount -o loop,discard /srv/disk/store.ext4 /var/lib/berth
		mount -t tmpfs -o size=400m tmpfs /home; /opt/berth/bin/berth version'
	assert_success
	touch "$WORK/guest-up"
}

@test "cgroup v2 vm: root's -m, --pids-limit and --cpus become memory.max, pids.max and cpu.max" {
	run gb run --rm --network none -m 64m --pids-limit 50 --cpus 0.5 berth/default \
		sh -c 'cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/pids.max /sys/fs/cgroup/cpu.max
			cat /proc/self/cgroup'
	assert_success
	assert_line --index 0 67108864
	assert_line --index 1 50
	assert_line --index 2 "50000 100000"
	# its own cgroup namespace: its cgroup is its root
	assert_line --index 3 "0::/"
	# the levels berth made hand the controllers down; nothing left of the container
	run g cat /sys/fs/cgroup/berth/cgroup.subtree_control
	assert_output --partial memory
	assert_output --partial pids
	run g find /sys/fs/cgroup/berth -mindepth 1 -type d
	assert_output ""
}

@test "cgroup v2 vm: a system container boots to running in a cgroup its systemd writes; -m is its memory.max" {
	[ "${BERTH_CGROUP_V2_VM_SYSTEM:-0}" = 1 ] ||
		skip "the system container in the guest (2-3 minutes more): BERTH_CGROUP_V2_VM_SYSTEM=1"
	run sys_image
	assert_success
	run gb run -d --name inner --network none -m 64m --systemd=always sys:inner
	assert_success
	run inner_running inner
	assert_success
	# (systemd 252 does not know berth's name)
	run gb exec inner systemd-detect-virt --container
	assert_output container-other
	# its cgroup namespace is its own; its systemd moved itself to /init.scope there and
	# enabled controllers for its units in the container's cgroup
	run g readlink /proc/1/ns/cgroup
	guest_ns=$output
	run gb exec inner readlink /proc/1/ns/cgroup
	refute_output "$guest_ns"
	run gb exec inner cat /proc/1/cgroup
	assert_output 0::/init.scope
	id=$(gb inspect -f '{{.Id}}' inner)
	run g cat "/sys/fs/cgroup/berth/$id/cgroup.subtree_control"
	assert_output --partial memory
	run g cat "/sys/fs/cgroup/berth/$id/init.scope/cgroup.procs"
	assert_success
	refute_output ""
	run g cat "/sys/fs/cgroup/berth/$id/memory.max"
	assert_output 67108864
	run gb exec inner cat /sys/fs/cgroup/memory.max
	assert_output 67108864
	run gb exec inner systemctl is-active systemd-journald
	assert_output active
	run gb stop inner
	assert_success
	run gb inspect -f '{{.State.Status}} {{.State.ExitCode}}' inner
	assert_output "exited 0"
	gb rm inner >/dev/null
	run g test -e "/sys/fs/cgroup/berth/$id"
	assert_failure
}

@test "cgroup v2 vm: a system container with --userns auto boots to running; its root is a range of the guest's ids, its cgroup its root's" {
	[ "${BERTH_CGROUP_V2_VM_SYSTEM:-0}" = 1 ] ||
		skip "the system container in the guest (2-3 minutes more): BERTH_CGROUP_V2_VM_SYSTEM=1"
	run sys_image
	assert_success
	run gb run -d --name inner-u --network none -m 64m --stop-timeout 60 --userns auto \
		--systemd=always sys:inner
	assert_success
	run inner_running inner-u
	assert_success
	run gb exec inner-u cat /proc/self/uid_map
	assert_success
	read -r cid hid size <<<"$output"
	assert_equal "$cid $size" "0 65536"
	[ "$hid" -gt 0 ]
	# systemd in /init.scope of its own cgroup namespace, the container's cgroup its root's
	# (the files delegation names), the limits the guest root's
	run gb exec inner-u cat /proc/1/cgroup
	assert_output 0::/init.scope
	id=$(gb inspect -f '{{.Id}}' inner-u)
	run g stat -c %u:%g "/sys/fs/cgroup/berth/$id" "/sys/fs/cgroup/berth/$id/cgroup.procs" \
		"/sys/fs/cgroup/berth/$id/memory.max"
	assert_line --index 0 "$hid:$hid"
	assert_line --index 1 "$hid:$hid"
	assert_line --index 2 0:0
	run gb exec inner-u cat /sys/fs/cgroup/memory.max
	assert_output 67108864
	run gb exec inner-u systemctl is-active systemd-journald systemd-logind dbus
	assert_success
	# the tmpfs of a system container belong to its root; what its root writes in the image's
	# tree is stored as 0 (idmapped layers)
	run gb exec inner-u stat -c %u /run /tmp /var/log/journal
	assert_output $'0\n0\n0'
	run gb exec inner-u sh -c 'mkdir /made && touch /var/tmp/made && stat -c %u /made'
	assert_output 0
	run g stat -c %u "/var/lib/berth/containers/$id/diff/var/tmp/made"
	assert_output 0
	run gb stop inner-u
	assert_success
	run gb inspect -f '{{.State.Status}} {{.State.ExitCode}}' inner-u
	[ "$output" = "exited 0" ] || gb logs inner-u 2>&1 | tail -30 >&2
	assert_output "exited 0"
	gb rm inner-u >/dev/null
	gb rmi sys:inner >/dev/null
	run g test -e "/sys/fs/cgroup/berth/$id"
	assert_failure
	# a store on the guest's tmpfs: this kernel cannot idmap it, and says so (from Linux 6.3
	# tmpfs takes idmapped mounts, and the container runs)
	run g sh -c 'mkdir -p /run/st-tmpfs && /opt/berth/bin/berth --root /run/st-tmpfs/root \
		--runroot /run/st-tmpfs/run run --rm --network none --userns auto berth/default \
		echo ran; echo "rc=$?"; rm -rf /run/st-tmpfs'
	if [ "${lines[-1]}" != rc=0 ]; then
		assert_line rc=125
		assert_output --partial "the store is on tmpfs, which Linux idmaps from 6.3 on, not this kernel"
	fi
}

@test "cgroup v2 vm: a rootless user's -m applies in the delegated subtree, and is refused outside it" {
	user_up
	run g cat "/sys/fs/cgroup/user.slice/user-$uid.slice/user@$uid.service/cgroup.controllers"
	assert_output --partial memory
	# in the user's systemd instance (a scope of user@UID.service): the limit applies
	run g runuser -u cg2user -- env $env systemd-run --user --scope --quiet \
		/opt/berth/bin/berth run --rm --network none -m 64m berth/default \
		cat /sys/fs/cgroup/memory.max
	assert_success
	assert_output 67108864
	# --cpus and --pids-limit too (Debian 12's user@.service delegates cpu, memory, pids)
	run g runuser -u cg2user -- env $env systemd-run --user --scope --quiet \
		/opt/berth/bin/berth run --rm --network none --cpus 0.5 --pids-limit 50 berth/default \
		cat /sys/fs/cgroup/cpu.max /sys/fs/cgroup/pids.max
	assert_success
	assert_line --index 0 "50000 100000"
	assert_line --index 1 50
	# the container's cgroup was below the user's subtree, and is gone
	run g find "/sys/fs/cgroup/user.slice/user-$uid.slice/user@$uid.service/berth" -mindepth 1 -type d
	assert_output ""
	# from a cgroup that is not the user's (berth exec's, root's): refused, saying why
	run g runuser -u cg2user -- env $env /opt/berth/bin/berth run --rm --network none -m 64m \
		berth/default true
	assert_failure 125
	assert_output --partial "rootless: limits (memory) need a cgroup, and cgroups are not delegated to uid $uid"
	assert_output --partial "berth runs in cgroup '/init.scope', which is not the user's: run it in the user's systemd instance"
	# without limits it runs there
	run g runuser -u cg2user -- env $env /opt/berth/bin/berth run --rm --network none \
		berth/default echo hello
	assert_output hello
}

@test "cgroup v2 vm: a rootless user's system container boots to running in the user's delegated cgroup, with a cgroup2 of its own; stop is clean" {
	[ "${BERTH_CGROUP_V2_VM_SYSTEM:-0}" = 1 ] ||
		skip "the system container in the guest (2-3 minutes more): BERTH_CGROUP_V2_VM_SYSTEM=1"
	user_up
	# the system tree as root reads it (a tar of / the user made would lack what only root
	# may read: /etc/shadow, /etc/ssl/private), loaded into the user's store, on a tmpfs made
	# large enough for the tree twice (the layer's tar is kept beside what is unpacked)
	run g mount -o remount,size=900m /home
	assert_success
	run g sh -c "$SYS_TAR | runuser -u cg2user -- env $env /opt/berth/bin/berth import \
		--change 'CMD [\"/sbin/init\"]' - sys:user"
	assert_success
	run ub run -d --name uinner --network none --stop-timeout 60 --systemd=always sys:user
	assert_success
	id=$(ub inspect -f '{{.Id}}' uinner)
	local state="" i
	for i in $(seq 1 100); do
		state=$(ub exec uinner systemctl is-system-running --wait 2>/dev/null) && break
		[ "$state" = degraded ] && break
		sleep 1
	done
	echo "state: $state"
	[ "$state" = running ] || ub exec uinner systemctl --failed --no-pager >&2 || true
	assert_equal "$state" running
	# its cgroup is below the user's delegated subtree, owned by the user, with systemd in
	# its init.scope
	svc=/sys/fs/cgroup/user.slice/user-$uid.slice/user@$uid.service
	cg=$svc/berth/$id
	run g cat "/proc/$(ub inspect -f '{{.State.Pid}}' uinner)/cgroup"
	assert_output "0::${cg#/sys/fs/cgroup}/init.scope"
	run g stat -c %U "$cg" "$cg/cgroup.procs"
	assert_output $'cg2user\ncg2user'
	run g sh -c "cat /proc/\$(head -1 $cg/init.scope/cgroup.procs)/comm"
	assert_output systemd
	# inside: a cgroup2 of its own (a cgroup namespace, its cgroup the root), read-write, which
	# its systemd has written (its slices) and its root may write
	run ub exec uinner sh -c 'cat /proc/1/cgroup; stat -f -c %T /sys/fs/cgroup
		awk "\$5 == \"/sys/fs/cgroup\" { print substr(\$6, 1, 3) }" /proc/self/mountinfo
		test -d /sys/fs/cgroup/system.slice && mkdir /sys/fs/cgroup/probe &&
		rmdir /sys/fs/cgroup/probe && echo written'
	assert_success
	assert_output $'0::/init.scope\ncgroup2fs\nrw,\nwritten'
	run ub exec uinner systemctl is-active systemd-journald
	assert_output active
	run ub stop uinner
	assert_success
	run ub inspect -f '{{.State.Status}} {{.State.ExitCode}}' uinner
	[ "$output" = "exited 0" ] || ub logs uinner 2>&1 | tail -30 >&2
	assert_output "exited 0"
	ub rm uinner >/dev/null
	ub rmi sys:user >/dev/null
	# nothing left: its cgroup, a process of the user's subordinate range
	run g test -e "$cg"
	assert_failure
	run g find "$svc/berth" -mindepth 1 -type d
	assert_output ""
	run g sh -c 'stat -c %u /proc/[0-9]* 2>/dev/null | awk "\$1 >= 200000 && \$1 < 265536"'
	assert_output ""
}
