#!/usr/bin/env bats
# berth compose config (issue #19) against Debian's docker-compose 1.29 (/usr/bin/docker-compose)
# on the same files, normalized with jq. Differences that are v1's and not berth's (berth
# follows Compose v2), found here: v1's config ignores profiles (it lists every service; v2
# and berth leave out those of inactive profiles), prints ports and short volumes in their
# short string form ("8080:80/tcp", "/abs:/d:ro"; v2: long form, published a string), keeps
# `version`, keeps a command string unsplit and environment numbers as numbers, does not name networks and volumes <project>_<name>, and lists depends_on
# without `required`, and writes volumes_from as `service:x:ro`, `container:y:rw` (v2 keeps
# them as written, and adds their implicit depends_on). Those fields are compared with v2's
# shapes on berth's side only.
load helpers

setup() {
	load_libs
	command -v docker-compose >/dev/null || skip "docker-compose is not installed"
	WORK=$(mktemp -d /tmp/berth-compose-config.XXXXXX)
	mkdir -p "$WORK/proj/data"
	cat >"$WORK/proj/docker-compose.yml" <<'YML'
x-base: &base
  restart: unless-stopped
services:
  web:
    <<: *base
    image: "nginx:${TAG:-1.25}"
    command: sh -c "echo hi"
    environment: ["A=1", "FROM_ENV=${FROM_ENV}"]
    ports: ["8080:80", "127.0.0.1:9000:9000/udp"]
    depends_on: [db]
    networks: [front, back]
  db:
    image: postgres
    environment:
      PGPORT: 5432
    volumes: [dbdata:/var/lib/postgresql/data]
    networks: [back]
  debug:
    image: busybox
    profiles: [tools]
networks:
  front: {}
  back: {}
volumes:
  dbdata: {}
YML
	printf 'TAG=1.27\nFROM_ENV=dotenv\n' >"$WORK/proj/.env"
	BERTH_BIN="$BERTH_BUILD/bin/berth"
}

teardown() {
	rm -rf "$WORK"
}

# both tools' config as JSON, reduced by the jq filter $1 (extra args: compose options)
both() {
	local filter=$1
	shift
	(cd "$WORK/proj" && timeout 30 docker-compose "$@" config 2>/dev/null) |
		python3 -c 'import sys, yaml, json; json.dump(yaml.safe_load(sys.stdin), sys.stdout)' |
		jq -S "$filter" >"$WORK/v1.json"
	(cd "$WORK/proj" && "$BERTH_BIN" compose "$@" config --format json) | jq -S "$filter" \
		>"$WORK/berth.json"
	diff -u "$WORK/v1.json" "$WORK/berth.json"
}

@test "compose config: services, images, commands, environment as docker-compose" {
	both '.services | del(.debug) | keys'
	both '.services | del(.debug) | map_values({image, environment: ((.environment // {}) | map_values(tostring)), restart})'
	run jq -c .services.web.command <(cd "$WORK/proj" && "$BERTH_BIN" compose config --format json)
	[ "$output" = '["sh","-c","echo hi"]' ]
	run jq -r '.web.image, .web.environment.FROM_ENV' "$WORK/berth.json"
	[ "${lines[0]}" = "nginx:1.27" ] && [ "${lines[1]}" = "dotenv" ]
}

@test "compose config: depends_on and networks as docker-compose, ports in v2's long form" {
	both '.services | del(.debug) | map_values((.depends_on // {}) | keys)'
	both '.services | del(.debug) | map_values(.networks | keys)'
	# v2's long form on berth's side
	run jq -c '.services.web.ports' <(cd "$WORK/proj" && "$BERTH_BIN" compose config --format json 2>/dev/null)
	[ "$output" = '[{"mode":"ingress","protocol":"tcp","published":"8080","target":80},{"host_ip":"127.0.0.1","mode":"ingress","protocol":"udp","published":"9000","target":9000}]' ]
	both '.networks | keys'
}

@test "compose config: profiles, the environment over .env, --services and --volumes" {
	both '.services | keys' --profile tools
	cd "$WORK/proj"
	run env TAG=9 "$BERTH_BIN" compose config --format json
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq -r .services.web.image)" = "nginx:9" ]
	run "$BERTH_BIN" compose config --services
	[ "$output" = "$(printf 'db\nweb')" ]
	run "$BERTH_BIN" compose config --volumes
	[ "$output" = dbdata ]
	run "$BERTH_BIN" compose config --profiles
	[ "$output" = tools ]
	# the project's names, as Compose v2 scopes them
	run "$BERTH_BIN" compose -p demo config --format json
	[ "$(echo "$output" | jq -r '.networks.back.name, .volumes.dbdata.name' | tr '\n' ' ')" = "demo_back demo_dbdata " ]
}

@test "compose config: a bad file names file, line and key; exit 15 (14 without a file)" {
	cd "$WORK/proj"
	printf 'services:\n  web:\n    image: x\n    depends_on: [nope]\n' >bad.yml
	run "$BERTH_BIN" compose -f bad.yml config
	[ "$status" -eq 15 ]
	[ "$output" = "berth: bad.yml:4: services.web.depends_on.nope: service 'web' depends on undefined service 'nope'" ]
	printf 'services:\n  web:\n    image: x\n    restrat: always\n' >bad.yml
	run "$BERTH_BIN" compose -f bad.yml config -q
	[ "$status" -eq 15 ]
	[ "$output" = "berth: bad.yml:4: services.web.restrat: unknown key 'restrat'" ]
	# docker-compose refuses it too
	run timeout 30 docker-compose -f bad.yml config -q
	[ "$status" -ne 0 ]
	cd "$WORK" && mkdir empty && cd empty
	run "$BERTH_BIN" compose config
	[ "$status" -eq 14 ]
}

@test "compose config SERVICE: those services, what they depend on and what they use; --images, --hash, -o" {
	cd "$WORK/proj"
	# web depends on db: both, and the networks and volume they use
	run "$BERTH_BIN" compose config --format json web
	assert_success
	[ "$(echo "$output" | jq -c '[(.services | keys), (.networks | keys), (.volumes | keys)]')" = \
		'[["db","web"],["back","front"],["dbdata"]]' ]
	run "$BERTH_BIN" compose config --format json db
	[ "$(echo "$output" | jq -c '[(.services | keys), (.networks | keys), (.volumes | keys)]')" = \
		'[["db"],["back"],["dbdata"]]' ]
	# a service of an inactive profile, named, is active (v2's WithServicesEnabled)
	run "$BERTH_BIN" compose config --format json debug
	assert_success
	[ "$(echo "$output" | jq -c '[(.services | keys), (.networks | keys), .volumes]')" = \
		'[["debug"],["default"],null]' ]
	run "$BERTH_BIN" compose config nope
	[ "$status" -eq 1 ]
	assert_output "berth: no such service: nope"
	# --services lists them all, dependencies first, whatever is named
	run "$BERTH_BIN" compose config --services web
	assert_output "$(printf 'db\nweb')"
	run "$BERTH_BIN" compose config --images
	assert_output "$(printf 'postgres\nnginx:1.27')"
	run "$BERTH_BIN" compose --profile tools config --images debug
	assert_output busybox
	# --hash: "service hash" in name order, a change to web changing web's only
	run "$BERTH_BIN" compose config --hash '*'
	assert_success
	[ "${#lines[@]}" -eq 2 ]
	[[ "${lines[0]}" =~ ^db\ [0-9a-f]{64}$ ]] && [[ "${lines[1]}" =~ ^web\ [0-9a-f]{64}$ ]]
	local before=("${lines[@]}")
	run env TAG=2 "$BERTH_BIN" compose config --hash web,db
	[ "${lines[0]}" = "${before[0]}" ] && [ "${lines[1]}" != "${before[1]}" ]
	run "$BERTH_BIN" compose config --hash nope
	[ "$status" -eq 1 ]
	assert_output "berth: no such service: nope"
	# -o: the file, nothing on stdout
	run "$BERTH_BIN" compose config -o "$WORK/out.yaml" db
	assert_success
	assert_output ""
	diff "$WORK/out.yaml" <("$BERTH_BIN" compose config db)
	run "$BERTH_BIN" compose config -q web
	assert_success
	assert_output ""
}

@test "compose config: ipc and pid as docker-compose; volumes_from as written, with its implicit depends_on" {
	cat >"$WORK/proj/reader.yml" <<'YML'
services:
  reader:
    image: busybox
    volumes_from: ["db:ro", "container:outside"]
    ipc: service:db
    pid: host
YML
	both '.services.reader | {ipc, pid}' -f docker-compose.yml -f reader.yml
	both '.services.reader.volumes_from | length' -f docker-compose.yml -f reader.yml
	run jq -c '.services.reader | [.volumes_from, .depends_on]' \
		<(cd "$WORK/proj" && "$BERTH_BIN" compose -f docker-compose.yml -f reader.yml config --format json)
	[ "$output" = '[["db:ro","container:outside"],{"db":{"condition":"service_started","required":true,"restart":true}}]' ]
	run bash -c "cd '$WORK/proj' && timeout 30 docker-compose -f docker-compose.yml -f reader.yml config"
	[[ "$output" == *"service:db:ro"* ]]
}
