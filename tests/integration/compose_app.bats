#!/usr/bin/env bats
# Issue #19's proof: a Compose file of real shape (tests/integration/compose-app/), every
# image built by `berth compose up --build` from Debian's packages: nginx in front, published
# on 127.0.0.1; a Python app (Debian's python3, python3-redis, python3-psycopg2) that counts
# each visit in redis and writes and reads it back in postgres; redis and PostgreSQL 15,
# healthchecked (redis-cli ping, pg_isready), gating the app's start (service_healthy), the
# app's health gating nginx's. A request through the published port reaches the database;
# compose ps shows all four healthy; down -v leaves nothing.
#
# The base is a Debian 12 minbase with apt's lists and the packages' .debs in its cache
# (scripts/compose-app-image, which scripts/setup runs: the suite has no network), imported
# as debian:compose-base; the Containerfiles apt-get install from that cache. Without it the
# test is skipped. The four builds take about 35 s (postgresql's 20 s of them) and up to all
# healthy a few seconds more; importing the 320 MB base a few seconds.

load helpers

APP_TAR=${BERTH_COMPOSE_APP_IMAGE:-/var/cache/berth/debian-bookworm-compose-app.tar}
APP_SRC="$(cd "$(dirname "$BATS_TEST_FILENAME")" && pwd)/compose-app"
# building four images from Debian's packages takes longer than the suite's 60 s
BATS_TEST_TIMEOUT=$((${BATS_TEST_TIMEOUT:-60} > 300 ? ${BATS_TEST_TIMEOUT:-60} : 300))

setup() {
	[ -s "$APP_TAR" ] ||
		skip "no Debian base at $APP_TAR: run scripts/compose-app-image (needs the network, which the suite has not)"
	store_setup
	command -v nft >/dev/null || skip "nft (nftables) is not installed"
	berth import "$APP_TAR" debian:compose-base >/dev/null
	cp -r "$APP_SRC" "$WORK/shop"
	cd "$WORK/shop"
}

teardown() {
	[ -n "${STORE:-}" ] || return 0
	cd "$WORK/shop" 2>/dev/null && berth compose down -v -t 0 >/dev/null 2>&1
	net_teardown
	store_teardown
	[ -z "$LEFT" ] || { echo "left behind:$LEFT" >&2; return 1; }
}

# The line number of the first line of $output that has $1.
line_of() { echo "$output" | grep -n -F -- "$1" | head -1 | cut -d: -f1; }

@test "compose_app: nginx + app + redis + postgres from Debian's packages; a request through nginx reaches the database; down -v leaves nothing" {
	run timeout 280 "$BERTH" --root "$STORE" --runroot "$RUNROOT" compose up -d --build --wait
	assert_success
	for s in web app cache db; do assert_line " Service $s  Built"; done
	# what gates what: the app made once redis and postgres are healthy, nginx once the app is
	[ "$(line_of 'shop-cache-1  Healthy')" -lt "$(line_of 'shop-app-1  Creating')" ]
	[ "$(line_of 'shop-db-1  Healthy')" -lt "$(line_of 'shop-app-1  Creating')" ]
	[ "$(line_of 'shop-app-1  Healthy')" -lt "$(line_of 'shop-web-1  Creating')" ]
	assert_line " Container shop-web-1  Healthy"

	# through nginx to the app, which writes to redis and postgres and reads both back
	run curl -sS -m 10 http://127.0.0.1:18180/
	assert_success
	assert_output --regexp '^visit 1: redis hits=1, postgres rows=1 last=1 from [0-9.]+$'
	run curl -sS -m 10 http://127.0.0.1:18180/
	assert_output --regexp '^visit 2: redis hits=2, postgres rows=2 last=2 from [0-9.]+$'
	# the rows are in the database and the count in redis, as each store says itself
	run berth compose exec -T -e PGPASSWORD=shop-secret db \
		psql -h 127.0.0.1 -U shop -d shop -Atc 'SELECT n FROM visits ORDER BY n'
	assert_success
	assert_output "$(printf '1\n2')"
	run berth compose exec -T cache redis-cli get hits
	assert_output 2
	# Debian's packages, not something else
	run berth compose exec -T db dpkg-query -W -f '${Package} ${Version}\n' postgresql-15
	assert_output --regexp '^postgresql-15 15\.'
	run berth compose exec -T web nginx -v
	assert_output --partial "nginx/1."

	run berth compose ps
	assert_success
	assert_line --regexp '^shop-web-1 +shop/web +.* web +.*Up .*\(healthy\) +127\.0\.0\.1:18180->80/tcp$'
	for s in app cache db; do
		assert_line --regexp "^shop-$s-1 +shop/$s +.* $s +.*Up .*\\(healthy\\)"
	done
	run berth compose ps --format json
	[ "$(echo "$output" | jq -rs 'map(.Service + ":" + .State + ":" + .Health) | sort | join(",")')" = \
		"app:running:healthy,cache:running:healthy,db:running:healthy,web:running:healthy" ]

	run berth compose down -v
	assert_success
	assert_line " Volume \"shop_db-data\"  Removed"
	assert_line " Network shop_default  Removed"
	# nginx (nothing depends on it) went before the app, the app before the stores
	[ "$(line_of 'shop-web-1  Removed')" -lt "$(line_of 'shop-app-1  Stopping')" ]
	[ "$(line_of 'shop-app-1  Removed')" -lt "$(line_of 'shop-db-1  Stopping')" ]
	[ -z "$(berth ps -aq)" ]
	[ -z "$(berth volume ls -q)" ]
	run berth network ls --format '{{.Name}}'
	refute_output --partial shop_
	run curl -sS -m 2 http://127.0.0.1:18180/
	assert_failure
}
