#!/usr/bin/env bats
# A VM's config comes on its control port (berth.ctl), not in its initramfs (issue #21): one
# initramfs per guest shape, cached under the store and given to every VM as it is, with
# nothing of a container in it (what a template of the shape needs). Skipped where QEMU or the
# guest kernel is missing.

load helpers
bats_require_minimum_version 1.5.0

setup() {
	store_setup
	command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86 is not installed"
	ls /boot/vmlinuz-*-cloud-amd64 >/dev/null 2>&1 || skip "linux-image-cloud-amd64 is not installed"
}

# With templates the default (unless BERTH_VM_TEMPLATE=0) a VM that was to be a clone and
# booted cold is a failure: the reasons, from the store's (and berth-runtime-vm's)
# template.log.
cold_boots() {
	[ "${BERTH_VM_TEMPLATE:-1}" != 0 ] || return 0
	cat "$STORE/vm/template.log" "$WORK"/*/.vm/.cache/template.log 2>/dev/null || true
}

teardown() {
	local cold
	cold=$(cold_boots)
	store_teardown
	[ -z "$LEFT" ] || { echo "left behind:$LEFT" >&2; return 1; }
	[ -z "$cold" ] || { echo "not from the template: $cold" >&2; return 1; }
	local left
	left=$(pgrep -af "qemu-system.*($RUNROOT|$WORK)|virtiofsd.*($STORE|$WORK)" || true)
	[ -z "$left" ] || {
		echo "left behind: $left" >&2
		pkill -9 -f "qemu-system.*($RUNROOT|$WORK)|virtiofsd.*($STORE|$WORK)"
		return 1
	}
}

@test "vm config: one initramfs for every VM, none of a container's config in it" {
	run berth run --rm --isolation vm --network none -e MARK=first-vm-x1 berth/default \
		sh -c 'echo $MARK'
	assert_success
	assert_output first-vm-x1
	berth run -d --name vmcfg2 --isolation vm --network none -e MARK=second-vm-x2 \
		-h vmcfg-host berth/default sleep 60
	local id
	id=$(berth inspect -f '{{.Id}}' vmcfg2)
	# QEMU boots the cached initramfs itself: no copy in the VM's state directory
	local qemu=""
	for _ in $(seq 300); do
		qemu=$(pgrep -f "qemu-system.*$RUNROOT" | head -1)
		[ -n "$qemu" ] && break
		sleep 0.1
	done
	[ -n "$qemu" ]
	local initrd
	initrd=$(tr '\0' '\n' <"/proc/$qemu/cmdline" | grep -A1 -x -- -initrd | tail -1)
	# (beside it, a VM template when the VM is a clone: BERTH_VM_TEMPLATE=1)
	run ls -d "$STORE"/vm/initramfs-*
	assert_output "$initrd"
	assert_equal "$(dirname "$initrd")" "$STORE/vm"
	run ls "$RUNROOT/$id/vm"
	refute_output --partial initramfs
	# the container's config travelled on berth.ctl: the guest has it, the initramfs not
	for _ in $(seq 600); do
		[ "$(berth inspect -f '{{.State.Status}}' vmcfg2)" = running ] && break
		sleep 0.1
	done
	run berth exec vmcfg2 sh -c 'echo $MARK; hostname'
	assert_success
	assert_line second-vm-x2
	assert_line vmcfg-host
	run cpio -it --quiet <"$initrd"
	assert_success
	assert_line init
	refute_line --partial berth/config
	run grep -c -a -e first-vm-x1 -e second-vm-x2 -e vmcfg-host -e MARK= "$initrd"
	assert_output 0
	berth rm -f vmcfg2
}

@test "vm config: a config larger than the port's buffer arrives whole" {
	# three bound files of 200 KiB travel in the config (bound files go as their content):
	# 600 KiB, more than a socket's buffer, so the host writes it while the guest reads
	for i in 1 2 3; do
		head -c 150000 /dev/urandom | base64 -w 76 >"$WORK/big$i"
		[ "$(stat -c %s "$WORK/big$i")" -gt 190000 ]
	done
	run berth run --rm --isolation vm --network none -v "$WORK/big1:/big1:ro" \
		-v "$WORK/big2:/big2:ro" -v "$WORK/big3:/big3:ro" berth/default \
		sh -c 'sha256sum /big1 /big2 /big3'
	assert_success
	for i in 1 2 3; do
		assert_line "$(sha256sum "$WORK/big$i" | cut -d' ' -f1)  /big$i"
	done
}

@test "vm config: --uidmap and --gidmap refused at create, as --userns (no user namespace in a guest)" {
	for flags in "--uidmap 0:100000:65536" "--gidmap 0:100000:65536" \
		"--uidmap 0:100000:65536 --gidmap 0:100000:65536"; do
		run berth create --isolation vm $flags berth/default true
		assert_failure 125
		assert_output --partial "--uidmap and --gidmap are a container's, not a VM's"
	done
	run berth ps -aq
	assert_output ""
}
