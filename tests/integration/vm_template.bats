#!/usr/bin/env bats
# --vm-template=true (issue #21, experimental): a VM restored from a q35 template of its shape,
# made on first use under the store, its shares, NICs and ports plugged in after the restore.
# A clone is told apart from a cold boot by its kernel's command line: q35 has PCI, berth's
# microvm boots with pci=off. Skipped where QEMU or the guest kernel is missing.

load helpers
bats_require_minimum_version 1.5.0

setup() {
	store_setup
	command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86 is not installed"
	ls /boot/vmlinuz-*-cloud-amd64 >/dev/null 2>&1 || skip "linux-image-cloud-amd64 is not installed"
}

teardown() {
	# the API's service, a pod of one VM, of a test that failed half way
	[ -z "${SERVICE:-}" ] || api_service_stop >/dev/null
	local p
	for p in $(berth pod ps -q 2>/dev/null); do
		timeout 300 "$BERTH" --root "$STORE" --runroot "$RUNROOT" pod rm -f "$p" >/dev/null 2>&1 || true
	done
	# a berth-runtime-vm test that failed half way leaves its shim (QEMU goes with it)
	local shims
	shims=$(pgrep -f "berth-runtime(-vm)? --root $WORK/" || true)
	[ -z "$shims" ] || { pkill -9 -f "berth-runtime(-vm)? --root $WORK/"; sleep 0.5; }
	for d in /sys/fs/cgroup/*/berth/vmtpl* /sys/fs/cgroup/berth/vmtpl*; do
		[ -d "$d" ] && rmdir "$d" 2>/dev/null
	done
	net_teardown
	store_teardown
	[ -z "$LEFT" ] || { echo "left behind:$LEFT" >&2; return 1; }
	vm_left
}

@test "vm template: a clone runs the container: output, exit code, a volume both ways, its own clock and seed" {
	mkdir "$WORK/vol"
	echo from-host >"$WORK/vol/in"
	run berth run --rm --isolation vm --vm-template=true --network none -v "$WORK/vol:/data" \
		berth/default sh -c 'cat /proc/cmdline; cat /data/in; echo from-guest >/data/out; exit 3'
	assert_equal "$status" 3
	assert_line from-host
	refute_output --partial pci=off
	assert_equal "$(cat "$WORK/vol/out")" from-guest
	# made once, kept under the store
	run ls -d "$STORE"/vm/template-*/
	assert_equal "${#lines[@]}" 1
	[ -s "${lines[0]}state" ]
	# two clones of one template: each its own random stream and boot id, the host's time
	local a b
	a=$(berth run --rm --isolation vm --vm-template=true --network none berth/default \
		sh -c 'cat /proc/cmdline /proc/sys/kernel/random/boot_id; head -c 32 /dev/urandom | od -An -tx1; date +%s')
	b=$(berth run --rm --isolation vm --vm-template=true --network none berth/default \
		sh -c 'cat /proc/cmdline /proc/sys/kernel/random/boot_id; head -c 32 /dev/urandom | od -An -tx1; date +%s')
	run echo "$a"
	refute_output --partial pci=off
	[ "$(sed -n 2p <<<"$a")" != "$(sed -n 2p <<<"$b")" ]
	[ "$(sed -n 3,4p <<<"$a")" != "$(sed -n 3,4p <<<"$b")" ]
	local t now
	t=$(tail -1 <<<"$b")
	now=$(date +%s)
	[ $((now - t)) -lt 60 ] && [ $((t - now)) -lt 5 ]
	run ls -d "$STORE"/vm/template-*/
	assert_equal "${#lines[@]}" 1
}

@test "vm template: the default is a clone; BERTH_VM_TEMPLATE=0 makes it a cold boot" {
	run berth run --rm --isolation vm --network none berth/default cat /proc/cmdline
	assert_success
	refute_output --partial pci=off
	ls -d "$STORE"/vm/template-*/
	BERTH_VM_TEMPLATE=0 run berth run --rm --isolation vm --network none berth/default \
		cat /proc/cmdline
	assert_success
	assert_output --partial pci=off
}

@test "vm template: a clone on a network, exec into it, stop" {
	berth run -d --name tpl1 --isolation vm --vm-template=true berth/default sleep 300
	for _ in $(seq 600); do
		[ "$(berth inspect -f '{{.State.Status}}' tpl1)" = running ] && break
		sleep 0.1
	done
	local gw
	gw=$(berth inspect -f '{{.NetworkSettings.Gateway}}' tpl1)
	[ -n "$gw" ]
	run berth exec tpl1 sh -c "cat /proc/cmdline; ip -4 addr show eth0; hostname; ping -c 1 -W 5 $gw"
	assert_success
	refute_output --partial pci=off
	assert_output --partial "inet $(berth inspect -f '{{.NetworkSettings.IPAddress}}' tpl1)/"
	assert_line "$(berth inspect -f '{{.Id}}' tpl1 | cut -c1-12)"
	assert_output --partial "1 packets received"
	run berth stop -t 2 tpl1
	assert_success
	run berth inspect -f '{{.State.Status}}' tpl1
	assert_output exited
	berth rm tpl1
}

@test "vm template: a read-only root with no share is a disk, the clone's RAM its template's, copy-on-write" {
	berth run -d --name ro1 --isolation vm --network none --read-only --tmpfs /scratch \
		berth/default sleep 300
	for _ in $(seq 600); do
		[ "$(berth inspect -f '{{.State.Status}}' ro1)" = running ] && break
		sleep 0.1
	done
	# QEMU maps the template's own RAM file, share=off, and has the root as a disk; no
	# virtiofsd (a vhost-user device would need the RAM shared)
	local id q
	id=$(berth inspect -f '{{.Id}}' ro1)
	q=$(pgrep -af "qemu-system.*$RUNROOT/$id/" || true)
	[[ "$q" == *"mem-path=$STORE/vm/template-"*"/ram,share=off"* ]]
	[[ "$q" == *"-drive if=none,id=disk0,file=$STORE/vm/rootimg-"*".ext4,format=raw,readonly=on"* ]]
	run pgrep -f "virtiofsd.*$STORE/containers/$id"
	assert_failure
	run berth exec ro1 sh -c 'cat /proc/cmdline; grep " / " /proc/mounts; cat /etc/hostname;
		echo x >/scratch/y && cat /scratch/y; echo x >/etc/z'
	assert_failure
	refute_output --partial pci=off
	assert_output --partial "overlay / overlay ro"
	assert_line "$(echo "$id" | cut -c1-12)"
	assert_line x
	assert_output --partial "Read-only file system"
	# cp out of it reads the container's root as before; into it is refused as for any
	# read-only root
	run berth cp ro1:/bin/busybox "$WORK/bb"
	assert_success
	cmp "$WORK/bb" "$(ls "$STORE"/layers/*/diff/bin/busybox | head -1)"
	berth rm -f ro1
	# one image for the same root, made once; a VM with a volume keeps its virtiofs root
	mkdir "$WORK/vol"
	run berth run --rm --isolation vm --network none --read-only berth/default cat /proc/cmdline
	assert_success
	refute_output --partial pci=off
	run berth run --rm --isolation vm --network none --read-only -v "$WORK/vol:/data" \
		berth/default sh -c 'grep " / " /proc/mounts'
	assert_success
	assert_output --partial "root / virtiofs ro"
	run ls "$STORE"/vm/
	assert_equal "$(printf '%s\n' "${lines[@]}" | grep -c '^rootimg-.*\.ext4$')" 1
	# nothing booted cold
	[ ! -e "$STORE/vm/template.log" ]
	# system prune removes the images with the templates
	run berth system prune -f
	assert_success
	run ls "$STORE"/vm/
	refute_output --partial rootimg-
}

@test "vm template: what a template cannot hold boots cold; --vm-template=false boots cold" {
	# more shares than the template's root ports: a cold boot, which works
	local vols=()
	for i in 1 2 3 4 5 6 7; do
		mkdir "$WORK/v$i"
		vols+=(-v "$WORK/v$i:/v$i")
	done
	run berth run --rm --isolation vm --vm-template=true --network none "${vols[@]}" \
		berth/default sh -c 'cat /proc/cmdline; ls -d /v7'
	assert_success
	assert_output --partial pci=off
	assert_line /v7
	# why, in the store (the monitor's own log goes nowhere)
	run cat "$STORE/vm/template.log"
	assert_output --partial "boots cold: more shares and networks than a template has ports"
	run berth run --rm --isolation vm --vm-template=false --network none berth/default \
		cat /proc/cmdline
	assert_success
	assert_output --partial pci=off
	run ls "$STORE"/vm/
	refute_output --partial template-
}

@test "vm template: a new kernel makes a new template, and the old one goes" {
	local k
	k=$(ls /boot/vmlinuz-*-cloud-amd64 | sort -V | tail -1)
	cp "$k" "$WORK/$(basename "$k")"
	k="$WORK/$(basename "$k")"
	run berth run --rm --isolation vm --vm-template=true --vm-kernel "$k" --network none \
		berth/default cat /proc/cmdline
	assert_success
	refute_output --partial pci=off
	local old
	old=$(ls -d "$STORE"/vm/template-*/)
	[ -n "$old" ]
	# the same kernel, changed (its time): the template is another's
	touch -d '1 hour ago' "$k"
	run berth run --rm --isolation vm --vm-template=true --vm-kernel "$k" --network none \
		berth/default cat /proc/cmdline
	assert_success
	refute_output --partial pci=off
	run ls -d "$STORE"/vm/template-*/
	assert_equal "${#lines[@]}" 1
	[ "${lines[0]}" != "$old" ]
	[ ! -e "$old" ]
}

@test "vm template: system prune removes the templates and says the space; one being made is kept" {
	run berth run --rm --isolation vm --vm-template=true --network none berth/default true
	assert_success
	local tpl
	tpl=$(ls -d "$STORE"/vm/template-*/)
	[ -s "${tpl}state" ]
	# made just now: not before until=1h, kept
	run berth system prune -f --filter until=1h
	assert_success
	refute_output --partial "VM templates"
	[ -d "$tpl" ]
	# a half-made one nobody makes any more, and one being made (its lock held here)
	mkdir "$STORE/vm/template-00000000000000aa.tmp" "$STORE/vm/template-00000000000000bb.tmp"
	head -c 4096 /dev/urandom >"$STORE/vm/template-00000000000000aa.tmp/ram"
	local fd
	exec {fd}>"$STORE/vm/template-00000000000000bb.lock"
	flock "$fd"
	run berth system prune -f
	exec {fd}>&-
	assert_success
	assert_line "Deleted VM templates: 1"
	assert_output --regexp "Total reclaimed space: [0-9.]+MB"
	[ ! -e "$tpl" ]
	[ ! -e "$STORE/vm/template-00000000000000aa.tmp" ]
	[ -d "$STORE/vm/template-00000000000000bb.tmp" ]
	run ls "$STORE"/vm/
	refute_line --regexp '^template-[0-9a-f]{16}$'
	# made again on the next use
	run berth run --rm --isolation vm --vm-template=true --network none berth/default cat /proc/cmdline
	assert_success
	refute_output --partial pci=off
	ls -d "$STORE"/vm/template-*/
}

@test "vm template: berth-runtime-vm clones when the bundle asks (org.berth.vm.template=true)" {
	local RTVM="$BUILD/bin/berth-runtime-vm" root="$WORK/rt"
	make_bundle "$WORK/b"
	set_config "$WORK/b" '.annotations["org.berth.vm.template"] = "true" | .process.args = ["sh", "-c", "cat /proc/cmdline; exit 6"]'
	run "$RTVM" --root "$root" run --bundle "$WORK/b" vmtpl1
	assert_equal "$status" 6
	assert_output --partial console=ttyS0
	refute_output --partial pci=off
	ls -d "$root"/.vm/.cache/template-*/
	# a read-only root: a disk, the RAM the template's copy-on-write
	set_config "$WORK/b" '.root.readonly = true | .process.args = ["sh", "-c", "grep \" / \" /proc/mounts; exit 7"]'
	run "$RTVM" --root "$root" run --bundle "$WORK/b" vmtpl3
	assert_equal "$status" 7
	assert_output --partial "overlay / overlay ro"
	ls "$root"/.vm/.cache/rootimg-*.ext4
	set_config "$WORK/b" '.root.readonly = false | .process.args = ["sh", "-c", "cat /proc/cmdline; exit 6"]'
	# "false": a cold boot
	set_config "$WORK/b" '.annotations["org.berth.vm.template"] = "false"'
	run "$RTVM" --root "$root" run --bundle "$WORK/b" vmtpl2
	assert_equal "$status" 6
	assert_output --partial pci=off
}

# What a container's record (its HostConfig) says of its VM: true, false, or null.
vm_template_of() {
	local id
	id=$(berth inspect -f '{{.Id}}' "$1") || return 1
	jq -r .HostConfig.VmTemplate "$STORE/containers/$id/container.json"
}

# The engine decides: every creator's VM is a clone unless it says otherwise (the record's
# HostConfig.VmTemplate, true or false); a record made before that (no key) boots cold.
@test "vm template: the engine records the choice: unsaid is the default, --vm-template=false, BERTH_VM_TEMPLATE=0; a record without it boots cold" {
	run berth create --isolation vm --network none berth/default true
	assert_success
	run vm_template_of "$output"
	assert_output true
	run berth create --isolation vm --vm-template=false --network none berth/default true
	run vm_template_of "$output"
	assert_output false
	run berth create --isolation vm --vm-template --network none berth/default true
	run vm_template_of "$output"
	assert_output true
	BERTH_VM_TEMPLATE=0 run berth create --isolation vm --network none berth/default true
	run vm_template_of "$output"
	assert_output false
	BERTH_VM_TEMPLATE=0 run berth create --isolation vm --vm-template=true --network none \
		berth/default true
	run vm_template_of "$output"
	assert_output true
	berth rm $(berth ps -aq)
	# a record of before: the key only when true; without it, a cold boot
	local id
	id=$(berth create --isolation vm --network none berth/default cat /proc/cmdline)
	local rec="$STORE/containers/$id/container.json"
	jq 'del(.HostConfig.VmTemplate)' "$rec" >"$rec.new" && mv "$rec.new" "$rec"
	run berth start -a "$id"
	assert_success
	assert_output --partial pci=off
	berth rm "$id"
	run ls "$STORE"/vm/
	refute_output --partial template-
}

@test "vm template: a VM container of the Docker API is a clone; HostConfig.VmTemplate false boots cold" {
	[ -x /usr/bin/docker ] || skip "Debian's docker.io (the docker CLI) is not installed"
	api_service_start
	run timeout 300 /usr/bin/docker run --rm --isolation vm --network none berth/default \
		cat /proc/cmdline
	assert_success
	assert_output --partial console=
	refute_output --partial pci=off
	ls -d "$STORE"/vm/template-*/
	# berth's own key in the create body: a cold boot
	run curl -s --unix-socket "$SOCK" -H 'Content-Type: application/json' -d \
		'{"Image": "berth/default", "Cmd": ["cat", "/proc/cmdline"], "HostConfig": {"Isolation": "vm", "NetworkMode": "none", "VmTemplate": false}}' \
		http://d/containers/create?name=apicold
	assert_output --partial '"Id"'
	run timeout 30 /usr/bin/docker inspect -f '{{.HostConfig.Isolation}}' apicold
	assert_output vm
	run vm_template_of apicold
	assert_output false
	run timeout 300 /usr/bin/docker start -a apicold
	assert_success
	assert_output --partial pci=off
	timeout 30 /usr/bin/docker rm apicold
	# no VM was to be a clone and booted cold
	run cat "$STORE/vm/template.log"
	refute_output --partial "boots cold"
}

@test "vm template: build --isolation vm runs its RUN steps in clones" {
	mkdir -p "$WORK/ctx"
	printf 'FROM berth/default\nRUN cat /proc/cmdline > /cmdline\n' >"$WORK/ctx/Containerfile"
	run berth build --isolation vm -t tplbuilt "$WORK/ctx"
	assert_success
	run berth run --rm tplbuilt cat /cmdline
	assert_output --partial console=
	refute_output --partial pci=off
	ls -d "$STORE"/vm/template-*/
	run cat "$STORE/vm/template.log"
	refute_output --partial "boots cold"
	berth rmi tplbuilt
}

@test "vm template: a pod of one VM: its VM (the infra) is a clone, and its members run in it" {
	run berth pod create --isolation vm --network none tplpod
	assert_success
	run timeout 300 "$BERTH" --root "$STORE" --runroot "$RUNROOT" run --rm --pod tplpod \
		berth/default sh -c 'cat /proc/cmdline; echo member-ran'
	assert_success
	assert_line member-ran
	assert_output --partial console=
	refute_output --partial pci=off
	run vm_template_of "$(berth pod inspect -f '{{.InfraContainerID}}' tplpod)"
	assert_output true
	ls -d "$STORE"/vm/template-*/
	run cat "$STORE/vm/template.log"
	refute_output --partial "boots cold"
	run timeout 300 "$BERTH" --root "$STORE" --runroot "$RUNROOT" pod rm -f tplpod
	assert_success
}

@test "vm template: a compose service with isolation: vm is a clone" {
	mkdir "$WORK/proj"
	cd "$WORK/proj"
	cat >compose.yaml <<'YML'
services:
  vmsvc:
    image: berth/default
    isolation: vm
    network_mode: none
    command: ["sh", "-c", "cat /proc/cmdline; echo svc-ran"]
YML
	run timeout 300 "$BERTH" --root "$STORE" --runroot "$RUNROOT" compose up -d
	assert_success
	local id
	id=$(berth ps -aq --filter label=com.docker.compose.service=vmsvc)
	[ -n "$id" ]
	run timeout 300 "$BERTH" --root "$STORE" --runroot "$RUNROOT" wait "$id"
	assert_output 0
	run berth logs "$id"
	assert_line svc-ran
	assert_output --partial console=
	refute_output --partial pci=off
	run vm_template_of "$id"
	assert_output true
	run timeout 300 "$BERTH" --root "$STORE" --runroot "$RUNROOT" compose down -t 0
	assert_success
	run cat "$STORE/vm/template.log"
	refute_output --partial "boots cold"
}
