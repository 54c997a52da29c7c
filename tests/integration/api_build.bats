#!/usr/bin/env bats
# POST /build through `berth system service` (issue #18): Debian's docker CLI 20.10 with
# DOCKER_BUILDKIT=0 (the classic builder's API), python3-docker 5.0's images.build and
# docker-compose 1.29's build, on berth's builder. The stream is the classic builder's
# ("Step 1/9 : ...", " ---> Using cache", "Successfully built ..."); a failed RUN ends it with
# its output and error, nothing tagged; a context cannot reach outside itself; a client that
# leaves cancels the build and nothing is left; a base image is pulled with the client's
# credentials (X-Registry-Config).

load helpers

setup() {
	store_setup
	[ -x /usr/bin/docker ] || skip "Debian's docker.io (the docker CLI) is not installed"
	api_service_start
	export DOCKER_BUILDKIT=0
	CTX="$WORK/ctx"
	mkdir -p "$CTX/sub"
}

teardown() {
	[ -z "${CLIENT:-}" ] || kill "$CLIENT" 2>/dev/null || true
	[ -z "${CLIENT:-}" ] || wait "$CLIENT" 2>/dev/null || true
	registry_stop
	# a build whose client left stops at once, its cleaning up may take a moment
	for _ in $(seq 100); do pgrep -P "$SERVICE" >/dev/null || break; sleep 0.1; done
	local left
	left=$(api_service_stop)
	store_teardown
	[ -z "$left" ] || { echo "left behind: $left" >&2; return 1; }
}

docker() { timeout 60 /usr/bin/docker "$@"; }

# No build session, build container or RUN process left in the store.
no_build_left() {
	run sh -c "ls '$STORE/build' 2>/dev/null | grep -c '^session-'"
	assert_output 0
	run berth ps -aq
	assert_output ""
	run berth system check
	refute_output --partial "build"
}

@test "api build: docker build -t of stages, ARG/--build-arg, COPY, RUN, .dockerignore; the image runs; a rebuild is cached" {
	cat >"$CTX/Dockerfile" <<'EOF'
ARG BASE=berth/default
FROM ${BASE} AS build
ARG MSG=default
COPY . /src/
RUN echo "building $MSG" && cat /src/sub/a.txt > /out.txt && echo "msg=$MSG" >> /out.txt && ls /src > /listing
RUN echo to-stderr >&2
FROM berth/default
COPY --from=build /out.txt /listing /
CMD ["cat", "/out.txt", "/listing"]
EOF
	echo hello-a >"$CTX/sub/a.txt"
	echo secret >"$CTX/ignored.txt"
	echo ignored.txt >"$CTX/.dockerignore"
	run docker build -t mine:v1 --build-arg MSG=given --build-arg UNUSED=1 "$CTX"
	assert_success
	assert_line "Step 1/9 : ARG BASE=berth/default"
	assert_line "Step 2/9 : FROM \${BASE} AS build"
	assert_line --partial "Step 5/9 : RUN echo \"building \$MSG\""
	assert_line "building given"
	assert_output --partial "to-stderr"
	assert_line "Step 9/9 : CMD [\"cat\", \"/out.txt\", \"/listing\"]"
	# the unused build arg noted at the end, as the classic builder does
	assert_equal "$(echo "$output" | tail -3 | head -1)" "[Warning] One or more build-args [UNUSED] were not consumed"
	assert_line --regexp '^Successfully built [0-9a-f]{12}$'
	assert_line "Successfully tagged mine:v1"
	refute_output --partial "Using cache"
	id=$(echo "$output" | sed -n 's/^Successfully built //p')
	run docker image inspect -f '{{.Id}}' mine:v1
	assert_output --regexp "^sha256:$id"
	run docker run --rm mine:v1
	assert_success
	assert_line hello-a
	assert_line msg=given
	refute_line ignored.txt # .dockerignore kept it out of the context
	assert_line sub
	# the same build again: every step from the cache, the same image
	run docker build -t mine:v1 --build-arg MSG=given "$CTX"
	assert_success
	assert_equal "$(echo "$output" | grep -c -- '---> Using cache')" 6
	assert_line "Successfully built $id"
	# -q: the id alone
	run docker build -q --build-arg MSG=given "$CTX"
	assert_success
	assert_output "$(docker inspect -f '{{.Id}}' mine:v1)"
	no_build_left
}

@test "api build: a failing RUN fails docker build with its output, error and exit code; nothing tagged" {
	printf 'FROM berth/default\nRUN echo about-to-fail; exit 3\n' >"$CTX/Dockerfile"
	run docker build -t bad:v1 "$CTX"
	assert_failure 3
	assert_line "Step 2/2 : RUN echo about-to-fail; exit 3"
	assert_line about-to-fail
	assert_output --partial 'did not complete successfully: exit code: 3'
	refute_output --partial "Successfully"
	run docker image inspect bad:v1
	assert_failure
	# errors before the build: Docker's statuses
	printf 'FROM berth/default\nBOGUS x\n' >"$CTX/Dockerfile"
	run docker build "$CTX"
	assert_failure
	assert_output --partial "Error response from daemon: Dockerfile:2: unknown instruction: BOGUS"
	run curl -s -o /dev/null -w '%{http_code}' --unix-socket "$SOCK" -X POST \
		'http://x/v1.41/build?buildargs=%7Bbad'
	assert_output 400
	run sh -c "tar -C '$CTX/sub' -cf - . | curl -s -w ' %{http_code}' --unix-socket '$SOCK' -X POST --data-binary @- http://x/v1.41/build"
	assert_output '{"message":"Cannot locate specified Dockerfile: Dockerfile"}
 500'
	run curl -s -o /dev/null -w '%{http_code}' --unix-socket "$SOCK" -X POST \
		'http://x/v1.41/build?t=UPPER:x'
	assert_output 500 # dockerd's tagger
	run curl -s -w ' %{http_code}' --unix-socket "$SOCK" -X POST 'http://x/v1.41/build?version=2'
	assert_output --partial "DOCKER_BUILDKIT=0"
	assert_output --partial " 501"
	no_build_left
}

@test "api build: a context with ../ entries or an absolute link cannot reach outside it; compressed contexts" {
	/usr/bin/python3 - "$WORK" <<'PY'
import io, sys, tarfile
work = sys.argv[1]
def tar(path, entries):
    with tarfile.open(path, "w") as t:
        for name, data, link in entries:
            ti = tarfile.TarInfo(name)
            if link:
                ti.type, ti.linkname = tarfile.SYMTYPE, link
            ti.size = len(data)
            t.addfile(ti, io.BytesIO(data))
tar(work + "/dotdot.tar", [("Dockerfile", b"FROM berth/default\nCOPY . /c/\n", None),
                           ("../escaped.txt", b"x", None)])
tar(work + "/abs.tar", [("Dockerfile", b"FROM berth/default\nCOPY abs/hostname /got\n", None),
                        ("abs", b"", "/etc")])
PY
	run sh -c "docker build -t dotdot - <'$WORK/dotdot.tar'"
	assert_failure
	assert_output --partial "leads out of the layer"
	[ ! -e "$WORK/escaped.txt" ] && [ ! -e "$STORE/escaped.txt" ] && [ ! -e "$STORE/build/escaped.txt" ]
	run sh -c "docker build -t abs - <'$WORK/abs.tar'"
	assert_failure
	assert_output --partial '"/abs/hostname": not found' # /etc of the context, not the host's
	# the tar compressed, as dockerd takes it
	printf 'FROM berth/default\nCOPY f /f\n' >"$CTX/Dockerfile"
	echo compressed >"$CTX/f"
	for z in gzip xz bzip2; do
		run sh -c "tar -C '$CTX' -c -f - . | $z | curl -s --unix-socket '$SOCK' -X POST --data-binary @- 'http://x/v1.41/build?t=ctx-$z&q=1'"
		assert_output --regexp '^\{"stream":"sha256:[0-9a-f]{64}\\n"\}'
	done
	run docker run --rm ctx-xz cat /f
	assert_output compressed
	no_build_left
}

@test "api build: a client that leaves cancels the build; nothing is left" {
	printf 'FROM berth/default\nRUN echo started; sleep 60; echo never\n' >"$CTX/Dockerfile"
	/usr/bin/docker build -t slow "$CTX" >"$WORK/client.out" 2>&1 &
	CLIENT=$!
	for _ in $(seq 300); do grep -qx started "$WORK/client.out" && break; sleep 0.1; done
	run cat "$WORK/client.out"
	assert_line started
	kill "$CLIENT"
	wait "$CLIENT" || true
	CLIENT=
	for _ in $(seq 100); do [ -z "$(berth ps -aq)" ] && ! pgrep -f 'sleep 60; echo never' >/dev/null && break; sleep 0.1; done
	run pgrep -f 'sleep 60; echo never'
	assert_failure
	no_build_left
	run docker image inspect slow
	assert_failure
}

@test "api build: python3-docker images.build (path, fileobj, a failure) and docker-compose build" {
	[ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import docker' 2>/dev/null ||
		skip "Debian's python3-docker is not installed"
	printf 'FROM berth/default\nARG MSG=default\nRUN echo "$MSG" > /m\n' >"$CTX/Dockerfile"
	run /usr/bin/python3 - "$CTX" <<'PY'
import io, sys, docker
c = docker.from_env()
img, logs = c.images.build(path=sys.argv[1], tag="py:v1", buildargs={"MSG": "from-path"})
print(img.tags, "".join(l.get("stream", "") for l in logs).count("Step "))
print(c.containers.run("py:v1", ["cat", "/m"], remove=True).decode().strip())
img, _ = c.images.build(fileobj=io.BytesIO(b"FROM berth/default\nRUN echo fileobj > /f\n"), tag="py:v2")
print(img.tags, c.containers.run("py:v2", ["cat", "/f"], remove=True).decode().strip())
try:
    c.images.build(fileobj=io.BytesIO(b"FROM berth/default\nRUN exit 5\n"), tag="py:bad")
except docker.errors.BuildError as e:
    print("BuildError", "exit code: 5" in e.msg)
PY
	assert_success
	assert_output "['py:v1'] 3
from-path
['py:v2'] fileobj
BuildError True"
	command -v docker-compose >/dev/null || skip "docker-compose is not installed"
	mkdir -p "$WORK/cproj/app"
	printf 'FROM berth/default\nARG GREETING=hi\nRUN echo "$GREETING from compose" > /greeting\nCMD ["cat", "/greeting"]\n' >"$WORK/cproj/app/Dockerfile"
	cat >"$WORK/cproj/docker-compose.yml" <<'YML'
version: "3.8"
services:
  app:
    build:
      context: ./app
      args:
        GREETING: hello
    image: cproj_app:latest
YML
	cd "$WORK/cproj"
	# compose's own build through the SDK (not a docker CLI from PATH)
	run env COMPOSE_DOCKER_CLI_BUILD=0 timeout 120 docker-compose build
	assert_success
	assert_output --partial "Successfully tagged cproj_app:latest"
	run docker run --rm cproj_app:latest
	assert_output "hello from compose"
	no_build_left
}

@test "api build: FROM an image of a registry that wants a login: the pull takes X-Registry-Config's credentials" {
	registry_start auth
	run bash -c "echo s3cret | '$BERTH' --root '$STORE' login --cert-dir '$REG_DIR/certs' -u tester --password-stdin '$REG'"
	assert_success
	run berth push --cert-dir "$REG_DIR/certs" berth/default "$REG/a/base:1"
	assert_success
	run berth logout "$REG" # the engine's own file has no credentials now: only the client's
	assert_success
	printf 'FROM %s/a/base:1\nRUN echo built-on-private\n' "$REG" >"$CTX/Dockerfile"
	run docker build -t priv "$CTX"
	assert_failure
	assert_output --partial "Step 1/2 : FROM $REG/a/base:1"
	run sh -c "echo s3cret | timeout 30 /usr/bin/docker login -u tester --password-stdin $REG"
	assert_success
	run docker build -t priv "$CTX"
	assert_success
	assert_output --partial "Pulling from a/base"
	assert_line built-on-private
	assert_line "Successfully tagged priv:latest"
	no_build_left
}
