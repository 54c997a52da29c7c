#!/usr/bin/env bats
# Process setup, sysctls, terminals, mounts prepared on the host side, hooks' environment.
load helpers

setup() { common_setup; }
teardown() { common_teardown; }

@test "sysctl: only keys of the container's own namespaces are accepted" {
	set_config "$BUNDLE" '.linux.sysctl = {"kernel.hostname": "x"}'
	run rt run "$ID"
	assert_failure
	assert_output --partial "linux.sysctl.kernel.hostname"
	set_config "$BUNDLE" '.linux.sysctl = {"vm.swappiness": "10"}'
	run rt run "$ID"
	assert_failure
	set_config "$BUNDLE" '.linux.sysctl = {"net.ipv4.ip_forward": "1"} | .linux.namespaces |= map(select(.type != "network"))'
	run rt run "$ID"
	assert_failure
	assert_output --partial "network namespace"
	set_config "$BUNDLE" '.linux.sysctl = {"net.ipv4.ip_forward": "1", "kernel.msgmax": "9000"} | .linux.namespaces += [{"type":"network"}] | .process.args = ["cat","/proc/sys/net/ipv4/ip_forward","/proc/sys/kernel/msgmax"]'
	run rt run "$ID"
	assert_success
	assert_output $'1\n9000'
}

@test "HOME comes from the container's /etc/passwd, else /" {
	mkdir -p "$BUNDLE/rootfs/etc"
	printf 'root:x:0:0:root:/root:/bin/sh\nu:x:1000:1000::/home/u:/bin/sh\n' >"$BUNDLE/rootfs/etc/passwd"
	set_config "$BUNDLE" '.process.env = ["PATH=/bin"] | .process.user = {"uid":1000,"gid":1000} | .process.args = ["sh","-c","echo $HOME"]'
	run rt run "$ID"
	assert_output "/home/u"
	set_config "$BUNDLE" '.process.user = {"uid":2000,"gid":2000}'
	run rt run "$ID"
	assert_output "/"
	set_config "$BUNDLE" '.process.env = ["PATH=/bin","HOME=/mine"]'
	run rt run "$ID"
	assert_output "/mine"
}

@test "seccomp: without noNewPrivileges the process does not get it, and a profile that refuses close_range still starts" {
	set_config "$BUNDLE" '.process.noNewPrivileges = false | .process.args = ["busybox","grep","NoNewPrivs","/proc/self/status"] | .linux.seccomp = {"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["close_range"],"action":"SCMP_ACT_ERRNO"}]}'
	run rt run "$ID"
	assert_success
	assert_output --regexp "NoNewPrivs:[[:space:]]+0"
}

@test "terminal: run in the foreground relays the container's pty" {
	set_config "$BUNDLE" '.process.terminal = true | .process.args = ["sh","-c","tty; exit 3"]'
	run script -qec "$RUNTIME --root $STATE_ROOT run $ID </dev/null" /dev/null
	assert_output --partial "/dev/pts/0"
	run rt run -d "$ID"
	assert_failure
	assert_output --partial "use --console-socket"
}

@test "mounts: a bind source under a directory the container's root cannot search" {
	src=$(mktemp -d /tmp/berth-bundle.src.XXXXXX)
	mkdir "$src/inner" && echo hello >"$src/inner/f" && chmod 000 "$src"
	set_config "$BUNDLE" ".linux.namespaces += [{\"type\":\"user\"}] | .linux.uidMappings = [{\"containerID\":0,\"hostID\":100000,\"size\":65536}] | .linux.gidMappings = .linux.uidMappings | .mounts += [{\"destination\":\"/m\",\"type\":\"bind\",\"source\":\"$src/inner\",\"options\":[\"bind\",\"ro\"]}] | .process.args = [\"cat\",\"/m/f\"]"
	chmod 755 "$BUNDLE"
	chown -R 100000:100000 "$BUNDLE/rootfs"
	run rt run "$ID"
	chmod 700 "$src"; rm -rf "$src"
	assert_success
	assert_output "hello"
}

@test "mounts: idmapped bind shows files with the container's ids" {
	src=$(mktemp -d /tmp/berth-bundle.src.XXXXXX)
	touch "$src/f"
	chmod 755 "$src"
	chmod 755 "$BUNDLE"
	chown -R 100000:100000 "$BUNDLE/rootfs"
	set_config "$BUNDLE" ".linux.namespaces += [{\"type\":\"user\"}] | .linux.uidMappings = [{\"containerID\":0,\"hostID\":100000,\"size\":65536}] | .linux.gidMappings = .linux.uidMappings | .mounts += [{\"destination\":\"/plain\",\"type\":\"bind\",\"source\":\"$src\",\"options\":[\"bind\"]},{\"destination\":\"/mapped\",\"type\":\"bind\",\"source\":\"$src\",\"options\":[\"bind\",\"idmap\"]}] | .process.args = [\"sh\",\"-c\",\"busybox stat -c %u /plain/f /mapped/f\"]"
	run rt run "$ID"
	rm -rf "$src"
	assert_success
	assert_output $'65534\n0'
}

@test "devices: linux.devices are allowed by the devices cgroup even under deny-all" {
	set_config "$BUNDLE" '.linux.devices = [{"path":"/dev/mynull","type":"c","major":1,"minor":3,"fileMode":438}] | .linux.resources.devices = [{"allow":false,"access":"rwm"}] | .process.args = ["sh","-c","echo x > /dev/mynull && echo written"]'
	run rt run "$ID"
	assert_success
	assert_output "written"
}

@test "LISTEN_FDS: socket-activation fds and variables reach the process" {
	set_config "$BUNDLE" '.process.args = ["sh","-c","echo $LISTEN_FDS $LISTEN_PID; cat <&3"]'
	echo activated >"$BUNDLE/in"
	run env LISTEN_FDS=1 "$RUNTIME" --root "$STATE_ROOT" run "$ID" 3<"$BUNDLE/in"
	assert_success
	assert_output $'1 1\nactivated'
}

@test "hooks: a hook without env inherits the runtime's; every poststart hook runs" {
	set_config "$BUNDLE" ".hooks.prestart = [{\"path\":\"/bin/sh\",\"args\":[\"sh\",\"-c\",\"echo \$BERTH_T > $BUNDLE/pre\"]}] | .hooks.poststart = [{\"path\":\"/bin/false\"},{\"path\":\"/bin/sh\",\"args\":[\"sh\",\"-c\",\"echo ran > $BUNDLE/post\"]}]"
	BERTH_T=inherited rt run "$ID"
	assert_equal "$(cat "$BUNDLE/pre")" "inherited"
	assert_equal "$(cat "$BUNDLE/post")" "ran"
}

@test "delete --force: takes the init back from a frozen foreign cgroup (cgroup v1)" {
	[ -d /sys/fs/cgroup/freezer ] || skip "no v1 freezer"
	set_config "$BUNDLE" '.process.args = ["sleep","60"]'
	rt run -d "$ID" >"$BUNDLE/out" 2>&1
	pid=$(rt state "$ID" | jq .pid)
	fz=/sys/fs/cgroup/freezer/berth-test-frozen-$$
	mkdir "$fz"
	echo "$pid" >"$fz/tasks"
	echo FROZEN >"$fz/freezer.state"
	run rt delete --force "$ID"
	echo THAWED >"$fz/freezer.state"
	rmdir "$fz"
	assert_success
	[ ! -e "/proc/$pid" ] || ! grep -q sleep "/proc/$pid/cmdline"
}

# A seccomp agent: accepts $2 connections on socket $1, prints what each brought.
seccomp_agent() {
	python3 - "$1" "$2" <<'PY'
import array, json, os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1])
s.listen(4)
s.settimeout(20)
for _ in range(int(sys.argv[2])):
    c, _ = s.accept()
    fds = array.array("i")
    msg, anc, _, _ = c.recvmsg(65536, socket.CMSG_LEN(4))
    for level, kind, data in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.frombytes(data[:4])
    m = json.loads(msg)
    what = os.readlink("/proc/self/fd/%d" % fds[0]) if fds else "none"
    pid = m.get("pid", 0)
    print("status=%s id=%s metadata=%s fds=%s fd=%s pid=%s" % (m["state"]["status"],
          m["state"]["id"], m.get("metadata"), ",".join(m["fds"]), what,
          "ok" if isinstance(pid, int) and pid > 0 else "missing"), flush=True)
PY
}

@test "seccomp listener: the notify fd reaches a host-side listenerPath, at create and exec" {
	command -v python3 >/dev/null || skip "python3 is not installed"
	sock="$BUNDLE/agent.sock"
	seccomp_agent "$sock" 2 >"$BUNDLE/agent.out" 2>&1 &
	agent=$!
	for _ in $(seq 50); do [ -S "$sock" ] && break; sleep 0.1; done
	# The listener path is outside the rootfs: only the runtime can reach it.
	set_config "$BUNDLE" ".linux.seccomp = {\"defaultAction\":\"SCMP_ACT_ALLOW\",\"listenerPath\":\"$sock\",\"listenerMetadata\":\"meta-1\",\"syscalls\":[{\"names\":[\"mkdir\"],\"action\":\"SCMP_ACT_NOTIFY\"}]} | .process.noNewPrivileges = true | .process.args = [\"sleep\",\"30\"]"
	rt create "$ID"
	rt start "$ID"
	run rt exec "$ID" true
	assert_success
	wait "$agent"
	run cat "$BUNDLE/agent.out"
	assert_line --index 0 "status=creating id=$ID metadata=meta-1 fds=seccompFd fd=anon_inode:seccomp notify pid=ok"
	assert_line --index 1 "status=running id=$ID metadata=meta-1 fds=seccompFd fd=anon_inode:seccomp notify pid=ok"
}

@test "seccomp listener: also without any notify rule (as crun)" {
	command -v python3 >/dev/null || skip "python3 is not installed"
	sock="$BUNDLE/agent.sock"
	seccomp_agent "$sock" 1 >"$BUNDLE/agent.out" 2>&1 &
	agent=$!
	for _ in $(seq 50); do [ -S "$sock" ] && break; sleep 0.1; done
	set_config "$BUNDLE" ".linux.seccomp = {\"defaultAction\":\"SCMP_ACT_ALLOW\",\"listenerPath\":\"$sock\"} | .process.args = [\"true\"]"
	run rt run "$ID"
	assert_success
	wait "$agent"
	run cat "$BUNDLE/agent.out"
	assert_output "status=creating id=$ID metadata=None fds=seccompFd fd=anon_inode:seccomp notify pid=ok"
}

@test "NOTIFY_SOCKET: the container gets its own socket; run forwards READY=1 to the caller's" {
	command -v python3 >/dev/null || skip "python3 is not installed"
	sock="$BUNDLE/host-notify.sock"
	python3 - "$sock" >"$BUNDLE/notify.out" 2>&1 <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(20)
for _ in range(2):
    print(s.recv(1024).decode(), flush=True)
PY
	agent=$!
	for _ in $(seq 50); do [ -S "$sock" ] && break; sleep 0.1; done
	set_config "$BUNDLE" '.process.args = ["sh","-c","echo $NOTIFY_SOCKET; probe notify STATUS=starting notify READY=1"]'
	NOTIFY_SOCKET=$sock run rt run "$ID"
	assert_success
	assert_line --index 0 "$sock/notify"
	assert_line --index 1 "notify=sent"
	assert_line --index 2 "notify=sent"
	wait "$agent"
	# Each datagram up to READY=1 is forwarded as it came.
	run cat "$BUNDLE/notify.out"
	assert_output $'STATUS=starting\nREADY=1'

}

@test "linux.devices in a new user namespace: made on the host side, owner mapped, usable" {
	chmod 755 "$BUNDLE"
	chown -R 100000:100000 "$BUNDLE/rootfs"
	set_config "$BUNDLE" '.linux.namespaces += [{"type":"user"}] | .linux.uidMappings = [{"containerID":0,"hostID":100000,"size":65536}] | .linux.gidMappings = .linux.uidMappings | .linux.devices = [{"path":"/dev/myzero","type":"c","major":1,"minor":5,"uid":1000,"gid":1001,"fileMode":416}] | .process.user = {"uid":1000,"gid":1001} | .process.args = ["sh","-c","busybox stat -c \"%u:%g %a %t,%T\" /dev/myzero; head -c 5 /dev/myzero | wc -c"]'
	run rt run "$ID"
	assert_success
	# 416 = 0640; 1,5 in hex. Readable by its owner: the node's mount is not nodev.
	assert_output $'1000:1001 640 1,5\n5'
	[ ! -e "$STATE_ROOT/$ID" ]
}

@test "session keyring: the container's own (_ses.<id>), unless --no-new-keyring" {
	set_config "$BUNDLE" '.process.args = ["probe","keyring"]'
	run rt run "$ID"
	assert_success
	assert_output --regexp "^keyring=[0-9]+ name=_ses\\.$ID\$"
	run rt run --no-new-keyring "$ID"
	assert_success
	refute_output --partial "_ses.$ID"
}

@test "terminal: a window-size change of the caller's terminal reaches the container" {
	command -v python3 >/dev/null || skip "python3 is not installed"
	ln -sf busybox "$BUNDLE/rootfs/bin/stty"
	set_config "$BUNDLE" '.process.terminal = true | .process.args = ["sh","-c","stty size; sleep 1.5; stty size"]'
	# berth-runtime run on a pty of our own (24x80), resized to 40x100 after a second.
	run python3 - "$RUNTIME" "$STATE_ROOT" "$ID" <<'PY'
import fcntl, os, pty, struct, sys, termios, time
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], [sys.argv[1], "--root", sys.argv[2], "run", sys.argv[3]])
def size(rows, cols):
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
size(24, 80)
time.sleep(1)
size(40, 100)
out = b""
while True:
    try:
        chunk = os.read(fd, 1024)
    except OSError:
        break
    if not chunk:
        break
    out += chunk
os.waitpid(pid, 0)
print(out.decode().replace("\r", ""), end="")
PY
	assert_success
	assert_output $'24 80\n40 100'
}
