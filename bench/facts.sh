# bench/facts.sh: sourced by the benches (not run). bench_facts NAME prints one line with
# the facts that change a bench's answer, to print beside its ratios: the date, the kernel,
# the cgroup layout (v1, hybrid or v2), the CPU model, the cores, the memory and the load
# average (the machine may be shared: a load near the cores means the figures are noisy).
#
#   . "$here/bench/facts.sh"; bench_facts run
#   run: 2026-12-07, kernel 6.18.0-1-cloud-amd64, AMD EPYC 7B13, 2 cores, 7.8 GiB, cgroups
#   hybrid (v1 controllers, v2 at /sys/fs/cgroup/unified), load 2.10 2.31 2.40

# bench_cgroup_layout: "v2 (unified)", "hybrid (...)" or "v1"
bench_cgroup_layout() {
	if [ -e /sys/fs/cgroup/cgroup.controllers ]; then
		echo "v2 (unified)"
	elif [ -e /sys/fs/cgroup/unified/cgroup.controllers ]; then
		echo "hybrid (v1 controllers, v2 at /sys/fs/cgroup/unified)"
	else
		echo v1
	fi
}

bench_facts() {
	echo "$1: $(date -u '+%F %H:%M UTC'), kernel $(uname -r)," \
		"$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo), $(nproc) cores," \
		"$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)," \
		"cgroups $(bench_cgroup_layout), load $(cut -d' ' -f1-3 /proc/loadavg)"
}
