#!/usr/bin/env bats
# berth compose: secrets and configs whose source is not a file (issue #19, src/app/files.c),
# as Compose v2 gives them to a container on a local engine (pkg/compose/secrets.go): a
# secret's `environment:` (the project's variables: the process's, then .env) and a config's
# `content:` (interpolated) or `environment:` become a file copied into the container after
# it is made: a secret at /run/secrets/<target or name>, a config at /<name> or its target,
# mode 0444 unless the long syntax gives one, owned by uid:gid (0:0 unless given). A variable
# that is not set fails before anything is made. Only the built-in image (busybox).
load helpers

setup() {
	compose_setup
}

teardown() {
	compose_teardown
}

files_file() {
	cat >compose.yaml <<'YML'
services:
  app:
    image: berth/default
    command: ["sleep", "1000"]
    stop_signal: SIGKILL
    secrets:
      - token
      - {source: token, target: tok.txt, mode: 0440, uid: "100", gid: "101"}
      - {source: dotenv, target: /etc/from-dotenv}
    configs:
      - {source: inline, target: /etc/app.conf, mode: "0600"}
      - envcfg
secrets:
  token:
    environment: TOKEN
  dotenv:
    environment: FROM_DOTENV
configs:
  inline:
    content: |
      hello ${NAME}
      $$HOME stays
  envcfg:
    environment: CFGVAR
YML
	printf 'FROM_DOTENV=dot-value\nTOKEN=from-dotenv-file\n' >.env
}

# "mode uid gid content" of a file in the app's container
file_facts() {
	berth compose exec -T app sh -c "stat -c '%a %u %g' '$1' && cat '$1'"
}

@test "compose files: secrets and configs from environment: and content: copied in, modes and owners as given" {
	files_file
	export TOKEN=s3cret NAME=bob CFGVAR=cfg-from-env
	run berth compose up -d
	assert_success
	run file_facts /run/secrets/token
	assert_success
	# the process's variable wins over .env's, as in interpolation
	assert_output "$(printf '444 0 0\ns3cret')"
	run file_facts /run/secrets/tok.txt
	assert_output "$(printf '440 100 101\ns3cret')"
	run file_facts /etc/from-dotenv
	assert_output "$(printf '444 0 0\ndot-value')"
	run file_facts /etc/app.conf
	assert_output "$(printf '600 0 0\nhello bob\n$HOME stays')"
	run file_facts /envcfg
	assert_output "$(printf '444 0 0\ncfg-from-env')"
	# config --hash is the hash up labels the container with
	run berth compose config --hash app
	assert_output "app $(berth inspect -f '{{index .Config.Labels "com.docker.compose.config-hash"}}' shop-app-1)"
	# made again (another value): the new container has the new file
	export TOKEN=changed
	run berth compose up -d --force-recreate
	assert_success
	run file_facts /run/secrets/token
	assert_output "$(printf '444 0 0\nchanged')"
	# a one-off container of the service has them too
	run berth compose run --rm -T --no-deps app sh -c 'cat /run/secrets/tok.txt; echo; cat /envcfg'
	assert_success
	assert_output "$(printf 'changed\ncfg-from-env')"
	run berth compose down -t 0
	assert_success
}

@test "compose files: a variable that is not set fails before anything is made, naming service and variable" {
	files_file
	export TOKEN=s3cret NAME=bob
	unset CFGVAR
	run berth compose up -d
	[ "$status" -eq 15 ]
	assert_output --partial "service 'app': config 'envcfg': environment variable \"CFGVAR\" required by file \"shop_envcfg\" is not set"
	run berth ps -aq
	assert_output ""
	run berth network ls -q --filter name=shop_default
	assert_output ""
	# config still prints the model (the variable is read by up, as Compose v2's)
	run berth compose config --format json
	assert_success
	[ "$(echo "$output" | jq -r .configs.envcfg.environment)" = CFGVAR ]
}

@test "compose files: bad long syntax is refused by file and line; external and driver by name" {
	printf 'services:\n  app:\n    image: berth/default\n    secrets:\n      - {source: s, mode: "0999"}\nsecrets:\n  s: {environment: X}\n' >compose.yaml
	run berth compose config -q
	[ "$status" -eq 15 ]
	assert_output "berth: compose.yaml:5: services.app.secrets[0].mode: must be a file mode from 0 to 07777"
	printf 'services:\n  app:\n    image: berth/default\n    secrets:\n      - {source: s, owner: x}\nsecrets:\n  s: {environment: X}\n' >compose.yaml
	run berth compose config -q
	[ "$status" -eq 15 ]
	assert_output "berth: compose.yaml:5: services.app.secrets[0].owner: unknown key 'owner'"
	printf 'services:\n  app:\n    image: berth/default\n    secrets: [s]\nsecrets:\n  s: {external: true}\n' >compose.yaml
	run berth compose up -d
	[ "$status" -eq 15 ]
	assert_output --partial "service 'app': secret 's': unsupported external secret s"
	printf 'services:\n  app:\n    image: berth/default\n    configs: [c]\nconfigs:\n  c: {content: x, template_driver: golang}\n' >compose.yaml
	run berth compose up -d
	[ "$status" -eq 15 ]
	assert_output --partial "docker compose does not support configs.*.template_driver"
	run berth ps -aq
	assert_output ""
}
