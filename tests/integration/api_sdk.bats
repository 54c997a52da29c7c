#!/usr/bin/env bats
# The SDK suite (tests/sdk, pytest): Debian's python3-docker 5.0 driving `berth system service`
# on a socket of the test's own, as Python programs and CI tools use the Docker API.

load helpers

setup() {
	store_setup
	/usr/bin/python3 -c 'import docker, pytest' 2>/dev/null ||
		skip "Debian's python3-docker and python3-pytest are not installed"
	api_service_start
}

teardown() {
	local left
	left=$(api_service_stop)
	for id in $(berth ps -aq 2>/dev/null); do berth rm -f "$id" >/dev/null 2>&1 || true; done
	berth network prune -f >/dev/null 2>&1 || true
	store_teardown
	[ -z "$left" ] || { echo "left behind: $left" >&2; return 1; }
}

@test "api sdk: python3-docker's pytest suite (tests/sdk) passes against the service" {
	run timeout 600 /usr/bin/python3 -m pytest -q -p no:cacheprovider "$BATS_TEST_DIRNAME/../sdk"
	echo "$output"
	assert_success
	assert_output --regexp '[0-9]+ passed'
	refute_output --regexp 'skipped|failed|error'
}
