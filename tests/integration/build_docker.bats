#!/usr/bin/env bats
# berth build against docker build (issue #17): Debian's docker.io 20.10 with BuildKit as an
# oracle. The same Containerfiles built by both give the same files (entries, modes, owners,
# sizes, link targets; BuildKit's tar exporter and berth's -o type=tar) and the same config; docker
# loads and runs an image berth built. One peer dockerd for the file (tests/helpers/dockerd:
# namespaces, storage and cgroups of its own), offline: berth's built-in image is loaded into it,
# and both build with --network none (the peer has no bridge). docker 20.10 vendors BuildKit 0.8;
# where BuildKit has changed since, a check says so and asserts what BuildKit does now.

load helpers

DOCKER=/usr/bin/docker # /usr/local/bin/docker, first in PATH, is another docker's CLI

setup_file() {
	dockerd_peer_start || return 1
	[ -n "${NO_DOCKER:-}" ] || export DOCKER_HOST="$DOCKERD_HOST" \
		DOCKER_CONFIG="$DOCKERD_DIR/client" DOCKER_BUILDKIT=1
}

teardown_file() { dockerd_peer_stop; }

setup() {
	[ -z "${NO_DOCKER:-}" ] || skip "$NO_DOCKER"
	store_setup
	CTX="$WORK/ctx"
	mkdir -p "$CTX"
	TAG="t$BATS_TEST_NUMBER"
}

teardown() {
	[ -n "${NO_DOCKER:-}" ] || store_teardown
}

dk() { "$DOCKER" "$@"; }

# containerfile TEXT: $CTX/Containerfile
containerfile() { printf '%s\n' "$1" >"$CTX/Containerfile"; }

# A tar's entries as "mode owner size path[ -> target]", sorted by path; the root left out.
tree_of() {
	tar --numeric-owner -tvf "$1" | awk '{p=$6; sub(/^\.\//,"",p); sub(/\/$/,"",p);
		if (p=="." || p=="") next; t=($7=="->") ? " -> " $8 : "";
		print $1, $2, ($1 ~ /^-/ ? $3 : "-"), p t}' | sort -k4
}

# build_both [ARGS]: $CTX/Containerfile built by berth and by docker with ARGS, each as the image
# $TAG of its own store and as $WORK/berth.tar and $WORK/docker.tar (the second builds are cached)
build_both() {
	run berth build -q --network none "$@" -t "$TAG" "$CTX"
	[ "$status" -eq 0 ] || fail "berth build: $output"
	run berth build -q --network none "$@" -o "type=tar,dest=$WORK/berth.tar" "$CTX"
	[ "$status" -eq 0 ] || fail "berth build -o: $output"
	run dk build -q --network none "$@" -f "$CTX/Containerfile" -t "$TAG" "$CTX"
	[ "$status" -eq 0 ] || fail "docker build: $output"
	run dk build -q --network none "$@" -f "$CTX/Containerfile" \
		-o "type=tar,dest=$WORK/docker.tar" "$CTX"
	[ "$status" -eq 0 ] || fail "docker build -o: $output"
}

# The same files in berth's tree and docker's, but for the lines matching $1 (a regex) in both.
assert_same_tree() {
	run diff <(tree_of "$WORK/berth.tar" | grep -Ev "${1:-^$}") \
		<(tree_of "$WORK/docker.tar" | grep -Ev "${1:-^$}")
	assert_success
}

CONFIG_KEYS='{User, Env, Entrypoint, Cmd, WorkingDir, ExposedPorts, Volumes, Labels, StopSignal,
	Shell, Healthcheck, OnBuild}'

assert_same_config() {
	local got want
	got=$(berth image inspect "$TAG" --format '{{json .Config}}' | jq -cS "$CONFIG_KEYS")
	want=$(dk image inspect "$TAG" --format '{{json .Config}}' | jq -cS "$CONFIG_KEYS")
	assert_equal "$got" "$want"
}

@test "build vs docker: podman's oracle Containerfile (stages, COPY --from, links, USER, config); docker runs berth's image" {
	echo hello >"$CTX/file"
	containerfile 'FROM berth/default AS build
WORKDIR /src
COPY file .
RUN echo built > out && chmod 600 out && mkdir -p /opt/x && ln -s ../src/out /opt/x/link

FROM berth/default
ENV A=1 B="two words"
LABEL org.example.k=v
COPY --from=build /src/out /app/out
COPY --from=build /opt /opt
COPY --chmod=755 file /app/bin/
RUN echo "app:x:1000:1000::/app:/bin/sh" >> /etc/passwd
USER 1000:1000
WORKDIR /app
EXPOSE 8080
VOLUME /data
ENTRYPOINT ["cat"]
CMD ["/app/out"]'
	build_both
	assert_same_tree
	assert_same_config
	# docker takes berth's image as it is (the same id: the config's digest) and runs it (runc)
	berth tag "$TAG" "fromberth$BATS_TEST_NUMBER"
	berth save -o "$WORK/image.tar" "fromberth$BATS_TEST_NUMBER"
	run dk load -i "$WORK/image.tar"
	assert_success
	assert_output "Loaded image: fromberth$BATS_TEST_NUMBER:latest"
	assert_equal "$(dk image inspect "fromberth$BATS_TEST_NUMBER" --format '{{.Id}}')" \
		"$(berth image inspect "$TAG" --format '{{.Id}}')"
	run dk run --rm --network none --user 0 "fromberth$BATS_TEST_NUMBER"
	assert_success
	assert_output built
	run dk run --rm --network none --entrypoint sh "fromberth$BATS_TEST_NUMBER" \
		-c 'id -u; pwd; echo "$A|$B"; readlink /opt/x/link; cat /app/bin/file'
	assert_success
	assert_output "1000
/app
1|two words
../src/out
hello"
}

@test "build vs docker: COPY and ADD --chown and --chmod (names, numbers, a user alone, parents made, directories)" {
	mkdir -p "$CTX/dir/sub"
	echo hello >"$CTX/file"
	echo x >"$CTX/dir/a"
	echo y >"$CTX/dir/sub/b"
	chmod 700 "$CTX/dir/sub"
	ln -s a "$CTX/dir/link"
	containerfile 'FROM berth/default
RUN echo "app:x:1000:1001::/home/app:/bin/sh" >> /etc/passwd && echo "apg:x:1001:" >> /etc/group && echo "other:x:2002:" >> /etc/group
COPY --chown=app:apg file /o/named/
COPY --chown=1234:5678 dir /o/numeric/
COPY --chown=app dir /o/useronly/
COPY --chown=app:other file /o/usergroup
COPY --chown=0:apg file /o/rootgroup
COPY --chmod=640 file /o/mode/file
COPY --chmod=751 dir /o/dirmode/
COPY --chown=7:8 --chmod=600 file dir /o/both/
COPY --chown=app file /o/new/deep/er/
ADD --chown=1:1 --chmod=444 file /o/add'
	build_both
	assert_same_tree
	assert_same_config
}

@test "build vs docker: names --chown cannot find are refused; a --chown empty after expansion is no --chown" {
	echo hello >"$CTX/file"
	# A name the image's passwd or group does not have, or an empty user or group: BuildKit
	# silently takes 0 (llb.WithUser marshals an empty name as id 0; readUser keeps 0 for a name
	# it does not find: moby/buildkit#3555, open, kind/bug). The Dockerfile reference says a
	# build with names that cannot be looked up fails, as the classic builder's and buildah's do;
	# berth refuses them.
	local ch
	for ch in nosuch app:nosuch ':0' '0:'; do
		containerfile "FROM berth/default
RUN echo 'app:x:1000:1001::/home/app:/bin/sh' >> /etc/passwd
COPY --chown=$ch file /f"
		run berth build -q --network none "$CTX"
		assert_failure
		assert_output --regexp "Containerfile:3: .*--chown '$ch'"
	done
	# BuildKit's frontend passes --chown on only when it is not empty (dispatchCopy: if
	# cfg.chown != ""), so an unset ARG leaves the owners as they are; so did the classic builder
	containerfile 'FROM berth/default
ARG OWNER
COPY --chown=$OWNER file /f'
	build_both
	assert_same_tree
}

@test "build vs docker: ADD unpacks local archives (tar, gzip, xz, bzip2; known by content, not name); --chown owns what it unpacks" {
	mkdir -p "$CTX/src/t/sub"
	echo one >"$CTX/src/t/one"
	echo two >"$CTX/src/t/sub/two"
	chmod 640 "$CTX/src/t/one"
	chmod 711 "$CTX/src/t/sub"
	ln -s one "$CTX/src/t/l"
	tar --owner=1234 --group=5678 -C "$CTX/src" -cf "$CTX/plain.tar" t
	tar --numeric-owner -C "$CTX/src" -czf "$CTX/gz.tgz" t
	tar -C "$CTX/src" -cJf "$CTX/xz.tar.xz" t
	tar -C "$CTX/src" -cjf "$CTX/bz.tbz" t
	rm -rf "$CTX/src"
	cp "$CTX/plain.tar" "$CTX/notext.bin"
	echo "not a tar" >"$CTX/fake.tar"
	containerfile 'FROM berth/default
ADD plain.tar /x/plain/
ADD gz.tgz /x/gz
ADD xz.tar.xz bz.tbz /x/multi/
ADD notext.bin /x/sniffed/
ADD fake.tar /x/fake/
COPY plain.tar /x/copied/
ADD plain.tar /x/plain/
ADD gz.tgz /x/asfile.tgz
ADD --chown=1000:1001 plain.tar /x/owned/'
	build_both
	# ADD --chown and an archive: BuildKit 0.8 keeps the archive's owners below the directory it
	# makes; BuildKit since 0.23 (dockerfile 1.17, commit 46e52f4 "file: add chown to archive
	# unpack from copy") owns all it unpacks, as berth does
	assert_same_tree '^[^ ]+ [^ ]+ [^ ]+ x/owned/'
	assert_equal "$(tree_of "$WORK/berth.tar" | awk '$4 ~ /^x\/owned/ {print $2}' | sort -u)" \
		1000/1001
	assert_same_config
}

@test "build vs docker: hard links made by RUN, COPY and ADD stay hard links in the image" {
	mkdir -p "$CTX/d"
	echo one >"$CTX/d/one"
	ln "$CTX/d/one" "$CTX/d/hard"
	tar -C "$CTX/d" -cf "$CTX/h.tar" one hard
	containerfile 'FROM berth/default
RUN mkdir /r && echo x > /r/h1 && ln /r/h1 /r/h2
COPY d /c/
ADD h.tar /a/'
	build_both
	# BuildKit keeps them (its differ and copier track inodes), as the image spec's layer format
	# says ("Hardlinks are stored in a tar archive with type of a 1 char"); so does docker's
	# archive.TarWithOptions
	local script='for p in r/h1:r/h2 c/one:c/hard a/one:a/hard; do
		a=/${p%:*}; b=/${p#*:}
		echo "$a $(stat -c %h "$a") $b $(stat -c %h "$b") $([ "$(stat -c %i "$a")" = "$(stat -c %i "$b")" ] && echo same || echo apart)"
	done'
	run dk run --rm --network none "$TAG" sh -c "$script"
	assert_success
	local want=$output
	assert_line '/r/h1 2 /r/h2 2 same'
	run berth run --rm --network none "$TAG" sh -c "$script"
	assert_success
	assert_output "$want"
}

@test "build vs docker: WORKDIR makes its directory and its missing parents, owned by the USER" {
	containerfile 'FROM berth/default
WORKDIR /w/x/y
WORKDIR rel/dir
RUN pwd > /pwd1
WORKDIR ..
RUN pwd > /pwd2
RUN echo "app:x:1000:1001::/home/app:/bin/sh" >> /etc/passwd
USER app
WORKDIR /owned/by/app
USER 1234:5678
WORKDIR /owned/numeric
USER root
WORKDIR /tmp
ENV DIR=/from/env
WORKDIR $DIR/sub'
	build_both
	# BuildKit makes WORKDIR with llb.Mkdir(wd, 0755, WithParents, WithUser(USER)), and
	# fsutil's MkdirAll owns every directory it makes: /owned and /owned/by are app's too
	assert_same_tree
	assert_same_config
	run berth run --rm --network none --user 0 --entrypoint cat "$TAG" /pwd1 /pwd2
	assert_output "/w/x/y/rel/dir
/w/x/y/rel"
}

@test "build vs docker: ARG and ENV substitution (defaults, alternatives, escapes, global ARGs, in FROM, COPY, WORKDIR, USER, EXPOSE)" {
	echo f >"$CTX/file"
	# (${VAR-word} and ${VAR+word}, without the colon, are newer than 20.10's frontend: not here)
	containerfile 'ARG BASE=berth/default
ARG UNUSED_GLOBAL=g
FROM $BASE
ARG BASE
ARG WHO=world
ARG EMPTY=
ARG UNSET
ENV GREETING="hello ${WHO}" \
    DEF=${UNSET:-fallback} \
    ALT=${WHO:+alt} \
    NOALT=${UNSET:+alt} \
    COLONDASH=${EMPTY:-colondash} \
    ESC=\$WHO \
    QUOTED='"'"'$WHO'"'"' \
    BRACES=${WHO}s \
    BASEV=$BASE
ENV SELF=$GREETING CHAIN=${DEF}-x
ENV A=1 B=${A}2
ENV C=$A
LABEL who=$WHO "quoted label"="a b" empty=
EXPOSE ${PORT:-8080}/tcp 9090/udp
COPY file /dst/$WHO/
COPY file /dst/${UNSET:-unset}/
RUN echo "$WHO|$GREETING|$DEF|$UNSET|${WHO%ld}|$UNUSED_GLOBAL" > /run-env
RUN env | grep -E "^(WHO|BASE|EMPTY|UNSET)=" | sort > /args
WORKDIR /w/$WHO
USER ${UID:-1}:${GID:-2}
STOPSIGNAL SIG${SIG:-TERM}
VOLUME ["/v/$WHO", "/v2"]
ENTRYPOINT ["echo", "$WHO"]
CMD echo $WHO'
	build_both --build-arg WHO=world
	assert_same_tree
	assert_same_config
	run dk run --rm --network none --entrypoint cat "$TAG" /run-env /args
	assert_success
	local want=$output
	run berth run --rm --network none --entrypoint cat "$TAG" /run-env /args
	assert_output "$want"
}

@test "build vs docker: .dockerignore with ! exceptions, ** and directories" {
	mkdir -p "$CTX/dir/sub/deep" "$CTX/tmp" "$CTX/keep" "$CTX/.git"
	local f
	for f in a.log keep.log b.txt dir/x.log dir/sub/secret1 dir/sub/secret-ok \
		dir/sub/deep/secret2 dir/sub/deep/other tmp/t keep/k1 keep/k2.md .git/HEAD .hidden \
		README.md docs.md; do
		echo "$f" >"$CTX/$f"
	done
	cat >"$CTX/.dockerignore" <<-'END'
		# comment
		*.log
		!keep.log
		dir/**/secret*
		!dir/sub/secret-ok
		tmp/
		keep/*
		!keep/k1
		.git
		*.md
		!README.md
		Containerfile
		.dockerignore
	END
	containerfile 'FROM berth/default
COPY . /ctx/
COPY dir /dir-only/
COPY *.md /md/'
	build_both
	assert_same_tree
	run tar -tf "$WORK/berth.tar"
	assert_line --regexp '^(\./)?ctx/dir/sub/secret-ok$'
	refute_line --regexp '^(\./)?ctx/dir/sub/deep/secret2$'
}

@test "build vs docker: COPY's directory and destination rules, wildcards, links, --from a stage and an image, RUN --mount" {
	mkdir -p "$CTX/d/e" "$CTX/empty" "$CTX/w"
	echo 1 >"$CTX/d/f1"
	echo 2 >"$CTX/d/e/f2"
	ln -s f1 "$CTX/d/lnk"
	echo a >"$CTX/w/a1.txt"
	echo b >"$CTX/w/b2.txt"
	echo c >"$CTX/w/c.bin"
	containerfile 'FROM berth/default AS base
RUN mkdir -p /exists && echo "app:x:1000:1001::/home/app:/bin/sh" >> /etc/passwd && echo "apg:x:1001:" >> /etc/group
COPY d /c1
COPY d/ /c2/
COPY d /exists
COPY d/f1 /exists
COPY d/f1 /newname
COPY d/f1 d/e /multi/
COPY w/*.txt /glob/
COPY w/?1.* /glob2/
COPY d/lnk /links/
COPY empty /emptydir
SHELL ["/bin/sh", "-ec"]
RUN mkdir /shell && echo ok > /shell/ok

FROM base AS second
COPY --from=base --chown=app:apg /c1 /fromstage
COPY --from=0 /glob /fromidx/
COPY --from=berth/default /bin/busybox /bb
RUN --mount=type=bind,source=d,target=/mnt echo "$(cat /mnt/f1)" > /bound
RUN --mount=type=cache,target=/cache echo x > /cache/x && ls /cache > /cachels
RUN --mount=type=tmpfs,target=/tm echo x > /tm/x && ls /tm > /tmls
CMD ["sh"]'
	build_both
	# The empty directories the runtime made for RUN --mount targets: BuildKit 0.8 leaves them in
	# the layer; BuildKit since 0.11 takes them out again (executor.MountStubsCleaner, commits
	# 6778973 and 2cae26f "stubs cleaner should remove empty directory mounts"), as berth does
	assert_same_tree '^d[^ ]+ [^ ]+ - (cache|mnt|tm)$'
	run tar -tf "$WORK/berth.tar"
	refute_line --regexp '^(\./)?(cache|mnt|tm)/?$'
	assert_same_config
}

@test "build vs docker: links in COPY's sources resolve inside the context as in a root (absolute targets, .. clamped)" {
	mkdir -p "$CTX/etc" "$CTX/d"
	echo "the context's passwd" >"$CTX/etc/passwd"
	ln -s /etc/passwd "$CTX/abslink"
	ln -s /etc "$CTX/d/absdir"
	ln -s ../../../../etc/passwd "$CTX/d/up"
	containerfile 'FROM berth/default
COPY abslink /l1
COPY d/absdir/passwd /l2
COPY d/up /l3
COPY d /l4/'
	# BuildKit resolves a source path with continuity's fs.RootPath in the context's root: an
	# absolute link is the context's path, and .. stops at the root, as openat2's
	# RESOLVE_IN_ROOT does; nothing leaves the context, and nothing is refused. Links inside
	# a copied directory are copied as links.
	build_both
	assert_same_tree
	run berth run --rm --network none "$TAG" cat /l1 /l2 /l3
	assert_output "the context's passwd
the context's passwd
the context's passwd"
}

@test "build vs docker: here-documents (RUN <<EOF, COPY <<EOF)" {
	containerfile 'FROM berth/default
RUN <<EOT
echo a > /a
EOT
COPY <<EOT /b
hello
EOT'
	# docker 20.10's built-in frontend (dockerfile 1.2) has no here-documents; they need
	# "# syntax=docker/dockerfile:1.4", a frontend image pulled from Docker Hub, and the peer
	# dockerd has no network
	run dk build -q --network none -f "$CTX/Containerfile" -t "$TAG" "$CTX"
	[ "$status" -eq 0 ] || skip "docker 20.10's frontend has no here-documents (needs docker/dockerfile:1.4 from the network)"
	build_both
	assert_same_tree
}
