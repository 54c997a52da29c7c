#!/usr/bin/env bats
# A pod of one VM (`pod create --isolation vm`, as Kata's): the infra is the VM, each member
# runs in it, in a root of its own (its overlay, bound on the host into the pod's virtiofs
# share) and in the VM's network. Skipped where QEMU or the guest kernel is missing. TCG is
# slow: generous timeouts, no timing assertions.

load helpers
bats_require_minimum_version 1.5.0

setup() {
	store_setup
	command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86 is not installed"
	ls /boot/vmlinuz-*-cloud-amd64 >/dev/null 2>&1 || skip "linux-image-cloud-amd64 is not installed"
}

# The state directories of this store's QEMUs (each runs in its own); with -p their pids.
qemu_dirs() {
	local p d
	for p in $(pgrep qemu-system); do
		d=$(readlink "/proc/$p/cwd") || continue
		case $d in "$RUNROOT"/*) [ "$1" = -p ] && echo "$p" || echo "$d" ;; esac
	done
}

bt() { timeout 300 "$BERTH" --root "$STORE" --runroot "$RUNROOT" "$@"; }

teardown() {
	local p
	for p in $(bt pod ps -q 2>/dev/null); do
		bt pod rm -f "$p" >/dev/null 2>&1 || true
	done
	net_teardown
	store_teardown
	[ -z "$LEFT" ] || { echo "left behind:$LEFT" >&2; return 1; }
	local qemus
	qemus=$(qemu_dirs -p)
	[ -z "$qemus" ] || { echo "left behind: QEMU $qemus" >&2; kill -9 $qemus; vm_left; return 1; }
	vm_left
}

@test "vm pod: two members in one VM reach each other on localhost, each with its logs and exit code" {
	run bt pod create --isolation vm --network none vp
	assert_success
	pod=$output
	run bt run -d --pod vp --name srv berth/default \
		sh -c 'uname -r; echo hello-over-lo | nc -l -p 7000 127.0.0.1; echo srv-out; echo srv-err >&2; exit 4'
	assert_success
	srv=$output
	# the client retries until the server listens (TCG boots and starts slowly)
	run bt run --pod vp --name cli berth/default \
		sh -c 'for i in $(seq 100); do nc -w 5 127.0.0.1 7000 && break; sleep 0.2; done; echo cli-err >&2; exit 3'
	assert_equal "$status" 3
	assert_line hello-over-lo
	assert_line cli-err
	# one VM for the pod: one QEMU, the infra's (it runs in its state directory)
	infra=$(bt pod inspect -f '{{.InfraContainerID}}' vp)
	[ -n "$infra" ]
	run qemu_dirs
	assert_output "$RUNROOT/$infra/vm"
	run bt wait srv
	assert_output 4
	run bt logs srv
	assert_line --regexp '^6\.[0-9.]+-[0-9]+-cloud-amd64$'
	refute_line "$(uname -r)"
	assert_line srv-out
	assert_line srv-err
	run bt inspect -f '{{.State.ExitCode}}' srv cli
	assert_output $'4\n3'
	run bt logs cli
	assert_line hello-over-lo
	# the member's root is bound into the pod's share while it runs, and only then
	run grep -c " $STORE/pods/$pod/vm/" /proc/self/mountinfo
	assert_output 0
}

@test "vm pod: exec into a member runs in its root; stop, and pod rm -f leaves nothing" {
	run bt pod create --isolation vm --network none vp2
	assert_success
	pod=$output
	run bt run -d --pod vp2 --name one berth/default sh -c 'echo one-up; sleep 600'
	assert_success
	run bt run -d --pod vp2 --name two --health-cmd 'test -s /etc/hostname' --health-interval 1s \
		berth/default sleep 600
	assert_success
	two=$output
	run bt exec two sh -c 'echo mine > /only-two; hostname'
	assert_success
	assert_output vp2
	run bt exec one cat /only-two
	assert_failure
	# the pod's hostname and hosts file are every member's, as in podman's pods
	run bt exec one cat /etc/hostname
	assert_output vp2
	run bt exec one grep -w vp2 /etc/hosts
	assert_success
	run bt exec two cat /only-two
	assert_output mine
	# on the host the file is in two's own upper layer
	[ "$(cat "$STORE/containers/$two/diff/only-two")" = mine ]
	run bt exec -i one sh -c 'cat; exit 6' <<<"stdin-to-exec"
	assert_equal "$status" 6
	assert_output stdin-to-exec
	run -127 bt exec one nosuchcommand
	run bt logs one
	assert_output one-up
	# health checks run in the member's root as exec sessions
	for _ in $(seq 120); do
		[ "$(bt inspect -f '{{.State.Health.Status}}' two)" = healthy ] && break
		sleep 0.5
	done
	run bt inspect -f '{{.State.Health.Status}}' two
	assert_output healthy
	# its sh is PID 1 of its own PID namespace, which ignores SIGTERM (as in Docker): killed
	run bt stop -t 2 one
	assert_success
	run bt inspect -f '{{.State.ExitCode}}' one
	assert_output 137
	# started again, in a root bound again
	run bt start one
	assert_success
	for _ in $(seq 120); do
		[ "$(bt logs one | grep -c one-up)" = 2 ] && break
		sleep 0.5
	done
	run bt logs one
	assert_output $'one-up\none-up'
	run bt exec one cat /etc/hostname
	assert_output vp2
	grep -q " $STORE/pods/$pod/vm " /proc/self/mountinfo
	run bt pod rm -f vp2
	assert_success
	run grep -E " ($STORE|$RUNROOT)/" /proc/self/mountinfo
	assert_failure
	run pgrep -af "virtiofsd.*$STORE"
	assert_failure
	run qemu_dirs
	assert_output ""
	[ ! -e "$STORE/pods/$pod" ]
	run bt ps -aq
	assert_output ""
}

@test "vm pod: a member's volumes, read-write, read-only and named, seen both ways; its tmpfs" {
	mkdir -p "$WORK/rw" "$WORK/ro"
	echo ro-content >"$WORK/ro/f"
	# the pod's --memory and --cpus size its VM (QEMU's own 256 MiB taken from the memory)
	# --share +pid: the members share the VM's PID namespace (each has one of its own else)
	run bt pod create --isolation vm --memory 640m --cpus 2 --share +pid --network none vp4
	assert_success
	run bt run --rm --pod vp4 berth/default sh -c 'nproc; awk "/MemTotal/ {print \$2}" /proc/meminfo; echo $$'
	assert_success
	assert_line --index 0 2
	[ "${lines[1]}" -gt 300000 ] && [ "${lines[1]}" -lt 400000 ]
	[ "${lines[2]}" -gt 1 ]
	run bt run --rm --pod vp4 -v "$WORK/rw:/data" -v "$WORK/ro:/ro:ro" -v vpnamed:/nv \
		--tmpfs /scratch --tmpfs /rot:ro berth/default \
		sh -c 'echo from-guest > /data/x; cat /ro/f; echo no > /ro/g || echo ro-refused; echo shared > /nv/y
			echo t > /scratch/a && cat /scratch/a; touch /rot/x || echo rot-refused'
	assert_success
	assert_line t
	assert_line rot-refused
	assert_line ro-content
	assert_line ro-refused
	[ "$(cat "$WORK/rw/x")" = from-guest ]
	[ ! -e "$WORK/ro/g" ]
	# a read-only root, its mount points made before it is attached
	run bt run --rm --pod vp4 --read-only -v "$WORK/rw:/new/data" berth/default \
		sh -c 'touch /x || echo root-refused; echo two > /new/data/z'
	assert_success
	assert_output --partial root-refused
	[ "$(cat "$WORK/rw/z")" = two ]
	# another member sees the named volume
	run bt run --rm --pod vp4 -v vpnamed:/nv berth/default cat /nv/y
	assert_output shared
	run bt pod rm -f vp4
	assert_success
	bt volume rm vpnamed >/dev/null
	run grep -E " ($STORE|$RUNROOT|$WORK)/" /proc/self/mountinfo
	assert_failure
}

@test "vm pod: a member's stdin and terminal; what is refused" {
	run bt pod create --isolation vm --share none nope
	assert_failure
	assert_output --partial "the pod's VM is its infra container"
	run bt pod create --isolation vm --memory 300m nope
	assert_failure
	assert_output --partial "a pod's VM needs --memory 384m at least"
	run bt pod create --isolation vmx nope
	assert_failure
	assert_output --partial "invalid --isolation 'vmx'"
	run bt pod create --network none plain
	assert_success
	run bt run --rm --pod plain --isolation vm berth/default true
	assert_failure
	assert_output --partial "pod create --isolation vm"
	run bt pod create --isolation vm --network none vp3
	assert_success
	run bt run -i --rm --pod vp3 berth/default sh -c 'cat; echo end' <<<"to-stdin"
	assert_success
	assert_output $'to-stdin\nend'
	# -t: the guest's pty (the caller's size: vm.bats checks it through script(1))
	run bt run -t --rm --pod vp3 berth/default sh -c 'tty; exit 2'
	assert_equal "$status" 2
	assert_line --regexp '^/dev/pts/[0-9]+'
	# pause: a member alone cannot (its VM is the pod's), the pod pauses as a whole: the VM
	# stops (the infra paused) and its members say so; unpause lets them go on
	bt run -d --pod vp3 --name m1 berth/default sh -c 'i=0; while :; do i=$((i + 1)); echo $i >/tmp/t; sleep 0.1; done' >/dev/null
	run bt pause m1
	assert_failure
	assert_output --partial "runs in its pod's VM, which pauses as a whole: berth pod pause"
	run bt pod pause vp3
	assert_success
	run bt inspect -f '{{.State.Status}}' m1 "$(bt pod inspect -f '{{.InfraContainerID}}' vp3)"
	assert_output $'paused\npaused'
	run bt pod unpause vp3
	assert_success
	run bt inspect -f '{{.State.Status}}' m1
	assert_output running
	a=$(bt exec m1 cat /tmp/t)
	sleep 1
	b=$(bt exec m1 cat /tmp/t)
	[ "$b" -gt "$a" ]
}

@test "vm pod: a member's own PID namespace, cgroup and limits in the guest; top and stats of it; exec joins it" {
	run bt pod create --isolation vm --network none vp5
	assert_success
	run bt run -d --pod vp5 --name lim -m 200m --cpus 0.5 --pids-limit 40 berth/default \
		sh -c 'echo $$ >/tmp/pid; exec sleep 600'
	assert_success
	run bt run -d --pod vp5 --name other berth/default sleep 601
	assert_success
	for _ in $(seq 240); do
		bt exec lim test -s /tmp/pid 2>/dev/null && bt exec other true 2>/dev/null && break
		sleep 0.5
	done
	# its own PID namespace (as Kata's containers): its process is PID 1 there, and an exec
	# joins it, seeing the member's processes only
	run bt exec lim cat /tmp/pid
	assert_output 1
	run bt exec lim sh -c 'cat /proc/1/cmdline | tr "\0" " "; echo; for p in /proc/[0-9]*; do tr "\0" " " <$p/cmdline; echo; done'
	assert_success
	assert_line --index 0 'sleep 600 '
	assert_line 'sleep 600 '
	refute_line 'sleep 601 '
	# an exec of the other member is in that one's namespace (its PID 1 the other's sleep)
	run bt exec other sh -c 'echo $$'
	assert_success
	[ "$output" -gt 1 ]
	# top: the member's processes in the guest (its cgroup there), ps -ef's columns
	run bt top lim
	assert_success
	assert_line --index 0 --regexp '^UID +PID +PPID +C +STIME +TTY +TIME +CMD$'
	assert_line --regexp '^root +[0-9]+ +1 .* sleep 600$'
	refute_line --regexp ' sleep 601$'
	# ps options: the guest agent's ps (vm_pod_member.bats has more)
	run bt top lim -o pid,args
	assert_success
	assert_line --index 0 --regexp '^PID +COMMAND$'
	assert_line --regexp '^[0-9]+ +sleep 600$'
	refute_line --regexp ' sleep 601$'
	run bt pod top vp5
	assert_success
	assert_line --regexp ' sleep 600$'
	assert_line --regexp ' sleep 601$'
	refute_output --partial qemu-system
	# stats: its cgroup's limit (the VM's memory without one), its pids
	run bt stats --no-stream --format '{{.Name}} {{.MemUsage}} {{.PIDs}}' lim other
	assert_success
	assert_line --regexp '^lim [0-9.]+[KMG]i?B / 200MiB 1$'
	assert_line --regexp '^other [0-9.]+[KMG]i?B / [0-9.]+MiB 1$'
	run bt pod stats --no-stream --format '{{.Name}} {{.MemUsage}}' vp5
	assert_success
	assert_line --regexp '^lim .* / 200MiB$'
	# the limits hold in the guest: memory (the OOM killer ends what asks for more), pids
	run bt exec lim dd if=/dev/zero of=/dev/null bs=250M count=1
	assert_equal "$status" 137
	run bt exec other dd if=/dev/zero of=/dev/null bs=250M count=1
	assert_success
	run bt exec lim sh -c 'for i in $(seq 60); do sleep 30 & done; echo started'
	assert_output --partial "can't fork"
	run bt pod rm -f vp5
	assert_success
}
