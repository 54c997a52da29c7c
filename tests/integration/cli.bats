#!/usr/bin/env bats
# The command line's argument counts as Docker's CLI checks them (cli/required.go): the same
# message as Debian's docker 20.10 prints, with berth's names, and its exit status 1 (a flag
# error stays 125, --help 0). The docker CLI checks its arguments before it contacts a daemon:
# DOCKER_HOST points nowhere.

load helpers

setup() { store_setup; }
teardown() { store_teardown; }

DOCKER=/usr/bin/docker

# berth ARGS... and docker ARGS...: the same status, nothing on stdout, and the same message on
# stderr but for the last line (the summary: Docker 20.10's older texts).
same_as_docker() {
	local want got wstatus=0 gstatus=0
	want=$(DOCKER_HOST=unix://$WORK/nodocker.sock timeout 30 "$DOCKER" "$@" 2>&1 >"$WORK/d.out") ||
		wstatus=$?
	got=$(berth "$@" 2>&1 >"$WORK/b.out") || gstatus=$?
	echo "docker $*: $wstatus"$'\n'"$want"$'\n'"berth $*: $gstatus"$'\n'"$got"
	[ "$wstatus" -eq 1 ] # an argument error as Docker's, or the oracle is not what we think
	assert_equal "$gstatus" "$wstatus"
	assert_equal "$(sed '$d' <<<"${want//docker/berth}")" "$(sed '$d' <<<"$got")"
	# the summary is there too
	[ -n "$(tail -n1 <<<"$got")" ]
	[ ! -s "$WORK/d.out" ] && [ ! -s "$WORK/b.out" ]
}

@test "argument counts: Docker's messages and status 1 (rename, ps, run, exec, images, ...)" {
	[ -x "$DOCKER" ] || skip "no $DOCKER"
	same_as_docker rename a
	same_as_docker rename a b c
	same_as_docker ps x
	same_as_docker run
	same_as_docker exec c
	same_as_docker images a b
	same_as_docker port
	same_as_docker commit
	same_as_docker network connect a
	same_as_docker volume create a b
	same_as_docker logs a b
	same_as_docker tag a
	same_as_docker events x
}

@test "argument counts: checked after the flags, before anything is done" {
	run berth rename a
	assert_failure 1
	assert_line --index 0 '"berth rename" requires exactly 2 arguments.'
	assert_line --index 1 "See 'berth rename --help'."
	# a bad flag stays a flag error (125), --help wins over a wrong count (0)
	run berth rename --bogus a
	assert_failure 125
	assert_output --partial "unknown flag: --bogus"
	run berth rename --help a
	assert_success
	assert_output --partial "Usage:  berth rename CONTAINER NEW_NAME"
	# --help went on to create with no name here before (a crash)
	for c in "network create" "network connect" "network disconnect" "volume create"; do
		# shellcheck disable=SC2086
		run berth $c --help
		assert_success
		assert_output --partial "Usage:  berth $c "
	done
	# ps accepted anything after it before; now it is refused, and nothing else is printed
	run berth ps -a x
	assert_failure 1
	refute_output --partial "CONTAINER ID"
	# a refused command makes nothing
	run berth volume create a b
	assert_failure 1
	run berth volume ls -q
	assert_success
	assert_output ""
	# start needs a container unless --all (podman's); top and pod top as the others
	run berth start
	assert_failure 1
	assert_line --index 0 '"berth start" requires at least 1 argument.'
	run berth top
	assert_failure 1
	assert_line --index 0 '"berth top" requires at least 1 argument.'
	run berth pod start
	assert_failure 1
	assert_line --index 0 '"berth pod start" requires at least 1 argument.'
	# pod create takes a name (podman 4.3's), one
	run berth pod create x y
	assert_failure 1
	assert_line --index 0 '"berth pod create" requires at most 1 argument.'
	run berth pod ps -q
	assert_output ""
}
