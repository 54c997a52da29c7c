#!/usr/bin/env bats
# The API's image endpoints beyond list/inspect/pull/tag/rmi (issue #18): push, save, load,
# import, history, prune, auth and search through `berth system service`, driven by Debian's
# docker CLI 20.10 (/usr/bin/docker) and python3-docker 5.0 (/usr/bin/python3), against
# Debian's docker-registry on 127.0.0.1 (helpers.bash's registry_start).

load helpers

setup() {
	store_setup
	[ -x /usr/bin/docker ] || skip "Debian's docker.io (the docker CLI) is not installed"
	# the service reads no one's credentials but the test's
	export REGISTRY_AUTH_FILE="$WORK/auth.json"
	api_service_start
}

teardown() {
	registry_stop
	[ ! -f "$WORK/http.pid" ] || kill "$(cat "$WORK/http.pid")" 2>/dev/null || true
	local left
	left=$(api_service_stop)
	store_teardown
	[ -z "$left" ] || { echo "left behind: $left" >&2; return 1; }
}

docker() { timeout 30 /usr/bin/docker "$@"; }
api() { curl -s --unix-socket "$SOCK" "$@"; }

# mkimage NAME FILE: an image of berth/default with a layer of its own (FILE holds "NAME").
mkimage() {
	berth run --name "mk-$$" berth/default sh -c "echo $1 > /$2" >/dev/null
	berth commit "mk-$$" "$1" >/dev/null
	berth rm "mk-$$" >/dev/null
}

# rootfs_tar FILE: a root filesystem tarball (busybox, sh, echo, cat) into FILE.
rootfs_tar() {
	mkdir -p "$WORK/rootfs/bin"
	cp "$BUSYBOX" "$WORK/rootfs/bin/busybox"
	for c in sh echo cat; do ln -sf busybox "$WORK/rootfs/bin/$c"; done
	tar -C "$WORK/rootfs" -cf "$1" .
	rm -rf "$WORK/rootfs"
}

@test "api: docker push to a registry (JSON progress, digest), pulled back under another name and run" {
	registry_start plain
	mkimage "$REG/t/app:1" new
	run docker push "$REG/t/app:1"
	assert_success
	assert_output --partial "The push refers to repository [$REG/t/app]"
	assert_output --partial 'Pushed'
	assert_output --regexp '1: digest: sha256:[0-9a-f]{64} size: [0-9]+'
	digest=$(echo "$output" | grep -o 'sha256:[0-9a-f]*' | tail -1)
	# the registry has it, as skopeo sees it
	run skopeo inspect --tls-verify=false "docker://$REG/t/app:1"
	assert_success
	assert_output --partial "$digest"
	# the same image under another name of the same registry: its layers are there already
	run docker tag "$REG/t/app:1" "$REG/t/copy:2"
	run docker push "$REG/t/copy:2"
	assert_success
	assert_output --regexp 'Mounted from t/app|Layer already exists'
	# the aux message Docker's clients read (content trust, the SDK)
	run sh -c "curl -s --unix-socket '$SOCK' -X POST 'http://d/images/$REG/t/copy/push?tag=2'"
	assert_output --regexp '"aux":\{"Tag":"2","Digest":"sha256:[0-9a-f]{64}","Size":[0-9]+\}'
	docker rmi "$REG/t/app:1" "$REG/t/copy:2" >/dev/null
	run docker pull "$REG/t/copy:2"
	assert_success
	run docker run --rm "$REG/t/copy:2" cat /new
	assert_success
	assert_output "$REG/t/app:1"
	# an image the store does not have: 404 before anything is sent
	run docker push "$REG/t/nosuch:1"
	assert_failure
	assert_output --partial "An image does not exist locally with the tag: $REG/t/nosuch"
	run api -w ' %{http_code}' -X POST "http://d/images/$REG/t/nosuch/push?tag=1"
	assert_output --regexp ' 404$'
	# a registry that is not there: the error in the stream, as dockerd gives it
	run docker tag berth/default 127.0.0.1:1/t/x:1
	run docker push 127.0.0.1:1/t/x:1
	assert_failure
	assert_output --partial 'The push refers to repository [127.0.0.1:1/t/x]'
	assert_output --partial '127.0.0.1'
	registry_stop
}

@test "api: docker save and docker load (two images in one tar); a corrupt tar is refused whole" {
	mkimage second:1 f2
	run docker save -o "$WORK/two.tar" berth/default second:1
	assert_success
	run tar -tf "$WORK/two.tar"
	assert_line manifest.json
	[ "$(jq length <(tar -xOf "$WORK/two.tar" manifest.json))" = 2 ]
	# GET /images/get?names=a&names=b is the same archive's manifest
	api "http://d/images/get?names=berth/default&names=second:1" >"$WORK/get.tar"
	[ "$(tar -xOf "$WORK/get.tar" manifest.json | jq -c '[.[].RepoTags[]] | sort')" = \
		'["berth/default:latest","second:1"]' ]
	run docker save -o "$WORK/x.tar" nosuch:image
	assert_failure
	assert_output --partial 'No such image: nosuch:image'
	[ ! -e "$WORK/x.tar" ]
	docker rmi berth/default second:1 >/dev/null
	run berth images -q
	assert_output ""
	run docker load -i "$WORK/two.tar"
	assert_success
	assert_line 'Loaded image: berth/default:latest'
	assert_line 'Loaded image: second:1'
	run docker run --rm second:1 cat /f2
	assert_output second:1
	# corrupt archives: one clear error, the store as it was
	before=$(berth images --no-trunc --format '{{.ID}} {{.Repository}}:{{.Tag}}')
	state=$(store_state)
	head -c 20000 "$WORK/two.tar" >"$WORK/cut.tar"
	echo 'not an archive' >"$WORK/junk.tar"
	for bad in cut junk; do
		run docker load -i "$WORK/$bad.tar"
		assert_failure
		assert_output --partial 'Error response from daemon: '
		[ "${#lines[@]}" -eq 1 ]
		[ "$(berth images --no-trunc --format '{{.ID}} {{.Repository}}:{{.Tag}}')" = "$before" ]
		[ "$(store_state)" = "$state" ]
	done
	run api -w ' %{http_code}' -X POST --data-binary "@$WORK/junk.tar" http://d/images/load
	assert_output --regexp '^\{"message":".+"\}
 (400|500)$'
	# an archive larger than a JSON body (4 MiB) comes through a file, whole
	head -c 6000000 /dev/urandom >"$WORK/big.bin"
	berth run --name big -v "$WORK:/w" berth/default cp /w/big.bin /big.bin >/dev/null
	berth commit big big:1 >/dev/null
	berth rm big >/dev/null
	docker save -o "$WORK/big.tar" big:1
	docker rmi big:1 >/dev/null
	run docker load -i "$WORK/big.tar"
	assert_success
	assert_output 'Loaded image: big:1'
	run docker run --rm -v "$WORK:/w" big:1 cmp /big.bin /w/big.bin
	assert_success
}

@test "api: docker import of a root filesystem tar with --change and -m, run; history as berth's" {
	rootfs_tar "$WORK/root.tar"
	run docker import --change 'CMD ["echo", "imported"]' --change 'ENV A=b' -m 'from a tar' \
		"$WORK/root.tar" imp:1
	assert_success
	assert_output --regexp '^sha256:[0-9a-f]{64}$'
	id=$output
	run docker run --rm imp:1
	assert_success
	assert_output imported
	run docker inspect -f '{{.Id}} {{.Config.Env}}' imp:1
	assert_output "$id [A=b]"
	# from stdin
	run sh -c "timeout 30 /usr/bin/docker import - imp:2 <'$WORK/root.tar'"
	assert_success
	run docker run --rm imp:2 echo stdin
	assert_output stdin
	# from a URL (a web server of the test's own, on this namespace's loopback), with or
	# without its scheme as dockerd takes it
	python3 -m http.server --bind 127.0.0.1 --directory "$WORK" 18081 >/dev/null 2>&1 3>&- &
	echo $! >"$WORK/http.pid"
	for _ in $(seq 50); do curl -s -o /dev/null http://127.0.0.1:18081/ && break; sleep 0.1; done
	run docker import --change 'CMD ["echo", "from a URL"]' http://127.0.0.1:18081/root.tar imp:3
	assert_success
	assert_line --index 0 'Downloading from http://127.0.0.1:18081/root.tar'
	assert_line --index 1 --regexp '^sha256:[0-9a-f]{64}$'
	run docker run --rm imp:3
	assert_output "from a URL"
	run curl -s --unix-socket "$SOCK" -X POST "http://x/v1.41/images/create?fromSrc=127.0.0.1:18081/root.tar&repo=imp&tag=5"
	assert_line --index 0 --partial '{"status":"Downloading from http://127.0.0.1:18081/root.tar"}'
	assert_line --index 1 --regexp '^\{"status":"sha256:[0-9a-f]{64}"\}'
	# a URL that is not there, a server that is not there, a scheme that is not the web's:
	# the reason, and nothing made
	run docker import http://127.0.0.1:18081/nothing.tar imp:6
	assert_failure
	assert_output --partial '404'
	run docker import http://127.0.0.1:1/root.tar imp:6
	assert_failure
	run curl -s --unix-socket "$SOCK" -X POST "http://x/v1.41/images/create?fromSrc=file:///etc/passwd&repo=imp&tag=6"
	assert_output --partial 'only http and https URLs'
	run berth images -q imp:6
	assert_output ""
	[ -z "$(ls "$STORE/tmp" | grep import-)" ]
	# a bad tar: nothing made
	echo junk >"$WORK/junk.tar"
	run docker import "$WORK/junk.tar" imp:4
	assert_failure
	run berth images -q imp:4
	assert_output ""
	# history: the same table as berth's, and Docker's document
	for img in imp:1 berth/default; do
		[ "$(docker history "$img")" = "$(berth history "$img")" ]
		[ "$(docker history --no-trunc --format '{{.ID}}|{{.CreatedBy}}|{{.Size}}|{{.Comment}}' "$img")" = \
			"$(berth history --no-trunc --format '{{.ID}}|{{.CreatedBy}}|{{.Size}}|{{.Comment}}' "$img")" ]
	done
	run docker history --format '{{.Comment}}' imp:1
	assert_output 'from a tar'
	run api http://d/images/imp:1/history
	assert_output --regexp '^\[\{"Id":"sha256:[0-9a-f]{64}","Created":[0-9]+,"CreatedBy":"[^"]*","Tags":\["imp:1"\],"Size":[0-9]+,"Comment":"from a tar"\}\]$'
	run api -w ' %{http_code}' http://d/images/nosuch/history
	assert_output '{"message":"No such image: nosuch:latest"}
 404'
}

@test "api: docker image prune: dangling only, then -a with a label filter" {
	rootfs_tar "$WORK/root.tar"
	docker import --change 'LABEL keep=no' "$WORK/root.tar" lab:1 >/dev/null
	docker import "$WORK/root.tar" plain:1 >/dev/null
	# two dangling images (their name given to another image), one used by a container
	mkimage dang:1 a
	used=$(berth images -q --no-trunc dang:1)
	berth create --name holder "$used" true >/dev/null
	mkimage dang:1 b
	old=$(berth images -q --no-trunc dang:1)
	mkimage dang:1 c
	run docker images -q --filter dangling=true --no-trunc
	assert_line "$used"
	assert_line "$old"
	run docker image prune -f
	assert_success
	assert_line 'Deleted Images:'
	assert_line "deleted: $old"
	refute_line "deleted: $used"
	assert_output --regexp 'Total reclaimed space: [0-9.]+[kMG]?B'
	run docker images -q --filter dangling=true --no-trunc
	assert_output "$used"
	run docker images --format '{{.Repository}}' lab
	assert_output lab
	# -a with a filter: only the unused images with the label
	run docker image prune -a -f --filter label=keep=no
	assert_success
	assert_line 'untagged: lab:1'
	run docker images --format '{{.Repository}}:{{.Tag}}'
	refute_line lab:1
	assert_line plain:1
	assert_line dang:1
	assert_line berth/default:latest
	# the API's answer, and a filter dockerd does not take
	run api -X POST 'http://d/images/prune?filters=%7B%22dangling%22%3A%5B%22false%22%5D%2C%22label%21%22%3A%5B%22x%22%5D%7D'
	assert_output --regexp '^\{"ImagesDeleted":\[.*\{"Untagged":"plain:1"\}.*\],"SpaceReclaimed":[0-9]+\}$'
	run api -w ' %{http_code}' -X POST 'http://d/images/prune?filters=%7B%22nope%22%3A%5B%221%22%5D%7D'
	assert_output '{"message":"invalid filter '"'"'nope'"'"'"}
 400'
}

@test "api: docker login against an htpasswd registry (401 on a wrong password), then push with it" {
	registry_start auth
	run sh -c "echo wrong | timeout 30 /usr/bin/docker login -u tester --password-stdin $REG"
	assert_failure
	assert_output --partial "login attempt to https://$REG/v2/ failed with status: 401 Unauthorized"
	run api -w ' %{http_code}' -X POST -d "{\"username\":\"tester\",\"password\":\"wrong\",\"serveraddress\":\"$REG\"}" http://d/auth
	assert_output --regexp ' 401$'
	run sh -c "echo s3cret | timeout 30 /usr/bin/docker login -u tester --password-stdin $REG"
	assert_success
	assert_output --partial 'Login Succeeded'
	# the client stores the credentials, the engine does not
	[ "$(jq -r --arg r "$REG" '.auths[$r].auth' "$DOCKER_CONFIG/config.json" | base64 -d)" = "tester:s3cret" ]
	[ ! -e "$REGISTRY_AUTH_FILE" ]
	run api -X POST -d "{\"username\":\"tester\",\"password\":\"s3cret\",\"serveraddress\":\"$REG\"}" http://d/auth
	assert_output '{"Status":"Login Succeeded","IdentityToken":""}'
	# docker push sends them (X-Registry-Auth)
	docker tag berth/default "$REG/a/img:1"
	run docker push "$REG/a/img:1"
	assert_success
	assert_output --regexp '1: digest: sha256:[0-9a-f]{64}'
	docker logout "$REG" >/dev/null
	run docker push "$REG/a/img:1"
	assert_failure
	registry_stop
}

@test "api: docker search: the registry's error as dockerd says it" {
	registry_start plain
	# Docker Hub's index cannot be reached from the test's network namespace
	run docker search busybox
	assert_failure
	assert_output --partial 'Error response from daemon: Get "https://index.docker.io/v1/search?q=busybox&n=25"'
	run api -w ' %{http_code}' 'http://d/images/search?term=busybox'
	assert_output --regexp ' 500$'
	# distribution's registry has no search API
	run docker search "$REG/app"
	assert_failure
	assert_output --partial 'Unexpected status code 404'
	run api -w ' %{http_code}' 'http://d/images/search?term=x&limit=1000'
	assert_output '{"message":"Limit 1000 is outside the range of [1, 100]"}
 400'
	run api -w ' %{http_code}' 'http://d/images/search?term=x&filters=%7B%22nope%22%3A%5B%221%22%5D%7D'
	assert_output --regexp ' 400$'
	registry_stop
}

@test "api: python3-docker: images.push, get().save, load, prune, history, client.login" {
	[ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import docker' 2>/dev/null ||
		skip "python3-docker is not installed"
	registry_start plain
	mkimage "$REG/py/app:1" py
	cat >"$WORK/t.py" <<-'PY'
	import json, sys
	import docker
	reg = sys.argv[1]
	c = docker.DockerClient(base_url=sys.argv[2], version="1.41")
	out = c.images.push(reg + "/py/app", tag="1")
	assert '"aux"' in out and "digest: sha256:" in out, out
	img = c.images.get(reg + "/py/app:1")
	with open(sys.argv[3], "wb") as f:
	    for chunk in img.save(named=True):
	        f.write(chunk)
	c.images.remove(reg + "/py/app:1")
	with open(sys.argv[3], "rb") as f:
	    loaded = c.images.load(f.read())
	assert [t for i in loaded for t in i.tags] == [reg + "/py/app:1"], loaded
	hist = c.images.get(reg + "/py/app:1").history()
	assert hist[0]["Tags"] == [reg + "/py/app:1"] and hist[0]["Id"].startswith("sha256:"), hist
	pruned = c.images.prune(filters={"dangling": True})
	assert pruned["ImagesDeleted"] is None or pruned["ImagesDeleted"] == [], pruned
	# the registry asks for no credentials: any are good
	res = c.login(username="x", password="y", registry=reg)
	assert res["Status"] == "Login Succeeded", res
	print("ok")
	PY
	run timeout 60 /usr/bin/python3 "$WORK/t.py" "$REG" "$DOCKER_HOST" "$WORK/py.tar"
	assert_success
	assert_line ok
	registry_stop
}
