#!/usr/bin/env bats
# berth build (issue #17): Containerfiles built from the built-in image, offline; the result
# run by berth; the cache; bad input refused with the file and line; the context not escaped.

load helpers

setup() {
	store_setup
	CTX="$WORK/ctx"
	mkdir -p "$CTX"
}

teardown() {
	store_teardown
}

# containerfile TEXT: $CTX/Containerfile
containerfile() { printf '%s\n' "$1" >"$CTX/Containerfile"; }

@test "build: ENV, ARG, RUN, COPY, WORKDIR, USER, CMD, ENTRYPOINT make an image that runs" {
	echo "from the context" >"$CTX/file"
	containerfile 'FROM berth/default
ENV GREETING=hello
ARG WHO=world
RUN echo "$GREETING $WHO" > /greeting && echo "app:x:1234:1234::/app:/bin/sh" >> /etc/passwd
COPY file /data/
WORKDIR /app
USER app
EXPOSE 8080/tcp
VOLUME /state
LABEL org.example.k=v
STOPSIGNAL SIGINT
ENTRYPOINT ["sh", "-c"]
CMD ["cat /greeting /data/file; pwd; id -u"]'
	run berth build -t demo "$CTX"
	assert_success
	assert_output --regexp '#4 \[stage-0 4/13\] RUN echo'
	assert_output --partial 'DONE'
	id=$(tail -1 <<<"$output")
	[[ $id == sha256:* ]]
	run berth run --rm demo
	assert_success
	assert_output "hello world
from the context
/app
1234"
	run berth inspect --format '{{json .Config.ExposedPorts}} {{json .Config.Volumes}} {{.Config.Labels}} {{.Config.StopSignal}} {{.Config.User}}' demo
	assert_output '{"8080/tcp":{}} {"/state":{}} map[org.example.k:v] SIGINT app'
	# ARG values are in RUN's environment, not in the image's
	run berth inspect --format '{{json .Config.Env}}' demo
	refute_output --partial WHO
	assert_output --partial GREETING=hello
}

@test "build: the cache is taken when nothing changed, by content, not by time" {
	echo one >"$CTX/file"
	containerfile 'FROM berth/default
COPY file /file
RUN cat /file > /copy'
	berth build -q -t c1 "$CTX" >"$WORK/id1"
	run berth build -t c1 "$CTX"
	assert_success
	[ "$(grep -c CACHED <<<"$output")" -eq 2 ]
	[ "$(tail -1 <<<"$output")" = "$(cat "$WORK/id1")" ]
	# a new time, the same content: still cached
	touch -d '2001-01-01' "$CTX/file"
	run berth build -t c1 "$CTX"
	[ "$(grep -c CACHED <<<"$output")" -eq 2 ]
	# new content: COPY and what follows run again
	echo two >"$CTX/file"
	run berth build -t c1 "$CTX"
	assert_success
	[ "$(grep -c CACHED <<<"$output")" -eq 0 ]
	run berth run --rm c1 cat /copy
	assert_output two
	# --no-cache runs everything
	run berth build --no-cache -t c1 "$CTX"
	[ "$(grep -c CACHED <<<"$output")" -eq 0 ]
	# the steps' images are build cache: hidden from images, shown with -a, gone with builder prune
	run berth images -q
	[ "$(wc -l <<<"$output")" -eq 2 ] # c1, berth/default
	run berth images -aq
	[ "$(wc -l <<<"$output")" -gt 2 ]
	run berth system df --format '{{.Type}} {{.TotalCount}}'
	assert_line --regexp '^Build Cache [1-9]'
	assert_line 'Images 2'
	run berth builder prune -f
	assert_success
	assert_output --regexp 'Deleted build cache objects: [1-9]'
	run berth images -aq
	[ "$(wc -l <<<"$output")" -eq 2 ]
	run berth run --rm c1 cat /copy
	assert_output two
	# system prune takes the build cache too
	berth build -q -t c1 --no-cache "$CTX" >/dev/null
	berth system prune -f >/dev/null
	run berth system df --format '{{.Type}} {{.TotalCount}}'
	assert_line 'Build Cache 0'
}

@test "build: multi-stage, COPY --from, --target, here-documents, .dockerignore" {
	echo keep >"$CTX/keep.txt"
	echo secret >"$CTX/secret.txt"
	printf 'secret.txt\n' >"$CTX/.dockerignore"
	cat >"$CTX/Containerfile" <<'END'
FROM berth/default AS build
WORKDIR /src
COPY . .
RUN <<EOF
set -e
ls /src | sort > /list
echo built > /out
EOF

FROM berth/default AS unused
RUN exit 1

FROM berth/default
COPY --from=build /out /list /app/
COPY <<EOT /etc/greeting
hello $NAME
EOT
CMD ["cat", "/app/out", "/app/list", "/etc/greeting"]
END
	run berth build -t ms "$CTX"
	assert_success
	refute_output --partial '[unused'
	run berth run --rm ms
	assert_output "built
Containerfile
keep.txt
hello "
	run berth build -t ms-build --target build "$CTX"
	assert_success
	run berth run --rm ms-build cat /list
	assert_output "Containerfile
keep.txt"
}

@test "build: a failing RUN shows its output and exit code, exits 1 and tags nothing" {
	containerfile 'FROM berth/default
RUN echo before-failing && exit 3'
	run berth build -t bad "$CTX"
	assert_equal "$status" 1
	assert_output --partial before-failing
	assert_output --partial 'did not complete successfully: exit code: 3'
	assert_output --partial 'Containerfile:2'
	run berth images -q bad
	assert_output ""
	run berth ps -aq
	assert_output ""
	# -q: the failing step's output still shows
	run berth build -q -t bad "$CTX"
	assert_equal "$status" 1
	assert_output --partial before-failing
}

@test "build: bad Containerfiles: one error naming the file and line, nothing built" {
	containerfile 'FROM berth/default
FOO bar'
	run berth build "$CTX"
	assert_equal "$status" 1
	assert_output --partial 'Containerfile:2: unknown instruction: FOO'
	containerfile 'FROM berth/default
COPY missing.txt /x'
	run berth build "$CTX"
	assert_equal "$status" 1
	assert_output --regexp 'Containerfile:2: .*missing.txt.*not found'
	containerfile 'FROM berth/default AS a
COPY --from=b /x /x
FROM berth/default AS b
COPY --from=a /x /x'
	run berth build "$CTX"
	assert_equal "$status" 1
	assert_output --partial 'circular dependency'
	containerfile 'FROM berth/default'
	run berth build --target nosuch "$CTX"
	assert_equal "$status" 1
	run berth build --platform linux/arm64 "$CTX"
	assert_equal "$status" 125
	assert_output --partial "this host's platform"
}

@test "build: the context cannot be escaped (links, .., FIFOs)" {
	echo outside >"$WORK/outside"
	ln -s "$WORK/outside" "$CTX/abs-link"
	ln -s ../outside "$CTX/rel-link"
	# a named link resolves with the context as the root (BuildKit): never the host's file
	containerfile 'FROM berth/default
COPY abs-link /x'
	run berth build "$CTX"
	assert_failure
	assert_output --partial "not found"
	containerfile 'FROM berth/default
COPY rel-link /x'
	run berth build "$CTX"
	assert_failure
	assert_output --partial "not found"
	# the same paths inside the context are what they reach
	mkdir -p "$CTX/$WORK"
	echo inside >"$CTX/$WORK/outside"
	echo top >"$CTX/outside"
	containerfile 'FROM berth/default
COPY abs-link /abs
COPY rel-link /rel
CMD ["cat", "/abs", "/rel"]'
	run berth build -t scoped "$CTX"
	assert_success
	run berth run --rm scoped
	assert_output "inside
top"
	rm -r "$CTX/${WORK#/}" "$CTX/outside"
	containerfile 'FROM berth/default
COPY ../outside /x'
	run berth build "$CTX"
	assert_failure
	# a link inside a copied directory is copied as a link, never followed
	mkdir "$CTX/dir"
	ln -s "$WORK/outside" "$CTX/dir/link"
	rm "$CTX/abs-link" "$CTX/rel-link"
	containerfile 'FROM berth/default
COPY dir /dir
CMD ["readlink", "/dir/link"]'
	run berth build -t links "$CTX"
	assert_success
	run berth run --rm links
	assert_output "$WORK/outside"
	mkfifo "$CTX/dir/fifo"
	run timeout 30 "$BERTH" --root "$STORE" --runroot "$RUNROOT" build --no-cache "$CTX"
	assert_failure
	[ "$status" -ne 124 ]
	assert_output --partial fifo
}

@test "build: --build-arg, --label, -q, --iidfile, -f -, a tar context on stdin" {
	containerfile 'FROM berth/default
ARG MSG=default
RUN echo "$MSG" > /msg
CMD ["cat", "/msg"]'
	run berth build -q --build-arg MSG=given --build-arg UNUSED=1 --label team=core --iidfile "$WORK/iid" -t args "$CTX"
	assert_success
	[ "$(tail -1 <<<"$output")" = "$(cat "$WORK/iid")" ]
	assert_output --partial 'One or more build-args [UNUSED] were not consumed'
	run berth run --rm args
	assert_output given
	run berth inspect --format '{{.Config.Labels.team}}' args
	assert_output core
	# the Containerfile on stdin, no context
	run sh -c "printf 'FROM berth/default\nRUN echo piped > /p\n' | \"$BERTH\" --root \"$STORE\" --runroot \"$RUNROOT\" build -q -t piped -f - \"$CTX\""
	assert_success
	run berth run --rm piped cat /p
	assert_output piped
	# a tar of the context on stdin
	echo in-tar >"$CTX/file"
	containerfile 'FROM berth/default
COPY file /file'
	run sh -c "tar -C \"$CTX\" -cf - . | \"$BERTH\" --root \"$STORE\" --runroot \"$RUNROOT\" build -q -t tarctx -"
	assert_success
	run berth run --rm tarctx cat /file
	assert_output in-tar
}

@test "build: RUN --mount cache persists between builds, tmpfs and secrets are not in the image" {
	echo s3cret >"$WORK/token"
	containerfile 'FROM berth/default
RUN --mount=type=cache,target=/cache sh -c "echo x >> /cache/count; wc -l < /cache/count > /seen"
RUN --mount=type=tmpfs,target=/scratch touch /scratch/gone
RUN --mount=type=secret,id=token wc -c < /run/secrets/token > /len'
	run berth build --secret id=token,src="$WORK/token" -t mounts "$CTX"
	assert_success
	run berth run --rm mounts sh -c 'cat /seen /len; ls -A /cache /scratch /run/secrets 2>/dev/null'
	assert_output "1
7"
	run berth build --no-cache --secret id=token,src="$WORK/token" -t mounts "$CTX"
	run berth run --rm mounts cat /seen
	assert_output 2
}

@test "build: RUN --mount=type=bind reads the context, and what it reads is part of the cache key" {
	echo one >"$CTX/input"
	containerfile 'FROM berth/default
RUN --mount=type=bind,source=input,target=/in cat /in > /out'
	run berth build -t bind "$CTX"
	assert_success
	run berth run --rm bind sh -c 'cat /out; ls /in 2>&1'
	assert_line --index 0 one
	assert_line --index 1 --partial 'No such file'
	run berth build -t bind "$CTX"
	assert_output --partial CACHED
	echo two >"$CTX/input"
	run berth build -t bind "$CTX"
	refute_output --partial CACHED
	run berth run --rm bind cat /out
	assert_output two
	# a writable bind: the RUN may write, nothing of it stays in the context
	containerfile 'FROM berth/default
RUN --mount=type=bind,target=/ctx,rw echo scribble > /ctx/input && cat /ctx/input > /out'
	run berth build -t bindrw "$CTX"
	assert_success
	[ "$(cat "$CTX/input")" = two ]
}

@test "build: -o exports the result's files as a directory or a tar" {
	echo data >"$CTX/file"
	containerfile 'FROM scratch
COPY file /out/file'
	run berth build -o "type=local,dest=$WORK/out" "$CTX"
	assert_success
	[ "$(cat "$WORK/out/out/file")" = data ]
	run sh -c "\"$BERTH\" --root \"$STORE\" --runroot \"$RUNROOT\" build -q -o - \"$CTX\" | tar -tf -"
	assert_success
	assert_line --regexp '^(\./)?out/file$'
	run berth build -o "type=tar,dest=$WORK/out.tar" "$CTX"
	assert_success
	tar -tf "$WORK/out.tar" | grep -q 'out/file'
	run berth build -o type=registry "$CTX"
	assert_equal "$status" 125
}

# podman with storage of the test's own (podman build runs buildah inside).
pm() {
	podman --root "$WORK/pm/storage" --runroot "$WORK/pm/run" --cgroup-manager cgroupfs \
		--events-backend file "$@"
}

pm_cleanup() {
	pm rm -af >/dev/null 2>&1 || true
	pm rmi -af >/dev/null 2>&1 || true
	local m
	for m in $(awk '{print $5}' /proc/self/mountinfo | grep "^$WORK/pm/" | sort -r); do
		umount -l "$m" 2>/dev/null || true
	done
	for m in /sys/fs/cgroup/*/berth-podman-build /sys/fs/cgroup/berth-podman-build; do
		[ -d "$m" ] && find "$m" -depth -type d -exec rmdir {} + 2>/dev/null
	done
	true
}

# A tar's entries as "mode owner size path", sorted by path; the root itself left out.
tree_of() {
	tar --numeric-owner -tvf "$1" | awk '{p=$6; sub(/^\.\//,"",p); sub(/\/$/,"",p);
		if (p=="." || p=="") next; print $1, $2, ($1 ~ /^-/ ? $3 : "-"), p}' | sort -k4
}

@test "build: podman build of the same Containerfile gives the same files and config; podman runs berth's image" {
	command -v podman >/dev/null || skip "podman is not installed"
	echo hello >"$CTX/file"
	cat >"$CTX/Containerfile" <<'END'
FROM berth/default AS build
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
CMD ["/app/out"]
END
	berth build -q -t oracle "$CTX" >/dev/null
	berth build -q -o "type=tar,dest=$WORK/berth.tar" "$CTX" >/dev/null
	mkdir -p "$WORK/pm"
	berth save -o "$WORK/default.tar" berth/default
	pm load -i "$WORK/default.tar" >/dev/null
	pm tag localhost/berth/default:latest berth/default:latest
	run pm build --isolation chroot -q -t oracle "$CTX"
	if [ "$status" -ne 0 ]; then pm_cleanup; fail "podman build: $output"; fi
	mnt=$(pm image mount localhost/oracle)
	tar -C "$mnt" -cf "$WORK/podman.tar" .
	pm image unmount localhost/oracle >/dev/null
	# the same entries, modes, owners and sizes
	run diff <(tree_of "$WORK/berth.tar") <(tree_of "$WORK/podman.tar")
	# the same config, but for the label buildah adds
	want=$(pm image inspect localhost/oracle --format '{{json .Config}}' |
		jq -cS 'del(.Labels["io.buildah.version"]) | {User, Env, Entrypoint, Cmd, WorkingDir, ExposedPorts, Volumes, Labels}')
	got=$(berth image inspect oracle --format '{{json .Config}}' |
		jq -cS '{User, Env, Entrypoint, Cmd, WorkingDir, ExposedPorts, Volumes, Labels}')
	# podman runs what berth built (through berth-runtime)
	berth save -o "$WORK/oracle.tar" oracle
	loaded=$(pm load -i "$WORK/oracle.tar" | sed -n 's/^Loaded image[^:]*: //p' | head -1)
	ran=$(cd "$WORK/pm" && pm --runtime "$RUNTIME" run --rm --network none \
		--cgroup-parent /berth-podman-build --ulimit nofile=1024:1024 \
		--ulimit nproc=1024:1024 --user 0 "$loaded" 2>&1) || true
	pm_cleanup
	assert_success # the diff
	assert_equal "$got" "$want"
	assert_equal "$ran" built
}

# nothing of a build left: no containers, no mounts under the store, no session
assert_no_build_left() {
	run berth ps -aq
	assert_output ""
	run grep -c " $STORE/" /proc/self/mountinfo
	assert_output 0
	run sh -c "ls -A '$STORE/build' | grep -v '^cache\$'"
	assert_output ""
}

# A RUN that waits (5 s at most) for a file the other stage's RUN makes in a shared cache mount.
sync_stage() {
	printf 'FROM berth/default AS %s\nARG SYNCED=%s\nRUN --mount=type=cache,id=sync,target=/sync touch /sync/%s && i=0; while [ ! -e /sync/%s ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done; test -e /sync/%s && echo %s > /%s\n\n' \
		"$1" "$1" "$1" "$2" "$2" "$1" "$1"
}

@test "build: independent stages run side by side (--jobs), as many at a time as asked" {
	{ sync_stage a b; sync_stage b a; printf 'FROM b\nCOPY --from=a /a /\nRUN test "$SYNCED" = b\nCMD ["cat", "/a", "/b"]\n'; } >"$CTX/Containerfile"
	# each RUN waits for the other: only side by side do both end (and the last stage takes
	# up b's variables where b's job left them)
	run berth build --jobs 2 -t both "$CTX"
	assert_success
	assert_output --regexp '\[a 3/3\] RUN'
	assert_output --regexp '\[b 3/3\] RUN'
	# the step numbers are the build's, one each
	assert_equal "$(grep -oE '^#[0-9]+ \[' <<<"$output" | sort | uniq -d)" ""
	run berth run --rm both
	assert_output "a
b"
	# one at a time, the first RUN waits in vain
	rm -rf "$STORE/build/cache"
	run berth build --jobs 1 --no-cache -t one "$CTX"
	assert_equal "$status" 1
	assert_output --partial 'did not complete successfully: exit code: 1'
	assert_no_build_left
	run berth build --jobs -2 "$CTX"
	assert_equal "$status" 125
}

@test "build: a failing stage cancels the stages beside it; nothing is left" {
	containerfile 'FROM berth/default AS a
RUN sleep 0.5; exit 7

FROM berth/default AS b
RUN echo started; sleep 30

FROM berth/default
COPY --from=a /etc/hostname /a
COPY --from=b /etc/hostname /b'
	SECONDS=0
	run berth build --jobs 2 "$CTX"
	assert_equal "$status" 1
	[ "$SECONDS" -lt 20 ]
	assert_output --partial 'exit code: 7'
	assert_output --regexp '#[0-9]+ CANCELED'
	assert_output --partial 'ERROR: failed to solve: Containerfile:2:'
	assert_no_build_left
}

# start_build LOG ARGS...: berth build in the background (its pid in $pid), until its RUN
# printed "started"
start_build() {
	local log=$1
	shift
	"$BERTH" --root "$STORE" --runroot "$RUNROOT" build "$@" >"$log" 2>&1 & # berth's own pid
	pid=$!
	for _ in $(seq 100); do grep -q ' started$' "$log" && return 0; sleep 0.1; done
	cat "$log"
	return 1
}

@test "build: Ctrl-C during a RUN stops it and leaves nothing" {
	containerfile 'FROM berth/default
RUN echo started; sleep 30'
	start_build "$WORK/log" "$CTX"
	SECONDS=0
	kill -INT "$pid"
	st=0
	wait "$pid" || st=$?
	[ "$SECONDS" -lt 10 ]
	assert_equal "$st" 1
	run cat "$WORK/log"
	assert_output --partial 'the build was interrupted'
	assert_output --regexp '#2 CANCELED'
	assert_no_build_left
}

@test "build: a killed build's leftovers are found and cleared by system check --repair" {
	# killed in the last RUN, with stage a mounted for it in the build's session
	containerfile 'FROM berth/default AS a
RUN echo a > /a

FROM berth/default
RUN --mount=type=bind,from=a,target=/a echo started; sleep 30'
	start_build "$WORK/log" "$CTX"
	kill -KILL "$pid"
	wait "$pid" || true
	run berth system check
	assert_equal "$status" 1
	assert_output --regexp 'build container [0-9a-f]{12}: left by a killed build'
	assert_output --regexp 'build session-[A-Za-z0-9]+: left by a killed build \([1-9][0-9]* mounts\)'
	run berth system check --repair
	assert_success
	assert_output --partial '(repaired)'
	refute_output --partial 'could not'
	run berth system check
	assert_output 'No problems found'
	assert_no_build_left
}

@test "build: --add-host, --ulimit and --shm-size reach RUN, not the image" {
	containerfile 'FROM berth/default
RUN grep myhost /etc/hosts > /hosts; ulimit -n > /nofile; df -k /dev/shm | tail -1 | awk "{print \$2}" > /shm'
	run berth build -q --add-host myhost:10.1.2.3 --ulimit nofile=512:512 --shm-size 32m -t limits "$CTX"
	assert_success
	run berth run --rm limits sh -c 'cat /hosts /nofile /shm; grep -c myhost /etc/hosts'
	assert_line --index 0 --regexp '^10\.1\.2\.3[[:space:]]+myhost$'
	assert_line --index 1 512
	assert_line --index 2 32768
	assert_line --index 3 0
	run berth build --add-host nocolon "$CTX"
	assert_equal "$status" 125
	run berth build --shm-size lots "$CTX"
	assert_equal "$status" 125
	run berth build --help
	assert_success
	assert_output --partial 'Usage:  berth build [OPTIONS] PATH | -'
	assert_output --partial '--build-context'
}

@test "build: --build-context NAME=DIR and NAME=docker-image://REF stand for stages and images" {
	mkdir -p "$WORK/extra"
	echo extra >"$WORK/extra/file"
	echo ignored >"$WORK/extra/skip"
	echo skip >"$WORK/extra/.dockerignore"
	containerfile 'FROM berth/default AS extra
RUN echo "the stage, replaced" > /file

FROM scratch AS files

FROM files AS fromdir

FROM base
COPY --from=extra /file /from-dir
RUN --mount=type=bind,from=extra,target=/x cat /x/file > /mounted
COPY --from=files / /files/
CMD ["cat", "/from-dir", "/mounted", "/files/file"]'
	run berth build -q --build-context extra="$WORK/extra" \
		--build-context base=docker-image://berth/default --build-context files="$WORK/extra" \
		-t named "$CTX"
	assert_success
	run berth run --rm named
	assert_output "extra
extra
extra"
	# the ignore file is the directory's own (and, not excluded, copied as docker does)
	run berth run --rm named ls -A /files
	assert_output ".dockerignore
file"
	# FROM a directory: its files are the stage's root
	run berth build -q --target fromdir --build-context files="$WORK/extra" -o "$WORK/out" "$CTX"
	assert_success
	run ls -A "$WORK/out"
	assert_output ".dockerignore
file"
	# what the RUN read from it is part of its key
	run berth build --build-context extra="$WORK/extra" \
		--build-context base=docker-image://berth/default --build-context files="$WORK/extra" "$CTX"
	assert_output --regexp 'RUN --mount=type=bind,from=extra[^
]*
#[0-9]+ CACHED'
	echo changed >"$WORK/extra/file"
	run berth build --build-context extra="$WORK/extra" \
		--build-context base=docker-image://berth/default --build-context files="$WORK/extra" "$CTX"
	assert_success
	refute_output --regexp 'RUN --mount=type=bind,from=extra[^
]*
#[0-9]+ CACHED'
	run berth build --build-context nameonly "$CTX"
	assert_equal "$status" 125
	run berth build --build-context x=https://example.com/ctx.tar "$CTX"
	assert_equal "$status" 125
	assert_output --partial 'only a directory or docker-image://REF'
}

# snapshot_tree DIR: what a layer's unpacked tree holds, as python sees it (times to the
# second: a layer's tar keeps no more; not the top directory's, which no entry gives)
snapshot_tree() {
	python3 - "$1" <<'PY'
import os, stat, sys
top = sys.argv[1]
for d, dirs, files in os.walk(top):
    dirs.sort()
    for name in sorted(dirs + files) + ([] if d != top else ['']):
        p = os.path.join(d, name) if name else d
        st = os.lstat(p)
        xa = sorted((k, os.getxattr(p, k, follow_symlinks=False))
                    for k in os.listxattr(p, follow_symlinks=False)) if not stat.S_ISLNK(st.st_mode) else []
        link = os.readlink(p) if stat.S_ISLNK(st.st_mode) else ''
        print(os.path.relpath(p, top), oct(st.st_mode), st.st_uid, st.st_gid,
              st.st_size if stat.S_ISREG(st.st_mode) else '-',
              int(st.st_mtime) if name else '-',  # the top's: no tar entry says it
              st.st_nlink if not stat.S_ISDIR(st.st_mode) else '-', st.st_rdev, link, xa)
PY
}

@test "build: a step's layer kept as its tree is what unpacking its tar gives" {
	containerfile 'FROM berth/default
RUN mkdir -p /d/sub && echo a > /d/f && ln /d/f /d/g && ln -s ../d/f /d/l && \
    echo more >> /etc/passwd && mv /etc/passwd /etc/passwd.old && cp /etc/passwd.old /etc/passwd && rm /etc/group && rm -rf /var && mkdir -p /var/new && chmod 1777 /d/sub && \
    chown 12:34 /d/f && touch -d @1000000000 /d/f && chmod 700 /
COPY --chmod=640 Containerfile /copied/
WORKDIR /a/b/c'
	run berth build -q -t kept "$CTX"
	assert_success
	berth save -o "$WORK/kept.tar" kept
	sleep 1 # a time the unpacking makes up (a whiteout's, once) differs from the kept one's
	local other=$WORK/other
	"$BERTH" --root "$other" --runroot "$WORK/other-run" load -i "$WORK/kept.tar" >/dev/null
	local n=0 d
	for d in "$STORE"/layers/*/; do
		local hex=${d%/}
		hex=${hex##*/}
		[ -d "$other/layers/$hex/diff" ] || continue
		run diff <(snapshot_tree "$d/diff") <(snapshot_tree "$other/layers/$hex/diff")
		assert_success
		n=$((n + 1))
	done
	# the base's layer and the three this build made (RUN, COPY, WORKDIR)
	[ "$n" -ge 4 ]
	rm -rf "$other" "$WORK/other-run"
}

@test "build: --progress tty draws BuildKit's view on a terminal; auto is plain without one" {
	command -v script >/dev/null || skip "script (util-linux) is not installed"
	containerfile 'FROM berth/default
RUN echo first; echo second'
	run script -qec "$BERTH --root $STORE --runroot $RUNROOT build --progress tty $CTX" /dev/null
	assert_success
	assert_output --partial '[+] Building'
	assert_output --regexp '\(2/2\) FINISHED'
	assert_output --regexp '=> \[stage-0 2/2\] RUN echo first; echo second +[0-9.]+s'
	refute_output --partial '#2 DONE'
	# auto: a terminal draws the view, a pipe gets the plain lines
	run script -qec "$BERTH --root $STORE --runroot $RUNROOT build --no-cache $CTX" /dev/null
	assert_output --partial '[+] Building'
	run berth build --no-cache "$CTX"
	assert_output --partial '#2 0.'
	assert_output --partial '#2 DONE'
	refute_output --partial '[+] Building'
	run env BUILDKIT_PROGRESS=tty "$BERTH" --root "$STORE" --runroot "$RUNROOT" build "$CTX"
	assert_output --partial '[+] Building'
	# a failed step: its output between rules after the view
	containerfile 'FROM berth/default
RUN echo broken-output; exit 3'
	run script -qec "$BERTH --root $STORE --runroot $RUNROOT build --progress tty $CTX" /dev/null
	assert_failure
	assert_output --regexp '=> ERROR \[stage-0 2/2\] RUN'
	assert_output --partial '> [stage-0 2/2] RUN echo broken-output; exit 3:'
	assert_output --regexp '#2 broken-output'
	assert_output --partial 'exit code: 3'
	run berth build --progress fancy "$CTX"
	assert_equal "$status" 125
}
