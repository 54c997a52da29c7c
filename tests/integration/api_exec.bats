#!/usr/bin/env bats
# The Docker Engine API's exec endpoints (issue #18): `docker exec` (Debian's docker CLI 20.10)
# through `berth system service` on a socket of the test's own, and curl for what the CLI does
# not show (the exec's inspect document, error bodies).

load helpers
bats_require_minimum_version 1.5.0

setup() {
	store_setup
	[ -x /usr/bin/docker ] || skip "Debian's docker.io (the docker CLI) is not installed"
	api_service_start
}

teardown() { api_teardown; }

docker() { timeout 30 /usr/bin/docker "$@"; }
api() { curl -s --unix-socket "$SOCK" "$@"; }

@test "api exec: output on stdout and stderr apart, the exit code, -i with stdin" {
	docker run -d --name ex1 berth/default sleep 60
	run docker exec ex1 sh -c 'echo out; echo err >&2; exit 3'
	assert_equal "$status" 3
	assert_line out
	assert_line err
	# the streams stay apart in Docker's frames
	run sh -c "timeout 30 /usr/bin/docker exec ex1 sh -c 'echo out; echo err >&2' 2>/dev/null"
	assert_output out
	run sh -c "timeout 30 /usr/bin/docker exec ex1 sh -c 'echo out; echo err >&2' 2>&1 >/dev/null"
	assert_output err
	run docker exec ex1 true
	assert_success
	assert_output ""
	# stdin: piped with -i, none without it
	run sh -c "printf 'one\ntwo\n' | timeout 30 /usr/bin/docker exec -i ex1 sh -c 'wc -l; exit 4'"
	assert_equal "$status" 4
	assert_output 2
	run sh -c "echo ignored | timeout 30 /usr/bin/docker exec ex1 cat"
	assert_success
	assert_output ""
	# a command that is not there: Docker's 127 and a message
	run -127 docker exec ex1 /no/such/command
	assert_output --partial '/no/such/command'
}

@test "api exec: -e, -u, -w, and what the exec's inspect says" {
	docker run -d --name ex2 -e FROM_RUN=run berth/default sleep 60
	run docker exec -e EXTRA=yes -e FROM_RUN=exec ex2 sh -c 'echo $EXTRA $FROM_RUN'
	assert_output 'yes exec'
	run docker exec -u 1234:5678 ex2 id -u
	assert_output 1234
	run docker exec -u 1234:5678 ex2 id -g
	assert_output 5678
	run docker exec -u nobody ex2 id -un
	assert_output nobody
	run docker exec -w /etc ex2 pwd
	assert_output /etc
	# the record: made by create, its end written for inspect
	id=$(api -X POST -H 'Content-Type: application/json' \
		-d '{"Cmd": ["sh", "-c", "exit 7"], "AttachStdout": true, "User": "0"}' \
		http://d/containers/ex2/exec | sed 's/.*"Id":"\([0-9a-f]*\)".*/\1/')
	[ ${#id} -eq 64 ]
	run api "http://d/exec/$id/json"
	assert_output --partial '"Running":false'
	assert_output --partial '"ExitCode":null'
	assert_output --partial '"entrypoint":"sh"'
	assert_output --partial '"arguments":["-c","exit 7"]'
	assert_output --partial '"OpenStdout":true'
	assert_output --partial '"OpenStdin":false'
	refute_output --partial '"Env"'
	run api -X POST -H 'Content-Type: application/json' -d '{"Detach": true}' \
		-w '%{http_code}' "http://d/exec/$id/start"
	assert_output 200
	for _ in $(seq 50); do
		api "http://d/exec/$id/json" | grep -q '"ExitCode":7' && break
		sleep 0.1
	done
	run api "http://d/exec/$id/json"
	assert_output --partial '"ExitCode":7'
	assert_output --partial '"Running":false'
	assert_output --regexp '"ContainerID":"[0-9a-f]{64}"'
	# one start only
	run api -X POST -d '{"Detach": true}' -w ' %{http_code}' "http://d/exec/$id/start"
	assert_output --partial 'has already run'
	assert_output --regexp ' 409$'
	run api -w ' %{http_code}' "http://d/exec/$(printf '%064d' 0)/json"
	assert_output --regexp ' 404$'
	run api -w ' %{http_code}' "http://d/exec/../../etc/json"
	assert_output --regexp ' 404$'
}

@test "api exec: -d runs on its own; its exec records go with the container" {
	docker run -d --name ex3 berth/default sleep 60
	run docker exec -d ex3 sh -c 'sleep 0.5; echo done > /tmp/mark'
	assert_success
	assert_output ""
	run docker exec ex3 cat /tmp/mark
	assert_failure
	sleep 1.5
	run docker exec ex3 cat /tmp/mark
	assert_output done
	cid=$(docker inspect -f '{{.Id}}' ex3)
	[ -n "$(ls "$STORE/containers/$cid/execs/")" ]
	docker rm -f ex3
	[ ! -e "$STORE/containers/$cid" ]
}

@test "api exec: -t gives a terminal, raw; -it through a pty" {
	command -v script >/dev/null || skip "script (util-linux) is not installed"
	docker run -d --name ex4 berth/default sleep 60
	run docker exec -t ex4 sh -c 'test -t 0 && test -t 1 && echo tty $TERM; exit 2'
	assert_equal "$status" 2
	assert_output --partial 'tty xterm'
	run docker exec ex4 sh -c 'test -t 1 || echo no tty'
	assert_output 'no tty'
	# a terminal on the client's side too: its size reaches the exec's (the resize endpoint)
	# (--foreground: the docker CLI stays in the terminal's foreground group; a background one
	# is stopped by SIGTTIN when script(1) hands its stdin's end to the terminal)
	run script -qec "stty cols 91 rows 33; DOCKER_HOST=$DOCKER_HOST timeout --foreground 30 /usr/bin/docker exec -it ex4 sh -c 'sleep 0.3; stty size; exit 5'" /dev/null
	assert_equal "$status" 5
	assert_output --partial '33 91'
}

@test "api exec: a stopped container refuses with 409; a client that leaves ends its exec" {
	docker run -d --name ex5 berth/default sleep 60
	docker create --name ex6 berth/default true
	run docker exec ex6 true
	assert_failure
	assert_output --regexp 'Container [0-9a-f]{64} is not running'
	run api -X POST -H 'Content-Type: application/json' -d '{"Cmd": ["true"]}' \
		-w ' %{http_code}' http://d/containers/ex6/exec
	assert_output --regexp ' 409$'
	run api -X POST -d '{"Cmd": ["true"]}' -w ' %{http_code}' http://d/containers/nosuch/exec
	assert_output --partial '"No such container: nosuch"'
	assert_output --regexp ' 404$'
	run api -X POST -d '{"Cmd": []}' -w ' %{http_code}' http://d/containers/ex5/exec
	assert_output --regexp ' 400$'
	# a client killed in the middle: its process goes too
	timeout -s KILL 1 /usr/bin/docker exec ex5 sh -c 'echo $$ > /tmp/pid; exec sleep 30' || true
	sleep 0.5
	run docker exec ex5 sh -c 'kill -0 $(cat /tmp/pid) 2>/dev/null && echo alive || echo gone'
	assert_output gone
}

@test "api exec: into a VM container (--isolation vm): streams, stdin, -d, -t, exit codes" {
	command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86 is not installed"
	ls /boot/vmlinuz-*-cloud-amd64 >/dev/null 2>&1 || skip "linux-image-cloud-amd64 is not installed"
	docker run -d --name exv --isolation vm berth/default sleep 120
	# the guest's kernel answers: the exec ran in the VM, not on the host
	run --separate-stderr docker exec exv sh -c 'echo out; echo err >&2; uname -r; exit 3'
	assert_equal "$status" 3
	assert_line --index 0 out
	assert_line --index 1 --regexp 'cloud-amd64$'
	assert_equal "$stderr" err
	run sh -c "echo hi | DOCKER_HOST=$DOCKER_HOST timeout 60 /usr/bin/docker exec -i exv cat"
	assert_success
	assert_output hi
	docker exec -d exv sh -c 'echo mark > /tmp/m'
	sleep 1
	run docker exec exv cat /tmp/m
	assert_output mark
	run script -qec "DOCKER_HOST=$DOCKER_HOST timeout --foreground 60 /usr/bin/docker exec -it exv sh -c 'test -t 0 && test -t 1 && echo tty; exit 4'" /dev/null
	assert_equal "$status" 4
	assert_output --partial tty
	run -127 docker exec exv /nonexistent
	cid=$(docker inspect -f '{{.Id}}' exv)
	run curl -s --unix-socket "$SOCK" "http://d/exec/$(ls "$STORE/containers/$cid/execs/" | grep json | head -1 | cut -d. -f1)/json"
	assert_output --regexp '"Running":false'
	docker rm -f exv
}

@test "api exec: a VM container's terminal takes the size of the CLI's and of POST /exec/{id}/resize" {
	command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86 is not installed"
	ls /boot/vmlinuz-*-cloud-amd64 >/dev/null 2>&1 || skip "linux-image-cloud-amd64 is not installed"
	command -v script >/dev/null || skip "script (util-linux) is not installed"
	[ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import docker' 2>/dev/null ||
		skip "Debian's python3-docker is not installed"
	docker run -d --name exw --isolation vm berth/default sleep 300
	# the guest's pty starts without a size (busybox's stty size prints none): the process
	# waits until the size the CLI sends after the start reaches it (never: the timeout, 124)
	run script -qec "stty rows 27 cols 93; DOCKER_HOST=$DOCKER_HOST timeout --foreground 60 /usr/bin/docker exec -it exw sh -c 'until s=\$(stty size 2>/dev/null) && [ -n \"\$s\" ]; do sleep 0.1; done; echo size \$s; exit 5'" /dev/null
	assert_equal "$status" 5
	assert_output --partial 'size 27 93'
	# the resize endpoint on its own connection, while the process runs, as often as asked
	run timeout 90 /usr/bin/python3 - <<-'PY'
		import docker, os, socket
		c = docker.APIClient(base_url=os.environ["DOCKER_HOST"], version="1.41", timeout=60)
		script = ('echo ready; for want in "41 121" "12 34"; do '
		      'until [ "$(stty size)" = "$want" ]; do sleep 0.1; done; echo "got $want"; '
		      'done; exit 7')
		e = c.exec_create("exw", ["sh", "-c", script], tty=True)["Id"]
		sock = c.exec_start(e, tty=True, socket=True)._sock
		sock.settimeout(60)
		out = b""
		for want, (h, w) in ((b"ready", (41, 121)), (b"got 41 121", (12, 34))):
		    while want not in out:
		        chunk = sock.recv(4096)
		        assert chunk, out
		        out += chunk
		    c.exec_resize(e, height=h, width=w)
		while True:
		    chunk = sock.recv(4096)
		    if not chunk:
		        break
		    out += chunk
		print(out.decode().replace("\r", ""))
		print("exit", c.exec_inspect(e)["ExitCode"])
	PY
	assert_success
	assert_line 'got 41 121'
	assert_line 'got 12 34'
	assert_line 'exit 7'
	docker rm -f exw
}
