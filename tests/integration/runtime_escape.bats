#!/usr/bin/env bats
# Issue #16: the container's own tree must not redirect what the runtime does while it sets the
# container up (runc CVE-2025-52881, CVE-2025-31133, CVE-2025-52565). Each test stages one
# attack in a bundle and checks, on the host and by file identity, that nothing outside the
# container was written or exposed.
#
# The victims are a host file outside the bundle, reached from inside the container as
# /proc/<pid>/root/<path> with the pid of this test's own shell, and a host process's
# /proc/<pid>/oom_score_adj, a procfs file outside the container's own processes that any root
# may raise (the containers here share the host's pid namespace, so they see both processes).
# Where the attack needs a mount made after the runtime looked (a container racing us through a
# shared volume), a createContainer hook makes it: it runs in the container's mount namespace
# after the config's mounts and before pivot_root, exactly where a racer would strike.
#
# ESCAPE_RUNTIME=/usr/sbin/runc (or crun) runs the same attacks against another runtime, and
# ESCAPE_LOG=FILE records each attack's outcome there (tests/escape-compare makes the table):
# the checks on the host are the same for every runtime, berth's own outcome (a refusal and its
# message, or the container running as asked) is checked only for berth-runtime.

load helpers

setup() {
	common_setup
	XRT=${ESCAPE_RUNTIME:-$RUNTIME}
	XROOT=${ESCAPE_ROOT:-$STATE_ROOT}
	ROOTFS="$BUNDLE/rootfs"
	for c in grep stat tty readlink; do ln -sf busybox "$ROOTFS/bin/$c"; done
	VICTIM=$(mktemp /tmp/berth-victim.XXXXXX)
	echo untouched >"$VICTIM"
	VICTIM_ID=$(stat -c '%d:%i' "$VICTIM")
	# the host's pid namespace: the container sees this shell, HOST, and the victim process
	HOST=$$
	sleep 600 &
	VPID=$!
	set_config "$BUNDLE" '.linux.namespaces |= map(select(.type != "pid"))'
}

teardown() {
	"$XRT" --root "$XROOT" delete --force "$ID" >/dev/null 2>&1 || true
	kill "$VPID" 2>/dev/null || true
	rm -f "$VICTIM"
	common_teardown
}

xrt() { "$XRT" --root "$XROOT" "$@"; }
# run with a terminal: runc and crun want one on the caller's side
xrt_tty() { script -qec "$XRT --root $XROOT run $ID" /dev/null </dev/null; }
is_berth() { [ "$XRT" = "$RUNTIME" ]; }
# create, with status and output as `run` sets them (not `run` itself: the init holds its stdio
# until start, and `run` would wait for it)
xcreate() {
	status=0
	xrt create --bundle "$BUNDLE" "$ID" >"$BUNDLE/out" 2>&1 || status=$?
	output=$(cat "$BUNDLE/out")
}

# The victim file is the same file with the same content, the victim process's oom_score_adj 0.
victim_untouched() {
	[ "$(stat -c '%d:%i' "$VICTIM")" = "$VICTIM_ID" ] || { echo "victim replaced" >&2; return 1; }
	[ "$(cat "$VICTIM")" = untouched ] || { echo "victim written: $(cat "$VICTIM")" >&2; return 1; }
	[ "$(cat /proc/"$VPID"/oom_score_adj)" = 0 ] || { echo "victim process's oom_score_adj written" >&2; return 1; }
}

# verdict TEXT: this attack's outcome, for tests/escape-compare.
verdict() { [ -z "${ESCAPE_LOG:-}" ] || echo "${BATS_TEST_DESCRIPTION#\#16 }|$*" >>"$ESCAPE_LOG"; }
# After `run`: the victims' verdict, then their check.
judge_victims() {
	if ! victim_untouched 2>/dev/null; then
		verdict "ESCAPED (host written)"
	elif [ "$status" -eq 0 ]; then
		verdict "held (the container ran)"
	elif [[ $output == *hook* ]]; then
		verdict "not staged (the hook making the attack failed)"
	else
		verdict "held (refused or failed)"
	fi
	victim_untouched
}

# add_hook SCRIPT: a createContainer hook running sh -c SCRIPT (ROOT, FAKE, VICTIM, HOST, VPID
# set; the container's state on stdin).
add_hook() {
	local script="ROOT='$ROOTFS'; FAKE='$BUNDLE/fake'; VICTIM='$VICTIM'; HOST='$HOST'; VPID='$VPID'; $1"
	set_config "$BUNDLE" ".hooks.createContainer = [{\"path\": \"/bin/sh\", \"args\": [\"sh\", \"-c\", $(jq -n --arg s "$script" '$s')]}]"
}

# fake_links NAME...: $BUNDLE/fake holding NAME -> /proc/$HOST/root$VICTIM for each NAME.
fake_links() {
	mkdir -p "$BUNDLE/fake"
	for n in "$@"; do ln -sf "/proc/$HOST/root$VICTIM" "$BUNDLE/fake/$n"; done
}

@test "#16 sysctl: a mount a symlink leads into /proc/sys is refused; the host file the redirect names is not written" {
	ln -s /proc/sys/net/ipv4 "$ROOTFS/redir"
	fake_links ip_default_ttl
	set_config "$BUNDLE" ".linux.sysctl = {\"net.ipv4.ip_default_ttl\": \"77\"} | .mounts += [{\"destination\": \"/redir\", \"type\": \"bind\", \"source\": \"$BUNDLE/fake\", \"options\": [\"bind\"]}]"
	run xrt run "$ID"
	judge_victims
	if is_berth; then
		assert_failure
		assert_output --partial "its target is /proc/sys/net/ipv4, inside /proc"
	fi
}

@test "#16 sysctl: a mount on /proc/sys/... given by the config is refused; lxcfs's files may be mounted" {
	fake_links ip_default_ttl
	set_config "$BUNDLE" ".mounts += [{\"destination\": \"/proc/sys/net/ipv4\", \"type\": \"bind\", \"source\": \"$BUNDLE/fake\", \"options\": [\"bind\"]}]"
	run xrt run "$ID"
	if [ "$status" -eq 0 ]; then verdict "mounted (no sysctl given to redirect)"; else verdict "refused"; fi
	victim_untouched
	is_berth || return 0
	assert_failure
	# the whole message, as the container's process gave it: no strerror after a message
	# that says it all (the sync socket carries berr_plain's flag, issue #23)
	assert_output --regexp "inside /proc, where nothing but lxcfs's files may be mounted$"
	echo "MemTotal: 4 kB" >"$BUNDLE/meminfo"
	set_config "$BUNDLE" ".mounts[-1] = {\"destination\": \"/proc/meminfo\", \"type\": \"bind\", \"source\": \"$BUNDLE/meminfo\", \"options\": [\"bind\", \"ro\"]} | .process.args = [\"cat\", \"/proc/meminfo\"]"
	run xrt run "$ID"
	assert_success
	assert_output "MemTotal: 4 kB"
}

@test "#16 sysctl: a mount over /proc/sys made after the runtime's checks does not redirect the write" {
	fake_links ip_default_ttl
	add_hook 'mount --bind "$FAKE" "$ROOT/proc/sys/net/ipv4"'
	set_config "$BUNDLE" '.linux.sysctl = {"net.ipv4.ip_default_ttl": "77"} | .process.args = ["sleep", "30"]'
	xcreate
	judge_victims
	is_berth || return 0
	assert_success
	pid=$(xrt state "$ID" | jq .pid)
	# the container's own network namespace got the value
	[ "$(nsenter -t "$pid" -n cat /proc/sys/net/ipv4/ip_default_ttl)" = 77 ]
}

@test "#16 oom_score_adj: a mount over the process's /proc/<pid> does not redirect the write" {
	fake_links oom_score_adj
	# masks and read-only paths off: only the oom_score_adj write is under test
	add_hook 'pid=$(jq -r .pid); mount --bind "$FAKE" "$ROOT/proc/$pid"'
	set_config "$BUNDLE" '.process.oomScoreAdj = 123 | .linux.maskedPaths = [] | .linux.readonlyPaths = [] | .process.args = ["sleep", "30"]'
	xcreate
	judge_victims
	is_berth || return 0
	assert_success
	pid=$(xrt state "$ID" | jq .pid)
	[ "$(cat /proc/"$pid"/oom_score_adj)" = 123 ]
}

@test "#16 read-only paths: a mount over the process's /proc/<pid>/fd cannot leave /proc/sys writable" {
	mkdir -p "$BUNDLE/fake" "$ROOTFS/decoy"
	for n in $(seq 0 63); do ln -s /decoy "$BUNDLE/fake/$n"; done
	add_hook 'pid=$(jq -r .pid); mount --bind "$FAKE" "$ROOT/proc/$pid/fd"'
	set_config "$BUNDLE" '.linux.maskedPaths = [] | .linux.readonlyPaths = ["/proc/sys"] | .process.args = ["sh", "-c", "echo 77 > /proc/sys/net/ipv4/ip_default_ttl && echo written; grep -w /proc/sys /proc/self/mountinfo"]'
	run xrt run "$ID"
	if [[ $output == *written* ]]; then
		verdict "ESCAPED (/proc/sys left writable)"
	elif [ "$status" -eq 0 ]; then
		verdict "held (the container ran)"
	else
		verdict "held (refused or failed)"
	fi
	refute_output --partial written
	is_berth || return 0
	assert_success
	assert_output --regexp "/proc/sys ro,"
}

@test "#16 masked paths: a /dev/null that is a symlink (or a file) is refused, never bound over a masked path" {
	mkdir -p "$BUNDLE/dev"
	ln -s "/proc/$VPID/oom_score_adj" "$BUNDLE/dev/null"
	# /dev from the bundle, as with a bind of a shared directory
	set_config "$BUNDLE" "(.mounts[] | select(.destination == \"/dev\")) |= {\"destination\": \"/dev\", \"type\": \"bind\", \"source\": \"$BUNDLE/dev\", \"options\": [\"rbind\"]} | .linux.maskedPaths = [\"/proc/timer_list\"] | .process.args = [\"sh\", \"-c\", \"echo 777 > /proc/timer_list\"]"
	run xrt run "$ID"
	judge_victims
	! is_berth || { assert_failure; assert_output --partial "/dev/null is not the character device 1:3 (a symlink)"; }
	rm "$BUNDLE/dev/null"
	echo decoy >"$BUNDLE/dev/null"
	run xrt run "$ID"
	[ "$(cat "$BUNDLE/dev/null")" = decoy ]
	! is_berth || { assert_failure; assert_output --partial "(a regular file)"; }
}

@test "#16 masked paths: a /dev/null swapped for a symlink after the runtime made it is refused" {
	add_hook 'rm -f "$ROOT/dev/null"; ln -s "/proc/$VPID/oom_score_adj" "$ROOT/dev/null"'
	set_config "$BUNDLE" '.linux.maskedPaths = ["/proc/timer_list"] | .process.args = ["sh", "-c", "echo 777 > /proc/timer_list"]'
	run xrt run "$ID"
	judge_victims
	! is_berth || { assert_failure; assert_output --partial "(a symlink)"; }
}

@test "#16 console: with a terminal, /dev/console is the container's own pty" {
	set_config "$BUNDLE" '.process.terminal = true | .process.args = ["sh", "-c", "tty; stat -c console=%t:%T /dev/console; [ $(stat -L -c %d /proc/self/fd/0) = $(stat -c %d /dev/pts/ptmx) ] && echo own-pty"]'
	run xrt_tty
	if [[ $output == *console=88:0* ]]; then
		verdict "/dev/console is the pty"
	else
		verdict "no /dev/console bound ($(grep -o 'console=[^[:space:]]*\|No such file[^\r]*' <<<"$output" | head -1))"
	fi
	assert_success
	assert_output --partial "/dev/pts/0"
	assert_output --partial "console=88:0"
	assert_output --partial own-pty
}

@test "#16 console: a /dev/console that is a symlink is refused, never mounted through" {
	add_hook 'rm -f "$ROOT/dev/console"; ln -s "/proc/$VPID/oom_score_adj" "$ROOT/dev/console"'
	set_config "$BUNDLE" '.process.terminal = true | .process.args = ["true"]'
	run xrt_tty
	judge_victims
	is_berth || return 0
	assert_failure
	assert_output --partial "/dev/console is a symlink"
}

@test "#16 console: a /dev/pts whose entries are links is never bound on /dev/console" {
	# the container's real devpts kept aside, /dev/pts a tmpfs whose ptmx leads to it and whose
	# numbered entries lead to a procfs file of a host process (runc CVE-2025-52565)
	mkdir "$ROOTFS/realpts"
	add_hook 'mount --bind "$ROOT/dev/pts" "$ROOT/realpts" && mount -t tmpfs tmpfs "$ROOT/dev/pts" && ln -s /realpts/ptmx "$ROOT/dev/pts/ptmx" && for n in $(seq 0 9); do ln -s /proc/$VPID/oom_score_adj "$ROOT/dev/pts/$n"; done'
	set_config "$BUNDLE" '.process.terminal = true | .process.args = ["sh", "-c", "echo 777 > /dev/console"]'
	run xrt_tty
	judge_victims
	is_berth || return 0
	assert_failure
	assert_output --partial "/dev/pts/ptmx is not a devpts ptmx"
}

@test "#16 ptmx: a /dev/ptmx leading to the host's ptmx gives the container no host pty" {
	add_hook 'rm -f "$ROOT/dev/ptmx"; ln -s /proc/$HOST/root/dev/ptmx "$ROOT/dev/ptmx"'
	set_config "$BUNDLE" '.process.terminal = true | .process.args = ["sh", "-c", "[ $(stat -L -c %d /proc/self/fd/0) = $(stat -c %d /dev/pts/ptmx) ] && echo own-pty || echo other-pty"]'
	run xrt_tty
	if [[ $output == *other-pty* ]]; then
		verdict "ESCAPED (a host pty)"
	elif [[ $output == *own-pty* ]]; then
		verdict "held (the container's own pty)"
	else
		verdict "held (refused or failed)"
	fi
	refute_output --partial other-pty
	is_berth || return 0
	assert_success
	assert_output --partial own-pty
}

@test "#16 ptmx: a /dev/pts covered by a tmpfs with a ptmx link is refused" {
	add_hook 'mount -t tmpfs tmpfs "$ROOT/dev/pts" && ln -s /proc/$HOST/root/dev/ptmx "$ROOT/dev/pts/ptmx"'
	set_config "$BUNDLE" '.process.terminal = true | .process.args = ["sh", "-c", "echo got-a-terminal"]'
	run xrt_tty
	if [[ $output == *got-a-terminal* ]]; then verdict "ESCAPED (a host pty)"; else verdict "held (refused or failed)"; fi
	refute_output --partial got-a-terminal
	! is_berth || assert_output --partial "/dev/pts/ptmx"
}

@test "CVE-2019-5736: what a container reaches through /proc/<pid>/exe of the runtime is sealed, not the host's writable binary" {
	local sum
	sum=$(sha256sum <"$XRT")
	# A startContainer hook runs in the container, after pivot_root, as a child of the
	# runtime's process that entered it: where the attack opened /proc/<pid>/exe. It writes to
	# it at once, and again through an fd it keeps, from a process that stays behind until
	# the runtime is gone (the attack's second step). What it writes is the ELF magic's first
	# byte over itself: a runtime that let it through would still be whole, and the test fails.
	cat >"$ROOTFS/hook.sh" <<'SH'
#!/bin/sh
rt=$PPID
readlink /proc/$rt/exe > /exe-link
(printf '\177' 1<> /proc/$rt/exe) 2> /exe-err-live
echo $? > /exe-rc-live
exec 3< /proc/$rt/exe
(while [ ! -e /go ]; do sleep 0.05; done
 printf '\177' | dd of=/proc/self/fd/3 bs=1 count=1 conv=notrunc 2> /exe-err-after
 echo $? > /exe-rc-after) </dev/null >/dev/null 2>&1 &
SH
	chmod +x "$ROOTFS/hook.sh"
	ln -sf busybox "$ROOTFS/bin/dd"
	set_config "$BUNDLE" '.process.args = ["sleep", "30"] | .process.terminal = false |
		.hooks.startContainer = [{"path": "/bin/sh", "args": ["sh", "/hook.sh"]}]'
	# detached: once the command returns, no process of the runtime runs here any more
	run xrt run --detach "$ID"
	touch "$ROOTFS/go"
	for _ in $(seq 100); do [ -s "$ROOTFS/exe-rc-after" ] && break; sleep 0.05; done
	[ "$(sha256sum <"$XRT")" = "$sum" ]
	[ "$(cat "$ROOTFS/exe-rc-live")" != 0 ]
	[ "$(cat "$ROOTFS/exe-rc-after")" != 0 ]
	if is_berth; then
		assert_success
		# as root the binary through a private, detached, read-only overlayfs of its
		# directory (runc 1.2's way, nothing copied); else a sealed memfd copy. Either
		# refuses the write even once nothing runs it (busy while it runs).
		run cat "$ROOTFS/exe-link"
		assert_output --regexp '^(/memfd:|/berth-runtime$)'
		local refusal='Operation not permitted'
		[ "$output" != /berth-runtime ] || refusal='Read-only file system'
		run cat "$ROOTFS/exe-err-after"
		assert_output --partial "$refusal"
	fi
	echo "CVE-2019-5736 $(cat "$ROOTFS/exe-link") live: $(cat "$ROOTFS/exe-err-live")" \
		"after: $(cat "$ROOTFS/exe-err-after")" >>"${ESCAPE_LOG:-/dev/null}"
}
