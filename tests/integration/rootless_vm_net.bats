#!/usr/bin/env bats
# The network of a VM run by an ordinary user (--isolation vm, issue #22): passt's, with the
# host's IPv6 as a rootless container's pasta has it. A real user made here (useradd, a range
# in /etc/subuid and /etc/subgid), berth run as that user with setpriv. The "host" is this
# suite's network namespace, given an interface of its own (a veth pair with IPv4 and IPv6
# addresses and default routes, gone in teardown). Everything the user made is gone after.

load helpers
load rootless

setup_file() {
	# a range of our own, above rootless_userns.bats' (which ends at 4093640704)
	rootless_file_setup "brv$$" $((4093640704 + ($$ % 1024) * 65536)) berth-rootless-vm-net
}

teardown_file() {
	rootless_user_remove
}

setup() {
	rootless_setup rv
	command -v qemu-system-x86_64 >/dev/null || skip "no QEMU (qemu-system-x86)"
	[ -x /usr/lib/qemu/virtiofsd ] || skip "no virtiofsd (qemu-system-common)"
	command -v passt >/dev/null || skip "passt is not installed (Debian's passt)"
	RV_PING=$(sysctl -n net.ipv4.ping_group_range)
	rootless_uplink "brv$$"
}

teardown() {
	[ -z "$RU_BLOCKED" ] || return 0
	stop_pid "${SRV6_PID:-}"
	rootless_uplink_remove
	[ -z "${RV_PING:-}" ] || sysctl -qw net.ipv4.ping_group_range="$RV_PING"
	rootless_teardown
}

# ub_vm ARGS: the user's `berth run -d --isolation vm ARGS`, bounded (a VM is slow under TCG)
ub_vm() { ub_within 300 run -d --isolation vm "$@"; }

# wait_exec NAME: until the user's VM NAME takes an exec
wait_exec() {
	for _ in $(seq 300); do ub exec "$1" true 2>/dev/null && return 0; sleep 1; done
	return 1
}

# serve ADDR PORT DIR: a python HTTP server on ADDR (IPv6 too), its pid in the named variable
serve() {
	python3 -c 'import functools, http.server, socket, sys
class S(http.server.ThreadingHTTPServer):
    address_family = socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET
h = functools.partial(http.server.SimpleHTTPRequestHandler, directory=sys.argv[3])
S((sys.argv[1], int(sys.argv[2])), h).serve_forever()' "$1" "$2" "$3" >/dev/null 2>&1 3>&- &
}

@test "--isolation vm as the user, passt's IPv6: the host's address and default route, a link-local one, eth0 running when the process starts; TCP and ping over IPv6 to another host, the gateway is the host's ::1, -p reached on ::1" {
	ip addr add 2001:db8:5::2/64 dev "$RU_UPLINK" nodad
	ip -6 route add default via 2001:db8:5::1 dev "$RU_UPLINK"
	ip addr add 2001:db8:5::7/64 dev "$RU_UPLINK_PEER" nodad
	# passt's ICMP echo goes through the user's ping sockets
	sysctl -qw net.ipv4.ping_group_range="0 2147483647"
	port=$(free_port)
	# the process's first look at eth0, before anything else
	run ub_vm --name "$N" -p "$port:80" berth/default sh -c \
		'cd /sys/class/net/eth0; cat operstate carrier >/tmp/l; ip link show eth0 >>/tmp/l
		ip -6 addr show eth0 >/tmp/a; echo hello-vm6 >/tmp/i; exec httpd -f -p 80 -h /tmp'
	assert_success
	wait_exec "$N"
	for _ in $(seq 100); do ub exec "$N" test -e /tmp/i && break; sleep 0.2; done
	# eth0 running when the process starts (its carrier, its operational state, its qdisc):
	# the guest init waits for it. The kernel's link watch ran up to a second after eth0 was
	# up, and a clone's process started before (operstate down, ip's NO-CARRIER, the
	# link-local address missing or tentative; a loaded CI run saw it at the first exec)
	run ub exec "$N" cat /tmp/l
	assert_line up
	assert_line 1
	refute_output --partial NO-CARRIER
	refute_output --partial "qdisc noop"
	# the host's IPv6 address and default route, as pasta gives a rootless container, and
	# the kernel's link-local address, which it adds once eth0 runs, with no DAD
	run ub exec "$N" cat /tmp/a
	assert_output --partial "inet6 2001:db8:5::2/64 scope global"
	assert_output --regexp "inet6 fe80::[0-9a-f:]+/64 scope link"
	refute_output --partial tentative
	run ub exec "$N" ip -6 route
	assert_line --partial "default via 2001:db8:5::1 dev eth0"
	# TCP over IPv6 to another host's address, through passt's IPv6 sockets
	mkdir -p "$RU_WORK/www$BATS_TEST_NUMBER"
	echo from-host6 >"$RU_WORK/www$BATS_TEST_NUMBER/h"
	sport=$(free_port)
	serve 2001:db8:5::7 "$sport" "$RU_WORK/www$BATS_TEST_NUMBER"
	SRV_PID=$!
	for _ in $(seq 50); do curl -s -m 1 "http://[2001:db8:5::7]:$sport/h" >/dev/null && break; sleep 0.1; done
	run ub exec "$N" wget -q -O - "http://[2001:db8:5::7]:$sport/h"
	assert_output from-host6
	# the gateway's address is the host itself (passt maps it to the host's ::1)
	lport=$(free_port)
	serve ::1 "$lport" "$RU_WORK/www$BATS_TEST_NUMBER"
	SRV6_PID=$!
	for _ in $(seq 50); do curl -s -m 1 "http://[::1]:$lport/h" >/dev/null && break; sleep 0.1; done
	run ub exec "$N" wget -q -O - "http://[2001:db8:5::1]:$lport/h"
	assert_output from-host6
	# ping -6, answered through passt's ICMPv6 echo
	run ub exec "$N" ping -6 -c 1 -W 10 2001:db8:5::7
	assert_success
	assert_output --partial "1 packets received"
	# -p's port answers on the host's IPv6 loopback too
	for _ in $(seq 300); do curl -s -m 2 "http://127.0.0.1:$port/i" >/dev/null && break; sleep 1; done
	run curl -s -m 5 -g "http://[::1]:$port/i"
	assert_output hello-vm6
	run ub rm -f "$N"
	assert_success
	run rootless_gone -f 'qemu-system|virtiofsd|passt'
	assert_success
}

@test "--isolation vm as the user on a user network: a TAP on its bridge in the rootless network namespace; the VM and containers on it reach each other; nothing left" {
	run ub network create "$N"
	assert_success
	run ub_vm --name "$N-vm" --network "$N" \
		berth/default sh -c 'echo hello-vm >/tmp/i; exec httpd -f -p 80 -h /tmp'
	assert_success
	run ub run -d --name "$N-c" --network "$N" berth/default \
		sh -c 'echo hello-container >/tmp/i; exec httpd -f -p 80 -h /tmp'
	assert_success
	wait_exec "$N-vm"
	vip=$(ub inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$N-vm")
	cip=$(ub inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$N-c")
	[ -n "$vip" ] && [ -n "$cip" ] && [ "$vip" != "$cip" ]
	# the guest has the network's address on eth0, its gateway the bridge's
	run ub exec "$N-vm" ip -4 addr show eth0
	assert_output --partial "inet $vip/"
	# both ways across the bridge of the rootless network namespace: the VM to the
	# container, a container to the VM (by address and by name)
	run ub exec "$N-vm" ping -c 1 -W 10 "$cip"
	assert_success
	assert_output --partial "1 packets received"
	run ub exec "$N-vm" wget -q -O - "http://$cip/i"
	assert_output hello-container
	run ub run --rm --network "$N" berth/default wget -q -O - "http://$vip/i"
	assert_output hello-vm
	run ub run --rm --network "$N" berth/default wget -q -O - "http://$N-vm/i"
	assert_output hello-vm
	run ub rm -f "$N-vm" "$N-c"
	assert_success
	run rootless_gone -f 'qemu-system|virtiofsd'
	assert_success
	run ub network rm "$N"
	assert_success
	run ub ps -aq
	assert_output ""
	# the rootless network namespace went with its last user
	[ ! -e "$RU_XDG/berth/rootless-netns/holder.pid" ]
}

@test "--isolation vm as the user: two VMs on a user network reach each other by address and name; -p into a VM on it is reached from the host" {
	run ub network create "$N"
	assert_success
	port=$(free_port)
	run ub_vm --name "$N-a" --network "$N" -p "$port:80" berth/default \
		sh -c 'echo hello-a >/tmp/i; exec httpd -f -p 80 -h /tmp'
	assert_success
	run ub_vm --name "$N-b" --network "$N" berth/default \
		sh -c 'echo hello-b >/tmp/i; exec httpd -f -p 80 -h /tmp'
	assert_success
	wait_exec "$N-a"
	wait_exec "$N-b"
	aip=$(ub inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$N-a")
	bip=$(ub inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$N-b")
	[ -n "$aip" ] && [ -n "$bip" ] && [ "$aip" != "$bip" ]
	# by address, both ways
	run ub exec "$N-a" wget -q -O - "http://$bip/i"
	assert_output hello-b
	run ub exec "$N-b" wget -q -O - "http://$aip/i"
	assert_output hello-a
	# by name, both ways
	run ub exec "$N-a" wget -q -O - "http://$N-b/i"
	assert_output hello-b
	run ub exec "$N-b" wget -q -O - "http://$N-a/i"
	assert_output hello-a
	# -p: a client on the host reaches the server in the VM through the rootless namespace
	for _ in $(seq 100); do curl -s -m 2 "http://127.0.0.1:$port/i" >/dev/null && break; sleep 0.2; done
	run curl -s -m 5 "http://127.0.0.1:$port/i"
	assert_output hello-a
	run ub rm -f "$N-a" "$N-b"
	assert_success
	run rootless_gone -f 'qemu-system|virtiofsd|berth-portfwd'
	assert_success
	run ub network rm "$N"
	assert_success
	[ ! -e "$RU_XDG/berth/rootless-netns/holder.pid" ]
}
