#!/usr/bin/env bats
# The Docker Engine API's file endpoints (issue #18): /containers/{id}/archive (GET, HEAD, PUT),
# /export and /changes, driven by Debian's docker CLI 20.10 (`docker cp`, `export`, `diff`)
# through `berth system service`, and curl for what the CLI does not show (the stat header,
# statuses and error bodies, hostile tars sent as they are).

load helpers
bats_require_minimum_version 1.5.0

setup() {
	store_setup
	[ -x /usr/bin/docker ] || skip "Debian's docker.io (the docker CLI) is not installed"
	api_service_start
}

teardown() { api_teardown; }

docker() { timeout 30 /usr/bin/docker "$@"; }
api() { curl -s --unix-socket "$SOCK" "$@"; }

# A stopped container's root is not left mounted (by a copy that did not end)
# (a moment for a connection whose client just left)
root_unmounted() {
	for _ in $(seq 30); do
		grep -q " $STORE/containers/$1/rootfs " /proc/self/mountinfo || return 0
		sleep 0.1
	done
	return 1
}

@test "api files: docker cp out of a running container (file, directory, '-' as a tar) and the stat header" {
	docker run -d --name out1 berth/default sh -c 'mkdir -p /data/sub; echo a >/data/a; echo b >/data/sub/b; ln -s /data/a /link; sleep 60'
	for _ in $(seq 50); do docker exec out1 test -e /link && break; sleep 0.1; done
	docker cp out1:/data/a "$WORK/a"
	[ "$(cat "$WORK/a")" = a ]
	docker cp out1:/data "$WORK/data"
	[ "$(cat "$WORK/data/sub/b")" = b ]
	mkdir "$WORK/into"
	docker cp out1:/data "$WORK/into"
	[ "$(cat "$WORK/into/data/a")" = a ]
	mkdir "$WORK/contents"
	docker cp out1:/data/. "$WORK/contents"
	[ "$(cat "$WORK/contents/sub/b")" = b ]
	run -0 bash -c "timeout 30 /usr/bin/docker cp out1:/data - | tar -tf -"
	assert_line --regexp '^data/?$'
	assert_line 'data/sub/b'
	# a link is copied as a link; -L follows it inside the container, under the link's name
	docker cp out1:/link "$WORK/link"
	[ "$(readlink "$WORK/link")" = /data/a ]
	docker cp -L out1:/link "$WORK/followed"
	[ "$(cat "$WORK/followed")" = a ]
	# HEAD: the stat alone, base64 of dockerd's JSON
	run -0 api -I "http://d/v1.41/containers/out1/archive?path=/link"
	assert_line --partial "HTTP/1.1 200"
	stat=$(printf '%s\n' "$output" | sed -n 's/^X-Docker-Container-Path-Stat: //Ip' | tr -d '\r' | base64 -d)
	run jq -r '"\(.name) \(.linkTarget) \(.mode) \(.mtime | test("^[0-9-]+T[0-9:.]+Z$"))"' <<<"$stat"
	assert_output "link /data/a $(((1 << 27) | 0777)) true"
	stat=$(api -I "http://d/containers/out1/archive?path=/data/" | sed -n 's/^X-Docker-Container-Path-Stat: //Ip' | tr -d '\r' | base64 -d)
	run jq -r '"\(.name) \(.mode) \(.linkTarget)"' <<<"$stat"
	assert_output "data $(((1 << 31) | 0755)) "
}

@test "api files: docker cp in (file, directory, a tar from stdin), on a running container" {
	docker run -d --name in1 berth/default sleep 60
	echo one >"$WORK/one"
	docker cp "$WORK/one" in1:/tmp/
	docker cp "$WORK/one" in1:/tmp/renamed
	mkdir -p "$WORK/dir/sub"
	echo two >"$WORK/dir/sub/two"
	docker cp "$WORK/dir" in1:/tmp/dir
	docker cp "$WORK/dir" in1:/tmp
	tar -C "$WORK" -cf - one | docker cp - in1:/root
	run -0 docker exec in1 cat /tmp/one /tmp/renamed /tmp/dir/sub/two /root/one
	assert_output "one
one
two
one"
	run -0 docker exec in1 ls /tmp/dir
	assert_output "sub"
	# a body past the service's in-memory bound (4 MiB) goes through whole, both ways
	head -c 10485760 /dev/urandom >"$WORK/big"
	docker cp "$WORK/big" in1:/tmp/big
	docker cp in1:/tmp/big "$WORK/big.back"
	cmp "$WORK/big" "$WORK/big.back"
	# a destination that is not a directory
	run docker cp - in1:/tmp/one <"$WORK/one"
	assert_failure
	assert_output --partial 'must be a directory'
	tar -C "$WORK" -cf "$WORK/one.tar" one
	run -0 api -o /dev/null -w '%{http_code}' -X PUT --data-binary @"$WORK/one.tar" "http://d/containers/in1/archive?path=/tmp/one"
	assert_output 400
	run -0 api -X PUT --data-binary @"$WORK/one.tar" "http://d/containers/in1/archive?path=/tmp/one"
	assert_output '{"message":"extraction point is not a directory"}'
	# a directory does not replace a file (noOverwriteDirNonDir, as the docker CLI asks)
	mkdir -p "$WORK/clash/one"
	run docker cp "$WORK/clash/one" in1:/tmp
	assert_failure
	assert_output --partial "cannot overwrite"
	run -0 docker exec in1 cat /tmp/one
	assert_output one
}

@test "api files: noOverwriteDirNonDir: set, a directory and a non-directory do not replace each other (dockerd's 500); unset they do" {
	docker run -d --name ow1 berth/default sh -c 'mkdir -p /tmp/d/sub; echo f >/tmp/f; ln -s /tmp /l; echo up; sleep 60'
	for _ in $(seq 100); do docker logs ow1 2>/dev/null | grep -q up && break; sleep 0.1; done
	mkdir -p "$WORK/dirs/f" "$WORK/files"
	echo in >"$WORK/dirs/f/x"
	echo file >"$WORK/files/d"
	tar -C "$WORK/dirs" -cf "$WORK/dir.tar" f
	tar -C "$WORK/files" -cf "$WORK/file.tar" d
	put() { api -o "$WORK/body" -w '%{http_code}' -X PUT -H 'Content-Type: application/x-tar' --data-binary @"$WORK/$1" "http://d/containers/$2/archive?path=$3"; }
	# set: any value dockerd's BoolValue takes as true; the path named as dockerd names it,
	# as the container sees it with its links resolved
	for v in true 1 YES; do
		run -0 put dir.tar ow1 "/tmp&noOverwriteDirNonDir=$v"
		assert_output 500
		run -0 jq -r .message "$WORK/body"
		assert_output 'Error processing tar file(exit status 1): cannot overwrite non-directory "/tmp/f" with directory "/tmp"'
	done
	run -0 put file.tar ow1 "/l/.&noOverwriteDirNonDir=1"
	assert_output 500
	run -0 jq -r .message "$WORK/body"
	assert_output 'Error processing tar file(exit status 1): cannot overwrite directory "/tmp/d" with non-directory "/tmp"'
	run -0 docker exec ow1 sh -c 'test -f /tmp/f && test -d /tmp/d/sub && echo unchanged'
	assert_output unchanged
	# the docker CLI's cp always sets it
	mkdir -p "$WORK/cli/f"
	run docker cp "$WORK/cli/f" ow1:/tmp
	assert_failure
	assert_output 'Error response from daemon: Error processing tar file(exit status 1): cannot overwrite non-directory "/tmp/f" with directory "/tmp"'
	# unset (false, none, or absent: the API's default): each replaces the other, a
	# non-empty directory too
	run -0 put dir.tar ow1 "/tmp&noOverwriteDirNonDir=false"
	assert_output 200
	run -0 put file.tar ow1 "/tmp"
	assert_output 200
	run -0 docker exec ow1 sh -c 'cat /tmp/f/x /tmp/d'
	assert_output "in
file"
	run -0 put dir.tar ow1 "/tmp&noOverwriteDirNonDir=none"
	assert_output 200
	# a stopped container's root, the same both ways
	docker create --name ow2 berth/default true
	mkdir -p "$WORK/stopped/passwd"
	tar -C "$WORK/stopped" -cf "$WORK/stopped.tar" passwd
	run -0 put stopped.tar ow2 "/etc&noOverwriteDirNonDir=true"
	assert_output 500
	run -0 jq -r .message "$WORK/body"
	assert_output 'Error processing tar file(exit status 1): cannot overwrite non-directory "/etc/passwd" with directory "/etc"'
	run -0 put stopped.tar ow2 "/etc"
	assert_output 200
	run -0 sh -c "timeout 30 /usr/bin/docker cp ow2:/etc/passwd - | tar -tf -"
	assert_output passwd/
	root_unmounted "$(docker inspect -f '{{.Id}}' ow2)"
}

@test "api files: docker cp -a (copyUIDGID) gives what it copies the container's user; without it the tar's owners stay" {
	docker run -d --name owned --user 1234:5678 berth/default sleep 60
	mkdir -p "$WORK/tree/sub" && echo x >"$WORK/tree/sub/f" && chown -R 42:43 "$WORK/tree"
	docker cp -a "$WORK/tree" owned:/tmp/a
	docker cp "$WORK/tree" owned:/tmp/plain
	run -0 docker exec owned stat -c '%n %u:%g' /tmp/a /tmp/a/sub /tmp/a/sub/f /tmp/plain/sub/f
	assert_output "/tmp/a 1234:5678
/tmp/a/sub 1234:5678
/tmp/a/sub/f 1234:5678
/tmp/plain/sub/f 42:43"
	# a user the container's own /etc/passwd does not have: the reason, nothing copied
	docker create --name named --user nosuchuser berth/default true
	run docker cp -a "$WORK/tree" named:/
	assert_failure
	assert_output --partial "nosuchuser"
	run -0 docker diff named
	assert_output ""
	# no User: as without -a
	docker run -d --name root berth/default sleep 60
	docker cp -a "$WORK/tree" root:/tmp/a
	run -0 docker exec root stat -c '%u:%g' /tmp/a/sub/f
	assert_output "42:43"
	docker rm -f owned named root >/dev/null
}

@test "api files: links in the container and hostile tars stay inside it, both ways" {
	docker run -d --name esc1 berth/default sh -c 'echo container-shadow >/etc/shadow; ln -s / /escape; ln -s ../../.. /up; ln -s /etc/shadow /sh; sleep 60'
	for _ in $(seq 50); do docker exec esc1 test -e /sh && break; sleep 0.1; done
	for src in /escape/etc/shadow /up/etc/shadow /up/../etc/shadow; do
		rm -f "$WORK/s"
		docker cp "esc1:$src" "$WORK/s"
		[ "$(cat "$WORK/s")" = container-shadow ]
	done
	run -0 bash -c "timeout 30 /usr/bin/docker cp -L esc1:/sh - | tar -xOf -"
	assert_output container-shadow
	stat=$(api -I "http://d/containers/esc1/archive?path=/up" | sed -n 's/^X-Docker-Container-Path-Stat: //Ip' | tr -d '\r' | base64 -d)
	run jq -r .linkTarget <<<"$stat"
	assert_output /
	# in: through the container's links, into the container
	echo in >"$WORK/in"
	docker cp "$WORK/in" esc1:/escape/tmp/landed-$$
	docker cp "$WORK/in" esc1:/up/tmp/
	[ ! -e "/tmp/landed-$$" ]
	run -0 docker exec esc1 cat "/tmp/landed-$$" /tmp/in
	assert_output "in
in"
	python3 - "$WORK" "$$" <<-'PY'
		import io, sys, tarfile
		w, pid = sys.argv[1], sys.argv[2]
		def add(t, name, data=b"evil\n"):
		    info = tarfile.TarInfo(name); info.size = len(data)
		    t.addfile(info, io.BytesIO(data))
		for name, member in (("dotdot", f"../../../../tmp/evil-{pid}"), ("abs", f"/tmp/evil-{pid}")):
		    with tarfile.open(f"{w}/{name}.tar", "w") as t:
		        add(t, member)
		with tarfile.open(f"{w}/link.tar", "w") as t:
		    info = tarfile.TarInfo("root"); info.type = tarfile.SYMTYPE; info.linkname = "/"
		    t.addfile(info)
		    add(t, f"root/tmp/evil-{pid}")
	PY
	for t in dotdot abs link; do
		run docker cp - esc1:/tmp <"$WORK/$t.tar"
		assert_failure
		run -0 api -o /dev/null -w '%{http_code}' -X PUT --data-binary @"$WORK/$t.tar" "http://d/containers/esc1/archive?path=/tmp"
		refute_output 200
	done
	[ ! -e "/tmp/evil-$$" ]
	run -0 docker diff esc1
	refute_output --partial evil
}

@test "api files: docker export and docker diff" {
	docker run --name ch1 berth/default sh -c 'echo x >/tmp/new; rm /etc/group; echo y >/etc/hostname.extra'
	run -0 docker diff ch1
	assert_output "C /etc
D /etc/group
A /etc/hostname.extra
C /tmp
A /tmp/new"
	run -0 api "http://d/containers/ch1/changes"
	run jq -c '.[] | select(.Path == "/etc/group" or .Path == "/tmp/new" or .Path == "/tmp")' <<<"$output"
	assert_output '{"Path":"/etc/group","Kind":2}
{"Path":"/tmp","Kind":0}
{"Path":"/tmp/new","Kind":1}'
	run -0 bash -c "timeout 30 /usr/bin/docker export ch1 | tar -tf -"
	assert_line 'bin/busybox'
	assert_line 'tmp/new'
	refute_line 'etc/group'
	docker export -o "$WORK/fs.tar" ch1
	[ "$(tar -xOf "$WORK/fs.tar" tmp/new)" = x ]
	id=$(docker inspect -f '{{.Id}}' ch1)
	root_unmounted "$id"
	docker create --name fresh berth/default true
	run -0 api "http://d/containers/fresh/changes"
	assert_output null
}

@test "api files: errors as dockerd's (unknown container, missing path, no path)" {
	docker create --name err1 berth/default true
	run -0 api -w '%{http_code}' "http://d/containers/nosuch/archive?path=/etc"
	assert_output '{"message":"No such container: nosuch"}
404'
	run -0 api -w '%{http_code}' "http://d/containers/err1/archive?path=/nope"
	assert_output '{"message":"Could not find the file /nope in container err1"}
404'
	run -0 api -o /dev/null -I -w '%{http_code}' "http://d/containers/err1/archive?path=/nope"
	assert_output 404
	run -0 api -w '%{http_code}' "http://d/containers/err1/archive"
	assert_output '{"message":"Path cannot be empty"}
400'
	run -0 api -w '%{http_code}' -X PUT --data-binary @/dev/null "http://d/containers/err1/archive?path=/nope"
	assert_output '{"message":"Could not find the file /nope in container err1"}
404'
	run -0 api -o /dev/null -w '%{http_code}' "http://d/containers/nosuch/export"
	assert_output 404
	run -0 api -o /dev/null -w '%{http_code}' "http://d/containers/nosuch/changes"
	assert_output 404
	run docker cp err1:/nope "$WORK/x"
	assert_failure
	assert_output --partial "No such container:path: err1:/nope"
	run docker cp nosuch:/etc "$WORK/x"
	assert_failure
	assert_output --partial "No such container:path: nosuch:/etc"
	id=$(docker inspect -f '{{.Id}}' err1)
	root_unmounted "$id"
}

@test "api files: a stopped container (created, exited): cp both ways, its volume, nothing left mounted" {
	docker create --name st1 -v stvol:/vol berth/default cat /tmp/in /vol/v
	id=$(docker inspect -f '{{.Id}}' st1)
	echo in >"$WORK/in"
	docker cp "$WORK/in" st1:/tmp/in
	echo v >"$WORK/v"
	docker cp "$WORK/v" st1:/vol/v
	root_unmounted "$id"
	run -0 docker start -a st1
	assert_output "in
v"
	docker cp st1:/tmp/in "$WORK/back"
	[ "$(cat "$WORK/back")" = in ]
	run -0 bash -c "timeout 30 /usr/bin/docker cp st1:/vol/v - | tar -xOf -"
	assert_output v
	run -0 docker diff st1
	assert_line "A /tmp/in"
	root_unmounted "$id"
	docker rm st1
	docker volume rm stvol
}

@test "api files: a read-only root or volume refuses a copy in (403), as dockerd" {
	docker run -d --name ro1 --read-only -v rovol:/ro:ro -v rwvol:/rw berth/default sleep 60
	echo in >"$WORK/in"
	run docker cp "$WORK/in" ro1:/tmp/in
	assert_failure
	assert_output --partial "container rootfs is marked read-only"
	tar -C "$WORK" -cf "$WORK/in.tar" in
	run -0 api -w '%{http_code}' -X PUT --data-binary @"$WORK/in.tar" "http://d/containers/ro1/archive?path=/ro"
	assert_output '{"message":"mounted volume is marked read-only"}
403'
	docker cp "$WORK/in" ro1:/rw/in
	run -0 docker exec ro1 cat /rw/in
	assert_output in
	docker rm -f ro1
	docker volume rm rovol rwvol
}

@test "api files: a client that leaves in the middle of an export leaves no process or mount" {
	docker create --name big1 berth/default true
	id=$(docker inspect -f '{{.Id}}' big1)
	# the reader stops after a few bytes and goes: the tar's writer and the root's mount end
	api -N "http://d/containers/big1/export" | head -c 1000 >/dev/null
	api -N "http://d/containers/big1/archive?path=/bin" | head -c 1000 >/dev/null
	[ -z "$(api_service_children)" ]
	root_unmounted "$id"
	docker rm big1
}
