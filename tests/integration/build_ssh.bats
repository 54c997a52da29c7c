#!/usr/bin/env bats
# berth build --ssh and RUN --mount=type=ssh (issue #17), as docker build's with BuildKit: the
# agent's socket in the RUN at /run/buildkit/ssh_agent.N (or target) with SSH_AUTH_SOCK set,
# its owner and mode; keys given as files served by an agent of the build's own; a required
# agent that was not given is BuildKit's error; the socket is in neither the layer nor the
# cache key. The agents are Debian's ssh-agent; in the RUN a small static client
# (tests/helpers/agent_list.c) asks for the identities as `ssh-add -l` does (berth/default has
# no openssh).
# Also RUN --security=insecure with --allow security.insecure.

load helpers

setup_file() {
	command -v ssh-agent >/dev/null && command -v ssh-add >/dev/null ||
		skip "openssh-client (ssh-agent, ssh-add) is not installed"
	gcc -static -O2 -o "$BATS_FILE_TMPDIR/agent_list" \
		"$BATS_TEST_DIRNAME/../helpers/agent_list.c"
}

setup() {
	store_setup
	CTX="$WORK/ctx"
	mkdir -p "$CTX"
	cp "$BATS_FILE_TMPDIR/agent_list" "$CTX/"
	AGENT_PIDS=""
}

teardown() {
	local p
	for p in $AGENT_PIDS; do kill "$p" 2>/dev/null || true; done
	store_teardown
	# an agent the build started for keys must be gone with it
	run pgrep -f '^ssh-agent -D -a agent'
	[ "$status" -ne 0 ] || { echo "ssh-agent left: $output" >&2; return 1; }
}

containerfile() { printf '%s\n' "$1" >"$CTX/Containerfile"; }

# agent NAME COMMENT: a host agent at $WORK/NAME.sock holding a new key with COMMENT.
agent() {
	local sock="$WORK/$1.sock"
	ssh-keygen -q -t ed25519 -N '' -C "$2" -f "$WORK/$1.key"
	eval "$(ssh-agent -s -a "$sock" 3>&-)" >/dev/null
	AGENT_PIDS="$AGENT_PIDS $SSH_AGENT_PID"
	SSH_AUTH_SOCK=$sock ssh-add -q "$WORK/$1.key"
}

@test "build_ssh: --ssh default forwards \$SSH_AUTH_SOCK to /run/buildkit/ssh_agent.0; nothing of it stays in the image" {
	agent a berth-key-a
	containerfile 'FROM berth/default
COPY agent_list /usr/local/bin/
RUN --mount=type=ssh echo "sock=$SSH_AUTH_SOCK" && ls -l "$SSH_AUTH_SOCK" && agent_list'
	SSH_AUTH_SOCK="$WORK/a.sock" run berth build --progress plain --ssh default -t s1 "$CTX"
	assert_success
	assert_output --partial 'sock=/run/buildkit/ssh_agent.0'
	assert_output --regexp 'srw------- +1 root +root .*/run/buildkit/ssh_agent.0'
	assert_output --partial '1 keys'
	assert_output --partial 'berth-key-a'
	# the socket and the directory made for it are not in the layer
	run berth run --rm s1 ls -A /run
	assert_success
	assert_output ''
	# the host's socket was never the container's (a relay's of the step's own)
	refute_output --partial "$WORK"
}

@test "build_ssh: id, target, uid, gid, mode; USER nobody reaches it; a second agent by id" {
	agent a berth-key-a
	agent b berth-key-b
	containerfile 'FROM berth/default
COPY agent_list /usr/local/bin/
USER nobody
RUN --mount=type=ssh,id=second,target=/tmp/agent.sock,uid=65534,gid=65534,mode=0600 \
    --mount=type=ssh,target=/tmp/default.sock,mode=0666 \
    echo "sock=$SSH_AUTH_SOCK" && stat -c "%U:%G %a %F" /tmp/agent.sock /tmp/default.sock && \
    agent_list && SSH_AUTH_SOCK=/tmp/default.sock agent_list'
	SSH_AUTH_SOCK="$WORK/a.sock" run berth build --progress plain --ssh default \
		--ssh "second=$WORK/b.sock" "$CTX"
	assert_success
	# SSH_AUTH_SOCK is the first ssh mount's
	assert_output --partial 'sock=/tmp/agent.sock'
	assert_output --partial 'nobody:nogroup 600 socket'
	assert_output --partial 'root:root 666 socket'
	assert_output --regexp 'berth-key-b.*
.*1 keys.*
.*berth-key-a'
}

@test "build_ssh: --ssh ID=KEY serves the key from an agent of the build's own, gone after it" {
	ssh-keygen -q -t ed25519 -N '' -C berth-file-key -f "$WORK/k"
	containerfile 'FROM berth/default
COPY agent_list /usr/local/bin/
RUN --mount=type=ssh,id=deploy,required=true agent_list'
	run env -u SSH_AUTH_SOCK "$BERTH" --root "$STORE" --runroot "$RUNROOT" build \
		--progress plain --ssh "deploy=$WORK/k" "$CTX"
	assert_success
	assert_output --partial '1 keys'
	assert_output --partial 'berth-file-key'
	# a key file that is not a key: ssh-add's word, before any step
	echo "not a key" >"$WORK/bad"
	chmod 600 "$WORK/bad"
	run berth build --no-cache --ssh "deploy=$WORK/bad" "$CTX"
	assert_failure 1
	assert_output --partial "--ssh deploy: failed to load the keys"
	refute_output --partial '#3 [stage-0'
}

@test "build_ssh: required=true with no agent given is BuildKit's error; optional leaves it out" {
	containerfile 'FROM berth/default
RUN --mount=type=ssh,required=true true'
	run env -u SSH_AUTH_SOCK "$BERTH" --root "$STORE" --runroot "$RUNROOT" build -t bad "$CTX"
	assert_failure 1
	assert_output --partial 'Containerfile:2'
	assert_output --partial 'no SSH key "default" forwarded from the client'
	run berth images -q bad
	assert_output ''
	agent a berth-key-a
	run berth build --ssh "other=$WORK/a.sock" -t bad "$CTX"
	assert_failure 1
	assert_output --partial 'unset ssh forward key default'
	# optional (the default): the RUN runs, SSH_AUTH_SOCK named, no socket there
	containerfile 'FROM berth/default
RUN --mount=type=ssh echo "sock=$SSH_AUTH_SOCK" && test ! -e "$SSH_AUTH_SOCK" && echo none'
	run env -u SSH_AUTH_SOCK "$BERTH" --root "$STORE" --runroot "$RUNROOT" build \
		--progress plain "$CTX"
	assert_success
	assert_output --partial 'sock=/run/buildkit/ssh_agent.0'
	assert_output --partial 'none'
}

@test "build_ssh: another agent socket keeps the cache; another target does not" {
	agent a berth-key-a
	agent b berth-key-b
	containerfile 'FROM berth/default
RUN --mount=type=ssh echo ran > /ran'
	run berth build --progress plain --ssh "default=$WORK/a.sock" "$CTX"
	assert_success
	refute_output --partial CACHED
	run berth build --progress plain --ssh "default=$WORK/b.sock" "$CTX"
	assert_success
	assert_output --partial CACHED
	containerfile 'FROM berth/default
RUN --mount=type=ssh,target=/other echo ran > /ran'
	run berth build --progress plain --ssh "default=$WORK/b.sock" "$CTX"
	assert_success
	refute_output --partial CACHED
}

@test "build_ssh: bad --ssh values are refused before anything is built" {
	containerfile 'FROM berth/default
RUN --mount=type=ssh true'
	run env -u SSH_AUTH_SOCK "$BERTH" --root "$STORE" --runroot "$RUNROOT" build --ssh default "$CTX"
	assert_failure 125
	assert_output --partial 'invalid empty ssh agent socket: make sure SSH_AUTH_SOCK is set'
	run berth build --ssh "x=$WORK/missing" "$CTX"
	assert_failure 1
	assert_output --partial "stat $WORK/missing: No such file or directory"
	agent a berth-key-a
	run berth build --ssh "x=$WORK/a.sock" --ssh "x=$WORK/a.sock" "$CTX"
	assert_failure 1
	assert_output --partial 'invalid duplicate ID x'
	run berth build --ssh "x=$WORK/a.sock,$WORK/a.key" "$CTX"
	assert_failure 1
	assert_output --partial 'only single socket allowed'
	run berth images -aq
	assert_output ''
	run berth build --isolation vm --ssh "default=$WORK/a.sock" "$CTX"
	assert_failure 1
	assert_output --partial 'RUN --mount=type=ssh with --isolation vm'
}

@test "build_ssh: RUN --security=insecure needs --allow security.insecure, then runs privileged" {
	containerfile 'FROM berth/default
RUN --security=insecure mkdir /m && mount -t tmpfs none /m && echo mounted && umount /m'
	run berth build --progress plain -t ins "$CTX"
	assert_failure 1
	assert_output --partial 'Containerfile:2'
	assert_output --partial 'security.insecure is not allowed'
	run berth images -q ins
	assert_output ''
	run berth build --progress plain --allow security.insecure -t ins "$CTX"
	assert_success
	assert_output --partial 'mounted'
	# the same RUN in the sandbox (another step: not taken from the cache) may not mount
	containerfile 'FROM berth/default
RUN mkdir /m && mount -t tmpfs none /m && echo mounted && umount /m'
	run berth build --progress plain --allow security.insecure "$CTX"
	assert_failure 1
	refute_output --partial CACHED
	refute_output --partial '0 mounted'
	run berth build --allow bogus "$CTX"
	assert_failure 125
	assert_output --partial 'unknown entitlement bogus'
}
