#!/usr/bin/env bats
# --isolation vm: the same image in a QEMU microvm with berth's guest init (here on TCG: this
# host's /dev/kvm is kvm_pvm). Skipped where QEMU or the guest kernel is missing.

load helpers
bats_require_minimum_version 1.5.0

setup() {
	store_setup
	command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86 is not installed"
	ls /boot/vmlinuz-*-cloud-amd64 >/dev/null 2>&1 || skip "linux-image-cloud-amd64 is not installed"
}

# The v1 or v2 directory of a container's cgroup for a controller.
cgroup_dir() {
	if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
		echo "/sys/fs/cgroup/berth/$2"
	else
		echo "/sys/fs/cgroup/$1/berth/$2"
	fi
}

# With templates the default (unless BERTH_VM_TEMPLATE=0) a VM that was to be a clone and
# booted cold is a failure: the reasons, from the store's (and berth-runtime-vm's)
# template.log.
cold_boots() {
	[ "${BERTH_VM_TEMPLATE:-1}" != 0 ] || return 0
	cat "$STORE/vm/template.log" "$WORK"/*/.vm/.cache/template.log 2>/dev/null || true
}

teardown() {
	# a berth-runtime-vm test that failed half way leaves its shims (QEMU and virtiofsd go
	# with them): gone before the store, and counted
	local shims
	shims=$(pgrep -f "berth-runtime(-vm)? --root $WORK/" || true)
	[ -z "$shims" ] || { pkill -9 -f "berth-runtime(-vm)? --root $WORK/"; sleep 0.5; }
	for d in /sys/fs/cgroup/*/berth/vmc /sys/fs/cgroup/*/berth/vmr* /sys/fs/cgroup/berth/vm[cr]*; do
		[ -d "$d" ] && rmdir "$d" 2>/dev/null
	done
	local cold
	cold=$(cold_boots)
	net_teardown
	store_teardown
	[ -z "$LEFT" ] || { echo "left behind:$LEFT" >&2; return 1; }
	[ -z "$shims" ] || { echo "left behind: berth-runtime-vm shims $shims" >&2; return 1; }
	[ -z "$cold" ] || { echo "not from the template: $cold" >&2; return 1; }
	# nothing of the VMs may remain
	local left
	left=$(pgrep -af "qemu-system.*($RUNROOT|$WORK)|virtiofsd.*($STORE|$WORK)" || true)
	[ -z "$left" ] || {
		echo "left behind: $left" >&2
		pkill -9 -f "qemu-system.*($RUNROOT|$WORK)|virtiofsd.*($STORE|$WORK)"
		return 1
	}
}

@test "vm: output, exit codes, stdin, and what the process is given" {
	run berth run --rm --isolation vm berth/default sh -c 'echo out; echo err >&2; uname -r; exit 3'
	assert_equal "$status" 3
	assert_line out
	assert_line err
	# the guest's own kernel, not the host's
	assert_line --regexp '^6\.[0-9.]+-[0-9]+-cloud-amd64$'
	refute_line "$(uname -r)"
	run berth run --rm --isolation vm -e FOO=bar -u 1000:1000 -w /tmp -h vmhost berth/default \
		probe ids -- env -- cwd -- hostname
	assert_success
	assert_line uid=1000
	assert_line gid=1000
	assert_line env=FOO=bar
	assert_line cwd=/tmp
	assert_line hostname=vmhost
	run bash -c "echo through | '$BERTH' --root '$STORE' --runroot '$RUNROOT' run -i --rm --isolation vm berth/default sh -c 'read x; echo got \$x'"
	assert_output "got through"
	run -127 berth run --rm --isolation vm berth/default nosuchcmd
	assert_output --partial "executable file not found"
	run berth ps -aq
	assert_output ""
}

@test "vm: a volume written in the guest is seen on the host, and the other way" {
	mkdir -p "$WORK/vol"
	echo from-host >"$WORK/vol/in"
	run berth run --rm --isolation vm -v "$WORK/vol":/data berth/default \
		sh -c 'cat /data/in; echo from-guest >/data/out'
	assert_success
	assert_output from-host
	[ "$(cat "$WORK/vol/out")" = from-guest ]
	run berth run --rm --isolation vm -v "$WORK/vol":/data:ro berth/default sh -c 'echo x >/data/y'
	assert_failure
	[ ! -e "$WORK/vol/y" ]
	# the container's own files: changes land in its upper layer, the image is untouched
	id=$(berth create --isolation vm berth/default sh -c 'echo kept >/etc/mine')
	berth start -a "$id"
	[ "$(cat "$STORE/containers/$id/diff/etc/mine")" = kept ]
}

@test "vm: exec into a running VM: output, status, stdin, -u -e -w, -d, several at once" {
	id=$(berth run -d --isolation vm berth/default sh -c 'echo up; exec sleep 300')
	for _ in $(seq 100); do berth logs "$id" 2>/dev/null | grep -q up && break; sleep 0.1; done
	run --separate-stderr berth exec "$id" sh -c 'echo out; echo err >&2; exit 3'
	assert_equal "$status" 3
	assert_output out
	assert_equal "$stderr" err
	# the VM's kernel, its process tree: the exec runs beside the VM's process
	run berth exec "$id" sh -c 'uname -r; ps -o comm'
	assert_line --regexp 'cloud-amd64$'
	assert_line sleep
	run -127 berth exec "$id" nosuchcmd
	assert_output --partial "executable file not found"
	run bash -c "head -c 200000 /dev/zero | tr '\\0' x | '$BERTH' --root '$STORE' --runroot '$RUNROOT' exec -i '$id' wc -c"
	assert_output 200000
	# without -i the process reads nothing
	run bash -c "echo hidden | '$BERTH' --root '$STORE' --runroot '$RUNROOT' exec '$id' cat"
	assert_success
	assert_output ""
	run berth exec -u 1000:1000 -e FOO=bar -w /tmp "$id" probe ids -- env -- cwd
	assert_line uid=1000
	assert_line gid=1000
	assert_line env=FOO=bar
	assert_line cwd=/tmp
	run berth exec -d "$id" sh -c 'sleep 1; echo later >/tmp/d'
	assert_success
	assert_output ""
	for _ in $(seq 50); do berth exec "$id" cat /tmp/d 2>/dev/null | grep -q later && break; sleep 0.2; done
	run berth exec "$id" cat /tmp/d
	assert_output later
	# several at once, each with its own output and status
	for i in 1 2 3 4 5; do
		berth exec "$id" sh -c "sleep 1; echo n$i; exit $i" >"$WORK/x$i" 2>&1 &
		echo $! >"$WORK/p$i"
	done
	for i in 1 2 3 4 5; do
		st=0
		wait "$(cat "$WORK/p$i")" || st=$?
		assert_equal "$st" "$i"
		assert_equal "$(cat "$WORK/x$i")" "n$i"
	done
	# the VM's own output is not an exec's, and an exec's is not in its log
	run berth logs "$id"
	assert_output up
	berth rm -f "$id" >/dev/null
	run berth exec "$id" true
	assert_failure
}

@test "vm: -it gives a real terminal of the caller's size, for run and for exec" {
	run script -qec "stty rows 33 cols 91; '$BERTH' --root '$STORE' --runroot '$RUNROOT' run --rm -it --isolation vm berth/default sh -c 'tty; stty size; echo \$TERM; exit 4'; echo rc=\$?" /dev/null
	assert_line --partial /dev/pts/0
	assert_line --partial "33 91"
	assert_line --partial xterm
	assert_line --partial rc=4
	# typed input reaches the shell, its exit status comes back
	run bash -c "printf 'echo typed-\$((40+2))\nexit 6\n' | script -qec \"stty rows 20 cols 70; '$BERTH' --root '$STORE' --runroot '$RUNROOT' run --rm -it --isolation vm berth/default sh; echo rc=\\\$?\" /dev/null"
	assert_line --partial typed-42
	assert_line --partial rc=6
	id=$(berth run -d --isolation vm berth/default sh -c 'echo up; exec sleep 300')
	for _ in $(seq 100); do berth logs "$id" 2>/dev/null | grep -q up && break; sleep 0.1; done
	run script -qec "stty rows 25 cols 81; '$BERTH' --root '$STORE' --runroot '$RUNROOT' exec -it '$id' sh -c 'tty; stty size; exit 2'; echo rc=\$?" /dev/null
	assert_line --regexp '/dev/pts/[0-9]+'
	assert_line --partial "25 81"
	assert_line --partial rc=2
	berth rm -f "$id" >/dev/null
}

@test "vm: pause halts the guest, unpause lets it go on" {
	id=$(berth run -d --isolation vm berth/default sh -c 'echo up; while true; do echo t >>/tmp/t; sleep 0.1; done')
	# what the guest writes lands in the container's layer on the host (a busy machine's
	# TCG guest may take many seconds to get there: wait for it, then insist)
	t="$STORE/containers/$id/diff/tmp/t"
	for _ in $(seq 1200); do [ -s "$t" ] && break; sleep 0.1; done
	[ -s "$t" ]
	run berth pause "$id"
	assert_success
	run berth inspect -f '{{.State.Status}}' "$id"
	assert_output paused
	# nothing more now
	n1=$(wc -l <"$t")
	sleep 1
	[ "$(wc -l <"$t")" = "$n1" ]
	run berth exec "$id" true
	assert_failure
	assert_output --partial "is paused"
	run berth pause "$id"
	assert_failure
	run berth unpause "$id"
	assert_success
	run berth inspect -f '{{.State.Status}}' "$id"
	assert_output running
	for _ in $(seq 600); do [ "$(wc -l <"$t")" -gt "$n1" ] && break; sleep 0.1; done
	[ "$(wc -l <"$t")" -gt "$n1" ]
	run berth exec "$id" echo ok
	assert_output ok
	berth rm -f "$id" >/dev/null
}

@test "vm: health checks run in the guest: healthy, unhealthy, a timeout" {
	id=$(berth run -d --isolation vm --health-cmd 'test -e /tmp/ok && echo fine' \
		--health-interval 300ms --health-retries 2 berth/default \
		sh -c 'echo up; exec sleep 300')
	for _ in $(seq 100); do berth logs "$id" 2>/dev/null | grep -q up && break; sleep 0.1; done
	run berth inspect -f '{{.State.Health.Status}}' "$id"
	assert_output --regexp '^(starting|unhealthy)$'
	berth exec "$id" touch /tmp/ok
	for _ in $(seq 100); do
		[ "$(berth inspect -f '{{.State.Health.Status}}' "$id")" = healthy ] && break
		sleep 0.1
	done
	# the newest result (the log keeps the failures before the file was there too)
	run bash -c "'$BERTH' --root '$STORE' --runroot '$RUNROOT' inspect '$id' | jq -r '.[0].State.Health | .Status + \" \" + .Log[-1].Output'"
	assert_output --regexp '^healthy fine'
	run berth ps --format '{{.Status}}'
	assert_output --regexp '\(healthy\)$'
	berth exec "$id" rm /tmp/ok
	for _ in $(seq 100); do
		[ "$(berth inspect -f '{{.State.Health.Status}}' "$id")" = unhealthy ] && break
		sleep 0.1
	done
	run berth inspect -f '{{.State.Health.Status}}' "$id"
	assert_output unhealthy
	berth rm -f "$id" >/dev/null
	# a check that hangs is killed at its timeout, in the guest too
	id=$(berth run -d --isolation vm --health-cmd 'sleep 100' --health-interval 200ms \
		--health-timeout 1s --health-retries 1 berth/default sh -c 'echo up; exec sleep 300')
	for _ in $(seq 150); do
		[ "$(berth inspect -f '{{.State.Health.Status}}' "$id")" = unhealthy ] && break
		sleep 0.1
	done
	run berth inspect -f '{{.State.Health.Status}} {{(index .State.Health.Log 0).ExitCode}}' "$id"
	assert_output --regexp '^unhealthy '
	sleep 1
	# no check is left running in the guest
	run berth exec "$id" sh -c 'ps -o comm | grep -c "^sleep$"'
	assert_output --regexp '^[12]$'
	berth rm -f "$id" >/dev/null
}

@test "vm: networks: a NIC on the bridge, names both ways, NAT out, published ports" {
	other_host
	berth network create vnet >/dev/null
	vm=$(berth run -d --name vm1 --isolation vm --network vnet -p 8088:80 berth/default \
		sh -c 'mkdir -p /w; echo hello-vm >/w/index.html; httpd -p 80 -h /w; echo up; exec sleep 300')
	for _ in $(seq 100); do berth logs "$vm" 2>/dev/null | grep -q up && break; sleep 0.1; done
	ip=$(berth inspect -f '{{.NetworkSettings.Networks.vnet.IPAddress}}' vm1)
	mac=$(berth inspect -f '{{.NetworkSettings.Networks.vnet.MacAddress}}' vm1)
	# the guest's eth0 has the address and MAC IPAM gave, and a route out
	run berth exec vm1 sh -c 'ip -4 -o addr show eth0; cat /sys/class/net/eth0/address; ip route'
	assert_line --partial "inet $ip/"
	assert_line "$mac"
	assert_line --regexp '^default via [0-9.]+ dev eth0'
	# on the host: a TAP in the network's bridge
	br=br-$(berth network inspect -f '{{.Id}}' vnet | cut -c1-12)
	run ip -d link show master "$br"
	assert_output --partial "tun type tap"
	# a container finds the VM by name, the VM finds a container started after it
	run berth run --rm --network vnet berth/default wget -q -O - http://vm1/
	assert_output hello-vm
	berth run -d --name c1 --network vnet berth/default sleep 60 >/dev/null
	run berth exec vm1 ping -c1 -W3 c1
	assert_success
	# NAT to another host, and its view: this host's address
	run berth exec vm1 ping -c1 -W3 "10.$N.0.2"
	assert_success
	# the published port, from this host and from the other
	run curl -s --max-time 5 http://127.0.0.1:8088/
	assert_output hello-vm
	run ip netns exec "$OTHER" curl -s --max-time 5 "http://10.$N.0.1:8088/"
	assert_output hello-vm
	run berth port vm1 80
	assert_output "0.0.0.0:8088"
	# --network host is a container's, not a VM's
	run berth run --rm --isolation vm --network host berth/default true
	assert_equal "$status" 125
	berth rm -f vm1 c1 >/dev/null
	# its TAP goes with QEMU
	for _ in $(seq 30); do [ -z "$(ip -br link | awk '$1 ~ /^veth/')" ] && break; sleep 0.1; done
	run curl -s --max-time 2 http://127.0.0.1:8088/
	assert_failure
}

@test "vm: -d, logs, ps, inspect; stop sends the stop signal, kill ends it" {
	id=$(berth run -d --isolation vm berth/default \
		sh -c 'trap "echo got TERM; exit 9" TERM; echo up; while true; do sleep 1; done')
	for _ in $(seq 100); do berth logs "$id" 2>/dev/null | grep -q up && break; sleep 0.1; done
	run berth logs "$id"
	assert_output up
	run berth inspect -f '{{.HostConfig.Isolation}} {{.State.Status}}' "$id"
	assert_output "vm running"
	run berth ps --format '{{.Names}} {{.Status}}'
	assert_output --regexp ' Up '
	run berth stop -t 10 "$id"
	assert_success
	run berth inspect -f '{{.State.ExitCode}}' "$id"
	assert_output 9
	run berth logs "$id"
	assert_line "got TERM"
	id2=$(berth run -d --isolation vm berth/default sleep 300)
	for _ in $(seq 100); do [ "$(berth inspect -f '{{.State.Status}}' "$id2")" = running ] && break; sleep 0.1; done
	berth kill "$id2"
	run berth wait "$id2"
	assert_output 137
	run berth exec "$id2" true
	assert_failure
	# a process that ignores the stop signal: SIGKILL after the timeout, QEMU and all
	id3=$(berth run -d --isolation vm berth/default sh -c 'trap "" TERM; echo up; while true; do sleep 1; done')
	for _ in $(seq 100); do berth logs "$id3" 2>/dev/null | grep -q up && break; sleep 0.1; done
	run berth stop -t 2 "$id3"
	assert_success
	run berth inspect -f '{{.State.ExitCode}}' "$id3"
	assert_output 137
	berth rm "$id" "$id2" "$id3" >/dev/null
}

@test "vm: QEMU runs confined: the container's cgroup, no capabilities, -sandbox, a 0700 state" {
	id=$(berth run -d --isolation vm -m 300m berth/default sleep 60)
	for _ in $(seq 100); do [ "$(berth inspect -f '{{.State.Status}}' "$id")" = running ] && break; sleep 0.1; done
	qemu=$(pgrep -f "qemu-system.*$RUNROOT" | head -1)
	[ -n "$qemu" ]
	grep -q "/berth/$id" "/proc/$qemu/cgroup"
	limit=$(cat "$(cgroup_dir memory "$id")/memory.limit_in_bytes" 2>/dev/null ||
		cat "$(cgroup_dir memory "$id")/memory.max")
	# the guest's 300 MiB and QEMU's own 256
	assert_equal "$limit" $(((300 + 256) << 20))
	tr '\0' ' ' <"/proc/$qemu/cmdline" | grep -q -- "-sandbox on,obsolete=deny,elevateprivileges=deny"
	# no capabilities, none to be had
	grep -q '^CapEff:[[:space:]]*0000000000000000$' "/proc/$qemu/status"
	grep -q '^CapBnd:[[:space:]]*0000000000000000$' "/proc/$qemu/status"
	grep -q '^NoNewPrivs:[[:space:]]*1$' "/proc/$qemu/status"
	[ "$(stat -c %a "$RUNROOT/$id/vm")" = 700 ]
	berth rm -f "$id" >/dev/null
	[ ! -e "$(cgroup_dir memory "$id")" ]
}

@test "vm: bad input is refused with 125 and nothing is made" {
	local bads=("--network host" "--network container:x" "--memory 64m"
		"--vm-kernel /nonexistent/vmlinuz" "--isolation hyper" "--init")
	# kvm where the host's KVM cannot run standard guests (kvm_pvm here)
	[ -e /sys/module/kvm_intel ] || [ -e /sys/module/kvm_amd ] || bads+=("--vm-accel kvm")
	for bad in "${bads[@]}"; do
		run berth run --rm --isolation vm $bad berth/default true
		assert_equal "$status" 125
	done
	run berth run --rm --vm-accel tcg berth/default true
	assert_equal "$status" 125
	# no QEMU on PATH
	run env PATH=/nonexistent "$BERTH" --root "$STORE" --runroot "$RUNROOT" run --rm --isolation vm berth/default true
	assert_equal "$status" 125
	assert_output --partial "no QEMU"
	# a guest that does not come up in time: the error carries its console (a cold boot: a
	# clone of a template may well start in the second; the wait is the same for both)
	run env BERTH_VM_BOOT_TIMEOUT=1 "$BERTH" --root "$STORE" --runroot "$RUNROOT" run --rm --isolation vm --vm-template=false berth/default true
	assert_equal "$status" 125
	assert_output --partial "did not start its process in time"
	assert_output --partial "console:"
	run berth ps -aq
	assert_output ""
}

@test "vm: five at once" {
	local pids=()
	for i in 1 2 3 4 5; do
		berth run --rm --isolation vm berth/default sh -c "echo vm$i" >"$WORK/out.$i" 2>&1 &
		pids+=($!)
	done
	wait "${pids[@]}"
	for i in 1 2 3 4 5; do [ "$(cat "$WORK/out.$i")" = "vm$i" ]; done
	run berth ps -aq
	assert_output ""
}

# 20 boots in a row, in four tests (each under the suite's per-test timeout): none may hang,
# and each group boots a different guest shape, so each test checks something of its own
# boots FIRST LAST [RUN FLAGS...] -- SCRIPT: boot i of FIRST..LAST runs SCRIPT (with $i set)
# and must print "boot i" and whatever its flags add
boots() {
	local first=$1 last=$2 i
	shift 2
	local flags=()
	while [ "$1" != -- ]; do flags+=("$1") && shift; done
	shift
	for i in $(seq "$first" "$last"); do
		run timeout 40 "$BERTH" --root "$STORE" --runroot "$RUNROOT" run --rm --isolation vm \
			"${flags[@]}" -e i="$i" berth/default sh -c "$1"
		assert_success
		assert_line "boot $i"
	done
}
@test "vm: boots 1-5 in a row" { boots 1 5 -- 'echo boot $i'; }
@test "vm: boots 6-10 in a row, each writing a volume" {
	mkdir "$WORK/vol"
	boots 6 10 -v "$WORK/vol:/data" -- 'echo boot $i; echo $i >/data/boot$i'
	[ "$(cat "$WORK"/vol/boot* | sort -n)" = "$(seq 6 10)" ]
}
@test "vm: boots 11-15 in a row, without a network" {
	boots 11 15 --network none -- 'echo boot $i; echo nets: $(ls /sys/class/net)'
	assert_line "nets: lo"
}
@test "vm: boots 16-20 in a row, each with its own environment, user and directory" {
	boots 16 20 -e X=x -u 1000:1000 -w /tmp -- 'echo boot $i; echo "$X $(id -u) $(pwd)"'
	assert_line "x 1000 /tmp"
}

@test "berth-runtime-vm: create, state, start, kill, delete; run's exit code" {
	local RTVM="$BUILD/bin/berth-runtime-vm" root="$WORK/rt"
	make_bundle "$WORK/b"
	set_config "$WORK/b" '.process.args = ["sh", "-c", "trap \"echo term; exit 7\" TERM; echo up; while true; do sleep 1; done"]'
	"$RTVM" --root "$root" create --bundle "$WORK/b" --pid-file "$WORK/pid" vmc >"$WORK/out" 2>&1
	run "$RTVM" --root "$root" state vmc
	assert_output --partial '"status": "created"'
	assert_output --partial "\"pid\": $(cat "$WORK/pid")"
	"$RTVM" --root "$root" start vmc
	# the trap is set before "up": after it, TERM is the script's to handle
	for _ in $(seq 100); do grep -q up "$WORK/out" && break; sleep 0.1; done
	run "$RTVM" --root "$root" state vmc
	assert_output --partial '"status": "running"'
	run "$RTVM" --root "$root" list -q
	assert_output vmc
	# exec: in the guest beside the process, with its status; --process; -d with a pid file
	run --separate-stderr "$RTVM" --root "$root" exec vmc sh -c 'uname -r; echo e >&2; exit 4'
	assert_equal "$status" 4
	assert_output --regexp 'cloud-amd64$'
	assert_equal "$stderr" e
	run bash -c "echo piped | '$RTVM' --root '$root' exec vmc cat"
	assert_output piped
	echo '{"args": ["sh", "-c", "echo $X"], "env": ["X=from-process"], "cwd": "/", "user": {"uid": 0, "gid": 0}}' >"$WORK/proc.json"
	run "$RTVM" --root "$root" exec --process "$WORK/proc.json" vmc
	assert_output from-process
	run "$RTVM" --root "$root" exec vmc nosuchcmd
	assert_failure
	assert_output --partial "executable file not found"
	"$RTVM" --root "$root" exec -d --pid-file "$WORK/epid" vmc sh -c 'sleep 1; exit 5' </dev/null >/dev/null 2>&1
	epid=$(cat "$WORK/epid")
	kill -0 "$epid"
	for _ in $(seq 50); do kill -0 "$epid" 2>/dev/null || break; sleep 0.1; done
	run kill -0 "$epid"
	assert_failure
	# update: the CPU limits on QEMU's cgroup; memory is the VM's own, set at boot
	"$RTVM" --root "$root" update --cpu-quota 50000 --cpu-period 100000 vmc
	if [ -f /sys/fs/cgroup/cpu/berth/vmc/cpu.cfs_quota_us ]; then
		[ "$(cat /sys/fs/cgroup/cpu/berth/vmc/cpu.cfs_quota_us)" = 50000 ]
	else
		[ "$(cat /sys/fs/cgroup/berth/vmc/cpu.max)" = "50000 100000" ]
	fi
	# ps: the processes on the host in the VM's cgroup (QEMU's, virtiofsd's)
	run "$RTVM" --root "$root" ps --format json vmc
	assert_success
	for pid in $(echo "$output" | jq '.[]'); do
		grep -qE 'qemu-system|virtiofsd' "/proc/$pid/cmdline"
	done
	[ "$(echo "$output" | jq length)" -ge 2 ]
	run "$RTVM" --root "$root" update --memory 300m vmc
	assert_failure
	assert_output --partial "memory is set when it boots"
	# pause and resume: QMP stop and cont, the state as runc's
	"$RTVM" --root "$root" pause vmc
	run "$RTVM" --root "$root" state vmc
	assert_output --partial '"status": "paused"'
	run "$RTVM" --root "$root" pause vmc
	assert_failure
	run "$RTVM" --root "$root" delete vmc
	assert_failure
	"$RTVM" --root "$root" resume vmc
	run "$RTVM" --root "$root" exec vmc echo resumed
	assert_output resumed
	run "$RTVM" --root "$root" delete vmc
	assert_failure
	# an exec the VM's end cuts off ends 137 with a word (the shim's ERROR frame), not 255
	"$RTVM" --root "$root" exec vmc sh -c 'touch /tmp/cut; exec sleep 100' </dev/null >"$WORK/cut" 2>&1 &
	cpid=$!
	for _ in $(seq 100); do "$RTVM" --root "$root" exec vmc sh -c "test -e /tmp/cut" && break; sleep 0.2; done
	"$RTVM" --root "$root" kill vmc TERM
	for _ in $(seq 100); do "$RTVM" --root "$root" state vmc | grep -q stopped && break; sleep 0.1; done
	run "$RTVM" --root "$root" state vmc
	assert_output --partial '"status": "stopped"'
	st=0
	wait "$cpid" || st=$?
	run cat "$WORK/cut"
	assert_output "berth-runtime-vm: exec: the container stopped during the exec"
	assert_equal "$st" 137
	"$RTVM" --root "$root" delete vmc
	grep -q up "$WORK/out"
	grep -q term "$WORK/out"
	set_config "$WORK/b" '.process.args = ["sh", "-c", "uname -r; exit 6"]'
	run "$RTVM" --root "$root" run --bundle "$WORK/b" vmr
	assert_equal "$status" 6
	assert_output --regexp 'cloud-amd64'
	# the annotation asks berth-runtime for a VM too
	set_config "$WORK/b" '.annotations["org.berth.isolation"] = "vm"'
	run "$RUNTIME" --root "$root" run --bundle "$WORK/b" vmr2
	assert_equal "$status" 6
	# a pod's sandbox (containerd's and CRI-O's annotation), or org.berth.isolation=container,
	# is an ordinary container under berth-runtime-vm: the host's kernel
	set_config "$WORK/b" '.annotations = {"io.kubernetes.cri.container-type": "sandbox"} | .process.args = ["sh", "-c", "uname -r; exit 3"]'
	run "$RTVM" --root "$root" run --bundle "$WORK/b" sbx
	assert_equal "$status" 3
	assert_output "$(uname -r)"
	set_config "$WORK/b" '.annotations = {"io.kubernetes.cri-o.ContainerType": "sandbox"}'
	run "$RTVM" --root "$root" run --bundle "$WORK/b" sbx
	assert_output "$(uname -r)"
	set_config "$WORK/b" '.annotations = {"org.berth.isolation": "container"}'
	run "$RTVM" --root "$root" run --bundle "$WORK/b" sbx
	assert_output "$(uname -r)"
	set_config "$WORK/b" '.annotations = {} | .process.args = ["sh", "-c", "uname -r; exit 6"]'
	# the host's network namespace (the runtime's own) is never taken over
	for ns in /proc/self/ns/net; do
		set_config "$WORK/b" ".linux.namespaces |= map(if .type == \"network\" then .path = \"$ns\" else . end)"
		run "$RTVM" --root "$root" run --bundle "$WORK/b" vmr3
		assert_failure
		assert_output --partial "cannot take over its interfaces"
		set_config "$WORK/b" 'del(.linux.namespaces[] | select(.type == "network") | .path)'
	done
	[ -z "$(ls -A "$root/.vm" | grep -v '^.cache$')" ]
}

@test "vm: build --isolation vm runs RUN steps in VMs; the layers are the same as in containers" {
	mkdir -p "$WORK/ctx"
	printf 'FROM berth/default\nRUN uname -r > /kernel && echo built > /out && mkdir -p /d && chmod 750 /d\nCMD ["cat", "/out"]\n' >"$WORK/ctx/Containerfile"
	run berth build --isolation vm -t vmbuilt "$WORK/ctx"
	assert_success
	# the RUN saw the guest's kernel, not the host's
	run berth run --rm vmbuilt cat /kernel
	refute_output "$(uname -r)"
	assert_output --regexp 'cloud-amd64'
	run berth run --rm vmbuilt
	assert_output built
	run berth run --rm vmbuilt stat -c '%a %u' /d
	assert_output '750 0'
	# the same file in a container: a different key (isolation is in it), the same tree
	run berth build -t ctbuilt "$WORK/ctx"
	assert_success
	refute_output --partial CACHED
	run berth run --rm ctbuilt stat -c '%a %u' /d /out
	assert_output '750 0
644 0'
	run berth ps -aq
	assert_output ""
}
