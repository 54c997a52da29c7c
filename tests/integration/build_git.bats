#!/usr/bin/env bats
# berth build: ADD of a git repository (issue #17), as BuildKit's Dockerfile frontend and git
# source do it: git://host/repo.git#ref:subdir, a shallow fetch of the ref (HEAD by default), its
# files into the destination with no .git unless --keep-git-dir, owners 0:0; the cache keyed by
# the commit (a ref that moves runs the step again); --checksum against the commit; bad input
# one error and the store unchanged. The remote is a `git daemon` on 127.0.0.1, started here.

load helpers

setup() {
	command -v git >/dev/null || skip "git is not installed"
	store_setup
	CTX="$WORK/ctx"
	mkdir -p "$CTX" "$WORK/git"
	# the repository: v1 (a.txt one, sub/b.txt, a link, an executable), then main moves on
	export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null HOME="$WORK"
	SRC="$WORK/src"
	git init -q -b main "$SRC"
	git -C "$SRC" config user.email t@example.org
	git -C "$SRC" config user.name tester
	mkdir -p "$SRC/sub"
	echo one >"$SRC/a.txt"
	echo bee >"$SRC/sub/b.txt"
	printf '#!/bin/sh\necho run\n' >"$SRC/run.sh"
	chmod 755 "$SRC/run.sh"
	ln -s sub/b.txt "$SRC/link"
	git -C "$SRC" add -A
	git -C "$SRC" commit -q -m one
	git -C "$SRC" tag v1
	echo two >"$SRC/a.txt"
	git -C "$SRC" commit -q -am two
	git clone -q --bare "$SRC" "$WORK/git/repo.git"
	PORT=$(free_port)
	git daemon --reuseaddr --export-all --base-path="$WORK/git" --listen=127.0.0.1 \
		--port="$PORT" "$WORK/git" >/dev/null 2>&1 3>&- &
	DAEMON_PID=$!
	for _ in $(seq 50); do
		git ls-remote "git://127.0.0.1:$PORT/repo.git" >/dev/null 2>&1 && break
		sleep 0.1
	done
	REPO="git://127.0.0.1:$PORT/repo.git"
}

teardown() {
	[ -z "${DAEMON_PID:-}" ] || { kill "$DAEMON_PID" 2>/dev/null; wait "$DAEMON_PID" 2>/dev/null || true; }
	[ -z "${STORE:-}" ] || store_teardown
}

containerfile() { printf '%s\n' "$1" >"$CTX/Containerfile"; }

@test "build_git: ADD git://host/repo.git takes HEAD's files, links and modes, 0:0, no .git" {
	containerfile "FROM berth/default
ADD $REPO /src
RUN cd /src && cat a.txt sub/b.txt && ./run.sh && readlink link && \\
    stat -c '%n %a %u:%g' a.txt run.sh && test ! -e .git && echo no-git"
	run berth build --progress plain -t g1 "$CTX"
	assert_success
	assert_output --regexp '[0-9] two
.*[0-9] bee
.*[0-9] run
.*[0-9] sub/b.txt'
	assert_output --partial 'a.txt 644 0:0'
	assert_output --partial 'run.sh 755 0:0'
	assert_output --partial 'no-git'
}

@test "build_git: #ref, #ref:subdir and --keep-git-dir" {
	containerfile "FROM berth/default
ADD $REPO#v1 /v1/
ADD $REPO#v1:sub /only-sub
ADD --keep-git-dir=true $REPO#main /kept
RUN cat /v1/a.txt /kept/a.txt && ls -A /only-sub && test -f /kept/.git/HEAD && echo has-git && \\
    test ! -e /v1/.git && echo v1-no-git"
	run berth build --progress plain "$CTX"
	assert_success
	assert_output --regexp '[0-9] one
.*[0-9] two
.*[0-9] b.txt
.*[0-9] has-git
.*[0-9] v1-no-git'
	# a commit's name as the ref, and --checksum against it
	commit=$(git -C "$SRC" rev-parse v1)
	containerfile "FROM berth/default
ADD --checksum=${commit:0:12} $REPO#$commit /c
RUN cat /c/a.txt"
	run berth build --progress plain "$CTX"
	assert_success
	assert_output --regexp '[0-9] one'
	containerfile "FROM berth/default
ADD --checksum=0000000 $REPO#v1 /c"
	run berth build "$CTX"
	assert_failure 1
	assert_output --partial "expected checksum to match 0000000, got $commit"
}

@test "build_git: the cache follows the commit: the same ref is CACHED, a ref that moved runs again" {
	containerfile "FROM berth/default
ADD --keep-git-dir=true $REPO#main /src
RUN cat /src/a.txt"
	run berth build --progress plain "$CTX"
	assert_success
	refute_output --partial CACHED
	run berth build --progress plain "$CTX"
	assert_success
	assert_output --partial '#2 CACHED'
	echo three >"$SRC/a.txt"
	git -C "$SRC" commit -q -am three
	git -C "$SRC" push -q "$WORK/git/repo.git" main
	run berth build --progress plain "$CTX"
	assert_success
	refute_output --partial CACHED
	assert_output --regexp '[0-9] three'
}

@test "build_git: bad references are one error; nothing is tagged and the store is unchanged" {
	containerfile 'FROM berth/default'
	berth build -q "$CTX" >/dev/null
	before=$(store_state)
	containerfile "FROM berth/default
ADD $REPO#nope /src"
	run berth build -t bad "$CTX"
	assert_failure 1
	assert_output --partial "Containerfile:2: failed to fetch remote $REPO: fatal: couldn't find remote ref nope"
	containerfile "FROM berth/default
ADD $REPO#v1:../x /src"
	run berth build -t bad "$CTX"
	assert_failure 1
	assert_output --partial "invalid subdirectory '../x'"
	containerfile "FROM berth/default
COPY $REPO /src"
	run berth build -t bad "$CTX"
	assert_failure 1
	assert_output --partial "source can't be a git ref for COPY"
	containerfile "FROM berth/default
ADD git://127.0.0.1:$PORT/missing.git /src"
	run berth build -t bad "$CTX"
	assert_failure 1
	assert_output --partial "failed to fetch remote git://127.0.0.1:$PORT/missing.git"
	# scp-style: ssh to a host that has no server (git's ssh, no prompt)
	containerfile "FROM berth/default
ADD git@127.0.0.1:repo.git /src"
	run berth build -t bad "$CTX"
	assert_failure 1
	assert_output --partial "failed to fetch remote git@127.0.0.1:repo.git"
	run berth images -q bad
	assert_output ''
	[ "$(store_state)" = "$before" ]
}
