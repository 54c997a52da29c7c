# What the files that run berth as an ordinary user share (rootless_build.bats,
# rootless_engine.bats, rootless_network.bats, rootless_userns.bats, rootless_vm_net.bats):
# the file's user, each test's set-up and clean-up, the user's store and processes, and a way
# out for pasta and passt (an uplink, a veth pair, with a server on its far side). The user
# itself, ub and ub_within are helpers.bash's.

# rootless_file_setup NAME SUB WORK, in setup_file: the file's user (rootless_user_make's
# arguments), unless rootless berth cannot run here: then RU_BLOCKED says why, and
# rootless_setup skips every test. A file that needs more sets RU_BLOCKED first, saying what
# is missing. teardown_file calls rootless_user_remove.
rootless_file_setup() {
	export RU_BLOCKED
	[ -n "${RU_BLOCKED:-}" ] || RU_BLOCKED=$(userns_blocked newuidmap)
	[ -z "$RU_BLOCKED" ] || return 0
	rootless_user_make "$@"
}

# rootless_setup PREFIX, in setup: the libraries; the test skipped where rootless berth
# cannot run; N, the test's unique name.
rootless_setup() {
	load_libs
	[ -z "$RU_BLOCKED" ] || skip "rootless berth cannot run here: $RU_BLOCKED"
	# shellcheck disable=SC2034 # the test's, not this file's
	N="$1$$-$BATS_TEST_NUMBER"
}

# rootless_teardown, in teardown (once RU_BLOCKED is known to be empty): the server on the
# uplink's far side stopped, every container of the user's removed.
rootless_teardown() {
	stop_pid "${SRV_PID:-}"
	local ids
	ids=$(ub ps -aq 2>/dev/null || true)
	[ -z "$ids" ] || ub rm -f $ids >/dev/null 2>&1 || true
}

# The user's default store.
RU_STORE() { echo "$RU_WORK/home/.local/share/berth"; }

# rootless_procs PGREP_ARGS...: the user's processes that pgrep matches (-x NAME: by name, a
# regular expression that must match all of it; -f REGEX: by command line); fails on none.
rootless_procs() { pgrep -u "$RU_UID" "$@"; }

# rootless_gone PGREP_ARGS...: waits (100 looks, 0.1 s apart) until the user has none of
# them; fails, listing those left, if one stays.
rootless_gone() {
	for _ in $(seq 100); do rootless_procs "$@" >/dev/null || return 0; sleep 0.1; done
	! pgrep -a -u "$RU_UID" "$@"
}

# rootless_uplink NAME: pasta and passt copy the host's address and default route, and the
# suite's network namespace has none: a veth pair gives it one. NAMEa (RU_UPLINK) has
# 198.51.100.2/24 and the default route via 198.51.100.1; NAMEb (RU_UPLINK_PEER) is up, its
# far side (rootless_host_server gives it an address). Both exported: made in setup_file, it
# serves the whole file. rootless_uplink_remove deletes the pair.
rootless_uplink() {
	export RU_UPLINK="${1}a" RU_UPLINK_PEER="${1}b"
	ip link add "$RU_UPLINK" type veth peer name "$RU_UPLINK_PEER"
	ip link set "$RU_UPLINK_PEER" up
	ip addr add 198.51.100.2/24 dev "$RU_UPLINK"
	ip link set "$RU_UPLINK" up
	ip route add default via 198.51.100.1 dev "$RU_UPLINK"
}

rootless_uplink_remove() {
	[ -z "${RU_UPLINK:-}" ] || ip link del "$RU_UPLINK" 2>/dev/null || true
	unset RU_UPLINK RU_UPLINK_PEER
}

# rootless_host_server: a server on the uplink's far side, another address of this namespace
# (not the one pasta copies, nor the user's): serves "from-host" at
# http://198.51.100.7:$SPORT/h; SRV_PID is its pid, which rootless_teardown stops.
rootless_host_server() {
	ip addr replace 198.51.100.7/24 dev "$RU_UPLINK_PEER"
	mkdir -p "$RU_WORK/www"
	echo from-host >"$RU_WORK/www/h"
	SPORT=$(free_port)
	python3 -m http.server -b 198.51.100.7 -d "$RU_WORK/www" "$SPORT" >/dev/null 2>&1 3>&- &
	SRV_PID=$!
	for _ in $(seq 300); do curl -s -m 1 "http://198.51.100.7:$SPORT/h" >/dev/null && return 0; sleep 0.1; done
	echo "the host side's server did not start" >&2
	return 1
}
