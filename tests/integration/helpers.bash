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

berth() { "$BERTH" --root "$STORE" --runroot "$RUNROOT" "$@"; }

store_setup() {
	load_libs
	STORE=$(mktemp -d /tmp/berth-store.XXXXXX)
	WORK=$(mktemp -d /tmp/berth-work.XXXXXX)
	RUNROOT=$(mktemp -d /tmp/berth-run.XXXXXX)
}

# Every container of the test removed (each checked to leave no cgroup), then the store.
store_teardown() {
	local m id ids left=""
	ids=$("$BERTH" --root "$STORE" --runroot "$RUNROOT" ps -aq --no-trunc 2>/dev/null)
	for id in $ids; do
		"$BERTH" --root "$STORE" --runroot "$RUNROOT" rm -f "$id" >/dev/null 2>&1 || true
	done
	# the test's own networks: their bridges are the suite's namespace's, not the store's
	"$BERTH" --root "$STORE" --runroot "$RUNROOT" network prune -f >/dev/null 2>&1 || true
	for id in $ids $(cat "$WORK/ids" 2>/dev/null); do
		m=$(find /sys/fs/cgroup -maxdepth 3 -type d -path "*/berth/$id" 2>/dev/null)
		[ -z "$m" ] || left="$left $m"
	done
	for m in $(awk '{print $5}' /proc/self/mountinfo | grep -E "^($STORE|$RUNROOT)/" | sort -r); do
		umount -l "$m" || true
		left="$left mount:$m"
	done
	rm -rf "$STORE" "$WORK" "$RUNROOT"
	# The store's default bridge and berth's firewall table outlive its containers (as
	# docker0 does); the store is gone, so they go too. Only in a network namespace of the
	# suite's own (tests/run-integration), never the machine's.
	if [ "$(readlink /proc/self/ns/net)" != "$(readlink /proc/1/ns/net)" ]; then
		ip link del berth0 2>/dev/null || true
		nft delete table inet berth 2>/dev/null || true
	fi
	[ -z "$left" ] || { echo "left behind:$left" >&2; return 1; }
}

# What a store holds: blob and layer names and the image records.
store_state() {
	(cd "$STORE" || exit 0
	 find blobs layers -mindepth 1 -maxdepth 2 2>/dev/null | sort || true
	 cat images.json 2>/dev/null || true
	 ls -A tmp 2>/dev/null || true)
}

FAKEREG="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/helpers/fakeregistry"

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# registry_start plain|tls|auth: Debian's docker-registry on 127.0.0.1, storage of its own.
# Sets REG (host:port), REG_DIR, REG_PID; tls puts the CA in $REG_DIR/certs (for --cert-dir);
# auth wants user "tester", password "s3cret" (htpasswd; over TLS, as distribution requires).
registry_start() {
	local kind=$1 port
	REG_DIR=$(mktemp -d /tmp/berth-registry.XXXXXX)
	port=$(free_port)
	REG="127.0.0.1:$port"
	cat >"$REG_DIR/config.yml" <<-YML
	version: 0.1
	log:
	  level: warn
	storage:
	  filesystem:
	    rootdirectory: $REG_DIR/data
	  delete:
	    enabled: true
	http:
	  addr: $REG
	YML
	if [ "$kind" != plain ]; then
		mkdir -p "$REG_DIR/certs"
		openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=berth test CA" \
			-keyout "$REG_DIR/ca.key" -out "$REG_DIR/certs/ca.crt" 2>/dev/null
		openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" \
			-keyout "$REG_DIR/server.key" -out "$REG_DIR/server.csr" 2>/dev/null
		printf 'subjectAltName=IP:127.0.0.1\n' >"$REG_DIR/ext"
		openssl x509 -req -in "$REG_DIR/server.csr" -CA "$REG_DIR/certs/ca.crt" \
			-CAkey "$REG_DIR/ca.key" -CAcreateserial -days 2 -extfile "$REG_DIR/ext" \
			-out "$REG_DIR/server.crt" 2>/dev/null
		printf '  tls:\n    certificate: %s\n    key: %s\n' "$REG_DIR/server.crt" \
			"$REG_DIR/server.key" >>"$REG_DIR/config.yml"
	fi
	if [ "$kind" = auth ]; then
		htpasswd -Bbn tester s3cret >"$REG_DIR/htpasswd"
		printf 'auth:\n  htpasswd:\n    realm: berth-test\n    path: %s\n' "$REG_DIR/htpasswd" \
			>>"$REG_DIR/config.yml"
	fi
	# REGISTRY_* variables override its configuration: REGISTRY_AUTH_FILE would break it
	env -u REGISTRY_AUTH_FILE docker-registry serve "$REG_DIR/config.yml" >"$REG_DIR/log" 2>&1 &
	REG_PID=$!
	local scheme=http
	[ "$kind" = plain ] || scheme=https
	for _ in $(seq 100); do
		curl -sk -o /dev/null "$scheme://$REG/v2/" && return 0
		sleep 0.1
	done
	echo "registry did not start: $(cat "$REG_DIR/log")" >&2
	return 1
}

stop_pid() {
	if [ -n "${1:-}" ]; then
		kill "$1" 2>/dev/null || true
		wait "$1" 2>/dev/null || true
	fi
}

registry_stop() {
	stop_pid "${FAKE_PID:-}"
	stop_pid "${REG_PID:-}"
	if [ -n "${REG_DIR:-}" ]; then rm -rf "$REG_DIR"; fi
	FAKE_PID= REG_PID= REG_DIR=
}

# fake_start MODE [ARGS]: tests/helpers/fakeregistry in front of $REG; sets FAKE (host:port).
fake_start() {
	local mode=$1
	shift
	"$FAKEREG" --mode "$mode" --upstream "http://$REG" "$@" >"$WORK/fake.port" &
	FAKE_PID=$!
	for _ in $(seq 100); do
		[ -s "$WORK/fake.port" ] && break
		sleep 0.05
	done
	FAKE="127.0.0.1:$(cat "$WORK/fake.port")"
}

# skopeo puts an archive into the test registry (plain HTTP unless TLS is given).
push_archive() { skopeo copy -q --dest-tls-verify=false "$@"; }

# An "other host": namespace $OTHER at 10.$N.0.2, this side 10.$N.0.1 (veth $VETH).
other_host() {
	N=$(( (BATS_TEST_NUMBER + $$) % 200 + 20 ))
	OTHER="bt-other-$$-$BATS_TEST_NUMBER"
	VETH="bto$$$BATS_TEST_NUMBER"
	VETH=${VETH:0:15}
	ip netns add "$OTHER"
	ip link add "$VETH" type veth peer name eth0 netns "$OTHER"
	ip addr add "10.$N.0.1/24" dev "$VETH"
	ip link set "$VETH" up
	ip -n "$OTHER" addr add "10.$N.0.2/24" dev eth0
	ip -n "$OTHER" link set eth0 up
	ip -n "$OTHER" link set lo up
}

# After a test that used networks: its containers and networks removed, then nothing of them
# may remain (veths, TAPs, bridges, leases); the other host, the default bridge and berth's
# table go. Sets LEFT to what was left.
net_teardown() {
	local ids
	ids=$("$BERTH" --root "$STORE" --runroot "$RUNROOT" ps -aq --no-trunc 2>/dev/null)
	for id in $ids; do "$BERTH" --root "$STORE" --runroot "$RUNROOT" rm -f "$id" >/dev/null 2>&1; done
	for n in $("$BERTH" --root "$STORE" --runroot "$RUNROOT" network ls -q --filter driver=bridge 2>/dev/null); do
		"$BERTH" --root "$STORE" --runroot "$RUNROOT" network rm "$n" >/dev/null 2>&1 || true
	done
	# what the store made on this (the suite's) network: nothing of it may remain (the
	# kernel removes a stopped container's interfaces with its namespace, soon after)
	for _ in $(seq 30); do [ -z "$(ip -br link | awk '$1 ~ /^veth/')" ] && break; sleep 0.1; done
	LEFT=""
	[ -z "$(ip -br link | awk '$1 ~ /^veth/')" ] || LEFT="$LEFT veth:$(ip -br link | awk '$1 ~ /^veth/ {print $1}')"
	[ -z "$(ip -br link | awk '$1 ~ /^br-/')" ] || LEFT="$LEFT bridge:$(ip -br link | awk '$1 ~ /^br-/ {print $1}')"
	for f in "$STORE"/networks/*/leases.json; do
		[ ! -e "$f" ] || [ "$(cat "$f")" = "{}" ] || LEFT="$LEFT lease:$f"
	done
	[ -z "${OTHER:-}" ] || ip netns del "$OTHER" 2>/dev/null || true
	[ -z "${VETH:-}" ] || ip link del "$VETH" 2>/dev/null || true
	# the default bridge and the table stay while the store has the default network; the
	# store goes now, and so do they
	ip link del berth0 2>/dev/null || true
	nft delete table inet berth 2>/dev/null || true
}

# compose_setup: a store of the test's own and a project directory $WORK/shop, the current
# directory (compose_up.bats, compose_files.bats, compose_share.bats).
compose_setup() {
	store_setup
	command -v nft >/dev/null || skip "nft (nftables) is not installed"
	mkdir -p "$WORK/shop"
	cd "$WORK/shop"
}

# compose_down: the project in $WORK/shop down, its volumes too.
compose_down() {
	cd "$WORK/shop" 2>/dev/null && berth compose down -v -t 0 >/dev/null 2>&1
}

# compose_teardown [LEFTOVER...]: the project down, then its networks and the store; fails
# naming what was left behind, with the leftovers the caller found itself.
compose_teardown() {
	compose_down
	net_teardown
	store_teardown
	[ $# -eq 0 ] || LEFT="$LEFT $*"
	[ -z "$LEFT" ] || { echo "left behind:$LEFT" >&2; return 1; }
}

# podman as a client of one of our runtimes (podman.bats, podman_vm_systemd.bats), with a
# store of the test file's own, cgroupfs and no network stack. podman_peer_setup NAME RUNTIME
# (from setup_file) makes PM_DIR, /tmp/NAME.XXXXXX, and names the OCI runtime.
podman_peer_setup() {
	export PM_DIR PM_RUNTIME=$2
	PM_DIR=$(mktemp -d "/tmp/$1.XXXXXX")
}

# podman_peer ARGS: podman run from PM_DIR (conmon drops a file named "oom" into its working
# directory after an OOM kill).
podman_peer() {
	(cd "$PM_DIR" && podman --root "$PM_DIR/storage" --runroot "$PM_DIR/run" \
		--cgroup-manager cgroupfs --events-backend file --runtime "$PM_RUNTIME" "$@")
}

# podman_peer_teardown CGROUP (from teardown_file): podman's containers and images removed,
# the cgroups it left under /CGROUP (its conmon's) and PM_DIR.
podman_peer_teardown() {
	[ -n "${PM_DIR:-}" ] || return 0
	podman_peer rm -af -t 0 >/dev/null 2>&1 || true
	podman_peer rmi -af >/dev/null 2>&1 || true
	local d
	for d in /sys/fs/cgroup/*/"$1" /sys/fs/cgroup/"$1"; do
		[ -d "$d" ] || continue
		find "$d" -mindepth 1 -depth -type d -exec rmdir {} + 2>/dev/null || true
		rmdir "$d" 2>/dev/null || true
	done
	grep -q "$PM_DIR" /proc/self/mountinfo && umount -R "$PM_DIR" 2>/dev/null
	rm -rf "$PM_DIR"
}

# peer_runtime [--why]: the OCI runtime for podman, buildah and podman-compose as peers (not as
# clients of our runtimes): crun, their default, where it can run, else runc (a hybrid host
# crun refuses); with --why, why crun cannot run here, or nothing (tests/helpers/peer-runtime).
peer_runtime() { "$(dirname "${BASH_SOURCE[0]}")/../helpers/peer-runtime" "$@"; }

# ---- a real unprivileged user for the rootless tests (issue #22) ----

# userns_blocked [newuidmap]: why an ordinary user cannot make a user namespace here (or,
# with "newuidmap", lacks Debian's uidmap too), or nothing.
userns_blocked() {
	local f
	f=/proc/sys/kernel/unprivileged_userns_clone
	[ ! -e "$f" ] || [ "$(cat "$f")" = 1 ] || { echo "$f is 0"; return; }
	f=/proc/sys/user/max_user_namespaces
	[ ! -e "$f" ] || [ "$(cat "$f")" -gt 0 ] || { echo "$f is 0"; return; }
	f=/proc/sys/kernel/apparmor_restrict_unprivileged_userns
	[ ! -e "$f" ] || [ "$(cat "$f")" = 0 ] || { echo "$f is 1"; return; }
	[ "${1:-}" != newuidmap ] || command -v newuidmap >/dev/null ||
		{ echo "no newuidmap (Debian's uidmap)"; return; }
}

# rootless_user_make NAME SUB WORK: the user NAME (no automatic subordinate ranges: useradd
# adds some when /etc/subuid exists; the test writes its own), SUB..SUB+65535 its range in
# /etc/subuid and /etc/subgid (a file's own, far from the auto pool [2^30, 2^31) and from
# the other files' users), /run/user/UID its runtime directory as pam_systemd makes it, and a
# directory /tmp/WORK.XXXXXX holding its home. Exports RU_USER RU_UID RU_GID RU_SUB RU_XDG
# RU_WORK RU_MADE_RUN_USER.
rootless_user_make() {
	export RU_USER=$1 RU_SUB=$2 RU_UID RU_GID RU_XDG RU_WORK RU_MADE_RUN_USER=
	useradd -M -d /nonexistent -s /usr/sbin/nologin -U -K SUB_UID_COUNT=0 -K SUB_GID_COUNT=0 "$RU_USER"
	RU_UID=$(id -u "$RU_USER")
	RU_GID=$(id -g "$RU_USER")
	echo "$RU_USER:$RU_SUB:65536" >>/etc/subuid
	echo "$RU_USER:$RU_SUB:65536" >>/etc/subgid
	RU_XDG="/run/user/$RU_UID"
	[ -d /run/user ] || RU_MADE_RUN_USER=1
	mkdir -p "$RU_XDG"
	chown "$RU_UID:$RU_GID" "$RU_XDG"
	chmod 0700 "$RU_XDG"
	RU_WORK=$(mktemp -d "/tmp/$3.XXXXXX")
	chmod 0755 "$RU_WORK"
	mkdir "$RU_WORK/home"
	chown "$RU_UID:$RU_GID" "$RU_WORK/home"
}

# rootless_user_kill [UID...]: every process of the user's, of its range (a container's other
# users) or of these uids, killed; whether there was one.
rootless_user_kill() {
	local pids="" p uid u mine
	for p in /proc/[0-9]*; do
		uid=$(awk '/^Uid:/ {print $2}' "$p/status" 2>/dev/null) || continue
		[ -n "$uid" ] || continue
		mine=
		[ "$uid" = "$RU_UID" ] && mine=1
		[ "$uid" -ge "$RU_SUB" ] && [ "$uid" -lt $((RU_SUB + 65536)) ] && mine=1
		for u in "$@"; do [ "$uid" = "$u" ] && mine=1; done
		[ -z "$mine" ] || pids="$pids ${p#/proc/}"
	done
	[ -z "$pids" ] || kill -KILL $pids 2>/dev/null || true
	[ -n "$pids" ]
}

# rootless_user_remove [USER...]: the user's processes ended, its directories, range and
# account removed (and these other users'); fails if a process of theirs is left.
rootless_user_remove() {
	[ -n "${RU_USER:-}" ] || return 0
	local others=() u
	for u in "$@"; do others+=("$(id -u "$u")"); done
	for _ in $(seq 50); do rootless_user_kill "${others[@]}" || break; sleep 0.1; done
	rm -rf "$RU_WORK" "$RU_XDG" "/tmp/berth-run-$RU_UID"
	for u in "${others[@]}"; do rm -rf "/tmp/berth-run-$u"; done
	[ -z "$RU_MADE_RUN_USER" ] || rmdir /run/user 2>/dev/null || true
	sed -i "/^$RU_USER:/d" /etc/subuid /etc/subgid
	userdel "$RU_USER" 2>/dev/null || true
	for u in "$@"; do userdel "$u" 2>/dev/null || true; done
	! rootless_user_kill "${others[@]}"
}

# ub ARGS...: berth as the test's user, with a clean environment (RU_PATH: another PATH), its
# home and runtime directory. ub_within SECONDS ARGS...: the same, ended by timeout(1) after
# SECONDS (a VM's start).
ub() { ub_within "" "$@"; }
ub_within() {
	local seconds=$1
	shift
	${seconds:+timeout "$seconds"} setpriv --reuid="$RU_UID" --regid="$RU_GID" --init-groups -- \
		env -i PATH="${RU_PATH:-/usr/sbin:/usr/bin:/sbin:/bin}" HOME="$RU_WORK/home" \
		XDG_RUNTIME_DIR="$RU_XDG" "$BERTH" "$@"
}

# api_service_start: `berth system service` on $WORK/api.sock (SOCK), its pid in SERVICE, the
# docker CLI and SDKs pointed at it (DOCKER_HOST) with a config directory of the test's own.
api_service_start() {
	SOCK="$WORK/api.sock"
	"$BERTH" --root "$STORE" --runroot "$RUNROOT" system service --time 0 "unix://$SOCK" \
		>"$WORK/service.log" 2>&1 &
	SERVICE=$!
	for _ in $(seq 50); do [ -S "$SOCK" ] && break; sleep 0.1; done
	export DOCKER_HOST="unix://$SOCK" DOCKER_CONFIG="$WORK/docker-config"
}

# dockerd_peer_start: for setup_file, a peer dockerd of the file's own (tests/helpers/dockerd:
# namespaces, storage and cgroups of its own, offline) with berth's built-in image loaded;
# DOCKERD_DIR and DOCKERD_HOST exported. Without Debian's docker.io, NO_DOCKER says what is
# missing (bats cannot skip from setup_file: each test's setup skips on it).
dockerd_peer_start() {
	local missing helper="$BATS_TEST_DIRNAME/../helpers/dockerd"
	for missing in /usr/sbin/dockerd /usr/bin/docker; do
		[ -x "$missing" ] && continue
		export NO_DOCKER="$missing is missing (Debian's docker.io)"
		return 0
	done
	DOCKERD_DIR=$(mktemp -d /tmp/berth-dockerd.XXXXXX)
	export DOCKERD_DIR
	DOCKERD_HOST=$("$helper" start "$DOCKERD_DIR") || return 1
	export DOCKERD_HOST
	local store r=0
	store=$(mktemp -d /tmp/berth-store.XXXXXX)
	"$BERTH" --root "$store/root" --runroot "$store/run" save -o "$BATS_FILE_TMPDIR/default.tar" \
		berth/default &&
		DOCKER_CONFIG="$DOCKERD_DIR/client" /usr/bin/docker -H "$DOCKERD_HOST" \
			load -i "$BATS_FILE_TMPDIR/default.tar" >/dev/null || r=1
	rm -rf "$store"
	if [ $r -ne 0 ]; then
		"$helper" stop "$DOCKERD_DIR"
		return 1
	fi
}

# vm_left: for a VM test's teardown: fails, naming and killing them, when a QEMU or virtiofsd
# of this test's store, work or run root is left
vm_left() {
	local left
	left=$(pgrep -af "qemu-system.*($RUNROOT|$WORK|$STORE)|virtiofsd.*($STORE|$WORK)" || true)
	[ -n "$left" ] || return 0
	echo "left behind: $left" >&2
	pkill -9 -f "qemu-system.*($RUNROOT|$WORK|$STORE)|virtiofsd.*($STORE|$WORK)"
	return 1
}

# dockerd_peer_stop: for teardown_file; the peer, its processes, mounts, cgroups and DIR go.
dockerd_peer_stop() {
	[ -z "${DOCKERD_DIR:-}" ] || "$BATS_TEST_DIRNAME/../helpers/dockerd" stop "$DOCKERD_DIR"
}

# api_service_children: the service's processes other than the listener (connections, exec
# runners), after a moment for those whose client just left.
api_service_children() {
	local left
	for _ in $(seq 30); do
		left=$(pgrep -f "system service --time 0 unix://$WORK/" | grep -vx "$SERVICE" || true)
		[ -n "$left" ] || return 0
		sleep 0.1
	done
	echo "$left"
}

# api_teardown: a test of the service ends: no connection's process outlives its client, the
# service stops and leaves nothing, then the store goes (store_teardown).
api_teardown() {
	local busy="" left
	[ -z "${SERVICE:-}" ] || busy=$(api_service_children)
	left=$(api_service_stop)
	store_teardown
	[ -z "$busy$left" ] || { echo "left behind: $busy $left" >&2; return 1; }
}

# api_service_stop: the service stopped; prints the processes of it that outlived it (a
# connection's process that did not end with its client), for the caller to fail on.
api_service_stop() {
	[ -z "${SERVICE:-}" ] || kill "$SERVICE" 2>/dev/null || true
	[ -z "${SERVICE:-}" ] || wait "$SERVICE" 2>/dev/null || true
	pgrep -f "system service --time 0 unix://$WORK/" || true
}
