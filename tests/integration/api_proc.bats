#!/usr/bin/env bats
# The Docker Engine API's container process and state endpoints (issue #18): top, stats,
# pause/unpause, rename, update, resize and container prune, through `berth system service`
# with Debian's docker CLI 20.10 and python3-docker 5.0, curl for the documents and statuses;
# and the NET I/O and BLOCK I/O of `berth stats` (issue #23), which read zero before.

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
py() { timeout 60 /usr/bin/python3 "$@"; }
need_sdk() {
	[ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import docker' 2>/dev/null ||
		skip "Debian's python3-docker is not installed"
}

# The container's cgroup directory of a v1 controller (or the v2 one).
cg() {
	if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
		echo "/sys/fs/cgroup/berth/$2"
	else
		echo "/sys/fs/cgroup/$1/berth/$2"
	fi
}

@test "api top and pause: the container's processes; paused in the freezer; 409 as dockerd" {
	docker run -d --name pr1 berth/default sh -c 'sleep 1000'
	id=$(docker inspect -f '{{.Id}}' pr1)
	run docker top pr1
	assert_success
	assert_line --index 0 --regexp '^UID +PID +PPID +C +STIME +TTY +TIME +CMD'
	assert_output --partial 'sleep 1000'
	# ps options, and the document: the PID is one of the container's cgroup
	run docker top pr1 -o pid,args
	assert_line --index 0 --regexp '^PID +COMMAND'
	run api 'http://d/containers/pr1/top?ps_args=-o%20pid,args'
	assert_equal "$(jq -c .Titles <<<"$output")" '["PID","COMMAND"]'
	pid=$(jq -r '.Processes[] | select(.[1] | startswith("sleep")) | .[0]' <<<"$output")
	grep -qx "$pid" "$(cg pids "$id")/cgroup.procs"
	# no other process of the host is there
	[ "$(jq '.Processes | length' <<<"$output")" -le 2 ]
	run api -w ' %{http_code}' 'http://d/containers/pr1/top?ps_args=-o%20pid,x=PID'
	assert_output --partial 'is not allowed'
	assert_output --regexp ' 400$'
	# pause: the state says so and its processes are frozen
	docker pause pr1
	run docker inspect -f '{{.State.Paused}} {{.State.Status}}' pr1
	assert_output 'true paused'
	if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
		grep -qx 'frozen 1' "$(cg freezer "$id")/cgroup.events"
	else
		[ "$(cat "$(cg freezer "$id")/freezer.state")" = FROZEN ]
	fi
	run docker pause pr1
	assert_failure
	assert_output --partial "Container $id is already paused"
	run api -X POST -w '%{http_code}' -o /dev/null http://d/containers/pr1/pause
	assert_output 409
	# top still lists a paused container's processes, as dockerd's
	run docker top pr1
	assert_output --partial 'sleep 1000'
	run api -X POST -w '%{http_code}' http://d/containers/pr1/unpause
	assert_output 204
	run docker inspect -f '{{.State.Paused}} {{.State.Status}}' pr1
	assert_output 'false running'
	if [ ! -f /sys/fs/cgroup/cgroup.controllers ]; then
		[ "$(cat "$(cg freezer "$id")/freezer.state")" = THAWED ]
	fi
	run docker unpause pr1
	assert_failure
	assert_output --partial "Container $id is not paused"
	# a container that does not run: 409; one that does not exist: 404
	docker create --name pr2 berth/default true
	id2=$(docker inspect -f '{{.Id}}' pr2)
	run docker top pr2
	assert_failure
	assert_output --partial "Container $id2 is not running"
	run api -w ' %{http_code}' http://d/containers/pr2/top
	assert_output --regexp ' 409$'
	run api -X POST -w '%{http_code}' -o /dev/null http://d/containers/pr2/pause
	assert_output 409
	run api -w '%{http_code}' -o /dev/null http://d/containers/nosuch/top
	assert_output 404
}

@test "api stats: memory against -m, pids, CPU, rx_bytes after traffic; a stream; a stopped one gives zeros" {
	need_sdk
	docker network create pnet >/dev/null
	# a busy moment first (CPU time to see), then a sleeper
	docker run -d --name st1 --network pnet -m 64m berth/default \
		sh -c 'i=0; while [ $i -lt 100000 ]; do i=$((i+1)); done; sleep 1000'
	ip=$(docker inspect -f '{{.NetworkSettings.Networks.pnet.IPAddress}}' st1)
	run py - st1 <<'PY'
import sys, docker
c = docker.from_env().containers.get(sys.argv[1])
s = c.stats(stream=False)
m, cpu, pre = s["memory_stats"], s["cpu_stats"], s["precpu_stats"]
print("limit", m["limit"])
print("usage", m["usage"] > 0)
print("pids", s["pids_stats"]["current"] >= 1)
print("cpus", cpu["online_cpus"] >= 1, cpu["system_cpu_usage"] > pre["system_cpu_usage"] > 0)
print("cpu", cpu["cpu_usage"]["total_usage"] >= pre["cpu_usage"]["total_usage"] > 0)
print("name", s["name"], s["id"] == c.id, s["read"] > s["preread"])
print("rx", s["networks"]["eth0"]["rx_bytes"])
PY
	assert_success
	assert_line "limit $((64 << 20))"
	assert_line 'usage True'
	assert_line 'pids True'
	assert_line 'cpus True True'
	assert_line 'cpu True'
	assert_line 'name /st1 True True'
	rx1=$(sed -n 's/^rx //p' <<<"$output")
	# traffic to it on the user network: its eth0's counters grow
	docker run --rm --network pnet berth/default ping -c 3 -s 1400 "$ip" >/dev/null
	run py -c '
import docker
s = docker.from_env().containers.get("st1").stats(stream=False)
print(s["networks"]["eth0"]["rx_bytes"], s["networks"]["eth0"]["rx_packets"])'
	assert_success
	read -r rx2 pk2 <<<"$output"
	[ "$rx2" -ge $((rx1 + 3 * 1400)) ]
	[ "$pk2" -ge 3 ]
	# the docker CLI's table, and berth's (issue #23: NET I/O was 0B / 0B)
	run docker stats --no-stream --format '{{.Name}} {{.MemUsage}} {{.NetIO}} {{.PIDs}}' st1
	assert_output --regexp '^st1 [0-9.]+[KM]iB / 64MiB [0-9.]+kB / [0-9.]+k?B [1-9]'
	run berth stats --no-stream --format '{{.Name}} {{.NetIO}}' st1
	assert_output --regexp '^st1 [0-9.]+kB / [0-9.]+k?B$'
	# one-shot: no priming sample, no precpu; with stream it is refused
	run api 'http://d/containers/st1/stats?stream=0&one-shot=1'
	assert_equal "$(jq -r .preread <<<"$output")" '0001-01-01T00:00:00Z'
	run api -w ' %{http_code}' 'http://d/containers/st1/stats?stream=1&one-shot=1'
	assert_output --regexp ' 400$'
	# a stream: a document a second, each with the one before as its precpu_stats
	run timeout 3.5 curl -sN --unix-socket "$SOCK" http://d/containers/st1/stats
	[ "${#lines[@]}" -ge 3 ]
	assert_equal "$(jq -c .cpu_stats <<<"${lines[0]}")" "$(jq -c .precpu_stats <<<"${lines[1]}")"
	assert_equal "$(jq -r .read <<<"${lines[0]}")" "$(jq -r .preread <<<"${lines[1]}")"
	# a stopped container: zeros, as dockerd's (its name and id only)
	docker stop -t 0 st1 >/dev/null
	run api 'http://d/containers/st1/stats?stream=0'
	assert_equal "$(jq -c '[.read, .memory_stats, .pids_stats, .name]' <<<"$output")" \
		'["0001-01-01T00:00:00Z",{},{},"/st1"]'
	run api -w '%{http_code}' -o /dev/null http://d/containers/nosuch/stats?stream=0
	assert_output 404
}

@test "issue #23: berth stats and the API read the container's block I/O" {
	need_sdk
	# the block device the store is on (not one for tmpfs: nothing to count then)
	dev=$(stat -c '%d' "$STORE")
	maj=$((dev >> 8)) min=$((dev & 255))
	[ -e "/sys/dev/block/$maj:$min/queue" ] || skip "the store is not on a whole block device"
	docker run -d --name blk berth/default \
		sh -c 'while [ ! -e /go ]; do sleep 0.1; done; dd if=/dev/zero of=/data bs=1M count=8 oflag=direct 2>/dev/null; sleep 1000'
	id=$(docker inspect -f '{{.Id}}' blk)
	if [ ! -f /sys/fs/cgroup/cgroup.controllers ]; then
		# cgroup v1 counts a queue's bios only once throttling is on for it (kernel 6.x's
		# blk_throtl_activated): a limit no write reaches turns it on
		echo "$maj:$min 1099511627776" >"$(cg blkio "$id")/blkio.throttle.write_bps_device"
	fi
	docker exec blk touch /go
	for _ in $(seq 50); do
		run berth stats --no-stream --format '{{.BlockIO}}' blk
		[ "$output" = "0B / 0B" ] || break
		sleep 0.2
	done
	assert_output --regexp '^[0-9.]+k?B / (8\.[0-9]+|9\.[0-9]+|1[0-9]\.[0-9]+)MB$'
	run py -c '
import docker
s = docker.from_env().containers.get("blk").stats(stream=False)
print(sum(e["value"] for e in s["blkio_stats"]["io_service_bytes_recursive"]
          if e["op"].lower() == "write") >= 8 << 20)'
	assert_output True
}

@test "api rename and update: in berth ps, inspect and the cgroup; dockerd's refusals" {
	need_sdk
	docker run -d --name rn1 -m 64m berth/default sleep 1000
	id=$(docker inspect -f '{{.Id}}' rn1)
	docker rename rn1 rn2
	run berth ps --format '{{.Names}}'
	assert_output rn2
	docker run -d --name taken berth/default sleep 1000
	run docker rename rn2 taken
	assert_failure
	assert_output --partial 'The container name "/taken" is already in use by container'
	run api -X POST -w '%{http_code}' -o /dev/null 'http://d/containers/rn2/rename?name=taken'
	assert_output 409
	run api -X POST -w '%{http_code}' -o /dev/null 'http://d/containers/rn2/rename?name=bad%20name'
	assert_output 400
	run api -X POST -w '%{http_code}' -o /dev/null 'http://d/containers/rn2/rename?name=rn2'
	assert_output 400
	# update: the record and the running cgroup
	run docker update -m 96m --memory-swap 192m --cpus 0.5 --pids-limit 40 --restart on-failure:2 rn2
	assert_success
	assert_output rn2
	run berth inspect -f '{{.HostConfig.Memory}} {{.HostConfig.MemorySwap}} {{.HostConfig.NanoCpus}} {{.HostConfig.PidsLimit}} {{.HostConfig.RestartPolicy.Name}}:{{.HostConfig.RestartPolicy.MaximumRetryCount}}' rn2
	assert_output "$((96 << 20)) $((192 << 20)) 500000000 40 on-failure:2"
	if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
		assert_equal "$(cat "$(cg memory "$id")/memory.max")" $((96 << 20))
		assert_equal "$(cat "$(cg cpu "$id")/cpu.max")" '50000 100000'
	else
		assert_equal "$(cat "$(cg memory "$id")/memory.limit_in_bytes")" $((96 << 20))
		assert_equal "$(cat "$(cg cpu "$id")/cpu.cfs_quota_us")" 50000
	fi
	assert_equal "$(cat "$(cg pids "$id")/pids.max")" 40
	# the SDK's update and rename
	run py - <<'PY'
import docker
c = docker.from_env().containers.get("rn2")
print(c.update(mem_limit="128m", memswap_limit="256m"))
c.rename("rn3")
c.reload()
print(c.name, c.attrs["HostConfig"]["Memory"])
PY
	assert_success
	assert_line "{'Warnings': []}"
	assert_line "rn3 $((128 << 20))"
	if [ ! -f /sys/fs/cgroup/cgroup.controllers ]; then
		assert_equal "$(cat "$(cg memory "$id")/memory.limit_in_bytes")" $((128 << 20))
	fi
	# refused as dockerd refuses, nothing changed
	run docker update --cpu-period 50000 rn3
	assert_failure
	assert_output --partial 'CPU Period cannot be updated as NanoCPUs has already been set'
	run docker update -m 1m rn3
	assert_failure
	assert_output --partial 'Minimum memory limit allowed is 6MB'
	run api -X POST -H 'Content-Type: application/json' -d '{"Memory": "lots"}' \
		-w ' %{http_code}' http://d/containers/rn3/update
	assert_output --regexp ' 400$'
	run berth inspect -f '{{.HostConfig.Memory}}' rn3
	assert_output $((128 << 20))
	# a container that does not run: its record changes, for its next start
	docker create --name upd berth/default true
	docker update --cpu-shares 512 upd
	run docker inspect -f '{{.HostConfig.CpuShares}}' upd
	assert_output 512
}

@test "api container prune: only stopped ones that pass the filters; SpaceReclaimed" {
	need_sdk
	docker create --name pa1 -l keep=1 berth/default true
	docker create --name pa2 -l team=a berth/default true
	docker run -d --name pa3 -l team=a berth/default sleep 1000
	pa2=$(docker inspect -f '{{.Id}}' pa2)
	run docker container prune -f --filter label=team=a
	assert_success
	assert_line "$pa2"
	run berth ps -a --format '{{.Names}}'
	assert_line pa1
	assert_line pa3 # running: kept
	refute_line pa2
	# label!, until (nothing is an hour old), a bad filter: nothing goes
	run py -c '
import docker
c = docker.from_env()
print(c.containers.prune(filters={"label!": "keep=1"})["ContainersDeleted"])
print(c.containers.prune(filters={"until": "1h"})["ContainersDeleted"])'
	assert_success
	assert_output $'[]\n[]'
	run api -X POST -w ' %{http_code}' 'http://d/containers/prune?filters=%7B%22nosuch%22%3A%5B%221%22%5D%7D'
	assert_output --regexp "invalid filter 'nosuch'.* 400$"
	run api -X POST -w ' %{http_code}' 'http://d/containers/prune?filters=%7B%22until%22%3A%5B%22soon%22%5D%7D'
	assert_output --regexp ' 400$'
	# what a pruned container wrote is reclaimed
	docker run --name wrote berth/default dd if=/dev/zero of=/big bs=1k count=200 2>/dev/null
	wrote=$(docker inspect -f '{{.Id}}' wrote)
	run py -c '
import docker
r = docker.from_env().containers.prune()
print(sorted(r["ContainersDeleted"]), r["SpaceReclaimed"] >= 200 * 1024)'
	assert_output --partial "'$wrote'"
	assert_output --partial True
	run berth ps -a --format '{{.Names}}'
	assert_output pa3
}

@test "api resize: docker run -it and attach size the container's terminal" {
	command -v script >/dev/null || skip "script (util-linux) is not installed"
	# (--foreground: the docker CLI stays in the terminal's foreground group, see api_exec)
	run script -qec "stty cols 91 rows 33; DOCKER_HOST=$DOCKER_HOST timeout --foreground 30 /usr/bin/docker run -it --name rs1 berth/default sh -c 'sleep 0.5; stty size; exit 6'" /dev/null
	assert_equal "$status" 6
	assert_output --partial '33 91'
	# the endpoint on a running container with a terminal, then stty sees it
	docker run -d -t --name rs2 berth/default sh -c 'sleep 1000'
	run api -X POST -w '%{http_code}' 'http://d/containers/rs2/resize?h=21&w=57'
	assert_output 200
	run docker exec rs2 sh -c 'stty size </proc/1/fd/0'
	assert_output '21 57'
	run api -X POST -w '%{http_code}' -o /dev/null 'http://d/containers/rs2/resize?h=x&w=57'
	assert_output 400
	run api -X POST -w '%{http_code}' -o /dev/null 'http://d/containers/rs1/resize?h=20&w=50'
	assert_output 409
}

@test "api create: HostConfig's IpcMode, PidMode and VolumesFrom, as docker run's --ipc, --pid and --volumes-from" {
	# -v /data: the CLI sends it as Config.Volumes, an anonymous volume
	docker run -d --name donor --ipc shareable -v /data berth/default sh -c 'echo kept > /data/f; exec sleep 1000'
	for _ in $(seq 50); do docker exec donor test -s /data/f && break; sleep 0.1; done
	run berth inspect -f '{{range .Mounts}}{{.Type}} {{.Destination}}{{end}}' donor
	assert_output "volume /data"
	run docker run --rm --volumes-from donor:ro berth/default sh -c 'cat /data/f; touch /data/g'
	assert_failure
	assert_line kept
	assert_output --partial 'Read-only file system'
	# the donor's pid namespace: its sleep is seen; the host's: our own shell is seen
	run docker run --rm --pid container:donor berth/default ps -o comm
	assert_success
	assert_line sleep
	run docker run --rm --pid host berth/default sh -c "test -d /proc/$$ && echo host"
	assert_output host
	# the donor's IPC namespace (shareable): the same ipc namespace id
	want=$(readlink /proc/$(berth inspect -f '{{.State.Pid}}' donor)/ns/ipc)
	run docker run --rm --ipc container:donor berth/default readlink /proc/self/ns/ipc
	assert_output "$want"
	run docker create --name sh1 --ipc host --pid host --volumes-from donor berth/default true
	assert_success
	run docker inspect -f '{{.HostConfig.IpcMode}} {{.HostConfig.PidMode}} {{len .HostConfig.VolumesFrom}}' sh1
	assert_output "host host 1"
	# dockerd's refusals, nothing made
	run docker run --rm --ipc bogus berth/default true
	assert_failure
	assert_output --partial 'invalid IPC mode: bogus'
	run docker run --rm --volumes-from nosuch berth/default true
	assert_failure
	run berth ps -a --format '{{.Names}}'
	refute_line --regexp '^(bogus|nosuch)'
}

@test "api create: an empty IpcMode is dockerd's default, private (shareable for a client older than API 1.40), and a private donor cannot be joined" {
	docker run -d --name priv berth/default sleep 1000
	run docker inspect -f '{{.HostConfig.IpcMode}}' priv
	assert_output private
	run docker run --rm --ipc container:priv berth/default true
	assert_failure
	assert_output --partial 'non-shareable IPC (hint: use IpcMode:shareable for the donor container)'
	# an API 1.39 client (docker-compose 1.29's are older) gets shareable, as dockerd gives it
	run api -X POST -H 'Content-Type: application/json' -d '{"Image": "berth/default", "Cmd": ["sleep", "1000"]}' 'http://d/v1.39/containers/create?name=old'
	assert_output --partial '"Id"'
	run docker inspect -f '{{.HostConfig.IpcMode}}' old
	assert_output shareable
	docker start old
	want=$(readlink /proc/$(berth inspect -f '{{.State.Pid}}' old)/ns/ipc)
	run docker run --rm --ipc container:old berth/default readlink /proc/self/ns/ipc
	assert_output "$want"
	docker rm -f priv old
}
