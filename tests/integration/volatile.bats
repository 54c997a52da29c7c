#!/usr/bin/env bats
# A --rm container's changes are volatile (issue #23, podman's rule): its overlay is mounted
# with overlayfs's "volatile" option, so neither an fsync inside it nor its unmount syncs the
# store's filesystem; a container without --rm keeps a synced overlay. The mark a volatile
# mount leaves is cleared for a mount again in the same boot (cp before start), and refused
# after a reboot (the upper may have lost writes).

load helpers
bats_require_minimum_version 1.5.0

setup() { store_setup; }
teardown() { store_teardown; }

@test "volatile: run --rm mounts its root volatile, run without --rm does not" {
	run berth run --rm --network none berth/default grep ' / ' /proc/mounts
	assert_success
	assert_output --partial 'fsync=volatile'
	run berth run --name keep --network none berth/default grep ' / ' /proc/mounts
	assert_success
	assert_output --partial 'overlay'
	refute_output --partial 'volatile'
	berth rm keep
}

@test "volatile: create --rm, cp, start: the root is mounted again in the same boot" {
	id=$(berth create --rm --network none berth/default cat /copied)
	echo copied-in >"$BATS_TEST_TMPDIR/f"
	berth cp "$BATS_TEST_TMPDIR/f" "$id:/copied"
	# the cp's mount was volatile and left overlayfs's mark
	[ -d "$STORE/containers/$id/work/work/incompat/volatile" ]
	run berth start -a "$id"
	assert_success
	assert_output copied-in
	run berth ps -aq
	assert_output ""
}

@test "volatile: a mark from another boot is refused, with why" {
	id=$(berth create --rm --network none berth/default true)
	echo x >"$BATS_TEST_TMPDIR/f"
	berth cp "$BATS_TEST_TMPDIR/f" "$id:/x"
	echo 00000000-0000-0000-0000-000000000000 >"$STORE/containers/$id/work.boot"
	run berth start -a "$id"
	assert_equal "$status" 125
	assert_output --partial "mounted volatile (--rm) before the machine went down"
	berth rm -f "$id" 2>/dev/null || true
}
