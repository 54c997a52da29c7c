# Shared setup for integration tests: a busybox bundle with the probe, unique ids, cleanup.
BUILD=${BERTH_BUILD:?set BERTH_BUILD to the build directory}
RUNTIME="$BUILD/bin/berth-runtime"
PROBE="$BUILD/tests/helpers/probe"
BUSYBOX=${BUSYBOX:-/bin/busybox}
# Every test's state lives under its own root, so tests cannot see each other.
STATE_ROOT=/run/berth-test

load_libs() {
	load /usr/lib/bats/bats-support/load
	load /usr/lib/bats/bats-assert/load
}

rt() { "$RUNTIME" --root "$STATE_ROOT" "$@"; }

# make_bundle DIR: rootfs with busybox + probe and a default config running `probe ids`.
make_bundle() {
	local b=$1
	mkdir -p "$b/rootfs/bin" "$b/rootfs/tmp"
	cp "$BUSYBOX" "$b/rootfs/bin/busybox"
	cp "$PROBE" "$b/rootfs/bin/probe"
	for c in sh true false echo cat ls sleep mount id hostname; do ln -sf busybox "$b/rootfs/bin/$c"; done
	(cd "$b" && "$RUNTIME" spec)
	set_config "$b" '.process.terminal = false | .process.args = ["probe","ids"] | .root.readonly = false'
}

# set_config DIR JQ-EXPR: edit config.json with jq.
set_config() {
	local tmp
	tmp=$(mktemp)
	jq "$2" "$1/config.json" >"$tmp" && mv "$tmp" "$1/config.json"
}

common_setup() {
	load_libs
	ID="bt-$$-${BATS_TEST_NUMBER}"
	BUNDLE=$(mktemp -d /tmp/berth-bundle.XXXXXX)
	make_bundle "$BUNDLE"
	set_config "$BUNDLE" ".linux.cgroupsPath = \"/berth-test/$ID\""
	cd "$BUNDLE"
}

common_teardown() {
	rt delete --force "$ID" >/dev/null 2>&1 || true
	cd /
	rm -rf "$BUNDLE"
	# Nothing of this test may remain: state, cgroups.
	[ ! -e "$STATE_ROOT/$ID" ] || { echo "leftover state $STATE_ROOT/$ID" >&2; return 1; }
	local left
	left=$(find /sys/fs/cgroup -maxdepth 3 -path "*/berth-test/$ID" 2>/dev/null)
	[ -z "$left" ] || { echo "leftover cgroups: $left" >&2; return 1; }
}

# v1 or v2 location of a controller file of this test's cgroup.
cgroup_file() {
	local ctl=$1 file=$2
	if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
		echo "/sys/fs/cgroup/berth-test/$ID/$file"
	else
		echo "/sys/fs/cgroup/$ctl/berth-test/$ID/$file"
	fi
}

# The engine: each test gets an image store of its own.
BERTH="$BUILD/bin/berth"
MKIMAGE="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/helpers/mkimage"

berth() { "$BERTH" --root "$STORE" "$@"; }

store_setup() {
	load_libs
	STORE=$(mktemp -d /tmp/berth-store.XXXXXX)
	WORK=$(mktemp -d /tmp/berth-work.XXXXXX)
}

store_teardown() {
	local m
	for m in $(awk '{print $5}' /proc/self/mountinfo | grep "^$STORE/" | sort -r); do
		umount -l "$m" || true
	done
	rm -rf "$STORE" "$WORK"
}

# What a store holds: blob and layer names and the image records.
store_state() {
	(cd "$STORE" && find blobs layers -mindepth 1 -maxdepth 2 2>/dev/null | sort
	 cat images.json 2>/dev/null; ls -A tmp 2>/dev/null)
}
