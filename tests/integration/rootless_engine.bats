#!/usr/bin/env bats
# The berth engine run by an ordinary user (issue #22, rootless podman 4's model): a real user
# made here (useradd, a range in /etc/subuid and /etc/subgid), berth run as that user with
# setpriv. Its store under ~/.local/share/berth, its run root under XDG_RUNTIME_DIR, one user
# namespace (0: the user, 1..: the range) held by a pause process, overlayfs mounted inside it.
# Everything the user made (processes, the pause process, files) is gone after the file.

load helpers
load rootless

setup_file() {
	# a range of our own, beside rootless.bats' (which starts at 3 * 2^30)
	rootless_file_setup "bre$$" $((3489660928 + ($$ % 4096) * 65536)) berth-rootless-engine
	[ -z "$RU_BLOCKED" ] || return 0
	# a second user, without a range
	export RE_NOSUB="brn$$" RE_NOSUB_UID
	useradd -M -d /nonexistent -s /usr/sbin/nologin -U -K SUB_UID_COUNT=0 -K SUB_GID_COUNT=0 "$RE_NOSUB"
	RE_NOSUB_UID=$(id -u "$RE_NOSUB")
}

teardown_file() {
	rootless_user_remove "$RE_NOSUB"
}

setup() {
	rootless_setup re
}

teardown() {
	[ -z "$RU_BLOCKED" ] || return 0
	rootless_teardown
	rootless_uplink_remove
	registry_stop
	[ -z "${STORE:-}" ] || store_teardown
	ub volume prune -f >/dev/null 2>&1 || true
}

@test "defaults: the user's store under ~/.local/share/berth, run root under XDG_RUNTIME_DIR; info says rootless" {
	run ub info --format '{{.DockerRootDir}} {{.RunRoot}} {{json .SecurityOptions}}'
	assert_success
	assert_output "$(RU_STORE) $RU_XDG/berth [\"name=seccomp,profile=default\",\"name=rootless\"]"
	[ "$(stat -c %U "$(RU_STORE)")" = "$RU_USER" ]
	[ "$(stat -c %U:%a "$RU_XDG/berth")" = "$RU_USER:700" ]
	# XDG_DATA_HOME moves the store, as podman's
	run setpriv --reuid="$RU_UID" --regid="$RU_GID" --init-groups -- env -i PATH=/usr/bin:/bin \
		HOME="$RU_WORK/home" XDG_DATA_HOME="$RU_WORK/home/data" XDG_RUNTIME_DIR="$RU_XDG" \
		"$BERTH" info --format '{{.DockerRootDir}}'
	assert_output "$RU_WORK/home/data/berth"
	# root's defaults are unchanged (root is not in a user namespace: no "rootless")
	run env -u BERTH_ROOT -u BERTH_RUNROOT "$BERTH" info --format '{{.DockerRootDir}} {{.RunRoot}} {{json .SecurityOptions}}'
	assert_output '/var/lib/berth /run/berth ["name=seccomp,profile=default"]'
}

@test "unshare: root inside, the user's range from 1; one pause process for every command; refused as root" {
	run ub unshare sh -c 'id -u; cat /proc/self/uid_map /proc/self/gid_map; echo "$BERTH_ROOT $BERTH_RUNROOT"'
	assert_success
	assert_line --index 0 0
	assert_line --regexp "^ +0 +$RU_UID +1\$"
	assert_line --regexp "^ +1 +$RU_SUB +65536\$"
	assert_line --regexp "^ +0 +$RU_GID +1\$"
	assert_line "$(RU_STORE) $RU_XDG/berth"
	pid=$(cut -d' ' -f1 "$RU_XDG/berth/pause.pid")
	[ "$(cat "/proc/$pid/comm")" = berth-pause ]
	# a second command joins the same namespaces
	run ub unshare readlink /proc/self/ns/user /proc/self/ns/mnt
	assert_line --index 0 "$(readlink "/proc/$pid/ns/user")"
	assert_line --index 1 "$(readlink "/proc/$pid/ns/mnt")"
	[ "$(cut -d' ' -f1 "$RU_XDG/berth/pause.pid")" = "$pid" ]
	# the pause process gone, the next command makes it again
	kill -KILL "$pid"
	run ub unshare true
	assert_success
	[ "$(cut -d' ' -f1 "$RU_XDG/berth/pause.pid")" != "$pid" ]
	# the exit status is the command's
	run ub unshare sh -c 'exit 7'
	assert_failure 7
	run "$BERTH" unshare true
	assert_failure 125
	assert_output "berth: please use unshare with rootless"
}

@test "a user without a range in /etc/subuid: the error names the file and the usermod line; nothing made" {
	run setpriv --reuid="$RE_NOSUB_UID" --regid="$RE_NOSUB_UID" --init-groups -- env -i \
		PATH=/usr/bin:/bin HOME=/nonexistent "$BERTH" ps
	assert_failure 125
	assert_output --partial "/etc/subuid has no range for '$RE_NOSUB'"
	assert_output --regexp "add a range as root, e.g. 'usermod --add-subuids [0-9]+-[0-9]+ $RE_NOSUB'"
	# no process of its is left (the half-made pause process is killed)
	run pgrep -u "$RE_NOSUB_UID"
	assert_failure
	# without XDG_RUNTIME_DIR its run root is a private /tmp/berth-run-UID
	[ "$(stat -c %U:%a "/tmp/berth-run-$RE_NOSUB_UID")" = "$RE_NOSUB:700" ]
}

@test "without XDG_RUNTIME_DIR: a private /tmp/berth-run-UID; one made by someone else is refused" {
	dir="/tmp/berth-run-$RU_UID"
	rm -rf "$dir"
	run setpriv --reuid="$RU_UID" --regid="$RU_GID" --init-groups -- env -i PATH=/usr/bin:/bin \
		HOME="$RU_WORK/home" "$BERTH" info --format '{{.RunRoot}}'
	assert_success
	assert_output "$dir"
	[ "$(stat -c %U:%a "$dir")" = "$RU_USER:700" ]
	kill -KILL "$(cut -d' ' -f1 "$dir/pause.pid")"
	rm -rf "$dir"
	mkdir -m 0777 "$dir"
	run setpriv --reuid="$RU_UID" --regid="$RU_GID" --init-groups -- env -i PATH=/usr/bin:/bin \
		HOME="$RU_WORK/home" "$BERTH" ps
	assert_failure 125
	assert_output --partial "run root '$dir' is not a private directory of uid $RU_UID"
	rm -rf "$dir"
}

@test "run --rm, run -d, ps, logs, exec, stop, rm as the user; the container's root is the user on the host" {
	run ub run --rm --network none berth/default sh -c 'echo hi; id -u; cat /proc/self/uid_map'
	assert_success
	assert_line --index 0 hi
	assert_line --index 1 0
	assert_line --regexp "^ +0 +$RU_UID +1\$"
	# no cgroup, and no warning about it in the container's output
	refute_output --partial cgroup
	run ub run -d --name "$N" --network none berth/default sh -c 'echo started; exec sleep 300'
	assert_success
	id=$output
	run ub ps --format '{{.Names}} {{.Status}}'
	assert_line --regexp "^$N Up "
	run ub logs "$N"
	assert_output started
	run ub exec "$N" sh -c 'id -u; cat /proc/1/comm'
	assert_success
	assert_output $'0\nsleep'
	pid=$(ub inspect -f '{{.State.Pid}}' "$N")
	[ "$(awk '/^Uid:/ {print $2}' "/proc/$pid/status")" = "$RU_UID" ]
	# another user in the container is one of the range's: container uid 1000 is RU_SUB + 999
	run ub exec -u 1000 "$N" sh -c 'sleep 30 & echo $!'
	assert_success
	[ "$(awk '/^Uid:/ {print $2}' "/proc/$(pgrep -P "$pid" -n sleep || pgrep -u $((RU_SUB + 999)) -n sleep)/status")" = "$((RU_SUB + 999))" ]
	run ub stop -t 1 "$N"
	assert_success
	run ub ps -a --format '{{.Names}} {{.State}}'
	assert_line "$N exited"
	run ub rm "$N"
	assert_success
	[ ! -e "$(RU_STORE)/containers/$id" ]
	# root does not see the user's containers
	run env -u BERTH_ROOT -u BERTH_RUNROOT "$BERTH" ps -aq --no-trunc
	refute_output --partial "$id"
}

@test "limits without delegated cgroups are refused, saying why; nothing made" {
	for opt in "-m 64m" "--cpus 1" "--pids-limit 10"; do
		run ub run --rm --network none $opt berth/default true
		assert_failure 125
		assert_output --partial "cgroups are not delegated to uid $RU_UID"
	done
	assert_output --partial "rootless: limits (pids) need a cgroup"
	# (user networks: rootless_network.bats)
	run ub ps -aq
	assert_output ""
	# the host's network works as the user's own
	run ub run --rm --network host berth/default cat /proc/net/dev
	assert_success
	assert_output --partial "lo:"
}

@test "pull from a local registry: layers unpacked with the mapped ids, whiteouts and opaque directories in the user's overlay" {
	store_setup
	registry_start plain
	# an image made by root: a layer with files of uid 1000 and 42:43 and a device node, and
	# a layer that removes a file (whiteout) and makes a directory again (opaque)
	mkdir -p "$WORK/t/bin" "$WORK/t/home/app/sub" "$WORK/t/gone/deep" "$WORK/t/dev"
	cp "$BUSYBOX" "$WORK/t/bin/busybox"
	for c in sh ls cat stat rm mkdir echo id; do ln -s busybox "$WORK/t/bin/$c"; done
	echo old >"$WORK/t/home/app/f"
	echo x >"$WORK/t/gone/deep/y"
	mknod "$WORK/t/dev/null2" c 1 3
	chown -R 1000:1000 "$WORK/t/home/app"
	chown 42:43 "$WORK/t/gone/deep/y"
	tar -C "$WORK/t" -cf "$WORK/t.tar" .
	berth import "$WORK/t.tar" base:1 >/dev/null
	berth run --name mk --network none base:1 sh -c 'rm /home/app/f; rm -rf /gone/deep; mkdir /gone/deep; echo new >/gone/deep/z'
	berth commit mk "$REG/re/img:1" >/dev/null
	berth push --tls-verify=false "$REG/re/img:1" >/dev/null
	run ub pull --tls-verify=false "$REG/re/img:1"
	assert_success
	assert_line "Status: Downloaded newer image for $REG/re/img:1"
	run ub images --format '{{.Repository}}:{{.Tag}}'
	assert_line "$REG/re/img:1"
	# on disk, the range's ids: container uid 1000 is RU_SUB + 999, 42 is RU_SUB + 41
	layer=$(dirname "$(find "$(RU_STORE)/layers" -path '*/diff/gone/deep/y')")
	[ "$(stat -c %u:%g "$layer/y")" = "$((RU_SUB + 41)):$((RU_SUB + 42))" ]
	f=$(find "$(RU_STORE)/layers" -path '*/diff/home/app/sub' | head -1)
	[ "$(stat -c %u:%g "$f")" = "$((RU_SUB + 999)):$((RU_SUB + 999))" ]
	# the device was skipped (none can be made in a user namespace), the rest unpacked
	[ -z "$(find "$(RU_STORE)/layers" -path '*/diff/dev/null2')" ]
	run ub run --rm --network none "$REG/re/img:1" sh -c 'stat -c "%u:%g %n" /home/app/sub /gone/deep/y /gone/deep/z 2>&1; ls /home/app'
	assert_success
	assert_line "1000:1000 /home/app/sub"
	assert_line --partial "can't stat '/gone/deep/y'"
	assert_line "0:0 /gone/deep/z"
	refute_line f
	# a file the container writes as uid 1000 lands as RU_SUB + 999 in its upper directory
	run ub run --name "$N" --network none -u 1000 "$REG/re/img:1" sh -c 'echo w >/home/app/sub/w'
	assert_success
	id=$(ub inspect -f '{{.Id}}' "$N")
	[ "$(stat -c %u "$(RU_STORE)/containers/$id/diff/home/app/sub/w")" = "$((RU_SUB + 999))" ]
	# and the removals work in the container's own overlay as well (user.overlay xattrs)
	run ub run --rm --network none "$REG/re/img:1" sh -c 'rm -rf /gone && mkdir /gone && ls -A /gone && echo ok'
	assert_output ok
}

@test "fuse-overlayfs as the fallback (forced with BERTH_OVERLAY=fuse-overlayfs): the container's root, its removals, no daemon left" {
	command -v fuse-overlayfs >/dev/null || skip "fuse-overlayfs is not installed"
	[ -c /dev/fuse ] || skip "no /dev/fuse"
	run setpriv --reuid="$RU_UID" --regid="$RU_GID" --init-groups -- env -i PATH=/usr/bin:/bin \
		HOME="$RU_WORK/home" XDG_RUNTIME_DIR="$RU_XDG" BERTH_OVERLAY=fuse-overlayfs \
		"$BERTH" run --rm --network none berth/default sh -c \
		'grep " / / " /proc/self/mountinfo; rm -rf /usr && mkdir /usr && ls -A /usr && echo new >/usr/f && cat /usr/f'
	assert_success
	assert_line --partial "fuse.fuse-overlayfs"
	assert_line new
	# unmounted with the container: its daemon is gone (a zombie aside, until its reaper runs)
	live_fuse() { ps -u "$RU_UID" -o stat=,comm= | grep -v '^Z' | grep -q fuse-overlayfs; }
	for _ in $(seq 50); do live_fuse || break; sleep 0.1; done
	run live_fuse
	assert_failure
}

@test "network pasta: the default; -p reached from the host, outbound through the host's sockets; ports below 1024 refused naming the sysctl" {
	command -v pasta >/dev/null || skip "pasta is not installed (Debian's passt)"
	# an address and default route for pasta to copy (gone in teardown)
	rootless_uplink "bre$$"
	port=$(free_port)
	run ub run -d --name "$N" -p "$port:80" berth/default sh -c 'echo hello >/tmp/i; exec httpd -f -p 80 -h /tmp'
	assert_success
	run ub inspect -f '{{.HostConfig.NetworkMode}}' "$N"
	assert_output pasta
	# where the CPU has AVX2, pasta's AVX2 build runs at once (pasta.avx2), not through
	# the second exec pasta makes of it (passt.avx2)
	if command -v pasta.avx2 >/dev/null && grep -qw avx2 /proc/cpuinfo; then
		run ps -u "$RU_UID" -o comm=
		assert_output --partial pasta.avx2
	fi
	run ub port "$N"
	assert_output "80/tcp -> 0.0.0.0:$port"
	for _ in $(seq 50); do curl -s -m 2 "http://127.0.0.1:$port/i" >/dev/null && break; sleep 0.1; done
	run curl -s -m 5 "http://127.0.0.1:$port/i"
	assert_output hello
	run ub exec "$N" ip -4 addr show
	assert_output --partial "198.51.100.2/24"
	# outbound: a server at another address of this namespace (the container has the host's
	# own), reached through pasta's sockets on the host
	rootless_host_server
	run ub exec "$N" wget -q -O - "http://198.51.100.7:$SPORT/h"
	assert_output from-host
	run ub rm -f "$N"
	assert_success
	# its pasta went with it (Debian's pasta runs as passt.avx2 where the CPU has AVX2; a
	# zombie waits for the host's init, and is no process that runs)
	live_pasta() { ps -u "$RU_UID" -o stat=,comm= | grep -v '^Z' | grep -Eq ' (pasta|passt)'; }
	for _ in $(seq 50); do live_pasta || break; sleep 0.1; done
	run live_pasta
	assert_failure
	# without ports the container starts once pasta has set the routes, before its daemon
	# runs: its first connection goes out; run --rm does not wait for pasta's end (its
	# teardown, 40 to 60 ms, overlaps the container's removal), but none is left behind
	run ub run --rm berth/default wget -q -O - "http://198.51.100.7:$SPORT/h"
	assert_success
	assert_output from-host
	for _ in $(seq 50); do live_pasta || break; sleep 0.1; done
	run live_pasta
	assert_failure
	# a container that ends while its pasta is still at its start leaves neither a pasta
	# nor a directory behind (a daemon whose pid file came late ran on, its directory
	# stayed: a few runs in a hundred on a busy machine)
	for _ in $(seq 30); do
		run ub run --rm berth/default true
		assert_success
	done
	for _ in $(seq 50); do live_pasta || break; sleep 0.1; done
	run live_pasta
	assert_failure
	run bash -c "ls '$RU_XDG/berth' | grep -E '^[0-9a-f]{64}$'"
	assert_output ""
	# --network pasta by name too; a port below 1024 needs the sysctl
	run ub run --rm --network pasta -p 80:80 berth/default true
	assert_failure 125
	assert_output --partial "net.ipv4.ip_unprivileged_port_start"
}

@test "volumes: volume create and -v keep data across containers; a bind of the user's directory is written as the user" {
	run ub volume create "$N"
	assert_output "$N"
	run ub run --rm --network none -v "$N:/data" berth/default sh -c 'echo kept >/data/f'
	assert_success
	run ub run --rm --network none -v "$N:/data" berth/default cat /data/f
	assert_output kept
	mkdir "$RU_WORK/bind$BATS_TEST_NUMBER"
	chown "$RU_UID:$RU_GID" "$RU_WORK/bind$BATS_TEST_NUMBER"
	run ub run --rm --network none -v "$RU_WORK/bind$BATS_TEST_NUMBER:/b" berth/default sh -c 'echo b >/b/x'
	assert_success
	[ "$(stat -c %u:%g "$RU_WORK/bind$BATS_TEST_NUMBER/x")" = "$RU_UID:$RU_GID" ]
	run ub volume rm "$N"
	assert_success
}

@test "nothing the user could not reach: a file only root may read, bound in, stays unread" {
	install -d -m 0755 "$RU_WORK/rootonly"
	echo secret >"$RU_WORK/rootonly/f"
	chmod 0600 "$RU_WORK/rootonly/f"
	run ub run --rm --network none --cap-add DAC_OVERRIDE -v "$RU_WORK/rootonly:/s:ro" berth/default sh -c 'cat /s/f || echo denied'
	assert_success
	assert_line denied
	refute_line secret
	# nor root's store
	run ub --root /var/lib/berth images
	assert_failure
}
