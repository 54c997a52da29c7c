#!/usr/bin/env bats
# berth build: ADD <http(s) URL> as BuildKit does it (build/fetch.h), against a small server on
# 127.0.0.1 (python's http.server: Last-Modified from the file's time, 404 for what is not
# there, plus a redirect and a gzip-encoded answer). The file's name, mode 0600, owner, mtime;
# --checksum; --chown/--chmod; errors that tag nothing; the cache by the content.

load helpers

setup() {
	store_setup
	CTX="$WORK/ctx"
	SRV="$WORK/srv"
	mkdir -p "$CTX" "$SRV/files"
	cat >"$SRV/server.py" <<'EOF'
import gzip, http.server, sys
class H(http.server.SimpleHTTPRequestHandler):
    def do_GET(self):
        if self.path.startswith('/redirect'):
            body = b'the body of a redirect, not the file\n'
            self.send_response(302)
            self.send_header('Location', '/files/hello.txt')
            self.send_header('Content-Length', str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        if self.path == '/gzip':
            body = gzip.compress(b'decoded\n')
            self.send_response(200)
            self.send_header('Content-Encoding', 'gzip')
            self.send_header('Content-Length', str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        return super().do_GET()
    def log_message(self, *args):
        pass
s = http.server.ThreadingHTTPServer(('127.0.0.1', 0), lambda *a, **k: H(*a, directory=sys.argv[1], **k))
with open(sys.argv[2] + '.tmp', 'w') as f:
    f.write(str(s.server_address[1]))
import os
os.rename(sys.argv[2] + '.tmp', sys.argv[2])
s.serve_forever()
EOF
	python3 "$SRV/server.py" "$SRV" "$SRV/port" 3>&- &
	SRV_PID=$!
	for _ in $(seq 50); do [ -s "$SRV/port" ] && break; sleep 0.1; done
	URL="http://127.0.0.1:$(cat "$SRV/port")"
	echo hello >"$SRV/files/hello.txt"
	touch -d '2001-02-03 04:05:06 UTC' "$SRV/files/hello.txt"
}

teardown() {
	[ -z "${SRV_PID:-}" ] || { kill "$SRV_PID" 2>/dev/null; wait "$SRV_PID" 2>/dev/null || true; }
	store_teardown
}

containerfile() { printf '%s\n' "$1" >"$CTX/Containerfile"; }

# facts IMAGE PATH...: mode owner mtime size name of each path, from inside the image
facts() {
	local img=$1
	shift
	berth run --rm --network none "$img" stat -c '%a %u:%g %Y %s %n' "$@"
}

@test "build add url: the file as BuildKit names it, 0600, root's, its Last-Modified time" {
	containerfile "FROM berth/default
ADD $URL/files/hello.txt /dir/
ADD $URL/files/hello.txt /named
ADD $URL/redirect?to=hello#frag /r/
ADD $URL/gzip /dir/"
	run berth build -t addurl "$CTX"
	assert_success
	run facts addurl /dir/hello.txt /named /r/redirect /dir/gzip
	assert_success
	# 2001-02-03 04:05:06 UTC is 981173106; no Last-Modified (the gzip answer): the epoch
	assert_output "600 0:0 981173106 6 /dir/hello.txt
600 0:0 981173106 6 /named
600 0:0 981173106 6 /r/redirect
600 0:0 0 8 /dir/gzip"
	run berth run --rm --network none addurl cat /named /r/redirect /dir/gzip
	assert_output "hello
hello
decoded"
	# a tar from a URL stays a file (unless --unpack=true)
	tar -C "$SRV/files" -czf "$SRV/files/a.tar.gz" hello.txt
	containerfile "FROM berth/default
ADD $URL/files/a.tar.gz /kept/
ADD --unpack=true $URL/files/a.tar.gz /unpacked/"
	run berth build -t addtar "$CTX"
	assert_success
	run berth run --rm --network none addtar sh -c 'ls /kept /unpacked'
	assert_output "/kept:
a.tar.gz

/unpacked:
hello.txt"
}

@test "build add url: --chown and --chmod apply to the downloaded file" {
	containerfile "FROM berth/default
ADD --chown=12:34 --chmod=0640 $URL/files/hello.txt /a
ADD --chown=root --chmod=u=rwx,go=rx $URL/files/hello.txt /b/"
	run berth build -t addown "$CTX"
	assert_success
	run facts addown /a /b/hello.txt
	assert_output "640 12:34 981173106 6 /a
755 0:0 981173106 6 /b/hello.txt"
}

@test "build add url: --checksum verifies the download; a mismatch fails the step and tags nothing" {
	sum=$(sha256sum "$SRV/files/hello.txt" | cut -d' ' -f1)
	containerfile "FROM berth/default
ADD --checksum=sha256:$sum $URL/files/hello.txt /ok"
	run berth build -t sumok "$CTX"
	assert_success
	run berth run --rm --network none sumok cat /ok
	assert_output hello
	bad=$(printf 'x' | sha256sum | cut -d' ' -f1)
	containerfile "FROM berth/default
RUN true
ADD --checksum=sha256:$bad $URL/files/hello.txt /bad"
	run berth build -t sumbad "$CTX"
	assert_equal "$status" 1
	assert_output --partial "Containerfile:3: digest mismatch for $URL/files/hello.txt: sha256:$sum (expected: sha256:$bad)"
	run berth images -q sumbad
	assert_output ""
	# only SHA-256, only a URL, only one source (BuildKit's rules)
	containerfile "FROM berth/default
ADD --checksum=sha512:$sum$sum $URL/files/hello.txt /x"
	run berth build "$CTX"
	assert_equal "$status" 1
	assert_output --partial "Containerfile:2: checksum 'sha512:"
	assert_output --partial "only sha256"
	echo local >"$CTX/local"
	containerfile "FROM berth/default
ADD --checksum=sha256:$sum local /x"
	run berth build "$CTX"
	assert_equal "$status" 1
	assert_output --partial "Containerfile:2: checksum requires HTTP(S) or Git sources"
	containerfile "FROM berth/default
ADD --checksum=sha256:$sum $URL/files/hello.txt $URL/gzip /x/"
	run berth build "$CTX"
	assert_equal "$status" 1
	assert_output --partial "checksum can't be specified for multiple sources"
}

@test "build add url: a 404 or a refused connection is one error, exit 1, nothing tagged" {
	containerfile "FROM berth/default
ADD $URL/files/missing /x"
	run berth build -t missing "$CTX"
	assert_equal "$status" 1
	assert_output --partial "Containerfile:2: download '$URL/files/missing': invalid response status 404"
	run berth images -q missing
	assert_output ""
	# a port nobody listens on: the server's, once it is gone
	kill "$SRV_PID"
	wait "$SRV_PID" 2>/dev/null || true
	SRV_PID=
	run berth build -t refused "$CTX"
	assert_equal "$status" 1
	assert_output --partial "Containerfile:2: download '$URL/files/missing': "
	assert_output --partial "onnect"
	run berth images -q refused
	assert_output ""
	# nothing of the downloads stays in the store's scratch space
	run find "$STORE/build" -name 'fetch-*'
	assert_output ""
}

@test "build add url: cached while the content is the same, built again when it changes" {
	containerfile "FROM berth/default
ADD $URL/files/hello.txt /hello
RUN cat /hello > /copy"
	berth build -q -t cache1 "$CTX" >"$WORK/id1"
	run berth build -t cache1 "$CTX"
	assert_success
	[ "$(grep -c CACHED <<<"$output")" -eq 2 ]
	[ "$(tail -1 <<<"$output")" = "$(cat "$WORK/id1")" ]
	echo changed >"$SRV/files/hello.txt"
	run berth build -t cache1 "$CTX"
	assert_success
	[ "$(grep -c CACHED <<<"$output")" -eq 0 ]
	run berth run --rm --network none cache1 cat /copy
	assert_output changed
}

@test "build add url: other schemes and COPY of a URL are refused; a git URL is a repository" {
	echo local >"$CTX/local"
	containerfile "FROM berth/default
COPY $URL/files/hello.txt /x"
	run berth build "$CTX"
	assert_equal "$status" 1
	assert_output --partial "Containerfile:2: source can't be a URL for COPY"
	containerfile "FROM berth/default
ADD https://github.com/moby/buildkit.git#v0.10.1 /src"
	run berth build "$CTX"
	assert_equal "$status" 1
	# a git repository (build_git.bats), which this network-less test cannot reach
	assert_output --partial "failed to fetch remote https://github.com/moby/buildkit.git"
	containerfile "FROM berth/default
ADD ftp://127.0.0.1/x /x"
	run berth build "$CTX"
	assert_equal "$status" 1
	assert_output --partial "only http:// and https:// URLs"
}

@test "build add url: URLs, local files and here-documents in one ADD or COPY, in the order written" {
	echo local >"$CTX/local"
	echo "from the context" >"$CTX/same"
	containerfile "FROM berth/default
ADD $URL/files/hello.txt local <<EOF /x/
here
EOF
COPY <<same same /y/
from the here-document
same
COPY same <<same /w/
from the here-document
same
ADD <<EOF $URL/files/hello.txt /tmp
in tmp
EOF
RUN cat /x/hello.txt /x/local /x/EOF /y/same /w/same /tmp/EOF /tmp/hello.txt && \\
    stat -c '%n %a %u' /x/hello.txt /x/local /x/EOF"
	run berth build --progress plain -t mixed "$CTX"
	assert_success
	assert_output --regexp '[0-9] hello.*[0-9] local.*[0-9] here.*[0-9] from the context.*[0-9] from the here-document.*[0-9] in tmp.*[0-9] hello'
	assert_output --partial "/x/hello.txt 600 0"
	assert_output --partial "/x/local 644 0"
	assert_output --partial "/x/EOF 644 0"
	# the same again: every step from the cache; another local file: the ADD runs again
	run berth build --progress plain "$CTX"
	assert_success
	assert_output --regexp '#2 \[stage-0 2/6\] ADD[^#]*#2 CACHED'
	echo changed >"$CTX/local"
	run berth build --progress plain "$CTX"
	assert_success
	refute_output --regexp '#2 \[stage-0 2/6\] ADD[^#]*#2 CACHED'
	assert_output --partial changed
	# several sources: the destination must be a directory
	containerfile "FROM berth/default
COPY <<EOF local /file
x
EOF"
	run berth build -t bad "$CTX"
	assert_failure 1
	assert_output --partial "Containerfile:2: when using COPY with more than one source file, the destination must be a directory and end with a /"
	containerfile "FROM berth/default
ADD $URL/files/missing local /x/"
	run berth build -t bad "$CTX"
	assert_failure 1
	assert_output --partial 404
	run berth images -q bad
	assert_output ''
}
