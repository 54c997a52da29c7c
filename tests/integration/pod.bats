#!/usr/bin/env bats
# Pods, as podman 4 has them (issue #19): `berth pod create|ls|inspect|start|stop|restart|kill|
# rm|pause|unpause|logs|top|stats|prune`, an infra container running berth-pause (or
# --infra-image/--infra-command) that holds the pod's network, IPC and UTS namespaces (pid and
# cgroup with --share), one /dev/shm, the pod's cgroup with its limits as its members' parent,
# `run --pod` (the container joins them; its ports are the pod's), `ps --pod`, pod events,
# `system prune`, podman's errors, and nothing left behind. Where podman
# 4.3 decides, it was asked (see docs/DESIGN.md "Pods").

load helpers
load pod

setup() {
	pod_setup
}

teardown() {
	[ ! -f "$WORK/follower" ] || kill "$(cat "$WORK/follower")" 2>/dev/null || true
	pod_teardown
}

@test "pod: create, ls, inspect, run --pod, ps --pod, stop, start, restart, kill, rm" {
	T0=$(date +%s.%N)
	run berth pod create --name web -l tier=front -l team=a
	assert_success
	pod=$output
	[ ${#pod} -eq 64 ]
	run berth pod ls
	assert_success
	assert_line --index 0 --regexp '^POD ID +NAME +STATUS +CREATED +INFRA ID +# OF CONTAINERS$'
	assert_line --index 1 --regexp "^${pod:0:12} +web +Created +.* +[0-9a-f]{12} +1$"
	run berth pod inspect web
	assert_success
	infra=$(echo "$output" | jq -r .InfraContainerID)
	[ "$(echo "$output" | jq -r '.Name, .State, .Hostname, .Labels.tier, (.SharedNamespaces | join(",")), .NumContainers, .Containers[0].Name')" = \
	  "$(printf 'web\nCreated\nweb\nfront\nipc,net,uts\n1\n%s-infra' "${pod:0:12}")" ]
	[ "$(echo "$output" | jq -r .Containers[0].Id)" = "$infra" ]
	# a container made in the pod starts the infra with it
	berth create --pod web --name one berth/default sleep 600 >/dev/null
	berth start one >/dev/null
	run berth pod inspect --format '{{.State}} {{.NumContainers}}' web
	assert_output "Running 2"
	berth run -d --pod "${pod:0:10}" --name two berth/default sleep 600 >/dev/null
	remember web
	run berth ps --pod --format '{{.Names}} {{.Pod}} {{.PodName}}'
	assert_success
	assert_line "one ${pod:0:12} web"
	assert_line "two ${pod:0:12} web"
	assert_line "${pod:0:12}-infra ${pod:0:12} web"
	run berth ps --pod
	assert_line --index 0 --regexp 'NAMES +POD ID +PODNAME$'
	berth run -d --name alone berth/default sleep 600 >/dev/null
	run berth ps --filter pod=web --format '{{.Names}}'
	assert_success
	[ "$(echo "$output" | sort | tr '\n' ' ')" = "${pod:0:12}-infra one two " ]
	run berth ps --filter pod=nosuchpod --format '{{.Names}}'
	assert_success
	assert_output ""
	# ls: --format, -q (podman's: whole ids), --filter
	other=$(berth pod create --name other)
	run berth pod ls --format '{{.Name}} {{.Status}} {{.NumberOfContainers}}'
	assert_output "$(printf 'other Created 1\nweb Running 3')"
	run berth pod ls -q --filter label=tier=front
	assert_output "$pod"
	run berth pod ps --filter status=created --format '{{.Name}}'
	assert_output other
	run berth pod list --filter name=we --filter id="${pod:0:5}" --format '{{.Name}}'
	assert_output web
	# a container removed leaves the pod
	berth rm -f one >/dev/null
	run berth pod inspect --format '{{.NumContainers}}' web
	assert_output 2
	# stop: containers, then the infra; start: the infra first
	run berth pod stop -t 1 web
	assert_success
	assert_output "$pod"
	run berth pod inspect --format '{{.State}} {{range .Containers}}{{.State}} {{end}}' web
	assert_output "Exited exited exited "
	run berth pod start web
	assert_success
	run berth pod inspect --format '{{.State}}' web
	assert_output Running
	berth stop -t 1 two >/dev/null
	run berth pod ls --filter name=web --format '{{.Status}}'
	assert_output Degraded
	run berth pod restart web
	assert_success
	run berth pod inspect --format '{{.State}}' web
	assert_output Running
	# TERM ends berth-pause; sleep, PID 1 of its container, has no handler and stays
	run berth pod kill -s TERM web
	assert_success
	for _ in $(seq 50); do [ "$(berth pod inspect --format '{{.State}}' web)" = Degraded ] && break; sleep 0.1; done
	run berth pod inspect --format '{{range .Containers}}{{.Name}}={{.State}} {{end}}' web
	assert_output "${pod:0:12}-infra=exited two=running "
	run berth pod kill web
	assert_success
	for _ in $(seq 50); do [ "$(berth pod inspect --format '{{.State}}' web)" = Exited ] && break; sleep 0.1; done
	run berth pod inspect --format '{{.State}}' web
	assert_output Exited
	# rm: a stopped pod goes with its containers (as podman's)
	berth pod start web >/dev/null
	run berth pod rm web
	assert_failure 125
	assert_output --partial "pod web has running containers"
	run berth pod rm -f web
	assert_success
	assert_output "$pod"
	run berth ps -a --format '{{.Names}}'
	assert_output "$(printf '%s-infra\nalone' "${other:0:12}")"
	run berth pod ls --format '{{.Name}}'
	assert_output other
	# podman's pod events
	run berth events --since "$T0" --until "$(date +%s.%N)" --filter type=pod \
		--format '{{.Action}} {{.Actor.Attributes.name}}'
	assert_line --index 0 "create web"
	assert_line "stop web"
	assert_line "start web"
	assert_line "kill web"
	assert_line "remove web"
}

@test "pod: its containers share net (localhost), uts (the pod's hostname) and ipc" {
	berth pod create --name shared >/dev/null
	berth run -d --pod shared --name server berth/default sh -c 'echo hello-over-lo | nc -l -p 7000 127.0.0.1; sleep 600' >/dev/null
	berth run -d --pod shared --name peer berth/default sleep 600 >/dev/null
	remember shared
	for _ in $(seq 50); do berth exec peer netstat -ltn 2>/dev/null | grep -q ':7000 ' && break; sleep 0.1; done
	run berth exec peer nc -w 3 127.0.0.1 7000
	assert_success
	assert_output hello-over-lo
	run berth exec peer hostname
	assert_output shared
	run berth exec server cat /etc/hostname
	assert_output shared
	for ns in ipc uts net; do
		a=$(berth exec server readlink /proc/self/ns/$ns)
		b=$(berth exec peer readlink /proc/self/ns/$ns)
		[ -n "$a" ] && [ "$a" = "$b" ] || { echo "$ns: $a != $b"; false; }
	done
	# the pid and mount namespaces stay each container's own
	[ "$(berth exec server readlink /proc/self/ns/pid)" != "$(berth exec peer readlink /proc/self/ns/pid)" ]
	# a container outside the pod shares nothing with it
	run berth run --rm berth/default readlink /proc/self/ns/ipc
	[ "$output" != "$(berth exec peer readlink /proc/self/ns/ipc)" ]
}

@test "pod: --share ipc shares only ipc; --share none makes no infra container" {
	berth pod create --name onlyipc --share ipc --hostname h-ipc >/dev/null
	berth run -d --pod onlyipc --name ca berth/default sleep 600 >/dev/null
	berth run -d --pod onlyipc --name cb --hostname mine berth/default sleep 600 >/dev/null
	remember onlyipc
	[ "$(berth exec ca readlink /proc/self/ns/ipc)" = "$(berth exec cb readlink /proc/self/ns/ipc)" ]
	[ "$(berth exec ca readlink /proc/self/ns/net)" != "$(berth exec cb readlink /proc/self/ns/net)" ]
	run berth exec cb hostname
	assert_output mine
	run berth pod create --name nothing --share none
	assert_success
	run berth pod inspect --format '{{.InfraContainerID}}|{{.NumContainers}}|{{.SharedNamespaces}}|{{.State}}' nothing
	assert_output '|0|[]|Created'
	berth run -d --pod nothing --name cc berth/default sleep 600 >/dev/null
	berth run -d --pod nothing --name cd berth/default sleep 600 >/dev/null
	[ "$(berth exec cc readlink /proc/self/ns/ipc)" != "$(berth exec cd readlink /proc/self/ns/ipc)" ]
	[ "$(berth exec cc readlink /proc/self/ns/net)" != "$(berth exec cd readlink /proc/self/ns/net)" ]
	run berth pod inspect --format '{{.State}} {{.NumContainers}}' nothing
	assert_output "Running 2"
	run berth pod stop -t 1 nothing
	assert_success
	run berth pod rm nothing
	assert_success
	# (not --filter name=cc: a name filter matches inside names, and another pod's infra
	# container is named after its random id)
	run berth ps -a --format '{{.Names}}'
	assert_success
	refute_line cc
	refute_line cd
}

@test "pod: ports published on the pod reach a container listening inside it" {
	port=$(free_port)
	berth pod create --name pub -p "$port:80" >/dev/null
	berth run -d --pod pub --name www berth/default httpd -f -p 80 -h /etc >/dev/null
	remember pub
	for _ in $(seq 50); do curl -s --max-time 2 "http://127.0.0.1:$port/hostname" >/dev/null && break; sleep 0.1; done
	run curl -s --max-time 5 "http://127.0.0.1:$port/hostname"
	assert_success
	assert_output pub
	infra=$(berth pod inspect --format '{{.InfraContainerID}}' pub)
	run berth port "$infra"
	assert_output --partial "80/tcp -> 0.0.0.0:$port"
	berth pod rm -f pub >/dev/null
	run curl -s --max-time 2 "http://127.0.0.1:$port/hostname"
	assert_failure
}

@test "pod: errors as podman's (exit 125, nothing made)" {
	run berth run --rm --pod nosuch berth/default true
	assert_failure 125
	assert_output --partial "no pod with name or ID nosuch found: no such pod"
	for cmd in inspect start stop rm kill top; do
		run berth pod $cmd nosuch
		assert_failure 125
		assert_output --partial "no pod with name or ID nosuch found"
	done
	berth pod create --name taken >/dev/null
	run berth pod create --name taken
	assert_failure 125
	assert_output --partial 'name "taken" is in use: pod already exists'
	run berth run --rm --pod taken -p 8080:80 berth/default true
	assert_failure 125
	assert_output --partial "published or exposed ports must be defined when the pod is created"
	run berth run --rm --pod taken --network none berth/default true
	assert_failure 125
	assert_output --partial "networks must be defined when the pod is created"
	run berth run --rm --pod taken --hostname h berth/default true
	assert_failure 125
	assert_output --partial "cannot set hostname when joining the pod UTS namespace"
	run berth pod create --share ipc,bogus
	assert_failure 125
	assert_output --partial "invalid kernel namespace to share: bogus. Options are: cgroup, ipc, net, pid, uts or none"
	run berth pod create --share +pid,+ipc
	assert_failure 125
	assert_output --partial "invalid kernel namespace to share: +ipc"
	run berth pod create --share cgroup
	assert_failure 125
	assert_output --partial "cannot define the pod as the cgroup parent at the same time as joining the infra container's cgroupNS"
	run berth pod create --infra=false --share net
	assert_failure 125
	assert_output --partial "cannot set share(net) namespaces without an infra container"
	run berth pod create --cpus lots
	assert_failure 125
	run berth pod create --memory 64m --share-parent=false
	assert_failure 125
	run berth pod create --cgroup-parent /a/../b
	assert_failure 125
	assert_output --partial "invalid cgroup parent"
	run berth pod create --infra-name taken-infra --infra-command '[1]'
	assert_failure 125
	assert_output --partial "invalid --infra-command"
	run berth pod create --share none -p 8080:80
	assert_failure 125
	assert_output --partial "you must have an infra container to publish port bindings"
	run berth pod create --name 'bad name'
	assert_failure 125
	run berth pod ls --filter colour=red
	assert_failure 125
	run berth pod ls --filter status=sleepy
	assert_failure 125
	assert_output --partial "sleepy is not a valid pod status"
	run berth pod kill taken
	assert_failure 125
	assert_output --partial "no containers in pod"
	# the infra goes with its pod only; container prune passes over it (podman's)
	infra=$(berth pod inspect --format '{{.InfraContainerID}}' taken)
	run berth rm -f "$infra"
	assert_failure
	assert_output --partial "is the infra container of pod"
	run berth container prune -f
	assert_success
	run berth ps -aq --no-trunc
	assert_output "$infra"
	# nothing made by the refusals: one pod, its infra only
	run berth pod ls --format '{{.Name}} {{.NumberOfContainers}}'
	assert_output "taken 1"
	run berth ps -aq
	[ "$(echo "$output" | wc -l)" -eq 1 ]
}

@test "pod: top, stats, prune; nothing left behind" {
	busy=$(berth pod create --name busy)
	berth run -d --pod busy --name worker berth/default sleep 600 >/dev/null
	idle=$(berth pod create --name idle)
	remember busy
	remember idle
	run berth pod top busy
	assert_success
	assert_line --index 0 --regexp '^UID +PID +PPID'
	assert_line --regexp 'sleep 600$'
	assert_line --regexp '/berth-pause$'
	run berth pod stats --no-stream --format '{{.Name}}' busy
	assert_success
	assert_line worker
	assert_line "${busy:0:12}-infra"
	run berth pod prune -f
	assert_success
	assert_output "$idle"
	run berth pod ls --format '{{.Name}}'
	assert_output busy
	berth pod rm -f busy >/dev/null
	run berth ps -aq
	assert_output ""
	[ -z "$(ls "$STORE/pods")" ]
	for id in $(cat "$WORK/ids") $busy $idle; do
		[ -z "$(find /sys/fs/cgroup -maxdepth 5 -type d -path "*/berth/*$id" 2>/dev/null)" ]
	done
	! grep -q "$STORE" /proc/self/mountinfo
}

@test "pod: --share pid (+pid): members see each other's processes, berth-pause as PID 1" {
	run berth pod create --name pids --share +pid
	assert_success
	run berth pod inspect --format '{{range .SharedNamespaces}}{{.}} {{end}}' pids
	assert_output "ipc net uts pid "
	berth run -d --pod pids --name pa berth/default sleep 600 >/dev/null
	berth run -d --pod pids --name pb berth/default sleep 700 >/dev/null
	remember pids
	run berth exec pb ps -o pid,args
	assert_success
	assert_line --regexp '^ *1 /berth-pause$'
	assert_line --regexp 'sleep 600$'
	assert_line --regexp 'sleep 700$'
	[ "$(berth exec pa readlink /proc/self/ns/pid)" = "$(berth exec pb readlink /proc/self/ns/pid)" ]
	# a member stopped and started joins again (the infra's pid, checked at each start)
	berth stop -t 1 pa >/dev/null
	berth start pa >/dev/null
	run berth exec pa ps -o args
	assert_line 'sleep 700'
	# without pid in --share each container is PID 1 of its own
	berth pod create --name nopids >/dev/null
	berth run -d --pod nopids --name pc berth/default sleep 600 >/dev/null
	remember nopids
	run berth exec pc ps -o pid,args
	assert_line --regexp '^ *1 sleep 600$'
	refute_line --partial berth-pause
}

@test "pod: --share cgroup with --share-parent=false shares the infra's cgroup namespace" {
	run berth pod create --name cgns --share cgroup,ipc --share-parent=false
	assert_success
	run berth pod inspect --format '{{.CreateCgroup}}|{{.CgroupPath}}|{{.SharedNamespaces}}' cgns
	assert_output 'false||[cgroup ipc]'
	berth run -d --pod cgns --name ga berth/default sleep 600 >/dev/null
	berth run -d --pod cgns --name gb berth/default sleep 600 >/dev/null
	remember cgns
	infra=$(berth pod inspect --format '{{.InfraContainerID}}' cgns)
	a=$(berth exec ga readlink /proc/self/ns/cgroup)
	[ -n "$a" ] && [ "$a" = "$(berth exec gb readlink /proc/self/ns/cgroup)" ]
	[ "$a" = "$(berth exec "$infra" readlink /proc/self/ns/cgroup)" ]
	# not the net namespace: only what --share names
	[ "$(berth exec ga readlink /proc/self/ns/net)" != "$(berth exec gb readlink /proc/self/ns/net)" ]
}

@test "pod: members share the pod's /dev/shm with ipc (--shm-size); without ipc each has its own" {
	pod=$(berth pod create --name shm --shm-size 2m)
	berth run -d --pod shm --name wa berth/default sleep 600 >/dev/null
	berth run -d --pod shm --name wb berth/default sleep 600 >/dev/null
	remember shm
	berth exec wa sh -c 'echo shared-bytes > /dev/shm/x'
	run berth exec wb cat /dev/shm/x
	assert_success
	assert_output shared-bytes
	run berth exec wb df -k /dev/shm
	assert_line --regexp ' 2048 '
	# one tmpfs on the host, the pod's, while the pod is there
	grep -q " $STORE/pods/$pod/shm " /proc/self/mountinfo
	# a pod sharing no ipc: each member's /dev/shm is its own, of the pod's size (podman's)
	berth pod create --name noshm --share net --shm-size 3m >/dev/null
	berth run -d --pod noshm --name wc berth/default sleep 600 >/dev/null
	berth run -d --pod noshm --name wd berth/default sleep 600 >/dev/null
	remember noshm
	berth exec wc sh -c 'echo mine > /dev/shm/x'
	run berth exec wd cat /dev/shm/x
	assert_failure
	run berth exec wd df -k /dev/shm
	assert_line --regexp ' 3072 '
	berth pod rm -f shm >/dev/null
	! grep -q " $STORE/pods/$pod/shm " /proc/self/mountinfo
}

# The v1 (or v2) file of a cgroup.
cgfile() {
	if [ -f /sys/fs/cgroup/cgroup.controllers ]; then echo "/sys/fs/cgroup$2/$3"; else echo "/sys/fs/cgroup/$1$2/$3"; fi
}

@test "pod: --cpus, --cpuset-cpus, --memory on the pod's cgroup, its members' parent; --cgroup-parent" {
	pod=$(berth pod create --name lim --cpus 0.5 --cpuset-cpus 0 --memory 64m)
	run berth pod inspect --format '{{.CreateCgroup}} {{.CgroupParent}} {{.CgroupPath}} {{.cpu_period}} {{.cpu_quota}} {{.cpuset_cpus}} {{.memory_limit}} {{.memory_swap}}' lim
	assert_output "true /berth /berth/$pod 100000 50000 0 67108864 134217728"
	berth run -d --pod lim --name la berth/default sleep 600 >/dev/null
	remember lim
	la=$(berth inspect --format '{{.Id}}' la)
	pid=$(berth inspect --format '{{.State.Pid}}' la)
	grep -q ":memory:/berth/$pod/$la\$" /proc/$pid/cgroup || grep -q "^0::/berth/$pod/$la\$" /proc/$pid/cgroup
	if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
		[ "$(cat "$(cgfile x /berth/$pod memory.max)")" = 67108864 ]
		[ "$(cat "$(cgfile x /berth/$pod cpu.max)")" = "50000 100000" ]
	else
		[ "$(cat "$(cgfile memory /berth/$pod memory.limit_in_bytes)")" = 67108864 ]
		[ "$(cat "$(cgfile cpu /berth/$pod cpu.cfs_quota_us)")" = 50000 ]
		[ "$(cat "$(cgfile cpuset /berth/$pod cpuset.cpus)")" = 0 ]
	fi
	run berth exec la grep Cpus_allowed_list /proc/self/status
	assert_output --regexp ':\s+0$'
	# the pod's memory bounds its members: 100 MiB in a member's own /dev/shm is too much
	berth pod create --name small --share net --memory 32m --shm-size 256m >/dev/null
	run berth run --rm --pod small berth/default sh -c 'head -c 100m /dev/zero > /dev/shm/big; echo written'
	assert_failure 137
	run berth run --rm --pod small berth/default sh -c 'head -c 8m /dev/zero > /dev/shm/big; echo written'
	assert_success
	assert_output written
	# --cgroup-parent; the cgroups go with the pods
	parent=/berth-podtest-$BATS_TEST_NUMBER-$$
	echo "$parent" >"$WORK/cgparent"
	other=$(berth pod create --name parented --cgroup-parent "$parent")
	berth run -d --pod parented --name lb berth/default sleep 600 >/dev/null
	lb=$(berth inspect --format '{{.Id}}' lb)
	run berth pod inspect --format '{{.CgroupParent}} {{.CgroupPath}}' parented
	assert_output "$parent $parent/$other"
	grep -q "$parent/$other/$lb\$" /proc/$(berth inspect --format '{{.State.Pid}}' lb)/cgroup
	berth pod rm -af >/dev/null
	[ -z "$(find /sys/fs/cgroup -maxdepth 4 -type d \( -path "*/berth/$pod" -o -path "*$parent/$other" \) 2>/dev/null)" ]
}

@test "pod: --infra-image, --infra-command, --infra-name, --infra=false" {
	run berth pod create --name custom --infra-image berth/default --infra-command 'sleep 900' --infra-name custom-infra
	assert_success
	run berth pod inspect --format '{{range .Containers}}{{.Name}}{{end}}' custom
	assert_output custom-infra
	berth pod start custom >/dev/null
	run berth ps --format '{{.Names}} {{.Command}}'
	assert_output 'custom-infra "sleep 900"'
	berth pod create --name jsoncmd --infra-command '["sleep", "901"]' >/dev/null
	berth pod start jsoncmd >/dev/null
	run berth ps --filter pod=jsoncmd --format '{{.Command}}'
	assert_output '"sleep 901"'
	run berth pod create --name noinfra --infra=false
	assert_success
	run berth pod inspect --format '{{.CreateInfra}}|{{.InfraContainerID}}|{{.SharedNamespaces}}|{{.NumContainers}}' noinfra
	assert_output 'false||[]|0'
	# an infra name in use: nothing made
	run berth pod create --name clash --infra-name custom-infra
	assert_failure 125
	run berth pod ls --format '{{.Name}}'
	refute_line clash
	remember custom
	remember jsoncmd
}

@test "pod: pause, unpause, logs (-c, -n, --tail, -t, --since, -f), system prune takes stopped pods" {
	pod=$(berth pod create --name lg)
	berth run -d --pod lg --name alpha berth/default sh -c 'echo a1; echo a2; sleep 600' >/dev/null
	berth run -d --pod lg --name beta berth/default sh -c 'echo b1; sleep 600' >/dev/null
	remember lg
	alpha=$(berth inspect --format '{{.Id}}' alpha)
	beta=$(berth inspect --format '{{.Id}}' beta)
	for _ in $(seq 50); do berth logs beta | grep -q b1 && berth logs alpha | grep -q a2 && break; sleep 0.1; done
	run berth pod logs lg
	assert_success
	assert_output "$(printf '%s a1\n%s a2\n%s b1' "${alpha:0:12}" "${alpha:0:12}" "${beta:0:12}")"
	run berth pod logs --names lg
	assert_output "$(printf 'alpha a1\nalpha a2\nbeta b1')"
	run berth pod logs -c alpha --tail 1 lg
	assert_output a2
	run berth pod logs -t -n lg
	assert_line --regexp '^beta [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z b1$'
	run berth pod logs -t -c beta lg
	assert_output --regexp '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z b1$'
	run berth pod logs --since 2099-01-01T00:00:00Z lg
	assert_success
	assert_output ""
	run berth pod logs -c nosuch lg
	assert_failure 125
	assert_output --partial "container nosuch is not in pod lg: no such container"
	run berth pod logs nosuchpod
	assert_failure 125
	# -f: what a member writes later, until the pod stops
	berth pod logs -f -n lg >"$WORK/follow" 2>&1 3>&- &
	follower=$!
	echo "$follower" >"$WORK/follower"
	sleep 0.5
	berth exec alpha sh -c 'echo late > /proc/1/fd/1'
	for _ in $(seq 50); do grep -q 'alpha late' "$WORK/follow" && break; sleep 0.1; done
	grep -q '^alpha late$' "$WORK/follow"
	# pause, unpause: every container of the pod, the infra's too
	run berth pod pause lg
	assert_success
	assert_output "$pod"
	run berth pod inspect --format '{{.State}} {{range .Containers}}{{.State}} {{end}}' lg
	assert_output "Paused paused paused paused "
	run berth pod unpause lg
	assert_success
	run berth pod inspect --format '{{.State}}' lg
	assert_output Running
	berth pod stop -t 1 lg >/dev/null
	for _ in $(seq 100); do kill -0 "$follower" 2>/dev/null || break; sleep 0.1; done
	! kill -0 "$follower" 2>/dev/null
	# system prune: pods without a running container go first (podman's)
	up=$(berth pod create --name up)
	berth run -d --pod up --name runs berth/default sleep 600 >/dev/null
	remember up
	run berth system prune -f
	assert_success
	assert_line --index 0 "Deleted Pods"
	assert_line "$pod"
	run berth pod ls --format '{{.Name}}'
	assert_output up
	run berth ps -a --format '{{.Names}}'
	refute_line alpha
}

@test "pod: create NAME, --replace, exists (podman's)" {
	first=$(berth pod create byname)
	run berth pod inspect --format '{{.Id}}' byname
	assert_output "$first"
	run berth pod create --name a b
	assert_failure 125
	assert_output --partial "cannot specify --name and NAME at the same time"
	run berth pod exists byname
	assert_success
	run berth pod exists nosuch
	assert_failure 1
	run berth pod exists
	assert_failure
	assert_output --partial "requires exactly 1 argument"
	berth run -d --pod byname --name inner berth/default sleep 600 >/dev/null
	run berth pod create byname
	assert_failure 125
	# --replace: the pod of that name goes, running containers and all
	second=$(berth pod create --replace byname)
	[ "$second" != "$first" ]
	run berth pod ls --format '{{.ID}} {{.Name}}'
	assert_output "${second:0:12} byname"
	run berth ps -a --format '{{.Names}}'
	refute_line inner
	remember byname
	# one character is a pod's name (podman's NameRegex); a bad one is refused
	run berth pod create x
	assert_success
	remember x
	run berth pod create -- -x
	assert_failure 125
	assert_output --partial "names must match"
}

@test "pod: --add-host, --dns*, --ip, --mac-address, --network-alias are the infra's, seen by members; InfraConfig" {
	berth network create --subnet 10.89.7.0/24 h6podnet >/dev/null
	pod=$(berth pod create --name netp --network h6podnet --ip 10.89.7.50 --mac-address 92:d0:c6:0a:29:33 \
		--network-alias palias --add-host foo.example:10.1.2.3 --dns 192.0.2.53 --dns-search ex.test \
		--dns-option ndots:2)
	remember netp
	run berth run --rm --pod netp berth/default sh -c 'cat /etc/hosts /etc/resolv.conf /sys/class/net/eth0/address; ip -4 addr show eth0'
	assert_success
	assert_line --regexp '^10\.1\.2\.3\s+foo\.example$'
	assert_line 'nameserver 192.0.2.53'
	assert_line 'search ex.test'
	assert_line 'options ndots:2'
	assert_line '92:d0:c6:0a:29:33'
	assert_output --partial 'inet 10.89.7.50/24'
	# the pod's alias names it on its network, for others there
	run berth run --rm --network h6podnet berth/default cat /etc/hosts
	assert_line --regexp '^10\.89\.7\.50\s.*palias'
	run berth pod inspect netp
	assert_success
	[ "$(echo "$output" | jq -c '[.ExitPolicy, .InfraConfig.DNSServer, .InfraConfig.DNSSearch, .InfraConfig.DNSOption, .InfraConfig.HostAdd, .InfraConfig.Networks, .InfraConfig.StaticIP, .InfraConfig.StaticMAC, .InfraConfig.HostNetwork]')" = \
	  '["continue",["192.0.2.53"],["ex.test"],["ndots:2"],["foo.example:10.1.2.3"],["h6podnet"],"10.89.7.50","92:d0:c6:0a:29:33",false]' ]
	berth pod rm -f netp >/dev/null
}

@test "pod: -v, --volumes-from, --device, --security-opt, --sysctl on the infra; its members inherit them" {
	berth run -d --name donor -v /donated berth/default sh -c 'echo gift > /donated/g; sleep 600' >/dev/null
	mkdir "$WORK/bind"
	echo bound >"$WORK/bind/b"
	berth pod create --name vols -v h6podvol:/data -v /anon -v "$WORK/bind:/bind:ro" --volumes-from donor \
		--device /dev/null:/dev/podnull --security-opt no-new-privileges \
		--sysctl net.ipv4.ip_unprivileged_port_start=99 >/dev/null
	remember vols
	berth run --rm --pod vols berth/default sh -c 'echo hi > /data/x; echo yo > /anon/y' >/dev/null
	# the same named and anonymous volumes, binds, devices, security and the shared netns's sysctl
	run berth run --rm --pod vols berth/default sh -c 'cat /data/x /anon/y /bind/b /donated/g; test -c /dev/podnull && echo dev; grep NoNewPrivs /proc/self/status; cat /proc/sys/net/ipv4/ip_unprivileged_port_start; test -e /berth-pause || echo nopause; touch /bind/no 2>/dev/null || echo ro'
	assert_success
	assert_output "$(printf 'hi\nyo\nbound\ngift\ndev\nNoNewPrivs:\t1\n99\nnopause\nro')"
	# a member's own -v wins over the pod's at the same place (as --volumes-from's)
	run berth run --rm --pod vols -v h6other:/data berth/default sh -c 'ls /data | wc -l'
	assert_output 0
	run berth pod inspect vols
	[ "$(echo "$output" | jq -c '[.mounts[].Destination] | sort')" = '["/anon","/bind","/data","/donated"]' ]
	[ "$(echo "$output" | jq -c '[.security_opt, .volumes_from]')" = '[["no-new-privileges"],["donor"]]' ]
	# the pod's anonymous volume goes with it (podman's), its named one stays
	anon=$(echo "$output" | jq -r '.mounts[] | select(.Destination == "/anon") | .Name')
	berth pod rm -f vols >/dev/null
	run berth volume ls -q
	refute_line "$anon"
	assert_line h6podvol
}

@test "pod: --pid host with --share +pid: the members see the host's processes" {
	berth pod create --name hostpid --pid host --share +pid >/dev/null
	remember hostpid
	run berth run --rm --pod hostpid berth/default cat /proc/1/comm
	assert_success
	assert_output "$(cat /proc/1/comm)"
	run berth pod inspect --format '{{.InfraConfig.pid_ns}}' hostpid
	assert_output host
}

@test "pod: --cpu-shares, --cpuset-mems, --memory-swap, --device-read-bps, --device-write-bps on the pod's cgroup" {
	dev=/dev/$(basename "$(dirname "$(grep -l . /sys/block/*/dev | grep -v -e loop -e zram | head -1)")")
	[ -b "$dev" ] || skip "no block device"
	majmin=$(cat /sys/block/"$(basename "$dev")"/dev)
	pod=$(berth pod create --name res --cpu-shares 512 --cpuset-mems 0 --memory 100m --memory-swap 200m \
		--device-read-bps "$dev:1mb" --device-write-bps "$dev:2mb")
	run berth pod inspect res
	[ "$(echo "$output" | jq -c '[.cpu_shares, .cpuset_mems, .memory_limit, .memory_swap, .device_read_bps, .device_write_bps]')" = \
	  "[512,\"0\",104857600,209715200,[{\"Path\":\"$dev\",\"Rate\":1048576}],[{\"Path\":\"$dev\",\"Rate\":2097152}]]" ]
	berth run -d --pod res --name rm1 berth/default sleep 600 >/dev/null
	remember res
	if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
		grep -q "^$majmin rbps=1048576 wbps=2097152" "$(cgfile x /berth/$pod io.max)"
		[ "$(cat "$(cgfile x /berth/$pod memory.swap.max)")" = 104857600 ]
		[ "$(cat "$(cgfile x /berth/$pod cpuset.mems)")" = 0 ]
	else
		[ "$(cat "$(cgfile cpu /berth/$pod cpu.shares)")" = 512 ]
		[ "$(cat "$(cgfile cpuset /berth/$pod cpuset.mems)")" = 0 ]
		[ "$(cat "$(cgfile blkio /berth/$pod blkio.throttle.read_bps_device)")" = "$majmin 1048576" ]
		[ "$(cat "$(cgfile blkio /berth/$pod blkio.throttle.write_bps_device)")" = "$majmin 2097152" ]
		[ ! -f "$(cgfile memory /berth/$pod memory.memsw.limit_in_bytes)" ] ||
			[ "$(cat "$(cgfile memory /berth/$pod memory.memsw.limit_in_bytes)")" = 209715200 ]
	fi
	# --blkio-weight where the kernel has no weight file: refused, nothing left
	if [ ! -f /sys/fs/cgroup/cgroup.controllers ] && [ ! -f /sys/fs/cgroup/blkio/blkio.weight ]; then
		run berth pod create --name weighted --blkio-weight 300
		assert_failure 125
		assert_output --partial blkio.weight
		run berth pod exists weighted
		assert_failure 1
	fi
}

@test "pod: --exit-policy stop stops the pod when its last member exits; continue keeps it" {
	berth pod create --name stopper --exit-policy stop >/dev/null
	berth pod create --name keeper >/dev/null
	remember stopper
	remember keeper
	run berth pod inspect --format '{{.ExitPolicy}}' stopper
	assert_output stop
	run berth run --rm --pod stopper berth/default true
	assert_success
	run berth pod inspect --format '{{.State}}' stopper
	assert_output Exited
	# a member that has not exited keeps it: it stops after the last one
	berth run -d --pod stopper --name long berth/default sleep 600 >/dev/null
	berth run --pod stopper --name short berth/default true
	run berth pod inspect --format '{{.State}}' stopper
	assert_output Degraded
	berth stop -t 1 long >/dev/null
	# stop returns once long has exited; its monitor stops the pod right after
	for _ in $(seq 100); do
		[ "$(berth pod inspect --format '{{.State}}' stopper)" = Exited ] && break
		sleep 0.3
	done
	run berth pod inspect --format '{{.State}}' stopper
	assert_output Exited
	berth run --rm --pod keeper berth/default true
	run berth pod inspect --format '{{.State}} {{.ExitPolicy}}' keeper
	assert_output "Running continue"
	run berth pod create --exit-policy bogus
	assert_failure 125
	assert_output --partial 'invalid pod exit policy: "bogus"'
}

@test "pod: --pod-id-file, --label-file; what berth cannot do is refused, nothing made" {
	printf '# labels\ntier=back\n\nteam=b\n' >"$WORK/labels"
	pod=$(berth pod create --name idf --pod-id-file "$WORK/podid" --label-file "$WORK/labels" -l team=c)
	remember idf
	[ "$(cat "$WORK/podid")" = "$pod" ]
	run berth pod inspect --format '{{.Labels.tier}} {{.Labels.team}}' idf
	assert_output "back c"
	run berth pod create --pod-id-file "$WORK/podid"
	assert_failure 125
	assert_output --partial "pod id file exists. Ensure another pod is not using it or delete $WORK/podid"
	for args in "--gpus all" "--userns keep-id" "--uidmap 0:1" "--uts ns:/proc/1/ns/uts" \
		"--no-hosts --add-host a:1.2.3.4" "--infra=false --dns 1.1.1.1" "--share none -v /x" \
		"--blkio-weight 5" "--memory-swap 200m" "--memory 100m --memory-swap 50m" \
		"--security-opt label=disable" "--device-read-bps /dev/null:1mb" "--cpuset-mems x"; do
		run berth pod create --name refused $args
		assert_failure 125
		[ -n "$output" ]
	done
	run berth pod create --no-hosts --add-host a:1.2.3.4
	assert_output --partial "--no-hosts and --add-host cannot be set together"
	run berth pod create --infra=false --no-hosts
	assert_output --partial "cannot specify --no-hosts without an infra container"
	run berth pod create --gpus all
	assert_output --partial "--gpus: berth has no GPU support"
	# --help only prints
	run berth pod create --help
	assert_success
	assert_line --partial "Usage:  berth pod create [OPTIONS] [NAME]"
	run berth pod ls -q
	assert_output "$pod"
}

@test "pod: inspect shows the infra's settings and the pod's limits where podman 4.3's does" {
	command -v podman >/dev/null || skip "podman is not installed"
	PM="$WORK/pm"
	mkdir -p "$PM"
	pm() { timeout 120 podman --root "$PM/storage" --runroot "$PM/run" --tmpdir "$PM/tmp" --cgroup-manager cgroupfs --events-backend file "$@"; }
	flags=(--dns 192.0.2.53 --dns-search ex.test --dns-option ndots:2 --add-host foo.example:10.1.2.3
		--cpu-shares 512 --cpuset-mems 0 --memory 100m --memory-swap 200m --exit-policy stop
		--security-opt no-new-privileges -v /tmp:/hosttmp)
	pm pod create --name cmp "${flags[@]}" >/dev/null || { pm system reset -f >/dev/null 2>&1; skip "podman cannot make a pod here"; }
	want=$(pm pod inspect cmp)
	pm pod rm -f cmp >/dev/null
	pm system reset -f >/dev/null 2>&1 || true
	for m in $(awk '{print $5}' /proc/self/mountinfo | grep "^$PM/" | sort -r); do umount -l "$m"; done
	rm -rf "$PM"
	berth pod create --name cmp "${flags[@]}" >/dev/null
	remember cmp
	got=$(berth pod inspect cmp)
	q='[.ExitPolicy, (.InfraConfig | keys), .InfraConfig.DNSServer, .InfraConfig.DNSSearch, .InfraConfig.DNSOption, .InfraConfig.HostAdd, .InfraConfig.pid_ns, .InfraConfig.userns, .InfraConfig.uts_ns, .cpu_shares, .cpuset_mems, .memory_limit, .memory_swap, .security_opt, [.mounts[] | .Destination, .RW]]'
	[ "$(echo "$got" | jq -c "$q")" = "$(echo "$want" | jq -c "$q")" ]
}

@test "pod: --uts host: the infra and the members sharing uts have the host's hostname, and leave it alone" {
	before=$(hostname)
	# the "host" here is a UTS namespace of the test's own: a mistake renames it, not the machine
	run unshare --uts -- sh -c 'hostname berth-utstest
		"$0" --root "$1" --runroot "$2" pod create --name utsh --uts host >/dev/null &&
		"$0" --root "$1" --runroot "$2" run --rm --pod utsh berth/default hostname &&
		"$0" --root "$1" --runroot "$2" pod create --name utsown --uts host --share net >/dev/null &&
		"$0" --root "$1" --runroot "$2" run --rm --pod utsown berth/default hostname && hostname' \
		"$BERTH" "$STORE" "$RUNROOT"
	assert_success
	assert_line --index 0 berth-utstest
	refute_line --index 1 berth-utstest
	assert_line --index 2 berth-utstest
	[ "$(hostname)" = "$before" ]
	remember utsh
	remember utsown
	run berth pod inspect --format '{{.Hostname}}/{{.InfraConfig.uts_ns}}' utsh
	assert_output /host
	run berth pod create --uts host --hostname x
	assert_failure 125
	assert_output --partial "--hostname and --uts host: the pod's hostname is the host's"
}

@test "pod: --no-hosts: the infra and its network's members have the image's /etc/hosts" {
	berth pod create --name nohosts --no-hosts >/dev/null
	berth pod create --name nohostsipc --no-hosts --share ipc >/dev/null
	remember nohosts
	remember nohostsipc
	# the built-in image's /etc/hosts is empty; berth's names localhost and the pod
	run berth run --rm --pod nohosts berth/default wc -c /etc/hosts
	assert_output --regexp '^0 '
	run berth run --rm --pod nohostsipc berth/default grep -c ip6-allnodes /etc/hosts
	assert_output 1
	run berth pod inspect --format '{{.InfraConfig.NoManageHosts}}' nohosts
	assert_output true
}
