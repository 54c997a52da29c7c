#!/usr/bin/env bats
# System containers (issue #20): a Debian 12 image whose command is /sbin/init boots systemd as
# the container's PID 1 under `--systemd` (podman's flag), reaches `running`, logs its boot to
# the console `logs` reads, shuts down cleanly on `stop` (SIGRTMIN+3, not SIGKILL), boots
# again on `restart`, and leaves no cgroup and no mount behind. `--systemd=false` gives none of
# it. The issue's proof: Debian's nginx, enabled by its package, starts under that systemd and
# answers through a published port; `journalctl` (-b, -u) and `systemctl restart` work inside;
# `stop` shuts it all down (the console shows it) and leaves no process, no port, no cgroup.
#
# The images are scripts/system-image's tars (mmdebstrap from Debian's archive; the second one
# `--include nginx`), made once by scripts/setup into /var/cache/berth (or $BERTH_SYSTEM_TAR
# and $BERTH_SYSTEM_NGINX_TAR) and imported once per run into this file's store; without them
# (and without a network to make them: the suite runs in a network namespace of its own) the
# tests that need them are skipped.

load helpers
load console

SYSTEM_TAR=${BERTH_SYSTEM_TAR:-/var/cache/berth/debian-bookworm-systemd.tar}
IMAGE=debian:system
NGINX_TAR=${BERTH_SYSTEM_NGINX_TAR:-/var/cache/berth/debian-bookworm-systemd-nginx.tar}
NGINX_IMAGE=debian:system-nginx
# booting and stopping a whole system a few times on a busy machine
BATS_TEST_TIMEOUT=$((${BATS_TEST_TIMEOUT:-60} > 120 ? ${BATS_TEST_TIMEOUT:-60} : 120))

setup_file() {
	if [ ! -s "$SYSTEM_TAR" ]; then
		BERTH_SYSTEM_TAR=$SYSTEM_TAR "$BATS_TEST_DIRNAME/../../scripts/system-image" --tar-only \
			>/dev/null 2>&1 || true
	fi
	if [ ! -s "$NGINX_TAR" ]; then
		BERTH_SYSTEM_TAR=$NGINX_TAR "$BATS_TEST_DIRNAME/../../scripts/system-image" --tar-only \
			--include nginx >/dev/null 2>&1 || true
	fi
	[ -s "$SYSTEM_TAR" ] || return 0
	store_setup
	export STORE WORK RUNROOT
	berth import --change 'CMD ["/sbin/init"]' "$SYSTEM_TAR" "$IMAGE" >/dev/null
	[ ! -s "$NGINX_TAR" ] ||
		berth import --change 'CMD ["/sbin/init"]' "$NGINX_TAR" "$NGINX_IMAGE" >/dev/null
}

teardown_file() {
	[ -z "${STORE:-}" ] || store_teardown
}

setup() {
	load_libs
	[ -s "$SYSTEM_TAR" ] ||
		skip "no system image at $SYSTEM_TAR: run scripts/system-image --tar-only (needs Debian's archive)"
	NAME="sys-$$-$BATS_TEST_NUMBER"
}

# Each test's containers removed, and checked to leave no cgroup (systemd makes its own below
# the container's) and no mount.
teardown() {
	[ -n "${STORE:-}" ] || return 0
	local id left=""
	for id in $(berth ps -aq --no-trunc 2>/dev/null); do
		berth rm -f "$id" >/dev/null 2>&1 || true
		left="$left$(find /sys/fs/cgroup -maxdepth 3 -type d -path "*/berth/$id" 2>/dev/null)"
	done
	left="$left$(awk '{print $5}' /proc/self/mountinfo | grep -E "^($STORE|$RUNROOT)/" || true)"
	# the shared store's bind (the test with a systemd host's propagation)
	! mountpoint -q "$STORE" || umount "$STORE"
	[ -z "$left" ] || { echo "left behind: $left" >&2; return 1; }
}

# wait_running NAME: systemctl is-system-running --wait answers once D-Bus is up; until then
# it fails to connect. Prints the state; fails on "degraded" after naming the failed units.
wait_running() {
	local state="" i
	for i in $(seq 1 150); do
		state=$(timeout 20 "$BERTH" --root "$STORE" --runroot "$RUNROOT" exec "$1" \
			systemctl is-system-running --wait 2>/dev/null) && break
		[ "$state" = degraded ] && break
		sleep 0.2
	done
	echo "state: $state"
	if [ "$state" = degraded ]; then
		berth exec "$1" systemctl --failed --no-pager >&2
		return 1
	fi
	[ "$state" = running ]
}

@test "systemd: --systemd=always boots Debian to running, PID 1 is systemd with berth's interface" {
	berth run -d --name "$NAME" --network none --systemd=always "$IMAGE" >/dev/null
	run wait_running "$NAME"
	assert_success
	run berth exec "$NAME" cat /proc/1/comm
	assert_output systemd
	run berth exec "$NAME" sh -c 'tr "\0" "\n" </proc/1/environ'
	assert_line container=berth
	id=$(berth inspect -f '{{.Id}}' "$NAME")
	assert_line "container_uuid=${id:0:32}"
	# systemd took the machine id from container_uuid (the image's /etc/machine-id is empty)
	run berth exec "$NAME" cat /etc/machine-id
	assert_output "${id:0:32}"
	for d in /run /run/lock /tmp /var/log/journal; do
		run berth exec "$NAME" stat -f -c %T "$d"
		assert_output tmpfs
	done
	run berth exec "$NAME" cat /run/host/container-manager
	assert_output berth
	run berth exec "$NAME" cat /run/host/os-release
	assert_output "$(cat /etc/os-release 2>/dev/null || cat /usr/lib/os-release)"
	run berth exec "$NAME" sh -c 'echo x >/run/host/x'
	assert_failure
	run berth exec "$NAME" sh -c 'grep " /sys " /proc/self/mountinfo'
	assert_output --regexp ' /sys ro,'
	# systemd moved itself into a cgroup of its own, below the container's
	run berth exec "$NAME" grep -E '^0::|name=systemd' /proc/1/cgroup
	assert_output --partial /init.scope
	run berth inspect -f '{{.Config.SystemdMode}} {{.Config.StopSignal}} {{.Config.Tty}}' "$NAME"
	assert_output "true SIGRTMIN+3 true"
	# journald runs and has PID 1's account of the boot
	run berth exec "$NAME" journalctl -b --no-pager -o cat _PID=1
	assert_output --partial "Startup finished"
}

@test "systemd: logs show the boot, attach reaches the console's getty, stop is a clean shutdown within the timeout, restart boots again" {
	berth run -d --name "$NAME" --network none --stop-timeout 60 "$IMAGE" >/dev/null
	run wait_running "$NAME"
	assert_success
	run berth logs "$NAME"
	assert_output --partial "Welcome to"
	assert_output --partial "Debian GNU/Linux 12 (bookworm)"
	# Debian's getty on the console (console-getty.service) greets with /etc/issue there
	# (its "login: " prompt has no newline, so the log holds it back)
	for _ in $(seq 1 50); do
		berth logs "$NAME" 2>&1 | grep -q 'Debian GNU/Linux 12 .* console' && break
		sleep 0.1
	done
	run berth logs "$NAME"
	assert_output --regexp 'Debian GNU/Linux 12 [0-9a-f]{12} console'
	# attach (without -i at run: a console takes input): the getty asks for a login, a key
	# typed reaches the console's terminal, ctrl-p ctrl-q detaches, the system runs on
	if command -v script >/dev/null; then
		run console_attach "$NAME" "$BATS_TEST_TMPDIR/console"
		assert_output --regexp '[0-9a-f]{12} login: x'
		assert_output --partial "read escape sequence"
		assert_line --partial "rc=0"
		run berth inspect -f '{{.State.Status}} {{.Config.OpenStdin}}' "$NAME"
		assert_output "running true"
	fi
	berth stop "$NAME" >/dev/null
	# systemd halted (exit 0), it was not killed when the stop timeout (60 s) ran out (137)
	run berth inspect -f '{{.State.Status}} {{.State.ExitCode}}' "$NAME"
	assert_output "exited 0"
	run berth logs "$NAME"
	assert_output --partial "Reached target"
	assert_output --partial "System Shutdown"
	assert_output --partial "Halting system"
	# restart: a second boot in the same container
	berth start "$NAME" >/dev/null
	run wait_running "$NAME"
	assert_success
	run berth restart "$NAME"
	assert_success
	run wait_running "$NAME"
	assert_success
	run berth logs "$NAME"
	[ "$(grep -c 'Welcome to' <<<"$output")" -eq 3 ]
}

@test "systemd: --systemd=true (the default) follows the command, --systemd=false gives none of it" {
	run berth create --name "$NAME-a" "$IMAGE"
	assert_success
	run berth inspect -f '{{.Config.SystemdMode}}' "$NAME-a"
	assert_output true
	run berth create --name "$NAME-b" "$IMAGE" /bin/sleep 1
	assert_success
	run berth inspect -f '{{.Config.SystemdMode}} {{.Config.StopSignal}}' "$NAME-b"
	assert_output "<no value> <no value>"
	run berth create --name "$NAME-c" --systemd=always --stop-signal SIGTERM "$IMAGE" /bin/sleep 1
	assert_success
	run berth inspect -f '{{.Config.SystemdMode}} {{.Config.StopSignal}}' "$NAME-c"
	assert_output "true SIGTERM"
	run berth create --systemd=maybe "$IMAGE"
	assert_failure 125
	assert_output --partial "invalid --systemd 'maybe'"
	run berth create --systemd=always --init "$IMAGE"
	assert_failure 125
	assert_output --partial "systemd must be the container's PID 1"
	# bad input creates nothing: the three above are all there is
	[ "$(berth ps -aq | wc -l)" -eq 3 ]
	# /sbin/init without systemd mode: none of the setup, and systemd cannot run
	berth run -d --name "$NAME" --network none --systemd=false "$IMAGE" >/dev/null
	run berth inspect -f '{{.Config.SystemdMode}} {{.Config.StopSignal}} {{.Config.Tty}}' "$NAME"
	assert_output "<no value> <no value> false"
	id=$(berth inspect -f '{{.Id}}' "$NAME")
	run jq -r '.process.env[], .mounts[].destination' "$STORE/containers/$id/config.json"
	refute_line container=berth
	refute_line /run
	refute_line /run/host
	refute_line /var/log/journal
}

# userns_boot NAME ARGS...: a system container in a user namespace boots to running, systemd
# in its own cgroup below the container's; on the host the container's cgroup, where systemd
# may write it (name=systemd and unified on a hybrid host, the tree on v2), belongs to the
# container's root (its host id, from the map), the controllers' cgroups to root.
userns_boot() {
	local name=$1 id host_root d want owned=0
	shift
	berth run -d --name "$name" --network none --stop-timeout 60 "$@" "$IMAGE" >/dev/null
	wait_running "$name" || return 1
	host_root=$(berth exec "$name" cat /proc/self/uid_map | awk '$1 == 0 {print $2}')
	echo "container root: host uid $host_root"
	[ -n "$host_root" ] && [ "$host_root" -ne 0 ] || return 1
	berth exec "$name" grep -E '^0::|name=systemd' /proc/1/cgroup | grep -q '/init.scope$' ||
		return 1
	berth exec "$name" systemctl is-active systemd-journald dbus systemd-logind >/dev/null ||
		return 1
	id=$(berth inspect -f '{{.Id}}' "$name")
	while read -r d; do
		case "$d" in
		/sys/fs/cgroup/systemd/* | /sys/fs/cgroup/unified/* | /sys/fs/cgroup/berth/*)
			want=$host_root
			owned=$((owned + 1))
			;;
		*) want=0 ;;
		esac
		[ "$(stat -c %u:%g "$d")" = "$want:$want" ] && [ "$(stat -c %u "$d/cgroup.procs")" = "$want" ] ||
			{ echo "$d is $(stat -c %u:%g "$d"), not $want" >&2; return 1; }
	done < <(find /sys/fs/cgroup -maxdepth 3 -type d -path "*/berth/$id")
	[ "$owned" -ge 1 ] || return 1
	# a limit stays root's: the container cannot lift it
	[ ! -e "/sys/fs/cgroup/berth/$id/pids.max" ] || [ "$(stat -c %u "/sys/fs/cgroup/berth/$id/pids.max")" = 0 ]
}

@test "systemd: in a user namespace (--userns auto, --uidmap) systemd boots to running in a cgroup its root owns; stop is clean" {
	run userns_boot "$NAME" --userns auto
	assert_success
	run userns_boot "$NAME-m" --uidmap 0:2147483648:65536 --gidmap 0:2147483648:65536
	assert_success
	assert_line "container root: host uid 2147483648"
	run berth inspect -f '{{.Config.SystemdMode}} {{.HostConfig.UsernsMode}}' "$NAME"
	assert_output "true auto"
	# what systemd wrote as its root is stored as 0 (idmapped layers)
	id=$(berth inspect -f '{{.Id}}' "$NAME")
	run berth exec "$NAME" sh -c 'touch /var/tmp/x && stat -c %u /var/tmp/x'
	assert_output 0
	run stat -c %u "$STORE/containers/$id/diff/var/tmp/x"
	assert_output 0
	for n in "$NAME" "$NAME-m"; do
		berth stop "$n" >/dev/null
		run berth inspect -f '{{.State.Status}} {{.State.ExitCode}}' "$n"
		assert_output "exited 0"
	done
	run berth logs "$NAME"
	assert_output --partial "System Shutdown"
}

@test "systemd: --userns auto with the store under shared propagation (a systemd host's mounts) boots on the image's root" {
	# systemd makes every mount shared. A clone of a shared mount is its peer: the idmapped
	# layers' clones, detached once the overlay is mounted, took the container's root with
	# them (the overlay's unmount propagated back), and the runtime found an empty directory
	# ("mkdir '/proc': Permission denied")
	mount --bind "$STORE" "$STORE"
	mount --make-shared "$STORE"
	run userns_boot "$NAME" --userns auto
	assert_success
	run berth exec "$NAME" sh -c 'test -s /etc/os-release && mkdir /made && stat -c %u /made'
	assert_success
	assert_output 0
	berth stop "$NAME" >/dev/null
	run berth inspect -f '{{.State.Status}} {{.State.ExitCode}}' "$NAME"
	assert_output "exited 0"
}

# host_pids ID: the host's pids of every process in the container's cgroups (systemd's below
# them too), one per line
host_pids() {
	find /sys/fs/cgroup -path "*/berth/$1*" -name cgroup.procs -exec cat {} + 2>/dev/null |
		sort -un
}

@test "systemd: Debian's nginx starts under systemd, answers on a published port; journalctl, systemctl restart, stop" {
	[ -s "$NGINX_TAR" ] ||
		skip "no nginx system image at $NGINX_TAR: run scripts/system-image --tar-only --include nginx"
	berth run -d --name "$NAME" --stop-timeout 60 -p 127.0.0.1:18080:80 "$NGINX_IMAGE" >/dev/null
	id=$(berth inspect -f '{{.Id}}' "$NAME")
	run wait_running "$NAME"
	assert_success
	# enabled by Debian's package (multi-user.target.wants), started by systemd at boot
	run berth exec "$NAME" systemctl is-active nginx
	assert_output active
	run berth exec "$NAME" systemctl show -P ControlGroup nginx
	assert_output /system.slice/nginx.service
	run curl -s --max-time 5 http://127.0.0.1:18080/
	assert_success
	assert_output --partial "<title>Welcome to nginx!</title>"
	# the journal: this boot, from journald's start to the end of the start-up, and nginx's
	# unit
	run berth exec "$NAME" journalctl -b --no-pager
	assert_success
	assert_output --partial "Journal started"
	assert_output --partial "Started nginx.service"
	assert_output --partial "Reached target multi-user.target"
	assert_output --partial "Startup finished"
	run berth exec "$NAME" journalctl -u nginx --no-pager -o cat
	assert_success
	assert_line --partial "Starting nginx.service"
	assert_line --partial "Started nginx.service"
	refute_line --partial "Stopped nginx.service"
	# systemctl restart: a new main process, and it answers again
	pid0=$(berth exec "$NAME" systemctl show -P MainPID nginx)
	[ "$pid0" -gt 1 ]
	run berth exec "$NAME" systemctl restart nginx
	assert_success
	pid1=$(berth exec "$NAME" systemctl show -P MainPID nginx)
	[ "$pid1" -gt 1 ]
	[ "$pid1" != "$pid0" ]
	run berth exec "$NAME" systemctl is-active nginx
	assert_output active
	run berth exec "$NAME" journalctl -u nginx --no-pager -o cat
	assert_line --partial "Stopped nginx.service"
	[ "$(grep -c 'Started nginx.service' <<<"$output")" -eq 2 ]
	run curl -s --max-time 5 -o /dev/null -w '%{http_code}' http://127.0.0.1:18080/
	assert_output 200
	# every process of the container as the host sees it, nginx's among them
	pids=$(host_pids "$id")
	nginx=0
	for p in $pids; do
		[ "$(cat "/proc/$p/comm" 2>/dev/null)" != nginx ] || nginx=$((nginx + 1))
	done
	[ "$nginx" -ge 2 ] || { echo "nginx's processes not found among: $pids" >&2; false; }
	# stop: systemd stops nginx and the rest and halts (exit 0, not SIGKILL's 137); the
	# journal is volatile (/var/log/journal is a tmpfs), the console's account is in logs
	berth stop "$NAME" >/dev/null
	run berth inspect -f '{{.State.Status}} {{.State.ExitCode}}' "$NAME"
	assert_output "exited 0"
	# (without the console's colours; the getty's stop hangs the console up, vhangup(2) as
	# its unit's TTYVHangup asks, and a status line written in that instant is lost: one of
	# nginx's two lines is enough)
	run sh -c "$BERTH --root $STORE --runroot $RUNROOT logs $NAME | sed 's/\x1b\[[0-9;]*m//g'"
	assert_output --regexp "Stopp(ing|ed) nginx.service"
	assert_output --partial "Reached target shutdown.target"
	assert_output --partial "Halting system"
	for p in $pids; do
		! grep -qs "$id" "/proc/$p/cgroup" || { echo "process $p outlived stop" >&2; false; }
	done
	run curl -s --max-time 2 http://127.0.0.1:18080/
	assert_failure
	# nothing left: no cgroup (systemd's own below the container's), no veth, no published port
	[ -z "$(host_pids "$id")" ]
	berth rm "$NAME" >/dev/null
	[ -z "$(find /sys/fs/cgroup -maxdepth 3 -type d -path "*/berth/$id" 2>/dev/null)" ]
	[ "$(ip -br link | awk '$1 ~ /^veth/' | wc -l)" -eq 0 ]
	run nft list map inet berth pub4
	refute_output --partial 18080
}

@test "systemd: --systemd=always on an image without systemd is refused, naming what is missing; nothing is created" {
	# berth/default has /sbin/init, but it is busybox's: no systemd to run in systemd mode
	run berth run -d --name "$NAME" --network none --systemd=always berth/default
	assert_failure 125
	assert_output --partial "--systemd=always"
	assert_output --partial "'berth/default'"
	assert_output --partial "no systemd"
	run berth create --name "$NAME" --network none --systemd=always berth/default /sbin/init
	assert_failure 125
	assert_output --partial "no systemd"
	[ -z "$(berth ps -aq)" ]
	[ -z "$(ls "$STORE/containers" 2>/dev/null)" ]
}

@test "systemd: a Docker API create of a system image's /sbin/init gets no systemd mode, as dockerd; the CLI's does" {
	[ -x /usr/bin/docker ] || skip "Debian's docker.io (the docker CLI) is not installed"
	api_service_start
	timeout 30 /usr/bin/docker create --name "$NAME-api" "$IMAGE" /sbin/init >/dev/null
	run timeout 30 /usr/bin/docker inspect -f '{{.Config.Tty}} {{.Config.StopSignal}}' "$NAME-api"
	api_service_stop >/dev/null
	assert_output 'false '
	berth create --name "$NAME-cli" "$IMAGE" /sbin/init >/dev/null
	run berth inspect -f '{{.Config.Tty}} {{.Config.StopSignal}}' "$NAME-cli"
	assert_output 'true SIGRTMIN+3'
}
