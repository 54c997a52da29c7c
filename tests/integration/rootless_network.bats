#!/usr/bin/env bats
# Networks of an ordinary user (issue #22, rootless podman 4's model): user networks inside one
# rootless network namespace per user (made in the user's user namespace, held by a holder
# process, its way out through pasta or slirp4netns), containers on them reaching each other by
# name and the host side, -p reached from the host through berth's forwarder; slirp4netns as a
# mode of its own with podman's options. As rootless_engine.bats: a real user made here
# (useradd, a range in /etc/subuid and /etc/subgid), berth run as that user with setpriv.
# Nothing of the user's (processes, the namespace's bind mount, files) is left after a test.

load helpers
load rootless

setup_file() {
	command -v pasta >/dev/null || command -v slirp4netns >/dev/null ||
		RU_BLOCKED="neither pasta nor slirp4netns is installed"
	# a range of our own, above rootless_engine.bats' (3489660928 + up to 2^28)
	rootless_file_setup "brn$$x" $((3758096384 + ($$ % 4096) * 65536)) berth-rootless-network
	# pasta and slirp4netns copy or route through the host's interface: one for the whole
	# file, gone in teardown_file
	[ -n "$RU_BLOCKED" ] || rootless_uplink "brn$$"
}

teardown_file() {
	rootless_uplink_remove
	rootless_user_remove
}

# The rootless network namespace and everything of it gone: its holder, its way out, its
# forwarders, its directory and its bind mount (in the user's mount namespace).
assert_no_netns() {
	run rootless_gone -x berth-netns
	assert_success
	run rootless_gone -x "pasta|passt.*"
	assert_success
	run rootless_gone -x slirp4netns
	assert_success
	run rootless_gone -x berth-portfwd
	assert_success
	[ ! -e "$RU_XDG/berth/rootless-netns" ]
	local pause
	pause=$(cut -d' ' -f1 "$RU_XDG/berth/pause.pid")
	run grep rootless-netns "/proc/$pause/mountinfo"
	assert_failure
}

# Wait until http://127.0.0.1:$1/i answers.
wait_http() {
	for _ in $(seq 100); do curl -s -m 2 "http://127.0.0.1:$1/i" >/dev/null && return 0; sleep 0.1; done
}

setup() {
	rootless_setup rn
}

teardown() {
	[ -z "$RU_BLOCKED" ] || return 0
	stop_pid "${SVC_PID:-}"
	rootless_teardown
	ub network prune -f >/dev/null 2>&1 || true
	ub system prune -f >/dev/null 2>&1 || true
}

@test "a user network: two containers reach each other by name, and the host side; the namespace goes with the last one" {
	run ub network create "$N"
	assert_success
	run ub run -d --name "$N-web" --network "$N" berth/default sh -c 'echo hello >/tmp/i; exec httpd -f -p 80 -h /tmp'
	assert_success
	# the holder and the way out, the user's own; the container's address on the network
	rootless_procs -x berth-netns
	run ub inspect -f "{{(index .NetworkSettings.Networks \"$N\").IPAddress}}" "$N-web"
	assert_output --regexp '^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$'
	addr=$output
	# the second container by name, and by address
	run ub run --rm --name "$N-cli" --network "$N" berth/default sh -c "for i in \$(seq 50); do wget -q -O - http://$N-web/i && break; sleep 0.1; done"
	assert_success
	assert_output hello
	run ub run --rm --network "$N" berth/default wget -q -O - "http://$addr/i"
	assert_output hello
	# nothing of it on the host's side: no bridge here, the address not routed here
	run ip -o link show type bridge
	refute_output --partial "br-"
	# outbound: the host side's server, through the namespace's way out
	rootless_host_server
	run ub exec "$N-web" wget -q -O - "http://198.51.100.7:$SPORT/h"
	assert_success
	assert_output from-host
	run ub rm -f "$N-web"
	assert_success
	assert_no_netns
	run ub network rm "$N"
	assert_success
}

@test "--network bridge said: the user's default bridge network in the namespace, containers reach each other; none said is still pasta" {
	command -v pasta >/dev/null || skip "pasta is not installed"
	# podman 4: an explicit --network bridge joins its "podman" network in the rootless
	# network namespace; nothing said is pasta
	run ub run -d --name "$N-a" --network bridge berth/default sleep 300
	assert_success
	run ub inspect -f '{{.HostConfig.NetworkMode}}' "$N-a"
	assert_output bridge
	rootless_procs -x berth-netns
	run ub inspect -f '{{.NetworkSettings.Networks.bridge.IPAddress}}' "$N-a"
	assert_output --regexp '^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$'
	a=$output
	run ub run -d --name "$N-b" --network bridge berth/default sleep 300
	assert_success
	run ub inspect -f '{{.NetworkSettings.Networks.bridge.IPAddress}}' "$N-b"
	assert_output --regexp '^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$'
	b=$output
	[ "$a" != "$b" ]
	# one namespace for both
	[ "$(rootless_procs -x berth-netns | wc -l)" = 1 ]
	run ub exec "$N-b" ping -c 1 -W 5 "$a"
	assert_success
	run ub exec "$N-a" ping -c 1 -W 5 "$b"
	assert_success
	# nothing of it on the host's side: no bridge here
	run ip -o link show type bridge
	refute_output --partial berth0
	# outbound through the namespace's way out
	rootless_host_server
	run ub exec "$N-a" wget -q -O - "http://198.51.100.7:$SPORT/h"
	assert_success
	assert_output from-host
	# none said: pasta, as before, no address on the bridge network
	run ub create --name "$N-c" berth/default wget -q -O - "http://198.51.100.7:$SPORT/h"
	assert_success
	run ub inspect -f '{{.HostConfig.NetworkMode}} {{len .NetworkSettings.Networks}}' "$N-c"
	assert_output "pasta 0"
	run ub start -a "$N-c"
	assert_success
	assert_output from-host
	run ub rm -f "$N-a" "$N-b" "$N-c"
	assert_success
	assert_no_netns
	run ub ps -aq
	assert_output ""
}

@test "--network bridge through the Engine API: berth system service as the user, the docker CLI; the same namespace and addresses as the CLI's" {
	command -v pasta >/dev/null || skip "pasta is not installed"
	[ -x /usr/bin/docker ] || skip "Debian's docker.io (the docker CLI) is not installed"
	sock="$RU_WORK/home/api.sock"
	setpriv --reuid="$RU_UID" --regid="$RU_GID" --init-groups -- env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
		HOME="$RU_WORK/home" XDG_RUNTIME_DIR="$RU_XDG" "$BERTH" system service --time 0 "unix://$sock" \
		>"$RU_WORK/service.log" 2>&1 &
	SVC_PID=$!
	for _ in $(seq 50); do [ -S "$sock" ] && break; sleep 0.1; done
	dk() { DOCKER_CONFIG="$RU_WORK/docker-config" timeout 30 /usr/bin/docker -H "unix://$sock" "$@"; }
	run dk run -d --name "$N-a" --network bridge berth/default sleep 300
	assert_success
	run dk run -d --name "$N-b" --network bridge berth/default sleep 300
	assert_success
	run dk inspect -f '{{.HostConfig.NetworkMode}} {{.NetworkSettings.Networks.bridge.IPAddress}}' "$N-a" "$N-b"
	assert_line --index 0 --regexp '^bridge [0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$'
	assert_line --index 1 --regexp '^bridge [0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$'
	b=${lines[1]#bridge }
	# the user's one rootless network namespace, as the CLI's containers have it
	[ "$(rootless_procs -x berth-netns | wc -l)" = 1 ]
	run ub inspect -f '{{.NetworkSettings.Networks.bridge.IPAddress}}' "$N-b"
	assert_output "$b"
	run dk exec "$N-a" ping -c 1 -W 5 "$b"
	assert_success
	rootless_host_server
	run dk exec "$N-b" wget -q -O - "http://198.51.100.7:$SPORT/h"
	assert_success
	assert_output from-host
	# the docker CLI's "default" (nothing said) is pasta, as the CLI's none said
	run dk run --rm --name "$N-c" berth/default wget -q -O - "http://198.51.100.7:$SPORT/h"
	assert_success
	assert_output from-host
	run dk rm -f "$N-a" "$N-b"
	assert_success
	assert_no_netns
	stop_pid "$SVC_PID"
	SVC_PID=
	run ub ps -aq
	assert_output ""
}

@test "-p on a user network reaches the container from the host; the forwarder goes with it" {
	ub network create "$N" >/dev/null
	port=$(free_port)
	run ub run -d --name "$N" --network "$N" -p "$port:80" berth/default sh -c 'echo hello >/tmp/i; exec httpd -f -p 80 -h /tmp'
	assert_success
	run ub port "$N"
	assert_line "80/tcp -> 0.0.0.0:$port"
	wait_http "$port"
	run curl -s -m 5 "http://127.0.0.1:$port/i"
	assert_output hello
	# and at the host's other address
	run curl -s -m 5 "http://198.51.100.2:$port/i"
	assert_output hello
	rootless_procs -x berth-portfwd
	run ub rm -f "$N"
	assert_success
	assert_no_netns
	# the port is free again
	run curl -s -m 2 "http://127.0.0.1:$port/i"
	assert_failure
	# a port below 1024 needs the sysctl
	run ub run --rm --network "$N" -p 80:80 berth/default true
	assert_failure 125
	assert_output --partial "net.ipv4.ip_unprivileged_port_start"
	assert_no_netns
}

@test "two user networks at once; network connect and disconnect; system prune removes a namespace no running container uses" {
	ub network create "$N-a" >/dev/null
	ub network create "$N-b" >/dev/null
	run ub run -d --name "$N-1" --network "$N-a" berth/default sleep 300
	assert_success
	run ub run -d --name "$N-2" --network "$N-b" berth/default sleep 300
	assert_success
	[ "$(rootless_procs -x berth-netns | wc -l)" = 1 ]
	# the first going leaves the namespace to the second
	ub rm -f "$N-1" >/dev/null
	rootless_procs -x berth-netns
	run ub exec "$N-2" ip -4 -o addr show eth0
	assert_success
	# network connect and disconnect while it runs: its eth1 inside the namespace
	run ub network connect "$N-a" "$N-2"
	assert_success
	run ub exec "$N-2" ip -4 -o addr show eth1
	assert_success
	assert_output --partial "inet "
	run ub network disconnect "$N-a" "$N-2"
	assert_success
	run ub exec "$N-2" ip -o link show eth1
	assert_failure
	# a monitor killed with its container leaves its use behind: prune drops it
	mon=$(pgrep -u "$RU_UID" -f "berth.*monitor.*$(ub inspect -f '{{.Id}}' "$N-2")" | head -1 || true)
	pid=$(ub inspect -f '{{.State.Pid}}' "$N-2")
	[ -z "$mon" ] || kill -KILL $mon
	kill -KILL "$pid"
	sleep 0.5
	run ub system prune -f
	assert_success
	assert_no_netns
}

@test "--network slirp4netns: outbound, -p, podman's options; unknown ones refused" {
	command -v slirp4netns >/dev/null || skip "slirp4netns is not installed"
	port=$(free_port)
	run ub run -d --name "$N" --network slirp4netns -p "$port:80" berth/default sh -c 'echo hello >/tmp/i; exec httpd -f -p 80 -h /tmp'
	assert_success
	run ub inspect -f '{{.HostConfig.NetworkMode}}' "$N"
	assert_output slirp4netns
	run ub exec "$N" ip -4 -o addr show tap0
	assert_output --partial "10.0.2.100/24"
	wait_http "$port"
	run curl -s -m 5 "http://127.0.0.1:$port/i"
	assert_output hello
	rootless_host_server
	run ub exec "$N" wget -q -O - "http://198.51.100.7:$SPORT/h"
	assert_output from-host
	run ub rm -f "$N"
	assert_success
	run rootless_gone -x slirp4netns
	assert_success
	run rootless_gone -x berth-portfwd
	assert_success
	# podman's options
	run ub run --rm --network slirp4netns:cidr=10.9.0.0/24,mtu=1500,port_handler=slirp4netns,allow_host_loopback=true,enable_ipv6=false berth/default sh -c 'ip -4 -o addr show tap0; cat /sys/class/net/tap0/mtu'
	assert_success
	assert_line --partial "10.9.0.100/24"
	assert_line 1500
	run ub run --rm --network slirp4netns:bogus=1 berth/default true
	assert_failure 125
	assert_output --partial 'unknown option for slirp4netns: "bogus=1"'
	run ub run --rm --network slirp4netns:port_handler=nope berth/default true
	assert_failure 125
	assert_output --partial "port_handler"
	run ub run --rm --network pasta:-T,80 berth/default true
	assert_failure 125
	assert_output --partial "berth takes no options for pasta"
	run ub ps -aq
	assert_output ""
	run rootless_gone -x slirp4netns
	assert_success
}

@test "without pasta: slirp4netns is the default and the rootless network namespace's way out" {
	command -v slirp4netns >/dev/null || skip "slirp4netns is not installed"
	# a PATH with everything of /usr/bin but pasta
	mkdir -p "$RU_WORK/nopasta"
	for f in /usr/bin/*; do
		case "${f##*/}" in pasta | pasta.avx2 | passt | passt.avx2) ;; *) ln -sf "$f" "$RU_WORK/nopasta/" ;; esac
	done
	RU_PATH="$RU_WORK/nopasta:/usr/sbin:/sbin"
	run ub run --rm berth/default ip -4 -o addr show tap0
	assert_success
	assert_output --partial "10.0.2.100/24"
	ub network create "$N" >/dev/null
	rootless_host_server
	run ub run --rm --network "$N" berth/default wget -q -O - "http://198.51.100.7:$SPORT/h"
	assert_success
	assert_output from-host
	run rootless_procs -x "pasta|passt.*"
	assert_failure
	assert_no_netns
}
