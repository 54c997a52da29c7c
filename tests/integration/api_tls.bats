#!/usr/bin/env bats
# `berth system service` on tcp:// (issue #18): only with TLS and verified client certificates,
# as dockerd's --tlsverify. Debian's docker CLI 20.10 with a certificate the CA signed is
# served (version, run: an attach over TLS, exec); curl without a certificate, or with one of
# another CA, gets the refusal and nothing else; plain TCP is refused at start.

load helpers
bats_require_minimum_version 1.5.0

# A CA, the service's certificate for 127.0.0.1, a client's, and a client's of another CA.
make_certs() {
	local d="$WORK/tls"
	mkdir -p "$d"
	(
		cd "$d"
		openssl req -x509 -newkey rsa:2048 -nodes -keyout ca-key.pem -out ca.pem -days 2 \
			-subj /CN=berth-test-ca
		openssl req -x509 -newkey rsa:2048 -nodes -keyout other-ca-key.pem -out other-ca.pem \
			-days 2 -subj /CN=other-ca
		openssl req -newkey rsa:2048 -nodes -keyout server-key.pem -out server.csr -subj /CN=127.0.0.1
		printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' >server.ext
		openssl x509 -req -in server.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial \
			-out server-cert.pem -days 2 -extfile server.ext
		printf 'extendedKeyUsage=clientAuth\n' >client.ext
		openssl req -newkey rsa:2048 -nodes -keyout key.pem -out client.csr -subj /CN=client
		openssl x509 -req -in client.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial \
			-out cert.pem -days 2 -extfile client.ext
		openssl req -newkey rsa:2048 -nodes -keyout other-key.pem -out other.csr -subj /CN=other
		openssl x509 -req -in other.csr -CA other-ca.pem -CAkey other-ca-key.pem \
			-CAcreateserial -out other-cert.pem -days 2 -extfile client.ext
	) >"$WORK/openssl.log" 2>&1
}

setup() {
	store_setup
	command -v openssl >/dev/null || skip "openssl is not installed"
	make_certs
	PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	T="$WORK/tls"
}

# The service on tcp://127.0.0.1:$PORT with TLS; it is stopped in teardown (fd 3 closed: bats
# waits for whoever holds it).
tls_service_start() {
	"$BERTH" --root "$STORE" --runroot "$RUNROOT" system service --time 0 --tlsverify \
		--tlscacert "$T/ca.pem" --tlscert "$T/server-cert.pem" --tlskey "$T/server-key.pem" \
		"tcp://127.0.0.1:$PORT" >"$WORK/service.log" 2>&1 3>&- &
	SERVICE=$!
	for _ in $(seq 50); do
		curl -sk -o /dev/null "https://127.0.0.1:$PORT/_ping" && break
		sleep 0.1
	done
}

teardown() {
	[ -z "${SERVICE:-}" ] || kill "$SERVICE" 2>/dev/null || true
	[ -z "${SERVICE:-}" ] || wait "$SERVICE" 2>/dev/null || true
	local left=""
	for _ in $(seq 30); do
		left=$(pgrep -f "tcp://127.0.0.1:$PORT" || true)
		[ -n "$left" ] || break
		sleep 0.1
	done
	store_teardown
	[ -z "$left" ] || { echo "left behind: $left" >&2; return 1; }
}

# KILL: an attached docker run passes SIGTERM on to the container and carries on
tdocker() {
	timeout -s KILL 30 /usr/bin/docker --tlsverify --tlscacert "$T/ca.pem" --tlscert "$T/cert.pem" \
		--tlskey "$T/key.pem" -H "tcp://127.0.0.1:$PORT" "$@"
}

@test "api tls: the docker CLI with a client certificate: version, run (attach, stdin), exec" {
	[ -x /usr/bin/docker ] || skip "Debian's docker.io (the docker CLI) is not installed"
	export DOCKER_CONFIG="$WORK/docker-config"
	tls_service_start
	run tdocker version --format '{{.Server.APIVersion}}'
	assert_success
	assert_output 1.41
	# docker run without -d: a hijacked attach stream, relayed by the TLS connection
	run tdocker run --rm berth/default echo hi
	assert_success
	assert_output hi
	run tdocker run --rm berth/default sh -c 'echo out; echo err >&2; exit 3'
	assert_equal "$status" 3
	assert_line out
	assert_line err
	# stdin through TLS, and its end (the CLI's close_notify) passed on
	run sh -c "printf 'one\ntwo\n' | timeout -s KILL 30 /usr/bin/docker --tlsverify \
		--tlscacert $T/ca.pem --tlscert $T/cert.pem --tlskey $T/key.pem \
		-H tcp://127.0.0.1:$PORT run -i --rm berth/default wc -l"
	assert_success
	assert_output 2
	# exec into a running container
	run tdocker run -d --name tls1 berth/default sleep 60
	assert_success
	run tdocker exec tls1 sh -c 'echo in-exec; exit 4'
	assert_equal "$status" 4
	assert_output in-exec
	run sh -c "echo piped | timeout -s KILL 30 /usr/bin/docker --tlsverify \
		--tlscacert $T/ca.pem --tlscert $T/cert.pem --tlskey $T/key.pem \
		-H tcp://127.0.0.1:$PORT exec -i tls1 cat"
	assert_success
	assert_output piped
	run tdocker rm -f tls1
	assert_success
}

@test "api tls: no client certificate, or one of another CA: the refusal and nothing else" {
	tls_service_start
	# no certificate: 401 and why
	run curl -sS --cacert "$T/ca.pem" -w '\n%{http_code}' "https://127.0.0.1:$PORT/version"
	assert_success
	assert_line --index 0 --partial '"message":"a client certificate is required'
	assert_line --index 1 401
	refute_output --partial ApiVersion
	# one of another CA: 403, and a create is not carried out
	run curl -sS --cacert "$T/ca.pem" --cert "$T/other-cert.pem" --key "$T/other-key.pem" \
		-H 'Content-Type: application/json' -d '{"Image":"berth/default","Cmd":["true"]}' \
		-w '\n%{http_code}' "https://127.0.0.1:$PORT/containers/create?name=nope"
	assert_success
	assert_line --index 0 '{"message":"the client certificate is signed by an unknown authority"}'
	assert_line --index 1 403
	run "$BERTH" --root "$STORE" --runroot "$RUNROOT" ps -aq
	assert_output ""
	# plain HTTP on the port: no answer from the API
	run curl -sS -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/version"
	refute_output 200
	# the CA's client is served
	run curl -sS --cacert "$T/ca.pem" --cert "$T/cert.pem" --key "$T/key.pem" \
		-w '\n%{http_code}' "https://127.0.0.1:$PORT/_ping"
	assert_success
	assert_line --index 0 OK
	assert_line --index 1 200
}

@test "api tls: tcp:// without TLS and verified client certificates is refused at start" {
	berth_service() {
		timeout 10 "$BERTH" --root "$STORE" --runroot "$RUNROOT" system service --time 0 "$@" 3>&-
	}
	run berth_service "tcp://127.0.0.1:$PORT"
	assert_equal "$status" 125
	assert_output --partial "TCP is served only with TLS and verified client certificates"
	assert_output --partial "missing --tlsverify, --tlscacert, --tlscert, --tlskey"
	run berth_service --tlsverify --tlscacert "$T/ca.pem" --tlscert "$T/server-cert.pem" \
		"tcp://127.0.0.1:$PORT"
	assert_equal "$status" 125
	assert_output --partial "missing --tlskey"
	run berth_service --tlscacert "$T/ca.pem" --tlscert "$T/server-cert.pem" \
		--tlskey "$T/server-key.pem" "tcp://127.0.0.1:$PORT"
	assert_equal "$status" 125
	assert_output --partial "missing --tlsverify"
	run berth_service --tlsverify --tlscacert "$T/ca.pem" --tlscert "$T/nope.pem" \
		--tlskey "$T/server-key.pem" "tcp://127.0.0.1:$PORT"
	assert_equal "$status" 125
	assert_output --partial "--tlscert: open '$T/nope.pem'"
	run berth_service --tlsverify "unix://$WORK/x.sock"
	assert_equal "$status" 125
	assert_output --partial "serve a tcp:// URI only"
	run berth_service --tlsverify --tlscacert "$T/ca.pem" --tlscert "$T/server-cert.pem" \
		--tlskey "$T/server-key.pem" "tcp://localhost:$PORT"
	assert_equal "$status" 125
	assert_output --partial "not a numeric IPv4 or [IPv6] address"
}
