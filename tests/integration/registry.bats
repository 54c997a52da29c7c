#!/usr/bin/env bats
# pull, push, login against Debian's docker-registry on 127.0.0.1 (plain HTTP, TLS with a CA of
# the test's own, htpasswd), a token-auth front, and registries that fail or hang. skopeo and
# umoci check what berth pushed.

load helpers

setup() {
	store_setup
	export REGISTRY_AUTH_FILE="$WORK/auth.json"
}

teardown() {
	registry_stop
	store_teardown
}

# Compare the trees of berth's mount of an image and umoci's unpack of an OCI layout image.
same_tree() {
	local name=$1 layout=$2 m
	umoci unpack --image "$layout" "$WORK/bundle" >/dev/null
	m=$(berth image mount "$name")
	(cd "$WORK/bundle/rootfs" && find . -printf '%p %M %U %G %l %s\n' | sort) >"$WORK/umoci.txt"
	(cd "$m" && find . -printf '%p %M %U %G %l %s\n' | sort) >"$WORK/berth.txt"
	berth image unmount "$name" >/dev/null
	rm -rf "$WORK/bundle"
	diff "$WORK/umoci.txt" "$WORK/berth.txt"
}

@test "pull: plain HTTP registry, by tag and by digest, content as umoci unpacks it" {
	registry_start plain
	"$MKIMAGE" good "$WORK/g.tar" --format oci --layers 3 --name ""
	push_archive oci-archive:"$WORK/g.tar" docker://"$REG"/lib/layers:v1
	run berth pull --tls-verify=false "$REG/lib/layers:v1"
	assert_success
	assert_line "v1: Pulling from lib/layers"
	assert_line --regexp '^[0-9a-f]{12}: Pull complete$'
	assert_line --regexp "^Digest: sha256:[0-9a-f]{64}$"
	assert_line "Status: Downloaded newer image for $REG/lib/layers:v1"
	[ "${lines[-1]}" = "$REG/lib/layers:v1" ]
	digest=$(skopeo inspect --tls-verify=false docker://"$REG"/lib/layers:v1 | jq -r .Digest)
	run berth images --digests --format '{{.Repository}}:{{.Tag}} {{.Digest}}'
	assert_output "$REG/lib/layers:v1 $digest"
	skopeo copy -q --src-tls-verify=false docker://"$REG"/lib/layers:v1 oci:"$WORK/layout":l
	same_tree "$REG/lib/layers:v1" "$WORK/layout:l"
	run berth pull --tls-verify=false "$REG/lib/layers:v1"
	assert_line "Status: Image is up to date for $REG/lib/layers:v1"
	run berth pull -q --tls-verify=false "$REG/lib/layers@$digest"
	assert_success
	assert_output "$REG/lib/layers@$digest"
	run berth pull --tls-verify=false "$REG/lib/nothere:v1"
	assert_failure
	assert_output --partial "manifest unknown"
	# --all-tags: every tag of the repository
	"$MKIMAGE" good "$WORK/g2.tar" --format oci --layers 1 --name ""
	push_archive oci-archive:"$WORK/g2.tar" docker://"$REG"/lib/layers:v2
	push_archive oci-archive:"$WORK/g2.tar" docker://"$REG"/lib/layers:latest
	run berth pull -a --tls-verify=false "$REG/lib/layers"
	assert_success
	[ "${lines[-1]}" = "$REG/lib/layers" ]
	run berth images --format '{{.Tag}}' "$REG/lib/layers"
	assert_equal "$(echo "$output" | sort | tr '\n' ' ')" "latest v1 v2 "
	run berth pull -a --tls-verify=false "$REG/lib/layers:v1"
	assert_equal "$status" 125
	assert_output --partial "tag can't be used with --all-tags/-a"
}

@test "push: what berth pushes skopeo reads back, cross-repository mounts, chunked upload" {
	registry_start plain
	run berth push --tls-verify=false berth/default "$REG/b/default:1"
	assert_success
	assert_line "The push refers to repository [$REG/b/default]"
	assert_line --regexp '^[0-9a-f]{12}: Pushed$'
	assert_line --regexp '^1: digest: sha256:[0-9a-f]{64} size: [0-9]+$'
	skopeo copy -q --src-tls-verify=false docker://"$REG"/b/default:1 oci:"$WORK/layout":d
	same_tree berth/default "$WORK/layout:d"
	# the same image to another repository: its layer is mounted, not sent again
	berth tag berth/default "$REG/b/default:1"
	run berth push --tls-verify=false "$REG/b/default:1" "$REG/other/copy:2"
	assert_success
	assert_line --regexp '^[0-9a-f]{12}: Mounted from b/default$'
	run berth push --tls-verify=false "$REG/b/default:1"
	assert_line --regexp '^[0-9a-f]{12}: Layer already exists$'
	# a 40 MB layer goes up in 16 MiB chunks; skopeo checks every digest on the way back
	"$MKIMAGE" big "$WORK/big.tar" --layers 1 --size 40000000 --name docker.io/library/big:1
	berth load -q -i "$WORK/big.tar"
	run berth push --tls-verify=false big:1 "$REG/big/one:1"
	assert_success
	skopeo copy -q --src-tls-verify=false docker://"$REG"/big/one:1 oci:"$WORK/layout":big
	same_tree big:1 "$WORK/layout:big"
}

@test "TLS: a registry with its own CA needs --cert-dir; without, a clear error and no change" {
	registry_start tls
	"$MKIMAGE" good "$WORK/g.tar" --format oci --name ""
	skopeo copy -q --dest-cert-dir "$REG_DIR/certs" oci-archive:"$WORK/g.tar" docker://"$REG"/t/img:1
	berth images -q >/dev/null
	before=$(store_state)
	run berth pull "$REG/t/img:1"
	assert_failure
	assert_output --partial "certificate"
	[ "$(store_state)" = "$before" ]
	run berth pull --cert-dir "$REG_DIR/certs" "$REG/t/img:1"
	assert_success
	run berth push --cert-dir "$REG_DIR/certs" berth/default "$REG/t/default:1"
	assert_success
	run skopeo inspect --cert-dir "$REG_DIR/certs" docker://"$REG"/t/default:1
	assert_success
	# --tls-verify=false takes it too, unverified
	run berth pull --tls-verify=false "$REG/t/default:1"
	assert_success
}

@test "auth: htpasswd registry, login stores credentials 0600, pull and push with them, logout" {
	registry_start auth
	run berth pull --cert-dir "$REG_DIR/certs" "$REG/a/img:1"
	assert_failure
	assert_output --partial "authentication required"
	run berth login --cert-dir "$REG_DIR/certs" -u tester -p wrong "$REG"
	assert_failure
	[ ! -e "$REGISTRY_AUTH_FILE" ]
	run bash -c "echo s3cret | '$BERTH' --root '$STORE' login --cert-dir '$REG_DIR/certs' -u tester --password-stdin '$REG'"
	assert_success
	assert_output "Login Succeeded"
	[ "$(stat -c %a "$REGISTRY_AUTH_FILE")" = 600 ]
	[ "$(jq -r --arg r "$REG" '.auths[$r].auth' "$REGISTRY_AUTH_FILE" | base64 -d)" = "tester:s3cret" ]
	run berth push --cert-dir "$REG_DIR/certs" berth/default "$REG/a/img:1"
	assert_success
	berth rmi berth/default >/dev/null
	run berth pull --cert-dir "$REG_DIR/certs" "$REG/a/img:1"
	assert_success
	run berth logout "$REG"
	assert_output "Removing login credentials for $REG"
	[ "$(jq -r '.auths | length' "$REGISTRY_AUTH_FILE")" = 0 ]
	run berth pull --cert-dir "$REG_DIR/certs" --creds tester:s3cret "$REG/a/img:1"
	assert_success
}

@test "auth: a Bearer token from the challenge's realm (Docker Hub's scheme)" {
	registry_start plain
	push_archive oci-archive:"$BUILD/share/berth/default-image.tar" docker://"$REG"/tok/img:1
	fake_start bearer --user tok --password en
	run berth pull --tls-verify=false "$FAKE/tok/img:1"
	assert_failure
	assert_output --partial "unauthorized"
	run berth pull --tls-verify=false --creds tok:en "$FAKE/tok/img:1"
	assert_success
	run berth push --tls-verify=false --creds tok:en "$FAKE/tok/img:1" "$FAKE/tok/back:2"
	assert_success
	run skopeo inspect --tls-verify=false docker://"$REG"/tok/back:2
	assert_success
}

@test "pull: a multi-platform index gives this host's image, or --platform's" {
	registry_start plain
	"$MKIMAGE" multiarch "$WORK/m.tar" --name ""
	skopeo copy -q --all --dest-tls-verify=false oci-archive:"$WORK/m.tar" docker://"$REG"/multi/img:1
	berth pull -q --tls-verify=false "$REG/multi/img:1"
	m=$(berth image mount "$REG/multi/img:1")
	[ "$(cat "$m/arch")" = amd64 ]
	berth image unmount "$REG/multi/img:1"
	run berth pull -q --tls-verify=false --platform linux/arm64 "$REG/multi/img:1"
	assert_success
	run berth image inspect --format '{{.Architecture}}' "$REG/multi/img:1"
	assert_output arm64
	before=$(store_state)
	run berth pull --tls-verify=false --platform linux/riscv64 "$REG/multi/img:1"
	assert_failure
	assert_output --partial "no image for platform linux/riscv64"
	[ "$(store_state)" = "$before" ]
}

@test "pull: a registry that fails or hangs gives one clear error and changes nothing" {
	registry_start plain
	berth image inspect berth/default >/dev/null
	before=$(store_state)
	fake_start error
	run berth pull --tls-verify=false --retry 2 --retry-delay 50ms "$FAKE/x/y:1"
	assert_failure
	assert_output --partial "injected failure (HTTP 500)"
	[ "$(store_state)" = "$before" ]
	stop_pid "$FAKE_PID"
	fake_start hang
	start=$(date +%s)
	BERTH_REGISTRY_TIMEOUT=2 run berth pull --tls-verify=false --retry 0 "$FAKE/x/y:1"
	assert_failure
	assert_output --partial "timed out"
	[ $(($(date +%s) - start)) -lt 20 ]
	[ "$(store_state)" = "$before" ]
	run berth pull --tls-verify=false --retry 0 "127.0.0.1:$(free_port)/x/y:1"
	assert_failure
	assert_output --partial "onnect"
}

@test "pull: a corrupted blob or an oversized manifest from the registry changes nothing" {
	registry_start plain
	push_archive oci-archive:"$BUILD/share/berth/default-image.tar" docker://"$REG"/c/img:1
	berth images -q >/dev/null
	before=$(store_state)
	fake_start corrupt
	run berth pull --tls-verify=false "$FAKE/c/img:1"
	assert_failure
	assert_output --partial "does not match the expected"
	[ "$(store_state)" = "$before" ]
	stop_pid "$FAKE_PID"
	fake_start bigmanifest
	run berth pull --tls-verify=false "$FAKE/c/img:1"
	assert_failure
	assert_output --partial "larger than 4194304 bytes"
	[ "$(store_state)" = "$before" ]
}

@test "pull: a download cut off half way resumes with Range" {
	registry_start plain
	"$MKIMAGE" big "$WORK/b.tar" --format oci --layers 2 --size 3000000 --name ""
	push_archive oci-archive:"$WORK/b.tar" docker://"$REG"/flaky/img:1
	fake_start flaky --log "$WORK/fake.log"
	run berth pull --tls-verify=false --retry-delay 50ms "$FAKE/flaky/img:1"
	assert_success
	grep -q "GET /v2/flaky/img/blobs/sha256:.* bytes=[1-9]" "$WORK/fake.log"
	skopeo copy -q --src-tls-verify=false docker://"$REG"/flaky/img:1 oci:"$WORK/layout":f
	same_tree "$FAKE/flaky/img:1" "$WORK/layout:f"
}

@test "pull: a 100 MB image of five layers, fetched in parallel" {
	registry_start plain
	"$MKIMAGE" big "$WORK/h.tar" --format oci --layers 5 --size 20000000 --name ""
	push_archive oci-archive:"$WORK/h.tar" docker://"$REG"/huge/img:1
	rm "$WORK/h.tar"
	run berth pull --tls-verify=false "$REG/huge/img:1"
	assert_success
	[ "$(echo "$output" | grep -c 'Pull complete')" -eq 5 ]
	run berth images --format '{{.Size}}' "$REG/huge/img"
	assert_output 100MB
	skopeo copy -q --src-tls-verify=false docker://"$REG"/huge/img:1 oci:"$WORK/layout":h
	same_tree "$REG/huge/img:1" "$WORK/layout:h"
}
