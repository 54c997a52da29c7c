#!/usr/bin/env bats
# A VM's balloon (issues #19 and #21): virtio-balloon with free page reporting in a cold VM and
# in a clone of a template with a writable root (the guest gives back the memory it frees;
# how much is bench/compare's), none in a clone that maps its template's RAM copy-on-write;
# `update --memory` shrinks a running VM's guest through it and never grows it. Skipped where
# QEMU or the guest kernel is missing.

load helpers
bats_require_minimum_version 1.5.0

setup() {
	store_setup
	command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86 is not installed"
	ls /boot/vmlinuz-*-cloud-amd64 >/dev/null 2>&1 || skip "linux-image-cloud-amd64 is not installed"
}

teardown() {
	store_teardown
	[ -z "$LEFT" ] || { echo "left behind:$LEFT" >&2; return 1; }
	vm_left
}

running() {
	for _ in $(seq 600); do
		[ "$(berth inspect -f '{{.State.Status}}' "$1")" = running ] && return 0
		sleep 0.1
	done
	return 1
}

# the guest's MemTotal in kB
mem_total() {
	berth exec "$1" awk '/^MemTotal:/ { print $2 }' /proc/meminfo
}

@test "vm balloon: a clone's and a cold VM's guest has it, reporting free pages; a read-only clone's has none" {
	local name flags
	for name in bclone bcold; do
		flags=--vm-template=true
		[ "$name" = bcold ] && flags=--vm-template=false
		berth run -d --name "$name" --isolation vm $flags --network none berth/default sleep 300
		running "$name"
		run berth exec "$name" sh -c 'cat /proc/cmdline; ls /sys/bus/virtio/drivers/virtio_balloon/;
			cat /sys/module/page_reporting/parameters/page_reporting_order'
		assert_success
		if [ "$name" = bcold ]; then assert_output --partial pci=off; else refute_output --partial pci=off; fi
		# bound to a device, and reporting free pages of any size
		assert_line --regexp '^virtio[0-9]+$'
		assert_line 0
		berth rm -f "$name"
	done
	# a read-only root maps the template's RAM file share=off: no balloon, whose discards would
	# punch holes in that file (QEMU 7.2)
	berth run -d --name bro --isolation vm --network none --read-only berth/default sleep 300
	running bro
	local id q
	id=$(berth inspect -f '{{.Id}}' bro)
	q=$(pgrep -af "qemu-system.*$RUNROOT/$id/" || true)
	[[ "$q" == *"/ram,share=off"* ]]
	[[ "$q" != *virtio-balloon* ]]
	run berth exec bro ls /sys/bus/virtio/drivers/virtio_balloon/
	refute_output --regexp 'virtio[0-9]'
	berth rm -f bro
	[ ! -e "$STORE/vm/template.log" ]
}

@test "vm balloon: update --memory shrinks a running VM's guest, refuses to grow it, and records it" {
	berth run -d --name bup --isolation vm --network none berth/default sleep 300
	running bup
	local before now
	before=$(mem_total bup)
	[ "$before" -gt 400000 ]
	# more than it booted with (512 MiB): refused, nothing recorded
	run berth update --memory 1g bup
	assert_failure
	assert_output --partial "can shrink, not grow: it booted with 512 MiB"
	run berth inspect -f '{{.HostConfig.Memory}}' bup
	assert_output 0
	run berth update --memory 256m bup
	assert_success
	# the balloon inflates over some seconds (TCG)
	for _ in $(seq 120); do
		now=$(mem_total bup)
		[ "$now" -lt 270000 ] && break
		sleep 0.5
	done
	[ "$now" -lt 270000 ]
	run berth inspect -f '{{.HostConfig.Memory}}' bup
	assert_output 268435456
	berth rm -f bup
}
