#!/usr/bin/env bats
# Networks: the default bridge and user networks, addresses, names between containers, NAT to
# "another host" (a network namespace of the test's own, joined by a veth pair), published
# ports (TCP and UDP, from this host and the other), isolation, --internal, and nothing left
# behind. tests/run-integration runs the suite in a network namespace of its own, so berth's
# bridges and firewall table never reach the machine's network.

load helpers

setup() {
	store_setup
	command -v nft >/dev/null || skip "nft (nftables) is not installed"
}

teardown() {
	net_teardown
	store_teardown
	[ -z "$LEFT" ] || { echo "left behind:$LEFT" >&2; return 1; }
}

@test "default bridge: an address, a route out, loopback; NAT to another host" {
	other_host
	run berth run --rm berth/default sh -c 'ip -4 -o addr show eth0; ip route; ping -c1 -W2 127.0.0.1 >/dev/null && echo lo-ok'
	assert_success
	assert_line --regexp 'inet 172\.17\.0\.[0-9]+/16'
	assert_line --regexp '^default via 172\.17\.0\.1 dev eth0'
	assert_line lo-ok
	# the other host answers, and sees this host's address: masquerade
	ip netns exec "$OTHER" python3 -c '
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 7777)); s.listen(1); print("ready", flush=True)
c, a = s.accept(); c.sendall(("seen " + a[0] + "\n").encode()); c.close()' >"$WORK/srv" &
	srv=$!
	for _ in $(seq 50); do grep -q ready "$WORK/srv" 2>/dev/null && break; sleep 0.1; done
	run berth run --rm berth/default sh -c "nc 10.$N.0.2 7777 </dev/null"
	assert_success
	assert_output "seen 10.$N.0.1"
	wait "$srv"
	# bridge's nft state is in berth's own table, nowhere else
	run nft list tables
	assert_output "table inet berth"
}

@test "user networks: names and aliases resolve, addresses are distinct, --ip and --mac-address are kept" {
	run berth network create --subnet 10.88.0.0/24 --label team=a front
	assert_success
	run berth network inspect -f '{{.Name}} {{.Driver}} {{(index .IPAM.Config 0).Subnet}} {{(index .IPAM.Config 0).Gateway}} {{.Labels.team}}' front
	assert_output "front bridge 10.88.0.0/24 10.88.0.1 a"
	berth run -d --name db --network front --network-alias database berth/default sleep 60 >/dev/null
	berth run -d --name web --network front --ip 10.88.0.50 berth/default httpd -f -p 80 -h /etc >/dev/null
	run berth inspect -f '{{.NetworkSettings.Networks.front.IPAddress}}' web
	assert_output 10.88.0.50
	run berth run --rm --network front berth/default sh -c 'wget -qO- http://web/hostname; ping -c1 -W2 database | head -1; ping -c1 -W2 db >/dev/null && echo db-ok'
	assert_success
	assert_line --index 0 "$(berth inspect -f '{{.Id}}' web | cut -c1-12)"
	assert_line --regexp '^PING database \(10\.88\.0\.[0-9]+\)'
	assert_line db-ok
	# a container that stops is forgotten by the others
	berth rm -f db >/dev/null
	run berth exec web cat /etc/hosts
	assert_success
	refute_output --partial database
	# the default bridge resolves nothing but --add-host
	run berth run --rm --add-host dbhost:10.1.2.3 berth/default sh -c 'cat /etc/hosts'
	assert_line --regexp '^10\.1\.2\.3[[:space:]]+dbhost$'
	refute_output --partial web
	# a taken --ip is refused, nothing made
	run berth run --rm --network front --ip 10.88.0.50 berth/default true
	assert_equal "$status" 125
	assert_output --partial "already in use"
	run berth ps -aq
	assert_equal "$(echo "$output" | wc -l)" 1
	# --dns and --dns-search make resolv.conf
	run berth run --rm --dns 192.0.2.53 --dns-search example.test berth/default cat /etc/resolv.conf
	assert_line "nameserver 192.0.2.53"
	assert_line "search example.test"
	# --mac-address: the interface has it, inspect shows it; a bad one makes nothing
	run berth run --rm --network front --mac-address 02:42:AC:58:00:99 berth/default \
		cat /sys/class/net/eth0/address
	assert_success
	assert_output 02:42:ac:58:00:99
	berth create --name mac --mac-address 92-d0-c6-0a-29-33 berth/default true >/dev/null
	run berth inspect -f '{{.NetworkSettings.Networks.bridge.MacAddress}} {{.Config.MacAddress}}' mac
	assert_output "92:d0:c6:0a:29:33 92-d0-c6-0a-29-33"
	berth rm mac >/dev/null
	for bad in 01:00:5e:00:00:01 02:42:ac:58:00 00:00:00:00:00:00; do
		run berth run --rm --network front --mac-address "$bad" berth/default true
		assert_equal "$status" 125
		assert_output --partial "invalid MAC address"
	done
	run berth run --rm --network none --mac-address 02:42:ac:58:00:99 berth/default true
	assert_equal "$status" 125
	run berth ps -aq
	assert_equal "$(echo "$output" | wc -l)" 1
}

@test "published ports: TCP from this host (loopback, own address) and another; UDP; -P; port" {
	other_host
	id=$(berth run -d -p 8080:80 -p 5353:5353/udp -p 127.0.0.1::81 berth/default \
		sh -c 'httpd -p 80 -h /etc; httpd -f -p 81 -h /etc & probe udp-echo 5353; sleep 60')
	for _ in $(seq 50); do berth logs "$id" 2>&1 | grep -q listening && break; sleep 0.1; done
	short=$(echo "$id" | cut -c1-12)
	run curl -s --max-time 5 http://127.0.0.1:8080/hostname
	assert_output "$short"
	run curl -s --max-time 5 "http://10.$N.0.1:8080/hostname"
	assert_output "$short"
	run ip netns exec "$OTHER" curl -s --max-time 5 "http://10.$N.0.1:8080/hostname"
	assert_output "$short"
	run ip netns exec "$OTHER" python3 -c "
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(5)
s.sendto(b'hi', ('10.$N.0.1', 5353)); print(s.recv(200).decode())"
	assert_output --regexp "^echo:hi from "
	# a random host port for 81, on 127.0.0.1 only
	run berth port "$id" 81
	assert_output --regexp '^127\.0\.0\.1:[0-9]+$'
	p81=${output##*:}
	run curl -s --max-time 5 "http://127.0.0.1:$p81/hostname"
	assert_output "$short"
	run ip netns exec "$OTHER" curl -s --max-time 3 "http://10.$N.0.1:$p81/hostname"
	assert_failure
	run berth ps --format '{{.Ports}}'
	assert_output --partial "0.0.0.0:8080->80/tcp"
	assert_output --partial "0.0.0.0:5353->5353/udp"
	# a port that is taken: a clear error, and nothing else of the container is left
	run berth run -d -p 8080:80 berth/default true
	assert_equal "$status" 125
	assert_output --partial "port is already allocated"
	[ "$(ip -br link | awk '$1 ~ /^veth/' | wc -l)" -eq 1 ]
	berth rm -f "$id" >/dev/null
	run curl -s --max-time 2 http://127.0.0.1:8080/
	assert_failure
	run nft list map inet berth pub4
	assert_success
	refute_output --partial "8080"
	# -P publishes what the image exposes
	mkdir -p "$WORK/root/bin" && cp "$BUSYBOX" "$WORK/root/bin/busybox"
	tar -C "$WORK/root" -cf "$WORK/root.tar" .
	berth import -c 'EXPOSE 8000/tcp' "$WORK/root.tar" exposes:1 >/dev/null
	id=$(berth run -d -P exposes:1 /bin/busybox sleep 60)
	run berth port "$id"
	assert_output --regexp '^8000/tcp -> 0\.0\.0\.0:[0-9]+$'
	# and what --expose adds; a bad --expose makes nothing
	id=$(berth run -d -P --expose 7000 --expose 7100-7101/udp exposes:1 /bin/busybox sleep 60)
	run berth port "$id"
	assert_line --regexp '^7000/tcp -> 0\.0\.0\.0:[0-9]+$'
	assert_line --regexp '^7101/udp -> 0\.0\.0\.0:[0-9]+$'
	assert_line --regexp '^8000/tcp -> 0\.0\.0\.0:[0-9]+$'
	run berth run --rm --expose 70000 berth/default true
	assert_equal "$status" 125
	assert_output --partial "invalid range format for --expose"
	run berth ps -aq
	assert_equal "$(echo "$output" | wc -l)" 3
	# a host range for one port: the first free port in it, as Docker's
	berth run -d --name rng1 -p 8100-8101:80 berth/default httpd -f -p 80 -h /etc >/dev/null
	berth run -d --name rng2 -p 8100-8101:80 berth/default httpd -f -p 80 -h /etc >/dev/null
	run berth port rng2
	assert_output "80/tcp -> 0.0.0.0:8101"
	run berth inspect -f '{{json .HostConfig.PortBindings}}' rng2
	assert_output '{"80/tcp":[{"HostIp":"","HostPort":"8100-8101"}]}'
	for _ in $(seq 50); do curl -s --max-time 2 http://127.0.0.1:8101/hostname >/dev/null && break; sleep 0.1; done
	run curl -s --max-time 5 http://127.0.0.1:8101/hostname
	assert_output "$(berth inspect -f '{{.Id}}' rng2 | cut -c1-12)"
	run berth run -d --name rng3 -p 8100-8101:80 berth/default true
	assert_equal "$status" 125
	assert_output --partial "all ports are allocated"
	berth rm -f rng1 rng2 rng3 >/dev/null
}

@test "isolation: two networks reach each other only through published ports; --internal has no way out" {
	other_host
	berth network create --subnet 10.91.0.0/24 red >/dev/null
	berth network create --subnet 10.92.0.0/24 blue >/dev/null
	berth network create --internal --subnet 10.93.0.0/24 closed >/dev/null
	berth run -d --name r1 --network red berth/default httpd -f -p 80 -h /etc >/dev/null
	# (nc -w: busybox's timeout cannot stop a PID 1, which ignores SIGTERM)
	run berth run --rm --network red berth/default nc -w 3 10.91.0.2 80 </dev/null
	assert_success
	run berth run --rm --network blue berth/default nc -w 3 10.91.0.2 80 </dev/null
	assert_failure
	run berth run --rm --network closed berth/default sh -c "ip route; nc -w 3 10.$N.0.2 7 </dev/null"
	assert_failure
	refute_output --partial default
	# a published port is the way between networks (this host's address, then DNAT), as
	# with Docker and netavark; not from an internal network
	berth run -d --name r2 --network red -p 8090:80 berth/default httpd -f -p 80 -h /etc >/dev/null
	run berth run --rm --network blue berth/default sh -c "echo 'GET /hostname HTTP/1.0
' | nc -w 3 10.$N.0.1 8090"
	assert_success
	assert_output --partial "$(berth inspect -f '{{.Id}}' r2 | cut -c1-12)"
	run berth run --rm --network blue berth/default nc -w 3 10.91.0.3 80 </dev/null
	assert_failure
	run berth run --rm --network closed berth/default nc -w 3 "10.$N.0.1" 8090 </dev/null
	assert_failure
	berth rm -f r2 >/dev/null
	run berth network rm red
	assert_failure
	assert_output --partial "active endpoints"
	berth rm -f r1 >/dev/null
	run berth network rm red blue closed
	assert_success
	run berth network ls --format '{{.Name}}'
	assert_output "bridge
host
none"
}

@test "connect and disconnect a running container; bad input leaves nothing" {
	berth network create --subnet 10.94.0.0/24 extra >/dev/null
	id=$(berth run -d --name c1 berth/default sleep 60)
	berth run -d --name peer --network extra berth/default httpd -f -p 80 -h /etc >/dev/null
	berth network connect --alias c1alias extra c1
	run berth exec c1 sh -c 'ip -4 -o addr show eth1; wget -qO- http://peer/hostname'
	assert_success
	assert_line --regexp 'inet 10\.94\.0\.[0-9]+/24'
	run berth exec peer sh -c 'ping -c1 -W2 c1alias >/dev/null && echo reached'
	assert_output reached
	run sh -c "'$BERTH' --root '$STORE' --runroot '$RUNROOT' inspect c1 | jq -r '.[0].NetworkSettings.Networks | keys | join(\" \")'"
	assert_output "bridge extra"
	berth network disconnect extra c1
	run berth exec c1 ip link show eth1
	assert_failure
	run berth exec peer cat /etc/hosts
	assert_success
	refute_output --partial c1alias
	# bad input
	run berth network create --subnet 10.94.0.0/25 overlapping
	assert_failure
	assert_output --partial "overlaps"
	run berth network create --subnet 10.95.0.0/33 bad
	assert_failure
	run berth network create extra
	assert_failure
	assert_output --partial "already exists"
	run berth run --rm --network nosuch berth/default true
	assert_equal "$status" 125
	assert_output --partial "not found"
	run berth network ls -q
	assert_equal "$(echo "$output" | wc -l)" 4
	# Docker's filters: type, dangling (extra has peer); an unknown one is an error
	run berth network ls --filter type=custom --format '{{.Name}}'
	assert_output extra
	run berth network ls -f type=builtin -f name=ne --format '{{.Name}}'
	assert_output none
	berth network create spare >/dev/null
	run berth network ls -f dangling=true --format '{{.Name}}'
	assert_output spare
	run berth network ls -f nosuch=1
	assert_equal "$status" 125
	assert_output --partial "invalid filter 'nosuch'"
	# the default bridge has no aliases (Docker's rule)
	run berth network connect --alias a1 bridge peer
	assert_failure
	assert_output --partial "network-scoped alias is supported only"
}

@test "several --network: an interface on each, the route through the first; modes do not mix" {
	berth network create --subnet 10.96.0.0/24 one >/dev/null
	berth network create --subnet 10.97.0.0/24 two >/dev/null
	berth run -d --name peer --network two berth/default sleep 60 >/dev/null
	# podman's a,b and Docker's repeated flag; --ip goes to the first network
	id=$(berth run -d --name multi --network one,two --network bridge --ip 10.96.0.9 \
		berth/default sleep 60)
	run berth exec multi sh -c 'ip -4 -o addr; ip route; ping -c1 -W2 peer >/dev/null && echo reached'
	assert_success
	assert_line --regexp '^2: eth0 +inet 10\.96\.0\.9/24'
	assert_line --regexp '^3: eth1 +inet 10\.97\.0\.[0-9]+/24'
	assert_line --regexp '^4: eth2 +inet 172\.17\.0\.[0-9]+/16'
	assert_line --regexp '^default via 10\.96\.0\.1 dev eth0'
	assert_line reached
	run berth inspect -f '{{.HostConfig.NetworkMode}}' multi
	assert_output one
	# a restart keeps the order
	berth restart -t 1 multi >/dev/null
	run berth exec multi ip route
	assert_line --regexp '^default via 10\.96\.0\.1 dev eth0'
	berth rm -f multi peer >/dev/null
	for bad in "one --network host" "none --network one" "one --network nosuch" "one --network one"; do
		# shellcheck disable=SC2086
		run berth run --rm --network $bad berth/default true
		assert_equal "$status" 125
	done
	run berth ps -aq
	assert_output ""
	run berth network inspect -f '{{len .Containers}}' one
	assert_output 0
}

@test "a bridge named with -o com.docker.network.bridge.name; a name taken or not a bridge is never ours" {
	berth network create -o com.docker.network.bridge.name=bt-mine mine >/dev/null
	run berth network inspect -f '{{index .Options "com.docker.network.bridge.name"}}' mine
	assert_output bt-mine
	run berth run --rm --network mine berth/default true
	assert_success
	ip link show bt-mine >/dev/null
	for bad in bt-mine lo berth0 way-too-long-name0 a/b; do
		run berth network create -o com.docker.network.bridge.name="$bad" other
		assert_failure
	done
	# a link that takes a network's bridge name later is neither used nor removed
	berth network create -o com.docker.network.bridge.name=bt-late late >/dev/null
	ip link add bt-late type veth peer name bt-late1
	run berth run --rm --network late berth/default true
	assert_equal "$status" 125
	assert_output --partial "'bt-late' exists and is not a bridge"
	run berth network rm late mine
	assert_success
	ip link show bt-late >/dev/null
	ip link del bt-late
	run ip link show bt-mine
	assert_failure
	run berth network ls -q
	assert_equal "$(echo "$output" | wc -l)" 3
}

@test "resolv.conf: behind systemd-resolved's stub the upstream servers, as Docker takes them" {
	[ -d /run/systemd ] || skip "no /run/systemd to mount over"
	printf 'nameserver 127.0.0.53\noptions edns0\nsearch stub.test\n' >"$WORK/stub"
	# in a mount namespace of the test's own: the host's files are not touched
	run unshare --mount -- sh -c '
		mount --bind "$1" /etc/resolv.conf &&
		mount -t tmpfs tmpfs /run/systemd && mkdir /run/systemd/resolve &&
		printf "nameserver 192.0.2.1\nsearch up.test\n" >/run/systemd/resolve/resolv.conf &&
		shift && "$@" run --rm berth/default cat /etc/resolv.conf &&
		echo --- && "$@" run --rm --network host berth/default cat /etc/resolv.conf' \
		sh "$WORK/stub" "$BERTH" --root "$STORE" --runroot "$RUNROOT"
	assert_success
	assert_line --index 0 "nameserver 192.0.2.1"
	assert_line --index 1 "search up.test"
	assert_line --index 2 ---
	assert_line --index 3 "nameserver 127.0.0.53"
	refute_line "nameserver 8.8.8.8"
}

@test "a store made again over a bridge left behind: the same subnet, and only its address" {
	berth run --rm berth/default true
	run ip -4 -o addr show berth0
	assert_output --partial "172.17.0.1/16"
	# an address that is not the network's (as an older store with another subnet left)
	ip addr add 10.199.0.1/24 dev berth0
	# another store (as after rm -rf of the first): berth0's own route does not push the new
	# record off 172.17, and the stale address goes
	b2() { "$BERTH" --root "$WORK/r2" --runroot "$WORK/rr2" "$@"; }
	run b2 run --rm berth/default sh -c 'ip -4 -o addr show eth0'
	assert_success
	assert_output --partial "inet 172.17.0."
	run ip -4 -o addr show berth0
	assert_equal "$(echo "$output" | wc -l)" 1
	assert_output --partial "172.17.0.1/16"
	b2 system prune -af >/dev/null
	rm -rf "$WORK/r2" "$WORK/rr2"
}

@test "firewall chains an older berth made are made again at the next start" {
	berth network create up >/dev/null
	berth run --rm --network up berth/default true
	id=$(berth network inspect -f '{{.Id}}' up)
	br=br-$(berth network inspect -f '{{.Id}}' up | cut -c1-12)
	# an older berth: its marker had the bridge's index only, its chain lacked a rule
	h=$(nft -a list chain inet berth "in-$br" | awk '/ct status dnat/ { print $NF }')
	nft delete rule inet berth "in-$br" handle "$h"
	awk '{ print $1 }' "$RUNROOT/networks/$id" >"$WORK/marker"
	cp "$WORK/marker" "$RUNROOT/networks/$id"
	berth run --rm --network up berth/default true
	run nft list chain inet berth "in-$br"
	assert_output --partial "ct status dnat accept"
	run cat "$RUNROOT/networks/$id"
	assert_output --regexp '^[0-9]+ [0-9]+$'
}

@test "IPv6: a ULA subnet, an address and a route in the container" {
	run berth network create --ipv6 six
	assert_success
	run berth network inspect -f '{{(index .IPAM.Config 1).Subnet}}' six
	assert_output --regexp '^fd[0-9a-f]{2}:[0-9a-f]{0,4}:[0-9a-f]{0,4}:[0-9a-f]{0,4}::/64$'
	run berth run --rm --network six berth/default sh -c 'ip -6 -o addr show eth0 scope global; ip -6 route show default'
	assert_success
	assert_line --regexp 'inet6 fd[0-9a-f:]+/64 scope global'
	assert_line --regexp '^default via fd[0-9a-f:]+ dev eth0'
}

@test "--network container:NAME shares a network namespace; none has only loopback" {
	berth run -d --name base berth/default httpd -f -p 80 -h /etc >/dev/null
	run berth run --rm --network container:base berth/default wget -qO- http://127.0.0.1/hostname
	assert_success
	assert_output "$(berth inspect -f '{{.Id}}' base | cut -c1-12)"
	run berth run --rm --network none berth/default sh -c 'ls /sys/class/net'
	assert_output lo
}

@test "20 containers at once get distinct addresses and leave nothing" {
	berth network create --subnet 10.96.0.0/24 many >/dev/null
	local pids=()
	for i in $(seq 20); do
		berth run -d --network many berth/default sleep 60 >"$WORK/id.$i" 2>&1 &
		pids+=($!)
	done
	# not a bare wait: bats' own timeout watcher is a background job of ours too
	wait "${pids[@]}"
	for i in $(seq 20); do
		berth inspect -f '{{.NetworkSettings.Networks.many.IPAddress}}' "$(cat "$WORK/id.$i")"
	done | sort >"$WORK/all"
	[ "$(grep -c '^10\.96\.0\.' "$WORK/all")" -eq 20 ]
	[ "$(sort -u "$WORK/all" | wc -l)" -eq 20 ]
	[ "$(ip -br link | awk '$1 ~ /^veth/' | wc -l)" -eq 20 ]
	berth rm -f $(cat "$WORK"/id.*) >/dev/null
	run berth ps -aq
	assert_output ""
}

@test "system check: what a killed monitor leaves on the network is found and repaired" {
	berth network create --subnet 10.97.0.0/24 chk >/dev/null
	id=$(berth run -d --network chk -p 8181:80 berth/default httpd -f -p 80 -h /etc)
	state="$STORE/containers/$id/state.json"
	kill -9 "$(jq -r .MonitorPid "$state")" "$(jq -r .Pid "$state")"
	for _ in $(seq 50); do ! kill -0 "$(jq -r .Pid "$state")" 2>/dev/null && break; sleep 0.1; done
	run berth system check
	assert_failure
	assert_output --partial "published port tcp . 8181"
	run berth system check --repair
	assert_success
	run nft list map inet berth pub4
	assert_success
	refute_output --partial 8181
	run berth system check
	assert_output "No problems found"
	# a lease whose container is gone (a crash between lease and record)
	leases=$(ls "$STORE"/networks/*/leases.json | xargs grep -l 10.97 || true)
	berth rm -f "$id" >/dev/null
	for f in "$STORE"/networks/*/; do
		if grep -q 10.97.0.0 "$f/network.json"; then
			echo '{"10.97.0.9": "0000000000000000000000000000000000000000000000000000000000000000"}' >"$f/leases.json"
		fi
	done
	run berth system check
	assert_output --partial "network chk: 1 leases of removed containers"
	run berth system check --repair
	run berth system check
	assert_output "No problems found"
	# someone else's `nft flush ruleset` (here: our table deleted) while a bridge is up
	id=$(berth run -d --network chk berth/default sleep 60)
	nft delete table inet berth
	run berth system check
	assert_failure
	assert_output --partial "network chk: its bridge is up without its firewall chains"
	run berth system check --repair
	assert_success
	run nft list chain inet berth in-br-$(berth network inspect -f '{{.Id}}' chk | cut -c1-12)
	assert_success
}
