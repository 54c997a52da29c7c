#!/usr/bin/env bats
# The Docker Engine API's volumes and networks (issue #18): `berth system service` on a socket
# of the test's own, driven by Debian's docker CLI 20.10 (/usr/bin/docker) and by curl for the
# statuses and bodies the CLI does not show. What the command line makes the API sees, and the
# other way round. The suite runs in a network namespace of its own: bridges are fine.

load helpers

setup() {
	store_setup
	[ -x /usr/bin/docker ] || skip "Debian's docker.io (the docker CLI) is not installed"
	api_service_start
}

teardown() {
	local left id
	left=$(api_service_stop)
	# the custom networks' bridges are the netns's, not the store's: they go first
	for id in $(berth ps -aq 2>/dev/null); do berth rm -f "$id" >/dev/null 2>&1 || true; done
	berth network prune -f >/dev/null 2>&1 || true
	store_teardown
	[ -z "$left" ] || { echo "left behind: $left" >&2; return 1; }
}

docker() { timeout 30 /usr/bin/docker "$@"; }
api() { curl -s --unix-socket "$SOCK" "$@"; }

@test "api volumes: create, ls (filters), inspect, rm, prune as docker's CLI drives them" {
	run docker volume create --label team=a vol-a
	assert_success
	assert_output vol-a
	docker volume create vol-b >/dev/null
	run docker volume ls --format '{{.Driver}} {{.Name}}'
	assert_output "local vol-a
local vol-b"
	run docker volume ls -q --filter label=team=a
	assert_output vol-a
	run docker volume ls -q --filter name=-b
	assert_output vol-b
	run docker volume inspect -f '{{.Name}} {{.Driver}} {{.Scope}} {{.Mountpoint}} {{.Labels.team}}' vol-a
	assert_output "vol-a local local $STORE/volumes/vol-a/_data a"
	# the same document as the command line's
	[ "$(docker volume inspect vol-a | jq -S .)" = "$(berth volume inspect vol-a | jq -S .)" ]
	# an anonymous volume: a random name
	run docker volume create
	assert_success
	[ "${#output}" -eq 64 ]
	run docker volume rm vol-b
	assert_success
	run docker volume ls -q --filter name=vol
	assert_output vol-a
	# API 1.41's prune takes every unused volume, named ones too
	run docker volume prune -f
	assert_success
	assert_output --partial vol-a
	run docker volume ls -q
	assert_output ""
	run api -X POST http://d/volumes/prune
	assert_output '{"VolumesDeleted":[],"SpaceReclaimed":0}'
}

@test "api volumes: -v name:/data keeps data across containers; rm of one in use fails" {
	docker volume create keep >/dev/null
	run docker run --rm -v keep:/data berth/default sh -c 'echo kept >/data/f'
	assert_success
	run docker run --rm -v keep:/data berth/default cat /data/f
	assert_output kept
	docker run -d --name user -v keep:/data berth/default sleep 30 >/dev/null
	run docker volume rm keep
	assert_failure
	assert_output --partial "in use"
	run api -w ' %{http_code}' -X DELETE http://d/volumes/keep
	assert_output --regexp ' 409$'
	run docker volume ls -q --filter dangling=false
	assert_output keep
	run docker volume prune -f
	run docker volume ls -q
	assert_output keep
	docker rm -f user >/dev/null
	run docker volume ls -q --filter dangling=true
	assert_output keep
	run docker volume rm keep
	assert_success
	[ ! -e "$STORE/volumes/keep" ]
}

@test "api volumes and networks: the command line and the service see the same ones" {
	berth volume create from-cli >/dev/null
	docker volume create from-api >/dev/null
	run docker volume ls -q
	assert_output "from-api
from-cli"
	run berth volume ls -q
	assert_output "from-api
from-cli"
	berth network create --subnet 10.97.0.0/24 net-cli >/dev/null
	docker network create --subnet 10.98.0.0/24 net-api >/dev/null
	run docker network ls --filter type=custom --format '{{.Name}}'
	assert_output "net-api
net-cli"
	run berth network ls --filter type=custom --format '{{.Name}}'
	assert_output "net-api
net-cli"
	[ "$(docker network inspect net-cli | jq -S 'map(del(.Containers))')" = \
		"$(berth network inspect net-cli | jq -S 'map(del(.Containers))')" ]
	run berth volume rm from-api
	assert_success
	run docker network rm net-cli
	assert_success
	run berth network ls -q --filter name=net-
	assert_output "$(berth network inspect -f '{{.Id}}' net-api | cut -c1-12)"
}

@test "api networks: create --subnet, ls, inspect, run --network, connect, disconnect, rm, prune" {
	run docker network create --subnet 10.95.0.0/24 --gateway 10.95.0.254 --label team=a front
	assert_success
	[ "${#output}" -eq 64 ]
	run docker network create --subnet 10.95.0.0/24 front
	assert_failure
	assert_output --partial "already exists"
	run docker network inspect -f '{{.Name}} {{.Driver}} {{.Scope}} {{range .IPAM.Config}}{{.Subnet}} {{.Gateway}}{{end}} {{.Labels.team}} {{.Internal}}' front
	assert_output "front bridge local 10.95.0.0/24 10.95.0.254 a false"
	docker network create --internal --subnet 10.96.0.0/24 back >/dev/null
	run docker network ls --format '{{.Name}} {{.Driver}}'
	assert_output "back bridge
bridge bridge
front bridge
host host
none null"
	run docker network ls -q --filter label=team=a
	assert_output "$(berth network inspect -f '{{.Id}}' front | cut -c1-12)"
	run docker network ls --filter type=builtin --format '{{.Name}}'
	assert_output "bridge
host
none"
	# a container on it: its address in the network's Containers
	docker run -d --name web --network front berth/default sleep 30 >/dev/null
	run docker network inspect -f '{{range .Containers}}{{.Name}} {{.IPv4Address}}{{end}}' front
	assert_output "web 10.95.0.1/24"
	run docker network rm front
	assert_failure
	assert_output --partial "active endpoints"
	# connect with an address, then disconnect
	run docker network connect --ip 10.96.0.7 back web
	assert_success
	run berth exec web ip -4 -o addr show eth1
	assert_output --partial 10.96.0.7/24
	run docker inspect -f '{{.NetworkSettings.Networks.back.IPAddress}}' web
	assert_output 10.96.0.7
	run docker network inspect -f '{{range .Containers}}{{.Name}}{{end}}' back
	assert_output web
	run docker network disconnect back web
	assert_success
	run docker network inspect -f '{{len .Containers}}' back
	assert_output 0
	run docker network disconnect back web
	assert_failure
	# prune takes the unused custom networks, never the predefined ones
	run docker network prune -f
	assert_success
	assert_output --partial back
	run docker network ls --format '{{.Name}}'
	assert_output "bridge
front
host
none"
	docker rm -f web >/dev/null
	run docker network rm front
	assert_success
	run docker network rm host
	assert_failure
	assert_output --partial "pre-defined"
}

@test "api volumes and networks: bad input 400, unknown 404, conflicts 409" {
	run api -w ' %{http_code}' http://d/volumes/nosuch
	assert_output '{"message":"get nosuch: no such volume"}
 404'
	run docker volume inspect nosuch
	assert_failure
	assert_output --partial "No such volume: nosuch"
	run api -w ' %{http_code}' -X DELETE http://d/volumes/nosuch
	assert_output --regexp ' 404$'
	run api -w ' %{http_code}' -X DELETE 'http://d/volumes/nosuch?force=1'
	assert_output ' 204'
	run api -w ' %{http_code}' -X POST -H 'Content-Type: application/json' -d '{"Name":' \
		http://d/volumes/create
	assert_output --partial 'invalid JSON'
	assert_output --regexp ' 400$'
	run api -w ' %{http_code}' -X POST -d '{"Name": "a/b"}' http://d/volumes/create
	assert_output --regexp ' 400$'
	run api -w ' %{http_code}' -X POST -d '{"Name": "v", "Driver": "nfs"}' \
		http://d/volumes/create
	assert_output --regexp ' 400$'
	run api -w ' %{http_code}' 'http://d/volumes?filters=%7B%22nosuch%22%3A%5B%22x%22%5D%7D'
	assert_output --partial "invalid filter 'nosuch'"
	assert_output --regexp ' 400$'
	run api -w ' %{http_code}' http://d/networks/nosuch
	assert_output '{"message":"network nosuch not found"}
 404'
	run api -w ' %{http_code}' -X POST -d '{"Name":' http://d/networks/create
	assert_output --regexp ' 400$'
	run api -w ' %{http_code}' -X POST -d '{"Name": "nn", "IPAM": {"Config": [{"Subnet": "nonsense"}]}}' \
		http://d/networks/create
	assert_output --partial 'invalid subnet'
	assert_output --regexp ' 400$'
	run api -w ' %{http_code}' -X POST -d '{"Name": "nn", "Driver": "overlay"}' \
		http://d/networks/create
	assert_output --regexp ' 400$'
	run api -w ' %{http_code}' -X POST -d '{"Container": "nosuch"}' \
		http://d/networks/bridge/connect
	assert_output '{"message":"No such container: nosuch"}
 404'
	run api -w ' %{http_code}' -X DELETE http://d/networks/bridge
	assert_output --regexp ' 403$'
	run api -X POST -d '{"Name": "dup", "IPAM": {"Config": [{"Subnet": "10.99.0.0/24"}]}}' \
		http://d/networks/create
	assert_output --partial '"Warning":""'
	run api -w ' %{http_code}' -X POST -d '{"Name": "dup"}' http://d/networks/create
	assert_output --regexp ' 409$'
	run api -w ' %{http_code}' -X DELETE http://d/networks/dup
	assert_output ' 204'
	# nothing made by the bad requests
	run berth volume ls -q
	assert_output ""
	run berth network ls -q --filter type=custom
	assert_output ""
}
