#!/usr/bin/env bats
# berth's image commands on a store of each test's own: the built-in image, tag/rmi, save and
# load in both archive formats (read back by skopeo and umoci), import, hostile archives, and
# hard links in a committed layer.

load helpers

setup() { store_setup; }
teardown() { store_teardown; }

@test "images: the built-in image is loaded the first time it is named" {
	run berth images -q
	assert_success
	assert_output ""
	run berth image inspect --format '{{index .RepoTags 0}} {{.Os}}/{{.Architecture}} {{json .Config.Cmd}}' berth/default
	assert_success
	assert_output 'berth/default:latest linux/amd64 ["sh"]'
	run berth images
	assert_success
	assert_line --index 0 --regexp '^REPOSITORY +TAG +IMAGE ID +CREATED +SIZE$'
	assert_line --index 1 --regexp '^berth/default +latest +[0-9a-f]{12} +.* ago +[0-9.]+MB$'
	# the probe and busybox's applets are in it
	m=$(berth image mount berth/default)
	[ -x "$m/usr/local/bin/probe" ]
	[ "$(readlink "$m/bin/sh")" = /bin/busybox ]
	berth image unmount berth/default
	! grep -q "$STORE" /proc/self/mountinfo
}

@test "tag and rmi: names move, untag keeps the image, the last name deletes it and frees layers" {
	berth tag berth/default one:1
	berth tag one:1 example.com:5000/two/three:x
	run berth images --format '{{.Repository}}:{{.Tag}}'
	assert_line berth/default:latest
	assert_line one:1
	assert_line example.com:5000/two/three:x
	id=$(berth images -q | head -1)
	[ "$(berth images -q | wc -l)" -eq 1 ]
	run berth rmi one:1
	assert_success
	assert_output "Untagged: docker.io/library/one:1"
	# by id with several names: refused without -f
	run berth rmi "$id"
	assert_failure
	assert_output --partial "must be forced"
	run berth rmi -f "$id"
	assert_success
	assert_line --partial "Deleted: sha256:$id"
	run berth images -q
	assert_output ""
	[ -z "$(ls -A "$STORE/blobs/sha256")" ]
	[ -z "$(ls "$STORE/layers")" ]
	run berth rmi nosuch:latest
	assert_failure
	assert_output "berth: no such image: nosuch:latest"
}

@test "tag: a name moves to the newer image and the old one dangles" {
	"$MKIMAGE" good "$WORK/a.tar" --name docker.io/library/a:latest --layers 1
	berth load -i "$WORK/a.tar"
	berth tag berth/default a:latest
	run berth images --format '{{.Repository}} {{.Tag}}'
	assert_line "a latest"
	assert_line "<none> <none>"
	run berth images --filter dangling=true -q
	[ "${#lines[@]}" -eq 1 ]
	run berth image prune -f
	assert_success
	assert_line --partial "deleted: sha256:"
	assert_line --regexp '^Total reclaimed space: [0-9.]+[kM]?B$'
	run berth images --filter dangling=true -q
	assert_output ""
}

@test "save and load: docker-archive round trip, read by skopeo" {
	berth save -o "$WORK/d.tar" berth/default
	run skopeo inspect --config docker-archive:"$WORK/d.tar"
	assert_success
	assert_output --partial '"diff_ids"'
	id=$(berth images -q --no-trunc)
	berth rmi berth/default
	run berth load -i "$WORK/d.tar"
	assert_success
	assert_output "Loaded image: berth/default:latest"
	[ "$(berth images -q --no-trunc)" = "$id" ]
	# to stdout
	berth save berth/default >"$WORK/stdout.tar"
	cmp "$WORK/d.tar" "$WORK/stdout.tar"
	# from stdin, and an archive that skopeo wrote
	skopeo copy -q docker-archive:"$WORK/d.tar" docker-archive:"$WORK/s.tar":skopeo/made:v1
	run berth load <"$WORK/s.tar"
	assert_success
	assert_output "Loaded image: skopeo/made:v1"
	run berth image inspect --format '{{.Id}}' skopeo/made:v1
	assert_output "$id"
}

@test "save and load: oci-archive, and umoci unpacks the same tree berth mounts" {
	"$MKIMAGE" good "$WORK/g.tar" --name docker.io/library/layered:latest --layers 3
	berth load -i "$WORK/g.tar"
	berth save --format oci-archive -o "$WORK/o.tar" layered berth/default
	skopeo copy -q oci-archive:"$WORK/o.tar":docker.io/library/layered:latest oci:"$WORK/layout":l
	skopeo copy -q oci-archive:"$WORK/o.tar":docker.io/berth/default:latest oci:"$WORK/layout":d
	for img in l d; do
		umoci unpack --image "$WORK/layout:$img" "$WORK/bundle-$img" >/dev/null
		name=$([ $img = l ] && echo layered || echo berth/default)
		m=$(berth image mount "$name")
		(cd "$WORK/bundle-$img/rootfs" && find . -printf '%p %M %U %G %l %s\n' | sort) >"$WORK/umoci-$img"
		(cd "$m" && find . -printf '%p %M %U %G %l %s\n' | sort) >"$WORK/berth-$img"
		diff "$WORK/umoci-$img" "$WORK/berth-$img"
		berth image unmount "$name"
	done
	grep -q '^./shared ' "$WORK/berth-l"
	[ "$(cat "$WORK/bundle-l/rootfs/shared")" = "from layer 2" ]
	# and back in
	berth rmi layered berth/default
	run berth load -i "$WORK/o.tar"
	assert_success
	assert_line "Loaded image: layered:latest"
	assert_line "Loaded image: berth/default:latest"
}

@test "load -i DIR: an OCI image layout directory, as podman and skopeo take one (issue #23)" {
	"$MKIMAGE" good "$WORK/g.tar" --name docker.io/library/layered:latest --layers 2
	berth load -i "$WORK/g.tar" >/dev/null
	id=$(berth image inspect -f '{{.Id}}' layered)
	berth save --format oci-archive -o "$WORK/o.tar" layered
	mkdir "$WORK/dir"
	tar -C "$WORK/dir" -xf "$WORK/o.tar"
	berth rmi layered >/dev/null
	run berth load -i "$WORK/dir"
	assert_success
	assert_output "Loaded image: layered:latest"
	[ "$(berth image inspect -f '{{.Id}}' layered)" = "$id" ]
	m=$(berth image mount layered)
	[ "$(cat "$m/shared")" = "from layer 1" ]
	berth image unmount layered
	# skopeo's own layout (its ref names are tags only: the image comes in by its id)
	berth rmi layered >/dev/null
	skopeo copy -q oci-archive:"$WORK/o.tar":docker.io/library/layered:latest oci:"$WORK/sk":v1
	run berth load -i "$WORK/sk"
	assert_success
	assert_output "Loaded image ID: $id"
	berth rmi "$id" >/dev/null
	# a blob that is not what its name says, a link where a blob should be, no index: each
	# refused by name, and the store as it was
	before=$(ls "$STORE/blobs/sha256" | sort)
	blob=$(ls "$WORK/dir/blobs/sha256" | head -1)
	cp -r "$WORK/dir" "$WORK/bad" && echo x >>"$WORK/bad/blobs/sha256/$blob"
	run berth load -i "$WORK/bad"
	assert_failure
	assert_output --partial "$blob"
	rm -r "$WORK/bad" && cp -r "$WORK/dir" "$WORK/bad"
	mv "$WORK/bad/blobs/sha256/$blob" "$WORK/real" && ln -s "$WORK/real" "$WORK/bad/blobs/sha256/$blob"
	run berth load -i "$WORK/bad"
	assert_failure
	assert_output --partial "$blob"
	mkdir "$WORK/empty"
	run berth load -i "$WORK/empty"
	assert_failure
	assert_output --partial "no index.json"
	[ "$(ls "$STORE/blobs/sha256" | sort)" = "$before" ]
	run berth images -q layered
	assert_output ""
}

@test "an image of 120 layers: past a page of overlay options (lowerdir+ where the kernel has it)" {
	"$MKIMAGE" good "$WORK/many.tar" --name docker.io/library/many:1 --layers 120
	berth load -i "$WORK/many.tar" >/dev/null
	kv=$(uname -r | awk -F. '{print $1 * 100 + $2}')
	if [ "$kv" -lt 608 ]; then
		run berth image mount many:1
		assert_failure
		assert_output --partial "Linux 6.8"
		skip "Linux $(uname -r) has no lowerdir+"
	fi
	m=$(berth image mount many:1)
	[ -e "$m/layer0" ] && [ -e "$m/layer119" ]
	berth image unmount many:1
	run berth run --rm -v "$BUSYBOX":/busybox:ro many:1 /busybox sh -c '/busybox ls / | /busybox grep -c "^layer"'
	assert_success
	assert_output 120
}

@test "load: an OCI index gives this host's platform; none matching is an error" {
	"$MKIMAGE" multiarch "$WORK/m.tar" --name docker.io/library/multi:latest
	run berth load -i "$WORK/m.tar"
	assert_success
	m=$(berth image mount multi)
	[ "$(cat "$m/arch")" = amd64 ]
	berth image unmount multi
	berth rmi multi
	run berth load --platform linux/arm64 -i "$WORK/m.tar"
	assert_success
	run berth image inspect --format '{{.Architecture}}' multi
	assert_output arm64
	"$MKIMAGE" noplatform "$WORK/n.tar"
	before=$(store_state)
	run berth load -i "$WORK/n.tar"
	assert_failure
	assert_output --partial "no image for platform linux/amd64 in the index (it has: linux/s390x)"
	[ "$(store_state)" = "$before" ]
}

@test "load: hostile and broken archives change nothing and name the problem" {
	berth tag berth/default keep:me
	before=$(store_state)
	for kind in dotdot absolute symlink hardlink baddigest baddiffid corrupt; do
		"$MKIMAGE" "$kind" "$WORK/$kind.tar"
		run berth load -i "$WORK/$kind.tar"
		assert_failure
		case $kind in
		dotdot | hardlink) assert_output --partial "leads out of the layer" ;;
		absolute) assert_output --partial "is an absolute name" ;;
		symlink) assert_output --partial "goes through a symbolic link" ;;
		baddigest) assert_output --partial "does not match the expected" ;;
		baddiffid) assert_output --partial "does not match the image config's diff id" ;;
		corrupt) assert_output --partial "gzip" ;;
		esac
		[ "$(store_state)" = "$before" ] || { echo "store changed by $kind"; return 1; }
	done
	[ ! -e /tmp/escaped ] && [ ! -e "$STORE/escaped" ] && [ ! -e "$STORE/layers/escaped" ]
	echo "not a tar" >"$WORK/junk"
	run berth load -i "$WORK/junk"
	assert_failure
	[ "$(store_state)" = "$before" ]
}

@test "import: a tarball becomes an image with the changes and message given" {
	mkdir -p "$WORK/root/bin" "$WORK/root/etc"
	cp "$BUSYBOX" "$WORK/root/bin/busybox"
	echo hello >"$WORK/root/etc/greeting"
	tar -C "$WORK/root" -czf "$WORK/root.tgz" .
	run berth import -c 'CMD ["/bin/busybox","cat","/etc/greeting"]' -c 'ENV A=1 B="two words"' \
		-c 'EXPOSE 80 53/udp' -c 'LABEL org.x=y' -c 'WORKDIR /etc' -m "first import" \
		"$WORK/root.tgz" imported:v1
	assert_success
	assert_output --regexp '^sha256:[0-9a-f]{64}$'
	run berth image inspect --format '{{json .Config.Cmd}}|{{json .Config.Env}}|{{json .Config.ExposedPorts}}|{{.Config.Labels}}|{{.Config.WorkingDir}}|{{.Comment}}' imported:v1
	assert_output '["/bin/busybox","cat","/etc/greeting"]|["A=1","B=two words"]|{"80/tcp":{},"53/udp":{}}|map[org.x:y]|/etc|first import'
	run berth history --format '{{.CreatedBy}}|{{.Comment}}' imported:v1
	assert_output 'berth import|first import'
	m=$(berth image mount imported:v1)
	[ "$(cat "$m/etc/greeting")" = hello ]
	berth image unmount imported:v1
	# from stdin, no name: dangling
	run berth import - <"$WORK/root.tgz"
	assert_success
	run berth images --filter dangling=true -q
	[ "${#lines[@]}" -eq 1 ]
	run berth import -c 'BOGUS x' "$WORK/root.tgz"
	assert_failure
	assert_output --partial "unsupported change instruction 'BOGUS'"
	# xz and bzip2: decompressed into a plain tar layer (no layer media type has them)
	tar -C "$WORK/root" -cJf "$WORK/root.txz" .
	run berth import "$WORK/root.txz" imported:xz
	assert_success
	if command -v bzip2 >/dev/null; then
		tar -C "$WORK/root" -cjf "$WORK/root.tbz" .
		run berth import - imported:bz2 <"$WORK/root.tbz"
		assert_success
		run berth image inspect -f '{{index .RootFS.Layers 0}}' imported:bz2
		assert_output "$(berth image inspect -f '{{index .RootFS.Layers 0}}' imported:xz)"
	fi
	m=$(berth image mount imported:xz)
	[ "$(cat "$m/etc/greeting")" = hello ]
	berth image unmount imported:xz
	# a corrupt one: a clear error, and the store as it was
	before=$(find "$STORE" -path "$STORE/tmp" -prune -o -print | sort)
	printf '\xfd7zXZ\x00garbage' >"$WORK/bad.txz"
	run berth import "$WORK/bad.txz" imported:bad
	assert_failure
	assert_output --partial "decompress the tarball"
	[ "$(find "$STORE" -path "$STORE/tmp" -prune -o -print | sort)" = "$before" ]
}

@test "images: --format, --filter, --digests, -q and inspect of several" {
	"$MKIMAGE" good "$WORK/g.tar" --name docker.io/library/lab:1 --layers 1
	berth load -i "$WORK/g.tar"
	berth image inspect berth/default >/dev/null
	run berth images --filter label=test=mkimage --format '{{.Repository}}'
	assert_output lab
	run berth images --filter reference='berth/*' --format '{{.Repository}}'
	assert_output berth/default
	run berth images lab
	assert_line --index 1 --regexp '^lab +1 '
	run berth images --format 'table {{.ID}}\t{{.Tag}}'
	assert_line --index 0 --regexp '^IMAGE ID +TAG$'
	run berth images --format json
	assert_line --partial '"Repository":"lab"'
	run berth image inspect lab:1 berth/default
	assert_success
	[ "$(echo "$output" | jq length)" -eq 2 ]
	run berth image inspect lab:1 nosuch
	assert_failure
	assert_output --partial "no such image: nosuch"
	run berth image inspect --format "{{.Nope.Deeper}}" lab:1
	assert_output "<no value>"
}

@test "bad input: unknown flags and commands, malformed names (exit 125 or 1, nothing created)" {
	run berth images --bogus
	assert_equal "$status" 125
	assert_output --partial "unknown flag: --bogus"
	run berth nosuchcommand
	assert_equal "$status" 125
	run berth tag berth/default 'Bad:Name'
	assert_failure
	assert_output --partial "invalid reference format"
	run berth save -o "$WORK/no/such/dir/x.tar" berth/default
	assert_failure
	run berth save -o "$WORK/x.tar" berth/default nosuch
	assert_failure
	assert_output --partial "no such image: nosuch"
	[ ! -e "$WORK/x.tar" ]
	[ -z "$(ls -A "$WORK")" ]
}

@test "store: parallel loads, tags and removals keep every record" {
	berth image inspect berth/default >/dev/null
	for i in 1 2 3 4 5 6; do
		"$MKIMAGE" good "$WORK/p$i.tar" --name "docker.io/library/par$i:latest" --layers 2
	done
	# wait for our own jobs only: with BATS_TEST_TIMEOUT bats has a watcher of its own running
	pids=()
	for i in 1 2 3 4 5 6; do
		(berth load -q -i "$WORK/p$i.tar" && berth tag "par$i" "alias$i:x" && berth tag berth/default "d$i:x") &
		pids+=($!)
	done
	for p in "${pids[@]}"; do wait "$p"; done
	for i in 1 2 3 4 5 6; do
		berth image inspect "par$i" "alias$i:x" "d$i:x" >/dev/null
	done
	pids=()
	for i in 1 2 3; do
		berth rmi "par$i" "alias$i:x" >/dev/null &
		pids+=($!)
	done
	for p in "${pids[@]}"; do wait "$p"; done
	run berth images --format '{{.Repository}}'
	refute_line par1
	assert_line par6
	jq -e . "$STORE/images.json" >/dev/null
}

@test "commit: a hard link made in the container stays one inode with two names in the image" {
	berth run --name hardln berth/default sh -c 'echo x >/a && ln /a /b'
	berth commit hardln hardln:1 >/dev/null
	run berth run --rm hardln:1 stat -c '%h %i' /a /b
	assert_success
	assert_line --index 0 --regexp '^2 [0-9]+$'
	assert_equal "${lines[1]}" "${lines[0]}"
	# in the layer as docker writes it: the bytes once, then a link entry (typeflag 1) to them
	berth save -o "$WORK/h.tar" hardln:1
	mkdir "$WORK/h"
	tar -C "$WORK/h" -xf "$WORK/h.tar"
	local layer first second
	layer="$WORK/h/$(jq -r '.[0].Layers[-1]' "$WORK/h/manifest.json")"
	first=$(tar -tf "$layer" | head -n 1) # the walk's order: a or b
	second=$([ "$first" = a ] && echo b || echo a)
	run tar -tvf "$layer"
	assert_equal "${#lines[@]}" 2
	assert_line --index 0 --regexp "^-.* 2 .* $first\$"
	assert_line --index 1 --regexp "^h.* 0 .* $second link to $first\$"
}
