#!/usr/bin/env bats
# berth compose up/down/ps/logs/ls/stop/start/rm (issue #19, src/app/): a project's networks,
# volumes and containers made with Compose v2's names and labels, healthcheck-gated startup,
# services reaching each other by name and alias, a published port reached on 127.0.0.1, a
# second up that makes again only what changed, replicas and --scale, a failure half-way that
# names its service and leaves the others, a file that is not valid creating nothing, and down
# -v leaving nothing. Only the built-in image (offline): busybox's httpd, wget and sh.
load helpers

setup() {
	compose_setup
}

# the project down first, then what a test started beside it (a `compose up` in the
# background, the API service, a registry), then the rest of compose_teardown
teardown() {
	compose_down
	[ -z "$UPPID" ] || kill "$UPPID" 2>/dev/null || true
	local svc=""
	if [ -n "${SERVICE:-}" ]; then
		# the service and its connection processes take a moment to end (longer under ASan)
		kill "$SERVICE" 2>/dev/null || true
		for _ in $(seq 50); do
			pgrep -f "system service --time 0 unix://$WORK/" >/dev/null || break
			sleep 0.1
		done
		svc=$(api_service_stop)
	fi
	registry_stop
	compose_teardown ${svc:+"service:$svc"}
}

# db serves a page on a user network, healthy once it does; web waits for that, fetches the
# page by db's alias and serves it on a published port.
shop_file() {
	cat >compose.yaml <<YML
services:
  db:
    image: berth/default
    command: ["sh", "-c", "mkdir -p /www && echo from-db-\$\$(cat /data/n 2>/dev/null || echo 0) >/www/index.html && echo 1 >/data/n && exec httpd -f -p 8000 -h /www"]
    init: true
    environment:
      DBGEN: "\${DBGEN:-1}"
    volumes: [data:/data]
    networks:
      back:
        aliases: [database]
    healthcheck:
      test: ["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8000/"]
      interval: 1s
      retries: 20
  web:
    image: berth/default
    command: ["sh", "-c", "wget -q -O /www/index.html http://database:8000/ && echo fetched && exec httpd -f -p 80 -h /www"]
    environment:
      GEN: "\${GEN:-1}"
    init: true
    tmpfs: [/www]
    ports: ["127.0.0.1:18080:80"]
    depends_on:
      db:
        condition: service_healthy
        restart: true
    networks: [back, default]
networks:
  back:
volumes:
  data:
YML
}

@test "compose up -d: networks, a volume, healthcheck-gated start, names, a published port; ps; down -v leaves nothing" {
	shop_file
	run berth compose up -d
	assert_success
	assert_line " Network shop_back  Created"
	assert_line " Network shop_default  Created"
	assert_line " Volume \"shop_data\"  Created"
	assert_line " Container shop-db-1  Started"
	assert_line " Container shop-db-1  Healthy"
	assert_line " Container shop-web-1  Started"
	# db was healthy before web was even created
	[ "$(echo "$output" | grep -n 'shop-db-1  Healthy' | cut -d: -f1)" -lt \
		"$(echo "$output" | grep -n 'shop-web-1  Creating' | cut -d: -f1)" ]
	for _ in $(seq 50); do curl -sf http://127.0.0.1:18080/ >/dev/null && break; sleep 0.1; done
	run curl -sf http://127.0.0.1:18080/
	assert_success
	assert_output "from-db-0"
	run berth compose ps
	assert_success
	assert_line --index 0 --regexp '^NAME +IMAGE +COMMAND +SERVICE +CREATED +STATUS +PORTS$'
	assert_line --regexp '^shop-db-1 +berth/default +.* db +.*Up .*\(healthy\)'
	assert_line --regexp '^shop-web-1 +berth/default +.* web +.*127.0.0.1:18080->80/tcp$'
	run berth compose ps --services
	assert_output "$(printf 'db\nweb')"
	run berth compose ps --format json
	[ "$(echo "$output" | jq -rs 'map(.Service + ":" + .State + ":" + .Project) | join(",")')" = \
		"db:running:shop,web:running:shop" ]
	run berth inspect --format '{{index .Config.Labels "com.docker.compose.project"}} {{index .Config.Labels "com.docker.compose.service"}} {{index .Config.Labels "com.docker.compose.container-number"}} {{index .Config.Labels "com.docker.compose.oneoff"}}' shop-web-1
	assert_output "shop web 1 False"
	run berth network inspect --format '{{index .Labels "com.docker.compose.project"}} {{index .Labels "com.docker.compose.network"}}' shop_back
	assert_output "shop back"
	run berth compose logs web
	assert_success
	assert_output "web-1  | fetched"
	run berth compose ls
	assert_line --regexp '^shop +running\(2\) +'
	run berth compose down -v
	assert_success
	assert_line " Container shop-web-1  Removed"
	assert_line " Container shop-db-1  Removed"
	assert_line " Network shop_back  Removed"
	assert_line " Volume \"shop_data\"  Removed"
	# web (the dependent) went first
	[ "$(echo "$output" | grep -n 'shop-web-1  Removed' | cut -d: -f1)" -lt \
		"$(echo "$output" | grep -n 'shop-db-1  Stopping' | cut -d: -f1)" ]
	[ -z "$(berth ps -aq)" ]
	run berth network ls --format '{{.Name}}'
	refute_output --partial shop_
	[ -z "$(berth volume ls -q)" ]
}

@test "compose up: a second up makes again only the service whose config changed; the volume stays" {
	shop_file
	run berth compose up -d
	assert_success
	db=$(berth inspect --format '{{.Id}}' shop-db-1)
	web=$(berth inspect --format '{{.Id}}' shop-web-1)
	run berth compose up -d
	assert_success
	assert_line " Container shop-db-1  Running"
	assert_line " Container shop-web-1  Running"
	[ "$(berth inspect --format '{{.Id}}' shop-web-1)" = "$web" ]
	GEN=2 run berth compose up -d
	assert_success
	assert_line " Container shop-db-1  Running"
	assert_line " Container shop-web-1  Recreated"
	[ "$(berth inspect --format '{{.Id}}' shop-db-1)" = "$db" ]
	[ "$(berth inspect --format '{{.Id}}' shop-web-1)" != "$web" ]
	web=$(berth inspect --format '{{.Id}}' shop-web-1)
	DBGEN=2 GEN=2 run berth compose up -d
	assert_success
	assert_line " Container shop-db-1  Recreated"
	# depends_on's restart: true: web is restarted (not made again) after db
	assert_line " Container shop-web-1  Restarting"
	[ "$(berth inspect --format '{{.Id}}' shop-web-1)" = "$web" ]
	run berth compose up -d --force-recreate db
	assert_success
	assert_line " Container shop-db-1  Recreated"
	# the named volume kept what the first db wrote
	for _ in $(seq 50); do curl -sf http://127.0.0.1:18080/ >/dev/null && break; sleep 0.1; done
	run berth compose down
	assert_success
	refute_line --partial "Volume"
	[ "$(berth volume ls -q)" = shop_data ]
}

@test "compose up: replicas and --scale; stop, start, rm; --remove-orphans" {
	cat >compose.yaml <<'YML'
services:
  w:
    image: berth/default
    command: ["sleep", "1000"]
    stop_signal: SIGKILL
    deploy:
      replicas: 2
  solo:
    image: berth/default
    command: ["sleep", "1000"]
    stop_grace_period: 0s
YML
	run berth compose up -d --wait
	assert_success
	assert_line " Container shop-w-1  Started"
	assert_line " Container shop-w-2  Started"
	run berth compose up -d --scale w=1
	assert_success
	assert_line " Container shop-w-2  Removed"
	run berth compose ps -a --format json
	[ "$(echo "$output" | jq -rs 'map(.Name) | join(",")')" = "shop-solo-1,shop-w-1" ]
	run berth compose stop solo
	assert_success
	assert_line " Container shop-solo-1  Stopped"
	run berth compose ps
	refute_output --partial shop-solo-1
	run berth compose start
	assert_success
	assert_line " Container shop-solo-1  Started"
	run berth compose rm -fs solo
	assert_success
	assert_line " Container shop-solo-1  Removed"
	sed -i '/^  solo:/,$d' compose.yaml
	berth run -d --name stray -l com.docker.compose.project=shop -l com.docker.compose.service=gone berth/default sleep 1000
	run berth compose up -d
	assert_success
	assert_line --partial "Found orphan containers ([stray])"
	run berth compose up -d --remove-orphans
	assert_line " Container stray  Removed"
}

@test "compose up: a failure half-way names its service and leaves the others; a bad file creates nothing" {
	cat >compose.yaml <<'YML'
services:
  a:
    image: berth/default
    command: ["sleep", "1000"]
    stop_signal: SIGKILL
    ports: ["127.0.0.1:18081:80"]
  b:
    image: berth/default
    command: ["sleep", "1000"]
    depends_on: [a]
    ports: ["127.0.0.1:18081:81"]
YML
	run berth compose up -d
	assert_failure
	assert_output --partial "service b"
	assert_output --partial "already allocated"
	run berth compose ps --format json
	[ "$(echo "$output" | jq -rs 'map(.Name) | join(",")')" = "shop-a-1" ]
	run berth compose down
	assert_success
	# an image that is not there fails before anything is made
	cat >compose.yaml <<'YML'
services:
  a:
    image: berth/default
  b:
    image: berth-test/missing
    pull_policy: never
YML
	run berth compose up -d
	assert_failure
	assert_output --partial "service 'b'"
	assert_output --partial "no such image: berth-test/missing"
	[ -z "$(berth ps -aq)" ]
	run berth network ls --format '{{.Name}}'
	refute_output --partial shop_
	cat >compose.yaml <<'YML'
services:
  a:
    image: berth/default
    restrat: always
YML
	run berth compose up -d
	[ "$status" -eq 15 ]
	assert_output --partial "restrat"
	cat >compose.yaml <<'YML'
services:
  a:
    image: berth/default
    secrets: [s]
    blkio_config: {weight: 300}
secrets:
  s:
    external: true
YML
	run berth compose up -d
	[ "$status" -eq 15 ]
	assert_output --partial "'blkio_config' is not supported"
	sed -i '/blkio_config/d' compose.yaml
	run berth compose up -d
	[ "$status" -eq 15 ]
	assert_output --partial "secret 's': unsupported external secret s"
	[ -z "$(berth ps -aq)" ]
	run berth network ls --format '{{.Name}}'
	refute_output --partial shop_
}

@test "compose up: service_completed_successfully waits for exit 0, and fails naming the service" {
	cat >compose.yaml <<'YML'
services:
  init:
    image: berth/default
    command: ["sh", "-c", "exit ${CODE:-0}"]
  app:
    image: berth/default
    command: ["sleep", "1000"]
    stop_signal: SIGKILL
    depends_on:
      init:
        condition: service_completed_successfully
YML
	run berth compose up -d
	assert_success
	assert_line " Container shop-init-1  Exited"
	assert_line " Container shop-app-1  Started"
	berth compose down >/dev/null
	CODE=3 run berth compose up -d
	assert_failure
	assert_output --partial "service \"init\" didn't complete successfully: exit 3"
	run berth compose ps -a --format json
	[ "$(echo "$output" | jq -rs 'map(.Name) | join(",")')" = "shop-init-1" ]
}

@test "compose up without -d: prefixed logs until a signal, then the services stop" {
	cat >compose.yaml <<'YML'
services:
  talk:
    image: berth/default
    command: ["sh", "-c", "echo hello; exec sleep 1000"]
    init: true
YML
	# the binary itself, not the helper function (a background function is a subshell,
	# which would get the signal)
	"$BERTH" --root "$STORE" --runroot "$RUNROOT" compose up >"$WORK/out" 2>"$WORK/err" &
	UPPID=$!
	for _ in $(seq 100); do grep -q hello "$WORK/out" && break; sleep 0.1; done
	kill -INT "$UPPID"
	st=0
	wait "$UPPID" || st=$?
	UPPID=
	[ "$st" -eq 130 ]
	run cat "$WORK/out"
	assert_line "talk-1  | hello"
	run cat "$WORK/err"
	assert_line "Gracefully stopping... (press Ctrl+C again to force)"
	assert_line " Container shop-talk-1  Stopped"
	run berth compose ps -a --format json
	[ "$(echo "$output" | jq -r .State)" = exited ]
}

@test "compose exec, run, port, top, images, pause, kill: the service's container found by its labels" {
	cat >compose.yaml <<'YML'
services:
  db:
    image: berth/default
    command: ["sleep", "1000"]
    stop_signal: SIGKILL
    ports: ["127.0.0.1:18090:80"]
  app:
    image: berth/default
    command: ["sleep", "1000"]
    stop_signal: SIGKILL
    environment: {X: from-file}
    depends_on: [db]
YML
	# run brings up the dependencies first, then the one-off container, gone with --rm
	run berth compose run --rm -T app sh -c 'echo X=$X; grep -c " db " /etc/hosts'
	assert_success
	assert_line " Container shop-db-1  Started"
	assert_line "X=from-file"
	assert_line "1"
	run berth compose ps -a --format json
	[ "$(echo "$output" | jq -rs 'map(.Name) | join(",")')" = "shop-db-1" ]
	id=$(berth compose run -d app true 2>/dev/null)
	run berth inspect --format '{{.Name}} {{index .Config.Labels "com.docker.compose.oneoff"}}' "$id"
	assert_output --regexp '^/?shop-app-run-[0-9a-f]{12} True$'
	run berth compose exec -T -e Y=2 db sh -c 'echo Y=$Y; exit 3'
	[ "$status" -eq 3 ]
	assert_output "Y=2"
	run berth compose exec -T app true
	assert_failure
	assert_output --partial 'service "app" is not running'
	run berth compose port db 80
	assert_output "127.0.0.1:18090"
	run berth compose top db
	assert_line --index 0 shop-db-1
	assert_output --partial "sleep 1000"
	run berth compose images -q
	[ "$(echo "$output" | sort -u | wc -l)" -eq 1 ]
	run berth compose pause db
	assert_line " Container shop-db-1  Paused"
	run berth compose unpause db
	assert_line " Container shop-db-1  Unpaused"
	run berth compose kill db
	assert_line " Container shop-db-1  Killed"
	run berth compose down
	assert_success
	assert_line --regexp "^ Container shop-app-run-[0-9a-f]{12}  Removed$"
	[ -z "$(berth ps -aq)" ]
}

# Debian's docker-compose 1.29 through berth's API service on the same store: each finds the
# other's containers by Compose's labels. v1 names containers proj_web_1 (v2 and berth:
# proj-web-1) and hashes the config otherwise, so berth's up makes v1's containers again.
@test "compose: docker-compose 1.29's containers found by berth compose, berth's by docker-compose" {
	command -v docker-compose >/dev/null || skip "docker-compose is not installed"
	api_service_start
	cat >compose.yaml <<'YML'
services:
  web:
    image: berth/default
    command: ["sleep", "300"]
    stop_signal: SIGKILL
YML
	run timeout 60 docker-compose up -d
	assert_success
	run berth compose ps --format json
	[ "$(echo "$output" | jq -r '.Name + " " + .Service')" = "shop_web_1 web" ]
	run berth compose up -d
	assert_success
	assert_line " Container shop-web-1  Recreated"
	run timeout 30 docker-compose ps
	assert_line --regexp '^shop-web-1 +sleep 300 +Up'
	run timeout 60 docker-compose down
	assert_success
	[ -z "$(berth ps -aq)" ]
}

@test "compose down: independent services stop at the same time, dependents first" {
	cat >compose.yaml <<'YML'
services:
  a:
    image: berth/default
    command: ["sleep", "1000"]
    stop_grace_period: 3s
  b:
    image: berth/default
    command: ["sleep", "1000"]
    stop_grace_period: 3s
  c:
    image: berth/default
    command: ["sleep", "1000"]
    stop_grace_period: 3s
    depends_on: [a, b]
YML
	run berth compose up -d
	assert_success
	# sleep as PID 1 ignores SIGTERM: each stop waits its 3 s; c, then a and b together (9 s one after the other)
	t0=$(date +%s%N)
	run berth compose down
	t1=$(date +%s%N)
	assert_success
	[ $(((t1 - t0) / 1000000)) -lt 8500 ]
	[ "$(echo "$output" | grep -n 'shop-c-1  Stopped' | cut -d: -f1)" -lt \
		"$(echo "$output" | grep -n 'shop-a-1  Stopping' | cut -d: -f1)" ]
}

@test "compose build: build.secrets as Compose v2 hands them to the builder (file: and environment:, id the target or the name)" {
	mkdir -p app
	echo file-secret >tok.txt
	cat >app/Dockerfile <<'EOF2'
FROM berth/default
RUN --mount=type=secret,id=tok --mount=type=secret,id=envtok,env=ENVTOK \
	{ cat /run/secrets/tok; echo "$ENVTOK"; ls /run/secrets; } >/secrets.txt
CMD cat /secrets.txt; exec sleep 1000
EOF2
	cat >compose.yaml <<'YML'
services:
  app:
    build:
      context: ./app
      network: none
      secrets: [tok, {source: fromenv, target: envtok, mode: 0400}]
    stop_signal: SIGKILL
secrets:
  tok: {file: ./tok.txt}
  fromenv: {environment: BUILD_TOKEN}
YML
	# a secret only a build uses is not left out of the model
	run berth compose config --format json
	assert_success
	[ "$(echo "$output" | jq -c '.services.app.build.secrets')" = '[{"source":"tok"},{"mode":256,"source":"fromenv","target":"envtok"}]' ]
	[ "$(echo "$output" | jq -r '.secrets.fromenv.environment')" = BUILD_TOKEN ]
	BUILD_TOKEN=env-secret run berth compose build
	assert_success
	assert_line " Service app  Built"
	assert_line "WARN[0000] secrets \`uid\`, \`gid\` and \`mode\` are not supported by BuildKit, they will be ignored"
	run berth run --rm --network none shop-app cat /secrets.txt
	assert_success
	assert_output "$(printf 'file-secret\nenv-secret\ntok')"
	# nothing of them in the image
	run berth run --rm --network none shop-app ls /run/secrets
	assert_failure
	# a content: secret is not one a build can take (v2's words); an undefined one names its line
	printf '  other: {content: x}\n' >>compose.yaml
	sed -i 's/secrets: \[tok, /secrets: [other, tok, /' compose.yaml
	run berth compose build
	assert_failure
	assert_output --partial 'build.secrets only supports environment or file-based secrets: "other"'
	sed -i 's/secrets: \[other, /secrets: [nope, /' compose.yaml
	run berth compose build
	[ "$status" -eq 15 ]
	assert_output --partial "compose.yaml:6: services.app.build.secrets[0]: service 'app' refers to undefined secret 'nope'"
}

@test "compose build, and up: a service's image built when missing, again with --build, its container made again" {
	mkdir -p app
	cat >app/Dockerfile <<'EOF2'
FROM berth/default
ARG GREETING=hi
RUN echo "$GREETING v1" >/greeting
CMD cat /greeting; exec sleep 1000
EOF2
	cat >compose.yaml <<'YML'
services:
  app:
    build:
      context: ./app
      args:
        GREETING: hello
    stop_signal: SIGKILL
YML
	run berth compose up -d
	assert_success
	assert_line " Service app  Built"
	assert_line " Container shop-app-1  Started"
	run berth images --format '{{.Repository}}'
	assert_line shop-app
	for _ in $(seq 50); do berth logs shop-app-1 | grep -q hello && break; sleep 0.1; done
	run berth logs shop-app-1
	assert_output "hello v1"
	id=$(berth inspect --format '{{.Id}}' shop-app-1)
	# built already: not again
	run berth compose up -d
	assert_success
	refute_line --partial "Built"
	assert_line " Container shop-app-1  Running"
	sed -i 's/v1/v2/' app/Dockerfile
	run berth compose build
	assert_success
	assert_line " Service app  Built"
	# the image changed: up makes the container again from it
	run berth compose up -d
	assert_success
	assert_line " Container shop-app-1  Recreated"
	for _ in $(seq 50); do berth logs shop-app-1 | grep -q v2 && break; sleep 0.1; done
	run berth logs shop-app-1
	assert_output "hello v2"
	sed -i 's/v2/v3/' app/Dockerfile
	run berth compose up -d --build
	assert_success
	assert_line " Service app  Built"
	assert_line " Container shop-app-1  Recreated"
	# --rmi local: the image built under the project's name goes with the project
	run berth compose down --rmi local
	assert_success
	assert_line " Image shop-app  Removed"
	run berth images --format '{{.Repository}}'
	refute_line shop-app
}

@test "compose: usage errors as Compose v2's (cobra's messages, status 1); no command is the help" {
	run berth compose exec web
	[ "$status" -eq 1 ]
	assert_output "berth: requires at least 2 arg(s), only received 1"
	run berth compose run
	[ "$status" -eq 1 ]
	assert_output "berth: requires at least 1 arg(s), only received 0"
	run berth compose port web
	[ "$status" -eq 1 ]
	assert_output "berth: requires at least 2 arg(s), only received 1"
	run berth compose ls extra
	[ "$status" -eq 1 ]
	assert_output 'berth: unknown command "extra" for "berth compose ls"'
	run berth compose ps --bogus
	[ "$status" -eq 1 ]
	assert_output "berth: unknown flag: --bogus"
	run berth compose down --rmi some
	[ "$status" -eq 1 ]
	assert_output 'berth: invalid value for --rmi: "some"'
	run berth compose nothing
	[ "$status" -eq 1 ]
	assert_line 'berth: unknown berth command: "compose nothing"'
	run berth compose
	assert_success
	assert_line --partial "Usage:  berth compose"
	run berth compose up --help
	assert_success
}

@test "compose down SERVICE: that service and its dependents go, the rest stays, the network in use kept" {
	cat >compose.yaml <<'YML'
services:
  a:
    image: berth/default
    command: ["sleep", "1000"]
    stop_signal: SIGKILL
  b:
    image: berth/default
    command: ["sleep", "1000"]
    stop_signal: SIGKILL
  c:
    image: berth/default
    command: ["sleep", "1000"]
    stop_signal: SIGKILL
    depends_on: [b]
YML
	run berth compose up -d
	assert_success
	run berth compose down b
	assert_success
	assert_line " Container shop-c-1  Removed"
	assert_line " Container shop-b-1  Removed"
	refute_line --partial "shop-a-1"
	assert_line " Network shop_default  Resource is still in use"
	run berth compose ps --services
	assert_output a
	run berth compose down nothing
	[ "$status" -eq 1 ]
	assert_output "berth: no such service: nothing"
	run berth compose down
	assert_success
	assert_line " Network shop_default  Removed"
}

@test "compose up: the services of one level of the dependency graph are made at the same time" {
	cat >compose.yaml <<'YML'
services:
  a:
    image: berth/default
    command: ["sleep", "1000"]
    stop_grace_period: 3s
    environment: {GEN: "${GEN:-1}"}
  b:
    image: berth/default
    command: ["sleep", "1000"]
    stop_grace_period: 3s
    environment: {GEN: "${GEN:-1}"}
  c:
    image: berth/default
    command: ["sleep", "1000"]
    stop_signal: SIGKILL
    depends_on: [a, b]
YML
	run berth compose up -d
	assert_success
	# a and b changed: each is stopped (sleep as PID 1 ignores SIGTERM: its whole 3 s) and made
	# again, both at once (6 s one after the other); c, the next level, after both
	t0=$(date +%s%N)
	GEN=2 run berth compose up -d
	t1=$(date +%s%N)
	assert_success
	assert_line " Container shop-a-1  Recreated"
	assert_line " Container shop-b-1  Recreated"
	assert_line " Container shop-c-1  Running"
	[ $(((t1 - t0) / 1000000)) -lt 5500 ]
	[ "$(echo "$output" | grep -n 'shop-b-1  Recreate$' | cut -d: -f1)" -lt \
		"$(echo "$output" | grep -n 'shop-a-1  Recreated' | cut -d: -f1)" ]
	[ "$(echo "$output" | grep -n 'shop-a-1  Recreate$' | cut -d: -f1)" -lt \
		"$(echo "$output" | grep -n 'shop-b-1  Recreated' | cut -d: -f1)" ]
	run berth compose ps --services
	assert_output "$(printf 'a\nb\nc')"
	run berth compose down -t 0
	assert_success
}

@test "compose run: --label adds or overrides a label, --service-ports publishes the service's ports, -p others" {
	cat >compose.yaml <<'YML'
services:
  web:
    image: berth/default
    command: ["sleep", "1000"]
    stop_signal: SIGKILL
    ports: ["127.0.0.1:18095:80"]
    labels: {tier: front, keep: "yes"}
YML
	run berth compose run -d --label tier=back --label extra=1 --service-ports web sleep 1000
	assert_success
	# the network made first, as Compose's run makes it
	assert_line " Network shop_default  Created"
	id=${lines[${#lines[@]} - 1]}
	run berth inspect --format '{{index .Config.Labels "tier"}} {{index .Config.Labels "keep"}} {{index .Config.Labels "extra"}} {{index .Config.Labels "com.docker.compose.oneoff"}}' "$id"
	assert_output "back yes 1 True"
	run berth port "$id"
	assert_output "80/tcp -> 127.0.0.1:18095"
	id=$(berth compose run -d -p 127.0.0.1:18096:80 web sleep 1000)
	run berth port "$id"
	assert_output "80/tcp -> 127.0.0.1:18096"
	id=$(berth compose run -d web sleep 1000)
	run berth port "$id"
	assert_output ""
	run berth compose down --remove-orphans -t 0
	assert_success
}

@test "compose push: a built service's image and its build.tags, others skipped" {
	registry_start plain
	mkdir -p app
	printf 'FROM berth/default\nRUN echo pushed >/note\n' >app/Dockerfile
	cat >compose.yaml <<YML
services:
  app:
    image: $REG/shop/app:1
    build:
      context: ./app
      tags: ["$REG/shop/app:extra"]
  other:
    image: berth/default
YML
	run berth compose build
	assert_success
	run berth compose push
	assert_success
	assert_line " Image $REG/shop/app:1  Pushed"
	assert_line " Image $REG/shop/app:extra  Pushed"
	assert_line " Service other  Skipped"
	run curl -sf "http://$REG/v2/shop/app/tags/list"
	assert_success
	[ "$(echo "$output" | jq -r '.tags | sort | join(",")')" = "1,extra" ]
	# a registry that is not there: the service named, status 1; --ignore-push-failures goes on
	registry_stop
	run berth compose push app
	[ "$status" -eq 1 ]
	assert_output --partial "berth: service app: push $REG/shop/app:1"
	run berth compose push --ignore-push-failures
	assert_success
	assert_line --partial "Pushing app: push $REG/shop/app:1"
	berth rmi "$REG/shop/app:1" "$REG/shop/app:extra" >/dev/null
}

@test "compose config --resolve-image-digests: each image: pinned to its registry's digest now, as v2's WithImagesResolved" {
	registry_start plain
	run berth tag berth/default "$REG/shop/base:1"
	assert_success
	run berth push --tls-verify=false "$REG/shop/base:1"
	assert_success
	local digest
	digest=$(curl -sfI -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
		-H 'Accept: application/vnd.docker.distribution.manifest.v2+json' \
		-H 'Accept: application/vnd.oci.image.index.v1+json' \
		-H 'Accept: application/vnd.docker.distribution.manifest.list.v2+json' \
		"http://$REG/v2/shop/base/manifests/1" | tr -d '\r' | awk -F': ' 'tolower($1) == "docker-content-digest" {print $2}')
	[[ "$digest" == sha256:* ]]
	cat >compose.yaml <<YML
services:
  app:
    image: $REG/shop/base:1
  pinned:
    image: $REG/shop/base@$digest
  built:
    build: ./nowhere
YML
	run berth compose config --resolve-image-digests --format json
	assert_success
	[ "$(echo "$output" | jq -r .services.app.image)" = "$REG/shop/base:1@$digest" ]
	[ "$(echo "$output" | jq -r .services.pinned.image)" = "$REG/shop/base@$digest" ]
	[ "$(echo "$output" | jq -r .services.built.image)" = null ]
	# without the switch nothing is asked
	run berth compose config --format json
	[ "$(echo "$output" | jq -r .services.app.image)" = "$REG/shop/base:1" ]
	# a tag the registry does not have: the service and the image named, status 1
	sed -i 's|shop/base:1$|shop/base:nope|' compose.yaml
	run berth compose config --resolve-image-digests
	[ "$status" -eq 1 ]
	assert_output --partial "berth: service app: resolve image '$REG/shop/base:nope'"
	berth rmi "$REG/shop/base:1" >/dev/null
}

@test "compose logs and up on a terminal: each container's prefix in its colour; --no-color and NO_COLOR turn it off" {
	cat >compose.yaml <<'YML'
services:
  one:
    image: berth/default
    command: ["sh", "-c", "echo hello-one; exec sleep 1000"]
    stop_signal: SIGKILL
  two:
    image: berth/default
    command: ["sh", "-c", "echo hello-two; exec sleep 1000"]
    stop_signal: SIGKILL
YML
	run berth compose up -d
	assert_success
	for _ in $(seq 50); do berth compose logs | grep -q hello-two && break; sleep 0.1; done
	b="$BERTH --root $STORE --runroot $RUNROOT"
	run script -qec "timeout --foreground 30 $b compose logs" /dev/null
	assert_success
	assert_output --partial $'\e[36mone-1  | \e[0mhello-one'
	assert_output --partial $'\e[33mtwo-1  | \e[0mhello-two'
	run script -qec "timeout --foreground 30 $b compose logs --no-color" /dev/null
	refute_output --partial $'\e['
	assert_output --partial "one-1  | hello-one"
	run script -qec "NO_COLOR=1 timeout --foreground 30 $b compose logs" /dev/null
	refute_output --partial $'\e['
	# not a terminal: no colour (the other tests' exact lines)
	run berth compose logs one
	assert_output "one-1  | hello-one"
	run berth compose down -t 0
	assert_success
}

@test "compose up: secrets and configs from files, bound read-only where Compose puts them" {
	echo s3cret >token.txt
	echo "setting=1" >app.conf
	cat >compose.yaml <<'YML'
services:
  app:
    image: berth/default
    command: ["sh", "-c", "cat /run/secrets/token /run/secrets/other /conf /etc/app.conf; exec sleep 1000"]
    stop_signal: SIGKILL
    secrets: [token, {source: token, target: other, uid: "1000", mode: 0400}]
    configs: [{source: conf}, {source: conf, target: /etc/app.conf, gid: "5"}]
secrets:
  token: {file: ./token.txt}
configs:
  conf: {file: ./app.conf}
YML
	chmod 0640 token.txt
	run berth compose up -d
	assert_success
	# uid, gid and mode of a file source: v2's warnings, the bind keeping the file's own
	assert_line "WARN[0000] secrets \`uid\`, \`gid\` and \`mode\` are not supported, they will be ignored"
	assert_line "WARN[0000] config \`uid\`, \`gid\` and \`mode\` are not supported, they will be ignored"
	[ "$(berth exec shop-app-1 stat -c '%a %u' /run/secrets/other)" = "640 0" ]
	for _ in $(seq 50); do berth compose logs 2>/dev/null | grep -q "setting=1" && break; sleep 0.1; done
	# (the warnings again on stderr: berth's plan warns for each command, v2 at create)
	output=$(berth compose logs --no-log-prefix 2>/dev/null)
	assert_output "$(printf 's3cret\ns3cret\nsetting=1\nsetting=1')"
	run berth compose exec -T app sh -c 'echo x >/run/secrets/token'
	assert_failure
	assert_output --partial "Read-only file system"
	[ "$(cat token.txt)" = s3cret ]
	run berth compose down -t 0
	assert_success
}
