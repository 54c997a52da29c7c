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

@test "compose config: \$ written \$\$ as docker-compose (v2's escapeDollarSign); --no-interpolate keeps values as written" {
	cat >"$WORK/proj/dollar.yml" <<'YML'
services:
  e:
    image: "busybox:${TAG:-1.36}"
    command: echo $$HOME
    environment: ["D=a$$b", "FROM_ENV=${FROM_ENV}"]
    ports: ["${PORT-8080}:80"]
    volumes: ["./data:/d"]
YML
	both '.services.e | {environment, image}' -f dollar.yml
	run bash -c "cd '$WORK/proj' && '$BERTH_BIN' compose -f dollar.yml config"
	assert_success
	assert_line "    - \$\$HOME"
	assert_line "      D: a\$\$b"
	run bash -c "cd '$WORK/proj' && '$BERTH_BIN' compose -f dollar.yml config --format json | jq -c .services.e.command"
	assert_output '["echo","$$HOME"]'
	# not interpolated: v1 agrees on these fields (its ports refuse a variable, v2's keep it)
	run bash -c "cd '$WORK/proj' && '$BERTH_BIN' compose config --no-interpolate --format json | jq -S -c '.services.web | {image, environment}'"
	assert_success
	v1=$(cd "$WORK/proj" && timeout 30 docker-compose config --no-interpolate |
		python3 -c 'import sys, yaml, json; json.dump(yaml.safe_load(sys.stdin), sys.stdout)' |
		jq -S -c '.services.web | {image, environment}')
	[ "$output" = "$v1" ]
	[ "$(echo "$output" | jq -r .image)" = 'nginx:${TAG:-1.25}' ]
	run bash -c "cd '$WORK/proj' && '$BERTH_BIN' compose -f dollar.yml config --no-interpolate"
	assert_success
	assert_line '    command: echo $$HOME'
	assert_line '    - ${PORT-8080}:80'
	assert_line '    image: busybox:${TAG:-1.36}'
}

@test "compose config --variables: v2's table, json and yaml; required, defaults and alternatives, nested ones too" {
	cat >"$WORK/proj/vars.yml" <<'YML'
x-extra: "${EXTRA:+on}"
services:
  e:
    image: "busybox:${TAG:-1.36}"
    command: echo $$NOTAVAR ${GREETING:?say hi} $PLAIN
    environment:
      X: "${NESTED:-${INNER}}"
      Y: "${TAG}"
    ports: ["${PORT-8080}:80"]
YML
	# nothing is required to be set to list them (v2 reads the files without interpolation)
	run bash -c "cd '$WORK/proj' && '$BERTH_BIN' compose -f vars.yml config --variables"
	assert_success
	local sp20='                    '
	assert_output "$(printf '%s\n' \
		"NAME${sp20:4}REQUIRED${sp20:8}DEFAULT VALUE${sp20:13}ALTERNATE VALUE" \
		"EXTRA${sp20:5}false${sp20:5}${sp20}on" \
		"GREETING${sp20:8}true${sp20:4}${sp20}" \
		"INNER${sp20:5}false${sp20:5}${sp20}" \
		"NESTED${sp20:6}false${sp20:5}\${INNER}${sp20:8}" \
		"PLAIN${sp20:5}false${sp20:5}${sp20}" \
		"PORT${sp20:4}false${sp20:5}8080${sp20:4}" \
		"TAG${sp20:3}false${sp20:5}1.36${sp20:4}")"
	run bash -c "cd '$WORK/proj' && '$BERTH_BIN' compose -f vars.yml config --variables --format json"
	assert_success
	[ "${lines[0]}" = "{" ]
	[ "$(echo "$output" | jq -c '.GREETING')" = '{"Name":"GREETING","DefaultValue":"","PresenceValue":"","Required":true}' ]
	[ "$(echo "$output" | jq -r '.TAG.DefaultValue, .EXTRA.PresenceValue')" = "$(printf '1.36\non')" ]
	[ "$(echo "$output" | jq -r 'keys | join(",")')" = EXTRA,GREETING,INNER,NESTED,PLAIN,PORT,TAG ]
	run bash -c "cd '$WORK/proj' && '$BERTH_BIN' compose -f vars.yml config --variables --format yaml"
	assert_success
	assert_line '    presencevalue: "on"'
	assert_line '    required: true'
	# -q prints nothing
	run bash -c "cd '$WORK/proj' && '$BERTH_BIN' compose -f vars.yml config --variables -q"
	assert_success
	assert_output ""
}

@test "compose config --no-normalize, --no-path-resolution, --no-consistency, --no-env-resolution, --environment" {
	cat >"$WORK/proj/loose.yml" <<'YML'
services:
  a:
    image: busybox
    volumes: ["./data:/d"]
    depends_on: [nope]
    networks: [ghost]
    env_file: [./a.env]
    links: [b]
  b:
    image: busybox
YML
	echo "FROMFILE=1" >"$WORK/proj/a.env"
	cd "$WORK/proj"
	# what does not hold together is refused, unless not checked
	run "$BERTH_BIN" compose -f loose.yml config
	[ "$status" -eq 15 ]
	assert_output --partial "service 'a' depends on undefined service 'nope'"
	run "$BERTH_BIN" compose -f loose.yml config --no-consistency --format json
	assert_success
	[ "$(echo "$output" | jq -c '.services.a.depends_on | keys')" = '["b","nope"]' ]
	[ "$(echo "$output" | jq -c '.services.a.networks')" = '{"ghost":null}' ]
	[ "$(echo "$output" | jq -r '.services.a.volumes[0].source')" = "$WORK/proj/data" ]
	[ "$(echo "$output" | jq -r '.services.a.environment.FROMFILE')" = 1 ]
	# paths as written; env_file kept
	run "$BERTH_BIN" compose -f loose.yml config --no-consistency --no-path-resolution --no-env-resolution --format json
	assert_success
	[ "$(echo "$output" | jq -r '.services.a.volumes[0].source')" = "./data" ]
	[ "$(echo "$output" | jq -c '.services.a.env_file')" = '[{"path":"./a.env","required":true}]' ]
	[ "$(echo "$output" | jq -c '.services.a.environment')" = null ]
	# not normalized: no implicit dependency (links), no default network, no resource names
	run "$BERTH_BIN" compose config --no-normalize --format json
	assert_success
	[ "$(echo "$output" | jq -c '.services.db.networks')" = '{"back":null}' ]
	[ "$(echo "$output" | jq -c '.networks.back')" = '{}' ]
	run "$BERTH_BIN" compose config --format json
	[ "$(echo "$output" | jq -r '.networks.back.name')" = proj_back ]
	run "$BERTH_BIN" compose -f loose.yml config --no-consistency --no-normalize --format json
	assert_success
	[ "$(echo "$output" | jq -c '.services.a.depends_on | keys')" = '["nope"]' ]
	[ "$(echo "$output" | jq -c '.services.b.networks')" = null ]
	# --environment: what interpolation saw, .env under the process's
	run env FROM_ENV=proc "$BERTH_BIN" compose config --environment
	assert_success
	assert_line "TAG=1.27"
	assert_line "FROM_ENV=proc"
	# sorted as Go's sort.Strings (bytes)
	[ "$(echo "$output" | grep -n '^FROM_ENV=' | cut -d: -f1)" -lt "$(echo "$output" | grep -n '^TAG=' | cut -d: -f1)" ]
}
