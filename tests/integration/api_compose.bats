#!/usr/bin/env bats
# Debian's docker-compose 1.29 and python3-docker 5.0 through `berth system service`
# (issue #18): a project of two services on a network of its own, with a named volume, a
# healthcheck and depends_on, up, ps, exec, down -v; the SDK's run, logs and remove.

load helpers

setup() {
	store_setup
	command -v docker-compose >/dev/null || skip "docker-compose is not installed"
	api_service_start
	mkdir -p "$WORK/proj"
}

teardown() {
	local left
	left=$(api_service_stop)
	store_teardown
	[ -z "$left" ] || { echo "left behind: $left" >&2; return 1; }
}

@test "api: docker-compose up -d, ps, exec, down -v of two services, a network and a volume" {
	cat >"$WORK/proj/docker-compose.yml" <<'YML'
version: "3.8"
services:
  web:
    image: berth/default
    command: ["sh", "-c", "echo web up; sleep 300"]
    networks: [appnet]
    volumes: [data:/data]
    healthcheck:
      test: ["CMD", "true"]
      interval: 2s
  worker:
    image: berth/default
    command: ["sh", "-c", "echo worker up; sleep 300"]
    depends_on: [web]
    networks: [appnet]
networks:
  appnet: {}
volumes:
  data: {}
YML
	cd "$WORK/proj"
	run timeout 60 docker-compose up -d
	assert_success
	assert_output --partial 'Creating proj_worker_1'
	run timeout 30 docker-compose ps
	assert_output --regexp 'proj_web_1 .* Up'
	assert_output --regexp 'proj_worker_1 .* Up'
	# logs: each service's output, prefixed with its name as compose prints it
	run timeout 30 docker-compose logs --no-color
	assert_success
	assert_line --regexp '^web_1 +\| web up$'
	assert_line --regexp '^worker_1 +\| worker up$'
	# what compose made is berth's: the network, the volume, the labels it finds them by
	run berth network ls --format '{{.Name}}'
	assert_line proj_appnet
	run berth volume ls --format '{{.Name}}'
	assert_line proj_data
	run berth ps --filter label=com.docker.compose.project=proj -q
	assert_equal "$(echo "$output" | wc -l)" 2
	# the services reach each other by name on their network
	run timeout 30 docker-compose exec -T worker sh -c 'echo from-worker > /dev/null; ping -c 1 -W 2 web >/dev/null && echo reached'
	assert_output reached
	run timeout 30 docker-compose exec -T web sh -c 'echo kept > /data/f; cat /data/f'
	assert_output kept
	# a second up finds the project as it left it: the network's options are those of the
	# file (none), not a bridge name berth chose; nothing is recreated
	run timeout 60 docker-compose up -d
	assert_success
	assert_output --partial 'proj_web_1 is up-to-date'
	refute_output --partial 'Recreating'
	run /usr/bin/docker network inspect -f '{{json .Options}}' proj_appnet
	assert_output '{}'
	run timeout 60 docker-compose down -v
	assert_success
	run berth ps -aq
	assert_output ""
	run berth network ls --format '{{.Name}}'
	refute_line proj_appnet
	run berth volume ls -q
	assert_output ""
}

@test "api: python3-docker (Debian's SDK): run, logs, exit status, remove" {
	[ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import docker' 2>/dev/null ||
		skip "Debian's python3-docker is not installed"
	run /usr/bin/python3 - <<'PY'
import docker
c = docker.from_env()
out = c.containers.run("berth/default", ["sh", "-c", "echo from-sdk"], remove=True)
print(out.decode().strip())
ct = c.containers.run("berth/default", ["sh", "-c", "echo logged; exit 3"], detach=True)
print(ct.wait()["StatusCode"])
print(ct.logs().decode().strip())
ct.remove()
print(len(c.containers.list(all=True)))
print(c.version()["ApiVersion"])
PY
	assert_success
	assert_output "from-sdk
3
logged
0
1.41"
}
