#!/usr/bin/env bats
# What a member of a pod of one VM (`pod create --isolation vm`, as Kata's) has as a member of
# an ordinary pod has it, answered in the guest: `update` of its limits (its cgroup there),
# `top` with ps options (the guest agent's ps from /proc), and the pod's network counters in
# its stats. One pod (one VM boot) for the file: TCG is slow, so generous timeouts and no
# timing assertions. Skipped where QEMU or the guest kernel is missing.

load helpers
bats_require_minimum_version 1.5.0

BATS_TEST_TIMEOUT=$((${BATS_TEST_TIMEOUT:-60} > 300 ? ${BATS_TEST_TIMEOUT:-60} : 300))

bt() { timeout 300 "$BERTH" --root "$STORE" --runroot "$RUNROOT" "$@"; }

vm_missing() {
	! command -v qemu-system-x86_64 >/dev/null || ! ls /boot/vmlinuz-*-cloud-amd64 >/dev/null 2>&1
}

setup_file() {
	vm_missing && return 0
	store_setup
	export STORE WORK RUNROOT
	# on the default bridge: the VM has an interface besides lo, the pod's
	bt pod create --isolation vm vpm >/dev/null || return 0
	bt run -d --pod vpm --name mb -m 200m --cpus 0.5 --pids-limit 40 berth/default \
		sh -c 'exec sleep 600' >/dev/null || return 0
	for _ in $(seq 240); do
		bt exec mb true 2>/dev/null && { touch "$WORK/up"; break; }
		sleep 0.5
	done
}

teardown_file() {
	[ -n "${STORE:-}" ] || return 0
	bt pod rm -f vpm >/dev/null 2>&1 || true
	net_teardown
	store_teardown
	[ -z "$LEFT" ] || { echo "left behind:$LEFT" >&2; return 1; }
	vm_left
}

teardown() {
	api_service_stop >/dev/null
}

# Traffic both ways on the VM's interface (its counters are the member's): the member pings
# the bridge's gateway, the host the VM's address.
traffic() {
	local infra ip gw
	infra=$(bt pod inspect -f '{{.InfraContainerID}}' vpm)
	ip=$(bt inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$infra")
	gw=$(bt inspect -f '{{range .NetworkSettings.Networks}}{{.Gateway}}{{end}}' "$infra")
	[ -n "$ip" ] && [ -n "$gw" ] || return 1
	bt exec mb ping -c 2 -W 5 "$gw" >/dev/null 2>&1 || true
	"$BUSYBOX" ping -c 2 -W 5 "$ip" >/dev/null 2>&1 || true
}

# A member's cgroup files in the guest, read there (its own are not mounted in its root): a
# privileged exec joins its cgroup and mount namespace, mounts the guest's cgroup2 hierarchy
# (no cgroup namespace: its path is /proc/self/cgroup's) and leaves nothing mounted.
cg_read() {
	local member=$1
	shift
	bt exec --privileged "$member" sh -c 'd=/tmp/.cg; mkdir -p $d &&
		mount -t cgroup2 cgroup2 $d || exit 1
		(cd $d$(cut -d: -f3 /proc/self/cgroup) && cat "$@"); r=$?
		umount $d; rmdir $d; exit $r' sh "$@"
}

setup() {
	load_libs
	vm_missing && skip "qemu-system-x86 or linux-image-cloud-amd64 is not installed"
	[ -e "$WORK/up" ] || skip "the pod's VM did not come up"
}

@test "vm pod member: top with ps options, from the guest's /proc; what it cannot do is refused" {
	run bt top mb
	assert_success
	assert_line --index 0 --regexp '^UID +PID +PPID +C +STIME +TTY +TIME +CMD$'
	assert_line --regexp '^root +[0-9]+ +[0-9]+ +[0-9]+ +[0-9:A-Za-z]+ +\? +[0-9:]+ +sleep 600$'
	# BSD's u: ps aux's columns (as `docker top c aux`)
	run bt top mb aux
	assert_success
	assert_line --index 0 --regexp '^USER +PID +%CPU +%MEM +VSZ +RSS +TTY +STAT +START +TIME +COMMAND$'
	assert_line --regexp '^root +[0-9]+ +[0-9.]+ +[0-9.]+ +[0-9]+ +[0-9]+ +\? +S[a-zA-Z<+]* +[0-9:A-Za-z]+ +[0-9:]+ +sleep 600$'
	run bt top mb -o pid,comm
	assert_success
	assert_line --index 0 --regexp '^PID +COMMAND$'
	assert_line --regexp '^[0-9]+ +sleep$'
	run bt top mb -eo pid,ppid,user,rss,args
	assert_success
	assert_line --index 0 --regexp '^PID +PPID +USER +RSS +COMMAND$'
	assert_line --regexp '^[0-9]+ +[0-9]+ +root +[0-9]+ +sleep 600$'
	# BSD's selection alone: PID TTY STAT TIME COMMAND; UNIX's -e alone: PID TTY TIME CMD
	run bt top mb ax
	assert_success
	assert_line --index 0 --regexp '^PID +TTY +STAT +TIME +COMMAND$'
	run bt top mb -e
	assert_success
	assert_line --index 0 --regexp '^PID +TTY +TIME +CMD$'
	assert_line --regexp '^[0-9]+ +\? +[0-9:]+ +sleep$'
	# a header renamed (the PID column keeps its name, as dockerd asks)
	run bt top mb -o pid,comm=NAME
	assert_success
	assert_line --index 0 --regexp '^PID +NAME$'
	# a header ends at ',' as in the host's ps (procps-ng 4): one more column, or a bad key
	run bt top mb -o pid,comm=NAME,args
	assert_success
	assert_line --index 0 --regexp '^PID +NAME +COMMAND$'
	assert_line --regexp '^[0-9]+ +sleep +sleep 600$'
	run bt top mb -o pid,comm=A,B
	assert_failure
	assert_output --partial "the format key 'B' is not supported"
	run bt top mb -o pid,wchan
	assert_failure
	assert_output --partial "the format key 'wchan' is not supported"
	run bt top mb -C sleep
	assert_failure
	assert_output --partial "'-C' is not supported"
	run bt top mb --forest
	assert_failure
	assert_output --partial "'--forest' is not supported"
}

@test "vm pod member: update of its memory, pids and CPU limits reaches its cgroup in the guest" {
	run bt stats --no-stream --format '{{.MemUsage}}' mb
	assert_output --regexp ' / 200MiB$'
	# --cpus 0.5 as cpu.max, no --cpu-shares: the default weight
	run cg_read mb cpu.max cpu.weight
	assert_success
	assert_output "50000 100000
100"
	# the limits hold first: 250 MiB is too much for 200m, 60 processes for 40
	run bt exec mb dd if=/dev/zero of=/dev/null bs=250M count=1
	assert_equal "$status" 137
	run bt exec mb sh -c 'for i in $(seq 60); do sleep 30 & done; echo started'
	assert_output --partial "can't fork"
	run bt update -m 400m --memory-swap -1 --pids-limit 200 --cpus 1 --cpu-shares 512 mb
	assert_success
	assert_output mb
	# runc's cpu.shares to cpu.weight: 1 + (512 - 2) * 9999 / 262142
	run cg_read mb cpu.max cpu.weight memory.max pids.max
	assert_success
	assert_output "100000 100000
20
419430400
200"
	run bt stats --no-stream --format '{{.MemUsage}}' mb
	assert_output --regexp ' / 400MiB$'
	run bt exec mb dd if=/dev/zero of=/dev/null bs=250M count=1
	assert_success
	run bt exec mb sh -c 'for i in $(seq 60); do sleep 1 & done; wait; echo started'
	assert_success
	assert_output started
	run bt inspect -f '{{.HostConfig.Memory}} {{.HostConfig.NanoCpus}} {{.HostConfig.PidsLimit}} {{.HostConfig.CpuShares}}' mb
	assert_output '419430400 1000000000 200 512'
	# no pids limit (0, as Docker's CLI reads it)
	run bt update --pids-limit 0 mb
	assert_success
	run bt exec mb sh -c 'for i in $(seq 60); do sleep 1 & done; wait; echo ok'
	assert_output ok
	# a bad value is refused before anything changes, as for any container
	run bt update -m 1k mb
	assert_failure
	assert_output --partial "Minimum memory limit allowed is 6MB"
}

@test "vm pod member: its stats show the pod's network counters (the VM's interface)" {
	traffic
	run bt stats --no-stream --format '{{.Name}} {{.NetIO}}' mb
	assert_success
	assert_output --regexp '^mb [0-9.]+[kMG]?B / [0-9.]+[kMG]?B$'
	refute_output --regexp '^mb 0B / '
	refute_output --regexp ' / 0B$'
	run bt stats --no-stream --format '{{.Name}} {{.BlockIO}}' mb
	assert_success
	assert_output --regexp '^mb [0-9.]+[kMG]?B / [0-9.]+[kMG]?B$'
}

@test "vm pod member: Docker's client: top with ps options, update, stats through the API" {
	traffic
	api_service_start
	run timeout 60 /usr/bin/docker top mb -o pid,args
	assert_success
	assert_line --index 0 --regexp '^PID +COMMAND$'
	assert_line --regexp '^[0-9]+ +sleep 600$'
	run timeout 60 /usr/bin/docker top mb -o pid,wchan
	assert_failure
	assert_output --partial "the format key 'wchan' is not supported"
	run timeout 60 /usr/bin/docker update --memory 300m --memory-swap -1 mb
	assert_success
	run timeout 60 /usr/bin/docker stats --no-stream --format '{{.MemUsage}} {{.NetIO}}' mb
	assert_success
	assert_output --regexp ' / 300MiB [0-9.]+[kMG]?B / [0-9.]+[kMG]?B$'
	refute_output --regexp ' 0B / 0B$'
	api_service_stop
}

@test "vm pod member: update of its CPU quota and period (Docker's client, berth's) reaches cpu.max" {
	# a member without --cpus: quota and period are not NanoCpus' (which they conflict with)
	bt run -d --pod vpm --name mq --cpu-shares 2048 berth/default sleep 600 >/dev/null
	run cg_read mq cpu.max cpu.weight
	assert_success
	assert_output "max 100000
79"
	api_service_start
	run timeout 60 /usr/bin/docker update --cpu-quota 30000 --cpu-period 60000 mq
	assert_success
	run cg_read mq cpu.max
	assert_output "30000 60000"
	api_service_stop
	# berth's flags, as Docker's: a period alone keeps the quota (cpu.max holds both), and -1
	# is no quota
	run bt update --cpu-period 80000 mq
	assert_success
	run cg_read mq cpu.max
	assert_output "30000 80000"
	run bt update --cpu-quota -1 mq
	assert_success
	run cg_read mq cpu.max
	assert_output "max 80000"
	run bt update --cpu-quota 20000 mb
	assert_failure
	assert_output --partial "CPU Quota cannot be updated as NanoCPUs has already been set"
	run bt inspect -f '{{.HostConfig.CpuQuota}} {{.HostConfig.CpuPeriod}} {{.HostConfig.CpuShares}}' mq
	assert_output '-1 80000 2048'
	bt rm -f mq >/dev/null
}
